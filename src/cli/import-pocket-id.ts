/**
 * `latchkey import-pocket-id PATH [--dry-run] [--merge] [--no-audit-log]`: imports a Pocket ID data folder, its
 * database file, the ZIP archive of `pocket-id export`, or a Pocket ID database on PostgreSQL given as its
 * postgres:// connection string (src/pocket-id); with the latter, --data-dir DIR names Pocket ID's data folder for the
 * uploads and key files it keeps on disk. PATH is only read. The server must be
 * stopped (the server lock is taken).
 * - --dry-run prints what would be imported and every problem, and changes nothing; it exits 1 when the real
 *   import would be refused.
 * - A Latchkey database that already has users is refused unless --merge (existing rows are kept and reported).
 */
import { mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { acquireServerLock } from "../db/server-lock.ts";
import { formatImportSummary } from "../pocket-id/importer.ts";
import { importPocketIdInto } from "../pocket-id/install.ts";
import { resolvePocketIdSwitch } from "../pocket-id/switch.ts";
import { PocketIdImportError } from "../pocket-id/source.ts";
import { UsageError, type CliEnv } from "./cli-env.ts";

export async function importPocketIdCommand(env: CliEnv, args: string[]): Promise<number> {
  let values: { "dry-run"?: boolean; merge?: boolean; "no-audit-log"?: boolean; "with-audit-log"?: boolean; "data-dir"?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: { "dry-run": { type: "boolean" }, merge: { type: "boolean" }, "no-audit-log": { type: "boolean" }, "with-audit-log": { type: "boolean" }, "data-dir": { type: "string" } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (positionals.length !== 1) throw new UsageError("give exactly one Pocket ID data folder, database file, export archive or postgres:// connection string");
  const target = positionals[0]!;
  const dryRun = values["dry-run"] === true;
  const { config } = resolvePocketIdSwitch(env.config);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const lock = dryRun ? null : acquireServerLock(config.dbPath);
  try {
    const summary = await importPocketIdInto(config, env.log, target, { dryRun, merge: values.merge === true, withAuditLog: values["no-audit-log"] !== true }, { dataDir: values["data-dir"] });
    env.stdout(formatImportSummary(summary) + "\n");
    if (!dryRun) env.stdout(`Latchkey database: ${config.dbPath}\n`);
    // A dry run that found what would refuse the real import says so in its exit status too.
    return summary.problems.length > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof PocketIdImportError) {
      env.stderr(`latchkey import-pocket-id: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    lock?.release();
  }
}
