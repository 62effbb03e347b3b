/**
 * Real reverse proxies for end-to-end tests: Debian nginx and Caddy started in a temp folder on loopback
 * (never the system service), stopped by the caller (`proc.kill()`). tests/setup-system.sh installs both;
 * tests skip themselves when `PROXIES_AVAILABLE` is false.
 *
 *   const dir = …; const port = freePort();
 *   const nginx = await startNginx(dir, `server { listen 127.0.0.1:${port}; … }`, [["127.0.0.1", port]]);
 *   const caddy = await startCaddy(dir, `http://:${port} { … }`, [["127.0.0.1", port]]);
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const NGINX = Bun.which("nginx") ?? (Bun.file("/usr/sbin/nginx").size ? "/usr/sbin/nginx" : null);
export const CADDY = Bun.which("caddy");
export const PROXIES_AVAILABLE = !!NGINX && !!CADDY;

/** A loopback port nobody listens on right now. */
export function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

/** Resolves once `host:port` accepts a TCP connection (the proxy has bound its socket). */
export async function listening(host: string, port: number, what: string, logs: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await Bun.connect({ hostname: host, port, socket: { data() {}, open(s) { s.end(); } } }).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await Bun.sleep(25);
  }
  throw new Error(`${what} did not start:\n${logs()}`);
}

/** An nginx.conf of one worker whose http block holds `servers`, with every path inside `dir`. */
export function nginxConf(dir: string, servers: string): string {
  return `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${servers}
}
`;
}

/** Starts nginx from `dir` (created) with `servers` and waits for every listen address. */
export async function startNginx(dir: string, servers: string, listens: [host: string, port: number][]): Promise<ReturnType<typeof Bun.spawn>> {
  mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, "nginx.conf");
  writeFileSync(conf, nginxConf(dir, servers));
  const proc = Bun.spawn([NGINX!, "-p", dir, "-c", conf, "-g", "daemon off;"], { stdout: "ignore", stderr: "ignore" });
  for (const [host, port] of listens) await listening(host, port, "nginx", () => readFileSync(path.join(dir, "error.log"), "utf8"));
  return proc;
}

/** Starts Caddy from `dir` (created) with `sites` (admin API and automatic HTTPS off) and waits for every listen address. */
export async function startCaddy(dir: string, sites: string, listens: [host: string, port: number][]): Promise<ReturnType<typeof Bun.spawn>> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "Caddyfile");
  writeFileSync(file, `{\n\tadmin off\n\tauto_https off\n}\n${sites}\n`);
  const proc = Bun.spawn([CADDY!, "run", "--config", file, "--adapter", "caddyfile"], {
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    stdout: "ignore",
    stderr: "ignore",
  });
  for (const [host, port] of listens) await listening(host, port, "caddy", () => `exit code: ${proc.exitCode ?? "still running"}; run \`caddy adapt --config ${file}\` to see why`);
  return proc;
}
