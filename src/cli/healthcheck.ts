/**
 * `latchkey healthcheck [-e|--endpoint URL] [--unix-socket PATH] [-v|--verbose]`: GET /healthz on the local server;
 * exit 0 on 204, 1 otherwise. No curl needed in containers.
 * - --endpoint names another address; --unix-socket connects through that socket instead of TCP (the request still
 *   names the endpoint's host, localhost by default); -v prints the answer on stdout when healthy too.
 * - Without either, it goes where `serve` listens with the same configuration: HOST:PORT, or UNIX_SOCKET, over HTTPS
 *   when TLS_CERT/TLS_KEY are set (issue 22).
 */
import { parseArgs } from "node:util";
import { UsageError, type CliEnv } from "./cli-env.ts";

export async function healthcheck(env: CliEnv, args: string[]): Promise<number> {
  let values: { endpoint?: string; "unix-socket"?: string; verbose?: boolean };
  try {
    const parsed = parseArgs({
      args,
      options: { endpoint: { type: "string", short: "e" }, "unix-socket": { type: "string" }, verbose: { type: "boolean", short: "v" } },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
    values = parsed.values;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.endpoint !== undefined && !/^https?:\/\/[^/]/.test(values.endpoint)) throw new UsageError("--endpoint needs an http(s) URL");
  // UNIX_SOCKET: the server listens only there, so that is where the default check goes.
  const socket = values["unix-socket"] ?? (values.endpoint === undefined ? (env.config.unixSocket ?? undefined) : undefined);
  if (socket !== undefined && socket === "") throw new UsageError("--unix-socket needs a socket path");
  // A wildcard HOST listens on loopback too; a specific HOST may not.
  const host = ["0.0.0.0", "::", ""].includes(env.config.host) ? "127.0.0.1" : env.config.host.includes(":") ? `[${env.config.host}]` : env.config.host;
  const scheme = env.config.tls ? "https" : "http";
  const endpoint = (values.endpoint ?? (socket !== undefined ? `${scheme}://localhost` : `${scheme}://${host}:${env.config.port}`)).replace(/\/$/, "");
  // This machine's own server, reached by an address its certificate need not name: only whether it answers matters,
  // so the certificate is not checked. An --endpoint given is checked as usual.
  const ownServer = env.config.tls !== null && values.endpoint === undefined;
  const where = socket !== undefined ? `${endpoint}/healthz via ${socket}` : `${endpoint}/healthz`;
  const started = performance.now();
  try {
    const res = await fetch(`${endpoint}/healthz`, {
      signal: AbortSignal.timeout(5000),
      ...(socket !== undefined ? { unix: socket } : {}),
      ...(ownServer ? { tls: { rejectUnauthorized: false } } : {}),
    });
    if (res.status === 204) {
      if (values.verbose) env.stdout(`healthy: ${where} answered 204 in ${Math.round(performance.now() - started)} ms\n`);
      return 0;
    }
    env.stderr(`unhealthy: ${where} answered ${res.status}\n`);
    return 1;
  } catch (e) {
    env.stderr(`unhealthy: cannot reach ${where} (${e instanceof Error ? e.message : String(e)})\n`);
    return 1;
  }
}
