/**
 * Proof of a fresh passkey assertion before a sensitive action (creating or renewing an API key).
 * - Re-authenticating (POST /api/webauthn/reauthenticate/finish) issues a random 256-bit token bound
 *   to that browser session: valid REAUTHENTICATION_TOKEN_SECONDS (3 minutes, as Pocket ID), single
 *   use, only its SHA-256 stored; a new re-authentication replaces the session's previous token.
 * - A session whose sign-in itself was a passkey (amr exactly ["phr"]) less than
 *   RECENT_PASSKEY_SIGN_IN_SECONDS ago also qualifies (Pocket ID: "a passkey login < 1 min ago"), except for
 *   approving a sign-in on another device: each approval signs another browser in, so each spends its own
 *   token (Pocket ID's device login consumes one per approval), and one passkey sign-in cannot approve
 *   several devices within its minute. Sessions from a login code, an emailed code or a sign-up link
 *   (amr ["otp"] or []) never qualify, even after a later re-authentication: they must present the token.
 * - Only browser sessions can hold a proof; API keys never can.
 */
import { msg } from "../i18n/message.ts";
import type { MessageKey } from "../i18n/catalog.ts";
import type { Database } from "../db/database.ts";
import { consumeReauthenticationToken, deleteReauthenticationTokensOfSession, insertReauthenticationToken } from "../db/reauthentication-tokens.ts";
import { AppError } from "../errors.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { randomToken, type Random } from "../lib/random.ts";
import type { Session } from "./sessions.ts";

export const REAUTHENTICATION_TOKEN_SECONDS = 180;
export const RECENT_PASSKEY_SIGN_IN_SECONDS = 60;

/** Issues the single-use token for `session` (call after a verified passkey assertion of its user). */
export function issueReauthenticationToken(deps: { db: Database; clock: Clock; random: Random }, session: Session): string {
  const now = nowSeconds(deps.clock);
  const token = randomToken(deps.random);
  deps.db.transaction(() => {
    deleteReauthenticationTokensOfSession(deps.db, session.id);
    insertReauthenticationToken(deps.db, { tokenHash: hashToken(token), sessionId: session.id, createdAt: now, expiresAt: now + REAUTHENTICATION_TOKEN_SECONDS });
  }).immediate();
  return token;
}

/** True when the session's own sign-in was a passkey assertion less than a minute ago. */
export function signedInWithPasskeyRecently(session: Session, now: number): boolean {
  return session.amr.length === 1 && session.amr[0] === "phr" && now - session.createdAt <= RECENT_PASSKEY_SIGN_IN_SECONDS;
}

/** The sensitive actions that need a passkey proof, each with its sentence. */
const PROOF_ACTIONS = {
  "create an API key": "signIn.reauthCreateApiKey",
  "renew an API key": "signIn.reauthRenewApiKey",
  "approve a sign-in on another device": "signIn.reauthApproveDeviceLogin",
} as const satisfies Record<string, MessageKey>;
export type ProofAction = keyof typeof PROOF_ACTIONS;

/** Actions a recent passkey sign-in does not cover: only the single-use token does (see above). */
const TOKEN_ONLY_ACTIONS: ReadonlySet<ProofAction> = new Set(["approve a sign-in on another device"]);

export function reauthenticationRequired(action: ProofAction): AppError {
  return new AppError("reauthentication_required", msg(PROOF_ACTIONS[action]));
}

/**
 * Demands a passkey proof for `action` from a browser session: a recent passkey sign-in (not for a
 * TOKEN_ONLY_ACTIONS action), or the session's re-authentication token (consumed here, so it serves exactly one action). `maxAgeSeconds`:
 * the token must be younger than that (approving a sign-in on another device: 60 s, as Pocket ID).
 * Throws AppError "reauthentication_required" (403) otherwise.
 */
export function consumePasskeyProof(
  deps: { db: Database; clock: Clock },
  session: Session,
  token: string | null,
  action: ProofAction,
  maxAgeSeconds = REAUTHENTICATION_TOKEN_SECONDS,
): void {
  const now = nowSeconds(deps.clock);
  if (token && token.length <= 200 && consumeReauthenticationToken(deps.db, hashToken(token), session.id, now, now - maxAgeSeconds)) return;
  if (!TOKEN_ONLY_ACTIONS.has(action) && signedInWithPasskeyRecently(session, now)) return;
  throw reauthenticationRequired(action);
}
