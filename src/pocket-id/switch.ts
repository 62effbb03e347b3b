/**
 * Where Latchkey's database is when a Pocket ID database sits in the data folder (issue 18). Kept apart from the
 * importer so the server only loads the importer when there is something to import.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.ts";
import { probeDatabaseKind } from "./source.ts";

/** Latchkey's database path (moved aside when DB_CONNECTION_STRING names Pocket ID's) and the Pocket ID database found, if any. */
export function resolvePocketIdSwitch(config: Config): { config: Config; pocketIdFile: string | null } {
  // On PostgreSQL the data folder holds no database: `latchkey import-pocket-id` imports explicitly.
  if (config.databaseUrl) return { config, pocketIdFile: null };
  // DB_CONNECTION_STRING naming Pocket ID's database. A file called pocket-id.db that is not Latchkey's counts as
  // Pocket ID's even when unreadable: the import then refuses it with the reason, instead of Latchkey opening it.
  const kind = probeDatabaseKind(config.dbPath);
  if (kind === "pocket-id" || (path.basename(config.dbPath) === "pocket-id.db" && (kind === "unreadable" || kind === "other"))) {
    return { config: { ...config, dbPath: path.join(path.dirname(config.dbPath), "latchkey.db") }, pocketIdFile: config.dbPath };
  }
  // Only a first start imports: once Latchkey's database exists, the Pocket ID file is not even looked at.
  if (existsSync(config.dbPath)) return { config, pocketIdFile: null };
  const candidate = path.join(config.dataDir, "pocket-id.db");
  const found = probeDatabaseKind(candidate);
  return { config, pocketIdFile: found === "missing" || found === "latchkey" ? null : candidate };
}
