/**
 * OpenID Provider metadata (OIDC Discovery 1.0 / RFC 8414), with Pocket ID's endpoint paths.
 * Lists exactly what works: device grant (RFC 8628), client_credentials, PAR (RFC 9126), private_key_jwt
 * (RFC 7523) and back-channel logout are listed because they are implemented and tested.
 */
import type { Database } from "../db/database.ts";
import type { Clock } from "../lib/clock.ts";
import { entityTag, keySet } from "./signing-keys.ts";
import { SUPPORTED_SCOPES } from "./scopes.ts";
import { ASSERTION_SIGNING_ALGS } from "./client-auth.ts";
import { DEVICE_CODE_GRANT } from "./device-flow.ts";
import { DPOP_SIGNING_ALGS } from "./dpop.ts";

/** The document serialized once per issuer, signing key set and CIMD switch (it changes on key rotation), with its ETag. */
const bodies = new WeakMap<Database, { issuer: string; internal: string; version: number; cimd: boolean; body: string; etag: string }>();

/**
 * `internal` is INTERNAL_APP_URL (= issuer unless set). `cimd`: client metadata documents are accepted (Pocket ID: true
 * exactly when the cimdUrlAllowlist is not empty).
 */
export function discoveryBody(deps: { db: Database; clock: Clock }, issuer: string, internal = issuer, cimd = false): { body: string; etag: string } {
  const keys = keySet(deps);
  const cached = bodies.get(deps.db);
  if (cached && cached.issuer === issuer && cached.internal === internal && cached.version === keys.version && cached.cimd === cimd) return cached;
  const body = JSON.stringify(discoveryDocument(issuer, keys.current?.alg ?? "RS256", internal, cimd));
  const entry = { issuer, internal, version: keys.version, cimd, body, etag: entityTag(body) };
  bodies.set(deps.db, entry);
  return entry;
}

/**
 * Pocket ID: endpoints a browser visits are under APP_URL (the issuer); those a relying party calls server to server
 * are under INTERNAL_APP_URL (`internal`): token, userinfo, introspection, JWKS, PAR, and here revocation too.
 */
export function discoveryDocument(issuer: string, signingAlg: string, internal = issuer, cimd = false): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${internal}/api/oidc/token`,
    userinfo_endpoint: `${internal}/api/oidc/userinfo`,
    end_session_endpoint: `${issuer}/api/oidc/end-session`,
    introspection_endpoint: `${internal}/api/oidc/introspect`,
    revocation_endpoint: `${internal}/api/oidc/revoke`,
    device_authorization_endpoint: `${issuer}/api/oidc/device/authorize`,
    pushed_authorization_request_endpoint: `${internal}/api/oidc/par`,
    require_pushed_authorization_requests: false,
    jwks_uri: `${internal}/.well-known/jwks.json`,
    scopes_supported: [...SUPPORTED_SCOPES],
    response_types_supported: ["code"],
    response_modes_supported: ["query", "fragment", "form_post"],
    grant_types_supported: ["authorization_code", "refresh_token", DEVICE_CODE_GRANT, "client_credentials"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [signingAlg],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_SIGNING_ALGS,
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_SIGNING_ALGS,
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
    revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_SIGNING_ALGS,
    code_challenge_methods_supported: ["S256"],
    claims_supported: [
      "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "sid", "name", "given_name", "family_name",
      "preferred_username", "display_name", "picture", "email", "email_verified", "groups",
    ],
    prompt_values_supported: ["none", "login", "consent", "select_account"],
    claims_parameter_supported: false,
    // Unsigned request objects only, as Pocket ID (src/oidc/request-object.ts).
    request_parameter_supported: true,
    request_object_signing_alg_values_supported: ["none"],
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
    frontchannel_logout_supported: false,
    dpop_signing_alg_values_supported: DPOP_SIGNING_ALGS,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    // draft-ietf-oauth-client-id-metadata-document 5: a client_id may be the URL of its metadata document.
    client_id_metadata_document_supported: cimd,
  };
}
