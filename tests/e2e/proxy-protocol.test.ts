/**
 * PROXY_PROTOCOL through `latchkey serve` run from the sources (issue 22 item 9): raw TCP connections send a PROXY
 * protocol v1 or v2 header, then HTTP; the access log (the client address every part of the app uses: audit log, rate
 * limits, sessions, geolocation read the same value) shows the header's address, rate limits count per header address and
 * TRUST_PROXY applies to it. Malformed and oversize headers close
 * the connection without an answer; a non-loopback peer without a header is refused; the inner HTTP server, reached
 * directly on loopback, cannot claim another address.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";
import { connect as tlsConnect } from "node:tls";
import { BUDGET_RULES } from "../../src/http/plugins/request-budgets.ts";
import { startSourceServer, type RunningBinary } from "../helpers/binary.ts";

setDefaultTimeout(30_000);

const KEY = "0123456789abcdef0123456789abcdef";

/** Writes `chunks` in order on one connection; resolves with everything answered once the server closes it (or after `closeAfterMs`). */
async function exchange(host: string, port: number, chunks: (string | Uint8Array)[], closeAfterMs = 0): Promise<{ answer: string; closedByServer: boolean }> {
  const { promise, resolve } = Promise.withResolvers<{ answer: string; closedByServer: boolean }>();
  let answer = "";
  let closedByUs = false;
  const decoder = new TextDecoder();
  const socket = await Bun.connect({
    hostname: host,
    port,
    socket: {
      data(_s, chunk) {
        answer += decoder.decode(chunk, { stream: true });
      },
      close() {
        resolve({ answer, closedByServer: !closedByUs });
      },
      error() {
        resolve({ answer, closedByServer: !closedByUs });
      },
    },
  });
  for (const c of chunks) {
    socket.write(c);
    await Bun.sleep(20);
  }
  if (closeAfterMs > 0) {
    await Bun.sleep(closeAfterMs);
    closedByUs = true;
    socket.end();
  }
  return promise;
}

const get = (path: string, close = true) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${close ? "Connection: close\r\n" : ""}\r\n`;

function v2Header(family: "tcp4" | "tcp6", source: number[], command = 1): Uint8Array {
  const sig = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
  const loopback = family === "tcp4" ? [127, 0, 0, 1] : [...new Array(15).fill(0), 1];
  const addr = [...source, ...loopback, 0x30, 0x39, 0x01, 0xbb];
  // A TLV after the addresses (type 0x04 NOOP, 3 bytes) is skipped with the rest of the header.
  const tlv = [0x04, 0x00, 0x03, 1, 2, 3];
  const len = addr.length + tlv.length;
  return new Uint8Array([...sig, 0x20 | command, family === "tcp4" ? 0x11 : 0x21, len >> 8, len & 255, ...addr, ...tlv]);
}

/** The client IP of the access-log line for `path` (LOG_JSON). */
async function loggedIps(server: RunningBinary, path: string, count = 1): Promise<string[]> {
  await server.waitForOutput(new RegExp(`("path":"${path}"[^\\n]*){1}`));
  const lines = () => (server.stdout() + server.stderr()).split("\n").filter((l) => l.includes(`"path":"${path}"`));
  for (let i = 0; i < 50 && lines().length < count; i++) await Bun.sleep(50);
  return lines().map((l) => JSON.parse(l.slice(l.indexOf("{"))).ip as string);
}

describe("PROXY_PROTOCOL=true", () => {
  let server: RunningBinary;
  let innerPort: number;
  beforeAll(async () => {
    server = await startSourceServer({ env: { ENCRYPTION_KEY: KEY, PROXY_PROTOCOL: "true", TRUST_PROXY: "10.0.0.0/8", LOG_JSON: "true", HOST: "0.0.0.0" } });
    const out = await server.waitForOutput(/forwards to 127\.0\.0\.1:(\d+)/);
    innerPort = Number(/forwards to 127\.0\.0\.1:(\d+)/.exec(out)![1]);
    expect(out).not.toContain("Pocket ID variables that Latchkey does not support");
    expect(out).toContain(`Latchkey is listening on 0.0.0.0:${server.port} (PROXY protocol)`);
  });
  afterAll(() => server.cleanup());

  test("a v1 header names the client; two requests on one kept-alive connection both keep it", async () => {
    const { answer } = await exchange("127.0.0.1", server.port, ["PROXY TCP4 203.0.113.7 127.0.0.1 40000 443\r\n", get("/pp-v1", false), get("/pp-v1")]);
    expect(answer.match(/HTTP\/1\.1 404/g)).toHaveLength(2);
    expect(await loggedIps(server, "/pp-v1", 2)).toEqual(["203.0.113.7", "203.0.113.7"]);
  });

  test("TRUST_PROXY applies to the header's address: X-Forwarded-For is read only when the header names a trusted proxy", async () => {
    const forwarded = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 198.51.100.50\r\nConnection: close\r\n\r\n`;
    await exchange("127.0.0.1", server.port, ["PROXY TCP4 10.1.2.3 127.0.0.1 1 2\r\n" + forwarded("/pp-trusted-hop")]);
    expect(await loggedIps(server, "/pp-trusted-hop")).toEqual(["198.51.100.50"]);
    await exchange("127.0.0.1", server.port, ["PROXY TCP4 203.0.113.7 127.0.0.1 1 2\r\n" + forwarded("/pp-untrusted-hop")]);
    expect(await loggedIps(server, "/pp-untrusted-hop")).toEqual(["203.0.113.7"]);
    // Without a header the loopback peer is itself, and 127.0.0.1 is not a trusted proxy here.
    await exchange("127.0.0.1", server.port, [forwarded("/pp-loopback-hop")]);
    expect(await loggedIps(server, "/pp-loopback-hop")).toEqual(["127.0.0.1"]);
  });

  test("rate limits count per header address: one client out of budget leaves another untouched", async () => {
    const body = "grant_type=refresh_token&refresh_token=guess";
    const failedToken = async (client: string) => {
      const request = `POST /api/oidc/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: Basic ${btoa("nobody:wrong")}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
      const { answer } = await exchange("127.0.0.1", server.port, [`PROXY TCP4 ${client} 127.0.0.1 1 2\r\n${request}`]);
      return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
    };
    const statuses: number[] = [];
    while (statuses.length < BUDGET_RULES.tokenFailuresPerIp.burst + 20 && statuses.at(-1) !== 429) statuses.push(await failedToken("203.0.113.30"));
    expect(statuses.at(-1)).toBe(429);
    expect(await failedToken("203.0.113.31")).toBe(401);
  });

  test("the header and the request may arrive in one packet or byte by byte", async () => {
    await exchange("127.0.0.1", server.port, ["PROXY TCP6 2001:DB8:0:0::9 ::1 40000 443\r\n" + get("/pp-v1-six")]);
    expect(await loggedIps(server, "/pp-v1-six")).toEqual(["2001:db8::9"]);
    const header = "PROXY TCP4 198.51.100.3 127.0.0.1 1 2\r\n";
    await exchange("127.0.0.1", server.port, [...header.split(""), get("/pp-v1-split")]);
    expect(await loggedIps(server, "/pp-v1-split")).toEqual(["198.51.100.3"]);
  });

  test("a v2 header (IPv4 and IPv6, with a TLV) names the client; LOCAL keeps the real peer", async () => {
    await exchange("127.0.0.1", server.port, [v2Header("tcp4", [192, 0, 2, 44]), get("/pp-v2-four")]);
    expect(await loggedIps(server, "/pp-v2-four")).toEqual(["192.0.2.44"]);
    await exchange("127.0.0.1", server.port, [v2Header("tcp6", [0x20, ...new Array(14).fill(0), 1]), get("/pp-v2-six")]);
    expect(await loggedIps(server, "/pp-v2-six")).toEqual(["2000::1"]);
    await exchange("127.0.0.1", server.port, [v2Header("tcp4", [192, 0, 2, 45], 0), get("/pp-v2-local")]);
    expect(await loggedIps(server, "/pp-v2-local")).toEqual(["127.0.0.1"]);
  });

  test("malformed and oversize headers close the connection without an HTTP answer", async () => {
    const bad = [
      "PROXY TCP4 203.0.113.7 not-an-ip 1 2\r\n",
      "PROXY TCP4 2001:db8::1 127.0.0.1 1 2\r\n",
      "PROXY TCP4 203.0.113.7 127.0.0.1 1 70000\r\n",
      "PROXY TCP5 203.0.113.7 127.0.0.1 1 2\r\n",
      "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n",
      `PROXY TCP4 203.0.113.7 127.0.0.1 1 2${" ".repeat(120)}\r\n`,
      "PROXY " + "x".repeat(200),
    ];
    for (const header of bad) {
      const { answer, closedByServer } = await exchange("127.0.0.1", server.port, [header, get("/pp-bad")]);
      expect({ header, answer, closedByServer }).toEqual({ header, answer: "", closedByServer: true });
    }
    const v2BadVersion = v2Header("tcp4", [192, 0, 2, 1]);
    v2BadVersion[12] = 0x31;
    expect(await exchange("127.0.0.1", server.port, [v2BadVersion, get("/pp-bad")])).toEqual({ answer: "", closedByServer: true });
    // Family TCP6 with a 21-byte address block (36 needed).
    const v2Short = v2Header("tcp4", [192, 0, 2, 1]);
    v2Short[13] = 0x21;
    expect(await exchange("127.0.0.1", server.port, [v2Short, get("/pp-bad")])).toEqual({ answer: "", closedByServer: true });
    expect((server.stdout() + server.stderr())).not.toContain('"path":"/pp-bad"');
  });

  test("a loopback peer without a header (a health check) is served as itself", async () => {
    const { answer } = await exchange("127.0.0.1", server.port, [get("/pp-plain")]);
    expect(answer).toStartWith("HTTP/1.1 404");
    expect(await loggedIps(server, "/pp-plain")).toEqual(["127.0.0.1"]);
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === "IPv4")?.address;
  test.skipIf(!external)("a non-loopback peer must send a header: without one it is refused, with one it is served", async () => {
    expect(await exchange(external!, server.port, [get("/pp-external-plain")])).toEqual({ answer: "", closedByServer: true });
    await exchange(external!, server.port, ["PROXY TCP4 203.0.113.77 127.0.0.1 1 2\r\n", get("/pp-external")]);
    expect(await loggedIps(server, "/pp-external")).toEqual(["203.0.113.77"]);
  });

  test("the inner server listens on loopback only, and a direct connection to it is its own loopback peer", async () => {
    if (external) await expect(exchange(external, innerPort, [get("/pp-inner-external")])).rejects.toThrow();
    // A front connection naming 203.0.113.8 stays open while another process talks to the inner port directly.
    const held = exchange("127.0.0.1", server.port, ["PROXY TCP4 203.0.113.8 127.0.0.1 1 2\r\n", get("/pp-held", false)], 500);
    await Bun.sleep(100);
    await exchange("127.0.0.1", innerPort, [get("/pp-inner")]);
    const spoof = await exchange("127.0.0.1", innerPort, ["PROXY TCP4 203.0.113.9 127.0.0.1 1 2\r\n" + get("/pp-inner-spoof")]);
    expect(spoof.answer).toStartWith("HTTP/1.1 400");
    await held;
    expect(await loggedIps(server, "/pp-held")).toEqual(["203.0.113.8"]);
    expect(await loggedIps(server, "/pp-inner")).toEqual(["127.0.0.1"]);
    expect((server.stdout() + server.stderr())).not.toContain("203.0.113.9");
  });
});

describe("PROXY_PROTOCOL with a list", () => {
  test("an unlisted loopback peer is served as itself and a header it sends is not believed", async () => {
    const server = await startSourceServer({ env: { ENCRYPTION_KEY: KEY, PROXY_PROTOCOL: "192.0.2.0/24", LOG_JSON: "true" } });
    try {
      await exchange("127.0.0.1", server.port, [get("/pp-list-plain")]);
      expect(await loggedIps(server, "/pp-list-plain")).toEqual(["127.0.0.1"]);
      const { answer } = await exchange("127.0.0.1", server.port, ["PROXY TCP4 203.0.113.7 127.0.0.1 1 2\r\n" + get("/pp-list")]);
      expect(answer).toStartWith("HTTP/1.1 400");
      expect((server.stdout() + server.stderr())).not.toContain("203.0.113.7");
    } finally {
      await server.cleanup();
    }
  });
});

describe("TLS and shutdown", () => {
  test("HTTPS behind the header: the bytes after it reach the TLS server unchanged; SIGTERM closes the public port too", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lk-pp-"));
    try {
      const cert = path.join(dir, "c.crt");
      const key = path.join(dir, "c.key");
      const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]);
      expect(made.exitCode).toBe(0);
      const server = await startSourceServer({
        env: { ENCRYPTION_KEY: KEY, PROXY_PROTOCOL: "true", LOG_JSON: "true", TLS_CERT_FILE: cert, TLS_KEY_FILE: key, APP_URL: "https://localhost" },
        waitUntilHealthy: false,
      });
      try {
        await server.waitForOutput(`Latchkey is listening on 127.0.0.1:${server.port} (PROXY protocol) (HTTPS)`);
        const tcp = tcpConnect({ host: "127.0.0.1", port: server.port });
        await new Promise((resolve) => tcp.once("connect", resolve));
        tcp.write("PROXY TCP4 203.0.113.21 127.0.0.1 1 443\r\n");
        const tls = tlsConnect({ socket: tcp, servername: "localhost", ca: readFileSync(cert, "utf8") });
        let answer = "";
        tls.on("data", (c: Buffer) => (answer += c.toString()));
        await new Promise((resolve) => tls.once("secureConnect", resolve));
        tls.write(get("/pp-tls"));
        await new Promise((resolve) => tls.once("close", resolve));
        expect(answer).toStartWith("HTTP/1.1 404");
        expect(await loggedIps(server, "/pp-tls")).toEqual(["203.0.113.21"]);
        expect(await server.stop()).toBe(0);
        await expect(exchange("127.0.0.1", server.port, [get("/pp-after-stop")])).rejects.toThrow();
      } finally {
        await server.cleanup();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("start-up", () => {
  test("a bad PROXY_PROTOCOL value, or PROXY_PROTOCOL with UNIX_SOCKET, stops the server with every problem listed", async () => {
    const server = await startSourceServer({ env: { ENCRYPTION_KEY: KEY, PROXY_PROTOCOL: "yes", TRUST_PROXY: "nope" }, waitUntilHealthy: false });
    try {
      expect(await server.exited).not.toBe(0);
      const out = server.stdout() + server.stderr();
      expect(out).toContain('PROXY_PROTOCOL must be true, false or a comma-separated list of IPs/CIDRs; invalid: yes');
      expect(out).toContain("TRUST_PROXY must be true, false or a comma-separated list of IPs/CIDRs; invalid: nope");
    } finally {
      await server.cleanup();
    }
    const withSocket = await startSourceServer({ env: { ENCRYPTION_KEY: KEY, PROXY_PROTOCOL: "true", UNIX_SOCKET: "lk.sock" }, waitUntilHealthy: false });
    try {
      expect(await withSocket.exited).not.toBe(0);
      expect(withSocket.stdout() + withSocket.stderr()).toContain("PROXY_PROTOCOL and UNIX_SOCKET cannot be used together");
    } finally {
      await withSocket.cleanup();
    }
  });
});
