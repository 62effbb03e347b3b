/**
 * Pocket ID's command-line surface, from real processes (`bun src/main.ts …`, as tests/e2e/cli.test.ts runs them):
 * - every command answers --help and -h with its usage on stdout, exit 0, without reading the configuration;
 * - key-rotate -a/--alg, -c/--crv, -y/--yes; encryption-key-rotate --yes; export -p/--path (- = stdout);
 *   import -p/--path -y/--yes; healthcheck -v/--verbose and --unix-socket;
 * - on a terminal (a pty from util-linux `script`) the commands Pocket ID confirms ask first unless --yes, and an
 *   answer other than yes changes nothing (exit 1); without a terminal they run as they always did.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { loadConfig } from "../../src/config.ts";
import { silentLog } from "../../src/lib/log.ts";
import { ensureSigningKey, publishedJwks } from "../../src/oidc/signing-keys.ts";
import { openRuntime } from "../../src/runtime.ts";
import { SOURCE_COMMAND } from "../helpers/binary.ts";
import { makeTempDir, TEST_ENCRYPTION_KEY } from "../helpers/test-deps.ts";

setDefaultTimeout(60_000);

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function tempDir(): string {
  const { dir, cleanup } = makeTempDir("latchkey-cli-parity-");
  cleanups.push(cleanup);
  return dir;
}

const BASE_ENV = { APP_URL: "http://localhost:1411", ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };

async function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const proc = Bun.spawn([...SOURCE_COMMAND, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: { PATH: process.env.PATH ?? "", TZ: "UTC", ...options.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).bytes(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout: new TextDecoder().decode(stdout), bytes: stdout, stderr, exitCode };
}

/** Runs a command with a terminal as stdin (util-linux `script`), typing `input`; returns everything the terminal showed. */
async function onTerminal(args: string[], input: string, options: { cwd: string; env?: Record<string, string> }) {
  const command = [...SOURCE_COMMAND, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  const proc = Bun.spawn(["script", "-qec", command, "/dev/null"], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", TZ: "UTC", TERM: "dumb", ...options.env },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  proc.stdin.write(input);
  await proc.stdin.flush();
  const [out, exitCode] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  proc.stdin.end();
  return { out, exitCode };
}

/** A data folder with a signing key; returns the folder and the key's kid. */
function instance(): { cwd: string; kid: string } {
  const cwd = tempDir();
  const rt = openRuntime(loadConfig(BASE_ENV, cwd), silentLog);
  try {
    return { cwd, kid: ensureSigningKey(rt) };
  } finally {
    rt.close();
  }
}

function jwks(cwd: string) {
  const rt = openRuntime(loadConfig(BASE_ENV, cwd), silentLog);
  try {
    return publishedJwks(rt).keys;
  } finally {
    rt.close();
  }
}

describe("--help and -h", () => {
  test("every command listed by `latchkey help` prints its usage on stdout, exit 0, without reading the configuration", async () => {
    const list = await cli(["help"]);
    const names = [...list.stdout.matchAll(/^ {2}([a-z-]+) {2,}\S/gm)].map((m) => m[1]!);
    expect(names).toEqual(["serve", "healthcheck", "client", "key-rotate", "one-time-access-token", "backup", "encryption-key-rotate", "export", "import", "import-pocket-id", "restore", "version", "help"]);
    for (const name of names) {
      for (const flag of ["--help", "-h"]) {
        const cwd = tempDir();
        // An invalid configuration would exit 1: help never reads it, and writes nothing.
        const r = await cli([name, flag], { cwd, env: { PORT: "99999" } });
        expect([name, flag, r.exitCode, r.stderr]).toEqual([name, flag, 0, ""]);
        expect(r.stdout).toStartWith(`Usage: latchkey ${name === "serve" ? "[serve]" : name}`);
        expect(r.stdout).toMatch(/^ {2}-h, --help +show this help$/m);
        expect(readdirSync(cwd)).toEqual([]);
      }
    }
  });

  test("after other arguments and as `latchkey help COMMAND` too; a value after -- is not a help flag", async () => {
    const keyRotate = await cli(["key-rotate", "--help"]);
    expect(keyRotate.stdout).toContain("-a, --alg ALG");
    expect(keyRotate.stdout).toContain("-c, --crv CURVE");
    expect(keyRotate.stdout).toContain("-y, --yes");
    expect(await cli(["help", "key-rotate"])).toEqual(keyRotate);
    expect((await cli(["client", "create", "--name", "x", "-h"])).stdout).toStartWith("Usage: latchkey client create");
    const unknown = await cli(["help", "frobnicate"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toStartWith('latchkey help: unknown command "frobnicate"\n');
    const afterDashes = await cli(["one-time-access-token", "--", "-h"], { env: BASE_ENV });
    expect(afterDashes.exitCode).toBe(2);
  });
});

describe("key-rotate", () => {
  test("-a/--alg, -c/--crv and -y/--yes, with Pocket ID's names in any letter case", async () => {
    const { cwd, kid } = instance();
    const es = await cli(["key-rotate", "-a", "ES256", "-y"], { cwd, env: BASE_ENV });
    expect(es.exitCode).toBe(0);
    expect(JSON.parse(es.stdout)).toMatchObject({ alg: "ES256", retiredKid: kid });
    const ed = await cli(["key-rotate", "--alg", "eddsa", "--crv", "ed25519", "--yes"], { cwd, env: BASE_ENV });
    expect(ed.exitCode).toBe(0);
    expect(JSON.parse(ed.stdout)).toMatchObject({ alg: "EdDSA", retiredKid: JSON.parse(es.stdout).kid });
    const edShort = await cli(["key-rotate", "-a", "EdDSA", "-c", "Ed25519"], { cwd, env: BASE_ENV });
    expect(edShort.exitCode).toBe(0);
    const keys = jwks(cwd);
    expect(keys[0]).toMatchObject({ kid: JSON.parse(edShort.stdout).kid, alg: "EdDSA", kty: "OKP", crv: "Ed25519", use: "sig" });
    expect(keys.find((k) => k.kid === JSON.parse(es.stdout).kid)).toMatchObject({ alg: "ES256", kty: "EC", crv: "P-256" });
  });

  test("every one of Pocket ID's algorithms, with its key type and size; other curves and misuse are refused", async () => {
    const { cwd } = instance();
    const want: Record<string, Record<string, unknown>> = {
      RS384: { kty: "RSA" }, RS512: { kty: "RSA" }, ES384: { kty: "EC", crv: "P-384" }, ES512: { kty: "EC", crv: "P-521" }, RS256: { kty: "RSA" },
    };
    for (const [alg, shape] of Object.entries(want)) {
      const r = await cli(["key-rotate", "-a", alg, "-y"], { cwd, env: BASE_ENV });
      expect([alg, r.exitCode, r.stderr]).toEqual([alg, 0, ""]);
      expect(jwks(cwd)[0]).toMatchObject({ kid: JSON.parse(r.stdout).kid, alg, use: "sig", ...shape });
    }
    const before = jwks(cwd);
    const ed448 = await cli(["key-rotate", "-a", "EdDSA", "--crv", "Ed448", "-y"], { cwd, env: BASE_ENV });
    expect(ed448.exitCode).toBe(1);
    expect(ed448.stderr).toBe("latchkey key-rotate: the EdDSA curve Ed448 is not supported; EdDSA keys use Ed25519. Nothing was changed.\n");
    const crvElsewhere = await cli(["key-rotate", "-a", "ES256", "-c", "P-256", "-y"], { cwd, env: BASE_ENV });
    expect(crvElsewhere.exitCode).toBe(2);
    expect(crvElsewhere.stderr).toStartWith("latchkey key-rotate: --crv applies to EdDSA only (the curve of ES256 follows from the algorithm)\nUsage: latchkey key-rotate ");
    const hs = await cli(["key-rotate", "-a", "HS256"], { cwd, env: BASE_ENV });
    expect(hs.exitCode).toBe(2);
    expect(hs.stderr).toContain('--alg must be one of RS256, RS384, RS512, ES256, ES384, ES512, EdDSA; got "HS256"');
    expect(jwks(cwd)).toEqual(before);
  });

  test("on a terminal it asks: no (or just Enter) changes nothing, yes and -y rotate", async () => {
    const { cwd, kid } = instance();
    const no = await onTerminal(["key-rotate"], "n\n", { cwd, env: BASE_ENV });
    expect(no.exitCode).toBe(1);
    expect(no.out).toContain("Replace the signing key with a new RS256 key? Tokens signed by the current key stay valid until they expire. [y/N]");
    expect(no.out).toContain("Cancelled: nothing was changed.");
    const enter = await onTerminal(["key-rotate"], "\n", { cwd, env: BASE_ENV });
    expect(enter.exitCode).toBe(1);
    expect(jwks(cwd).map((k) => k.kid)).toEqual([kid]);
    const yes = await onTerminal(["key-rotate", "-a", "ES256"], "yes\n", { cwd, env: BASE_ENV });
    expect(yes.exitCode).toBe(0);
    expect(yes.out).toContain('"alg": "ES256"');
    const noQuestion = await onTerminal(["key-rotate", "-y"], "", { cwd, env: BASE_ENV });
    expect(noQuestion.exitCode).toBe(0);
    expect(noQuestion.out).not.toContain("[y/N]");
    expect(jwks(cwd)).toHaveLength(3);
  });
});

describe("encryption-key-rotate", () => {
  const NEW_KEY = "a-brand-new-key-0123456789abcdef";

  test("on a terminal it asks unless --yes; no leaves the old key working", async () => {
    const { cwd } = instance();
    const no = await onTerminal(["encryption-key-rotate", "--new-key", NEW_KEY], "n\n", { cwd, env: BASE_ENV });
    expect(no.exitCode).toBe(1);
    expect(no.out).toContain("Re-seal every stored secret with the new key? Afterwards only the new key opens this database. [y/N]");
    expect(jwks(cwd)).toHaveLength(1); // still opens with the old key
    const yes = await onTerminal(["encryption-key-rotate", "--new-key", NEW_KEY, "--yes"], "", { cwd, env: BASE_ENV });
    expect(yes.exitCode).toBe(0);
    expect(yes.out).not.toContain("[y/N]");
    const reopened = await cli(["key-rotate", "-y"], { cwd, env: { ...BASE_ENV, ENCRYPTION_KEY: NEW_KEY } });
    expect(reopened.exitCode).toBe(0);
  });

  test("without a terminal it runs without asking, as scripts rely on (-y accepted)", async () => {
    const { cwd } = instance();
    const r = await cli(["encryption-key-rotate", "--new-key", NEW_KEY, "-y"], { cwd, env: BASE_ENV });
    expect(r.exitCode).toBe(0);
    const { resealed } = JSON.parse(r.stdout) as { resealed: Record<string, number> };
    expect(Object.values(resealed).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});

describe("export -p/--path and import -p/--path -y/--yes", () => {
  test("export -p FILE, --path - (the archive on stdout, the summary on stderr); import -p FILE -y", async () => {
    const { cwd, kid } = instance();
    const file = path.join(cwd, "move.tar.gz");
    const toFile = await cli(["export", "-p", file], { cwd, env: BASE_ENV });
    expect(toFile.exitCode).toBe(0);
    expect(JSON.parse(toFile.stdout)).toMatchObject({ file, includesKey: false });
    const piped = await cli(["export", "--path", "-"], { cwd, env: BASE_ENV });
    expect(piped.exitCode).toBe(0);
    const tar = gunzipSync(piped.bytes);
    expect(new TextDecoder().decode(tar.subarray(0, 13))).toBe("manifest.json");
    expect(JSON.parse(piped.stderr.slice(0, piped.stderr.indexOf("}") + 1))).toMatchObject({ file: "-", bytes: piped.bytes.length });
    const both = await cli(["export", "--path", "a.tar.gz", "--out", "b.tar.gz"], { cwd, env: BASE_ENV });
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toStartWith("latchkey export: give --path or --out (one of them)\n");

    const target = tempDir();
    const imported = await cli(["import", "-p", file, "-y"], { cwd: target, env: BASE_ENV });
    expect(imported.exitCode).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: file });
    expect(jwks(target).map((k) => k.kid)).toEqual([kid]);
    const twice = await cli(["import", "--path", file, file], { cwd: target, env: BASE_ENV });
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toStartWith("latchkey import: give exactly one export archive (as --path FILE or FILE)\n");
  });

  test("import on a terminal asks unless --yes; no leaves the database as it was", async () => {
    const { cwd } = instance();
    const file = path.join(cwd, "move.tar.gz");
    expect((await cli(["export", "-p", file], { cwd, env: BASE_ENV })).exitCode).toBe(0);
    const target = tempDir();
    const no = await onTerminal(["import", "--path", file], "n\n", { cwd: target, env: BASE_ENV });
    expect(no.exitCode).toBe(1);
    expect(no.out).toContain(`Import ${file} into ${path.join(target, "data", "latchkey.db")}? A database already there is kept beside it under another name. [y/N]`);
    expect(existsSync(path.join(target, "data", "latchkey.db"))).toBe(false);
    const yes = await onTerminal(["import", file], "y\n", { cwd: target, env: BASE_ENV });
    expect(yes.exitCode).toBe(0);
    expect(readFileSync(path.join(target, "data", "latchkey.db")).length).toBeGreaterThan(0);
  });
});

describe("healthcheck -v/--verbose and --unix-socket", () => {
  test("--unix-socket connects through the socket; -v says so when healthy", async () => {
    const dir = tempDir();
    const socket = path.join(dir, "latchkey.sock");
    let status = 204;
    const seen: string[] = [];
    const stub = Bun.serve({ unix: socket, fetch: (req) => (seen.push(new URL(req.url).pathname), new Response(null, { status })) });
    cleanups.push(() => stub.stop(true));
    const quiet = await cli(["healthcheck", "--unix-socket", socket], { env: BASE_ENV });
    expect([quiet.exitCode, quiet.stdout, quiet.stderr]).toEqual([0, "", ""]);
    const verbose = await cli(["healthcheck", "--unix-socket", socket, "-v"], { env: BASE_ENV });
    expect(verbose.exitCode).toBe(0);
    expect(verbose.stdout).toMatch(new RegExp(`^healthy: http://localhost/healthz via ${socket.replaceAll(".", "\\.")} answered 204 in \\d+ ms\\n$`));
    expect(seen).toEqual(["/healthz", "/healthz"]);
    status = 503;
    const sick = await cli(["healthcheck", "--unix-socket", socket, "--verbose"], { env: BASE_ENV });
    expect(sick.exitCode).toBe(1);
    expect(sick.stderr).toBe(`unhealthy: http://localhost/healthz via ${socket} answered 503\n`);
    const missing = await cli(["healthcheck", "--unix-socket", path.join(dir, "none.sock")], { env: BASE_ENV });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toStartWith(`unhealthy: cannot reach http://localhost/healthz via ${path.join(dir, "none.sock")} (`);
  });

  test("-v over TCP, with -e", async () => {
    const stub = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(null, { status: 204 }) });
    cleanups.push(() => stub.stop(true));
    const r = await cli(["healthcheck", "-e", `http://127.0.0.1:${stub.port}`, "-v"], { env: BASE_ENV });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^healthy: http://127\\.0\\.0\\.1:${stub.port}/healthz answered 204 in \\d+ ms\\n$`));
  });
});
