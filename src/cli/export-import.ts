/**
 * `latchkey export [-p|--path FILE|-] [--include-key]`: the whole instance as one .tar.gz (safe while serving).
 * --out is the older name of --path; `-` writes the archive to stdout (the summary then goes to stderr).
 * `--format pocket-id` writes Pocket ID's export ZIP instead (default pocket-id-export.zip, for `pocket-id import`;
 * src/pocket-id/export-writer.ts); what it cannot hold is listed on stderr.
 * `latchkey import [-p|--path] FILE [-y|--yes] [--replace]`: installs an export (from either engine) into this
 * instance's database: the data folder's SQLite file (the server must be stopped; the previous file is kept), or
 * PostgreSQL, which must be empty unless --replace; the imported database records it (ADMIN_CHANGE export_archive
 * import, via "cli"). On a terminal it asks first unless --yes (Pocket ID asks); without one it runs as it always did.
 * A ZIP (told by its content, not its name) is Pocket ID's export archive: it is imported as import-pocket-id
 * does, then installed the same way (src/backup/archive.ts importPocketIdArchive).
 */
import { parseArgs } from "node:util";
import { CLI_ACTOR } from "../audit/actor.ts";
import { writeFileSync } from "node:fs";
import { exportArchive, importArchive, importPocketIdArchive } from "../backup/archive.ts";
import { BackupError } from "../backup/backups.ts";
import { systemClock } from "../lib/clock.ts";
import { openRuntime, resolveEncryptionKey } from "../runtime.ts";
import { cryptoRandom } from "../lib/random.ts";
import { redactConnectionString } from "../db/postgres/connection-string.ts";
import { confirmed, UsageError, type CliEnv } from "./cli-env.ts";

function parse<const O extends NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>["options"]>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

export async function exportCommand(env: CliEnv, args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { path: { type: "string", short: "p" }, out: { type: "string" }, "include-key": { type: "boolean" }, format: { type: "string" } });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.path !== undefined && values.out !== undefined) throw new UsageError("give --path or --out (one of them)");
  const format = (values.format ?? "latchkey") as string;
  if (format !== "latchkey" && format !== "pocket-id") throw new UsageError(`--format must be latchkey or pocket-id, not "${format.slice(0, 40)}"`);
  const target = (values.path ?? values.out) as string | undefined;
  const toStdout = target === "-";
  if (toStdout && !env.stdoutBytes) throw new UsageError("--path - needs a standard output");
  const includeKey = values["include-key"] === true;
  if (format === "pocket-id") {
    if (includeKey) throw new UsageError("--include-key goes with the Latchkey format: Pocket ID's archive never holds its key");
    return exportPocketId(env, toStdout ? null : (target ?? "pocket-id-export.zip"));
  }
  const runtime = openRuntime(env.config, env.log);
  try {
    const keyText = new TextDecoder().decode(resolveEncryptionKey(env.config, env.log, cryptoRandom, { databaseInUse: true }));
    const out = toStdout ? null : target ?? `latchkey-export-${new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}.tar.gz`;
    const r = exportArchive(runtime, keyText, out, { includeKey });
    const summary = JSON.stringify({ file: r.file ?? "-", bytes: r.bytes, includesKey: includeKey }, null, 2) + "\n";
    if (toStdout) {
      await env.stdoutBytes!(r.data);
      env.stderr(summary);
    } else env.stdout(summary);
    if (includeKey) env.stderr("The archive contains the encryption key: keep it as safe as the key itself.\n");
    else env.stderr("The archive does not contain the encryption key: the new instance needs the same ENCRYPTION_KEY (or pass --include-key).\n");
    return 0;
  } finally {
    runtime.close();
  }
}

/** `export --format pocket-id`: the archive to `out` (never over an existing file) or stdout (null). */
async function exportPocketId(env: CliEnv, out: string | null): Promise<number> {
  const { buildPocketIdExport } = await import("../pocket-id/export-writer.ts");
  const runtime = openRuntime(env.config, env.log);
  try {
    const r = await buildPocketIdExport(runtime, { encryptionKey: env.config.pocketIdEncryptionKey });
    if (out !== null) {
      try {
        writeFileSync(out, r.data, { mode: 0o600, flag: "wx" });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new BackupError(`${out} already exists; choose another file name.`);
        throw e;
      }
    }
    const summary = JSON.stringify({ file: out ?? "-", format: "pocket-id", bytes: r.data.length, tables: r.counts }, null, 2) + "\n";
    if (out === null) {
      await env.stdoutBytes!(r.data);
      env.stderr(summary);
    } else env.stdout(summary);
    if (r.leftOut.length) env.stderr(`Not in the archive (Pocket ID has no place for it):\n${r.leftOut.map((l) => `  ${l}\n`).join("")}`);
    return 0;
  } finally {
    runtime.close();
  }
}

export async function importCommand(env: CliEnv, args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { path: { type: "string", short: "p" }, yes: { type: "boolean", short: "y" }, replace: { type: "boolean" } });
  const files = [...(values.path !== undefined ? [values.path as string] : []), ...positionals];
  if (files.length !== 1) throw new UsageError("give exactly one export archive (as --path FILE or FILE)");
  const file = files[0]!;
  const into = env.config.databaseUrl ? redactConnectionString(env.config.databaseUrl) : env.config.dbPath;
  const question = env.config.databaseUrl
    ? `Import ${file} into ${into}?${values.replace ? " Every row there is replaced." : ""}`
    : `Import ${file} into ${into}? A database already there is kept beside it under another name.`;
  if (!(await confirmed(env, values.yes === true, question))) return 1;
  const { isZipFile } = await import("../pocket-id/install.ts");
  if (isZipFile(file)) {
    const { formatImportSummary } = await import("../pocket-id/importer.ts");
    const { pocketId, ...r } = await importPocketIdArchive(env.config, env.log, file, systemClock, CLI_ACTOR, { replace: values.replace === true });
    env.stderr(formatImportSummary(pocketId) + "\n");
    env.stdout(JSON.stringify({ imported: file, into, format: "pocket-id", ...r }, null, 2) + "\n");
    return 0;
  }
  const r = importArchive(env.config, env.log, file, systemClock, CLI_ACTOR, { replace: values.replace === true });
  env.stdout(JSON.stringify({ imported: file, into, ...r }, null, 2) + "\n");
  return 0;
}
