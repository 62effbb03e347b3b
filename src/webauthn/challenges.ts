/**
 * Ceremony challenges: random, stored as rows that expire after 60 s and are consumed in one DELETE … RETURNING.
 * Both writes go through the group commit (src/db/group-commit.ts): ceremonies begun or finished in the same turn of
 * the event loop share one commit; single use stays the database's rule (a second DELETE of the same row, in the
 * same batch or later, finds nothing).
 */
import type { Database } from "../db/database.ts";
import { commitSoon } from "../db/group-commit.ts";
import { consumeChallenge, deleteExpiredChallenges, insertChallenge, type Challenge, type ChallengePurpose } from "../db/webauthn.ts";
import { AppError } from "../errors.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { randomToken, randomUuid, type Random } from "../lib/random.ts";
import { PASSKEY_MESSAGES } from "./errors.ts";
import { CEREMONY_TIMEOUT_SECONDS } from "./relying-party.ts";

export interface ChallengeDeps {
  db: Database;
  clock: Clock;
  random: Random;
}

export async function issueChallenge(
  deps: ChallengeDeps,
  input: { purpose: ChallengePurpose; userId: string | null; userVerification: string },
): Promise<Challenge> {
  const now = nowSeconds(deps.clock);
  const challenge: Challenge = {
    id: randomUuid(deps.random),
    challenge: randomToken(deps.random),
    purpose: input.purpose,
    userId: input.userId,
    userVerification: input.userVerification,
    expiresAt: now + CEREMONY_TIMEOUT_SECONDS,
  };
  await commitSoon(deps.db, () => {
    deleteExpiredChallenges(deps.db, now);
    insertChallenge(deps.db, challenge);
  });
  return challenge;
}

/** The challenge of this ceremony, deleted on read; throws when it is unknown, used or expired. */
export async function takeChallenge(deps: ChallengeDeps, challengeId: string | null, purpose: ChallengePurpose): Promise<Challenge> {
  if (!challengeId) throw AppError.passkey(PASSKEY_MESSAGES.challengeMissing);
  const now = nowSeconds(deps.clock);
  const challenge = await commitSoon(deps.db, () => consumeChallenge(deps.db, challengeId, purpose, now));
  if (!challenge) throw AppError.passkey(PASSKEY_MESSAGES.challengeMissing);
  return challenge;
}

/** The library base64url-encodes byte challenges but UTF-8-encodes strings: hand it the bytes of the stored value. */
export function challengeBytes(challenge: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(challenge, "base64url"));
}
