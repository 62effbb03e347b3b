/**
 * Backups of the data folder's database.
 * - createBackup: an online snapshot (VACUUM INTO) while the server serves; files are 0600 (they hold
 *   sealed secrets and token hashes) and named by UTC time and kind in <data>/backups unless --out says
 *   otherwise: latchkey-backup-<time>-auto.db (the schedule) or -manual.db (someone asked: "Back up now",
 *   `latchkey backup`). Names from before the kind was recorded (latchkey-backup-<time>.db) are still
 *   listed, pruned and downloadable; their kind is unknown.
 * - checkBackupFile: integrity_check ok, a schema this version knows, and the key check row opens with
 *   the current ENCRYPTION_KEY — so a restore never installs a database nobody can decrypt.
 * - restoreBackup: refuses while a server holds the data folder (server lock, held during the restore
 *   too), keeps the replaced database as <db>.before-restore-<time>, swaps the file in with a rename.
 * - Automatic backups: every backupIntervalHours (0 = off), keeping the newest backupKeep files; the
 *   last result is stored in kv for the admin page.
 * - Admins download a kept backup by its name, which must be one listed in <data>/backups (never a path).
 * - On PostgreSQL there is no database file: backup and restore are refused, naming pg_dump / pg_restore and
 *   `latchkey export` / `import` instead (a restore would otherwise install a file nothing reads).
 * - Audited (ADMIN_CHANGE entity backup): a backup someone asks for (admin page, `latchkey backup`), a
 *   download, a restore (recorded in the restored database), the schedule. Scheduled backups are not.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.ts";
import type { Deps } from "../deps.ts";
import { readAppConfig } from "../admin/app-config.ts";
import { configStoreOf, updateAppConfigFromInput, type ConfigChangeDeps } from "../admin/app-config-admin.ts";
import { auditedChange, recordAdminChange, type Actor, type AdminChange } from "../audit/actor.ts";
import { inspectBackupFile, vacuumInto } from "../db/backup.ts";
import { engineOf } from "../db/database.ts";
import { getKv, setKv } from "../db/kv.ts";
import { latestSchemaVersion } from "../db/migrate.ts";
import { acquireServerLock } from "../db/server-lock.ts";
import type { Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";
import { cryptoRandom } from "../lib/random.ts";
import { DecryptionError, parseKdfParams, type KdfParams } from "../lib/sealed-box.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { openRuntime, resolveEncryptionKey, sealedBoxFor } from "../runtime.ts";

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupError";
  }
}

export const BACKUP_DIR = "backups";
const POSTGRES_BACKUPS =
  "the database is PostgreSQL, which Latchkey does not back up into files: use pg_dump and pg_restore, or `latchkey export` and `latchkey import` (which also move an instance between SQLite and PostgreSQL). Nothing was changed.";
const BACKUP_NAME = /^latchkey-backup-\d{8}T\d{6}Z(?:-(auto|manual))?(?:-\d+)?\.db$/;
const LAST_RESULT_KEY = "backup_last_result";

/** What made a backup: the schedule, or someone asking ("Back up now", `latchkey backup`). */
export type BackupKind = "automatic" | "manual";

/** The kind a kept backup's file name records; null for names from before it was recorded. */
export function backupKindOf(name: string): BackupKind | null {
  const m = BACKUP_NAME.exec(name);
  return m?.[1] === "auto" ? "automatic" : m?.[1] === "manual" ? "manual" : null;
}

export interface BackupResult {
  file: string;
  bytes: number;
  at: number;
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** A backup someone asked for (`latchkey backup`): the snapshot, then ADMIN_CHANGE backup create. */
export function takeBackup(deps: Pick<Deps, "db" | "config" | "clock" | "random" | "geo">, actor: Actor, opts: { out?: string } = {}): BackupResult {
  const b = createBackup(deps, { ...opts, kind: "manual" });
  recordAdminChange(deps, actor, { entity: "backup", action: "create", id: path.basename(b.file), changes: { bytes: b.bytes } });
  return b;
}

/** A consistent snapshot of the database, safe while the server runs. */
export function createBackup(deps: Pick<Deps, "db" | "config" | "clock">, opts: { out?: string; kind?: BackupKind } = {}): BackupResult {
  if (engineOf(deps.db) === "postgres") throw new BackupError(POSTGRES_BACKUPS);
  const at = deps.clock.now();
  let file: string;
  if (opts.out) {
    file = path.resolve(opts.out);
    if (existsSync(file)) throw new BackupError(`${file} already exists; choose another file name.`);
    mkdirSync(path.dirname(file), { recursive: true });
  } else {
    const dir = path.join(deps.config.dataDir, BACKUP_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const base = `latchkey-backup-${stamp(at)}-${opts.kind === "manual" ? "manual" : "auto"}`;
    file = path.join(dir, `${base}.db`);
    for (let n = 2; existsSync(file); n++) file = path.join(dir, `${base}-${n}.db`);
  }
  const tmp = `${file}.partial`;
  rmSync(tmp, { force: true });
  try {
    vacuumInto(deps.db, tmp);
    chmodSync(tmp, 0o600);
    renameSync(tmp, file); // a backup file is complete or absent
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return { file, bytes: statSync(file).size, at };
}

export interface BackupCheck {
  schemaVersion: number;
  users: number;
}

/**
 * Throws BackupError naming the first problem; the file is only read. The key check is opened with
 * `key` and the backup's own KDF record (its salt travels with the database).
 */
export function checkBackupFile(file: string, key: Uint8Array): BackupCheck {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist.`);
  let facts;
  try {
    facts = inspectBackupFile(file);
  } catch (e) {
    throw new BackupError(`${file} is not a Latchkey database (${e instanceof Error ? e.message : String(e)}).`);
  }
  if (facts.integrity.length !== 1 || facts.integrity[0] !== "ok") throw new BackupError(`${file} failed the integrity check: ${facts.integrity.slice(0, 3).join("; ")}`);
  if (facts.schemaVersion < 1) throw new BackupError(`${file} is not a Latchkey database (no schema).`);
  if (facts.schemaVersion > latestSchemaVersion()) {
    throw new BackupError(`${file} was written by a newer Latchkey (schema ${facts.schemaVersion}; this version knows up to ${latestSchemaVersion()}). Upgrade first.`);
  }
  if (facts.keyCheck === null) throw new BackupError(`${file} has no encryption key check; it is not a complete Latchkey database.`);
  let kdf: KdfParams | null = null;
  try {
    kdf = facts.kdfRecord === null ? null : parseKdfParams(facts.kdfRecord);
  } catch (e) {
    throw new BackupError(`${file}: ${(e as Error).message}.`);
  }
  try {
    sealedBoxFor(key, cryptoRandom, kdf).box.openText("encryption_key_check", facts.keyCheck);
  } catch (e) {
    if (e instanceof DecryptionError) {
      throw new BackupError(`${file} was made with a different ENCRYPTION_KEY. Set ENCRYPTION_KEY (or encryption.key) to the key of the instance the backup came from.`);
    }
    throw e;
  }
  return { schemaVersion: facts.schemaVersion, users: facts.users };
}

/**
 * Replaces the data folder's database with `file`. Refuses while a server runs (ServerLockError).
 * Returns where the previous database was kept, if there was one. `audit` describes the change for the
 * restored database's own log (recorded there once it is installed and migrated).
 */
export function restoreBackup(
  config: Config,
  log: Log,
  file: string,
  clock: Clock,
  audit: { actor: Actor; change: (r: { previous: string | null; check: BackupCheck }) => AdminChange },
): { previous: string | null; check: BackupCheck } {
  if (config.databaseUrl) throw new BackupError(POSTGRES_BACKUPS);
  const source = path.resolve(file);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const lock = acquireServerLock(config.dbPath);
  try {
    const key = resolveEncryptionKey(config, log, cryptoRandom, { databaseInUse: true });
    const check = checkBackupFile(source, key);
    const tmp = `${config.dbPath}.restoring`;
    copyFileSync(source, tmp);
    chmodSync(tmp, 0o600);
    let previous: string | null = null;
    if (existsSync(config.dbPath)) {
      // Fold the old database's WAL in first, so the kept copy is one complete file.
      const old = openRuntimeQuietly(config, log);
      old?.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      old?.close();
      previous = `${config.dbPath}.before-restore-${stamp(clock.now())}`;
      renameSync(config.dbPath, previous);
    }
    rmSync(`${config.dbPath}-wal`, { force: true });
    rmSync(`${config.dbPath}-shm`, { force: true });
    renameSync(tmp, config.dbPath);
    // Migrate now (an older backup) and prove the key opens it, before the server is started on it.
    const restored = openRuntime(config, log, { clock });
    try {
      recordAdminChange(restored, audit.actor, audit.change({ previous, check }));
    } finally {
      restored.close();
    }
    return { previous, check };
  } finally {
    lock.release();
  }
}

function openRuntimeQuietly(config: Config, log: Log): { db: import("../db/database.ts").Database; close(): void } | null {
  try {
    return openRuntime(config, log);
  } catch {
    return null;
  }
}

/** Deletes the oldest kept backups (either kind, and unmarked old names) beyond `keep`; returns the deleted names. */
export function pruneBackups(dataDir: string, keep: number): string[] {
  const dir = path.join(dataDir, BACKUP_DIR);
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((n) => BACKUP_NAME.test(n)).sort();
  const doomed = files.slice(0, Math.max(0, files.length - keep));
  for (const n of doomed) rmSync(path.join(dir, n), { force: true });
  return doomed;
}

export interface LastBackupResult {
  at: number;
  ok: boolean;
  /** Absent in results stored before the kind was recorded. */
  kind?: BackupKind;
  file?: string;
  bytes?: number;
  error?: string;
}

export function lastBackupResult(db: Deps["db"]): LastBackupResult | null {
  const raw = getKv(db, LAST_RESULT_KEY);
  if (!raw) return null;
  try {
    const r = JSON.parse(raw) as LastBackupResult;
    // Results stored before the kind was recorded: the file name may still say it.
    if (!r.kind && r.file) {
      const kind = backupKindOf(r.file);
      if (kind) r.kind = kind;
    }
    return r;
  } catch {
    return null;
  }
}

/** "Back up now" on the admin page: a manual backup with the automatic one's pruning, audited (id "failed" when it failed). */
export function runBackupNow(deps: Pick<Deps, "db" | "config" | "clock" | "log" | "random" | "geo">, actor: Actor): LastBackupResult {
  refuseOnPostgres(deps);
  const r = runAutomaticBackup(deps, "manual");
  recordAdminChange(deps, actor, { entity: "backup", action: "create", id: r.file ?? "failed" });
  return r;
}

/** The automatic backup schedule (interval, how many to keep), from the backups page. */
export function setBackupSchedule(deps: ConfigChangeDeps, actor: Actor, input: { backupIntervalHours: string; backupKeep: string }): string[] {
  refuseOnPostgres(deps);
  return auditedChange(deps, actor, () => updateAppConfigFromInput(configStoreOf(deps), input), () => ({ entity: "app_config", action: "update", id: "backups" }));
}

/** Which kind of backups this instance has: files of the SQLite database, or none here (PostgreSQL: pg_dump). */
export function backupEngine(deps: Pick<Deps, "db">): "sqlite" | "postgres" {
  return engineOf(deps.db);
}

/** File backups copy the SQLite database; a PostgreSQL one is backed up with pg_dump (or `latchkey export`). */
function refuseOnPostgres(deps: Pick<Deps, "db">): void {
  if (engineOf(deps.db) === "postgres") throw AppError.conflict(msg("backups.postgresRefused"));
}

/** One backup with pruning (the schedule's, or "Back up now" as `manual`); records the result (ok or the error) for admins. */
export function runAutomaticBackup(deps: Pick<Deps, "db" | "config" | "clock" | "log">, kind: BackupKind = "automatic"): LastBackupResult {
  const cfg = readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
  let result: LastBackupResult;
  try {
    const b = createBackup(deps, { kind });
    const pruned = pruneBackups(deps.config.dataDir, cfg.backupKeep);
    result = { at: b.at, ok: true, kind, file: path.basename(b.file), bytes: b.bytes };
    deps.log.info("backup written", { file: b.file, bytes: b.bytes, pruned: pruned.length });
  } catch (e) {
    result = { at: deps.clock.now(), ok: false, kind, error: e instanceof Error ? e.message : String(e) };
    deps.log.error("automatic backup failed", { error: result.error });
  }
  setKv(deps.db, LAST_RESULT_KEY, JSON.stringify(result));
  return result;
}

/** True when automatic backups are on and the last successful one is older than the interval. */
export function automaticBackupDue(deps: Pick<Deps, "db" | "config" | "clock">): boolean {
  const cfg = readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
  if (cfg.backupIntervalHours <= 0) return false;
  const last = lastBackupResult(deps.db);
  const lastOk = last?.ok ? last.at : newestBackupTime(deps.config.dataDir);
  return lastOk === null || deps.clock.now() - lastOk >= cfg.backupIntervalHours * 3_600_000;
}

function newestBackupTime(dataDir: string): number | null {
  const dir = path.join(dataDir, BACKUP_DIR);
  try {
    const newest = readdirSync(dir).filter((n) => BACKUP_NAME.test(n)).sort().at(-1);
    return newest ? statSync(path.join(dir, newest)).mtimeMs : null;
  } catch {
    return null; // no folder (yet), or not a folder: the backup itself will report it
  }
}

/** The backups in <data>/backups, newest first. */
export function listBackups(dataDir: string): { name: string; kind: BackupKind | null; bytes: number; at: number }[] {
  const dir = path.join(dataDir, BACKUP_DIR);
  try {
    return readdirSync(dir)
      .filter((n) => BACKUP_NAME.test(n))
      .sort()
      .reverse()
      .map((name) => {
        const st = statSync(path.join(dir, name));
        return { name, kind: backupKindOf(name), bytes: st.size, at: st.mtimeMs };
      });
  } catch {
    return [];
  }
}

/**
 * A kept backup an admin downloads: `name` must be one listBackups names (anything else, a path included,
 * is "not found"). Audited as ADMIN_CHANGE backup download. Returns the file's path and size.
 */
export function backupForDownload(deps: Pick<Deps, "db" | "config" | "clock" | "random" | "geo">, actor: Actor, name: string): { file: string; name: string; bytes: number } {
  const kept = listBackups(deps.config.dataDir).find((b) => b.name === name);
  if (!kept) throw AppError.notFound(msg("backups.errNoSuchBackup"));
  recordAdminChange(deps, actor, { entity: "backup", action: "download", id: kept.name, changes: { bytes: kept.bytes } });
  return { file: path.join(deps.config.dataDir, BACKUP_DIR, kept.name), name: kept.name, bytes: kept.bytes };
}
