/**
 * Shared rate-limit budgets (migration 0017): one GCRA cell per named limit and key. `tat` (milliseconds) is when
 * the bucket would be full again plus one interval: a bucket of `burst` tokens refilled one per `interval` holds
 * burst − (tat − now) / interval tokens, and a request is let through while tat ≤ now + (burst − 1) × interval.
 * Taking is one statement (the row serialises instances charging the same key at once), portable SQL for both engines.
 */
import type { Database } from "./database.ts";

export interface BucketCharge {
  name: string;
  key: string;
  /** The clock's milliseconds. */
  now: number;
  /** Milliseconds per token. */
  interval: number;
  /** now + (burst − 1) × interval: the latest tat that still lets a request through. */
  limit: number;
}

/**
 * Takes one token when the bucket has one: returns the bucket's tat after the statement and whether the token
 * was taken. A refused request changes nothing (as an in-memory bucket refuses: no debt).
 */
export function takeRateLimitToken(db: Database, c: BucketCharge): { tat: number; allowed: boolean } {
  const row = db
    .query<{ tat: number | bigint; allowed: number | bigint }, [Record<string, string | number>]>(
      `INSERT INTO rate_limit_buckets (name, key, tat, allowed) VALUES ($name, $key, $next, 1)
       ON CONFLICT (name, key) DO UPDATE SET
         allowed = CASE WHEN rate_limit_buckets.tat <= $limit THEN 1 ELSE 0 END,
         tat = CASE
           WHEN rate_limit_buckets.tat <= $now THEN $next
           WHEN rate_limit_buckets.tat <= $limit THEN rate_limit_buckets.tat + $interval
           ELSE rate_limit_buckets.tat
         END
       RETURNING tat, allowed`,
    )
    .get({ name: c.name, key: c.key, now: c.now, next: c.now + c.interval, limit: c.limit, interval: c.interval })!;
  return { tat: Number(row.tat), allowed: Number(row.allowed) === 1 };
}

/** The bucket's tat, or null when it has no row (a full bucket). */
export function findRateLimitTat(db: Database, name: string, key: string): number | null {
  const row = db.query<{ tat: number | bigint }, [string, string]>("SELECT tat FROM rate_limit_buckets WHERE name = ? AND key = ?").get(name, key);
  return row ? Number(row.tat) : null;
}

/** How many keys of a limit have a row (tests: a made-up key must get none). */
export function countRateLimitBuckets(db: Database, name: string): number {
  return Number(db.query<{ n: number | bigint }, [string]>("SELECT COUNT(*) AS n FROM rate_limit_buckets WHERE name = ?").get(name)!.n);
}

/** Deletes the rows of full buckets (tat passed): they carry nothing. Returns how many. */
export function deleteIdleRateLimitBuckets(db: Database, now: number): number {
  return db.query("DELETE FROM rate_limit_buckets WHERE tat <= ?").run(now).changes;
}
