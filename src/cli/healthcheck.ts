import { UsageError, type CliEnv } from "./cli-env.ts";

/** GET /healthz on the local server; exit 0 on 204, 1 otherwise. No curl needed in containers. */
export async function healthcheck(env: CliEnv, args: string[]): Promise<number> {
  // A wildcard HOST listens on loopback too; a specific HOST may not.
  const host = ["0.0.0.0", "::", ""].includes(env.config.host) ? "127.0.0.1" : env.config.host.includes(":") ? `[${env.config.host}]` : env.config.host;
  let endpoint = `http://${host}:${env.config.port}`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg !== "--endpoint" && arg !== "-e") throw new UsageError(`unknown argument "${arg}"`);
    const value = args[++i];
    if (!value || !/^https?:\/\//.test(value)) throw new UsageError(`${arg} needs an http(s) URL`);
    endpoint = value.replace(/\/$/, "");
  }
  try {
    const res = await fetch(`${endpoint}/healthz`, { signal: AbortSignal.timeout(5000) });
    if (res.status === 204) return 0;
    env.stderr(`unhealthy: ${endpoint}/healthz answered ${res.status}\n`);
    return 1;
  } catch (e) {
    env.stderr(`unhealthy: cannot reach ${endpoint}/healthz (${e instanceof Error ? e.message : String(e)})\n`);
    return 1;
  }
}
