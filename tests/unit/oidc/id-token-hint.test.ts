/**
 * id_token_hint accepts only ID tokens this provider issued (issue 17, finding 9), at end-session,
 * /authorize and PAR. A table of look-alikes (our access token, refresh token, logout token, client
 * credentials token, tokens with another issuer, alg none, tampered, signed by a stranger's key or by a key
 * we no longer publish, other typ values, Pocket ID's session JWT shape…) is thrown at each endpoint;
 * a real ID token, also once expired, is accepted.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from "jose";
import { buildLogoutToken } from "../../../src/oidc/backchannel-logout.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { rotateSigningKey, signJwt } from "../../../src/oidc/signing-keys.ts";
import { insertTestUser, signIn } from "../../helpers/oidc-fixtures.ts";
import { CALLBACK, makeOidcWorld, VERIFIER, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

interface Tokens {
  id: string;
  access: string;
  refresh: string;
}

async function realTokens(): Promise<Tokens> {
  const code = await w.code();
  const res = await w.token({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { id_token: string; access_token: string; refresh_token: string };
  return { id: body.id_token, access: body.access_token, refresh: body.refresh_token };
}

/** Every token that must be refused as id_token_hint, with a name for the report. */
async function lookAlikes(t: Tokens): Promise<[string, string][]> {
  const claims = decodeJwt(t.id) as Record<string, unknown>;
  const header = decodeProtectedHeader(t.id);
  const [h, p, s] = t.id.split(".") as [string, string, string];
  const ours = async (payload: Record<string, unknown>, typ = "JWT") => (await signJwt(w.deps, payload, typ)).jwt;
  const stranger = await generateKeyPair("RS256");
  const cc = createClient(w.deps, CLI_ACTOR, { name: "Machine", callbackUrls: [CALLBACK], unrestricted: true, credentialsScopes: ["x"] });
  const ccRes = await w.call("/api/oidc/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: "Basic " + btoa(`${cc.client.id}:${cc.secret!.secret}`) },
    body: "grant_type=client_credentials",
  });
  const ccToken = ((await ccRes.json()) as { access_token: string }).access_token;
  const { aud: _aud, ...withoutAud } = claims;
  return [
    ["our access token", t.access],
    ["a client-credentials access token", ccToken],
    ["a refresh token", t.refresh],
    ["a logout token", await buildLogoutToken(w.deps, { clientId: w.client.id, sub: w.user.id, sid: w.sessionId })],
    ["the ID token's claims with typ at+jwt", await ours(claims, "at+jwt")],
    ["the ID token's claims with typ logout+jwt", await ours(claims, "logout+jwt")],
    ["the ID token's claims with typ dpop+jwt", await ours(claims, "dpop+jwt")],
    ["the ID token's claims with typ id_token+jwt", await ours(claims, "id_token+jwt")],
    ["another issuer", await ours({ ...claims, iss: "https://evil.example" })],
    ["issuer with a trailing slash", await ours({ ...claims, iss: `${w.deps.config.appUrl}/` })],
    ["with a scope claim", await ours({ ...claims, scope: "openid" })],
    ["with a client_id claim", await ours({ ...claims, client_id: w.client.id })],
    ["with events (logout token)", await ours({ ...claims, events: { "http://schemas.openid.net/event/backchannel-logout": {} } })],
    ["with cnf", await ours({ ...claims, cnf: { jkt: "x" } })],
    ["Pocket ID session cookie shape", await ours({ iss: w.deps.config.appUrl, aud: w.deps.config.appUrl, sub: w.user.id, iat: claims.iat, exp: claims.exp, type: "access-token", isAdmin: true })],
    ["type access-token", await ours({ ...claims, type: "access-token" })],
    ["aud names this server", await ours({ ...claims, aud: [w.client.id, w.deps.config.appUrl] })],
    ["no aud", await ours(withoutAud)],
    ["no sub", await ours({ ...claims, sub: "" })],
    ["no iat", await ours({ ...claims, iat: undefined })],
    ["issued in the future", await ours({ ...claims, iat: (claims.iat as number) + 3600 })],
    ["not valid yet (nbf)", await ours({ ...claims, nbf: (claims.iat as number) + 3600 })],
    ["alg none", `${b64({ alg: "none", typ: "JWT" })}.${p}.`],
    ["alg none with our kid", `${b64({ ...header, alg: "none" })}.${p}.`],
    ["alg HS256 with our kid", `${b64({ ...header, alg: "HS256" })}.${p}.${s}`],
    ["tampered payload (sub)", `${h}.${b64({ ...claims, sub: "someone-else" })}.${s}`],
    ["tampered signature", `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`],
    ["signed by a stranger's key with our kid", await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: header.kid, typ: "JWT" }).sign(stranger.privateKey)],
    ["signed by a stranger's key with its own kid", await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "stranger", typ: "JWT" }).sign(stranger.privateKey)],
    ["embedded jwk header", await new SignJWT(claims).setProtectedHeader({ alg: "RS256", jwk: await exportJWK(stranger.publicKey), typ: "JWT" }).sign(stranger.privateKey)],
    ["not a JWT", "not-a-jwt"],
    ["two parts", `${h}.${p}`],
    ["four parts", `${t.id}.x`],
  ];
}

async function endSession(hint: string, cookie: string | null = w.cookie): Promise<Response> {
  return w.call(`/api/oidc/end-session?${new URLSearchParams({ id_token_hint: hint })}`, { headers: cookie ? { cookie } : {} });
}

const sessionExists = (id: string) => w.deps.db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM sessions WHERE id = ?").get(id)!.n === 1;

describe("end-session", () => {
  test("every look-alike is refused on the error page and signs nobody out", async () => {
    w = await makeOidcWorld();
    const table = await lookAlikes(await realTokens());
    expect(table.length).toBeGreaterThan(30);
    for (const [name, token] of table) {
      const res = await endSession(token);
      expect([name, res.status, res.headers.get("location")]).toEqual([name, 400, null]);
      expect([name, (await res.text()).includes("not an ID token issued here")]).toEqual([name, true]);
      expect([name, sessionExists(w.sessionId)]).toEqual([name, true]);
    }
  });

  test("a real ID token signs out, also once expired (Pocket ID §2.6)", async () => {
    w = await makeOidcWorld();
    const t = await realTokens();
    w.deps.clock.advance(2 * 24 * 3600); // the ID token lives an hour; the session 30 days
    expect((decodeJwt(t.id).exp as number) < Math.floor(w.deps.clock.now() / 1000)).toBe(true);
    const res = await endSession(t.id);
    expect(res.status).toBe(200);
    expect(sessionExists(w.sessionId)).toBe(false);
  });

  test("a Pocket ID ID token (type id-token claim) is accepted", async () => {
    w = await makeOidcWorld();
    const t = await realTokens();
    const pocket = (await signJwt(w.deps, { ...decodeJwt(t.id), type: "id-token" }, "JWT")).jwt;
    expect((await endSession(pocket)).status).toBe(200);
  });

  test("an ID token signed by a key we no longer publish is refused; during its retirement window it works", async () => {
    w = await makeOidcWorld();
    const t = await realTokens();
    const { retiredUntil } = rotateSigningKey(w.deps, CLI_ACTOR);
    expect(retiredUntil).not.toBeNull();
    // Still published: accepted (but this one does not end the session: a GET without a session).
    expect((await endSession(t.id, null)).status).toBe(200);
    w.deps.clock.advance(retiredUntil! - Math.floor(w.deps.clock.now() / 1000) + 1);
    const res = await endSession(t.id);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("not an ID token issued here");
    expect(sessionExists(w.sessionId)).toBe(true);
  });
});

describe("/authorize", () => {
  test("every look-alike → invalid_request at the callback with state and iss; no code", async () => {
    w = await makeOidcWorld();
    const table = await lookAlikes(await realTokens());
    for (const [name, token] of table) {
      const res = await w.authorizeLocation({ id_token_hint: token });
      expect([name, res.status]).toEqual([name, 303]);
      const u = new URL(res.headers.get("location")!);
      expect([name, `${u.origin}${u.pathname}`, u.searchParams.get("error"), u.searchParams.get("state"), u.searchParams.get("iss"), u.searchParams.get("code")])
        .toEqual([name, CALLBACK, "invalid_request", "st4te", "http://localhost:1411", null]);
      expect(u.searchParams.get("error_description")).toContain("id_token_hint");
    }
  });

  test("a real ID token for the signed-in person → a code (expired too); for someone else → login_required; another client's → invalid_request", async () => {
    w = await makeOidcWorld();
    const t = await realTokens();
    w.deps.clock.advance(7 * 24 * 3600);
    expect(new URL((await w.authorizeLocation({ id_token_hint: t.id })).headers.get("location")!).searchParams.get("code")).toBeTruthy();
    for (const prompt of ["none", ""]) {
      const bob = insertTestUser(w.deps, { username: `bob${prompt}` });
      const res = await w.authorizeLocation({ id_token_hint: t.id, prompt }, { cookie: signIn(w.deps, bob.id).cookie });
      const u = new URL(res.headers.get("location")!);
      expect([prompt, u.searchParams.get("error"), u.searchParams.get("code")]).toEqual([prompt, "login_required", null]);
    }
    const other = createClient(w.deps, CLI_ACTOR, { name: "Other", callbackUrls: [CALLBACK], unrestricted: true, skipConsent: true });
    const res = await w.authorizeLocation({ id_token_hint: t.id, client_id: other.client.id });
    const u = new URL(res.headers.get("location")!);
    expect([u.searchParams.get("error"), u.searchParams.get("error_description")]).toEqual(["invalid_request", "id_token_hint was issued to another client."]);
  });
});

describe("PAR", () => {
  test("every look-alike → 400 invalid_request JSON", async () => {
    w = await makeOidcWorld();
    const t = await realTokens();
    const table = await lookAlikes(t);
    let n = 0;
    // Failed token-endpoint requests are rate limited per IP: each push comes from its own address.
    const push = (hint: string) =>
      w.app.handle(
        new Request(`${w.deps.config.appUrl}/api/oidc/par`, {
          method: "POST",
          headers: { authorization: w.basic, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ response_type: "code", redirect_uri: CALLBACK, scope: "openid", id_token_hint: hint }).toString(),
        }),
        `198.51.100.${++n}`,
      );
    for (const [name, token] of table) {
      const res = await push(token);
      expect([name, res.status, res.headers.get("cache-control")]).toEqual([name, 400, "no-store"]);
      expect([name, ((await res.json()) as { error: string }).error]).toEqual([name, "invalid_request"]);
    }
    expect((await push(t.id)).status).toBe(201);
  });
});
