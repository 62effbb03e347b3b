/** Automatic backups: due after the interval, off at 0, retention keeps the newest N, the last result is recorded. */
// File backups are SQLite's; on PostgreSQL they are refused (tests/unit/admin/backups-page.test.ts, tests/e2e/export-import-engines.test.ts).
import { testEngine } from "../../helpers/template-database.ts";
import { afterEach, expect, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { automaticBackupDue, BACKUP_DIR, checkBackupFile, createBackup, lastBackupResult, runAutomaticBackup } from "../../../src/backup/backups.ts";
import { upsertAppConfigEntries } from "../../../src/db/app-config.ts";
import { setKv } from "../../../src/db/kv.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
afterEach(() => deps.cleanup());

const HOUR = 3_600_000;

test.skipIf(testEngine() === "postgres")("every interval one backup; only the newest backupKeep stay; the last result is recorded", () => {
  deps = makeTestDeps();
  setKv(deps.db, "encryption_key_check", deps.box.seal("encryption_key_check", "latchkey"));
  upsertAppConfigEntries(deps.db, [{ key: "backupIntervalHours", value: "6" }, { key: "backupKeep", value: "2" }], 0);
  expect(automaticBackupDue(deps)).toBe(true);
  for (let i = 0; i < 4; i++) {
    const r = runAutomaticBackup(deps);
    expect(r.ok).toBe(true);
    expect(automaticBackupDue(deps)).toBe(false);
    deps.clock.advance((6 * HOUR) / 1000);
    expect(automaticBackupDue(deps)).toBe(true);
  }
  const files = readdirSync(path.join(deps.config.dataDir, BACKUP_DIR)).sort();
  expect(files.length).toBe(2);
  expect(lastBackupResult(deps.db)).toMatchObject({ ok: true, file: files[1] });
  // Each kept file is a sound backup that opens with this key.
  for (const f of files) expect(checkBackupFile(path.join(deps.config.dataDir, BACKUP_DIR, f), deps.config.encryptionKey!).schemaVersion).toBeGreaterThan(0);
  expect(() => checkBackupFile(path.join(deps.config.dataDir, BACKUP_DIR, files[0]!), new TextEncoder().encode("some-other-key-0123456789"))).toThrow("different ENCRYPTION_KEY");
});

test("interval 0 turns automatic backups off", () => {
  deps = makeTestDeps();
  upsertAppConfigEntries(deps.db, [{ key: "backupIntervalHours", value: "0" }], 0);
  expect(automaticBackupDue(deps)).toBe(false);
});

test("a failed backup is recorded with its error and retried at the next check", () => {
  deps = makeTestDeps();
  writeFileSync(path.join(deps.config.dataDir, BACKUP_DIR), "a file where the folder should be");
  const r = runAutomaticBackup(deps);
  expect(r.ok).toBe(false);
  expect(lastBackupResult(deps.db)?.error).toBeString();
  expect(automaticBackupDue(deps)).toBe(true);
});

test.skipIf(testEngine() === "postgres")("--out refuses to overwrite an existing file", () => {
  deps = makeTestDeps();
  const out = path.join(deps.dir, "b.db");
  createBackup(deps, { out });
  expect(existsSync(out)).toBe(true);
  expect(() => createBackup(deps, { out })).toThrow("already exists");
});
