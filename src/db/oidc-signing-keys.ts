import type { Database } from "./database.ts";

export type SigningKeyRow = {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwk_sealed: string;
  created_at: number;
  retired_at: number | null;
  retire_after: number | null;
};

/** Inserts a key as the current one; returns false when another current key already exists. */
export function insertCurrentSigningKeyIfNone(db: Database, row: SigningKeyRow): boolean {
  return (
    db
      .query(
        `INSERT OR IGNORE INTO oidc_signing_keys (kid, alg, public_jwk, private_jwk_sealed, created_at, retired_at, retire_after)
         VALUES ($kid, $alg, $public_jwk, $private_jwk_sealed, $created_at, NULL, NULL)`,
      )
      .run(row).changes > 0
  );
}

export function findCurrentSigningKey(db: Database): SigningKeyRow | null {
  return db.query<SigningKeyRow, []>("SELECT * FROM oidc_signing_keys WHERE retired_at IS NULL").get() ?? null;
}

export function findSigningKeyByKid(db: Database, kid: string): SigningKeyRow | null {
  return db.query<SigningKeyRow, [string]>("SELECT * FROM oidc_signing_keys WHERE kid = ?").get(kid) ?? null;
}

/** The current key and every retired key still inside its publication window. */
export function listPublishedSigningKeys(db: Database, now: number): SigningKeyRow[] {
  return db
    .query<SigningKeyRow, [number]>(
      "SELECT * FROM oidc_signing_keys WHERE retired_at IS NULL OR retire_after > ? ORDER BY retired_at IS NOT NULL, created_at DESC",
    )
    .all(now);
}

export function retireCurrentSigningKey(db: Database, now: number, retireAfter: number): void {
  db.query("UPDATE oidc_signing_keys SET retired_at = ?, retire_after = ? WHERE retired_at IS NULL").run(now, retireAfter);
}

export function deleteExpiredSigningKeys(db: Database, now: number): number {
  return db.query("DELETE FROM oidc_signing_keys WHERE retired_at IS NOT NULL AND retire_after <= ?").run(now).changes;
}

/** The longest access-token lifetime any client has: how long a retired key must stay published. */
export function maxAccessTokenMinutes(db: Database): number {
  return db.query<{ m: number | null }, []>("SELECT MAX(access_token_duration_minutes) AS m FROM oidc_clients").get()?.m ?? 60;
}
