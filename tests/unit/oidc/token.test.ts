/** Token endpoint: client authentication, code exchange, PKCE, replay, refresh rotation, errors. */
import { afterEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { decodeJwt, decodeProtectedHeader, createLocalJWKSet, jwtVerify } from "jose";
import { createClient, setAllowedGroups } from "../../../src/admin/oidc-clients.ts";
import { addUserToGroup, insertCustomClaim, insertTestGroup } from "../../helpers/oidc-fixtures.ts";
import { basicAuth, CALLBACK, makeOidcWorld, VERIFIER, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

async function expectOAuthError(res: Response, status: number, error: string, description?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as { error: string; error_description: string };
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe("string");
  if (description) expect(body.error_description).toContain(description);
  return body;
}

const exchange = (code: string, extra: Record<string, string> = {}) => ({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER, ...extra });

describe("code exchange", () => {
  test("issues access, refresh and ID tokens with the right claims", async () => {
    w = await makeOidcWorld();
    const group = insertTestGroup(w.deps, "staff");
    addUserToGroup(w.deps, w.user.id, group.id);
    insertCustomClaim(w.deps, { groupId: group.id }, "team", "platform");
    insertCustomClaim(w.deps, { groupId: group.id }, "level", "1");
    insertCustomClaim(w.deps, { userId: w.user.id }, "level", "2");
    insertCustomClaim(w.deps, { userId: w.user.id }, "email", "spoof@example.com");
    const res = await w.token(exchange(await w.code()));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as Record<string, string | number>;
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(3600);
    expect(body.scope).toBe("openid profile email groups");
    expect(typeof body.refresh_token).toBe("string");

    const jwks = createLocalJWKSet(await (await w.call("/.well-known/jwks.json")).json());
    const id = await jwtVerify(body.id_token as string, jwks, { issuer: "http://localhost:1411", audience: w.client.id, currentDate: new Date(w.deps.clock.now()) });
    expect(id.protectedHeader.kid).toBeTruthy();
    expect(id.protectedHeader.alg).toBe("RS256");
    const c = id.payload as Record<string, unknown>;
    expect(c.sub).toBe(w.user.id);
    expect(c.nonce).toBe("n0nce");
    expect(c.amr).toEqual(["phr"]);
    expect(c.exp! as number - (c.iat as number)).toBe(3600);
    expect(c.auth_time).toBe(Math.floor(w.deps.clock.now() / 1000));
    expect(typeof c.at_hash).toBe("string");
    expect(c.sid).toBe(w.sessionId);
    expect(c.preferred_username).toBe("alice");
    expect(c.name).toBe("Alice Example");
    expect(c.given_name).toBe("Alice");
    expect(c.family_name).toBe("Example");
    expect(c.picture).toBe(`http://localhost:1411/api/users/${w.user.id}/profile-picture.png`);
    expect(c.email).toBe("alice@example.com");
    expect(c.email_verified).toBe(true);
    expect(c.groups).toEqual(["staff"]);
    expect(c.team).toBe("platform");
    expect(c.level).toBe(2); // the user's own claim overrides the group's; JSON values stay JSON

    const at = await jwtVerify(body.access_token as string, jwks, { issuer: "http://localhost:1411", typ: "at+jwt", currentDate: new Date(w.deps.clock.now()) });
    expect(at.protectedHeader.typ).toBe("at+jwt");
    expect(at.payload.client_id).toBe(w.client.id);
    expect(at.payload.aud).toEqual([w.client.id, "http://localhost:1411"]);
    expect(at.payload.scope).toBe("openid profile email groups");
    expect(typeof at.payload.jti).toBe("string");
  });

  test("scope gates claims", async () => {
    w = await makeOidcWorld();
    const body = (await (await w.token(exchange(await w.code({ scope: "openid" })))).json()) as { id_token: string };
    const c = decodeJwt(body.id_token);
    expect(c.email).toBeUndefined();
    expect(c.preferred_username).toBeUndefined();
    expect(c.groups).toBeUndefined();
  });

  test("per-client access and refresh token lifetimes", async () => {
    w = await makeOidcWorld({ accessTokenDurationMinutes: 5, refreshTokenDurationMinutes: 10 });
    const body = (await (await w.token(exchange(await w.code()))).json()) as { expires_in: number; refresh_token: string };
    expect(body.expires_in).toBe(300);
    w.deps.clock.advance(601);
    await expectOAuthError(await w.token({ grant_type: "refresh_token", refresh_token: body.refresh_token }), 400, "invalid_grant", "expired");
  });

  test("code replay fails and revokes everything issued from the code", async () => {
    w = await makeOidcWorld();
    const code = await w.code();
    const first = (await (await w.token(exchange(code))).json()) as { access_token: string; refresh_token: string };
    await expectOAuthError(await w.token(exchange(code)), 400, "invalid_grant", "already used");
    const ui = await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${first.access_token}` } });
    expect(ui.status).toBe(401);
    await expectOAuthError(await w.token({ grant_type: "refresh_token", refresh_token: first.refresh_token }), 400, "invalid_grant");
    const audit = w.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'AUTHORIZATION_CODE_REUSE'").get()!;
    expect(audit.n).toBe(1);
  });

  test("two exchanges of one code at once: one wins, the other fails and revokes what the winner got", async () => {
    w = await makeOidcWorld();
    const code = await w.code();
    // Both read the code and sign before either commits; the database lets only one consume it.
    const [a, b] = await Promise.all([w.token(exchange(code)), w.token(exchange(code))]);
    const responses = [a, b].sort((x, y) => x.status - y.status);
    expect(responses.map((r) => r.status)).toEqual([200, 400]);
    const won = (await responses[0]!.json()) as { access_token: string; refresh_token: string };
    await expectOAuthError(responses[1]!, 400, "invalid_grant", "already used");
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${won.access_token}` } })).status).toBe(401);
    await expectOAuthError(await w.token({ grant_type: "refresh_token", refresh_token: won.refresh_token }), 400, "invalid_grant");
    const rows = w.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM oidc_grants").get()!;
    expect(rows.n).toBe(0);
  });

  test("a failed exchange burns the code: the right verifier afterwards is refused too", async () => {
    w = await makeOidcWorld();
    const code = await w.code();
    await expectOAuthError(await w.token(exchange(code, { code_verifier: "x".repeat(43) })), 400, "invalid_grant", "does not match");
    await expectOAuthError(await w.token(exchange(code)), 400, "invalid_grant", "failed exchange uses it up");
    const wrongUri = await w.code();
    await expectOAuthError(await w.token(exchange(wrongUri, { redirect_uri: CALLBACK + "/x" })), 400, "invalid_grant", "redirect_uri");
    await expectOAuthError(await w.token(exchange(wrongUri)), 400, "invalid_grant", "already used");
    expect(w.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM oidc_grants").get()!.n).toBe(0);
  });

  test("expired code", async () => {
    w = await makeOidcWorld();
    const code = await w.code();
    w.deps.clock.advance(601);
    await expectOAuthError(await w.token(exchange(code)), 400, "invalid_grant", "expired");
  });

  test("another client's code", async () => {
    w = await makeOidcWorld();
    const code = await w.code();
    const other = createClient(w.deps, CLI_ACTOR, { name: "Other", callbackUrls: [CALLBACK], unrestricted: true });
    await expectOAuthError(await w.token(exchange(code), { basic: basicAuth(other.client.id, other.secret!.secret) }), 400, "invalid_grant", "another client");
    // The rightful client can still use it.
    expect((await w.token(exchange(code))).status).toBe(200);
  });

  test("unknown code and missing parameters", async () => {
    w = await makeOidcWorld();
    await expectOAuthError(await w.token(exchange("nope")), 400, "invalid_grant");
    await expectOAuthError(await w.token({ grant_type: "authorization_code" }), 400, "invalid_request", "code");
    await expectOAuthError(await w.token({ code: "x" }), 400, "invalid_request", "grant_type");
    await expectOAuthError(await w.token({ grant_type: "password", username: "a", password: "b" }), 400, "unsupported_grant_type");
    await expectOAuthError(await w.token({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer" }), 400, "unsupported_grant_type");
    // The grants are looked up in a table: names of Object.prototype members are not grants.
    for (const grantType of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      await expectOAuthError(await w.token({ grant_type: grantType }), 400, "unsupported_grant_type", `"${grantType}"`);
    }
  });

  test("redirect_uri must equal the one of the authorization request", async () => {
    w = await makeOidcWorld();
    await expectOAuthError(await w.token(exchange(await w.code(), { redirect_uri: CALLBACK + "/" })), 400, "invalid_grant", "redirect_uri");
    const code = await w.code();
    const body = exchange(code) as Record<string, string>;
    delete body.redirect_uri;
    await expectOAuthError(await w.token(body), 400, "invalid_request", "redirect_uri");
  });

  test("PKCE: missing or wrong verifier; a plain challenge stored before S256-only is refused", async () => {
    w = await makeOidcWorld();
    const noVerifier = exchange(await w.code()) as Record<string, string>;
    delete noVerifier.code_verifier;
    await expectOAuthError(await w.token(noVerifier), 400, "invalid_grant", "code_verifier is required");
    await expectOAuthError(await w.token(exchange(await w.code(), { code_verifier: VERIFIER.replace("a", "b") })), 400, "invalid_grant", "does not match");
    await expectOAuthError(await w.token(exchange(await w.code(), { code_verifier: "short" })), 400, "invalid_grant", "43–128");
    // A code issued while plain was still accepted (at most 10 minutes before an upgrade): refused.
    const plain = await w.code();
    w.deps.db.query("UPDATE oidc_authorization_codes SET code_challenge = ?, code_challenge_method = 'plain'").run(VERIFIER);
    await expectOAuthError(await w.token(exchange(plain)), 400, "invalid_grant", "other than S256");
  });

  test("PKCE downgrade: a verifier for a code without a challenge is refused", async () => {
    w = await makeOidcWorld();
    const code = await w.code({ code_challenge: "", code_challenge_method: "" });
    await expectOAuthError(await w.token(exchange(code)), 400, "invalid_grant", "had no code_challenge");
  });

  test("user re-checked: disabled or no longer allowed", async () => {
    w = await makeOidcWorld();
    const code = await w.code();
    w.deps.db.query("UPDATE users SET disabled = 1 WHERE id = ?").run(w.user.id);
    await expectOAuthError(await w.token(exchange(code)), 400, "invalid_grant", "disabled");
  });
});

describe("client authentication", () => {
  test("client_secret_post works; wrong secret is invalid_client 401 with WWW-Authenticate", async () => {
    w = await makeOidcWorld();
    expect((await w.token(exchange(await w.code(), { client_id: w.client.id, client_secret: w.secret }), { basic: null })).status).toBe(200);
    const res = await w.token(exchange(await w.code()), { basic: basicAuth(w.client.id, "wrong-secret") });
    await expectOAuthError(res, 401, "invalid_client");
    expect(res.headers.get("www-authenticate")).toContain("Basic");
    await expectOAuthError(await w.token(exchange(await w.code(), { client_id: w.client.id, client_secret: "wrong" }), { basic: null }), 401, "invalid_client");
  });
  test("confidential client without a secret; unknown client", async () => {
    w = await makeOidcWorld();
    await expectOAuthError(await w.token(exchange(await w.code(), { client_id: w.client.id }), { basic: null }), 401, "invalid_client", "client secret");
    await expectOAuthError(await w.token(exchange("x"), { basic: basicAuth("ghost", "x") }), 401, "invalid_client");
    await expectOAuthError(await w.token(exchange("x"), { basic: null }), 401, "invalid_client");
  });
  test("malformed Basic headers", async () => {
    w = await makeOidcWorld();
    for (const header of ["Basic", "Basic !!!", "Basic " + Buffer.from("no-colon").toString("base64"), "Basic " + Buffer.from("%zz:x").toString("base64"), "Basic " + Buffer.from([0xff, 0x3a, 0xfe]).toString("base64")]) {
      await expectOAuthError(await w.token(exchange("x"), { basic: header }), 401, "invalid_client");
    }
  });
  test("two authentication methods at once", async () => {
    w = await makeOidcWorld();
    await expectOAuthError(await w.token(exchange("x", { client_secret: w.secret })), 400, "invalid_request", "one client authentication method");
  });
  test("an expired secret no longer works", async () => {
    w = await makeOidcWorld();
    w.deps.db.query("UPDATE oidc_client_secrets SET expires_at = ?").run(Math.floor(w.deps.clock.now() / 1000) + 10);
    const code = await w.code();
    w.deps.clock.advance(11);
    await expectOAuthError(await w.token(exchange(code)), 401, "invalid_client");
  });
  test("public client: none + PKCE", async () => {
    w = await makeOidcWorld({ isPublic: true });
    expect((await w.token(exchange(await w.code(), { client_id: w.client.id }), { basic: null })).status).toBe(200);
  });
});

describe("refresh tokens", () => {
  test("rotate on every use; a reused token revokes the family", async () => {
    w = await makeOidcWorld();
    const first = (await (await w.token(exchange(await w.code()))).json()) as { refresh_token: string; access_token: string; id_token: string };
    w.deps.clock.advance(10);
    const r1 = await w.token({ grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(r1.status).toBe(200);
    const second = (await r1.json()) as { refresh_token: string; access_token: string; id_token: string };
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const idc = decodeJwt(second.id_token);
    expect(idc.sub).toBe(w.user.id);
    expect(idc.auth_time).toBe(decodeJwt(first.id_token).auth_time as number);
    expect(idc.nonce).toBeUndefined();
    // The old access token is revoked by the rotation.
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${first.access_token}` } })).status).toBe(401);
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${second.access_token}` } })).status).toBe(200);
    // Replay of the first refresh token: refused, and the whole family goes.
    await expectOAuthError(await w.token({ grant_type: "refresh_token", refresh_token: first.refresh_token }), 400, "invalid_grant", "already used");
    await expectOAuthError(await w.token({ grant_type: "refresh_token", refresh_token: second.refresh_token }), 400, "invalid_grant");
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${second.access_token}` } })).status).toBe(401);
    expect(w.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'REFRESH_TOKEN_REUSE'").get()!.n).toBe(1);
  });
  test("refresh with another client's token, or after the user lost access", async () => {
    w = await makeOidcWorld({ unrestricted: false });
    const g = insertTestGroup(w.deps, "staff");
    addUserToGroup(w.deps, w.user.id, g.id);
    setAllowedGroups(w.deps, CLI_ACTOR, w.client.id, [g.id]);
    const tokens = (await (await w.token(exchange(await w.code()))).json()) as { refresh_token: string };
    const other = createClient(w.deps, CLI_ACTOR, { name: "Other", callbackUrls: [CALLBACK], unrestricted: true });
    await expectOAuthError(await w.token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token }, { basic: basicAuth(other.client.id, other.secret!.secret) }), 400, "invalid_grant");
    setAllowedGroups(w.deps, CLI_ACTOR, w.client.id, []);
    await expectOAuthError(await w.token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token }), 400, "invalid_grant", "no longer allowed");
  });
  test("scope may narrow but never widen", async () => {
    w = await makeOidcWorld();
    const t = (await (await w.token(exchange(await w.code({ scope: "openid profile" })))).json()) as { refresh_token: string };
    await expectOAuthError(await w.token({ grant_type: "refresh_token", refresh_token: t.refresh_token, scope: "openid email" }), 400, "invalid_scope");
    const narrowed = (await (await w.token({ grant_type: "refresh_token", refresh_token: t.refresh_token, scope: "openid" })).json()) as { scope: string };
    expect(narrowed.scope).toBe("openid");
  });
});

describe("malformed requests never 500", () => {
  const cases: [string, RequestInit][] = [
    ["JSON body", { headers: { "content-type": "application/json" }, body: '{"grant_type":"authorization_code"}' }],
    ["no content type", { body: "grant_type=authorization_code" }],
    ["empty body", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" }],
    ["bad percent escape", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=%zz&code=%" }],
    ["non-UTF-8 bytes", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: new Uint8Array([0x63, 0x6f, 0x64, 0x65, 0x3d, 0xff, 0xfe]) }],
    ["percent-encoded non-UTF-8", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=%ff%fe" }],
    ["duplicate parameters", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=authorization_code&grant_type=refresh_token" }],
    ["array-style parameters", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "grant_type[]=authorization_code&code[0]=x" }],
    ["huge value", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=authorization_code&code=" + "a".repeat(100_000) }],
    ["multipart", { headers: { "content-type": "multipart/form-data; boundary=x" }, body: "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--" }],
  ];
  test.each(cases)("%s", async (_name, init) => {
    w = await makeOidcWorld();
    const res = await w.call("/api/oidc/token", { method: "POST", ...init, headers: { authorization: w.basic, ...(init.headers as Record<string, string> | undefined) } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as { error: string };
    expect(["invalid_request", "unsupported_grant_type", "invalid_client"]).toContain(body.error);
  });
  test("every other method and a body too large: RFC 6749 JSON on each JSON protocol endpoint", async () => {
    w = await makeOidcWorld();
    const endpoints: [string, string[]][] = [
      ["/api/oidc/token", ["POST"]], ["/api/oidc/introspect", ["POST"]], ["/api/oidc/revoke", ["POST"]],
      ["/api/oidc/par", ["POST"]], ["/api/oidc/device/authorize", ["POST"]], ["/api/oidc/userinfo", ["GET", "POST"]],
    ];
    for (const [path, methods] of endpoints) {
      for (const method of ["PUT", "PATCH", "DELETE", "GET"].filter((m) => !methods.includes(m))) {
        const res = await w.call(path, { method, headers: { "content-type": "application/x-www-form-urlencoded" }, body: method === "GET" ? undefined : "" });
        expect([path, method, res.status, res.headers.get("allow")]).toEqual([path, method, 405, [...methods, "OPTIONS"].join(", ")]);
        await expectOAuthError(res, 405, "invalid_request");
      }
      if (methods.includes("POST")) {
        const big = await w.call(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `a=${"x".repeat(2 * 1024 * 1024)}` });
        expect([path, big.status]).toEqual([path, 413]);
        await expectOAuthError(big, 413, "invalid_request", "too large");
      }
    }
  });
  test("GET on the token endpoint is not a 500", async () => {
    w = await makeOidcWorld();
    for (const path of ["/api/oidc/token", "/api/oidc/introspect", "/api/oidc/revoke"]) {
      const res = await w.call(path);
      await expectOAuthError(res, 405, "invalid_request", "POST");
      expect(res.headers.get("allow")).toBe("POST, OPTIONS");
    }
  });
});

test("ID token header names the current key", async () => {
  w = await makeOidcWorld();
  const body = (await (await w.token(exchange(await w.code()))).json()) as { id_token: string };
  const jwks = (await (await w.call("/.well-known/jwks.json")).json()) as { keys: { kid: string }[] };
  expect(jwks.keys.map((k) => k.kid)).toContain(decodeProtectedHeader(body.id_token).kid!);
});
