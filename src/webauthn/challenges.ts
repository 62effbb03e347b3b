/** Ceremony challenges: random, stored as rows that expire after 60 s and are consumed in one DELETE … RETURNING. */
import type { Database } from "../db/database.ts";
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

export function issueChallenge(
  deps: ChallengeDeps,
  input: { purpose: ChallengePurpose; userId: string | null; userVerification: string },
): Challenge {
  const now = nowSeconds(deps.clock);
  deleteExpiredChallenges(deps.db, now);
  const challenge: Challenge = {
    id: randomUuid(deps.random),
    challenge: randomToken(deps.random),
    purpose: input.purpose,
    userId: input.userId,
    userVerification: input.userVerification,
    expiresAt: now + CEREMONY_TIMEOUT_SECONDS,
  };
  insertChallenge(deps.db, challenge);
  return challenge;
}

/** The challenge of this ceremony, deleted on read; throws when it is unknown, used or expired. */
export function takeChallenge(deps: ChallengeDeps, challengeId: string | null, purpose: ChallengePurpose): Challenge {
  const challenge = challengeId ? consumeChallenge(deps.db, challengeId, purpose, nowSeconds(deps.clock)) : null;
  if (!challenge) throw AppError.passkey(PASSKEY_MESSAGES.challengeMissing);
  return challenge;
}

/** The library base64url-encodes byte challenges but UTF-8-encodes strings: hand it the bytes of the stored value. */
export function challengeBytes(challenge: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(challenge, "base64url"));
}
