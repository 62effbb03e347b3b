import type { CliEnv } from "./cli-env.ts";

/** GET /healthz on the local server; exit 0 on 204, 1 otherwise. No curl needed in containers. */
export async function healthcheck(env: CliEnv, args: string[]): Promise<number> {
  let endpoint = `http://127.0.0.1:${env.config.port}`;
  const i = args.findIndex((a) => a === "--endpoint" || a === "-e");
  if (i >= 0 && args[i + 1]) endpoint = args[i + 1]!.replace(/\/$/, "");
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
