/**
 * `latchkey export [--out FILE] [--include-key]`: the whole instance as one .tar.gz (safe while serving).
 * `latchkey import FILE [--replace]`: installs an export (from either engine) into this instance's database: the
 * data folder's SQLite file (the server must be stopped; the previous file is kept), or PostgreSQL, which must
 * be empty unless --replace; the imported database records it (ADMIN_CHANGE export_archive import, via "cli").
 */
import { parseArgs } from "node:util";
import { CLI_ACTOR } from "../audit/actor.ts";
import { exportArchive, importArchive } from "../backup/archive.ts";
import { systemClock } from "../lib/clock.ts";
import { openRuntime, resolveEncryptionKey } from "../runtime.ts";
import { cryptoRandom } from "../lib/random.ts";
import { redactConnectionString } from "../db/postgres/connection-string.ts";
import { UsageError, type CliEnv } from "./cli-env.ts";

export async function exportCommand(env: CliEnv, args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { out: { type: "string" }, "include-key": { type: "boolean" } }, strict: true }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const runtime = openRuntime(env.config, env.log);
  try {
    const keyText = new TextDecoder().decode(resolveEncryptionKey(env.config, env.log, cryptoRandom, { databaseInUse: true }));
    const out = values.out ?? `latchkey-export-${new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}.tar.gz`;
    const r = exportArchive(runtime, keyText, out, { includeKey: values["include-key"] === true });
    env.stdout(JSON.stringify({ file: r.file, bytes: r.bytes, includesKey: values["include-key"] === true }, null, 2) + "\n");
    if (values["include-key"]) env.stderr("The archive contains the encryption key: keep it as safe as the key itself.\n");
    else env.stderr("The archive does not contain the encryption key: the new instance needs the same ENCRYPTION_KEY (or pass --include-key).\n");
    return 0;
  } finally {
    runtime.close();
  }
}

export async function importCommand(env: CliEnv, args: string[]): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({ args, options: { replace: { type: "boolean" } }, allowPositionals: true, strict: true }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (positionals.length !== 1) throw new UsageError("give exactly one export archive");
  const r = importArchive(env.config, env.log, positionals[0]!, systemClock, CLI_ACTOR, { replace: values.replace === true });
  const into = env.config.databaseUrl ? redactConnectionString(env.config.databaseUrl) : env.config.dbPath;
  env.stdout(JSON.stringify({ imported: positionals[0], into, ...r }, null, 2) + "\n");
  return 0;
}
