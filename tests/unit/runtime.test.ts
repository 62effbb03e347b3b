import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadConfig, type Config } from "../../src/config.ts";
import { getKv, setKv } from "../../src/db/kv.ts";
import { latestSchemaVersion, MigrationError } from "../../src/db/migrate.ts";
import { acquireServerLock, ServerLockError } from "../../src/db/server-lock.ts";
import { createLog, type Log } from "../../src/lib/log.ts";
import { cryptoRandom } from "../../src/lib/random.ts";
import { ENCRYPTION_KEY_FILE, openRuntime, sealedBoxFor, StartupError, verifyEncryptionKey } from "../../src/runtime.ts";
import { makeTempDir, TEST_ENCRYPTION_KEY } from "../helpers/test-deps.ts";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) {
    try {
      c();
    } catch {
      // already closed
    }
  }
  cleanups = [];
});

function setup(env: Record<string, string> = {}): { dir: string; config: Config; lines: string[]; log: Log } {
  const { dir, cleanup } = makeTempDir("latchkey-runtime-");
  cleanups.push(cleanup);
  const config = loadConfig(env, dir);
  const lines: string[] = [];
  return { dir, config, lines, log: createLog({ level: "debug", json: false, write: (l) => lines.push(l) }) };
}

function open(config: Config, log: Log) {
  const rt = openRuntime(config, log);
  cleanups.push(() => rt.close());
  return rt;
}

/** Bytes of the database and every side file, to prove something was left untouched. */
function snapshot(dbPath: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    out[suffix] = existsSync(dbPath + suffix) ? Buffer.from(readFileSync(dbPath + suffix)).toString("base64") : null;
  }
  return out;
}

describe("zero-config encryption key", () => {
  test("generated into data/encryption.key (mode 0600) with a clear warning, then reused", () => {
    const { config, lines, log } = setup();
    const keyFile = path.join(config.dataDir, ENCRYPTION_KEY_FILE);
    const first = open(config, log);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(config.dataDir).mode & 0o777).toBe(0o700);
    const key = readFileSync(keyFile, "utf8");
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(lines.filter((l) => l.includes("WARN") && l.includes(`generated a new key into ${keyFile}`) && l.includes("Back this file up"))).toHaveLength(1);
    const sealed = first.box.seal("test", "survives restarts");
    setKv(first.db, "sealed-test", sealed);
    first.close();

    lines.length = 0;
    const second = open(config, log);
    expect(readFileSync(keyFile, "utf8")).toBe(key);
    expect(lines.filter((l) => l.includes("WARN"))).toEqual([]);
    expect(second.box.openText("test", getKv(second.db, "sealed-test")!)).toBe("survives restarts");
  });

  test("ENCRYPTION_KEY set: no key file is written", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    open(config, log);
    expect(existsSync(path.join(config.dataDir, ENCRYPTION_KEY_FILE))).toBe(false);
  });

  test("a lost key file is not silently replaced when the database already holds sealed data", () => {
    const { config, log } = setup();
    open(config, log).close();
    const keyFile = path.join(config.dataDir, ENCRYPTION_KEY_FILE);
    Bun.spawnSync(["rm", keyFile]);
    const before = snapshot(config.dbPath);
    expect(() => openRuntime(config, log)).toThrow(StartupError);
    expect(existsSync(keyFile)).toBe(false);
    expect(snapshot(config.dbPath)).toEqual(before);
  });

  test("a key file that is too short is refused", () => {
    const { config, log } = setup();
    Bun.spawnSync(["mkdir", "-p", config.dataDir]);
    writeFileSync(path.join(config.dataDir, ENCRYPTION_KEY_FILE), "short\n");
    expect(() => openRuntime(config, log)).toThrow(new StartupError(`${path.join(config.dataDir, ENCRYPTION_KEY_FILE)} holds a key shorter than 16 bytes; fix or remove it`));
  });
});

describe("encryption at rest", () => {
  test("a sealed value is not readable in the database file", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    const rt = open(config, log);
    const secret = "smtp-password-PLAINTEXT-MARKER-7f3a";
    setKv(rt.db, "smtp_password", rt.box.seal("smtp-password", secret));
    rt.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    rt.close();
    const bytes = Buffer.concat([readFileSync(config.dbPath), existsSync(config.dbPath + "-wal") ? readFileSync(config.dbPath + "-wal") : Buffer.alloc(0)]);
    expect(bytes.includes(Buffer.from("smtp_password"))).toBe(true); // the row is there…
    expect(bytes.includes(Buffer.from(secret))).toBe(false); // …its value is not
    expect(bytes.includes(Buffer.from("PLAINTEXT-MARKER"))).toBe(false);
  });

  test("verifyEncryptionKey: records a check value once, accepts the same key, refuses another clearly", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    const rt = open(config, log);
    const stored = getKv(rt.db, "encryption_key_check");
    expect(stored).toMatch(/^lk1\./);
    verifyEncryptionKey(rt.db, rt.box);
    expect(getKv(rt.db, "encryption_key_check")).toBe(stored);
    const wrong = sealedBoxFor(new TextEncoder().encode("a-completely-different-key-000"), cryptoRandom, null).box;
    expect(() => verifyEncryptionKey(rt.db, wrong)).toThrow(
      new StartupError("ENCRYPTION_KEY does not match the key this database was created with. Use the original key; nothing was changed."),
    );
  });

  test("starting with a different ENCRYPTION_KEY is refused and changes nothing", () => {
    const { dir, config, log } = setup({ ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    open(config, log).close();
    const before = snapshot(config.dbPath);
    const other = loadConfig({ ENCRYPTION_KEY: "a-completely-different-key-000" }, dir);
    expect(() => openRuntime(other, log)).toThrow(StartupError);
    expect(snapshot(config.dbPath)).toEqual(before);
  });
});

describe("newer database version", () => {
  test("refused with a clear message; the files stay byte-identical (WAL database)", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    open(config, log).close();
    const raw = new Database(config.dbPath);
    raw.exec(`PRAGMA user_version = ${latestSchemaVersion() + 5}`);
    raw.close();
    const before = snapshot(config.dbPath);
    expect(() => openRuntime(config, log)).toThrow(MigrationError);
    expect(snapshot(config.dbPath)).toEqual(before);
  });

  test("refused before anything is written, even for a rollback-journal database and without a key", () => {
    const { config, log } = setup();
    Bun.spawnSync(["mkdir", "-p", config.dataDir]);
    const raw = new Database(config.dbPath, { create: true });
    raw.exec("PRAGMA journal_mode = DELETE; CREATE TABLE t (x); INSERT INTO t VALUES (1);");
    raw.exec(`PRAGMA user_version = ${latestSchemaVersion() + 1}`);
    raw.close();
    const before = snapshot(config.dbPath);
    expect(() => openRuntime(config, log)).toThrow(MigrationError);
    expect(snapshot(config.dbPath)).toEqual(before);
    expect(existsSync(path.join(config.dataDir, ENCRYPTION_KEY_FILE))).toBe(false);
  });
});

describe("one server per data folder", () => {
  test("acquireServerLock refuses a second holder until the first releases", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    open(config, log);
    const lock = acquireServerLock(config.dbPath);
    cleanups.push(() => lock.release());
    expect(() => acquireServerLock(config.dbPath)).toThrow(
      new ServerLockError(`Another Latchkey server is already using ${config.dbPath}. Stop it first: two servers must never serve one database.`),
    );
    lock.release();
    acquireServerLock(config.dbPath).release();
  });

  test("a CLI-style open (no lock) works beside the server and sees the same data", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    const server = open(config, log);
    const lock = acquireServerLock(config.dbPath);
    cleanups.push(() => lock.release());
    const cli = open(config, log);
    setKv(cli.db, "written-by-cli", "yes");
    expect(getKv(server.db, "written-by-cli")).toBe("yes");
    setKv(server.db, "written-by-server", "yes");
    expect(getKv(cli.db, "written-by-server")).toBe("yes");
  });
});
