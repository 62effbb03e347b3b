/** /authorize: every check of the pipeline, positive and negative, through app.handle. */
import { afterEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createClient, setAllowedGroups } from "../../../src/admin/oidc-clients.ts";
import { addUserToGroup, insertTestGroup, insertTestUser, signIn } from "../../helpers/oidc-fixtures.ts";
import { createLocalJWKSet, jwtVerify, UnsecuredJWT } from "jose";
import { CALLBACK, CHALLENGE, makeOidcWorld, VERIFIER, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

function loc(res: Response): URL {
  const l = res.headers.get("location");
  if (!l) throw new Error(`no Location (status ${res.status})`);
  return new URL(l, "http://localhost:1411");
}

async function expectErrorPage(res: Response, status: number, text: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("location")).toBeNull();
  expect(res.headers.get("content-type")).toContain("text/html");
  expect(await res.text()).toContain(text);
}

function expectClientError(res: Response, error: string, description?: string) {
  expect(res.status).toBe(303);
  const u = loc(res);
  expect(`${u.origin}${u.pathname}`).toBe(CALLBACK);
  expect(u.searchParams.get("error")).toBe(error);
  expect(u.searchParams.get("state")).toBe("st4te");
  expect(u.searchParams.get("iss")).toBe("http://localhost:1411");
  if (description) expect(u.searchParams.get("error_description")).toContain(description);
}

describe("client and redirect_uri (never redirected)", () => {
  test("missing client_id", async () => {
    w = await makeOidcWorld();
    await expectErrorPage(await w.authorizeLocation({ client_id: "" }), 400, "client_id is missing");
  });
  test("unknown client", async () => {
    w = await makeOidcWorld();
    await expectErrorPage(await w.authorizeLocation({ client_id: "nope" }), 400, "Unknown application");
  });
  test("missing redirect_uri", async () => {
    w = await makeOidcWorld();
    await expectErrorPage(await w.authorizeLocation({ redirect_uri: "" }), 400, "no redirect_uri");
  });
  test.each([
    ["trailing slash", CALLBACK + "/"],
    ["http instead of https", CALLBACK.replace("https:", "http:")],
    ["other port", "https://app.example.com:444/callback"],
    ["partial path", "https://app.example.com/call"],
    ["suffix path", CALLBACK + "/../evil"],
    ["other host", "https://evil.example.com/callback"],
    ["fragment", CALLBACK + "#x"],
  ])("unregistered redirect_uri: %s", async (_n, uri) => {
    w = await makeOidcWorld();
    const res = await w.authorizeLocation({ redirect_uri: uri });
    await expectErrorPage(res, 400, "Invalid callback URL");
  });
  test("duplicate client_id is refused on our page", async () => {
    w = await makeOidcWorld();
    const res = await w.call(`/authorize?client_id=${w.client.id}&client_id=${w.client.id}&redirect_uri=${encodeURIComponent(CALLBACK)}`, { headers: { cookie: w.cookie } });
    await expectErrorPage(res, 400, "more than once");
  });
});

describe("request checks (errors go back to the client)", () => {
  test("response_type", async () => {
    w = await makeOidcWorld();
    expectClientError(await w.authorizeLocation({ response_type: "" }), "invalid_request", "response_type");
    expectClientError(await w.authorizeLocation({ response_type: "token" }), "unsupported_response_type");
    expectClientError(await w.authorizeLocation({ response_type: "code id_token" }), "unsupported_response_type");
  });
  test("response_mode", async () => {
    w = await makeOidcWorld();
    expectClientError(await w.authorizeLocation({ response_mode: "web_message" }), "invalid_request", "response_mode");
  });
  test("scope must contain openid", async () => {
    w = await makeOidcWorld();
    expectClientError(await w.authorizeLocation({ scope: "profile email" }), "invalid_scope");
    expectClientError(await w.authorizeLocation({ scope: "" }), "invalid_scope");
  });
  test("request_uri that is not from the PAR endpoint", async () => {
    w = await makeOidcWorld();
    expectClientError(await w.authorizeLocation({ request_uri: "urn:x" }), "invalid_request_uri");
  });
  test("PKCE required for public clients", async () => {
    w = await makeOidcWorld({ isPublic: true });
    expectClientError(await w.authorizeLocation({ code_challenge: "", code_challenge_method: "" }), "invalid_request", "public client");
  });
  test("PKCE required for pkce-enabled clients", async () => {
    w = await makeOidcWorld({ pkceEnabled: true });
    expectClientError(await w.authorizeLocation({ code_challenge: "", code_challenge_method: "" }), "invalid_request", "PKCE is required");
  });
  test("PKCE optional for other confidential clients", async () => {
    w = await makeOidcWorld();
    expect(loc(await w.authorizeLocation({ code_challenge: "", code_challenge_method: "" })).searchParams.get("code")).toBeTruthy();
  });
  test("PKCE method and challenge format", async () => {
    w = await makeOidcWorld();
    expectClientError(await w.authorizeLocation({ code_challenge_method: "S512" }), "invalid_request", "code_challenge_method");
    expectClientError(await w.authorizeLocation({ code_challenge: "short" }), "invalid_request", "43–128");
    expectClientError(await w.authorizeLocation({ code_challenge: "", code_challenge_method: "S256" }), "invalid_request", "without a code_challenge");
  });
  test("prompt values", async () => {
    w = await makeOidcWorld();
    expectClientError(await w.authorizeLocation({ prompt: "bogus" }), "invalid_request", "prompt");
    expectClientError(await w.authorizeLocation({ prompt: "none login" }), "invalid_request", "prompt=none");
  });
  test("max_age must be a number", async () => {
    w = await makeOidcWorld();
    expectClientError(await w.authorizeLocation({ max_age: "-1" }), "invalid_request", "max_age");
    expectClientError(await w.authorizeLocation({ max_age: "abc" }), "invalid_request", "max_age");
  });
  test("duplicate state after the redirect is verified goes back to the client", async () => {
    w = await makeOidcWorld();
    const q = `client_id=${w.client.id}&redirect_uri=${encodeURIComponent(CALLBACK)}&response_type=code&scope=openid&nonce=a&nonce=b`;
    const res = await w.call(`/authorize?${q}`, { headers: { cookie: w.cookie } });
    expect(res.status).toBe(303);
    expect(loc(res).searchParams.get("error")).toBe("invalid_request");
  });
  test("oversized values", async () => {
    w = await makeOidcWorld();
    expectClientError(await w.authorizeLocation({ nonce: "x".repeat(600) }), "invalid_request", "too long");
  });
});

describe("successful responses", () => {
  test("query mode carries code, state and iss", async () => {
    w = await makeOidcWorld();
    const res = await w.authorizeLocation();
    expect(res.status).toBe(303);
    const u = loc(res);
    expect(u.searchParams.get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(u.searchParams.get("state")).toBe("st4te");
    expect(u.searchParams.get("iss")).toBe("http://localhost:1411");
    const stored = w.deps.db.query<{ code_hash: string; expires_at: number; created_at: number }, []>("SELECT * FROM oidc_authorization_codes").get()!;
    expect(stored.code_hash).not.toBe(u.searchParams.get("code"));
    expect(stored.expires_at - stored.created_at).toBe(600);
  });
  test("fragment mode", async () => {
    w = await makeOidcWorld();
    const l = (await w.authorizeLocation({ response_mode: "fragment" })).headers.get("location")!;
    expect(l.startsWith(CALLBACK + "#code=")).toBe(true);
  });
  test("form_post mode renders an auto-submitting form with a narrowed CSP", async () => {
    w = await makeOidcWorld();
    const res = await w.authorizeLocation({ response_mode: "form_post" });
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("form-action 'self' * https://app.example.com;");
    expect(csp).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain(`action="${CALLBACK}"`);
    expect(html).toMatch(/name="code" value="[A-Za-z0-9_-]{43}"/);
    expect(html).toContain('name="iss" value="http://localhost:1411"');
    expect(html).toContain("/static/form-post.");
    expect(html).toContain(">Continue<");
    expect(html).not.toMatch(/<script>(?!<)/);
  });
  test("POST /authorize works like GET", async () => {
    w = await makeOidcWorld();
    const body = new URLSearchParams({ client_id: w.client.id, redirect_uri: CALLBACK, response_type: "code", scope: "openid", state: "st4te", code_challenge: CHALLENGE, code_challenge_method: "S256" });
    const res = await w.call("/authorize", { method: "POST", headers: { cookie: w.cookie, "content-type": "application/x-www-form-urlencoded" }, body: body.toString() });
    expect(res.status).toBe(303);
    expect(loc(res).searchParams.get("code")).toBeTruthy();
  });
  test("audit: NEW_CLIENT_AUTHORIZATION first, then CLIENT_AUTHORIZATION", async () => {
    w = await makeOidcWorld();
    await w.code();
    await w.code();
    // The fixture created the client through the audited admin path: only the sign-ins are looked at.
    const events = w.deps.db.query<{ event: string }, []>("SELECT event FROM audit_logs WHERE event <> 'ADMIN_CHANGE' ORDER BY rowid").all().map((r) => r.event);
    expect(events).toEqual(["NEW_CLIENT_AUTHORIZATION", "CLIENT_AUTHORIZATION"]);
  });
});

describe("person checks", () => {
  test("not signed in → /login with a way back; POSTed request survives", async () => {
    w = await makeOidcWorld();
    const body = new URLSearchParams({ client_id: w.client.id, redirect_uri: CALLBACK, response_type: "code", scope: "openid", state: "st4te", code_challenge: CHALLENGE, code_challenge_method: "S256" });
    const res = await w.call("/authorize", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: body.toString() });
    expect(res.status).toBe(303);
    const u = loc(res);
    expect(u.pathname).toBe("/login");
    const back = u.searchParams.get("redirect")!;
    expect(back).toMatch(/^\/authorize\?interaction=[A-Za-z0-9_-]{43}$/);
    // After signing in, the flow resumes with the stored parameters.
    const resumed = await w.call(back, { headers: { cookie: w.cookie } });
    expect(resumed.status).toBe(303);
    const cb = loc(resumed);
    expect(cb.searchParams.get("code")).toBeTruthy();
    expect(cb.searchParams.get("state")).toBe("st4te");
    // The interaction is single use.
    const again = await w.call(back, { headers: { cookie: w.cookie } });
    await expectErrorPage(again, 400, "expired");
  });
  test("prompt=none without a session → login_required", async () => {
    w = await makeOidcWorld();
    expectClientError(await w.authorizeLocation({ prompt: "none" }, { cookie: null }), "login_required");
  });
  test("an expired interaction shows our error page", async () => {
    w = await makeOidcWorld();
    const back = loc(await w.authorizeLocation({}, { cookie: null })).searchParams.get("redirect")!;
    w.deps.clock.advance(3601);
    await expectErrorPage(await w.call(back, { headers: { cookie: w.cookie } }), 400, "expired");
    await expectErrorPage(await w.call("/authorize?interaction=garbage", { headers: { cookie: w.cookie } }), 400, "expired");
  });
  test("restricted client with no groups admits nobody", async () => {
    w = await makeOidcWorld({ unrestricted: false });
    const res = await w.authorizeLocation();
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain("You are not allowed to access this service");
    expect(html).toContain("Nobody may use <strong>Test App</strong> yet");
    expectClientError(await w.authorizeLocation({ prompt: "none" }), "access_denied");
  });
  test("disallowed group vs allowed group", async () => {
    w = await makeOidcWorld({ unrestricted: false });
    const staff = insertTestGroup(w.deps, "staff");
    const other = insertTestGroup(w.deps, "other");
    setAllowedGroups(w.deps, CLI_ACTOR, w.client.id, [staff.id]);
    addUserToGroup(w.deps, w.user.id, other.id);
    const denied = await w.authorizeLocation();
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain("Your account is not in a group that may use");
    addUserToGroup(w.deps, w.user.id, staff.id);
    expect(loc(await w.authorizeLocation()).searchParams.get("code")).toBeTruthy();
  });
  test("consent on first use, remembered per scope set", async () => {
    w = await makeOidcWorld({}, { consent: true });
    const first = await w.authorizeLocation({ scope: "openid profile" });
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(html).toContain(">Allow Test App?</h1>");
    expect(html).toContain("See your profile");
    expect(first.headers.get("content-security-policy")).toContain("form-action 'self' * https://app.example.com;");
    expect(html).toContain(`name="_csrf" value="`);
    const interaction = /name="interaction" value="([^"]+)"/.exec(html)![1]!;
    const csrf = w.deps.db.query<{ csrf_token: string }, [string]>("SELECT csrf_token FROM sessions WHERE id = ?").get(w.sessionId)!.csrf_token;
    // Without the CSRF token the decision is refused.
    const forged = await w.call("/authorize/consent", { method: "POST", headers: { cookie: w.cookie, "content-type": "application/x-www-form-urlencoded" }, body: `interaction=${interaction}&decision=allow` });
    expect(forged.status).toBe(403);
    const allow = await w.call("/authorize/consent", { method: "POST", headers: { cookie: w.cookie, "content-type": "application/x-www-form-urlencoded" }, body: `_csrf=${csrf}&interaction=${interaction}&decision=allow` });
    expect(allow.status).toBe(303);
    const resumed = await w.call(allow.headers.get("location")!, { headers: { cookie: w.cookie } });
    expect(loc(resumed).searchParams.get("code")).toBeTruthy();
    // Same scopes: no consent screen.
    expect((await w.authorizeLocation({ scope: "openid profile" })).status).toBe(303);
    // A new scope: asked again; prompt=none then says consent_required.
    expect((await w.authorizeLocation({ scope: "openid profile email" })).status).toBe(200);
    expectClientError(await w.authorizeLocation({ scope: "openid profile email", prompt: "none" }), "consent_required");
    // prompt=consent always asks.
    expect((await w.authorizeLocation({ scope: "openid profile", prompt: "consent" })).status).toBe(200);
  });
  test("the consent screen shows the client's logo when it has one, else its initial", async () => {
    w = await makeOidcWorld({}, { consent: true });
    expect(await (await w.authorizeLocation()).text()).toContain('<div class="client-tile" aria-hidden="true"><span>T</span></div>');
    w.deps.db.query("UPDATE oidc_clients SET logo_light = ?, logo_light_type = 'image/png', logo_dark = ?, logo_dark_type = 'image/png'").run(new Uint8Array([1]), new Uint8Array([2]));
    const html = await (await w.authorizeLocation()).text();
    expect(html).toContain(`<img src="/api/oidc/clients/${w.client.id}/logo"`);
    expect(html).toContain(`srcset="/api/oidc/clients/${w.client.id}/logo?light=false"`);
  });
  test("deny → access_denied to the client", async () => {
    w = await makeOidcWorld({}, { consent: true });
    const html = await (await w.authorizeLocation()).text();
    const interaction = /name="interaction" value="([^"]+)"/.exec(html)![1]!;
    const csrf = w.deps.db.query<{ csrf_token: string }, [string]>("SELECT csrf_token FROM sessions WHERE id = ?").get(w.sessionId)!.csrf_token;
    const deny = await w.call("/authorize/consent", { method: "POST", headers: { cookie: w.cookie, "content-type": "application/x-www-form-urlencoded" }, body: `_csrf=${csrf}&interaction=${interaction}&decision=deny` });
    expectClientError(deny, "access_denied");
  });
  test("skip_consent clients never show the screen", async () => {
    w = await makeOidcWorld({ skipConsent: true }, { consent: true });
    expect((await w.authorizeLocation()).status).toBe(303);
  });
  test("prompt=login and max_age send the person to /reauthenticate, then continue", async () => {
    w = await makeOidcWorld();
    w.deps.clock.advance(30); // the sign-in happened before this request
    const res = await w.authorizeLocation({ prompt: "login" });
    const u = loc(res);
    expect(u.pathname).toBe("/reauthenticate");
    const back = u.searchParams.get("redirect")!;
    // Coming back without a fresh assertion: asked again.
    expect(loc(await w.call(back, { headers: { cookie: w.cookie } })).pathname).toBe("/reauthenticate");
    w.deps.clock.advance(5);
    w.deps.db.query("UPDATE sessions SET authenticated_at = ? WHERE id = ?").run(Math.floor(w.deps.clock.now() / 1000), w.sessionId);
    expect(loc(await w.call(back, { headers: { cookie: w.cookie } })).searchParams.get("code")).toBeTruthy();

    w.deps.clock.advance(600);
    expect(loc(await w.authorizeLocation({ max_age: "300" })).pathname).toBe("/reauthenticate");
    expect(loc(await w.authorizeLocation({ max_age: "3600" })).searchParams.get("code")).toBeTruthy();
    expectClientError(await w.authorizeLocation({ max_age: "300", prompt: "none" }), "login_required");

    // max_age=0: the assertion made for this request satisfies it even seconds later.
    const zero = loc(await w.authorizeLocation({ max_age: "0" }));
    expect(zero.pathname).toBe("/reauthenticate");
    w.deps.clock.advance(3);
    w.deps.db.query("UPDATE sessions SET authenticated_at = ? WHERE id = ?").run(Math.floor(w.deps.clock.now() / 1000), w.sessionId);
    w.deps.clock.advance(4);
    expect(loc(await w.call(zero.searchParams.get("redirect")!, { headers: { cookie: w.cookie } })).searchParams.get("code")).toBeTruthy();
  });
  test("clients requiring re-authentication accept a passkey assertion under a minute old", async () => {
    w = await makeOidcWorld({ requiresReauthentication: true });
    expect(loc(await w.authorizeLocation()).searchParams.get("code")).toBeTruthy();
    w.deps.clock.advance(120);
    expect(loc(await w.authorizeLocation()).pathname).toBe("/reauthenticate");
  });
  test("a disabled user's session does not authorize", async () => {
    w = await makeOidcWorld();
    w.deps.db.query("UPDATE users SET disabled = 1 WHERE id = ?").run(w.user.id);
    expect(loc(await w.authorizeLocation()).pathname).toBe("/login");
  });
  test("loopback redirect with any port for a native app", async () => {
    w = await makeOidcWorld();
    const { client } = createClient(w.deps, CLI_ACTOR, { name: "CLI", isPublic: true, callbackUrls: ["http://127.0.0.1/cb"], unrestricted: true, skipConsent: true });
    const res = await w.authorizeLocation({ client_id: client.id, redirect_uri: "http://127.0.0.1:49152/cb" });
    expect(res.headers.get("location")!.startsWith("http://127.0.0.1:49152/cb?code=")).toBe(true);
  });
  test("another user signed in gets their own consent", async () => {
    w = await makeOidcWorld({}, { consent: true });
    const bob = insertTestUser(w.deps, { username: "bob" });
    const s = signIn(w.deps, bob.id);
    expect((await w.authorizeLocation({}, { cookie: s.cookie })).status).toBe(200);
  });
});

describe("malformed authorization requests never 500", () => {
  test.each([
    ["bad percent escape", "client_id=%zz"],
    ["percent-encoded non-UTF-8", "client_id=%ff%fe"],
    ["array-style parameters", "client_id[]=x&redirect_uri[0]=y"],
    ["huge query", "client_id=" + "a".repeat(70_000)],
    ["empty", ""],
  ])("GET: %s", async (_n, query) => {
    w = await makeOidcWorld();
    const res = await w.call(`/authorize?${query}`, { headers: { cookie: w.cookie } });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("content-type")).toContain("text/html");
  });
  test.each([
    ["JSON body", "application/json", '{"client_id":"x"}'],
    ["no content type", "", "client_id=x"],
    ["non-UTF-8 body", "application/x-www-form-urlencoded", new Uint8Array([0x61, 0x3d, 0xff])],
  ])("POST: %s", async (_n, type, body) => {
    w = await makeOidcWorld();
    const headers: Record<string, string> = { cookie: w.cookie };
    if (type) headers["content-type"] = type;
    const res = await w.call("/authorize", { method: "POST", headers, body });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });
});

test("housekeeping removes expired interactions and codes at the next sign-in", async () => {
  w = await makeOidcWorld();
  await w.authorizeLocation({}, { cookie: null }); // an interaction
  await w.code(); // a code
  w.deps.clock.advance(3601);
  await w.code();
  const count = (t: string) => w.deps.db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM ${t}`).get()!.n;
  expect(count("oidc_interactions")).toBe(0);
  expect(count("oidc_authorization_codes")).toBe(1);
});

describe("unsigned request objects (request=), as Pocket ID", () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  /** An unsigned request object (alg none, empty signature) made by jose. */
  const unsigned = (claims: Record<string, unknown>) => new UnsecuredJWT(claims).encode();
  /** Only the OAuth parameters Pocket ID's own test sends beside the object. */
  const beside = (request: string, extra: Record<string, string> = {}) => ({ redirect_uri: "", nonce: "", state: "", code_challenge: "", code_challenge_method: "", scope: "openid", request, ...extra });
  const idTokenOf = async (code: string) => {
    const body = (await (await w.token({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER })).json()) as { id_token: string; scope: string };
    const jwks = createLocalJWKSet(await (await w.call("/.well-known/jwks.json")).json());
    const id = await jwtVerify(body.id_token, jwks, { currentDate: new Date(w.deps.clock.now()) });
    return { claims: id.payload as Record<string, unknown>, scope: body.scope };
  };

  test("its parameters complete the request: redirect_uri, state, nonce, max_age (a JSON number), PKCE and scope come from the object", async () => {
    w = await makeOidcWorld();
    const request = unsigned({ client_id: w.client.id, redirect_uri: CALLBACK, state: "st4te", nonce: "nonce-from-request-object", max_age: 300, code_challenge: CHALLENGE, code_challenge_method: "S256", scope: "profile email", response_type: "code" });
    const res = await w.authorizeLocation(beside(request));
    expect(res.status).toBe(303);
    const u = loc(res);
    expect(`${u.origin}${u.pathname}`).toBe(CALLBACK);
    expect(u.searchParams.get("state")).toBe("st4te");
    const { claims, scope } = await idTokenOf(u.searchParams.get("code")!);
    expect(claims.nonce).toBe("nonce-from-request-object");
    expect(scope).toBe("openid profile email"); // the union of the object's and the query's
  });

  test("the object's values replace the query's", async () => {
    w = await makeOidcWorld();
    const res = await w.authorizeLocation({ nonce: "from-the-query", request: unsigned({ nonce: "from-the-object", state: "st4te" }) });
    const { claims } = await idTokenOf(loc(res).searchParams.get("code")!);
    expect(claims.nonce).toBe("from-the-object");
  });

  test("refused with invalid_request_object (to the verified redirect_uri): signed, a signature on alg none, expired, not yet valid, not a JWT, another client_id or response_type, request_uri inside", async () => {
    w = await makeOidcWorld();
    const now = Math.floor(w.deps.clock.now() / 1000);
    const signed = `${b64({ alg: "RS256", typ: "JWT" })}.${b64({ redirect_uri: CALLBACK })}.${Buffer.from("signature").toString("base64url")}`;
    expectClientError(await w.authorizeLocation({ request: signed }), "invalid_request_object", "only supports unsigned request objects (alg none)");
    const withSignature = `${unsigned({ nonce: "x" })}${Buffer.from("sig").toString("base64url")}`;
    expectClientError(await w.authorizeLocation({ request: withSignature }), "invalid_request_object", "not a valid unsigned JWT");
    expectClientError(await w.authorizeLocation({ request: unsigned({ exp: now - 1 }) }), "invalid_request_object", "expired");
    expectClientError(await w.authorizeLocation({ request: unsigned({ nbf: now + 600 }) }), "invalid_request_object", "could not be validated");
    expectClientError(await w.authorizeLocation({ request: "eyJ.x.y" }), "invalid_request_object", "not a JWT");
    expectClientError(await w.authorizeLocation({ request: "a.b.c.d.e" }), "invalid_request_object", "Encrypted");
    expectClientError(await w.authorizeLocation({ request: unsigned({ client_id: "someone-else" }) }), "invalid_request_object", "client_id does not match");
    expectClientError(await w.authorizeLocation({ request: unsigned({ response_type: "token" }) }), "invalid_request_object", "response_type does not match");
    expectClientError(await w.authorizeLocation({ request: unsigned({ request_uri: "urn:ietf:params:oauth:request_uri:x" }) }), "invalid_request_object", "must not contain");
    // Still valid while unexpired.
    expect(loc(await w.authorizeLocation({ request: unsigned({ exp: now + 60 }) })).searchParams.get("code")).toBeTruthy();
  });

  test("request with request_uri: invalid_request; without openid in the query's scope the object is ignored (invalid_scope)", async () => {
    w = await makeOidcWorld();
    expectClientError(await w.authorizeLocation({ request: unsigned({}), request_uri: "urn:x" }), "invalid_request", "not both");
    expectClientError(await w.authorizeLocation({ scope: "profile", request: unsigned({ scope: "openid profile" }) }), "invalid_scope");
  });

  test("a bad object without a verified redirect_uri in the query: our error page, never a redirect", async () => {
    w = await makeOidcWorld();
    await expectErrorPage(await w.authorizeLocation(beside(unsigned({ redirect_uri: CALLBACK, exp: 1 }))), 400, "request object (request parameter) that cannot be used");
    await expectErrorPage(await w.authorizeLocation({ redirect_uri: "https://evil.example.com/cb", request: unsigned({ client_id: "other" }) }), 400, "cannot be used");
  });

  test("an object's redirect_uri is checked like any other: unregistered is refused on our page", async () => {
    w = await makeOidcWorld();
    await expectErrorPage(await w.authorizeLocation(beside(unsigned({ redirect_uri: "https://evil.example.com/callback" }))), 400, "Invalid callback URL");
  });

  test("attacks: a nested request, alg None/NONE, plain PKCE, an array redirect_uri, __proto__, a JSON-null override", async () => {
    w = await makeOidcWorld();
    const header = (alg: string) => `${b64({ alg })}.${b64({ nonce: "x" })}.`;
    expectClientError(await w.authorizeLocation({ request: unsigned({ request: unsigned({ nonce: "inner" }) }) }), "invalid_request_object", "must not contain");
    for (const alg of ["None", "NONE", "nOnE"]) expectClientError(await w.authorizeLocation({ request: header(alg) }), "invalid_request_object", "only supports unsigned");
    // The object cannot weaken PKCE below what the query may ask.
    expectClientError(await w.authorizeLocation({ request: unsigned({ code_challenge_method: "plain", code_challenge: VERIFIER }) }), "invalid_request", "plain is not accepted");
    // A redirect_uri that is not a string is its JSON text: unregistered, so our page.
    await expectErrorPage(await w.authorizeLocation({ request: unsigned({ redirect_uri: [CALLBACK] }) }), 400, "Invalid callback URL");
    // JSON null does not erase the query's value; __proto__ is a plain (ignored) parameter.
    const kept = await w.authorizeLocation({ request: new UnsecuredJWT(JSON.parse('{"state":null,"__proto__":{"redirect_uri":"https://evil.example.com/cb"}}')).encode() });
    expect(`${loc(kept).origin}${loc(kept).pathname}`).toBe(CALLBACK);
    expect(loc(kept).searchParams.get("state")).toBe("st4te");
    expect(loc(kept).searchParams.get("code")).toBeTruthy();
  });

  test("size: an object up to 16 KiB is read; a longer one is refused on our page (no redirect)", async () => {
    w = await makeOidcWorld();
    const padded = (n: number) => {
      const base = unsigned({ nonce: "" });
      return unsigned({ nonce: "", pad: "x".repeat(Math.floor(((n - base.length) * 3) / 4) - 12) });
    };
    const fits = padded(16 * 1024 - 8);
    expect(fits.length).toBeLessThanOrEqual(16 * 1024);
    expect(loc(await w.authorizeLocation({ request: fits })).searchParams.get("code")).toBeTruthy();
    const big = unsigned({ pad: "x".repeat(13 * 1024) });
    expect(big.length).toBeGreaterThan(16 * 1024);
    await expectErrorPage(await w.authorizeLocation({ request: big }), 400, "too long");
  });

  test("discovery advertises request objects as Pocket ID: request_parameter_supported, alg none only", async () => {
    w = await makeOidcWorld();
    const d = (await (await w.call("/.well-known/openid-configuration")).json()) as Record<string, unknown>;
    expect(d.request_parameter_supported).toBe(true);
    expect(d.request_object_signing_alg_values_supported).toEqual(["none"]);
    expect(d.request_uri_parameter_supported).toBe(false);
  });
});
