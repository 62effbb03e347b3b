/** The first-run claim: at most one row (id = 1) ever exists, so only one initial admin can be created. */
import type { Database } from "./database.ts";

/** Inserts the claim; returns false when someone else already holds it. */
export function claimSetup(db: Database, userId: string, now: number): boolean {
  return db.query("INSERT INTO setup_claim (id, user_id, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING").run(userId, now).changes === 1;
}
