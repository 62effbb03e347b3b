/**
 * INTERNAL_APP_URL (Pocket ID, default APP_URL): discovery names the server-to-server endpoints (token, userinfo,
 * introspection, revocation, JWKS, PAR) under it, the browser-facing ones under APP_URL; those endpoints accept their
 * URL under either origin as a client assertion's `aud` and a DPoP proof's `htu`, and nothing else.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { updateClient } from "../../../src/admin/oidc-clients.ts";
import { CALLBACK, makeOidcWorld, VERIFIER, type OidcWorld } from "../../helpers/oidc-flow.ts";

const INTERNAL = "http://latchkey.internal:1411";
let w: OidcWorld;
afterEach(() => w?.cleanup());

async function discovery(): Promise<Record<string, unknown>> {
  const res = await w.call("/.well-known/openid-configuration");
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe("discovery", () => {
  test("back-channel endpoints under INTERNAL_APP_URL, browser-facing ones and the issuer under APP_URL", async () => {
    w = await makeOidcWorld({}, { env: { INTERNAL_APP_URL: `${INTERNAL}/` } });
    const d = await discovery();
    expect({
      issuer: d.issuer,
      authorization_endpoint: d.authorization_endpoint,
      end_session_endpoint: d.end_session_endpoint,
      device_authorization_endpoint: d.device_authorization_endpoint,
      token_endpoint: d.token_endpoint,
      userinfo_endpoint: d.userinfo_endpoint,
      introspection_endpoint: d.introspection_endpoint,
      revocation_endpoint: d.revocation_endpoint,
      jwks_uri: d.jwks_uri,
      pushed_authorization_request_endpoint: d.pushed_authorization_request_endpoint,
    }).toEqual({
      issuer: "http://localhost:1411",
      authorization_endpoint: "http://localhost:1411/authorize",
      end_session_endpoint: "http://localhost:1411/api/oidc/end-session",
      device_authorization_endpoint: "http://localhost:1411/api/oidc/device/authorize",
      token_endpoint: `${INTERNAL}/api/oidc/token`,
      userinfo_endpoint: `${INTERNAL}/api/oidc/userinfo`,
      introspection_endpoint: `${INTERNAL}/api/oidc/introspect`,
      revocation_endpoint: `${INTERNAL}/api/oidc/revoke`,
      jwks_uri: `${INTERNAL}/.well-known/jwks.json`,
      pushed_authorization_request_endpoint: `${INTERNAL}/api/oidc/par`,
    });
  });

  test("unset: everything under APP_URL", async () => {
    w = await makeOidcWorld();
    const d = await discovery();
    expect(d.token_endpoint).toBe("http://localhost:1411/api/oidc/token");
    expect(d.jwks_uri).toBe("http://localhost:1411/.well-known/jwks.json");
  });
});

async function dpopProof(htu: string): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const now = Math.floor(w.deps.clock.now() / 1000);
  return new SignJWT({ htm: "POST", htu, iat: now, jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: await exportJWK(publicKey) })
    .sign(privateKey);
}

describe("the token endpoint accepts its INTERNAL_APP_URL name", () => {
  test.each([
    [`${INTERNAL}/api/oidc/token`, 200],
    ["http://localhost:1411/api/oidc/token", 200],
    ["http://elsewhere.example:1411/api/oidc/token", 400],
  ])("DPoP proof for %s → %d", async (htu, status) => {
    w = await makeOidcWorld({ isPublic: true }, { env: { INTERNAL_APP_URL: INTERNAL } });
    const code = await w.code();
    const res = await w.call("/api/oidc/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", dpop: await dpopProof(htu) },
      body: new URLSearchParams({ client_id: w.client.id, grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER }).toString(),
    });
    expect(res.status).toBe(status);
    if (status === 400) expect(((await res.json()) as { error: string }).error).toBe("invalid_dpop_proof");
  });

  async function signedClient(): Promise<CryptoKey> {
    const pair = await generateKeyPair("ES256");
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256" };
    updateClient(w.deps, CLI_ACTOR, w.client.id, { name: w.client.name, callbackUrls: [CALLBACK], unrestricted: true, skipConsent: true, tokenEndpointAuthMethod: "private_key_jwt", jwks: JSON.stringify({ keys: [jwk] }) });
    return pair.privateKey;
  }

  test.each([
    [`${INTERNAL}/api/oidc/token`, 200],
    [`${INTERNAL}/api/oidc/introspect`, 401],
    ["http://elsewhere.example:1411/api/oidc/token", 401],
  ])("client assertion with aud %s at the token endpoint → %d", async (aud, status) => {
    w = await makeOidcWorld({}, { env: { INTERNAL_APP_URL: INTERNAL } });
    const key = await signedClient();
    const code = await w.code();
    const now = Math.floor(w.deps.clock.now() / 1000);
    const assertion = await new SignJWT({ iss: w.client.id, sub: w.client.id, aud, jti: crypto.randomUUID(), iat: now, exp: now + 60 }).setProtectedHeader({ alg: "ES256", kid: "k1" }).sign(key);
    const res = await w.call("/api/oidc/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: assertion,
      }).toString(),
    });
    expect(res.status).toBe(status);
    if (status === 401) expect(((await res.json()) as { error: string }).error).toBe("invalid_client");
  });

  test("a client assertion for the introspection endpoint's internal name is accepted there", async () => {
    w = await makeOidcWorld({}, { env: { INTERNAL_APP_URL: INTERNAL } });
    const key = await signedClient();
    const now = Math.floor(w.deps.clock.now() / 1000);
    const assertion = await new SignJWT({ iss: w.client.id, sub: w.client.id, aud: `${INTERNAL}/api/oidc/introspect`, jti: crypto.randomUUID(), iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .sign(key);
    const res = await w.call("/api/oidc/introspect", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: "not-a-token", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: assertion }).toString(),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ active: false });
  });
});
