/**
 * Append-only numbered migrations, embedded in the binary as text, one list per engine with the same numbers.
 * - SQLite: tracked with PRAGMA user_version; each migration runs in its own transaction with the bump.
 * - PostgreSQL: tracked in the one-row table latchkey_schema; every pending migration and the bump run in ONE
 *   transaction that first takes a transaction-scoped advisory lock, so instances starting together apply them
 *   once: the others wait, then find nothing left to do. PostgreSQL support began at version 15, so its list
 *   starts there with the whole schema in one file (src/db/migrations/postgres/).
 * - A database written by a newer Latchkey (user_version above the newest known) is refused untouched.
 * - A shipped migration is never edited: add a new file and list it below.
 */
import { engineOf, type Database } from "./database.ts";
import m0001 from "./migrations/0001_initial.sql" with { type: "text" };
import m0003 from "./migrations/0003_oidc.sql" with { type: "text" };
import m0004 from "./migrations/0004_admin.sql" with { type: "text" };
import m0005 from "./migrations/0005_oidc_protocols.sql" with { type: "text" };
import m0006 from "./migrations/0006_audit_log.sql" with { type: "text" };
import m0007 from "./migrations/0007_forward_auth.sql" with { type: "text" };
import m0008 from "./migrations/0008_email.sql" with { type: "text" };
import m0009 from "./migrations/0009_user_list_indexes.sql" with { type: "text" };
import m0010 from "./migrations/0010_audit_log_scale.sql" with { type: "text" };
import m0011 from "./migrations/0011_consumed_codes_in_place.sql" with { type: "text" };
import m0012 from "./migrations/0012_access_token_on_grant.sql" with { type: "text" };
import m0013 from "./migrations/0013_reauthentication_tokens.sql" with { type: "text" };
import m0014 from "./migrations/0014_client_auth_method_fixed.sql" with { type: "text" };
import m0015 from "./migrations/0015_imported_client_secrets.sql" with { type: "text" };
import m0016 from "./migrations/0016_job_runs.sql" with { type: "text" };
import m0017 from "./migrations/0017_cluster_state.sql" with { type: "text" };
import m0018 from "./migrations/0018_signing_key_algs.sql" with { type: "text" };
import m0019 from "./migrations/0019_device_login_requests.sql" with { type: "text" };
import m0020 from "./migrations/0020_apis.sql" with { type: "text" };
import m0021 from "./migrations/0021_client_metadata_documents.sql" with { type: "text" };
import m0022 from "./migrations/0022_scim_provisioning.sql" with { type: "text" };
import m0023 from "./migrations/0023_federated_identities.sql" with { type: "text" };
import m0024 from "./migrations/0024_app_config_version.sql" with { type: "text" };

import pg0015 from "./migrations/postgres/0015_schema.sql" with { type: "text" };
import pg0016 from "./migrations/postgres/0016_job_runs.sql" with { type: "text" };
import pg0017 from "./migrations/postgres/0017_cluster_state.sql" with { type: "text" };
import pg0018 from "./migrations/postgres/0018_signing_key_algs.sql" with { type: "text" };
import pg0019 from "./migrations/postgres/0019_device_login_requests.sql" with { type: "text" };
import pg0020 from "./migrations/postgres/0020_apis.sql" with { type: "text" };
import pg0021 from "./migrations/postgres/0021_client_metadata_documents.sql" with { type: "text" };
import pg0022 from "./migrations/postgres/0022_scim_provisioning.sql" with { type: "text" };
import pg0023 from "./migrations/postgres/0023_federated_identities.sql" with { type: "text" };
import pg0024 from "./migrations/postgres/0024_app_config_version.sql" with { type: "text" };

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  { version: 1, name: "initial", sql: m0001 },
  { version: 3, name: "oidc", sql: m0003 },
  { version: 4, name: "admin", sql: m0004 },
  { version: 5, name: "oidc_protocols", sql: m0005 },
  { version: 6, name: "audit_log", sql: m0006 },
  { version: 7, name: "forward_auth", sql: m0007 },
  { version: 8, name: "email", sql: m0008 },
  { version: 9, name: "user_list_indexes", sql: m0009 },
  { version: 10, name: "audit_log_scale", sql: m0010 },
  { version: 11, name: "consumed_codes_in_place", sql: m0011 },
  { version: 12, name: "access_token_on_grant", sql: m0012 },
  { version: 13, name: "reauthentication_tokens", sql: m0013 },
  { version: 14, name: "client_auth_method_fixed", sql: m0014 },
  { version: 15, name: "imported_client_secrets", sql: m0015 },
  { version: 16, name: "job_runs", sql: m0016 },
  { version: 17, name: "cluster_state", sql: m0017 },
  { version: 18, name: "signing_key_algs", sql: m0018 },
  { version: 19, name: "device_login_requests", sql: m0019 },
  { version: 20, name: "apis", sql: m0020 },
  { version: 21, name: "client_metadata_documents", sql: m0021 },
  { version: 22, name: "scim_provisioning", sql: m0022 },
  { version: 23, name: "federated_identities", sql: m0023 },
  { version: 24, name: "app_config_version", sql: m0024 },
];

/** PostgreSQL's migrations: the same numbers as SQLite's from 15 on (the schema of 15 in one file). */
export const POSTGRES_MIGRATIONS: Migration[] = [
  { version: 15, name: "schema", sql: pg0015 },
  { version: 16, name: "job_runs", sql: pg0016 },
  { version: 17, name: "cluster_state", sql: pg0017 },
  { version: 18, name: "signing_key_algs", sql: pg0018 },
  { version: 19, name: "device_login_requests", sql: pg0019 },
  { version: 20, name: "apis", sql: pg0020 },
  { version: 21, name: "client_metadata_documents", sql: pg0021 },
  { version: 22, name: "scim_provisioning", sql: pg0022 },
  { version: 23, name: "federated_identities", sql: pg0023 },
  { version: 24, name: "app_config_version", sql: pg0024 },
];

/** Any constant shared by every Latchkey: the key of the advisory lock migrations run under. */
const MIGRATION_LOCK_KEY = 0x4c4b4d31; // "LKM1"

export function migrationsFor(db: Database): Migration[] {
  return engineOf(db) === "postgres" ? POSTGRES_MIGRATIONS : MIGRATIONS;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

export function schemaVersion(db: Database): number {
  if (engineOf(db) === "postgres") {
    if (db.query<{ t: string | null }, []>("SELECT to_regclass('latchkey_schema')::text AS t").get()?.t == null) return 0;
    return db.query<{ version: number }, []>("SELECT version FROM latchkey_schema").get()?.version ?? 0;
  }
  return db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version;
}

export function latestSchemaVersion(migrations: Migration[] = MIGRATIONS): number {
  return migrations.at(-1)?.version ?? 0;
}

/** Refuses a database from a newer version before anything is changed. */
export function checkSchemaVersion(db: Database, migrations: Migration[] = migrationsFor(db)): void {
  const current = schemaVersion(db);
  const latest = latestSchemaVersion(migrations);
  if (current > latest) {
    throw new MigrationError(
      `The database is at schema version ${current}, written by a newer Latchkey; this version knows up to ${latest}. ` +
        "Upgrade Latchkey (or restore a backup taken before the upgrade). The database was not changed.",
    );
  }
}

/** Applies every pending migration; returns the versions applied. */
export function migrate(db: Database, migrations: Migration[] = migrationsFor(db)): number[] {
  if (engineOf(db) === "postgres") return migratePostgres(db, migrations);
  checkSchemaVersion(db, migrations);
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= schemaVersion(db)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}

function migratePostgres(db: Database, migrations: Migration[]): number[] {
  return db.transaction(() => {
    db.query("SELECT pg_advisory_xact_lock(?)").get(MIGRATION_LOCK_KEY);
    db.exec("CREATE TABLE IF NOT EXISTS latchkey_schema (one BIGINT PRIMARY KEY DEFAULT 1 CHECK (one = 1), version BIGINT NOT NULL)");
    checkSchemaVersion(db, migrations);
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= schemaVersion(db)) continue;
      db.exec(m.sql);
      db.query("INSERT INTO latchkey_schema (one, version) VALUES (1, ?) ON CONFLICT (one) DO UPDATE SET version = excluded.version").run(m.version);
      applied.push(m.version);
    }
    return applied;
  })();
}
