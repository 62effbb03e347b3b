/** Passkeys (webauthn_credentials) and ceremony challenges (webauthn_challenges). */
import { engineOf, type Database } from "./database.ts";

export type CredentialRow = {
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

export function insertCredential(db: Database, row: CredentialRow): void {
  db.query(
    `INSERT INTO webauthn_credentials (id, user_id, name, credential_id, public_key, counter, transports, aaguid, device_type, backup_eligible, backup_state, created_at, last_used_at)
     VALUES ($id, $user_id, $name, $credential_id, $public_key, $counter, $transports, $aaguid, $device_type, $backup_eligible, $backup_state, $created_at, $last_used_at)`,
  ).run(row);
}

export function findCredentialByCredentialId(db: Database, credentialId: string): CredentialRow | null {
  return db.query<CredentialRow, [string]>("SELECT * FROM webauthn_credentials WHERE credential_id = ?").get(credentialId) ?? null;
}

export function findCredentialOfUser(db: Database, userId: string, id: string): CredentialRow | null {
  return db.query<CredentialRow, [string, string]>("SELECT * FROM webauthn_credentials WHERE id = ? AND user_id = ?").get(id, userId) ?? null;
}

export function listCredentialsByUser(db: Database, userId: string): CredentialRow[] {
  // Ties in created_at: SQLite's insertion order (rowid); PostgreSQL has no rowid, the id decides there.
  const tieBreak = engineOf(db) === "postgres" ? "id" : "rowid";
  return db.query<CredentialRow, [string]>(`SELECT * FROM webauthn_credentials WHERE user_id = ? ORDER BY created_at, ${tieBreak}`).all(userId);
}

export function countCredentialsOfUser(db: Database, userId: string): number {
  return db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM webauthn_credentials WHERE user_id = ?").get(userId)!.n;
}

/** Records a successful assertion: the new counter, backup state and last use. */
export function recordCredentialUse(db: Database, id: string, v: { counter: number; backupState: boolean; now: number }): void {
  db.query("UPDATE webauthn_credentials SET counter = ?, backup_state = ?, last_used_at = ? WHERE id = ?").run(v.counter, v.backupState ? 1 : 0, v.now, id);
}

export function renameCredential(db: Database, userId: string, id: string, name: string): CredentialRow | null {
  return db.query<CredentialRow, [string, string, string]>("UPDATE webauthn_credentials SET name = ? WHERE id = ? AND user_id = ? RETURNING *").get(name, id, userId) ?? null;
}

export function deleteCredential(db: Database, userId: string, id: string): CredentialRow | null {
  return db.query<CredentialRow, [string, string]>("DELETE FROM webauthn_credentials WHERE id = ? AND user_id = ? RETURNING *").get(id, userId) ?? null;
}

export type ChallengePurpose = "register" | "login" | "reauthenticate";

export type ChallengeRow = {
  id: string;
  challenge: string;
  purpose: ChallengePurpose;
  user_id: string | null;
  user_verification: string;
  expires_at: number;
};

export function insertChallenge(db: Database, row: ChallengeRow): void {
  db.query(
    `INSERT INTO webauthn_challenges (id, challenge, purpose, user_id, user_verification, expires_at)
     VALUES ($id, $challenge, $purpose, $user_id, $user_verification, $expires_at)`,
  ).run(row);
}

/** Single use: the row is deleted in the same statement that reads it; expired rows never come back. */
export function consumeChallenge(db: Database, id: string, purpose: ChallengePurpose, now: number): ChallengeRow | null {
  return (
    db
      .query<ChallengeRow, [string, string, number]>("DELETE FROM webauthn_challenges WHERE id = ? AND purpose = ? AND expires_at > ? RETURNING *")
      .get(id, purpose, now) ?? null
  );
}

export function deleteExpiredChallenges(db: Database, now: number): number {
  return db.query("DELETE FROM webauthn_challenges WHERE expires_at <= ?").run(now).changes;
}
