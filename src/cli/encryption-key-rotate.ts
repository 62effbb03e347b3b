/**
 * `latchkey encryption-key-rotate --new-key KEY | --new-key-file FILE`: re-seals every stored secret with
 * a new ENCRYPTION_KEY in one transaction. Refuses while the server runs. With a generated key file
 * (no ENCRYPTION_KEY set) the file is replaced too; the new key is written to encryption.key.new first,
 * so it is never lost between the database commit and the file swap. A passphrase new key gets a
 * fresh KDF salt (src/runtime.ts sealedBoxFor), stored by the same transaction, which also records
 * ADMIN_CHANGE encryption_key rotate (via "cli").
 * On a terminal it asks first unless -y/--yes (Pocket ID asks); without a terminal it runs as it always did.
 */
import { chmodSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { CLI_ACTOR } from "../audit/actor.ts";
import { rotateEncryptionKey } from "../backup/key-rotation.ts";
import { redactConnectionString } from "../db/postgres/connection-string.ts";
import { acquireMaintenanceLock, acquireServerLock, type ServerLock } from "../db/server-lock.ts";
import { cryptoRandom } from "../lib/random.ts";
import { ENCRYPTION_KEY_FILE, openRuntime, sealedBoxFor } from "../runtime.ts";
import { confirmed, UsageError, type CliEnv } from "./cli-env.ts";

export async function encryptionKeyRotateCommand(env: CliEnv, args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { "new-key": { type: "string" }, "new-key-file": { type: "string" }, yes: { type: "boolean", short: "y" } }, strict: true }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if ((values["new-key"] === undefined) === (values["new-key-file"] === undefined)) throw new UsageError("give --new-key or --new-key-file (one of them)");
  const text = values["new-key"] ?? readFileSync(values["new-key-file"]!, "utf8").replace(/\r?\n$/, "");
  const newKey = new TextEncoder().encode(text);
  if (newKey.length < 16) throw new UsageError("the new key must be at least 16 bytes long; generate one with: openssl rand -base64 32");

  if (!(await confirmed(env, values.yes === true, "Re-seal every stored secret with the new key? Afterwards only the new key opens this database."))) return 1;

  const { config, log } = env;
  // SQLite: the data folder's server lock. PostgreSQL: the maintenance lock, refused while any instance serves.
  const lock = config.databaseUrl ? null : acquireServerLock(config.dbPath);
  try {
    const runtime = openRuntime(config, log); // proves the current key first
    let maintenance: ServerLock | null = null;
    try {
      if (config.databaseUrl) maintenance = acquireMaintenanceLock(runtime.db, redactConnectionString(config.databaseUrl));
      const keyFile = path.join(config.dataDir, ENCRYPTION_KEY_FILE);
      const fileManaged = config.encryptionKey === null;
      if (fileManaged) writeFileSync(`${keyFile}.new`, text + "\n", { mode: 0o600 });
      const result = rotateEncryptionKey(runtime, CLI_ACTOR, runtime.box, sealedBoxFor(newKey, cryptoRandom, null).box);
      if (fileManaged) {
        chmodSync(`${keyFile}.new`, 0o600);
        renameSync(`${keyFile}.new`, keyFile);
      }
      env.stdout(JSON.stringify({ resealed: result.resealed, keyFile: fileManaged ? keyFile : null }, null, 2) + "\n");
      env.stderr(
        fileManaged
          ? `Every secret is now sealed with the new key, written to ${keyFile}. Back that file up with the database.\n`
          : "Every secret is now sealed with the new key. Set ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE) to the new key before starting the server; the old key no longer opens this database.\n",
      );
      return 0;
    } catch (e) {
      if (existsSync(path.join(config.dataDir, `${ENCRYPTION_KEY_FILE}.new`)) && config.encryptionKey === null) {
        // The transaction rolled back: the old key file stays authoritative.
        try {
          renameSync(path.join(config.dataDir, `${ENCRYPTION_KEY_FILE}.new`), path.join(config.dataDir, `${ENCRYPTION_KEY_FILE}.unused`));
        } catch {
          // nothing to tidy
        }
      }
      throw e;
    } finally {
      maintenance?.release();
      runtime.close();
    }
  } finally {
    lock?.release();
  }
}
