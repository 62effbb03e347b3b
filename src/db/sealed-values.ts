/**
 * Every column that holds values sealed with ENCRYPTION_KEY (src/lib/sealed-box.ts), for key rotation.
 * A new sealed column must be listed here; tests/unit/backup/key-rotation.test.ts fails on a
 * sealing call in a file this list does not account for.
 */
import type { Database } from "./database.ts";
export { tableExists } from "./database.ts";

/** kv row holding the slow-KDF record (algorithm, parameters, salt) of a passphrase ENCRYPTION_KEY; plain, not secret. */
export const KDF_RECORD = "encryption_kdf";

export interface SealedColumn {
  table: string;
  keyColumn: string;
  column: string;
  /** The sealed-box purpose of one row, from its key. */
  purpose: (rowKey: string) => string;
  /** Only rows whose value is sealed (tables that mix sealed and plain values). */
  onlySealed?: boolean;
}

export const SEALED_COLUMNS: SealedColumn[] = [
  { table: "oidc_signing_keys", keyColumn: "kid", column: "private_jwk_sealed", purpose: () => "signing-key" },
  // Sensitive settings (smtpPassword, ldapBindPassword): purpose app-config:<key> (src/admin/app-config-admin.ts sealPurposeOf).
  { table: "app_config", keyColumn: "key", column: "value", purpose: (k) => `app-config:${k}`, onlySealed: true },
  // The encryption key check row: purpose = its key.
  { table: "kv", keyColumn: "key", column: "value", purpose: (k) => k, onlySealed: true },
  { table: "email_outbox", keyColumn: "id", column: "sealed_message", purpose: () => "email-outbox" },
  // SCIM bearer tokens (src/scim/providers.ts): bound to their provider row; NULL when the server takes none.
  { table: "scim_service_providers", keyColumn: "id", column: "token", purpose: (id) => `scim-token:${id}`, onlySealed: true },
];

export function listSealedValues(db: Database, c: SealedColumn): { key: string; sealed: string }[] {
  // Sealed values start with a format prefix "lk<digit>." (src/lib/sealed-box.ts SEALED_FORMATS).
  const where = c.onlySealed ? ` WHERE ${c.column} GLOB 'lk[0-9].*'` : "";
  return db.query<{ key: string; sealed: string }, []>(`SELECT ${c.keyColumn} AS key, ${c.column} AS sealed FROM ${c.table}${where}`).all();
}

export function updateSealedValue(db: Database, c: SealedColumn, key: string, sealed: string): void {
  db.query(`UPDATE ${c.table} SET ${c.column} = ? WHERE ${c.keyColumn} = ?`).run(sealed, key);
}
