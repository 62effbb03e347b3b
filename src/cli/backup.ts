/**
 * `latchkey backup [--out FILE]`: a consistent snapshot while the server runs (prints JSON: file, bytes).
 * `latchkey restore FILE`: checks the file, then replaces the database; refuses while the server runs.
 * Both are audited (ADMIN_CHANGE backup create / restore, via "cli"; a restore in the restored database).
 */
import { parseArgs } from "node:util";
import path from "node:path";
import { CLI_ACTOR } from "../audit/actor.ts";
import { restoreBackup, takeBackup } from "../backup/backups.ts";
import { systemClock } from "../lib/clock.ts";
import { openRuntime } from "../runtime.ts";
import { UsageError, type CliEnv } from "./cli-env.ts";

function parse(args: string[], options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>["options"]>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

export async function backupCommand(env: CliEnv, args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: "string" } });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const runtime = openRuntime(env.config, env.log);
  try {
    const b = takeBackup(runtime, CLI_ACTOR, { out: values.out as string | undefined });
    env.stdout(JSON.stringify({ file: b.file, bytes: b.bytes, at: new Date(b.at).toISOString() }, null, 2) + "\n");
    return 0;
  } finally {
    runtime.close();
  }
}

export async function restoreCommand(env: CliEnv, args: string[]): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length !== 1) throw new UsageError("give exactly one backup file");
  const { previous, check } = restoreBackup(env.config, env.log, positionals[0]!, systemClock, {
    actor: CLI_ACTOR,
    change: (r) => ({ entity: "backup", action: "restore", id: path.basename(positionals[0]!), changes: { schemaVersion: r.check.schemaVersion, previousKeptAs: r.previous && path.basename(r.previous) } }),
  });
  env.stdout(JSON.stringify({ restored: positionals[0], into: env.config.dbPath, schemaVersion: check.schemaVersion, users: check.users, previousDatabaseKeptAs: previous }, null, 2) + "\n");
  return 0;
}
