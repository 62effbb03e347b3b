import type { Database } from "./database.ts";

export type SignupTokenRow = {
  id: string;
  token_hash: string;
  prefix: string;
  usage_limit: number;
  usage_count: number;
  created_at: number;
  expires_at: number;
  created_by_id: string | null;
};

export function insertSignupToken(db: Database, row: SignupTokenRow, groupIds: string[]): void {
  db.transaction(() => {
    db.query(
      `INSERT INTO signup_tokens (id, token_hash, prefix, usage_limit, usage_count, created_at, expires_at, created_by_id)
       VALUES ($id, $token_hash, $prefix, $usage_limit, $usage_count, $created_at, $expires_at, $created_by_id)`,
    ).run(row);
    const ins = db.query("INSERT INTO signup_tokens_user_groups (signup_token_id, user_group_id) VALUES (?, ?)");
    for (const g of groupIds) ins.run(row.id, g);
  }).immediate();
}

export function listSignupTokens(db: Database): SignupTokenRow[] {
  return db.query<SignupTokenRow, []>("SELECT * FROM signup_tokens ORDER BY created_at DESC").all();
}

export function listGroupIdsOfSignupToken(db: Database, id: string): string[] {
  return db.query<{ user_group_id: string }, [string]>("SELECT user_group_id FROM signup_tokens_user_groups WHERE signup_token_id = ?").all(id).map((r) => r.user_group_id);
}

export function findValidSignupToken(db: Database, tokenHash: string, now: number): SignupTokenRow | null {
  return (
    db.query<SignupTokenRow, [string, number]>("SELECT * FROM signup_tokens WHERE token_hash = ? AND expires_at > ? AND usage_count < usage_limit").get(tokenHash, now) ??
    null
  );
}

/** Uses one sign-up of a token; the check and the increment are one statement, so a limit cannot be overrun. */
export function consumeSignupToken(db: Database, tokenHash: string, now: number): SignupTokenRow | null {
  return (
    db
      .query<SignupTokenRow, [string, number]>(
        "UPDATE signup_tokens SET usage_count = usage_count + 1 WHERE token_hash = ? AND expires_at > ? AND usage_count < usage_limit RETURNING *",
      )
      .get(tokenHash, now) ?? null
  );
}

export function deleteSignupToken(db: Database, id: string): SignupTokenRow | null {
  return db.query<SignupTokenRow, [string]>("DELETE FROM signup_tokens WHERE id = ? RETURNING *").get(id) ?? null;
}
