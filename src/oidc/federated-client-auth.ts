/**
 * Client authentication by a federated client assertion (Pocket ID's federated client credentials): a JWT
 * that the workload's own platform signed (a Kubernetes service-account token, a GitHub Actions OIDC token),
 * sent as client_assertion with client_assertion_type jwt-bearer — or, at introspection, as a Bearer token
 * with client_id in the body, as Pocket ID accepts it.
 * - The client is client_id, else the assertion's `sub` (Pocket ID). It must be confidential.
 * - The identity is the client's one whose issuer is exactly the assertion's `iss` and whose subject (default:
 *   the client id) is its `sub`; a client with no identity for that issuer is not federated for this assertion
 *   (the caller falls back to private_key_jwt).
 * - Verified with the identity's keys (jwks, default issuer + /.well-known/jwks.json; fetched over https only,
 *   http only from loopback while insecure URLs are allowed): asymmetric algorithms only; iss, sub, and aud
 *   containing the identity's audience (default APP_URL); exp required; exp, nbf and a future iat with 30 s leeway.
 * - Replay protection (per identity): a `jti` is required and accepted once per issuer, remembered until exp.
 * - Every failure is invalid_client. Before the signature and claims have been verified the caller learns
 *   nothing about the client's configuration (unknown client, wrong issuer, subject, audience or key all read
 *   "was not accepted"); the server log says which.
 */
import { jwtVerify, type JWTPayload } from "jose";
import type { Database } from "../db/database.ts";
import { findFederatedIdentitiesByIssuer } from "../db/federated-identities.ts";
import { rememberAssertionJti } from "../db/oidc-protocols.ts";
import { OAuthError } from "../errors.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";
import { ASSERTION_SIGNING_ALGS, classifyVerifyError, CLOCK_SKEW_SECONDS, remoteKeySet } from "./assertion-keys.ts";
import { findClientById, type OidcClient } from "./clients.ts";
import { effectiveIdentity, isFetchableJwksUrl } from "./federated-identities.ts";

export interface FederatedAuthDeps {
  db: Database;
  clock: Clock;
  config: { appUrl: string; allowInsecureCallbackUrls: boolean };
  log?: Log;
}

const NOT_ACCEPTED = "The client assertion was not accepted.";
/** The jti namespace of replay protection: per issuer (RFC 7519 4.1.7: a jti is unique for its issuer). */
const JTI_NAMESPACE = "federated:";
const MAX_JTI_LENGTH = 256;

/**
 * The client a federated assertion (its unverified claims `claimed`) is meant for, with its identities for the
 * assertion's issuer and the claims (verifyFederatedAssertion does not decode them again); null when no client
 * has an identity for that issuer (not a federated assertion: the caller tries private_key_jwt).
 */
export function findFederatedTarget(
  db: Database,
  claimed: JWTPayload,
  clientId: string | null,
): { client: OidcClient; identities: ReturnType<typeof findFederatedIdentitiesByIssuer>; claimed: JWTPayload } | null {
  const id = clientId ?? (typeof claimed.sub === "string" ? claimed.sub : null);
  if (!id || typeof claimed.iss !== "string" || claimed.iss === "") return null;
  const client = findClientById(db, id);
  if (!client) return null;
  const identities = findFederatedIdentitiesByIssuer(db, client.id, claimed.iss);
  return identities.length > 0 ? { client, identities, claimed } : null;
}

function refuse(deps: FederatedAuthDeps, scheme: "Basic" | "Bearer", description: string, detail: Record<string, unknown>): OAuthError {
  deps.log?.info("federated client assertion refused", detail);
  return OAuthError.invalidClient(description, scheme);
}

/**
 * Verifies `assertion` for `target` (from findFederatedTarget); returns the client or throws invalid_client
 * (WWW-Authenticate `scheme`).
 */
export async function verifyFederatedAssertion(
  deps: FederatedAuthDeps,
  target: NonNullable<ReturnType<typeof findFederatedTarget>>,
  assertion: string,
  scheme: "Basic" | "Bearer" = "Basic",
): Promise<OidcClient> {
  const { client, claimed } = target;
  const base = { clientId: client.id, issuer: claimed.iss };
  if (client.isPublic) throw refuse(deps, scheme, NOT_ACCEPTED, { ...base, reason: "public client" });
  const identities = target.identities.map((i) => effectiveIdentity(i, client.id, deps.config.appUrl));
  const identity = identities.find((i) => i.subject === claimed.sub);
  if (!identity) throw refuse(deps, scheme, NOT_ACCEPTED, { ...base, reason: "no federated identity has this subject", subject: claimed.sub });
  if (!isFetchableJwksUrl(identity.jwksUrl, deps.config.allowInsecureCallbackUrls)) {
    throw refuse(deps, scheme, NOT_ACCEPTED, { ...base, reason: "the JWKS URL is not https", jwksUrl: identity.jwksUrl });
  }
  const now = nowSeconds(deps.clock);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, remoteKeySet(identity.jwksUrl), {
      algorithms: ASSERTION_SIGNING_ALGS,
      issuer: identity.issuer,
      subject: identity.subject,
      audience: identity.audience,
      requiredClaims: ["exp"],
      currentDate: new Date(deps.clock.now()),
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch (e) {
    const failure = classifyVerifyError(e);
    const detail = { ...base, jwksUrl: identity.jwksUrl, reason: failure.kind, error: (e as Error)?.message };
    switch (failure.kind) {
      case "expired":
        throw refuse(deps, scheme, "The client assertion has expired.", detail);
      case "claim":
        if (failure.claim === "exp") throw refuse(deps, scheme, "The client assertion must carry an exp claim.", detail);
        if (failure.claim === "nbf") throw refuse(deps, scheme, "The client assertion is not valid yet (nbf).", detail);
        throw refuse(deps, scheme, NOT_ACCEPTED, detail);
      case "alg":
        throw refuse(deps, scheme, "The client assertion must be signed with an asymmetric algorithm (RS*, PS*, ES* or EdDSA).", detail);
      case "unreachable":
        deps.log?.warn("federated identity's keys could not be fetched", detail);
        throw OAuthError.invalidClient("The client assertion could not be verified at this time; try again later.", scheme);
      case "key":
      case "malformed":
        throw refuse(deps, scheme, NOT_ACCEPTED, detail);
    }
  }
  // jose checks iat only when asked for a maximum age: a token from the future is refused here.
  if (typeof payload.iat === "number" && payload.iat > now + CLOCK_SKEW_SECONDS) {
    throw refuse(deps, scheme, "The client assertion is not valid yet (iat).", base);
  }
  if (identity.replayProtection) {
    const jti = payload.jti;
    if (typeof jti !== "string" || jti.length === 0) {
      throw refuse(deps, scheme, "The client assertion must carry a jti claim (replay protection is on for this identity).", base);
    }
    if (jti.length > MAX_JTI_LENGTH) throw refuse(deps, scheme, `The client assertion's jti must be at most ${MAX_JTI_LENGTH} characters.`, base);
    if (!rememberAssertionJti(deps.db, JTI_NAMESPACE + identity.issuer, jti, payload.exp! + CLOCK_SKEW_SECONDS)) {
      throw refuse(deps, scheme, "The client assertion was already used (replayed jti).", { ...base, jti });
    }
  }
  return client;
}
