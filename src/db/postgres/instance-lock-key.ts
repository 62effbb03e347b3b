/**
 * The PostgreSQL advisory lock that tells serving instances from maintenance commands: every connection of a
 * serving instance holds it SHARED (src/db/postgres/worker.ts); `latchkey encryption-key-rotate` and
 * `latchkey import` take it EXCLUSIVE (src/db/server-lock.ts acquireMaintenanceLock), which only succeeds while
 * no instance serves the database. The PostgreSQL counterpart of SQLite's one-server-per-data-folder lock.
 */
export const INSTANCE_LOCK_KEY = 0x4c4b5331; // "LKS1"
