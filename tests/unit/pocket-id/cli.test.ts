/**
 * `latchkey import-pocket-id` and the configuration it reads (POCKET_ID_ENCRYPTION_KEY[_FILE]), in process, on
 * real Pocket ID data folders (tests/helpers/pocket-id-fixture.ts) and real Latchkey database files:
 * - a dry run prints the counts and writes no Latchkey database; a real run creates one that the server opens;
 * - a refusal (wrong key, dirty database, users already there) leaves no Latchkey database behind;
 * - --merge keeps existing rows; --no-audit-log skips the audit log; usage errors exit 2; an export archive imports;
 * - DB_CONNECTION_STRING naming Pocket ID's file puts Latchkey's database beside it, never in it.
 */
import { afterEach, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UsageError, type CliEnv } from "../../../src/cli/cli-env.ts";
import { importPocketIdCommand } from "../../../src/cli/import-pocket-id.ts";
import { loadConfig } from "../../../src/config.ts";
import { countUsers } from "../../../src/db/users.ts";
import { silentLog } from "../../../src/lib/log.ts";
import { resolvePocketIdSwitch } from "../../../src/pocket-id/switch.ts";
import { openRuntime } from "../../../src/runtime.ts";
import { buildPocketIdDataFolder, type PocketIdLayout } from "../../helpers/pocket-id-fixture.ts";
import { makeTempDir, TEST_ENCRYPTION_KEY } from "../../helpers/test-deps.ts";

const PID_KEY = "pocket-id-encryption-key-0123456789";
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function setup(layout: PocketIdLayout = "v2.14", env: Record<string, string> = {}, fixture: { migrationState?: "dirty" } = {}) {
  const tmp = makeTempDir();
  cleanups.push(tmp.cleanup);
  const pidDir = path.join(tmp.dir, "pocket-id-data");
  const fx = await buildPocketIdDataFolder({ layout, dataDir: pidDir, encryptionKey: PID_KEY, appUrl: "http://localhost:1411", now: Math.floor(Date.now() / 1000), ...fixture });
  const latchkeyDb = path.join(tmp.dir, "latchkey", "latchkey.db");
  const config = loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, POCKET_ID_ENCRYPTION_KEY: PID_KEY, DB_CONNECTION_STRING: latchkeyDb, ...env }, tmp.dir);
  const io = { out: "", err: "" };
  const cli: CliEnv = { config, log: silentLog, stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t) };
  return { tmp, fx, latchkeyDb, cli, io };
}

const hash = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

test("--dry-run prints what would be imported and writes no Latchkey database", async () => {
  const { fx, latchkeyDb, cli, io } = await setup();
  const before = hash(fx.dbPath);
  expect(await importPocketIdCommand(cli, [fx.dataDir, "--dry-run"])).toBe(0);
  expect(io.out).toContain("Dry run: would import");
  expect(io.out).toContain("users: 2");
  expect(io.out).toContain("passkeys: 1");
  expect(io.out).toContain(`signing key kid: ${fx.signingJwk.kid}`);
  expect(existsSync(latchkeyDb)).toBe(false);
  expect(hash(fx.dbPath)).toBe(before);
});

test("a real run creates the Latchkey database; running it again is refused (users exist), --merge adds nothing", async () => {
  const { fx, latchkeyDb, cli, io } = await setup("v1.16");
  expect(await importPocketIdCommand(cli, [fx.dbPath, "--no-audit-log"])).toBe(0);
  expect(io.out).toContain("Imported from");
  expect(io.out).toContain("audit log entries: 0");
  const rt = openRuntime(cli.config, silentLog);
  expect(countUsers(rt.db)).toBe(2);
  rt.close();
  io.out = "";
  expect(await importPocketIdCommand(cli, [fx.dataDir])).toBe(1);
  expect(io.err).toContain("already has 2 users");
  expect(await importPocketIdCommand(cli, [fx.dataDir, "--merge"])).toBe(0);
  expect(io.out).toContain("users: 0");
  expect(io.out).toContain("this id already exists in Latchkey (kept as it is)");
  expect(existsSync(latchkeyDb)).toBe(true);
});

test("Pocket ID's export archive is accepted as PATH", async () => {
  const { tmp, fx, latchkeyDb, cli, io } = await setup();
  const { buildPocketIdExportZip } = await import("../../helpers/pocket-id-fixture.ts");
  const zip = path.join(tmp.dir, "pocket-id-export.zip");
  await buildPocketIdExportZip(fx, zip);
  expect(await importPocketIdCommand(cli, [zip])).toBe(0);
  expect(io.out).toContain(`Imported from ${zip} (Pocket ID v2.14`);
  expect(io.out).toContain("users: 2");
  expect(existsSync(latchkeyDb)).toBe(true);
});

test("a wrong key or a dirty database is refused and leaves no Latchkey database", async () => {
  const wrong = await setup("v2.14", { POCKET_ID_ENCRYPTION_KEY: "not-the-pocket-id-key-0123456789" });
  expect(await importPocketIdCommand(wrong.cli, [wrong.fx.dataDir, "--dry-run"])).toBe(1);
  expect(wrong.io.out).toContain("Problem (the import would be refused): Pocket ID's signing key (kv jwt_private_key.json) does not decrypt");
  expect(wrong.io.out).toContain("users: 2");
  expect(await importPocketIdCommand(wrong.cli, [wrong.fx.dataDir])).toBe(1);
  expect(wrong.io.err).toContain("does not decrypt");
  expect(existsSync(wrong.latchkeyDb)).toBe(false);
  expect(existsSync(`${wrong.latchkeyDb}.pocket-id-import`)).toBe(false);

  const dirty = await setup("v2.14", {}, { migrationState: "dirty" });
  expect(await importPocketIdCommand(dirty.cli, [dirty.fx.dataDir])).toBe(1);
  expect(dirty.io.err).toContain("marked dirty");
  expect(existsSync(dirty.latchkeyDb)).toBe(false);
});

test.each([
  [[], "give exactly one"],
  [["a", "b"], "give exactly one"],
  [["x", "--force"], "Unknown option"],
])("usage error for %p", async (args, message) => {
  const { cli } = await setup();
  expect(importPocketIdCommand(cli, args as string[])).rejects.toThrow(UsageError);
  expect(importPocketIdCommand(cli, args as string[])).rejects.toThrow(message);
});

test("POCKET_ID_ENCRYPTION_KEY_FILE is read raw (a trailing newline counts, as in Pocket ID); ENCRYPTION_KEY is the fallback", () => {
  const tmp = makeTempDir();
  cleanups.push(tmp.cleanup);
  const file = path.join(tmp.dir, "pid.key");
  writeFileSync(file, "pocket-id-key-from-a-file-0123\n");
  const base = { APP_URL: "http://localhost:1411", DB_CONNECTION_STRING: path.join(tmp.dir, "x.db") };
  expect(new TextDecoder().decode(loadConfig({ ...base, POCKET_ID_ENCRYPTION_KEY_FILE: file }, tmp.dir).pocketIdEncryptionKey!)).toBe("pocket-id-key-from-a-file-0123\n");
  expect(new TextDecoder().decode(loadConfig({ ...base, ENCRYPTION_KEY_FILE: file }, tmp.dir).pocketIdEncryptionKey!)).toBe("pocket-id-key-from-a-file-0123\n");
  expect(new TextDecoder().decode(loadConfig({ ...base, ENCRYPTION_KEY: "the-shared-key-0123456789" }, tmp.dir).pocketIdEncryptionKey!)).toBe("the-shared-key-0123456789");
  expect(new TextDecoder().decode(loadConfig({ ...base, ENCRYPTION_KEY: "the-shared-key-0123456789", POCKET_ID_ENCRYPTION_KEY: "the-old-pocket-id-key-01" }, tmp.dir).pocketIdEncryptionKey!)).toBe("the-old-pocket-id-key-01");
  expect(loadConfig(base, tmp.dir).pocketIdEncryptionKey).toBeNull();
  expect(() => loadConfig({ ...base, POCKET_ID_ENCRYPTION_KEY: "short", POCKET_ID_ENCRYPTION_KEY_FILE: file, APP_URL: "nope" }, tmp.dir)).toThrow(
    /APP_URL must be an absolute[\s\S]*POCKET_ID_ENCRYPTION_KEY and POCKET_ID_ENCRYPTION_KEY_FILE are both set/,
  );
  expect(() => loadConfig({ ...base, POCKET_ID_ENCRYPTION_KEY: "short" }, tmp.dir)).toThrow(/POCKET_ID_ENCRYPTION_KEY must be at least 16 bytes/);
});

test("DB_CONNECTION_STRING naming Pocket ID's database puts Latchkey's beside it", async () => {
  const { fx, tmp } = await setup();
  const config = loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, DB_CONNECTION_STRING: `file:${fx.dbPath}?_pragma=journal_mode(WAL)` }, tmp.dir);
  const sw = resolvePocketIdSwitch(config);
  expect(sw.pocketIdFile).toBe(fx.dbPath);
  expect(sw.config.dbPath).toBe(path.join(fx.dataDir, "latchkey.db"));
  // The default layout: data/pocket-id.db next to data/latchkey.db, only while Latchkey has no database yet.
  const def = loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, DB_CONNECTION_STRING: path.join(fx.dataDir, "latchkey.db") }, tmp.dir);
  expect(resolvePocketIdSwitch(def).pocketIdFile).toBe(fx.dbPath);
  openRuntime(def, silentLog).close();
  expect(resolvePocketIdSwitch(def).pocketIdFile).toBeNull();
  // A Latchkey database is never taken for Pocket ID's.
  expect(resolvePocketIdSwitch({ ...def, dbPath: path.join(fx.dataDir, "latchkey.db") }).config.dbPath).toBe(path.join(fx.dataDir, "latchkey.db"));
});

test("Latchkey's own database is never taken for Pocket ID's, even named pocket-id.db with its stamp still in the WAL", async () => {
  const tmp = makeTempDir();
  cleanups.push(tmp.cleanup);
  const { Database } = await import("bun:sqlite");
  const { probeDatabaseKind } = await import("../../../src/pocket-id/source.ts");
  const file = path.join(tmp.dir, "pocket-id.db");
  const db = new Database(file, { create: true });
  db.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE users (id TEXT); PRAGMA user_version = 15;");
  // The connection stays open: nothing is checkpointed, the main file's header still says user_version 0.
  expect(readFileSync(file).readUInt32BE(60)).toBe(0);
  expect(probeDatabaseKind(file)).toBe("latchkey");
  const config = loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, DB_CONNECTION_STRING: file }, tmp.dir);
  expect(resolvePocketIdSwitch(config)).toEqual({ config, pocketIdFile: null });
  db.close();
  // Something else called pocket-id.db is handed to the import, which refuses it with its reason.
  const other = path.join(tmp.dir, "data", "pocket-id.db");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(path.dirname(other));
  writeFileSync(other, "not a database at all, but long enough to have a header of one hundred bytes ....................");
  expect(probeDatabaseKind(other)).toBe("unreadable");
  const fresh = loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, DB_CONNECTION_STRING: path.join(tmp.dir, "data", "latchkey.db") }, tmp.dir);
  expect(resolvePocketIdSwitch(fresh).pocketIdFile).toBe(other);
});
