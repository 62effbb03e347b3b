/**
 * Opening the data folder, shared by the server and by CLI commands:
 * config → data folder → encryption key → database → migrations → key check → re-seal.
 * Nothing here runs before the configuration has been validated in full.
 * - A passphrase ENCRYPTION_KEY (src/lib/sealed-box.ts classifyMasterKey) goes through scrypt once
 *   here, with the installation's random salt from kv "encryption_kdf" (created on first use; it
 *   travels with the database in backups and exports, and key rotation replaces it).
 * - Values still in an older format (lk1 under a passphrase key) are re-sealed in the current format
 *   at start-up, in one transaction, so a stolen database does not keep cheap-to-attack values.
 */
import { Database as SqliteDatabase } from "bun:sqlite";
import type { Database } from "./db/database.ts";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "./config.ts";
import type { Deps } from "./deps.ts";
import { getKv, insertKvIfAbsent } from "./db/kv.ts";
import { checkSchemaVersion, migrate, schemaVersion } from "./db/migrate.ts";
import { openDatabase } from "./db/open.ts";
import { connectPostgres, PostgresStartupError } from "./db/postgres/open.ts";
import { systemClock, type Clock } from "./lib/clock.ts";
import type { Log } from "./lib/log.ts";
import { cryptoRandom, type Random } from "./lib/random.ts";
import { resealToCurrentFormat } from "./backup/key-rotation.ts";
import { KDF_RECORD } from "./db/sealed-values.ts";
import { classifyMasterKey, createSealedBox, DecryptionError, newKdfParams, parseKdfParams, serializeKdfParams, type KdfParams, type SealedBox } from "./lib/sealed-box.ts";

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

export const ENCRYPTION_KEY_FILE = "encryption.key";

/** ENCRYPTION_KEY from the config, or the generated one in the data folder (created on first start). */
export function resolveEncryptionKey(config: Config, log: Log, random: Random, opts: { databaseInUse?: boolean } = {}): Uint8Array {
  if (config.encryptionKey) return config.encryptionKey;
  const file = path.join(config.dataDir, ENCRYPTION_KEY_FILE);
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8").trim();
    if (new TextEncoder().encode(text).length < 16) throw new StartupError(`${file} holds a key shorter than 16 bytes; fix or remove it`);
    return new TextEncoder().encode(text);
  }
  // A new key for a database that already holds sealed values would lock them away for good.
  if (opts.databaseInUse) {
    throw new StartupError(
      `ENCRYPTION_KEY is not set and ${file} does not exist, but the database ${config.dbPath} was already used with a key. ` +
        `Restore ${file} from your backup, or set ENCRYPTION_KEY to the original key. Nothing was changed.`,
    );
  }
  const key = Buffer.from(random.bytes(32)).toString("base64");
  writeFileSync(file, key + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  log.warn(
    `ENCRYPTION_KEY is not set: generated a new key into ${file}. Back this file up together with the database — ` +
      "without it, signing keys and stored secrets cannot be decrypted. Set ENCRYPTION_KEY or ENCRYPTION_KEY_FILE to manage it yourself.",
  );
  return new TextEncoder().encode(key);
}

const KEY_CHECK = "encryption_key_check";
export { KDF_RECORD };

/** The database's KDF record, or null. A malformed record stops the start (nothing is changed). */
export function readKdfRecord(db: Database): KdfParams | null {
  const text = getKv(db, KDF_RECORD);
  if (text === null) return null;
  try {
    return parseKdfParams(text);
  } catch (e) {
    throw new StartupError(`The database's kv "${KDF_RECORD}" row is not usable: ${(e as Error).message}. Restore it from a backup; nothing was changed.`);
  }
}

/**
 * The sealed box for `key` and a database whose KDF record is `stored`: a passphrase key without a
 * record gets a new one (random salt), returned as `created` for the caller to store.
 */
export function sealedBoxFor(key: Uint8Array, random: Random, stored: KdfParams | null): { box: SealedBox; created: KdfParams | null } {
  const created = stored === null && classifyMasterKey(key) === "passphrase" ? newKdfParams(random) : null;
  return { box: createSealedBox(key, random, { kdf: stored ?? created }), created };
}

/**
 * Stores the KDF record `created` for a new database and answers the box to use. Instances of a cluster
 * started together on a new database each draw a salt: the first record stored wins, and the others derive
 * their box from it (the same key with the winner's salt), so none has to be restarted. A different key
 * still fails at the key check that follows.
 */
export function storeKdfRecord(db: Database, key: Uint8Array, random: Random, created: KdfParams, box: SealedBox): SealedBox {
  if (insertKvIfAbsent(db, KDF_RECORD, serializeKdfParams(created)) === serializeKdfParams(created)) return box;
  return sealedBoxFor(key, random, readKdfRecord(db)).box;
}

/** Fails clearly when ENCRYPTION_KEY differs from the one this database was first used with. */
export function verifyEncryptionKey(db: Database, box: SealedBox): void {
  const stored = getKv(db, KEY_CHECK);
  if (stored === null) {
    insertKvIfAbsent(db, KEY_CHECK, box.seal(KEY_CHECK, "latchkey"));
    return;
  }
  try {
    box.openText(KEY_CHECK, stored);
  } catch (e) {
    if (e instanceof DecryptionError) {
      throw new StartupError("ENCRYPTION_KEY does not match the key this database was created with. Use the original key; nothing was changed.");
    }
    throw e;
  }
}

/** Reads user_version without any pragma that could change the file; throws MigrationError when it is too new. */
function refuseNewerDatabase(dbPath: string): void {
  const probe = new SqliteDatabase(dbPath, { readwrite: true, create: false, strict: true });
  try {
    probe.exec("PRAGMA busy_timeout = 5000");
    checkSchemaVersion(probe);
  } finally {
    probe.close();
  }
}

export interface Runtime extends Deps {
  close(): void;
}

/** The configured engine's connection: the SQLite file (WAL, pragmas) or PostgreSQL (retried at start-up). */
export function openConfiguredDatabase(config: Config, log: Log, instance: boolean): Database {
  if (config.databaseUrl) {
    try {
      return connectPostgres(config.databaseUrl, { startupTimeoutSeconds: config.databaseStartupTimeoutSeconds, warn: (m) => log.warn(m), instance });
    } catch (e) {
      if (e instanceof PostgresStartupError) throw new StartupError(e.message);
      throw e;
    }
  }
  // A database from a newer version is refused before openDatabase switches it to WAL (a header write).
  if (existsSync(config.dbPath)) refuseNewerDatabase(config.dbPath);
  return openDatabase(config.dbPath);
}

/** Opens (creating if needed) the data folder and database, migrated and key-checked. */
export function openRuntime(config: Config, log: Log, opts: { clock?: Clock; random?: Random; /** The server (not a CLI command): on PostgreSQL it holds the shared instance lock. */ instance?: boolean } = {}): Runtime {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? cryptoRandom;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const db = openConfiguredDatabase(config, log, opts.instance === true);
  try {
    checkSchemaVersion(db);
    const inUse = schemaVersion(db) > 0 && getKv(db, KEY_CHECK) !== null;
    const key = resolveEncryptionKey(config, log, random, { databaseInUse: inUse });
    let { box, created } = sealedBoxFor(key, random, schemaVersion(db) > 0 ? readKdfRecord(db) : null);
    if (inUse) {
      // before migrating: a wrong key must change nothing
      try {
        verifyEncryptionKey(db, box);
      } catch (e) {
        // A raw-bytes ENCRYPTION_KEY_FILE that earlier versions read as (lossy) text: open with that reading.
        if (!(e instanceof StartupError) || !config.encryptionKeyReadAsText) throw e;
        ({ box, created } = sealedBoxFor(config.encryptionKeyReadAsText, random, readKdfRecord(db)));
        verifyEncryptionKey(db, box);
        log.warn(
          "ENCRYPTION_KEY_FILE holds raw bytes, which earlier versions read as text and so lost part of the key; this database was opened with that reading. " +
            "Run `latchkey encryption-key-rotate` to seal it with a full-strength key.",
        );
      }
    }
    migrate(db);
    if (created) box = storeKdfRecord(db, key, random, created, box);
    // Cheap for a random key without a record (nothing can need it); otherwise a scan of the sealed columns.
    if (box.format === "lk2.") log.info("ENCRYPTION_KEY is a passphrase (not 32 random bytes): the root key was derived with scrypt; `openssl rand -base64 32` gives a key that starts faster");
    if (box.format !== "lk1." || box.kdf !== null) {
      const { resealed, unopenable } = resealToCurrentFormat(db, box);
      if (Object.keys(resealed).length > 0) log.info("encryption: re-sealed stored secrets with the current key derivation", { resealed });
      if (unopenable > 0) log.warn(`encryption: ${unopenable} stored value(s) cannot be opened with ENCRYPTION_KEY and were left as they are (re-enter those settings)`);
    }
    verifyEncryptionKey(db, box);
    return { config, db, clock, random, box, log, close: () => db.close() };
  } catch (e) {
    db.close();
    throw e;
  }
}
