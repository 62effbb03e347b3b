/** Whether this server can serve: for now, whether the database answers (GET /healthz, `latchkey healthcheck`). */
import type { Database } from "../db/database.ts";
import { pingDatabase } from "../db/open.ts";

export function isHealthy(db: Database): boolean {
  return pingDatabase(db);
}
