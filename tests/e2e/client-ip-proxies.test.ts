/**
 * The client address behind REAL proxies (Debian nginx 1.22 appending with $proxy_add_x_forwarded_for,
 * Caddy 2.6 reverse_proxy), with TRUST_PROXY=true (one hop), a list, and false. The person connects to
 * the proxy over IPv6 loopback (::1) or IPv4 (127.0.0.1), so the address the proxy appends differs from
 * the proxy's own (127.0.0.1) — and every request carries X-Forwarded-For lines the client made up.
 * What is checked is what an attacker wants to break: the failure budget of the token endpoint.
 * Skipped when nginx or caddy is not installed (tests/setup-system.sh installs both).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import path from "node:path";
import { BUDGET_RULES } from "../../src/http/plugins/request-budgets.ts";
import { freePort, PROXIES_AVAILABLE, startCaddy, startNginx } from "../helpers/proxies.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { makeTempDir } from "../helpers/test-deps.ts";
import { rawHttp, statusOf } from "../helpers/raw-http.ts";

/** One raw HTTP/1.1 request to the proxy (several X-Forwarded-For lines need a raw socket); returns the status. */
async function failedTokenRequest(host: string, port: number, forwardedLines: string[]): Promise<number> {
  const body = "grant_type=refresh_token&refresh_token=guess";
  const auth = "Basic " + Buffer.from("nobody:wrong").toString("base64");
  const answer = await rawHttp(
    host,
    port,
    `POST /api/oidc/token HTTP/1.1\r\nHost: localhost:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: ${auth}\r\n` +
      forwardedLines.map((l) => `X-Forwarded-For: ${l}\r\n`).join("") +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
  return statusOf(answer);
}

function nginxServer(port: number, latchkey: number): string {
  return `  server {
    listen 127.0.0.1:${port};
    listen [::1]:${port};
    location / {
      proxy_pass http://127.0.0.1:${latchkey};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }`;
}

function caddySite(port: number, latchkey: number): string {
  return `http://:${port} {
\tbind 127.0.0.1 [::1]
\treverse_proxy 127.0.0.1:${latchkey}
}`;
}

const spoofs = (i: number) => [`${(i * 37) % 223 + 1}.${i % 250}.9.${i + 1}`, `2001:db8:${i.toString(16)}::1, 10.0.0.${i % 250}`];

describe.skipIf(!PROXIES_AVAILABLE)("client IP behind real nginx and Caddy", () => {
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
      const listens = (port: number) => ["127.0.0.1", "::1"].map((host) => [host, port] as [string, number]);
      procs.push(await startNginx(path.join(tmp.dir, `nginx-${modes.indexOf(mode)}`), nginxServer(p.nginx, server.port), listens(p.nginx)));
      procs.push(await startCaddy(path.join(tmp.dir, `caddy-${modes.indexOf(mode)}`), caddySite(p.caddy, server.port), listens(p.caddy)));
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
