/**
 * Pocket ID's listener and deployment variables, through `latchkey serve` run from the sources (issue 22 item 9):
 * - Pocket ID variables Latchkey does not support are named in one start-up warning, never silently ignored.
 * - UNIX_SOCKET (+ UNIX_SOCKET_MODE): served on the socket file (with that mode) instead of TCP; `latchkey healthcheck`
 *   checks the socket; a stale socket file is replaced, a live one or a regular file refuses the start.
 * - TLS_CERT_FILE / TLS_KEY_FILE: HTTPS served directly (a self-signed certificate made by openssl here); plain HTTP
 *   is not answered; `latchkey healthcheck` checks over HTTPS.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SOURCE_COMMAND, startSourceServer, type RunningBinary } from "../helpers/binary.ts";

// Real processes on a loaded 2-core machine.
setDefaultTimeout(30_000);

const KEY = "0123456789abcdef0123456789abcdef";
let servers: RunningBinary[] = [];
let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.cleanup()));
  servers = [];
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
function tempDir(): string {
  // Short: a socket path holds at most 103 bytes.
  const dir = mkdtempSync(path.join(tmpdir(), "lk-env-"));
  dirs.push(dir);
  return dir;
}
async function cli(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn([...SOURCE_COMMAND, ...args], { cwd: tempDir(), env: { PATH: process.env.PATH ?? "", TZ: "UTC", ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}
async function start(env: Record<string, string>, opts: { waitUntilHealthy?: boolean } = {}): Promise<RunningBinary> {
  const server = await startSourceServer({ env: { ENCRYPTION_KEY: KEY, ...env }, ...opts });
  servers.push(server);
  return server;
}

const WARNING = "Pocket ID variables that Latchkey does not support are set and ignored:";

test("unsupported Pocket ID variables are named in one warning line, sorted; supported ones are not", async () => {
  const server = await start({
    SYSTEMD_SOCKET: "true",
    S3_BUCKET: "uploads",
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
    PUBLIC_APP_URL: "https://old.example.com",
    VERSION_CHECK_DISABLED: "",
    TRUST_PROXY: "true",
    LOG_LEVEL: "info",
  });
  const out = await server.waitForOutput(WARNING);
  const lines = out.split("\n").filter((l) => l.includes(WARNING));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toEndWith(`${WARNING} OTEL_EXPORTER_OTLP_ENDPOINT, PUBLIC_APP_URL, S3_BUCKET, SYSTEMD_SOCKET`);
});

test("no warning when only supported variables are set", async () => {
  const server = await start({ TRUST_PROXY: "true", TRUSTED_PLATFORM: "CF-Connecting-IP" });
  await server.waitForOutput("Latchkey is listening");
  expect(server.stderr() + server.stdout()).not.toContain(WARNING);
  expect(server.stderr() + server.stdout()).not.toContain("TRUSTED_PLATFORM");
});

test("TRUSTED_PLATFORM without TRUST_PROXY: a warning says the header is ignored and what to set", async () => {
  const server = await start({ TRUSTED_PLATFORM: "CF-Connecting-IP" });
  await server.waitForOutput("TRUSTED_PLATFORM (cf-connecting-ip) is read only from a trusted proxy, and TRUST_PROXY is not set: the header is ignored.");
});

describe("UNIX_SOCKET", () => {
  test("serves on the socket with UNIX_SOCKET_MODE, not on TCP; healthcheck reaches it; the file is removed on stop", async () => {
    const socket = path.join(tempDir(), "latchkey.sock");
    const server = await start({ UNIX_SOCKET: socket, UNIX_SOCKET_MODE: "0660", LOG_JSON: "true" }, { waitUntilHealthy: false });
    await server.waitForOutput(`Latchkey is listening on unix socket ${socket}`);
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o660);
    const health = await fetch("http://localhost/healthz", { unix: socket });
    expect(health.status).toBe(204);
    const discovery = (await (await fetch("http://localhost/.well-known/openid-configuration", { unix: socket })).json()) as { issuer: string };
    expect(discovery.issuer).toBe(server.url);
    // Nothing on the TCP port the helper would otherwise use.
    expect(await fetch(`${server.url}/healthz`).then(() => "answered", () => "refused")).toBe("refused");
    expect(await cli(["healthcheck"], { UNIX_SOCKET: socket })).toEqual({ stdout: "", stderr: "", exitCode: 0 });
    // The proxy on the socket counts as 127.0.0.1: without TRUST_PROXY X-Forwarded-For is not read (access log).
    await fetch("http://localhost/no-such-page", { unix: socket, headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(await server.waitForOutput(/"path":"\/no-such-page"[^\n]*"ip":"127\.0\.0\.1"/)).not.toContain('"ip":"203.0.113.7"');
    expect(await server.stop()).toBe(0);
    expect(() => statSync(socket)).toThrow();
    const down = await cli(["healthcheck"], { UNIX_SOCKET: socket });
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toStartWith(`unhealthy: cannot reach http://localhost/healthz via ${socket} (`);
  });

  test("with TRUST_PROXY=true the proxy's X-Forwarded-For hop names the client (access log)", async () => {
    const socket = path.join(tempDir(), "p.sock");
    const server = await start({ UNIX_SOCKET: socket, TRUST_PROXY: "true", LOG_JSON: "true" }, { waitUntilHealthy: false });
    await server.waitForOutput("Latchkey is listening on unix socket");
    await fetch("http://localhost/no-such-page", { unix: socket, headers: { "x-forwarded-for": "198.51.100.1, 203.0.113.7" } });
    await server.waitForOutput(/"path":"\/no-such-page"[^\n]*"ip":"203\.0\.113\.7"/);
  });

  test("a stale socket file is replaced; a live server's socket or a regular file refuses the start (exit 1)", async () => {
    const dir = tempDir();
    // A socket file left by a killed process: nobody answers on it any more.
    const stale = path.join(dir, "stale.sock");
    const owner = Bun.spawn([process.execPath, "-e", `Bun.listen({ unix: ${JSON.stringify(stale)}, socket: { data() {} } }); console.log("up")`], { stdout: "pipe" });
    const reader = owner.stdout.getReader();
    await reader.read();
    owner.kill("SIGKILL");
    await owner.exited;
    expect(statSync(stale).isSocket()).toBe(true);
    const server = await start({ UNIX_SOCKET: stale }, { waitUntilHealthy: false });
    await server.waitForOutput(`Latchkey is listening on unix socket ${stale}`);
    expect((await fetch("http://localhost/healthz", { unix: stale })).status).toBe(204);

    // The running server's socket is not taken over by a second one (PostgreSQL allows several instances).
    const second = await start({ UNIX_SOCKET: stale, DB_CONNECTION_STRING: path.join(dir, "other", "x.db") }, { waitUntilHealthy: false });
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`UNIX_SOCKET ${stale} is in use by another running server`);
    expect((await fetch("http://localhost/healthz", { unix: stale })).status).toBe(204);

    const file = path.join(dir, "plain");
    writeFileSync(file, "x");
    const refused = await start({ UNIX_SOCKET: file, DB_CONNECTION_STRING: path.join(dir, "third", "x.db") }, { waitUntilHealthy: false });
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toContain(`UNIX_SOCKET ${file} exists and is not a socket`);
  });

  test("UNIX_SOCKET_MODE must be octal and needs UNIX_SOCKET: every problem listed, exit 1", async () => {
    const r = await cli(["serve"], { UNIX_SOCKET_MODE: "rw-rw----", PORT: "x" });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('UNIX_SOCKET_MODE must be an octal file mode such as 0660, got "rw-rw----"');
    expect(r.stderr).toContain('PORT must be a number from 0 to 65535, got "x"');
    const alone = await cli(["serve"], { UNIX_SOCKET_MODE: "0660" });
    expect(alone.stderr).toContain("UNIX_SOCKET_MODE is set but UNIX_SOCKET is not");
  });
});

/** A self-signed P-256 certificate for localhost, made by openssl in `dir`. */
function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const r = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
  return { cert, key };
}

describe("TLS_CERT_FILE / TLS_KEY_FILE", () => {
  test("serves HTTPS with the certificate; plain HTTP gets no answer; healthcheck checks over HTTPS", async () => {
    const dir = tempDir();
    const { cert, key } = selfSigned(dir, "localhost");
    const server = await start({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key, APP_URL: "https://localhost" }, { waitUntilHealthy: false });
    await server.waitForOutput(`Latchkey is listening on 127.0.0.1:${server.port} (HTTPS)`);
    const ca = readFileSync(cert, "utf8");
    const res = await fetch(`https://localhost:${server.port}/healthz`, { tls: { ca } });
    expect(res.status).toBe(204);
    const discovery = (await (await fetch(`https://localhost:${server.port}/.well-known/openid-configuration`, { tls: { ca } })).json()) as { issuer: string };
    expect(discovery.issuer).toBe("https://localhost");
    // Without the certificate as a trust anchor the connection is refused: it really is that certificate.
    expect(await fetch(`https://localhost:${server.port}/healthz`).then(() => "trusted", () => "untrusted")).toBe("untrusted");
    expect(await fetch(`http://localhost:${server.port}/healthz`, { signal: AbortSignal.timeout(3000) }).then((r) => r.status, () => "no answer")).not.toBe(204);
    const env = { TLS_CERT_FILE: cert, TLS_KEY_FILE: key, PORT: String(server.port), HOST: "127.0.0.1" };
    expect(await cli(["healthcheck"], env)).toEqual({ stdout: "", stderr: "", exitCode: 0 });
    // An explicit endpoint is verified as usual: the self-signed certificate is not trusted there.
    expect((await cli(["healthcheck", "--endpoint", `https://localhost:${server.port}`], env)).exitCode).toBe(1);
  });

  test("a key that is not the certificate's, a missing half or an unreadable file: every problem listed, exit 1", async () => {
    const dir = tempDir();
    const a = selfSigned(dir, "a");
    const b = selfSigned(dir, "b");
    const mismatch = await cli(["serve"], { TLS_CERT_FILE: a.cert, TLS_KEY_FILE: b.key, PORT: "x" });
    expect(mismatch.exitCode).toBe(1);
    expect(mismatch.stderr).toContain("TLS_KEY_FILE (or TLS_KEY) is not the private key of the certificate in TLS_CERT_FILE (or TLS_CERT)");
    expect(mismatch.stderr).toContain('PORT must be a number from 0 to 65535, got "x"');
    const half = await cli(["serve"], { TLS_CERT_FILE: a.cert });
    expect(half.stderr).toContain("TLS_CERT_FILE (or TLS_CERT) and TLS_KEY_FILE (or TLS_KEY) must be set together");
    const unreadable = await cli(["serve"], { TLS_CERT_FILE: path.join(dir, "missing.crt"), TLS_KEY_FILE: a.key });
    expect(unreadable.stderr).toContain(`TLS_CERT_FILE: cannot read "${path.join(dir, "missing.crt")}"`);
    const notPem = await cli(["serve"], { TLS_CERT_FILE: a.key, TLS_KEY_FILE: a.key });
    expect(notPem.stderr).toContain("TLS_CERT_FILE (or TLS_CERT) does not hold a PEM certificate");
  });
});
