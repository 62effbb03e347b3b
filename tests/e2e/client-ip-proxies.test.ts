/**
 * The client address behind REAL proxies (Debian nginx 1.22 appending with $proxy_add_x_forwarded_for,
 * Caddy 2.6 reverse_proxy), with TRUST_PROXY=true (one hop), a list, and false. The person connects to
 * the proxy over IPv6 loopback (::1) or IPv4 (127.0.0.1), so the address the proxy appends differs from
 * the proxy's own (127.0.0.1) — and every request carries X-Forwarded-For lines the client made up.
 * What is checked is what an attacker wants to break: the failure budget of the token endpoint.
 * Skipped when nginx or caddy is not installed (tests/setup-system.sh installs both).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BUDGET_RULES } from "../../src/http/plugins/request-budgets.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { makeTempDir } from "../helpers/test-deps.ts";

const NGINX = Bun.which("nginx") ?? (Bun.file("/usr/sbin/nginx").size ? "/usr/sbin/nginx" : null);
const CADDY = Bun.which("caddy");
const available = !!NGINX && !!CADDY;

function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

/** Resolves once `host:port` accepts a connection (the proxy has bound its socket). */
async function listening(host: string, port: number, what: string, logs: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await Bun.connect({ hostname: host, port, socket: { data() {}, open(s) { s.end(); } } }).then(() => true, () => false);
    if (ok) return;
    await Bun.sleep(25);
  }
  throw new Error(`${what} did not start:\n${logs()}`);
}

/** One raw HTTP/1.1 request to the proxy (several X-Forwarded-For lines need a raw socket); returns the status. */
async function failedTokenRequest(host: string, port: number, forwardedLines: string[]): Promise<number> {
  const { promise, resolve } = Promise.withResolvers<string>();
  let buffer = "";
  const socket = await Bun.connect({
    hostname: host,
    port,
    socket: {
      data(_s, chunk) {
        buffer += new TextDecoder().decode(chunk);
      },
      close() {
        resolve(buffer);
      },
    },
  });
  const body = "grant_type=refresh_token&refresh_token=guess";
  const auth = "Basic " + Buffer.from("nobody:wrong").toString("base64");
  socket.write(
    `POST /api/oidc/token HTTP/1.1\r\nHost: localhost:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: ${auth}\r\n` +
      forwardedLines.map((l) => `X-Forwarded-For: ${l}\r\n`).join("") +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
  const text = await promise;
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? "0");
}

function nginxConf(dir: string, port: number, latchkey: number): string {
  return `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    listen [::1]:${port};
    location / {
      proxy_pass http://127.0.0.1:${latchkey};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`;
}

function caddyfile(port: number, latchkey: number): string {
  return `{
\tadmin off
\tauto_https off
}
http://:${port} {
\tbind 127.0.0.1 [::1]
\treverse_proxy 127.0.0.1:${latchkey}
}
`;
}

const spoofs = (i: number) => [`${(i * 37) % 223 + 1}.${i % 250}.9.${i + 1}`, `2001:db8:${i.toString(16)}::1, 10.0.0.${i % 250}`];

describe.skipIf(!available)("client IP behind real nginx and Caddy", () => {
  const tmp = makeTempDir("latchkey-client-ip-");
  const procs: ReturnType<typeof Bun.spawn>[] = [];
  const servers: Record<string, TestServer> = {};
  const ports: Record<string, { nginx: number; caddy: number }> = {};
  const modes = ["true", "127.0.0.1/32", "false"] as const;

  beforeAll(async () => {
    for (const mode of modes) {
      const server = await startTestServer({ TRUST_PROXY: mode }, { clock: "fixed" });
      servers[mode] = server;
      const p = { nginx: freePort(), caddy: freePort() };
      ports[mode] = p;
      const nginxDir = path.join(tmp.dir, `nginx-${modes.indexOf(mode)}`);
      mkdirSync(nginxDir);
      writeFileSync(path.join(nginxDir, "nginx.conf"), nginxConf(nginxDir, p.nginx, server.port));
      procs.push(Bun.spawn([NGINX!, "-p", nginxDir, "-c", path.join(nginxDir, "nginx.conf"), "-g", "daemon off;"], { stdout: "ignore", stderr: "ignore" }));
      const caddyDir = path.join(tmp.dir, `caddy-${modes.indexOf(mode)}`);
      mkdirSync(caddyDir);
      writeFileSync(path.join(caddyDir, "Caddyfile"), caddyfile(p.caddy, server.port));
      procs.push(
        Bun.spawn([CADDY!, "run", "--config", path.join(caddyDir, "Caddyfile"), "--adapter", "caddyfile"], {
          env: { ...process.env, HOME: caddyDir, XDG_DATA_HOME: caddyDir, XDG_CONFIG_HOME: caddyDir },
          stdout: "ignore",
          stderr: "ignore",
        }),
      );
      for (const host of ["127.0.0.1", "::1"]) {
        await listening(host, p.nginx, "nginx", () => readFileSync(path.join(nginxDir, "error.log"), "utf8"));
        await listening(host, p.caddy, "caddy", () => "");
      }
    }
  });

  afterAll(async () => {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    for (const s of Object.values(servers)) await s.stop();
    tmp.cleanup();
  });

  for (const proxy of ["nginx", "caddy"] as const) {
    test.each([
      // [TRUST_PROXY, does a different client (IPv4 instead of IPv6) get its own budget?]
      ["true", true],
      ["127.0.0.1/32", true],
      ["false", false], // everyone is the proxy: that is why the proxy must be trusted
    ] as const)(`${proxy}, TRUST_PROXY=%p: made-up X-Forwarded-For lines buy no fresh budget`, async (mode, separate) => {
      const port = ports[mode]![proxy];
      const statuses: number[] = [];
      for (let i = 0; i <= BUDGET_RULES.tokenFailuresPerIp.burst; i++) statuses.push(await failedTokenRequest("::1", port, spoofs(i + (proxy === "caddy" ? 100 : 0))));
      expect(statuses).toEqual([...Array(BUDGET_RULES.tokenFailuresPerIp.burst).fill(401), 429]);
      // The same made-up lines from another address: its own budget when the proxy's appended entry is used.
      expect(await failedTokenRequest("127.0.0.1", port, spoofs(1))).toBe(separate ? 401 : 429);
      // Reset for the other proxy's run on this server: every bucket refills.
      servers[mode]!.deps.clock.advance(BUDGET_RULES.tokenFailuresPerIp.perSeconds * BUDGET_RULES.tokenFailuresPerIp.burst);
    });
  }
});
