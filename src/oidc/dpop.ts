/**
 * DPoP proofs (RFC 9449): sender-constrained tokens for clients that send a `DPoP` header.
 * - A proof is a JWT with header typ "dpop+jwt", an asymmetric alg and the public `jwk` (no private
 *   members); it is verified with that key. Claims: htm = the request method, htu = the endpoint URL
 *   (no query or fragment), iat within 60 s of now, a unique jti (single use, remembered 5 minutes),
 *   and at resource endpoints ath = base64url(SHA-256(access token)).
 * - Nonces are not required by this server (RFC 9449 8 makes them optional).
 * - The key's thumbprint (RFC 7638) is the token binding: access tokens carry cnf.jkt; refresh tokens
 *   issued with a proof are bound to the key and need a proof with it at every refresh.
 * - Every failure is invalid_dpop_proof (400 at the token endpoint, 401 with WWW-Authenticate: DPoP
 *   at userinfo).
 */
import type { Database } from "../db/database.ts";
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from "jose";
import { rememberAssertionJti } from "../db/oidc-protocols.ts";
import { OAuthError } from "../errors.ts";
import { encodeBase64Url } from "../lib/base64url.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { sha256 } from "../lib/hash.ts";

export const DPOP_SIGNING_ALGS = ["RS256", "PS256", "ES256", "EdDSA"];
const IAT_WINDOW_SECONDS = 60;
/** jti replay entries share the client-assertion store under this prefix. */
const JTI_NAMESPACE = "dpop:";

export class DpopInvalid extends Error {}

/**
 * Verifies the DPoP header of a request; returns the key thumbprint (jkt), or null when no proof was sent.
 * Throws DpopInvalid with a safe reason.
 */
export async function verifyDpopProof(
  deps: { db: Database; clock: Clock },
  input: { header: string | null; method: string; url: string; accessToken?: string; otherUrls?: string[] },
): Promise<string | null> {
  const proof = input.header;
  if (proof === null) return null;
  if (proof.length > 8192 || proof.split(".").length !== 3 || proof.includes(",")) throw new DpopInvalid("The DPoP header must be one proof JWT.");
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw new DpopInvalid("The DPoP proof is not a JWT.");
  }
  if (header.typ !== "dpop+jwt") throw new DpopInvalid('The DPoP proof must have typ "dpop+jwt".');
  if (typeof header.alg !== "string" || !DPOP_SIGNING_ALGS.includes(header.alg)) throw new DpopInvalid("The DPoP proof must use an asymmetric algorithm.");
  const jwk = header.jwk as JWK | undefined;
  if (!jwk || typeof jwk !== "object" || ["d", "p", "q", "dp", "dq", "qi", "k"].some((m) => m in jwk)) {
    throw new DpopInvalid("The DPoP proof must carry the public key (jwk) in its header.");
  }
  let payload;
  try {
    const key = await importJWK(jwk, header.alg);
    ({ payload } = await jwtVerify(proof, key, { typ: "dpop+jwt", algorithms: [header.alg], currentDate: new Date(deps.clock.now()) }));
  } catch {
    throw new DpopInvalid("The DPoP proof signature is not valid for its key.");
  }
  if (payload.htm !== input.method) throw new DpopInvalid(`The DPoP proof is for ${String(payload.htm).slice(0, 10)}, not ${input.method}.`);
  // The endpoint's URL, or one of its other names (under INTERNAL_APP_URL).
  const expected = [input.url, ...(input.otherUrls ?? [])].map((u) => new URL(u));
  let htu: URL;
  try {
    htu = new URL(String(payload.htu));
  } catch {
    throw new DpopInvalid("The DPoP proof's htu is not a URL.");
  }
  if (!expected.some((e) => `${htu.origin}${htu.pathname}` === `${e.origin}${e.pathname}`)) throw new DpopInvalid("The DPoP proof is for another URL (htu).");
  const now = nowSeconds(deps.clock);
  if (typeof payload.iat !== "number" || Math.abs(now - payload.iat) > IAT_WINDOW_SECONDS) throw new DpopInvalid("The DPoP proof is too old or from the future (iat).");
  if (typeof payload.jti !== "string" || payload.jti.length === 0 || payload.jti.length > 256) throw new DpopInvalid("The DPoP proof needs a jti.");
  if (input.accessToken !== undefined) {
    if (payload.ath !== encodeBase64Url(sha256(input.accessToken))) throw new DpopInvalid("The DPoP proof is not for this access token (ath).");
  }
  const jkt = await calculateJwkThumbprint(jwk, "sha256");
  if (!rememberAssertionJti(deps.db, `${JTI_NAMESPACE}${jkt}`, payload.jti, now + IAT_WINDOW_SECONDS * 5)) {
    throw new DpopInvalid("The DPoP proof was already used (replayed jti).");
  }
  return jkt;
}

/** At the token endpoint: a bad proof is a 400 invalid_dpop_proof. */
export async function dpopAtTokenEndpoint(deps: { db: Database; clock: Clock }, input: { header: string | null; url: string; otherUrls?: string[] }): Promise<string | null> {
  try {
    return await verifyDpopProof(deps, { header: input.header, method: "POST", url: input.url, otherUrls: input.otherUrls });
  } catch (e) {
    if (e instanceof DpopInvalid) throw new OAuthError("invalid_dpop_proof", e.message, 400);
    throw e;
  }
}
