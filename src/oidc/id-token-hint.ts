/**
 * id_token_hint: only an ID token this provider issued is accepted (issue 17, finding 9), at end-session,
 * /authorize and PAR. Every other JWT we sign is told apart by its header and claims:
 * - signature by a key we publish now (current, or retired within its window), with that key's alg;
 *   `alg: none`, a tampered token or one signed by a key we no longer publish is refused;
 * - `iss` is our issuer;
 * - header `typ` absent or "JWT" (ID tokens). Access tokens are "at+jwt", logout tokens "logout+jwt",
 *   DPoP proofs "dpop+jwt": refused;
 * - no claim only other tokens carry: `events` (logout token), `scope`, `scp`, `client_id`, `cnf` (access
 *   token); Pocket ID's `type` claim, when present, must be "id-token" (its session cookie says "access-token");
 * - `sub` a non-empty string; `aud` one or more client ids, never our issuer (access tokens and Pocket ID
 *   session cookies name it); `iat` and `exp` numbers; `iat` and `nbf` not in the future.
 * - Expiry is not checked: an expired ID token is a valid hint (Pocket ID §2.6, OIDC RP-Initiated Logout 2).
 */
import type { Database } from "../db/database.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { JwtInvalid, verifyOwnJwt } from "./signing-keys.ts";

export interface IdTokenHint {
  sub: string;
  aud: string[];
  sid: string | null;
}

/** The hint is not an ID token issued here; `message` is safe to show. */
export class IdTokenHintInvalid extends Error {}

const CLOCK_SKEW_SECONDS = 60;
const ACCESS_OR_LOGOUT_CLAIMS = ["events", "scope", "scp", "client_id", "cnf"];

export async function verifyIdTokenHint(deps: { db: Database; clock: Clock; config: { appUrl: string } }, token: string): Promise<IdTokenHint> {
  const issuer = deps.config.appUrl;
  let verified;
  try {
    verified = await verifyOwnJwt(deps, token, { issuer, ignoreExpiry: true });
  } catch (e) {
    if (e instanceof JwtInvalid) throw new IdTokenHintInvalid(e.message);
    throw e;
  }
  const { header, payload } = verified;
  if (header.typ !== undefined && (typeof header.typ !== "string" || header.typ.toUpperCase() !== "JWT")) {
    throw new IdTokenHintInvalid(`The token has type "${String(header.typ).slice(0, 20)}", not an ID token.`);
  }
  const foreign = ACCESS_OR_LOGOUT_CLAIMS.find((c) => Object.hasOwn(payload, c));
  if (foreign) throw new IdTokenHintInvalid(`The token carries "${foreign}", so it is not an ID token.`);
  const pocketType = (payload as Record<string, unknown>).type;
  if (pocketType !== undefined && pocketType !== "id-token") throw new IdTokenHintInvalid("The token is not an ID token.");
  if (typeof payload.sub !== "string" || payload.sub === "") throw new IdTokenHintInvalid("The token names no subject.");
  const aud = typeof payload.aud === "string" ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
  if (aud.length === 0 || aud.some((a) => typeof a !== "string" || a === "")) throw new IdTokenHintInvalid("The token names no client as its audience.");
  if (aud.includes(issuer)) throw new IdTokenHintInvalid("The token's audience is this server, so it is not an ID token.");
  if (typeof payload.iat !== "number" || typeof payload.exp !== "number") throw new IdTokenHintInvalid("The token lacks iat or exp.");
  const now = nowSeconds(deps.clock);
  if (payload.iat > now + CLOCK_SKEW_SECONDS) throw new IdTokenHintInvalid("The token was issued in the future.");
  if (payload.nbf !== undefined && (typeof payload.nbf !== "number" || payload.nbf > now + CLOCK_SKEW_SECONDS)) throw new IdTokenHintInvalid("The token is not valid yet.");
  return { sub: payload.sub, aud, sid: typeof payload.sid === "string" ? payload.sid : null };
}
