/** Sign-up invitations (signup_tokens and the groups they grant). Callers get and give `SignupToken` values; times are Unix seconds. */
import type { Database } from "./database.ts";

export type SignupToken = {
  id: string;
  /** SHA-256 of the token; the token itself is never stored. */
  tokenHash: string;
  prefix: string;
  usageLimit: number;
  usageCount: number;
  createdAt: number;
  expiresAt: number;
  createdById: string | null;
};

type SignupTokenRow = {
  id: string;
  token_hash: string;
  prefix: string;
  usage_limit: number;
  usage_count: number;
  created_at: number;
  expires_at: number;
  created_by_id: string | null;
};

function toSignupToken(r: SignupTokenRow): SignupToken {
  return {
    id: r.id,
    tokenHash: r.token_hash,
    prefix: r.prefix,
    usageLimit: r.usage_limit,
    usageCount: r.usage_count,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    createdById: r.created_by_id,
  };
}

const tokenOrNull = (r: SignupTokenRow | null): SignupToken | null => (r ? toSignupToken(r) : null);

export function insertSignupToken(db: Database, t: SignupToken, groupIds: string[]): void {
  db.transaction(() => {
    db.query(
      `INSERT INTO signup_tokens (id, token_hash, prefix, usage_limit, usage_count, created_at, expires_at, created_by_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(t.id, t.tokenHash, t.prefix, t.usageLimit, t.usageCount, t.createdAt, t.expiresAt, t.createdById);
    const ins = db.query("INSERT INTO signup_tokens_user_groups (signup_token_id, user_group_id) VALUES (?, ?)");
    for (const g of groupIds) ins.run(t.id, g);
  }).immediate();
}

export function listSignupTokens(db: Database): SignupToken[] {
  return db.query<SignupTokenRow, []>("SELECT * FROM signup_tokens ORDER BY created_at DESC").all().map(toSignupToken);
}

export function listGroupIdsOfSignupToken(db: Database, id: string): string[] {
  return db.query<{ user_group_id: string }, [string]>("SELECT user_group_id FROM signup_tokens_user_groups WHERE signup_token_id = ?").all(id).map((r) => r.user_group_id);
}

export function findValidSignupToken(db: Database, tokenHash: string, now: number): SignupToken | null {
  return tokenOrNull(
    db.query<SignupTokenRow, [string, number]>("SELECT * FROM signup_tokens WHERE token_hash = ? AND expires_at > ? AND usage_count < usage_limit").get(tokenHash, now),
  );
}

/** Uses one sign-up of a token; the check and the increment are one statement, so a limit cannot be overrun. */
export function consumeSignupToken(db: Database, tokenHash: string, now: number): SignupToken | null {
  return tokenOrNull(
    db
      .query<SignupTokenRow, [string, number]>(
        "UPDATE signup_tokens SET usage_count = usage_count + 1 WHERE token_hash = ? AND expires_at > ? AND usage_count < usage_limit RETURNING *",
      )
      .get(tokenHash, now),
  );
}

export function deleteSignupToken(db: Database, id: string): SignupToken | null {
  return tokenOrNull(db.query<SignupTokenRow, [string]>("DELETE FROM signup_tokens WHERE id = ? RETURNING *").get(id));
}
