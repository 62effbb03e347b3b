/** Discovery, JWKS + key rotation, userinfo, introspection, revocation and end-session. */
import { afterEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { decodeJwt, SignJWT, generateKeyPair } from "jose";
import { createApp } from "../../../src/app.ts";
import { ensureSigningKey, rotateSigningKey } from "../../../src/oidc/signing-keys.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { basicAuth, CALLBACK, makeOidcWorld, VERIFIER, type OidcWorld } from "../../helpers/oidc-flow.ts";
import { makeTestApp, makeTestDeps, req, type TestDeps } from "../../helpers/test-deps.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

async function tokens(world: OidcWorld, params: Record<string, string> = {}) {
  const res = await world.token({ grant_type: "authorization_code", code: await world.code(params), redirect_uri: CALLBACK, code_verifier: VERIFIER });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string; id_token: string };
}

function form(body: Record<string, string>, authorization?: string): RequestInit {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (authorization) headers.authorization = authorization;
  return { method: "POST", headers, body: new URLSearchParams(body).toString() };
}

/** Flips one character in the middle of a JWT part. */
function tamper(jwt: string, part: 0 | 1 | 2): string {
  const parts = jwt.split(".");
  const p = parts[part]!;
  const i = Math.floor(p.length / 2);
  parts[part] = p.slice(0, i) + (p[i] === "A" ? "B" : "A") + p.slice(i + 1);
  return parts.join(".");
}

describe("discovery and JWKS", () => {
  test("both well-known paths serve the same document with Pocket ID's paths", async () => {
    w = await makeOidcWorld();
    const a = await w.call("/.well-known/openid-configuration");
    const b = await w.call("/.well-known/oauth-authorization-server");
    expect(a.status).toBe(200);
    expect(a.headers.get("access-control-allow-origin")).toBe("*");
    const doc = (await a.json()) as Record<string, unknown>;
    expect(await b.json()).toEqual(doc);
    expect(doc).toMatchObject({
      issuer: "http://localhost:1411",
      authorization_endpoint: "http://localhost:1411/authorize",
      token_endpoint: "http://localhost:1411/api/oidc/token",
      userinfo_endpoint: "http://localhost:1411/api/oidc/userinfo",
      end_session_endpoint: "http://localhost:1411/api/oidc/end-session",
      introspection_endpoint: "http://localhost:1411/api/oidc/introspect",
      revocation_endpoint: "http://localhost:1411/api/oidc/revoke",
      jwks_uri: "http://localhost:1411/.well-known/jwks.json",
      scopes_supported: ["openid", "profile", "email", "groups", "offline_access"],
      response_types_supported: ["code"],
      response_modes_supported: ["query", "fragment", "form_post"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
    });
  });

  test("the first start generates one RS256 2048-bit key, stored sealed", async () => {
    // As the server starts (src/cli/serve.ts): test apps (makeTestApp) get the fixture key instead of generating one.
    const deps = makeTestDeps();
    try {
      ensureSigningKey(deps);
      const app = await createApp(deps);
      const jwks = (await (await app.handle(req(deps, "/.well-known/jwks.json"))).json()) as { keys: Record<string, string>[] };
      expect(jwks.keys).toHaveLength(1);
      const k = jwks.keys[0]!;
      expect(k).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", e: "AQAB" });
      expect(Buffer.from(k.n!, "base64url").length * 8).toBe(2048);
      expect(k.d).toBeUndefined();
      const row = deps.db.query<{ private_jwk_sealed: string }, []>("SELECT private_jwk_sealed FROM oidc_signing_keys").get()!;
      expect(row.private_jwk_sealed.startsWith("lk1.")).toBe(true);
      expect(row.private_jwk_sealed).not.toContain('"d"');
    } finally {
      deps.cleanup();
    }
  });

  test("test apps' fixture key is stored as a generated one: same row, JWK members and sealing; its own kid", async () => {
    const generated = makeTestDeps();
    const fixture = await makeTestApp();
    try {
      ensureSigningKey(generated);
      type Row = { kid: string; alg: string; public_jwk: string; private_jwk_sealed: string; created_at: number; retired_at: number | null; retire_after: number | null };
      const rowOf = (d: TestDeps) => d.db.query<Row, []>("SELECT * FROM oidc_signing_keys").all();
      const [g] = rowOf(generated);
      const rows = rowOf(fixture.deps);
      expect(rows).toHaveLength(1);
      const f = rows[0]!;
      expect(Object.keys(f)).toEqual(Object.keys(g!));
      expect({ ...f, kid: f.kid.length, public_jwk: Object.keys(JSON.parse(f.public_jwk)), private_jwk_sealed: f.private_jwk_sealed.slice(0, 4) }).toEqual({
        ...g!,
        kid: g!.kid.length,
        public_jwk: Object.keys(JSON.parse(g!.public_jwk)),
        private_jwk_sealed: g!.private_jwk_sealed.slice(0, 4),
      });
      const opened = (d: TestDeps, r: Row) => JSON.parse(d.box.openText("signing-key", r.private_jwk_sealed)) as Record<string, string>;
      expect(Object.keys(opened(fixture.deps, f))).toEqual(Object.keys(opened(generated, g!)));
      expect(opened(fixture.deps, f)).toMatchObject({ kid: f.kid, alg: "RS256" });
      expect(JSON.parse(f.public_jwk)).toMatchObject({ kid: f.kid, alg: "RS256", use: "sig", kty: "RSA" });
      // A second test app shares the key material under another kid, as two installations never share a kid.
      const other = await makeTestApp();
      try {
        expect(rowOf(other.deps)[0]!.kid).not.toBe(f.kid);
      } finally {
        other.deps.cleanup();
      }
    } finally {
      generated.cleanup();
      fixture.deps.cleanup();
    }
  });

  test("rotation: the new key signs, the old one stays published until its tokens expired", async () => {
    w = await makeOidcWorld();
    const before = await tokens(w);
    const oldKid = (JSON.parse(Buffer.from(before.id_token.split(".")[0]!, "base64url").toString()) as { kid: string }).kid;
    const r = rotateSigningKey(w.deps, CLI_ACTOR, "ES256");
    expect(r.retiredKid).toBe(oldKid);
    const jwks = (await (await w.call("/.well-known/jwks.json")).json()) as { keys: { kid: string; alg: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([r.kid, oldKid]);
    const doc = (await (await w.call("/.well-known/openid-configuration")).json()) as { id_token_signing_alg_values_supported: string[] };
    expect(doc.id_token_signing_alg_values_supported).toEqual(["ES256"]);
    const after = await tokens(w);
    expect(JSON.parse(Buffer.from(after.id_token.split(".")[0]!, "base64url").toString()).kid).toBe(r.kid);
    // Old tokens still verify until they expire.
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${before.access_token}` } })).status).toBe(200);
    w.deps.clock.advance(3601);
    const later = (await (await w.call("/.well-known/jwks.json")).json()) as { keys: { kid: string }[] };
    expect(later.keys.map((k) => k.kid)).toEqual([r.kid]);
    // EdDSA works too.
    rotateSigningKey(w.deps, CLI_ACTOR, "EdDSA");
    const ed = await tokens(w);
    expect(JSON.parse(Buffer.from(ed.id_token.split(".")[0]!, "base64url").toString()).alg).toBe("EdDSA");
  });
});

describe("userinfo", () => {
  test("GET and POST with a Bearer token; POST with access_token in the body", async () => {
    w = await makeOidcWorld();
    const t = await tokens(w);
    const get = await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(get.status).toBe(200);
    expect(get.headers.get("cache-control")).toBe("no-store");
    const claims = (await get.json()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: w.user.id, preferred_username: "alice", email: "alice@example.com", groups: [] });
    const post = await w.call("/api/oidc/userinfo", { method: "POST", headers: { authorization: `Bearer ${t.access_token}` } });
    expect(post.status).toBe(200);
    const body = await w.call("/api/oidc/userinfo", form({ access_token: t.access_token }));
    expect(body.status).toBe(200);
  });
  test("missing, malformed, tampered, foreign and expired tokens → 401 with WWW-Authenticate", async () => {
    w = await makeOidcWorld();
    const t = await tokens(w);
    const none = await w.call("/api/oidc/userinfo");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="latchkey"');
    const malformed = await w.call("/api/oidc/userinfo", { headers: { authorization: "Basic abc" } });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get("www-authenticate")).toContain('error="invalid_request"');
    for (const bad of [tamper(t.access_token, 0), tamper(t.access_token, 1), tamper(t.access_token, 2), "not.a.jwt", "x", t.id_token]) {
      const res = await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${bad}` } });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      expect(((await res.json()) as { error: string }).error).toBe("invalid_token");
    }
    // A token signed by a stranger's key with our kid.
    const { privateKey } = await generateKeyPair("RS256");
    const header = JSON.parse(Buffer.from(t.access_token.split(".")[0]!, "base64url").toString());
    const forged = await new SignJWT(decodeJwt(t.access_token)).setProtectedHeader(header).sign(privateKey);
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    // alg=none
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", kid: header.kid, typ: "at+jwt" })).toString("base64url")}.${t.access_token.split(".")[1]}.`;
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${unsigned}` } })).status).toBe(401);
    w.deps.clock.advance(3601);
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${t.access_token}` } })).status).toBe(401);
  });
  test("a disabled user's token stops working", async () => {
    w = await makeOidcWorld();
    const t = await tokens(w);
    w.deps.db.query("UPDATE users SET disabled = 1 WHERE id = ?").run(w.user.id);
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${t.access_token}` } })).status).toBe(401);
  });
});

describe("introspection", () => {
  test("active for the calling client's tokens only", async () => {
    w = await makeOidcWorld();
    const t = await tokens(w);
    const at = (await (await w.call("/api/oidc/introspect", form({ token: t.access_token }, w.basic))).json()) as Record<string, unknown>;
    expect(at).toMatchObject({ active: true, token_type: "access_token", client_id: w.client.id, sub: w.user.id, username: "alice", scope: "openid profile email groups" });
    const rt = (await (await w.call("/api/oidc/introspect", form({ token: t.refresh_token, token_type_hint: "refresh_token" }, w.basic))).json()) as Record<string, unknown>;
    expect(rt).toMatchObject({ active: true, token_type: "refresh_token", client_id: w.client.id });
    const other = createClient(w.deps, CLI_ACTOR, { name: "Other", callbackUrls: [CALLBACK], unrestricted: true });
    const otherBasic = basicAuth(other.client.id, other.secret!.secret);
    expect(await (await w.call("/api/oidc/introspect", form({ token: t.access_token }, otherBasic))).json()).toEqual({ active: false });
    expect(await (await w.call("/api/oidc/introspect", form({ token: t.refresh_token }, otherBasic))).json()).toEqual({ active: false });
    expect(await (await w.call("/api/oidc/introspect", form({ token: tamper(t.access_token, 1) }, w.basic))).json()).toEqual({ active: false });
    expect(await (await w.call("/api/oidc/introspect", form({ token: "garbage" }, w.basic))).json()).toEqual({ active: false });
  });
  test("requires client authentication and a token", async () => {
    w = await makeOidcWorld();
    const unauth = await w.call("/api/oidc/introspect", form({ token: "x" }));
    expect(unauth.status).toBe(401);
    expect(((await unauth.json()) as { error: string }).error).toBe("invalid_client");
    const wrong = await w.call("/api/oidc/introspect", form({ token: "x" }, basicAuth(w.client.id, "nope")));
    expect(wrong.status).toBe(401);
    const missing = await w.call("/api/oidc/introspect", form({}, w.basic));
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toBe("invalid_request");
  });
});

describe("introspection with a Bearer access token (Pocket ID)", () => {
  test("the token's client is the caller: its own tokens are active, another client's are not", async () => {
    w = await makeOidcWorld();
    const caller = await tokens(w);
    const subject = await tokens(w);
    const bearer = `Bearer ${caller.access_token}`;
    const at = (await (await w.call("/api/oidc/introspect", form({ token: subject.access_token }, bearer))).json()) as Record<string, unknown>;
    expect(at).toMatchObject({ active: true, token_type: "access_token", client_id: w.client.id, sub: w.user.id });
    const rt = (await (await w.call("/api/oidc/introspect", form({ token: subject.refresh_token, token_type_hint: "refresh_token" }, bearer))).json()) as Record<string, unknown>;
    expect(rt).toMatchObject({ active: true, token_type: "refresh_token", client_id: w.client.id });
    // A token of another client is inactive for this caller, and the other client's Bearer cannot see ours.
    const other = createClient(w.deps, CLI_ACTOR, { name: "Other", callbackUrls: [CALLBACK], unrestricted: true });
    const otherBasic = basicAuth(other.client.id, other.secret!.secret);
    const cc = await w.call("/api/oidc/token", form({ grant_type: "client_credentials" }, otherBasic));
    expect(cc.status).toBe(200);
    const otherToken = ((await cc.json()) as { access_token: string }).access_token;
    expect(await (await w.call("/api/oidc/introspect", form({ token: otherToken }, bearer))).json()).toEqual({ active: false });
    expect(await (await w.call("/api/oidc/introspect", form({ token: subject.access_token }, `Bearer ${otherToken}`))).json()).toEqual({ active: false });
    expect(await (await w.call("/api/oidc/introspect", form({ token: otherToken }, `Bearer ${otherToken}`))).json()).toMatchObject({ active: true, client_id: other.client.id });
    // Client authentication still works alongside.
    expect(await (await w.call("/api/oidc/introspect", form({ token: subject.access_token }, w.basic))).json()).toMatchObject({ active: true });
  });
  test("refusals: garbage, tampered, expired, revoked, disabled user, mixed methods, foreign client_id", async () => {
    w = await makeOidcWorld();
    const t = await tokens(w);
    const expectRefused = async (authorization: string, body: Record<string, string> = { token: t.access_token }, status = 401, error = "invalid_client") => {
      const res = await w.call("/api/oidc/introspect", form(body, authorization));
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toBe(error);
      if (status === 401) expect(res.headers.get("www-authenticate")).toStartWith("Bearer ");
    };
    await expectRefused("Bearer garbage");
    await expectRefused("Bearer ");
    await expectRefused(`Bearer ${tamper(t.access_token, 2)}`);
    await expectRefused(`Bearer ${t.id_token}`); // not an access token
    await expectRefused(`Bearer ${t.access_token}`, { token: "x", client_secret: "s" }, 400, "invalid_request");
    await expectRefused(`Bearer ${t.access_token}`, { token: "x", client_id: "someone-else" });
    w.deps.db.query("UPDATE users SET disabled = 1 WHERE id = ?").run(w.user.id);
    await expectRefused(`Bearer ${t.access_token}`);
    w.deps.db.query("UPDATE users SET disabled = 0 WHERE id = ?").run(w.user.id);
    const live = await w.call("/api/oidc/introspect", form({ token: t.access_token }, `Bearer ${t.access_token}`));
    expect(live.status).toBe(200);
    const t2 = await tokens(w);
    expect((await w.call("/api/oidc/revoke", form({ token: t2.access_token, token_type_hint: "access_token" }, w.basic))).status).toBe(200);
    await expectRefused(`Bearer ${t2.access_token}`);
    w.deps.clock.advance(3601);
    await expectRefused(`Bearer ${t.access_token}`);
  });
});

describe("revocation", () => {
  test("revoking a refresh token revokes its grant; access token revocation; unknown tokens are fine", async () => {
    w = await makeOidcWorld();
    const t = await tokens(w);
    const res = await w.call("/api/oidc/revoke", form({ token: t.refresh_token }, w.basic));
    expect(res.status).toBe(200);
    expect((await w.token({ grant_type: "refresh_token", refresh_token: t.refresh_token })).status).toBe(400);
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${t.access_token}` } })).status).toBe(401);
    const t2 = await tokens(w);
    expect((await w.call("/api/oidc/revoke", form({ token: t2.access_token, token_type_hint: "access_token" }, w.basic))).status).toBe(200);
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${t2.access_token}` } })).status).toBe(401);
    expect((await w.token({ grant_type: "refresh_token", refresh_token: t2.refresh_token })).status).toBe(200);
    expect((await w.call("/api/oidc/revoke", form({ token: "unknown" }, w.basic))).status).toBe(200);
  });
  test("another client cannot revoke my tokens", async () => {
    w = await makeOidcWorld();
    const t = await tokens(w);
    const other = createClient(w.deps, CLI_ACTOR, { name: "Other", callbackUrls: [CALLBACK], unrestricted: true });
    expect((await w.call("/api/oidc/revoke", form({ token: t.refresh_token }, basicAuth(other.client.id, other.secret!.secret)))).status).toBe(200);
    expect((await w.token({ grant_type: "refresh_token", refresh_token: t.refresh_token })).status).toBe(200);
  });
});

describe("end-session", () => {
  const LOGOUT = "https://app.example.com/logged-out";

  test("valid hint: ends the session, revokes that sign-in's refresh tokens, redirects with state", async () => {
    w = await makeOidcWorld({ logoutCallbackUrls: [LOGOUT] });
    const t = await tokens(w);
    w.deps.clock.advance(7200); // expired ID tokens are accepted as hints
    const q = new URLSearchParams({ id_token_hint: t.id_token, post_logout_redirect_uri: LOGOUT, state: "bye" });
    const res = await w.call(`/api/oidc/end-session?${q}`, { headers: { cookie: w.cookie } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${LOGOUT}?state=bye`);
    expect(res.headers.get("set-cookie")).toContain("latchkey_session=;");
    expect(w.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM sessions").get()!.n).toBe(0);
    expect((await w.token({ grant_type: "refresh_token", refresh_token: t.refresh_token })).status).toBe(400);
  });
  test("POST works the same", async () => {
    w = await makeOidcWorld({ logoutCallbackUrls: [LOGOUT] });
    const t = await tokens(w);
    const res = await w.call("/api/oidc/end-session", { ...form({ id_token_hint: t.id_token, post_logout_redirect_uri: LOGOUT }), headers: { cookie: w.cookie, "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(LOGOUT);
  });
  test("unregistered post_logout_redirect_uri → our error page, no redirect, session kept", async () => {
    w = await makeOidcWorld({ logoutCallbackUrls: [LOGOUT] });
    const t = await tokens(w);
    for (const uri of [LOGOUT + "/", "https://evil.example.com/", CALLBACK]) {
      const q = new URLSearchParams({ id_token_hint: t.id_token, post_logout_redirect_uri: uri });
      const res = await w.call(`/api/oidc/end-session?${q}`, { headers: { cookie: w.cookie } });
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(await res.text()).toContain("not registered");
    }
    expect(w.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM sessions").get()!.n).toBe(1);
    // Without a hint or client_id the client cannot be identified.
    const res = await w.call(`/api/oidc/end-session?post_logout_redirect_uri=${encodeURIComponent(LOGOUT)}`);
    expect(res.status).toBe(400);
  });
  test("tampered hint → error page; client_id mismatch → error page", async () => {
    w = await makeOidcWorld({ logoutCallbackUrls: [LOGOUT] });
    const t = await tokens(w);
    const bad = await w.call(`/api/oidc/end-session?id_token_hint=${tamper(t.id_token, 1)}`, { headers: { cookie: w.cookie } });
    expect(bad.status).toBe(400);
    const mismatch = await w.call(`/api/oidc/end-session?${new URLSearchParams({ id_token_hint: t.id_token, client_id: "other" })}`, { headers: { cookie: w.cookie } });
    expect(mismatch.status).toBe(400);
  });
  test("no hint: asks for confirmation; the CSRF-protected POST signs out", async () => {
    w = await makeOidcWorld();
    const ask = await w.call("/api/oidc/end-session?state=s1", { headers: { cookie: w.cookie } });
    expect(ask.status).toBe(200);
    const html = await ask.text();
    expect(html).toContain("Sign out?");
    expect(w.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM sessions").get()!.n).toBe(1);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const forged = await w.call("/api/oidc/end-session", { ...form({ confirm: "yes" }), headers: { cookie: w.cookie, "content-type": "application/x-www-form-urlencoded" } });
    expect(forged.status).toBe(200);
    expect(await forged.text()).toContain("Sign out?");
    const done = await w.call("/api/oidc/end-session", { ...form({ confirm: "yes", _csrf: csrf }), headers: { cookie: w.cookie, "content-type": "application/x-www-form-urlencoded" } });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("You are signed out");
    expect(w.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM sessions").get()!.n).toBe(0);
  });
  test("not signed in, no redirect: the signed-out page", async () => {
    w = await makeOidcWorld();
    const res = await w.call("/api/oidc/end-session?state=s1");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("You are signed out");
  });
  test("without any parameter: 302 to APP_URL/logout, as Pocket ID (asks there when signed in, says signed out when not)", async () => {
    w = await makeOidcWorld();
    const inits: RequestInit[] = [{}, { headers: { cookie: w.cookie } }, { ...form({}), headers: { "content-type": "application/x-www-form-urlencoded" } }];
    for (const init of inits) {
      const res = await w.call("/api/oidc/end-session", init);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(`${w.deps.config.appUrl}/logout`);
    }
    expect(w.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM sessions").get()!.n).toBe(1);
    const signedIn = await w.call("/logout", { headers: { cookie: w.cookie } });
    expect(signedIn.status).toBe(200);
    expect(await signedIn.text()).toContain('action="/logout"');
    const anonymous = await w.call("/logout");
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe("/login?signed_out=1");
    expect(await (await w.call("/login?signed_out=1")).text()).toContain("You have been signed out.");
  });
});

describe("authorized clients (My apps)", () => {
  test("listed after sign-in; revoking forgets consent and kills the tokens", async () => {
    const { listAuthorizedClients, revokeAuthorizedClient } = await import("../../../src/oidc/authorized-clients.ts");
    w = await makeOidcWorld();
    const t = await tokens(w);
    const list = listAuthorizedClients(w.deps.db, w.user.id);
    expect(list.map((a) => a.client.id)).toEqual([w.client.id]);
    expect(list[0]!.scopes).toEqual(["openid", "profile", "email", "groups"]);
    expect(revokeAuthorizedClient(w.deps, { kind: "user", userId: w.user.id }, w.client.id)).toBe(true);
    expect(listAuthorizedClients(w.deps.db, w.user.id)).toEqual([]);
    expect((await w.token({ grant_type: "refresh_token", refresh_token: t.refresh_token })).status).toBe(400);
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${t.access_token}` } })).status).toBe(401);
    expect(revokeAuthorizedClient(w.deps, { kind: "user", userId: w.user.id }, w.client.id)).toBe(false);
  });
});

describe("malformed requests to the other endpoints never 500", () => {
  test.each([
    ["/api/oidc/userinfo", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }],
    ["/api/oidc/userinfo", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "access_token=a&access_token=b" }],
    ["/api/oidc/userinfo", { headers: { authorization: "Bearer " + "a".repeat(20_000) } }],
    ["/api/oidc/userinfo", { headers: { authorization: "Bearer a b c" } }],
    ["/api/oidc/introspect", { method: "POST", headers: { "content-type": "text/plain" }, body: "token=x" }],
    ["/api/oidc/introspect", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: "Basic %%%" }, body: "token=x" }],
    ["/api/oidc/revoke", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "token=%ff" }],
    ["/api/oidc/revoke", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" }],
    ["/api/oidc/end-session?id_token_hint=%zz", {}],
    ["/api/oidc/end-session?id_token_hint=a.b.c&id_token_hint=d", {}],
    ["/api/oidc/end-session", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }],
    ["/api/oidc/end-session?id_token_hint=" + "eyJ".repeat(3000), {}],
  ] as [string, RequestInit][])("%s %#", async (path, init) => {
    w = await makeOidcWorld();
    const res = await w.call(path, init);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});
