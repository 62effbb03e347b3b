/** OpenID Provider metadata (OIDC Discovery 1.0 / RFC 8414), with Pocket ID's endpoint paths. */
import type { Database } from "bun:sqlite";
import { currentSigningAlg } from "./signing-keys.ts";
import { SUPPORTED_SCOPES } from "./scopes.ts";

export function discoveryDocument(db: Database, issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/api/oidc/token`,
    userinfo_endpoint: `${issuer}/api/oidc/userinfo`,
    end_session_endpoint: `${issuer}/api/oidc/end-session`,
    introspection_endpoint: `${issuer}/api/oidc/introspect`,
    revocation_endpoint: `${issuer}/api/oidc/revoke`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    scopes_supported: [...SUPPORTED_SCOPES],
    response_types_supported: ["code"],
    response_modes_supported: ["query", "fragment", "form_post"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [currentSigningAlg(db)],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    code_challenge_methods_supported: ["S256", "plain"],
    claims_supported: [
      "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "sid", "name", "given_name", "family_name",
      "preferred_username", "display_name", "picture", "email", "email_verified", "groups",
    ],
    prompt_values_supported: ["none", "login", "consent", "select_account"],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
    frontchannel_logout_supported: false,
    backchannel_logout_supported: false,
  };
}
