/**
 * Negative and edge rules of issue 10, in-process with a fixed clock: device grant and /device, PAR,
 * client_credentials, private_key_jwt assertions, back-channel logout queueing, retries and status.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey } from "jose";
import { endAllSessionsOfUser } from "../../../src/account/sessions.ts";
import { revokeUserSession } from "../../../src/admin/user-admin.ts";
import { createClient, updateClient } from "../../../src/admin/oidc-clients.ts";
import {
  backchannelStatusOf,
  BACKCHANNEL_MAX_ATTEMPTS,
  deliverDueBackchannelLogouts,
  startBackchannelLogoutWorker,
} from "../../../src/oidc/backchannel-logout.ts";
import { normalizeUserCode } from "../../../src/oidc/device-flow.ts";
import { signIn } from "../../helpers/oidc-fixtures.ts";
import { basicAuth, CALLBACK, CHALLENGE, makeOidcWorld, VERIFIER, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

async function expectOAuthError(res: Response, status: number, error: string, description?: string) {
  const body = (await res.json()) as { error: string; error_description: string };
  expect({ status: res.status, error: body.error }).toEqual({ status, error });
  expect(res.headers.get("cache-control")).toBe("no-store");
  if (description) expect(body.error_description).toContain(description);
  return body;
}

const form = { "content-type": "application/x-www-form-urlencoded" };
const DEVICE = "urn:ietf:params:oauth:grant-type:device_code";

function post(path: string, body: Record<string, string>, headers: Record<string, string> = {}) {
  return w.call(path, { method: "POST", headers: { ...form, ...headers }, body: new URLSearchParams(body).toString() });
}

function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
}

// --- device grant ----------------------------------------------------------------------------------

async function startDevice(scope = "openid profile") {
  const res = await post("/api/oidc/device/authorize", { scope }, { authorization: w.basic });
  expect(res.status).toBe(200);
  expect(res.headers.get("cache-control")).toBe("no-store");
  return (await res.json()) as { device_code: string; user_code: string; interval: number; expires_in: number };
}

async function decide(userCode: string, decision: "allow" | "deny", cookie = w.cookie) {
  const page = await w.call(`/device?code=${encodeURIComponent(userCode)}`, { headers: { cookie } });
  const html = await page.text();
  const res = await w.call("/device", {
    method: "POST",
    headers: { ...form, cookie },
    body: new URLSearchParams({ _csrf: csrfOf(html), code: userCode, decision }).toString(),
  });
  return { page, res, html: await res.text() };
}

const poll = (deviceCode: string, basic = w.basic) => w.token({ grant_type: DEVICE, device_code: deviceCode }, { basic });

describe("device authorization grant", () => {
  test("user codes: Pocket ID's format (E + 7 of ABCDEFGHJKMNPQRSTUVWXYZ0123456789), typed in any case, with or without the hyphen", async () => {
    expect(normalizeUserCode("ek7m-p3qd")).toBe("EK7MP3QD");
    expect(normalizeUserCode(" EK7M P3QD ")).toBe("EK7MP3QD");
    // O and I are in no alphabet: typed, they are read as 0 and 1.
    expect(normalizeUserCode("EOIM-P3QD")).toBe("E01MP3QD");
    // Codes of the earlier format (with L) still resolve while they live.
    expect(normalizeUserCode("bcdf-ghjl")).toBe("BCDFGHJL");
    expect(normalizeUserCode("EK7M-P3Q")).toBeNull();
    expect(normalizeUserCode("EK7M-P3Q!")).toBeNull();
    expect(normalizeUserCode("EK7M-P3QDX")).toBeNull();
    w = await makeOidcWorld();
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const d = await startDevice();
      expect(d.user_code).toMatch(/^E[ABCDEFGHJKMNPQRSTUVWXYZ0-9]{3}-[ABCDEFGHJKMNPQRSTUVWXYZ0-9]{4}$/);
      seen.add(d.user_code);
    }
    expect(seen.size).toBe(20);
    // Typed as a person might: lower case, no dash.
    const typed = [...seen][0]!.replace("-", "").toLowerCase();
    const confirm = await w.call(`/device?code=${typed}`, { headers: { cookie: w.cookie } });
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain([...seen][0]!);
  });

  test("pending, slow_down when polled too fast (interval grows by 5 s), then approved once", async () => {
    w = await makeOidcWorld();
    const d = await startDevice();
    expect(d.expires_in).toBe(900);
    await expectOAuthError(await poll(d.device_code), 400, "authorization_pending");
    await expectOAuthError(await poll(d.device_code), 400, "slow_down", "10 seconds");
    w.deps.clock.advance(6);
    await expectOAuthError(await poll(d.device_code), 400, "slow_down", "15 seconds"); // 6 s < the new 10 s
    w.deps.clock.advance(15);
    await expectOAuthError(await poll(d.device_code), 400, "authorization_pending");
    const { res, html } = await decide(d.user_code, "allow");
    expect(res.status).toBe(200);
    expect(html).toContain("Device connected");
    w.deps.clock.advance(15);
    const ok = await poll(d.device_code);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, string>;
    expect(body.id_token).toBeTruthy();
    expect(body.refresh_token).toBeTruthy();
    expect(body.scope).toBe("openid profile");
    // Single use.
    w.deps.clock.advance(15);
    await expectOAuthError(await poll(d.device_code), 400, "invalid_grant");
    // The user code is spent too.
    const again = await w.call(`/device?code=${d.user_code}`, { headers: { cookie: w.cookie } });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("not valid or has expired");
  });

  test("denied → access_denied (then gone); expired → expired_token; unknown and another client's codes → invalid_grant", async () => {
    w = await makeOidcWorld();
    const d = await startDevice();
    const { html } = await decide(d.user_code, "deny");
    expect(html).toContain("Request denied");
    await expectOAuthError(await poll(d.device_code), 400, "access_denied");
    await expectOAuthError(await poll(d.device_code), 400, "invalid_grant");

    const e = await startDevice();
    w.deps.clock.advance(901);
    await expectOAuthError(await poll(e.device_code), 400, "expired_token");
    const expiredPage = await w.call(`/device?code=${e.user_code}`, { headers: { cookie: w.cookie } });
    expect(expiredPage.status).toBe(400);

    await expectOAuthError(await poll("not-a-device-code"), 400, "invalid_grant");
    const f = await startDevice();
    const other = createClient(w.deps, CLI_ACTOR, { name: "Other", callbackUrls: [CALLBACK], unrestricted: true });
    await expectOAuthError(await poll(f.device_code, basicAuth(other.client.id, other.secret!.secret)), 400, "invalid_grant");
    await expectOAuthError(await w.token({ grant_type: DEVICE }), 400, "invalid_request", "device_code");
  });

  test("device authorization: client authentication and scopes", async () => {
    w = await makeOidcWorld();
    await expectOAuthError(await post("/api/oidc/device/authorize", { client_id: w.client.id, client_secret: "wrong" }), 401, "invalid_client");
    await expectOAuthError(await post("/api/oidc/device/authorize", { scope: "calendar" }, { authorization: w.basic }), 400, "invalid_scope");
    const get = await w.call("/api/oidc/device/authorize");
    expect(get.status).toBe(405);
  });

  test("/device: sign-in first; malformed and unknown codes; allowed groups; re-authentication; CSRF", async () => {
    w = await makeOidcWorld();
    const d = await startDevice();
    const anon = await w.call(`/device?code=${d.user_code}`);
    expect(anon.status).toBe(303);
    expect(anon.headers.get("location")).toBe(`/login?redirect=${encodeURIComponent(`/device?code=${d.user_code}`)}`);
    const empty = await w.call("/device", { headers: { cookie: w.cookie } });
    expect(empty.status).toBe(200);
    expect(await empty.text()).toContain("Enter the code");
    const bad = await w.call("/device?code=12345", { headers: { cookie: w.cookie } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("8 letters");
    const unknown = await w.call("/device?code=BCDF-GHJK", { headers: { cookie: w.cookie } });
    expect(unknown.status).toBe(400);
    // No CSRF token: refused, code still pending.
    const forged = await w.call("/device", { method: "POST", headers: { ...form, cookie: w.cookie }, body: `code=${d.user_code}&decision=allow` });
    expect(forged.status).toBe(403);
    await expectOAuthError(await poll(d.device_code), 400, "authorization_pending");

    updateClient(w.deps, CLI_ACTOR, w.client.id, { name: w.client.name, callbackUrls: [CALLBACK], unrestricted: false });
    const denied = await w.call(`/device?code=${d.user_code}`, { headers: { cookie: w.cookie } });
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain("not allowed");

    updateClient(w.deps, CLI_ACTOR, w.client.id, { name: w.client.name, callbackUrls: [CALLBACK], unrestricted: true, requiresReauthentication: true });
    w.deps.clock.advance(120); // the sign-in is now older than a minute
    const reauth = await w.call(`/device?code=${d.user_code}`, { headers: { cookie: w.cookie } });
    expect(reauth.status).toBe(303);
    expect(reauth.headers.get("location")).toBe(`/reauthenticate?redirect=${encodeURIComponent(`/device?code=${d.user_code}`)}`);
  });
});

// --- PAR -------------------------------------------------------------------------------------------

const pushParams = (extra: Record<string, string> = {}) => ({
  redirect_uri: CALLBACK,
  response_type: "code",
  scope: "openid email",
  state: "pushed-state",
  code_challenge: CHALLENGE,
  code_challenge_method: "S256",
  ...extra,
});

describe("pushed authorization requests", () => {
  test("201 with a 90 s request_uri; used once; pushed parameters win over the query", async () => {
    w = await makeOidcWorld();
    const res = await post("/api/oidc/par", pushParams(), { authorization: w.basic });
    expect(res.status).toBe(201);
    const { request_uri, expires_in } = (await res.json()) as { request_uri: string; expires_in: number };
    expect(expires_in).toBe(90);
    expect(request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
    const q = new URLSearchParams({ client_id: w.client.id, request_uri, state: "query-state", scope: "openid groups" });
    const auth = await w.call(`/authorize?${q}`, { headers: { cookie: w.cookie } });
    expect(auth.status).toBe(303);
    const loc = new URL(auth.headers.get("location")!);
    expect(loc.searchParams.get("state")).toBe("pushed-state");
    const tokens = (await (await w.token({ grant_type: "authorization_code", code: loc.searchParams.get("code")!, redirect_uri: CALLBACK, code_verifier: VERIFIER })).json()) as {
      scope: string;
    };
    expect(tokens.scope).toBe("openid email");
    const reused = await w.call(`/authorize?${q}`, { headers: { cookie: w.cookie } });
    expect(reused.status).toBe(400);
  });

  test("expired after 90 s; bound to the client that pushed it", async () => {
    w = await makeOidcWorld();
    const push = async () => ((await (await post("/api/oidc/par", pushParams(), { authorization: w.basic })).json()) as { request_uri: string }).request_uri;
    const uri = await push();
    w.deps.clock.advance(91);
    expect((await w.call(`/authorize?${new URLSearchParams({ client_id: w.client.id, request_uri: uri })}`, { headers: { cookie: w.cookie } })).status).toBe(400);
    const uri2 = await push();
    const other = createClient(w.deps, CLI_ACTOR, { name: "Other", callbackUrls: [CALLBACK], unrestricted: true, skipConsent: true });
    expect((await w.call(`/authorize?${new URLSearchParams({ client_id: other.client.id, request_uri: uri2 })}`, { headers: { cookie: w.cookie } })).status).toBe(400);
  });

  test("the push is validated and authenticated: JSON errors, never a redirect", async () => {
    w = await makeOidcWorld();
    await expectOAuthError(await post("/api/oidc/par", pushParams({ client_id: w.client.id, client_secret: "nope" })), 401, "invalid_client");
    await expectOAuthError(await post("/api/oidc/par", pushParams({ redirect_uri: "https://evil.example.com/cb" }), { authorization: w.basic }), 400, "invalid_request", "callback URL");
    await expectOAuthError(await post("/api/oidc/par", pushParams({ scope: "email" }), { authorization: w.basic }), 400, "invalid_scope");
    await expectOAuthError(await post("/api/oidc/par", pushParams({ request_uri: "urn:x" }), { authorization: w.basic }), 400, "invalid_request", "request_uri");
    await expectOAuthError(await post("/api/oidc/par", pushParams({ request: "a.b.c" }), { authorization: w.basic }), 400, "invalid_request_object", "not a JWT");
  });

  test("an unsigned request object in the push is merged and stored; a signed one, or one without a verifiable redirect_uri, is invalid_request_object", async () => {
    w = await makeOidcWorld();
    const request = new UnsecuredJWT({ redirect_uri: CALLBACK, state: "object-state", scope: "email", code_challenge: CHALLENGE, code_challenge_method: "S256" }).encode();
    const res = await post("/api/oidc/par", { response_type: "code", scope: "openid", request }, { authorization: w.basic });
    expect(res.status).toBe(201);
    const { request_uri } = (await res.json()) as { request_uri: string };
    const auth = await w.call(`/authorize?${new URLSearchParams({ client_id: w.client.id, request_uri })}`, { headers: { cookie: w.cookie } });
    expect(auth.status).toBe(303);
    const loc = new URL(auth.headers.get("location")!);
    expect(loc.searchParams.get("state")).toBe("object-state");
    const tokens = (await (await w.token({ grant_type: "authorization_code", code: loc.searchParams.get("code")!, redirect_uri: CALLBACK, code_verifier: VERIFIER })).json()) as { scope: string };
    expect(tokens.scope).toBe("openid email");

    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const signed = `${b64({ alg: "ES256" })}.${b64({ redirect_uri: CALLBACK })}.c2ln`;
    await expectOAuthError(await post("/api/oidc/par", pushParams({ request: signed }), { authorization: w.basic }), 400, "invalid_request_object", "only supports unsigned");
    const noRedirect = new UnsecuredJWT({ client_id: "another-client" }).encode();
    await expectOAuthError(await post("/api/oidc/par", { response_type: "code", scope: "openid", request: noRedirect }, { authorization: w.basic }), 400, "invalid_request_object", "client_id does not match");
    // Both request and request_uri: refused before anything else.
    await expectOAuthError(await post("/api/oidc/par", pushParams({ request, request_uri: "urn:x" }), { authorization: w.basic }), 400, "invalid_request");
  });

  test("a pushed request object may be as long as one sent to /authorize (16 KiB), no longer", async () => {
    w = await makeOidcWorld();
    const object = (padding: number) => new UnsecuredJWT({ redirect_uri: CALLBACK, state: "object-state", pad: "x".repeat(padding) }).encode();
    const fits = object(11 * 1024);
    expect(fits.length).toBeGreaterThan(8 * 1024);
    expect(fits.length).toBeLessThanOrEqual(16 * 1024);
    expect((await post("/api/oidc/par", pushParams({ request: fits }), { authorization: w.basic })).status).toBe(201);
    await expectOAuthError(await post("/api/oidc/par", pushParams({ request: object(13 * 1024) }), { authorization: w.basic }), 400, "invalid_request", "too long");
  });

  test("require PAR: a request object (or a query) claiming to be pushed is still refused", async () => {
    w = await makeOidcWorld({ requirePar: true });
    const attempts: Record<string, string>[] = [{ request: new UnsecuredJWT({ __pushed: "1" }).encode() }, { __pushed: "1" }];
    for (const extra of attempts) {
      const res = await w.authorizeLocation(extra);
      expect(res.status).toBe(303);
      const loc = new URL(res.headers.get("location")!);
      expect(loc.searchParams.get("error")).toBe("invalid_request");
      expect(loc.searchParams.get("error_description")).toContain("pushed authorization requests");
      expect(loc.searchParams.get("code")).toBeNull();
    }
  });

  test("require PAR: a plain request is refused; a resumed pushed request (consent) still passes", async () => {
    w = await makeOidcWorld({ requirePar: true }, { consent: true });
    const plain = await w.authorizeLocation();
    expect(plain.status).toBe(303);
    expect(new URL(plain.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
    const { request_uri } = (await (await post("/api/oidc/par", pushParams(), { authorization: w.basic })).json()) as { request_uri: string };
    const consent = await w.call(`/authorize?${new URLSearchParams({ client_id: w.client.id, request_uri })}`, { headers: { cookie: w.cookie } });
    expect(consent.status).toBe(200);
    const html = await consent.text();
    const interaction = /name="interaction" value="([^"]+)"/.exec(html)![1]!;
    const allowed = await w.call("/authorize/consent", {
      method: "POST",
      headers: { ...form, cookie: w.cookie },
      body: new URLSearchParams({ _csrf: csrfOf(html), interaction, decision: "allow" }).toString(),
    });
    expect(allowed.status).toBe(303);
    const resumed = await w.call(allowed.headers.get("location")!, { headers: { cookie: w.cookie } });
    expect(resumed.status).toBe(303);
    expect(new URL(resumed.headers.get("location")!).searchParams.get("code")).toBeTruthy();
  });
});

// --- private_key_jwt -------------------------------------------------------------------------------

async function keyWorld() {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
  w = await makeOidcWorld({ tokenEndpointAuthMethod: "private_key_jwt", jwks: JSON.stringify({ keys: [jwk] }), credentialsScopes: ["s"] });
  return privateKey;
}

async function assertion(key: CryptoKey, over: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  const now = Math.floor(w.deps.clock.now() / 1000);
  const claims = { iss: w.client.id, sub: w.client.id, aud: w.deps.config.appUrl, jti: crypto.randomUUID(), iat: now, exp: now + 60, ...over };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete (claims as Record<string, unknown>)[k];
  return new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: "k1", ...header }).sign(key);
}

const ccWith = (jwt: string, extra: Record<string, string> = {}) =>
  w.token({ grant_type: "client_credentials", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: jwt, ...extra }, { basic: null });

describe("private_key_jwt", () => {
  test("a valid assertion works once; a replayed jti is invalid_client", async () => {
    const key = await keyWorld();
    const jwt = await assertion(key);
    expect((await ccWith(jwt)).status).toBe(200);
    await expectOAuthError(await ccWith(jwt), 401, "invalid_client", "replayed");
    // The token endpoint URL is an acceptable audience too.
    expect((await ccWith(await assertion(key, { aud: `${w.deps.config.appUrl}/api/oidc/token` }))).status).toBe(200);
  });

  test("wrong aud, iss, sub, expired, too long-lived, no jti, another key, wrong assertion type → invalid_client", async () => {
    const key = await keyWorld();
    await expectOAuthError(await ccWith(await assertion(key, { aud: "https://elsewhere.example.com" })), 401, "invalid_client", "aud");
    await expectOAuthError(await ccWith(await assertion(key, { iss: "someone-else" })), 401, "invalid_client", "iss");
    await expectOAuthError(await ccWith(await assertion(key, { sub: "someone-else", iss: w.client.id })), 401, "invalid_client");
    const now = Math.floor(w.deps.clock.now() / 1000);
    await expectOAuthError(await ccWith(await assertion(key, { iat: now - 600, exp: now - 120 })), 401, "invalid_client", "expired");
    await expectOAuthError(await ccWith(await assertion(key, { exp: now + 3600 })), 401, "invalid_client", "expire within");
    await expectOAuthError(await ccWith(await assertion(key, { jti: undefined })), 401, "invalid_client", "jti");
    const other = await generateKeyPair("ES256");
    await expectOAuthError(await ccWith(await assertion(other.privateKey)), 401, "invalid_client", "registered keys");
    await expectOAuthError(await ccWith(await assertion(key), { client_id: "another-client" }), 401, "invalid_client");
    await expectOAuthError(
      await w.token({ grant_type: "client_credentials", client_assertion_type: "urn:x", client_assertion: await assertion(key) }, { basic: null }),
      401,
      "invalid_client",
    );
    await expectOAuthError(await ccWith("not-a-jwt"), 401, "invalid_client");
  });

  test("a secret client cannot use assertions; a key client cannot use its secret", async () => {
    w = await makeOidcWorld();
    const { privateKey } = await generateKeyPair("ES256");
    await expectOAuthError(await ccWith(await assertion(privateKey)), 401, "invalid_client", "not set up for private_key_jwt");
    await expectOAuthError(
      await w.token({ grant_type: "client_credentials", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: await assertion(privateKey) }),
      400,
      "invalid_request",
    );
  });

  test("client settings: keys must be public, one source, and present for private_key_jwt", async () => {
    w = await makeOidcWorld();
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const priv = await exportJWK(privateKey);
    const base = { name: "K", callbackUrls: [CALLBACK] };
    expect(() => createClient(w.deps, CLI_ACTOR, { ...base, tokenEndpointAuthMethod: "private_key_jwt" })).toThrow();
    expect(() => createClient(w.deps, CLI_ACTOR, { ...base, tokenEndpointAuthMethod: "private_key_jwt", jwks: JSON.stringify({ keys: [priv] }) })).toThrow();
    expect(() => createClient(w.deps, CLI_ACTOR, { ...base, tokenEndpointAuthMethod: "private_key_jwt", jwks: "{", jwksUri: null })).toThrow();
    expect(() => createClient(w.deps, CLI_ACTOR, { ...base, tokenEndpointAuthMethod: "private_key_jwt", isPublic: true, jwksUri: "https://k.example.com/jwks" })).toThrow();
    expect(() => createClient(w.deps, CLI_ACTOR, { ...base, credentialsScopes: ["openid"] })).toThrow();
    expect(() => createClient(w.deps, CLI_ACTOR, { ...base, tokenEndpointAuthMethod: "tls_client_auth" })).toThrow();
  });
});

// --- client_credentials ----------------------------------------------------------------------------

describe("client_credentials", () => {
  test("public clients: unauthorized_client; no scopes configured: an empty scope, any requested scope refused", async () => {
    w = await makeOidcWorld({ isPublic: true });
    await expectOAuthError(await w.token({ grant_type: "client_credentials", client_id: w.client.id }, { basic: null }), 400, "unauthorized_client");
    w.cleanup();
    w = await makeOidcWorld();
    const ok = await w.token({ grant_type: "client_credentials" });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body.scope).toBe("");
    expect(body.refresh_token).toBeUndefined();
    expect(body.id_token).toBeUndefined();
    await expectOAuthError(await w.token({ grant_type: "client_credentials", scope: "anything" }), 400, "invalid_scope");
  });
});

// --- back-channel logout ---------------------------------------------------------------------------

describe("back-channel logout", () => {
  async function signedInWorld(uri: string | null) {
    w = await makeOidcWorld({ backchannelLogoutUri: uri });
    startBackchannelLogoutWorker(w.deps).stop(); // this test drives delivery itself
    const code = await w.code();
    expect((await w.token({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER })).status).toBe(200);
  }
  const queued = () => w.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM oidc_backchannel_logouts").get()!.n;

  test("receiver down: retried with backoff, then given up; the failure is recorded for the admin", async () => {
    const dead = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const url = `http://127.0.0.1:${dead.port}/bc`;
    await dead.stop(true); // nothing listens there any more
    await signedInWorld(url);
    endAllSessionsOfUser(w.deps.db, w.user.id);
    expect(queued()).toBe(1);
    expect(await deliverDueBackchannelLogouts(w.deps)).toBe(1);
    let status = backchannelStatusOf(w.deps.db, w.client.id);
    expect(status.lastError).toContain("Could not connect");
    expect(status.pending).toBe(1);
    expect(await deliverDueBackchannelLogouts(w.deps)).toBe(0); // not due before the backoff
    const delays = [10, 30, 90, 270];
    for (const d of delays) {
      w.deps.clock.advance(d);
      expect(await deliverDueBackchannelLogouts(w.deps)).toBe(1);
    }
    status = backchannelStatusOf(w.deps.db, w.client.id);
    expect(status.pending).toBe(0);
    expect(status.failedCount).toBe(1);
    expect(status.lastError).toContain(`Gave up after ${BACKCHANNEL_MAX_ATTEMPTS} attempts`);
    expect(status.deliveredCount).toBe(0);
  });

  test("a non-2xx answer is a failure; a later 2xx delivers", async () => {
    let fail = true;
    const bodies: string[] = [];
    const rp = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        bodies.push(await req.text());
        return new Response(null, { status: fail ? 500 : 204 });
      },
    });
    try {
      await signedInWorld(`http://127.0.0.1:${rp.port}/bc`);
      const res = await w.call("/logout", { headers: { cookie: w.cookie } });
      const out = await w.call("/logout", { method: "POST", headers: { ...form, cookie: w.cookie }, body: `_csrf=${csrfOf(await res.text())}` });
      expect(out.status).toBeLessThan(400);
      await deliverDueBackchannelLogouts(w.deps);
      expect(backchannelStatusOf(w.deps.db, w.client.id).lastError).toBe("The logout URI answered HTTP 500.");
      fail = false;
      w.deps.clock.advance(10);
      await deliverDueBackchannelLogouts(w.deps);
      const status = backchannelStatusOf(w.deps.db, w.client.id);
      expect(status.deliveredCount).toBe(1);
      expect(status.pending).toBe(0);
      expect(bodies).toHaveLength(2);
      expect(new URLSearchParams(bodies[1]!).get("logout_token")).toBeTruthy();
    } finally {
      await rp.stop(true);
    }
  });

  test("every way a session ends queues the notice: RP-initiated end-session, an admin revoking it, disabling the user", async () => {
    w = await makeOidcWorld({ backchannelLogoutUri: "https://rp.example.com/bc" });
    startBackchannelLogoutWorker(w.deps).stop();
    const signInTo = async (cookie: string) => {
      const q = new URLSearchParams({ client_id: w.client.id, redirect_uri: CALLBACK, response_type: "code", scope: "openid", code_challenge: CHALLENGE, code_challenge_method: "S256" });
      const loc = new URL((await w.call(`/authorize?${q}`, { headers: { cookie } })).headers.get("location")!);
      const res = await w.token({ grant_type: "authorization_code", code: loc.searchParams.get("code")!, redirect_uri: CALLBACK, code_verifier: VERIFIER });
      return ((await res.json()) as { id_token: string }).id_token;
    };
    const rows = () => w.deps.db.query<{ sid: string; user_id: string }, []>("SELECT sid, user_id FROM oidc_backchannel_logouts ORDER BY id").all();

    const idToken = await signInTo(w.cookie);
    const end = await w.call(`/api/oidc/end-session?${new URLSearchParams({ id_token_hint: idToken })}`, { headers: { cookie: w.cookie } });
    expect(end.status).toBe(200);
    expect(rows()).toEqual([{ sid: w.sessionId, user_id: w.user.id }]);

    const second = signIn(w.deps, w.user.id);
    await signInTo(second.cookie);
    revokeUserSession(w.deps, CLI_ACTOR, w.user.id, second.sessionId);
    expect(rows().map((r) => r.sid)).toEqual([w.sessionId, second.sessionId]);

    const third = signIn(w.deps, w.user.id);
    await signInTo(third.cookie);
    w.deps.db.query("UPDATE users SET disabled = 1 WHERE id = ?").run(w.user.id);
    expect((await w.call("/settings/account", { headers: { cookie: third.cookie } })).status).not.toBe(200); // signed out at the next request
    expect(rows().map((r) => r.sid)).toEqual([w.sessionId, second.sessionId, third.sessionId]);
  });

  test("only sign-ins that reached the client, and only clients with a back-channel URI, are notified", async () => {
    await signedInWorld(null);
    const other = signIn(w.deps, w.user.id); // a second browser that never signed in to the client
    endAllSessionsOfUser(w.deps.db, w.user.id);
    expect(queued()).toBe(0);
    w.cleanup();
    await signedInWorld("https://rp.example.com/bc");
    signIn(w.deps, w.user.id);
    endAllSessionsOfUser(w.deps.db, w.user.id);
    expect(queued()).toBe(1);
    void other;
  });
});

describe("device code guessing", () => {
  test("typed codes are rate limited per person: the 11th guess in a row is a 429", async () => {
    w = await makeOidcWorld();
    for (let i = 0; i < 10; i++) expect((await w.call("/device?code=BCDF-GHJK", { headers: { cookie: w.cookie } })).status).toBe(400);
    const limited = await w.call("/device?code=BCDF-GHJK", { headers: { cookie: w.cookie } });
    expect(limited.status).toBe(429);
    w.deps.clock.advance(6);
    expect((await w.call("/device?code=BCDF-GHJK", { headers: { cookie: w.cookie } })).status).toBe(400);
  });
});

describe("login_hint", () => {
  test("/authorize passes login_hint on to /login, which prefills the username", async () => {
    w = await makeOidcWorld();
    const res = await w.authorizeLocation({ login_hint: 'bob"><b>' }, { cookie: null });
    expect(res.status).toBe(303);
    const location = res.headers.get("location")!;
    expect(location).toStartWith("/login?redirect=");
    expect(new URL(location, "http://x").searchParams.get("login_hint")).toBe('bob"><b>');
    const page = await w.call(location);
    const html = await page.text();
    expect(html).toContain('id="login-username"');
    expect(html).not.toContain('bob"><b>'); // the quote is escaped: no way out of the attribute
    expect(html).toMatch(/value="bob(&#34;|&quot;)>/);
  });
});
