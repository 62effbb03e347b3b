/**
 * ENCRYPTION_KEY derivation at start-up (src/runtime.ts + src/lib/sealed-box.ts), on real SQLite files:
 * - a passphrase key gets a per-installation scrypt salt and lk2 values; a random key stays on lk1 with
 *   no record and no slow work;
 * - an existing database with old-derivation (lk1) values under a passphrase opens, and every value is
 *   re-sealed as lk2 in one go (none left behind in the file); a second start changes nothing;
 * - a wrong key or a damaged record stops the start and changes nothing;
 * - key rotation replaces the record (fresh salt, or none for a random key); backups carry it.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createBackup, checkBackupFile } from "../../src/backup/backups.ts";
import { rotateEncryptionKey } from "../../src/backup/key-rotation.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { upsertAppConfigEntries } from "../../src/db/app-config.ts";
import { getKv, setKv } from "../../src/db/kv.ts";
import { migrate } from "../../src/db/migrate.ts";
import { openDatabase } from "../../src/db/open.ts";
import { listSealedValues, SEALED_COLUMNS, tableExists } from "../../src/db/sealed-values.ts";
import { createLog, type Log } from "../../src/lib/log.ts";
import { cryptoRandom } from "../../src/lib/random.ts";
import { parseKdfParams } from "../../src/lib/sealed-box.ts";
import { ensureSigningKey } from "../../src/oidc/signing-keys.ts";
import { KDF_RECORD, openRuntime, sealedBoxFor, StartupError, storeKdfRecord, type Runtime } from "../../src/runtime.ts";
import { legacySeal } from "../helpers/legacy-seal.ts";
import { makeTempDir, TEST_ENCRYPTION_KEY } from "../helpers/test-deps.ts";

const PASSPHRASE = "our family's server passphrase, 2019";
const OTHER_PASSPHRASE = "our family's server passphrase, 2020";
const OTHER_KEY = "No1L3vS8kQ2eWzX5cR7tY0uI4oP6aD9fG3hJ8kL2mN0=";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) {
    try {
      cleanups.pop()!();
    } catch {
      // already closed
    }
  }
});

function setup(env: Record<string, string>): { dir: string; config: Config; lines: string[]; log: Log } {
  const { dir, cleanup } = makeTempDir("latchkey-kdf-");
  cleanups.push(cleanup);
  const lines: string[] = [];
  return { dir, config: loadConfig({ APP_URL: "http://localhost:1411", ...env }, dir), lines, log: createLog({ level: "debug", json: false, write: (l) => lines.push(l) }) };
}

function open(config: Config, log: Log): Runtime {
  const rt = openRuntime(config, log);
  cleanups.push(() => rt.close());
  return rt;
}

function snapshot(dbPath: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const suffix of ["", "-wal", "-shm"]) out[suffix] = existsSync(dbPath + suffix) ? Buffer.from(readFileSync(dbPath + suffix)).toString("base64") : null;
  return out;
}

function sealedValues(rt: Runtime): { where: string; sealed: string; purpose: string }[] {
  return SEALED_COLUMNS.filter((c) => tableExists(rt.db, c.table)).flatMap((c) => listSealedValues(rt.db, c).map((r) => ({ where: `${c.table}/${r.key}`, sealed: r.sealed, purpose: c.purpose(r.key) })));
}

/** A database as the previous release left it under `passphrase`: lk1 values, no KDF record. */
function oldDatabase(config: Config, passphrase: string): void {
  mkdirSync(config.dataDir, { recursive: true });
  const db = openDatabase(config.dbPath);
  migrate(db);
  setKv(db, "encryption_key_check", legacySeal(passphrase, "encryption_key_check", "latchkey"));
  upsertAppConfigEntries(db, [
    { key: "smtpPassword", value: legacySeal(passphrase, "app-config:smtpPassword", "smtp-secret") },
    // Sealed under some other key long ago: unusable here, must not stop the start.
    { key: "ldapBindPassword", value: legacySeal("a key nobody has any more 0000", "app-config:ldapBindPassword", "ldap-secret") },
    { key: "appName", value: "Plain" },
  ], 0);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
}

describe("start-up derivation", () => {
  test("a random key (the generated-key format): lk1 values, no KDF record", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    const rt = open(config, log);
    expect(rt.box.format).toBe("lk1.");
    expect(getKv(rt.db, KDF_RECORD)).toBeNull();
    expect(getKv(rt.db, "encryption_key_check")).toMatch(/^lk1\./);
  });

  test("the generated data/encryption.key is a random key", () => {
    const { config, log } = setup({});
    const rt = open(config, log);
    expect(rt.box.format).toBe("lk1.");
    expect(getKv(rt.db, KDF_RECORD)).toBeNull();
  });

  test("a passphrase: a stored scrypt record with a salt of this installation, lk2 values", () => {
    const a = setup({ ENCRYPTION_KEY: PASSPHRASE });
    const rtA = open(a.config, a.log);
    expect(rtA.box.format).toBe("lk2.");
    const recordA = parseKdfParams(getKv(rtA.db, KDF_RECORD)!);
    expect(recordA).toMatchObject({ alg: "scrypt", N: 2 ** 17, r: 8, p: 1 });
    expect(getKv(rtA.db, "encryption_key_check")).toMatch(/^lk2\./);
    const b = setup({ ENCRYPTION_KEY: PASSPHRASE });
    const rtB = open(b.config, b.log);
    expect(parseKdfParams(getKv(rtB.db, KDF_RECORD)!).salt).not.toEqual(recordA.salt);
    // The same record again on the next start.
    rtA.close();
    const again = open(a.config, a.log);
    expect(parseKdfParams(getKv(again.db, KDF_RECORD)!)).toEqual(recordA);
  });

  test("an old database under a passphrase: every value re-sealed as lk2 in one go, none left as lk1", () => {
    const { config, log, lines } = setup({ ENCRYPTION_KEY: PASSPHRASE });
    oldDatabase(config, PASSPHRASE);
    const rt = open(config, log);
    const values = sealedValues(rt);
    const byWhere = Object.fromEntries(values.map((v) => [v.where, v.sealed]));
    expect(byWhere["kv/encryption_key_check"]).toMatch(/^lk2\./);
    expect(byWhere["app_config/smtpPassword"]).toMatch(/^lk2\./);
    expect(rt.box.openText("app-config:smtpPassword", byWhere["app_config/smtpPassword"]!)).toBe("smtp-secret");
    // The unopenable value stays as it was (the admin re-enters it); the start went on.
    expect(byWhere["app_config/ldapBindPassword"]).toMatch(/^lk1\./);
    expect(lines.some((l) => l.includes("1 stored value(s) cannot be opened with ENCRYPTION_KEY"))).toBe(true);
    expect(lines.some((l) => l.includes("re-sealed stored secrets"))).toBe(true);
    // A signing key made now is sealed lk2 as well.
    ensureSigningKey(rt);
    expect(rt.db.query<{ s: string }, []>("SELECT private_jwk_sealed AS s FROM oidc_signing_keys").get()!.s).toMatch(/^lk2\./);
    // A second start: nothing more to do, values byte-identical.
    const before = sealedValues(rt);
    rt.close();
    const rt2 = open(config, log);
    expect(sealedValues(rt2)).toEqual(before);
  });

  test("a start with nothing to re-seal takes no write lock (a CLI command beside a busy server)", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: PASSPHRASE });
    open(config, log).close();
    // Another process (the server) is in the middle of a write transaction.
    const writer = openDatabase(config.dbPath);
    cleanups.push(() => writer.close());
    writer.exec("BEGIN IMMEDIATE");
    writer.exec("INSERT INTO kv (key, value) VALUES ('busy', 'x')");
    writer.exec("PRAGMA busy_timeout = 0");
    const started = open(config, log);
    expect(started.box.format).toBe("lk2.");
    writer.exec("COMMIT");
  });

  test("the old-derivation values are gone from the file afterwards", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: PASSPHRASE });
    oldDatabase(config, PASSPHRASE);
    const rt = open(config, log);
    rt.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    rt.db.exec("VACUUM");
    const bytes = readFileSync(config.dbPath).toString("latin1");
    const lk1 = bytes.match(/lk1\.[A-Za-z0-9_-]{20,}/g) ?? [];
    // Only the value no key here can open remains in the old format.
    expect(lk1.length).toBe(1);
    expect(getKv(rt.db, "encryption_key_check")!.startsWith("lk2.")).toBe(true);
  });

  test("an old database with the wrong passphrase: refused, nothing changed, no record written", () => {
    const { dir, config, log } = setup({ ENCRYPTION_KEY: PASSPHRASE });
    oldDatabase(config, PASSPHRASE);
    const before = snapshot(config.dbPath);
    const wrong = loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: OTHER_PASSPHRASE }, dir);
    expect(() => openRuntime(wrong, log)).toThrow(new StartupError("ENCRYPTION_KEY does not match the key this database was created with. Use the original key; nothing was changed."));
    expect(snapshot(config.dbPath)).toEqual(before);
  });

  test("ENCRYPTION_KEY_FILE with 32 raw bytes: the full bytes key a new database; one an earlier version opened with the lossy text reading still opens, with a warning", () => {
    const { dir, config: base, lines, log } = setup({ ENCRYPTION_KEY: PASSPHRASE });
    const raw = new Uint8Array(32).map((_, i) => (i * 73 + 0x80) & 0xff);
    writeFileSync(path.join(dir, "raw.key"), raw);
    const fileConfig = () => loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY_FILE: "raw.key" }, dir);
    // What earlier versions did: readFileSync(file, "utf8"), every invalid byte → U+FFFD.
    const lossy = new TextEncoder().encode(new TextDecoder().decode(raw));
    open({ ...base, encryptionKey: lossy }, log).close();
    open(fileConfig(), log).close();
    expect(lines.some((l) => l.includes("encryption-key-rotate"))).toBe(true);
    // A fresh database gets the full bytes: the lossy reading does not open it.
    const { dir: dir2, config: base2, log: log2 } = setup({ ENCRYPTION_KEY: PASSPHRASE });
    writeFileSync(path.join(dir2, "raw.key"), raw);
    open(loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY_FILE: "raw.key" }, dir2), log2).close();
    expect(() => openRuntime({ ...base2, encryptionKey: lossy, encryptionKeyReadAsText: null }, log2)).toThrow(StartupError);
  });

  test("a new database with the wrong passphrase: refused (the salt does not help a wrong key)", () => {
    const { dir, config, log } = setup({ ENCRYPTION_KEY: PASSPHRASE });
    open(config, log).close();
    const wrong = loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: OTHER_PASSPHRASE }, dir);
    expect(() => openRuntime(wrong, log)).toThrow(StartupError);
    const random = loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: OTHER_KEY }, dir);
    expect(() => openRuntime(random, log)).toThrow(StartupError);
  });

  test("two instances starting together on a new database: the one whose salt lost the race adopts the stored record", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: PASSPHRASE });
    const first = open(config, log);
    const key = new TextEncoder().encode(PASSPHRASE);
    // The second instance read "no record" before the first stored its own, and drew another salt.
    const late = sealedBoxFor(key, cryptoRandom, null);
    expect(late.created).not.toBeNull();
    const box = storeKdfRecord(first.db, key, cryptoRandom, late.created!, late.box);
    expect(box.openText("encryption_key_check", getKv(first.db, "encryption_key_check")!)).toBe("latchkey");
    expect(first.box.openText("x", box.seal("x", "shared"))).toBe("shared");
    expect(parseKdfParams(getKv(first.db, KDF_RECORD)!)).toEqual(first.box.kdf!);
    // The instance that stored its record first keeps its box.
    const own = sealedBoxFor(key, cryptoRandom, null);
    const fresh = setup({ ENCRYPTION_KEY: PASSPHRASE });
    mkdirSync(fresh.config.dataDir, { recursive: true });
    const db = openDatabase(fresh.config.dbPath);
    cleanups.push(() => db.close());
    migrate(db);
    expect(storeKdfRecord(db, key, cryptoRandom, own.created!, own.box)).toBe(own.box);
  });

  test.each([
    ["not JSON", "scrypt please"],
    ["a weakened cost", JSON.stringify({ alg: "scrypt", N: 1024, r: 8, p: 1, salt: "AAAAAAAAAAAAAAAAAAAAAA" })],
    ["a missing salt", JSON.stringify({ alg: "scrypt", N: 131072, r: 8, p: 1 })],
  ])("a damaged KDF record (%s) stops the start and changes nothing", (_n, value) => {
    const { config, log } = setup({ ENCRYPTION_KEY: PASSPHRASE });
    const rt = open(config, log);
    setKv(rt.db, KDF_RECORD, value);
    rt.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    rt.close();
    const before = snapshot(config.dbPath);
    expect(() => openRuntime(config, log)).toThrow(/kv "encryption_kdf" row is not usable/);
    expect(snapshot(config.dbPath)).toEqual(before);
  });
});

describe("rotation and backups", () => {
  test("passphrase → passphrase: a fresh salt replaces the old record; the new key opens everything", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: PASSPHRASE });
    const rt = open(config, log);
    upsertAppConfigEntries(rt.db, [{ key: "smtpPassword", value: rt.box.seal("app-config:smtpPassword", "smtp-secret") }], 0);
    const oldRecord = getKv(rt.db, KDF_RECORD);
    const next = sealedBoxFor(new TextEncoder().encode(OTHER_PASSPHRASE), cryptoRandom, null).box;
    rotateEncryptionKey(rt, CLI_ACTOR, rt.box, next);
    const record = getKv(rt.db, KDF_RECORD);
    expect(record).not.toBe(oldRecord);
    expect(parseKdfParams(record!).salt).toEqual(next.kdf!.salt);
    for (const v of sealedValues(rt)) expect(v.sealed.startsWith("lk2.")).toBe(true);
    rt.close();
    const reopened = open(loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: OTHER_PASSPHRASE, DB_CONNECTION_STRING: config.dbPath }, config.dataDir), log);
    const smtp = sealedValues(reopened).find((v) => v.where === "app_config/smtpPassword")!.sealed;
    expect(reopened.box.openText("app-config:smtpPassword", smtp)).toBe("smtp-secret");
  });

  test("passphrase → random key: the record is removed and values become lk1", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: PASSPHRASE });
    const rt = open(config, log);
    rotateEncryptionKey(rt, CLI_ACTOR, rt.box, sealedBoxFor(new TextEncoder().encode(OTHER_KEY), cryptoRandom, null).box);
    expect(getKv(rt.db, KDF_RECORD)).toBeNull();
    for (const v of sealedValues(rt)) expect(v.sealed.startsWith("lk1.")).toBe(true);
  });

  test("random key → passphrase: a record is created", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    const rt = open(config, log);
    rotateEncryptionKey(rt, CLI_ACTOR, rt.box, sealedBoxFor(new TextEncoder().encode(PASSPHRASE), cryptoRandom, null).box);
    expect(parseKdfParams(getKv(rt.db, KDF_RECORD)!).alg).toBe("scrypt");
    for (const v of sealedValues(rt)) expect(v.sealed.startsWith("lk2.")).toBe(true);
  });

  test("a backup carries its salt: the passphrase opens it; another passphrase does not", () => {
    const { config, log } = setup({ ENCRYPTION_KEY: PASSPHRASE });
    const rt = open(config, log);
    const { file } = createBackup(rt, { out: path.join(config.dataDir, "b.db") });
    expect(checkBackupFile(file, new TextEncoder().encode(PASSPHRASE)).schemaVersion).toBeGreaterThan(0);
    expect(() => checkBackupFile(file, new TextEncoder().encode(OTHER_PASSPHRASE))).toThrow("different ENCRYPTION_KEY");
  });
});

