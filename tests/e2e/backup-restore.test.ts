/**
 * Backups from the running binary: `latchkey backup` under write load, `latchkey restore` refusing while
 * the server holds the folder and refusing bad files (wrong key, not a database, corrupt), then a restore
 * into a fresh folder, a server started on it, every user acknowledged before the backup present, and a
 * sign-in with a one-time code from the restored data.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { signInWithLoginLink } from "../helpers/account.ts";
import { ensureBinaryBuilt, startBinary, type RunningBinary } from "../helpers/binary.ts";

setDefaultTimeout(120_000);

const KEY = "backup-test-encryption-key-0123456789";
const API_KEY = "static-api-key-for-backup-tests-0123";
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "latchkey-backup-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function cli(binary: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const proc = Bun.spawn([binary, ...args], { cwd, env: { PATH: process.env.PATH ?? "", TZ: "UTC", ENCRYPTION_KEY: KEY, APP_URL: "http://localhost:1411", ...env }, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}

/** Signs in with a one-time login link the way a browser does: GET the form, POST the code with the CSRF token. */
test("backup under load → restore into a fresh folder → the server starts and a restored user signs in", async () => {
  const binary = await ensureBinaryBuilt();
  // A trusted test setup: the write load goes past the admin API's rate limit on purpose.
  const env = { ENCRYPTION_KEY: KEY, STATIC_API_KEY: API_KEY, DISABLE_RATE_LIMITING: "true" };
  const server: RunningBinary = await startBinary({ env });
  cleanups.push(() => server.cleanup());

  // Write load: four clients creating users through the admin API until told to stop.
  const acknowledged: { username: string; at: number }[] = [];
  let stop = false;
  let n = 0;
  /** Called after each acknowledged write and when the load stops (waitFor). */
  let progress = () => {};
  const worker = async () => {
    while (!stop) {
      const username = `load${++n}`;
      const res = await fetch(`${server.url}/api/users`, {
        method: "POST",
        headers: { "x-api-key": API_KEY, "content-type": "application/json" },
        body: JSON.stringify({ username, email: `${username}@example.com`, firstName: "Load", lastName: String(n) }),
      });
      if (res.status !== 201 && res.status !== 200) throw new Error(`create ${username}: ${res.status} ${await res.text()}`);
      acknowledged.push({ username, at: performance.now() });
      progress();
    }
  };
  // A failing worker stops the others; the failure is reported by the await below, not as "unhandled".
  const workers = Promise.all([worker(), worker(), worker(), worker()].map((w) => w.catch((e) => ((stop = true), progress(), Promise.reject(e)))));
  workers.catch(() => {});
  /** Resolves once `n` writes have been acknowledged (or the load stopped on a failure). */
  const waitFor = (n: number) =>
    new Promise<void>((resolve) => {
      progress = () => {
        if (acknowledged.length >= n || stop) resolve();
      };
      progress();
    });
  await waitFor(40);

  const backupDir = tempDir();
  const backupFile = path.join(backupDir, "snapshot.db");
  const startedAt = performance.now();
  const backup = await cli(server.binaryPath, ["backup", "--out", backupFile], server.dir);
  const ackedBefore = acknowledged.filter((a) => a.at < startedAt).map((a) => a.username);
  await waitFor(ackedBefore.length + 20); // load goes on after the snapshot
  stop = true;
  await workers;
  expect(backup.exitCode).toBe(0);
  const printed = JSON.parse(backup.stdout) as { file: string; bytes: number };
  expect(printed.file).toBe(backupFile);
  expect(printed.bytes).toBe(statSync(backupFile).size);
  expect(statSync(backupFile).mode & 0o777).toBe(0o600);
  expect(existsSync(`${backupFile}-wal`)).toBe(false);

  // The default location is <data>/backups.
  const auto = await cli(server.binaryPath, ["backup"], server.dir);
  expect(auto.exitCode).toBe(0);
  expect(JSON.parse(auto.stdout).file).toStartWith(path.join(server.dataDir, "backups", "latchkey-backup-"));

  // restore refuses while the server holds the data folder, and changes nothing.
  const refused = await cli(server.binaryPath, ["restore", backupFile], server.dir);
  expect(refused.exitCode).toBe(1);
  expect(refused.stderr).toContain("Another Latchkey server is already using");
  await server.stop();

  // A fresh folder: wrong key, not a database and a corrupted copy are refused before anything is written.
  const fresh = tempDir();
  const wrongKey = await cli(server.binaryPath, ["restore", backupFile], fresh, { ENCRYPTION_KEY: "another-key-0123456789abcdef" });
  expect(wrongKey.exitCode).toBe(1);
  expect(wrongKey.stderr).toContain("different ENCRYPTION_KEY");
  const notDb = path.join(backupDir, "not-a-db.db");
  writeFileSync(notDb, "hello, I am not SQLite".repeat(100));
  const bad = await cli(server.binaryPath, ["restore", notDb], fresh);
  expect(bad.exitCode).toBe(1);
  expect(bad.stderr).toContain("is not a Latchkey database");
  const corrupt = path.join(backupDir, "corrupt.db");
  copyFileSync(backupFile, corrupt);
  const bytes = readFileSync(corrupt);
  bytes.fill(0xa5, 4096 * 2, 4096 * 3); // scribble over a b-tree page
  writeFileSync(corrupt, bytes);
  const broken = await cli(server.binaryPath, ["restore", corrupt], fresh);
  expect(broken.exitCode).toBe(1);
  expect(broken.stderr).toMatch(/integrity check|not a Latchkey database|malformed/);
  expect(existsSync(path.join(fresh, "data", "latchkey.db"))).toBe(false);

  const restored = await cli(server.binaryPath, ["restore", backupFile], fresh);
  expect([restored.exitCode, restored.stderr]).toEqual([0, restored.stderr]);
  expect(JSON.parse(restored.stdout).users).toBeGreaterThanOrEqual(ackedBefore.length);

  const second = await startBinary({ env, cwd: fresh, binary });
  cleanups.push(() => second.cleanup());
  const db = new Database(path.join(fresh, "data", "latchkey.db"), { readonly: true });
  const present = new Set(db.query<{ username: string }, []>("SELECT username FROM users").all().map((r) => r.username));
  db.close();
  for (const u of ackedBefore) expect(present.has(u)).toBe(true);

  const who = ackedBefore[0]!;
  const link = await cli(server.binaryPath, ["one-time-access-token", who], fresh, { APP_URL: second.url });
  expect(link.exitCode).toBe(0);
  const cookie = await signInWithLoginLink(link.stdout.trim());
  const account = await fetch(`${second.url}/settings/account`, { headers: { cookie }, redirect: "manual" });
  expect(account.status).toBe(200);
  expect(await account.text()).toContain(who);
  expect(await second.stop()).toBe(0);
});
