/**
 * Where Latchkey's database is when a Pocket ID database sits in the data folder (issue 18). Kept apart from the
 * importer so the server only loads the importer when there is something to import.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.ts";
import { isPocketIdDatabaseFile } from "./source.ts";

/** Latchkey's database path (moved aside when DB_CONNECTION_STRING names Pocket ID's) and the Pocket ID database found, if any. */
export function resolvePocketIdSwitch(config: Config): { config: Config; pocketIdFile: string | null } {
  if (isPocketIdDatabaseFile(config.dbPath)) {
    return { config: { ...config, dbPath: path.join(path.dirname(config.dbPath), "latchkey.db") }, pocketIdFile: config.dbPath };
  }
  // Only a first start imports: once Latchkey's database exists, the Pocket ID file is not even looked at.
  if (existsSync(config.dbPath)) return { config, pocketIdFile: null };
  const candidate = path.join(config.dataDir, "pocket-id.db");
  return { config, pocketIdFile: isPocketIdDatabaseFile(candidate) ? candidate : null };
}

