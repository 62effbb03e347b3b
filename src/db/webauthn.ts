/** Passkeys (webauthn_credentials) and ceremony challenges (webauthn_challenges). */
import { engineOf, type Database } from "./database.ts";

/** A registered passkey (a WebAuthn credential), as the rest of Latchkey sees it. Times are Unix seconds. */
export type Passkey = {
  id: string;
  userId: string;
  name: string;
  /** The authenticator's credential id (base64url), not our row id. */
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  /** The transports the authenticator reported at registration ("usb", "internal", …). */
  transports: string[];
  aaguid: string;
  /** "singleDevice" or "multiDevice". */
  deviceType: string;
  /** Backup eligible: a synced (multi-device) passkey. */
  backupEligible: boolean;
  backupState: boolean;
  createdAt: number;
  lastUsedAt: number | null;
};

type CredentialRow = {
  id: string;
  user_id: string;
  name: string;
  credential_id: string;
  public_key: Uint8Array;
  counter: number;
  transports: string;
  aaguid: string;
  device_type: string;
  backup_eligible: number;
  backup_state: number;
  created_at: number;
  last_used_at: number | null;
};

/** The stored JSON list of transports; anything else (an imported row, say) reads as none. */
function parseTransports(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === "string") : [];
  } catch {
    return [];
  }
}

function toPasskey(r: CredentialRow): Passkey {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    credentialId: r.credential_id,
    publicKey: r.public_key,
    counter: r.counter,
    transports: parseTransports(r.transports),
    aaguid: r.aaguid,
    deviceType: r.device_type,
    backupEligible: r.backup_eligible === 1,
    backupState: r.backup_state === 1,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

const passkeyOrNull = (r: CredentialRow | null): Passkey | null => (r ? toPasskey(r) : null);

export function insertCredential(db: Database, p: Passkey): void {
  db.query(
    `INSERT INTO webauthn_credentials (id, user_id, name, credential_id, public_key, counter, transports, aaguid, device_type, backup_eligible, backup_state, created_at, last_used_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    p.id,
    p.userId,
    p.name,
    p.credentialId,
    p.publicKey,
    p.counter,
    JSON.stringify(p.transports),
    p.aaguid,
    p.deviceType,
    p.backupEligible ? 1 : 0,
    p.backupState ? 1 : 0,
    p.createdAt,
    p.lastUsedAt,
  );
}

/** Passkey sign-in: one lookup by the unique credential id. */
export function findCredentialByCredentialId(db: Database, credentialId: string): Passkey | null {
  return passkeyOrNull(db.query<CredentialRow, [string]>("SELECT * FROM webauthn_credentials WHERE credential_id = ?").get(credentialId));
}

export function findCredentialOfUser(db: Database, userId: string, id: string): Passkey | null {
  return passkeyOrNull(db.query<CredentialRow, [string, string]>("SELECT * FROM webauthn_credentials WHERE id = ? AND user_id = ?").get(id, userId));
}

export function listCredentialsByUser(db: Database, userId: string): Passkey[] {
  // Ties in created_at: SQLite's insertion order (rowid); PostgreSQL has no rowid, the id decides there.
  const tieBreak = engineOf(db) === "postgres" ? "id" : "rowid";
  return db.query<CredentialRow, [string]>(`SELECT * FROM webauthn_credentials WHERE user_id = ? ORDER BY created_at, ${tieBreak}`).all(userId).map(toPasskey);
}

export function countCredentialsOfUser(db: Database, userId: string): number {
  return db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM webauthn_credentials WHERE user_id = ?").get(userId)!.n;
}

/** Records a successful assertion: the new counter, backup state and last use. */
export function recordCredentialUse(db: Database, id: string, v: { counter: number; backupState: boolean; now: number }): void {
  db.query("UPDATE webauthn_credentials SET counter = ?, backup_state = ?, last_used_at = ? WHERE id = ?").run(v.counter, v.backupState ? 1 : 0, v.now, id);
}

export function renameCredential(db: Database, userId: string, id: string, name: string): Passkey | null {
  return passkeyOrNull(db.query<CredentialRow, [string, string, string]>("UPDATE webauthn_credentials SET name = ? WHERE id = ? AND user_id = ? RETURNING *").get(name, id, userId));
}

export function deleteCredential(db: Database, userId: string, id: string): Passkey | null {
  return passkeyOrNull(db.query<CredentialRow, [string, string]>("DELETE FROM webauthn_credentials WHERE id = ? AND user_id = ? RETURNING *").get(id, userId));
}

export type ChallengePurpose = "register" | "login" | "reauthenticate";

/** A ceremony's challenge: random, bound to a purpose (and a user, when known), expiring. */
export type Challenge = {
  id: string;
  challenge: string;
  purpose: ChallengePurpose;
  userId: string | null;
  /** "required", "preferred" or "discouraged", as the ceremony asked. */
  userVerification: string;
  expiresAt: number;
};

type ChallengeRow = {
  id: string;
  challenge: string;
  purpose: ChallengePurpose;
  user_id: string | null;
  user_verification: string;
  expires_at: number;
};

export function insertChallenge(db: Database, c: Challenge): void {
  db.query("INSERT INTO webauthn_challenges (id, challenge, purpose, user_id, user_verification, expires_at) VALUES (?, ?, ?, ?, ?, ?)").run(
    c.id,
    c.challenge,
    c.purpose,
    c.userId,
    c.userVerification,
    c.expiresAt,
  );
}

/** Single use: the row is deleted in the same statement that reads it; expired rows never come back. */
export function consumeChallenge(db: Database, id: string, purpose: ChallengePurpose, now: number): Challenge | null {
  const r = db
    .query<ChallengeRow, [string, string, number]>("DELETE FROM webauthn_challenges WHERE id = ? AND purpose = ? AND expires_at > ? RETURNING *")
    .get(id, purpose, now);
  return r ? { id: r.id, challenge: r.challenge, purpose: r.purpose, userId: r.user_id, userVerification: r.user_verification, expiresAt: r.expires_at } : null;
}

export function deleteExpiredChallenges(db: Database, now: number): number {
  return db.query("DELETE FROM webauthn_challenges WHERE expires_at <= ?").run(now).changes;
}
