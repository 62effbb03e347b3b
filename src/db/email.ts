/** Email tables: the outbox, verification tokens (hashed, single use) and API key expiry notices. */
import type { Database } from "./database.ts";

/** A message waiting in the outbox. Times are Unix seconds. */
export type OutboxMessage = {
  id: string;
  kind: string;
  recipient: string;
  /** The rendered message, sealed (it may hold a login code). */
  sealedMessage: string;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  /** The instance holding the message while it is being sent, else null. */
  claimedBy: string | null;
};

type OutboxRow = {
  id: string;
  kind: string;
  recipient: string;
  sealed_message: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  /** The instance holding the message while it is being sent (migration 0016), else null. */
  claimed_by: string | null;
};

function toOutboxMessage(r: OutboxRow): OutboxMessage {
  return {
    id: r.id,
    kind: r.kind,
    recipient: r.recipient,
    sealedMessage: r.sealed_message,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    claimedBy: r.claimed_by,
  };
}

export function insertOutboxMessage(db: Database, m: Omit<OutboxMessage, "attempts" | "lastError" | "claimedBy">): void {
  db.query(
    `INSERT INTO email_outbox (id, kind, recipient, sealed_message, attempts, next_attempt_at, last_error, created_at)
     VALUES (?, ?, ?, ?, 0, ?, NULL, ?)`,
  ).run(m.id, m.kind, m.recipient, m.sealedMessage, m.nextAttemptAt, m.createdAt);
}

/**
 * Claims due messages for `claimant` (an instance id): pushes their next attempt `leaseSeconds` ahead in the same
 * statement, so a second worker (or a crash mid-send) never delivers one twice within the lease, and a claim
 * left by a killed instance is taken again once the lease is over. The outer `next_attempt_at <= ?1` is checked
 * again on the row being updated: under PostgreSQL's READ COMMITTED a row another instance claimed meanwhile
 * then drops out instead of being claimed twice.
 */
export function claimDueOutboxMessages(db: Database, now: number, leaseSeconds: number, limit: number, claimant: string): OutboxMessage[] {
  return db
    .query<OutboxRow, [number, number, number, string]>(
      `UPDATE email_outbox SET next_attempt_at = ?1 + ?2, claimed_by = ?4
       WHERE id IN (SELECT id FROM email_outbox WHERE next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?3)
         AND next_attempt_at <= ?1
       RETURNING *`,
    )
    .all(now, leaseSeconds, limit, claimant)
    .map(toOutboxMessage);
}

/** Extends `claimant`'s claim on a message before sending it; false when another instance took it over (or it is gone). */
export function renewOutboxClaim(db: Database, id: string, claimant: string, until: number): boolean {
  return db.query("UPDATE email_outbox SET next_attempt_at = ? WHERE id = ? AND claimed_by = ?").run(until, id, claimant).changes === 1;
}

export function countDueOutboxMessages(db: Database, now: number): number {
  return db.query<{ n: number }, [number]>("SELECT COUNT(*) AS n FROM email_outbox WHERE next_attempt_at <= ?").get(now)!.n;
}

/** Deletes a message `claimant` holds (delivered or given up); false when another instance holds it now. */
export function deleteOutboxMessage(db: Database, id: string, claimant: string): boolean {
  return db.query("DELETE FROM email_outbox WHERE id = ? AND claimed_by = ?").run(id, claimant).changes === 1;
}

/** Releases `claimant`'s claim with the next attempt's time and the error. */
export function rescheduleOutboxMessage(db: Database, id: string, claimant: string, attempts: number, nextAttemptAt: number, lastError: string): void {
  db.query("UPDATE email_outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, claimed_by = NULL WHERE id = ? AND claimed_by = ?").run(attempts, nextAttemptAt, lastError, id, claimant);
}

export function listOutboxMessages(db: Database): OutboxMessage[] {
  return db.query<OutboxRow, []>("SELECT * FROM email_outbox ORDER BY created_at").all().map(toOutboxMessage);
}

/** A pending email verification: the address it was sent to, for the user, until `expiresAt`. */
export type EmailVerificationToken = {
  id: string;
  /** SHA-256 of the emailed token. */
  tokenHash: string;
  userId: string;
  email: string;
  createdAt: number;
  expiresAt: number;
};

type EmailVerificationTokenRow = {
  id: string;
  token_hash: string;
  user_id: string;
  email: string;
  created_at: number;
  expires_at: number;
};

export function insertEmailVerificationToken(db: Database, t: EmailVerificationToken): void {
  db.query("INSERT INTO email_verification_tokens (id, token_hash, user_id, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)").run(
    t.id,
    t.tokenHash,
    t.userId,
    t.email,
    t.createdAt,
    t.expiresAt,
  );
}

/** Single use: deleted in the statement that reads it; an expired row is deleted but not returned. */
/** Single use by one DELETE … RETURNING; with `userId`, only a token issued to that user is consumed (another's stays). */
export function consumeEmailVerificationToken(db: Database, tokenHash: string, now: number, userId?: string): EmailVerificationToken | null {
  const r = userId === undefined
    ? db.query<EmailVerificationTokenRow, [string]>("DELETE FROM email_verification_tokens WHERE token_hash = ? RETURNING *").get(tokenHash)
    : db.query<EmailVerificationTokenRow, [string, string]>("DELETE FROM email_verification_tokens WHERE token_hash = ? AND user_id = ? RETURNING *").get(tokenHash, userId);
  if (!r || r.expires_at <= now) return null;
  return { id: r.id, tokenHash: r.token_hash, userId: r.user_id, email: r.email, createdAt: r.created_at, expiresAt: r.expires_at };
}

export function deleteEmailVerificationTokensOfUser(db: Database, userId: string): void {
  db.query("DELETE FROM email_verification_tokens WHERE user_id = ?").run(userId);
}

export function deleteExpiredEmailVerificationTokens(db: Database, now: number): void {
  db.query("DELETE FROM email_verification_tokens WHERE expires_at <= ?").run(now);
}

/** Marks the address verified only if it is still the user's address (it may have changed since). */
export function markEmailVerified(db: Database, userId: string, email: string, now: number): boolean {
  // lower() on both sides rather than `= ? COLLATE NOCASE`, which PostgreSQL cannot read (the row is found by id either way).
  return db.query("UPDATE users SET email_verified = 1, updated_at = ? WHERE id = ? AND lower(email) = lower(?)").run(now, userId, email).changes === 1;
}

export function setEmailUnverified(db: Database, userId: string, now: number): void {
  db.query("UPDATE users SET email_verified = 0, updated_at = ? WHERE id = ?").run(now, userId);
}

/**
 * Has this user signed in before from this exact IP and user agent? (Pocket ID's rule for the
 * new-device email.) Reads earlier SIGN_IN / TOKEN_SIGN_IN / REMOTE_SIGN_IN audit rows (a sign-in from another
 * device counts: the same browser signing in again later is no news), excluding `exceptAuditId`'s own.
 * NULL-safe comparisons in standard SQL (IS [NOT] DISTINCT FROM): SQLite's `IS ?` is not PostgreSQL's.
 */
export function hasEarlierSignInFrom(db: Database, userId: string, ip: string | null, userAgent: string | null, exceptAuditId: string | null): boolean {
  return (
    db
      .query(
        `SELECT 1 FROM audit_logs WHERE user_id = ? AND event IN ('SIGN_IN', 'TOKEN_SIGN_IN', 'REMOTE_SIGN_IN')
         AND ip_address IS NOT DISTINCT FROM ? AND user_agent IS NOT DISTINCT FROM ? AND id IS DISTINCT FROM ? LIMIT 1`,
      )
      .get(userId, ip, userAgent, exceptAuditId) !== null
  );
}

/** An API key about to expire, with what the notice to its owner needs. */
export type ExpiringApiKey = { id: string; name: string; expiresAt: number; userId: string; email: string | null; firstName: string; displayName: string; locale: string | null };

/** Keys expiring within the window that have not had their notice yet (owner's email joined). */
export function listApiKeysNeedingExpiryNotice(db: Database, now: number, windowSeconds: number): ExpiringApiKey[] {
  return db
    .query<ExpiringApiKey, [number, number]>(
      `SELECT k.id, k.name, k.expires_at AS "expiresAt", k.user_id AS "userId", u.email, u.first_name AS "firstName", u.display_name AS "displayName", u.locale
       FROM api_keys k JOIN users u ON u.id = k.user_id
       WHERE k.expires_at > ?1 AND k.expires_at <= ?1 + ?2
         AND NOT EXISTS (SELECT 1 FROM api_key_expiry_notices n WHERE n.api_key_id = k.id)`,
    )
    .all(now, windowSeconds);
}

/** Records the notice; false when another run already did (once per key). */
export function recordApiKeyExpiryNotice(db: Database, apiKeyId: string, now: number): boolean {
  return db.query("INSERT INTO api_key_expiry_notices (api_key_id, sent_at) VALUES (?, ?) ON CONFLICT DO NOTHING").run(apiKeyId, now).changes === 1;
}
