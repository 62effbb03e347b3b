/**
 * OIDC signing keys: SQL and the mapping between rows and typed values (issue 21 step 1: nothing above
 * src/db/ sees a row). The public JWK stays JSON text (the JWKS body is built by joining those texts once per
 * key-set load, never parsed per request); the private JWK stays sealed. Times are numbers (seconds, as stored).
 */
import type { Database } from "./database.ts";

export type SigningAlg = "RS256" | "RS384" | "RS512" | "ES256" | "ES384" | "ES512" | "EdDSA";
/** Pocket ID's key-rotate algorithms, every one of them. */
export const SIGNING_ALGS: SigningAlg[] = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"];

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  /** The public JWK (with kid, alg and use) as JSON text, served verbatim in the JWKS. */
  publicJwk: string;
  /** The private JWK, sealed (purpose "signing-key"). */
  privateJwkSealed: string;
  createdAt: number;
  /** Null while it is the current key. */
  retiredAt: number | null;
  /** A retired key is published until then. */
  retireAfter: number | null;
}

type SigningKeyRow = {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwk_sealed: string;
  created_at: number;
  retired_at: number | null;
  retire_after: number | null;
};

function toSigningKey(row: SigningKeyRow): SigningKey {
  return {
    kid: row.kid,
    // The column admits only these (CHECK in migration 0018).
    alg: row.alg as SigningAlg,
    publicJwk: row.public_jwk,
    privateJwkSealed: row.private_jwk_sealed,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
    retireAfter: row.retire_after,
  };
}

/** Inserts a key as the current one; returns false when another current key already exists. */
export function insertCurrentSigningKeyIfNone(db: Database, key: Pick<SigningKey, "kid" | "alg" | "publicJwk" | "privateJwkSealed" | "createdAt">): boolean {
  return (
    db
      .query(
        `INSERT OR IGNORE INTO oidc_signing_keys (kid, alg, public_jwk, private_jwk_sealed, created_at, retired_at, retire_after)
         VALUES (?, ?, ?, ?, ?, NULL, NULL)`,
      )
      .run(key.kid, key.alg, key.publicJwk, key.privateJwkSealed, key.createdAt).changes > 0
  );
}

export function findCurrentSigningKey(db: Database): SigningKey | null {
  const row = db.query<SigningKeyRow, []>("SELECT * FROM oidc_signing_keys WHERE retired_at IS NULL").get();
  return row ? toSigningKey(row) : null;
}

export function findSigningKeyByKid(db: Database, kid: string): SigningKey | null {
  const row = db.query<SigningKeyRow, [string]>("SELECT * FROM oidc_signing_keys WHERE kid = ?").get(kid);
  return row ? toSigningKey(row) : null;
}

/** The current key and every retired key still inside its publication window. */
export function listPublishedSigningKeys(db: Database, now: number): SigningKey[] {
  return db
    .query<SigningKeyRow, [number]>(
      "SELECT * FROM oidc_signing_keys WHERE retired_at IS NULL OR retire_after > ? ORDER BY retired_at IS NOT NULL, created_at DESC",
    )
    .all(now)
    .map(toSigningKey);
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
