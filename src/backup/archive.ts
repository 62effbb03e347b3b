/**
 * `latchkey export` / `latchkey import`: everything an instance holds, as one .tar.gz, to move it to
 * another machine. Uploads (profile pictures, logos, branding images) live in the database, so the
 * archive is: manifest.json, latchkey.db (an online snapshot), and — only with --include-key —
 * encryption.key. Import is a restore (same checks, refused while a server runs) plus the key file;
 * the imported database records it (ADMIN_CHANGE export_archive import).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { Actor } from "../audit/actor.ts";
import type { Config } from "../config.ts";
import type { Deps } from "../deps.ts";
import type { Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";
import { packTar, unpackTar } from "../lib/tar.ts";
import { ENCRYPTION_KEY_FILE } from "../runtime.ts";
import { VERSION } from "../version.ts";
import { BackupError, createBackup, restoreBackup } from "./backups.ts";

export interface ExportManifest {
  format: "latchkey-export/1";
  version: string;
  createdAt: string;
  includesKey: boolean;
}

export function exportArchive(deps: Pick<Deps, "db" | "config" | "clock">, keyText: string, out: string, opts: { includeKey: boolean }): { file: string; bytes: number } {
  if (existsSync(out)) throw new BackupError(`${out} already exists; choose another file name.`);
  const work = mkdtempSync(path.join(tmpdir(), "latchkey-export-"));
  try {
    const snap = createBackup(deps, { out: path.join(work, "latchkey.db") });
    const manifest: ExportManifest = { format: "latchkey-export/1", version: VERSION, createdAt: new Date(snap.at).toISOString(), includesKey: opts.includeKey };
    const files = [
      { name: "manifest.json", data: new TextEncoder().encode(JSON.stringify(manifest, null, 2) + "\n") },
      { name: "latchkey.db", data: new Uint8Array(readFileSync(snap.file)) },
      ...(opts.includeKey ? [{ name: ENCRYPTION_KEY_FILE, data: new TextEncoder().encode(keyText + "\n") }] : []),
    ];
    const gz = gzipSync(packTar(files));
    writeFileSync(out, gz, { mode: 0o600, flag: "wx" });
    return { file: path.resolve(out), bytes: gz.length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Installs an export into this data folder. The archive's key is used when ENCRYPTION_KEY is not set
 * and no encryption.key exists yet; a different key that is already configured wins (and must open it).
 */
export function importArchive(config: Config, log: Log, archive: string, clock: Clock, actor: Actor): { schemaVersion: number; users: number; keyInstalled: boolean } {
  let files: Map<string, Uint8Array>;
  try {
    files = unpackTar(gunzipSync(readFileSync(archive)));
  } catch (e) {
    throw new BackupError(`${archive} is not a Latchkey export (${e instanceof Error ? e.message : String(e)}).`);
  }
  const manifest = files.get("manifest.json");
  const db = files.get("latchkey.db");
  if (!manifest || !db) throw new BackupError(`${archive} is not a Latchkey export (manifest.json or latchkey.db missing).`);
  let parsed: ExportManifest;
  try {
    parsed = JSON.parse(new TextDecoder().decode(manifest)) as ExportManifest;
  } catch {
    throw new BackupError(`${archive}: manifest.json is not valid JSON.`);
  }
  if (parsed.format !== "latchkey-export/1") throw new BackupError(`${archive}: unknown export format ${String(parsed.format)}.`);
  const work = mkdtempSync(path.join(tmpdir(), "latchkey-import-"));
  try {
    const dbFile = path.join(work, "latchkey.db");
    writeFileSync(dbFile, db, { mode: 0o600 });
    const keyFile = path.join(config.dataDir, ENCRYPTION_KEY_FILE);
    const key = files.get(ENCRYPTION_KEY_FILE);
    const installKey = key !== undefined && config.encryptionKey === null && !existsSync(keyFile);
    if (installKey) {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      writeFileSync(keyFile, key, { mode: 0o600, flag: "wx" });
    }
    try {
      const { check } = restoreBackup(config, log, dbFile, clock, {
        actor,
        change: ({ check }) => ({ entity: "export_archive", action: "import", id: path.basename(archive), changes: { version: parsed.version, schemaVersion: check.schemaVersion, keyInstalled: installKey } }),
      });
      return { ...check, keyInstalled: installKey };
    } catch (e) {
      if (installKey) rmSync(keyFile, { force: true });
      throw e;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
