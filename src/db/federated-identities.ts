/**
 * A client's federated identities (migration 0023): SQL and the mapping between rows and typed values.
 * The stored empty strings (Pocket ID's omitted JSON fields) arrive as null: "use the default".
 */
import type { Database } from "./database.ts";

export interface FederatedIdentity {
  /** Compared character for character with the assertion's `iss`. */
  issuer: string;
  /** The `sub` the assertion must carry; null: the client id. */
  subject: string | null;
  /** The `aud` the assertion must name; null: APP_URL. */
  audience: string | null;
  /** Where the issuer's keys are; null: the issuer + /.well-known/jwks.json. */
  jwksUrl: string | null;
  /** Each `jti` is accepted once (and the assertion must carry one). */
  replayProtection: boolean;
}

type FederatedIdentityRow = { issuer: string; subject: string; audience: string; jwks_url: string; replay_protection: number };

const toIdentity = (r: FederatedIdentityRow): FederatedIdentity => ({
  issuer: r.issuer,
  subject: r.subject || null,
  audience: r.audience || null,
  jwksUrl: r.jwks_url || null,
  replayProtection: r.replay_protection === 1,
});

/** The client's federated identities in the administrator's order. */
export function listFederatedIdentities(db: Database, clientId: string): FederatedIdentity[] {
  return db
    .query<FederatedIdentityRow, [string]>(
      "SELECT issuer, subject, audience, jwks_url, replay_protection FROM oidc_client_federated_identities WHERE client_id = ? ORDER BY position",
    )
    .all(clientId)
    .map(toIdentity);
}

/** The client's identities whose issuer is exactly `issuer` (the client authentication's lookup). */
export function findFederatedIdentitiesByIssuer(db: Database, clientId: string, issuer: string): FederatedIdentity[] {
  return db
    .query<FederatedIdentityRow, [string, string]>(
      "SELECT issuer, subject, audience, jwks_url, replay_protection FROM oidc_client_federated_identities WHERE client_id = ? AND issuer = ? ORDER BY position",
    )
    .all(clientId, issuer)
    .map(toIdentity);
}

/** Replaces the client's list (call inside the change's transaction). */
export function replaceFederatedIdentities(db: Database, clientId: string, identities: FederatedIdentity[]): void {
  db.query("DELETE FROM oidc_client_federated_identities WHERE client_id = ?").run(clientId);
  const insert = db.query(
    `INSERT INTO oidc_client_federated_identities (client_id, position, issuer, subject, audience, jwks_url, replay_protection)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  identities.forEach((f, i) => insert.run(clientId, i, f.issuer, f.subject ?? "", f.audience ?? "", f.jwksUrl ?? "", f.replayProtection ? 1 : 0));
}
