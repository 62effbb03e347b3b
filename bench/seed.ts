/**
 * Scale seeding: users, OIDC clients (each with one secret) and audit-log rows written straight into a
 * migrated Latchkey database (run the binary once first so the schema exists; the server must be stopped),
 * through Latchkey's Database interface (lib/db.ts): a file path is SQLite, a postgres:// URL PostgreSQL.
 *
 * Usage: bun run seed.ts <db-path | postgres://…> [--users 1000000] [--clients 10000] [--audit 1000000]
 * Columns follow src/db/migrations/0001_initial.sql; everything else keeps its default.
 */
import { createHash, randomUUID } from "node:crypto";
import { insertRows, openBenchDb, sqlitePragmas, type SQLQueryBindings } from "./lib/db.ts";

export interface SeedSize {
  users: number;
  clients: number;
  auditRows: number;
}

const BATCH = 50_000;
const USER_AGENTS = [
  "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
];
const EVENTS = ["SIGN_IN", "TOKEN_SIGN_IN", "CLIENT_AUTHORIZATION", "PASSKEY_ADDED"];

/** Writes the rows in batched transactions of multi-row INSERTs (few round trips on PostgreSQL). */
export function seedDatabase(dbTarget: string, size: SeedSize, log: (s: string) => void = () => {}): void {
  const db = openBenchDb(dbTarget);
  sqlitePragmas(db, ["journal_mode = WAL", "synchronous = OFF", "cache_size = -262144"]);
  const now = Math.floor(Date.now() / 1000);

  const userIds: string[] = new Array(size.users);
  for (let start = 0; start < size.users; start += BATCH) {
    const rows: SQLQueryBindings[][] = [];
    for (let i = start; i < Math.min(size.users, start + BATCH); i++) {
      const id = randomUUID();
      userIds[i] = id;
      const n = String(i).padStart(7, "0");
      const created = now - 86400 * 365 + Math.floor((i / size.users) * 86400 * 365);
      rows.push([id, `seed${n}`, `seed${n}@example.test`, 1, "Seed", `User ${n}`, `Seed User ${n}`, created, created]);
    }
    db.transaction(() => insertRows(db, "users", ["id", "username", "email", "email_verified", "first_name", "last_name", "display_name", "created_at", "updated_at"], rows))();
    if (size.users >= 100_000) log(`users ${Math.min(size.users, start + BATCH)}/${size.users}`);
  }

  const clients: SQLQueryBindings[][] = [];
  const secrets: SQLQueryBindings[][] = [];
  for (let i = 0; i < size.clients; i++) {
    const id = randomUUID();
    const secret = randomUUID().replaceAll("-", "");
    clients.push([id, `Seeded app ${i}`, JSON.stringify([`https://app${i}.example.test/callback`]), 1, 0, now, now]);
    secrets.push([randomUUID(), id, `sha256:${createHash("sha256").update(secret).digest("hex")}`, secret.slice(0, 4), now]);
  }
  db.transaction(() => {
    insertRows(db, "oidc_clients", ["id", "name", "callback_urls", "pkce_enabled", "is_group_restricted", "created_at", "updated_at"], clients);
    insertRows(db, "oidc_client_secrets", ["id", "client_id", "hash", "prefix", "created_at"], secrets);
  })();

  for (let start = 0; start < size.auditRows; start += BATCH) {
    const rows: SQLQueryBindings[][] = [];
    for (let i = start; i < Math.min(size.auditRows, start + BATCH); i++) {
      const user = userIds.length ? userIds[(i * 7919) % userIds.length]! : null;
      const at = now - 86400 * 90 + Math.floor((i / Math.max(1, size.auditRows)) * 86400 * 90);
      rows.push([randomUUID(), at, EVENTS[i % EVENTS.length]!, user, `192.0.2.${i % 250}`, USER_AGENTS[i % USER_AGENTS.length]!, "{}"]);
    }
    db.transaction(() => insertRows(db, "audit_logs", ["id", "created_at", "event", "user_id", "ip_address", "user_agent", "data"], rows))();
    if (size.auditRows >= 100_000) log(`audit rows ${Math.min(size.auditRows, start + BATCH)}/${size.auditRows}`);
  }
  sqlitePragmas(db, ["wal_checkpoint(TRUNCATE)"]);
  db.close();
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const dbTarget = args[0];
  if (!dbTarget || dbTarget.startsWith("--")) {
    process.stderr.write("Usage: bun run seed.ts <db-path | postgres://…> [--users N] [--clients N] [--audit N]\n");
    process.exit(2);
  }
  const opt = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    return i > 0 ? Number(args[i + 1]) : fallback;
  };
  const t0 = performance.now();
  const size = { users: opt("--users", 1_000_000), clients: opt("--clients", 10_000), auditRows: opt("--audit", 1_000_000) };
  seedDatabase(dbTarget, size, (s) => process.stderr.write(s + "\n"));
  process.stderr.write(`seeded ${JSON.stringify(size)} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
