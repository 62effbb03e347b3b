/**
 * What private_key_jwt (client-auth.ts) and federated client assertions (federated-client-auth.ts) share:
 * - asymmetric algorithms only (no `none`, no HS* keyed with a public JWKS);
 * - remote key sets through jose's createRemoteJWKSet, one per URL for the whole process: 5 s timeout, kept
 *   10 minutes, refetched on an unknown `kid` at most every 30 s; redirects are not followed;
 * - jose's failures sorted into what a caller may be told.
 */
import { createRemoteJWKSet, errors } from "jose";

export const ASSERTION_SIGNING_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
export const CLOCK_SKEW_SECONDS = 30;

const MAX_REMOTE_KEY_SETS = 500;
const remoteKeySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/** The cached remote key set of `url` (created on first use). */
export function remoteKeySet(url: string): ReturnType<typeof createRemoteJWKSet> {
  let set = remoteKeySets.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    if (remoteKeySets.size >= MAX_REMOTE_KEY_SETS) remoteKeySets.clear();
    remoteKeySets.set(url, set);
  }
  return set;
}

export type VerifyFailure =
  | { kind: "expired" }
  /** A registered claim failed its check; `missing` when it was absent. */
  | { kind: "claim"; claim: string; missing: boolean }
  /** No key of the set matches, or the signature does not verify. */
  | { kind: "key" }
  | { kind: "alg" }
  /** The key set could not be fetched (timeout, refused connection, not 200, not JSON, not a JWK Set). */
  | { kind: "unreachable" }
  | { kind: "malformed" };

/** Sorts what jwtVerify threw. An error that is not jose's comes from fetch (the key set's server). */
export function classifyVerifyError(e: unknown): VerifyFailure {
  if (!(e instanceof errors.JOSEError)) return { kind: "unreachable" };
  const { code, claim, reason } = e as { code: string; claim?: string; reason?: string };
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return { kind: "expired" };
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return { kind: "claim", claim: claim ?? "", missing: reason === "missing" };
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return { kind: "key" };
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return { kind: "alg" };
    case "ERR_JWKS_TIMEOUT":
    case "ERR_JWKS_INVALID":
    case "ERR_JOSE_GENERIC":
      return { kind: "unreachable" };
    default:
      return { kind: "malformed" };
  }
}
