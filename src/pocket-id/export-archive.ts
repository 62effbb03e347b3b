/**
 * Pocket ID's own export archive (`pocket-id export`, v2.0+; reference §4) as an import source.
 * - A ZIP with `database.json` ({provider, version, tables: {table: [row]}}), `francis.bin` (v2.13+: the actor
 *   store as a MessagePack stream: a header, then {type, state: {actorType, actorId, data, expiration}} records) and
 *   `uploads/<path>`. Exports from Postgres installs have the same shape, so this is their way over too.
 * - Values were written by column type: bytes and JSON columns as base64 (std), times as RFC 3339, booleans as JSON
 *   booleans, integers as numbers, the rest as strings. They are turned back into what a SQLite Pocket ID database
 *   holds (raw bytes, JSON text, Unix seconds, 0/1), table by table, into a private temporary data folder that the
 *   ordinary reader then opens (with the usual checks of the migration version).
 * - Entry names are checked (no absolute paths, no `..`, a fixed set of top-level names): an archive cannot write
 *   outside the temporary folder. Table and column names must be plain identifiers.
 * - Sizes are checked on the declared sizes before anything is inflated (fflate inflates an entry into a buffer of its
 *   declared size, so a lie truncates rather than grows): an entry over 256 MiB, or entries over 1 GiB together, refuse
 *   the archive, as does a name given twice (which copy is meant would be a guess).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ownValue } from "../lib/own.ts";
import { createExportDatabase, createExportTable, insertExportRows, writeExportActorStates, writeExportMigrationState } from "../db/pocket-id-export.ts";
import { PocketIdImportError } from "./source.ts";

const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;
/** Columns holding raw bytes (BLOB / bytea). */
const BYTES_COLUMNS = new Set(["webauthn_credentials.credential_id", "webauthn_credentials.public_key", "storage.data"]);
/** Columns holding JSON documents (BLOB / jsonb in some versions, TEXT in others). */
const JSON_COLUMNS = new Set([
  "oidc_clients.callback_urls",
  "oidc_clients.logout_callback_urls",
  "oidc_clients.credentials",
  "oidc_clients.metadata_grant_types",
  "webauthn_credentials.transport",
  "user_authorized_oidc_clients.scope",
  "oauth2_sessions.request_data",
  "audit_logs.data",
]);
/** Tables the reader queries without probing: created (empty) when the archive has no rows to name their columns. */
const MINIMAL_COLUMNS: Record<string, string[]> = {
  users: ["id", "created_at", "username", "email", "first_name", "last_name", "is_admin"],
  webauthn_credentials: ["id", "created_at", "name", "credential_id", "public_key", "transport", "user_id"],
  user_groups: ["id", "created_at", "name", "friendly_name"],
  user_groups_users: ["user_id", "user_group_id"],
  oidc_clients: ["id", "created_at", "name", "callback_urls"],
};
const MAX_ENTRY_BYTES = 256 * 1024 * 1024;
const MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024;

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isTimeColumn(column: string): boolean {
  return column.endsWith("_at") || column === "mod_time";
}

/** One exported value back to what SQLite held. */
function restoreValue(table: string, column: string, value: unknown): string | number | Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  if (typeof value !== "string") return JSON.stringify(value);
  const key = `${table}.${column}`;
  if (BYTES_COLUMNS.has(key)) return STD_BASE64.test(value) ? new Uint8Array(Buffer.from(value, "base64")) : new TextEncoder().encode(value);
  if (JSON_COLUMNS.has(key)) {
    // JSON columns were base64 where the column was BLOB/jsonb; a TEXT column (older versions) kept the text.
    if (value.length > 0 && STD_BASE64.test(value)) {
      const text = Buffer.from(value, "base64").toString("utf8");
      try {
        JSON.parse(text);
        return text;
      } catch {
        // not base64 of JSON: keep the text as it is
      }
    }
    return value;
  }
  if (isTimeColumn(column)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return Math.floor(ms / 1000);
  }
  return value;
}

/** An archive path that stays inside the folder, or null. */
function safeEntryPath(name: string): string | null {
  if (name.includes("\\") || name.startsWith("/") || name.includes("\0")) return null;
  const parts = name.split("/");
  if (parts.some((p) => p === ".." || p === ".")) return null;
  return parts.filter(Boolean).join("/");
}

/**
 * Unpacks a Pocket ID export archive into `dir` as a data folder (pocket-id.db + uploads/); returns the export's
 * schema version. Throws PocketIdImportError for anything that is not such an archive.
 */
export async function unpackPocketIdExport(zipFile: string, dir: string): Promise<{ version: number; provider: string }> {
  const { unzipSync } = await import("fflate");
  let entries: Record<string, Uint8Array>;
  const seen = new Set<string>();
  let total = 0;
  const refuse = (why: string) => new PocketIdImportError(`${zipFile} ${why}. Nothing was imported.`);
  try {
    entries = unzipSync(new Uint8Array(readFileSync(zipFile)), {
      filter: (f) => {
        if (!(f.name === "database.json" || f.name === "francis.bin" || f.name.startsWith("uploads/"))) return false;
        if (seen.has(f.name)) throw refuse(`holds ${f.name.slice(0, 100)} twice`);
        seen.add(f.name);
        if (f.originalSize > MAX_ENTRY_BYTES) throw refuse(`holds ${f.name.slice(0, 100)} of more than ${MAX_ENTRY_BYTES / 1024 / 1024} MiB`);
        total += f.originalSize;
        if (total > MAX_ARCHIVE_BYTES) throw refuse(`unpacks to more than ${MAX_ARCHIVE_BYTES / 1024 / 1024 / 1024} GiB`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof PocketIdImportError) throw e;
    throw refuse(`is not a readable ZIP archive (${(e as Error).message})`);
  }
  const dbJson = entries["database.json"];
  if (!dbJson) throw new PocketIdImportError(`${zipFile} has no database.json: it is not a Pocket ID export. Nothing was imported.`);
  let doc: { provider?: unknown; version?: unknown; tables?: unknown };
  try {
    doc = JSON.parse(new TextDecoder().decode(dbJson)) as typeof doc;
  } catch {
    throw new PocketIdImportError(`${zipFile}: database.json is not JSON. Nothing was imported.`);
  }
  if (typeof doc.version !== "number" || !Number.isSafeInteger(doc.version) || !doc.tables || typeof doc.tables !== "object" || Array.isArray(doc.tables)) {
    throw new PocketIdImportError(`${zipFile}: database.json is not a Pocket ID export (no version or tables). Nothing was imported.`);
  }

  mkdirSync(dir, { recursive: true });
  const db = createExportDatabase(path.join(dir, "pocket-id.db"));
  try {
    db.transaction(() => {
      for (const [table, rawRows] of Object.entries(doc.tables as Record<string, unknown>)) {
        if (!IDENTIFIER.test(table) || table === "schema_migrations" || table.startsWith("francis_") || !Array.isArray(rawRows)) continue;
        const rows = rawRows.filter((r): r is Record<string, unknown> => !!r && typeof r === "object" && !Array.isArray(r));
        const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => IDENTIFIER.test(c));
        if (columns.length === 0) {
          // An archive's table name never indexes the literal: `constructor` is not a table we know.
          const minimal = ownValue(MINIMAL_COLUMNS, table);
          if (minimal) createExportTable(db, table, minimal);
          continue;
        }
        createExportTable(db, table, columns);
        insertExportRows(db, table, columns, rows.map((r) => columns.map((c) => restoreValue(table, c, r[c]))));
      }
      for (const [table, columns] of Object.entries(MINIMAL_COLUMNS)) {
        if (!(table in (doc.tables as object))) createExportTable(db, table, columns);
      }
      writeExportMigrationState(db, doc.version as number);
    })();

    // francis.bin (v2.13+): actor states (configuration, signup tokens…).
    const francis = entries["francis.bin"];
    if (francis) {
      const { decodeMulti } = await import("@msgpack/msgpack");
      const states: { actorType: string; actorId: string; data: Uint8Array; expirationMs: number | null }[] = [];
      let first = true;
      try {
        for (const value of decodeMulti(francis)) {
          const v = value as Record<string, unknown>;
          if (first) {
            first = false;
            if (v?.format !== "francis-backup") throw new Error("no francis-backup header");
            continue;
          }
          if (v?.type !== "state") continue;
          const s = v.state as Record<string, unknown> | undefined;
          if (!s || typeof s.actorType !== "string" || typeof s.actorId !== "string" || !(s.data instanceof Uint8Array)) continue;
          states.push({ actorType: s.actorType, actorId: s.actorId, data: s.data, expirationMs: s.expiration instanceof Date ? s.expiration.getTime() : null });
        }
      } catch (e) {
        throw new PocketIdImportError(`${zipFile}: francis.bin is not a Francis backup stream (${(e as Error).message}). Nothing was imported.`);
      }
      writeExportActorStates(db, states);
    }
  } finally {
    db.close();
  }

  const written = new Set<string>();
  for (const [name, data] of Object.entries(entries)) {
    if (!name.startsWith("uploads/") || name.endsWith("/")) continue;
    const rel = safeEntryPath(name);
    if (!rel || !rel.startsWith("uploads/")) throw new PocketIdImportError(`${zipFile} holds an unsafe path (${name.slice(0, 100)}). Nothing was imported.`);
    // "uploads//a" is "uploads/a" on disk: the same file given twice.
    if (written.has(rel)) throw refuse(`holds ${rel.slice(0, 100)} twice`);
    written.add(rel);
    const target = path.join(dir, rel);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, data);
  }
  return { version: doc.version as number, provider: typeof doc.provider === "string" ? doc.provider : "unknown" };
}
