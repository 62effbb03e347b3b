/**
 * Issue 10 against npm openid-client v6 over real HTTP: client credentials, private_key_jwt, PAR, the
 * device authorization grant (the person approves on /device), and back-channel logout delivered to a
 * real receiver on loopback whose logout token is verified with jose against our JWKS, and DPoP.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { calculateJwkThumbprint, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from "jose";
import * as client from "openid-client";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { type ClientInput } from "../../src/oidc/client-input.ts";
import { insertTestUser, signIn } from "../helpers/oidc-fixtures.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
let userId: string;

beforeAll(async () => {
  server = await startTestServer();
  userId = insertTestUser(server.deps, { username: "alice", email: "alice@example.com" }).id;
});
afterAll(async () => {
  await server.stop();
});

const insecure = { execute: [client.allowInsecureRequests] };

function newClient(input: Partial<ClientInput> & { name: string }) {
  const { client: c, secret } = createClient(server.deps, CLI_ACTOR, { unrestricted: true, skipConsent: true, callbackUrls: ["https://app.example.com/cb"], ...input });
  return { id: c.id, secret: secret?.secret ?? "" };
}

async function discover(id: string, secret: string | undefined, auth?: client.ClientAuth) {
  const config = await client.discovery(new URL(server.url), id, secret, auth, insecure);
  client.enableNonRepudiationChecks(config);
  return config;
}

/** Plays the browser with a session cookie: follows /authorize to the client's callback. */
async function browse(url: URL, cookie: string): Promise<URL> {
  const res = await fetch(url, { redirect: "manual", headers: { cookie } });
  expect(res.status).toBe(303);
  return new URL(res.headers.get("location")!);
}

/** The page's CSRF token (hidden _csrf field). */
function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error("no CSRF token on the page");
  return m[1]!;
}

describe("discovery", () => {
  test("lists the new grants, endpoints and methods", async () => {
    const doc = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc.grant_types_supported).toEqual(["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code", "client_credentials"]);
    expect(doc.device_authorization_endpoint).toBe(`${server.url}/api/oidc/device/authorize`);
    expect(doc.pushed_authorization_request_endpoint).toBe(`${server.url}/api/oidc/par`);
    expect(doc.require_pushed_authorization_requests).toBe(false);
    expect(doc.token_endpoint_auth_methods_supported).toContain("private_key_jwt");
    expect(doc.backchannel_logout_supported).toBe(true);
    expect(doc.backchannel_logout_session_supported).toBe(true);
    expect(doc.dpop_signing_alg_values_supported).toContain("ES256");
  });
});

describe("client_credentials", () => {
  test("a confidential client gets an access token for itself: sub client-<id>, its scopes, no refresh or ID token", async () => {
    const c = newClient({ name: "Backup job", credentialsScopes: ["backup:write", "backup:read"] });
    const config = await discover(c.id, c.secret, client.ClientSecretBasic(c.secret));
    const tokens = await client.clientCredentialsGrant(config, { scope: "backup:read" });
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.scope).toBe("backup:read");
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: server.url, audience: c.id });
    expect(protectedHeader.typ).toBe("at+jwt");
    expect(payload.sub).toBe(`client-${c.id}`);
    expect(payload.client_id).toBe(c.id);
    const all = await client.clientCredentialsGrant(config);
    expect(all.scope).toBe("backup:write backup:read");
    const intro = await client.tokenIntrospection(config, tokens.access_token);
    expect(intro).toMatchObject({ active: true, sub: `client-${c.id}`, scope: "backup:read" });
    await client.tokenRevocation(config, tokens.access_token);
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    // Not a person's token: userinfo refuses it.
    const info = await fetch(`${server.url}/api/oidc/userinfo`, { headers: { authorization: `Bearer ${all.access_token}` } });
    expect(info.status).toBe(401);
  });

  test("scopes outside the client's list are invalid_scope; public clients are unauthorized_client", async () => {
    const c = newClient({ name: "Narrow job", credentialsScopes: ["a"] });
    const config = await discover(c.id, c.secret, client.ClientSecretPost(c.secret));
    await expect(client.clientCredentialsGrant(config, { scope: "a b" })).rejects.toMatchObject({ error: "invalid_scope" });
    await expect(client.clientCredentialsGrant(config, { scope: "openid" })).rejects.toMatchObject({ error: "invalid_scope" });
    const p = newClient({ name: "SPA", isPublic: true });
    const pub = await discover(p.id, undefined, client.None());
    await expect(client.clientCredentialsGrant(pub)).rejects.toMatchObject({ error: "unauthorized_client" });
  });
});

describe("private_key_jwt", () => {
  test("a client with a registered JWKS authenticates with a signed assertion (code flow and client credentials)", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
    const c = newClient({ name: "Signed", tokenEndpointAuthMethod: "private_key_jwt", jwks: JSON.stringify({ keys: [jwk] }), credentialsScopes: ["x"] });
    expect(c.secret).toBe(""); // no secret is created for a private_key_jwt client (issue 17)
    const config = await discover(c.id, undefined, client.PrivateKeyJwt({ key: privateKey, kid: "k1" }));
    const cc = await client.clientCredentialsGrant(config);
    expect(cc.scope).toBe("x");

    const cookie = signIn(server.deps, userId).cookie;
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: "https://app.example.com/cb",
      scope: "openid email",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    });
    const tokens = await client.authorizationCodeGrant(config, await browse(url, cookie), { pkceCodeVerifier: verifier });
    expect(tokens.claims()!.sub).toBe(userId);

    // A secret does not work for a private_key_jwt client.
    const bySecret = await fetch(`${server.url}/api/oidc/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: "Basic " + btoa(`${c.id}:some-secret`) },
      body: "grant_type=client_credentials",
    });
    expect(bySecret.status).toBe(401);
    expect(((await bySecret.json()) as { error: string }).error).toBe("invalid_client");
  });

  test("keys from a jwks_uri (served on loopback)", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "remote-1", alg: "RS256", use: "sig" };
    const jwksServer = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => Response.json({ keys: [jwk] }) });
    try {
      const c = newClient({ name: "Remote keys", tokenEndpointAuthMethod: "private_key_jwt", jwksUri: `http://127.0.0.1:${jwksServer.port}/jwks.json` });
      const config = await discover(c.id, undefined, client.PrivateKeyJwt({ key: privateKey, kid: "remote-1" }));
      const cc = await client.clientCredentialsGrant(config);
      expect(cc.access_token).toBeTruthy();
    } finally {
      await jwksServer.stop(true);
    }
  });
});

describe("PAR", () => {
  test("buildAuthorizationUrlWithPAR: the pushed request is authoritative and its request_uri single use", async () => {
    const c = newClient({ name: "PAR app", requirePar: true });
    const config = await discover(c.id, c.secret, client.ClientSecretBasic(c.secret));
    const cookie = signIn(server.deps, userId).cookie;
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = await client.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: "https://app.example.com/cb",
      scope: "openid profile",
      state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    });
    expect(url.searchParams.get("request_uri")!.startsWith("urn:ietf:params:oauth:request_uri:")).toBe(true);
    expect([...url.searchParams.keys()].sort()).toEqual(["client_id", "request_uri"]);
    const callback = await browse(url, cookie);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()!.preferred_username).toBe("alice");

    // Reused request_uri: our error page, not a redirect.
    const again = await fetch(url, { redirect: "manual", headers: { cookie } });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("expired");

    // This client requires PAR: a plain authorization request goes back with invalid_request.
    const plain = client.buildAuthorizationUrl(config, { redirect_uri: "https://app.example.com/cb", scope: "openid", state: "s" });
    const refused = await browse(plain, cookie);
    expect(refused.searchParams.get("error")).toBe("invalid_request");
    expect(refused.searchParams.get("error_description")).toContain("pushed authorization requests");
  });
});

describe("device authorization grant", () => {
  test("openid-client polls while the signed-in person approves the code on /device", async () => {
    const c = newClient({ name: "TV app", isPublic: true });
    const config = await discover(c.id, undefined, client.None());
    const started = await client.initiateDeviceAuthorization(config, { scope: "openid profile" });
    expect(started.user_code).toMatch(/^E[ABCDEFGHJKMNPQRSTUVWXYZ0-9]{3}-[ABCDEFGHJKMNPQRSTUVWXYZ0-9]{4}$/);
    expect(started.verification_uri).toBe(`${server.url}/device`);
    expect(started.verification_uri_complete).toBe(`${server.url}/device?code=${started.user_code}`);
    expect(started.expires_in).toBe(900);
    expect(started.interval).toBe(5);
    const polling = client.pollDeviceAuthorizationGrant(config, started);

    // Not signed in: /device sends the person to sign in, coming back with the code.
    const anon = await fetch(started.verification_uri_complete!, { redirect: "manual" });
    expect(anon.status).toBe(303);
    expect(anon.headers.get("location")).toBe(`/login?redirect=${encodeURIComponent(`/device?code=${started.user_code}`)}`);

    const cookie = signIn(server.deps, userId).cookie;
    const page = await fetch(started.verification_uri_complete!, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("TV app");
    expect(html).toContain(started.user_code);
    expect(html).toContain("See your profile");
    const approve = await fetch(`${server.url}/device`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrfOf(html), code: started.user_code, decision: "allow" }).toString(),
    });
    expect(approve.status).toBe(200);
    expect(await approve.text()).toContain("Device connected");

    const tokens = await polling;
    expect(tokens.claims()!.sub).toBe(userId);
    expect(tokens.claims()!.sid).toBeUndefined(); // the device is not part of the browser's session
    expect(tokens.refresh_token).toBeTruthy();
    const audit = server.deps.db.query<{ event: string }, []>("SELECT event FROM audit_logs WHERE event LIKE '%DEVICE_CODE%'").all();
    expect(audit.map((a) => a.event)).toEqual(["NEW_DEVICE_CODE_AUTHORIZATION"]);
  }, 30_000);
});

describe("back-channel logout", () => {
  test("signing out POSTs a signed logout token to every client the sign-in used", async () => {
    const received: { contentType: string | null; body: string }[] = [];
    const delivered = Promise.withResolvers<void>();
    const receiver = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        received.push({ contentType: req.headers.get("content-type"), body: await req.text() });
        delivered.resolve();
        return new Response(null, { status: 200 });
      },
    });
    try {
      const c = newClient({ name: "Wiki", backchannelLogoutUri: `http://127.0.0.1:${receiver.port}/backchannel` });
      const config = await discover(c.id, c.secret, client.ClientSecretBasic(c.secret));
      const { cookie, sessionId } = signIn(server.deps, userId);
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: "https://app.example.com/cb",
        scope: "openid",
        nonce: "n-1",
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
      });
      const tokens = await client.authorizationCodeGrant(config, await browse(url, cookie), { pkceCodeVerifier: verifier, expectedNonce: "n-1" });
      const sid = tokens.claims()!.sid as string;
      expect(sid).toBe(sessionId);

      // Sign out on the provider (the passkeys area's POST /logout).
      const accountPage = await fetch(`${server.url}/logout`, { headers: { cookie } });
      const out = await fetch(`${server.url}/logout`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrfOf(await accountPage.text()) }).toString(),
      });
      expect([200, 302, 303]).toContain(out.status);

      await delivered.promise; // the back-channel worker delivers it in the background
      expect(received).toHaveLength(1);
      expect(received[0]!.contentType).toBe("application/x-www-form-urlencoded");
      const logoutToken = new URLSearchParams(received[0]!.body).get("logout_token")!;
      expect(decodeProtectedHeader(logoutToken).typ).toBe("logout+jwt");
      const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(logoutToken, jwks, { issuer: server.url, audience: c.id, typ: "logout+jwt" });
      expect(payload.sub).toBe(userId);
      expect(payload.sid).toBe(sid);
      expect(typeof payload.jti).toBe("string");
      expect(typeof payload.iat).toBe("number");
      expect(payload.events).toEqual({ "http://schemas.openid.net/event/backchannel-logout": {} });
      expect(payload.nonce).toBeUndefined();
      const status = server.deps.db.query<{ delivered_count: number }, [string]>("SELECT delivered_count FROM oidc_backchannel_status WHERE client_id = ?").get(c.id);
      expect(status?.delivered_count).toBe(1);
    } finally {
      await receiver.stop(true);
    }
  });
});

describe("DPoP", () => {
  test("openid-client with a DPoP handle: code grant, userinfo and refresh, all bound to the key", async () => {
    const c = newClient({ name: "DPoP SPA", isPublic: true });
    const config = await discover(c.id, undefined, client.None());
    const keyPair = await client.randomDPoPKeyPair("ES256");
    const DPoP = client.getDPoPHandle(config, keyPair);
    const cookie = signIn(server.deps, userId).cookie;
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: "https://app.example.com/cb",
      scope: "openid profile",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    });
    const tokens = await client.authorizationCodeGrant(config, await browse(url, cookie), { pkceCodeVerifier: verifier }, undefined, { DPoP });
    expect(tokens.token_type).toBe("dpop");
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
    expect((decodeJwt(tokens.access_token).cnf as { jkt: string }).jkt).toBe(jkt);
    const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub, { DPoP });
    expect(info.preferred_username).toBe("alice");
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
    expect(refreshed.token_type).toBe("dpop");
    // Without the key the refresh token is useless.
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
  });
});
