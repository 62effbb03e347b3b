/**
 * Each running server has an instance id: random, made once at start (src/cli/serve.ts) and logged, so the
 * job_runs table and work-queue claims (claimed_by) say which instance of a cluster did what.
 */
import { randomToken, type Random } from "../lib/random.ts";

/** 72 random bits, 12 URL-safe characters. */
export function newInstanceId(random: Random): string {
  return randomToken(random, 9);
}
