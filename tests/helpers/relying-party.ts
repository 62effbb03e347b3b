/**
 * The application's side of a browser sign-in, played with openid-client as a real relying party would:
 *
 *   const config = await discoverClient(server.url, client.id, secret);   // client_secret_basic; no secret: a public client
 *   const request = await authorizationRequest(config, "https://wiki.example.com/callback");
 *   await page.goto(request.url.href);                                     // … the person signs in and allows …
 *   const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, request.checks);
 *
 * Every request carries PKCE (S256) and a state; `nonce: true` adds a nonce, `params` any other parameter
 * (prompt, …); the scope is "openid profile email groups" unless given. `checks` holds what the grant must verify.
 */
import * as oidc from "openid-client";

/** Discovery over plain http (the test servers' APP_URL); the ID token's signature is checked against the JWKS. */
export async function discoverClient(issuer: string, clientId: string, secret?: string): Promise<oidc.Configuration> {
  const auth = secret === undefined ? oidc.None() : oidc.ClientSecretBasic(secret);
  const config = await oidc.discovery(new URL(issuer), clientId, secret, auth, { execute: [oidc.allowInsecureRequests] });
  oidc.enableNonRepudiationChecks(config);
  return config;
}

export interface AuthorizationRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string | undefined;
  /** For oidc.authorizationCodeGrant: the PKCE verifier, the expected state and nonce, an ID token required. */
  checks: { pkceCodeVerifier: string; expectedState: string; expectedNonce?: string; idTokenExpected: true };
}

export async function authorizationRequest(
  config: oidc.Configuration,
  redirectUri: string,
  opts: { scope?: string; nonce?: boolean; state?: string; params?: Record<string, string> } = {},
): Promise<AuthorizationRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = opts.state ?? oidc.randomState();
  const nonce = opts.nonce ? oidc.randomNonce() : undefined;
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: opts.scope ?? "openid profile email groups",
    state,
    ...(nonce ? { nonce } : {}),
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    ...opts.params,
  });
  return { url, verifier, state, nonce, checks: { pkceCodeVerifier: verifier, expectedState: state, ...(nonce ? { expectedNonce: nonce } : {}), idTokenExpected: true } };
}
