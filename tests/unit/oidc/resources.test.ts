/**
 * Resource indicators (RFC 8707) through app.handle: /authorize, PAR, the token endpoint's code, refresh,
 * client_credentials and device grants, introspection and the consent page — and the attacks: a resource that
 * is not an absolute URI or has a fragment, an unknown API, another client's API, a permission not granted, a
 * permission without its resource, a second resource, a changed resource at the token endpoint, grants
 * withdrawn before a refresh, and a table of hostile spellings of the resource (case, dot segments, encodings,
 * backslashes, userinfo, ports, look-alike hosts, control characters, huge, empty and repeated values).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { decodeJwt, UnsecuredJWT } from "jose";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createApi, removeClientApiAccess, setApiCimdAccess, setApiPermissions, setClientApiAccess } from "../../../src/admin/apis.ts";
import { saveClientMetadata } from "../../../src/db/oidc-clients.ts";
import { resolveResource } from "../../../src/oidc/resources.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { listPermissionsOfApi } from "../../../src/db/apis.ts";
import { CALLBACK, CHALLENGE, VERIFIER, makeOidcWorld, basicAuth, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

const PHOTOS = "https://photos.example.com/api";
const form = { "content-type": "application/x-www-form-urlencoded" };

/** An API with permissions photos:read and photos:write; the world's client is granted `userKeys` for people and `clientKeys` for itself. */
function photosApi(userKeys: string[] = ["photos:read"], clientKeys: string[] | null = null, clientId = w.client.id) {
  const api = createApi(w.deps, CLI_ACTOR, { name: "Photos", resource: PHOTOS });
  setApiPermissions(w.deps, CLI_ACTOR, api.id, {
    permissions: [
      { key: "photos:read", name: "See your photos", description: "Lists and opens your albums" },
      { key: "photos:write", name: "Change your photos" },
    ],
  });
  const ids = Object.fromEntries(listPermissionsOfApi(w.deps.db, api.id).map((p) => [p.key, p.id]));
  setClientApiAccess(w.deps, CLI_ACTOR, api.id, clientId, {
    userDelegatedAccess: true,
    userDelegatedPermissionIds: userKeys.map((k) => ids[k]),
    clientAccess: clientKeys !== null,
    clientPermissionIds: (clientKeys ?? []).map((k) => ids[k]),
  });
  return { api, ids };
}

function clientError(res: Response): URLSearchParams {
  expect(res.status).toBe(303);
  return new URL(res.headers.get("location")!).searchParams;
}

async function exchange(code: string, extra: Record<string, string> = {}) {
  const res = await w.token({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER, ...extra });
  return { status: res.status, body: (await res.json()) as any };
}

describe("authorization code flow with a resource", () => {
  test("the access token names the API in aud and carries the granted permission; introspection says the same", async () => {
    w = await makeOidcWorld();
    photosApi();
    const code = await w.code({ scope: "openid profile photos:read", resource: `${PHOTOS}/` });
    const { status, body } = await exchange(code, { resource: PHOTOS });
    expect(status).toBe(200);
    expect(body.scope).toBe("openid profile photos:read");
    const claims = decodeJwt(body.access_token);
    expect(claims.aud).toEqual([w.client.id, w.deps.config.appUrl, PHOTOS]);
    expect(claims.scope).toBe("openid profile photos:read");
    expect(claims.scp).toEqual(["openid", "profile", "photos:read"]);
    // The ID token is for the client only.
    expect(decodeJwt(body.id_token).aud).toBe(w.client.id);
    const introspected = await w.call("/api/oidc/introspect", { method: "POST", headers: { ...form, authorization: w.basic }, body: `token=${body.access_token}` });
    expect(await introspected.json()).toMatchObject({ active: true, scope: "openid profile photos:read", aud: [w.client.id, w.deps.config.appUrl, PHOTOS] });

    // Refresh keeps the API and its permission.
    const refreshed = await w.token({ grant_type: "refresh_token", refresh_token: body.refresh_token });
    const again = (await refreshed.json()) as any;
    expect(refreshed.status).toBe(200);
    expect(again.scope).toBe("openid profile photos:read");
    expect(decodeJwt(again.access_token).aud).toEqual([w.client.id, w.deps.config.appUrl, PHOTOS]);
  });

  test("a resource without permissions in the scope still gives a token for the API (access without a scope)", async () => {
    w = await makeOidcWorld();
    photosApi([]);
    const { body } = await exchange(await w.code({ scope: "openid", resource: PHOTOS }));
    expect(body.scope).toBe("openid");
    expect(decodeJwt(body.access_token).aud).toEqual([w.client.id, w.deps.config.appUrl, PHOTOS]);
  });

  test("without a resource nothing changes: the client and issuer are the audience, unknown scopes are ignored", async () => {
    w = await makeOidcWorld();
    photosApi();
    const { body } = await exchange(await w.code({ scope: "openid something-else" }));
    expect(body.scope).toBe("openid");
    expect(decodeJwt(body.access_token).aud).toEqual([w.client.id, w.deps.config.appUrl]);
  });

  test.each([
    ["a relative resource", { resource: "/api" }, "invalid_target", "The resource must be an absolute URI (with a scheme, such as https://) (RFC 8707 2)."],
    ["a resource with a fragment", { resource: `${PHOTOS}#frag` }, "invalid_target", "The resource must not contain a fragment (#…) (RFC 8707 2)."],
    ["a resource with whitespace", { resource: `${PHOTOS} x` }, "invalid_target", "The resource must not contain whitespace or control characters (RFC 8707 2)."],
    ["an unknown API", { resource: "https://unknown.example.com" }, "invalid_target", 'The resource "https://unknown.example.com" is not an API this client may request tokens for.'],
    ["a permission not granted", { resource: PHOTOS, scope: "openid photos:write" }, "invalid_scope", 'The scope "photos:write" is not available for the requested resource.'],
    ["an unknown scope with a resource", { resource: PHOTOS, scope: "openid admin" }, "invalid_scope", 'The scope "admin" is not available for the requested resource.'],
    ["a permission without its resource", { scope: "openid photos:read" }, "invalid_scope", 'The scope "photos:read" is a permission of an API: request it together with that API\'s resource parameter (RFC 8707).'],
  ])("%s is refused back to the client with state and iss", async (_, params, error, description) => {
    w = await makeOidcWorld();
    photosApi();
    const q = clientError(await w.authorizeLocation(params));
    expect(Object.fromEntries(q)).toEqual({ error, error_description: description, state: "st4te", iss: w.deps.config.appUrl });
  });

  test("two resources are invalid_target (one API per token)", async () => {
    w = await makeOidcWorld();
    photosApi();
    const q = new URLSearchParams({ client_id: w.client.id, redirect_uri: CALLBACK, response_type: "code", scope: "openid", state: "s", code_challenge: CHALLENGE, code_challenge_method: "S256" });
    q.append("resource", PHOTOS);
    q.append("resource", "https://other.example.com");
    const res = await w.call(`/authorize?${q}`, { headers: { cookie: w.cookie } });
    expect(clientError(res).get("error")).toBe("invalid_target");
  });

  test("in a request object: a resource is honoured like the parameter; an array of them is invalid_target", async () => {
    w = await makeOidcWorld();
    photosApi();
    const request = (claims: Record<string, unknown>) => new UnsecuredJWT(claims).encode();
    const code = await w.code({ scope: "openid", request: request({ resource: PHOTOS, scope: "photos:read" }) });
    const { body } = await exchange(code);
    expect(body.scope).toBe("openid photos:read");
    expect(decodeJwt(body.access_token).aud).toEqual([w.client.id, w.deps.config.appUrl, PHOTOS]);
    const q = clientError(await w.authorizeLocation({ scope: "openid", request: request({ resource: [PHOTOS, "https://other.example.com"] }) }));
    // A JSON array is read as its JSON text, which is no URI: refused, never one of its members picked.
    expect(Object.fromEntries(q)).toEqual({
      error: "invalid_target",
      error_description: "The resource must be an absolute URI (with a scheme, such as https://) (RFC 8707 2).",
      state: "st4te",
      iss: w.deps.config.appUrl,
    });
  });

  test("another client's API is invalid_target; a user grant does not reach client_credentials and back", async () => {
    w = await makeOidcWorld();
    const other = createClient(w.deps, CLI_ACTOR, { name: "Other", callbackUrls: [CALLBACK], unrestricted: true }).client;
    photosApi(["photos:read"], null, other.id);
    expect(clientError(await w.authorizeLocation({ resource: PHOTOS })).get("error")).toBe("invalid_target");
    const cc = await w.token({ grant_type: "client_credentials", resource: PHOTOS });
    expect(cc.status).toBe(400);
    expect(await cc.json()).toEqual({ error: "invalid_target", error_description: `The resource "${PHOTOS}" is not an API this client may obtain client_credentials tokens for.` });
  });

  test("a different resource at the token endpoint is refused (and burns the code)", async () => {
    w = await makeOidcWorld();
    photosApi();
    const code = await w.code({ scope: "openid photos:read", resource: PHOTOS });
    const changed = await exchange(code, { resource: "https://other.example.com" });
    expect(changed).toEqual({ status: 400, body: { error: "invalid_target", error_description: "The resource differs from the one this grant was issued for." } });
    expect((await exchange(code)).body.error).toBe("invalid_grant");
    // A code without a resource cannot be turned into an API token either.
    const plain = await w.code({ scope: "openid" });
    expect((await exchange(plain, { resource: PHOTOS })).body.error).toBe("invalid_target");
  });

  test("refresh re-checks the grants: a withdrawn permission is invalid_scope (narrowing drops it), withdrawn access invalid_target", async () => {
    w = await makeOidcWorld();
    const { api, ids } = photosApi(["photos:read", "photos:write"]);
    const first = await exchange(await w.code({ scope: "openid photos:read photos:write", resource: PHOTOS }));
    expect(first.body.scope).toBe("openid photos:read photos:write");
    setClientApiAccess(w.deps, CLI_ACTOR, api.id, w.client.id, { userDelegatedPermissionIds: [ids["photos:read"]] });
    const refused = await w.token({ grant_type: "refresh_token", refresh_token: first.body.refresh_token });
    expect(await refused.json()).toEqual({ error: "invalid_scope", error_description: 'The scope "photos:write" is not available for the requested resource.' });
    const narrowed = await w.token({ grant_type: "refresh_token", refresh_token: first.body.refresh_token, scope: "openid photos:read" });
    const body = (await narrowed.json()) as any;
    expect(narrowed.status).toBe(200);
    expect(body.scope).toBe("openid photos:read");
    // Asking for more than was granted is refused as before.
    const wider = await w.token({ grant_type: "refresh_token", refresh_token: body.refresh_token, scope: "openid photos:read photos:admin" });
    expect(((await wider.json()) as any).error).toBe("invalid_scope");
    removeClientApiAccess(w.deps, CLI_ACTOR, api.id, w.client.id);
    const gone = await w.token({ grant_type: "refresh_token", refresh_token: body.refresh_token });
    expect(((await gone.json()) as any).error).toBe("invalid_target");
    const changed = await w.token({ grant_type: "refresh_token", refresh_token: body.refresh_token, resource: "https://other.example.com" });
    expect(((await changed.json()) as any).error).toBe("invalid_target");
  });
});

describe("client_credentials with a resource", () => {
  test("no scope: every permission granted to the client itself; the API in aud; identity scopes dropped", async () => {
    w = await makeOidcWorld();
    photosApi([], ["photos:read", "photos:write"]);
    const all = await w.token({ grant_type: "client_credentials", resource: PHOTOS });
    const body = (await all.json()) as any;
    expect(all.status).toBe(200);
    expect(body.scope).toBe("photos:read photos:write");
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ sub: `client-${w.client.id}`, aud: [w.client.id, PHOTOS], scope: "photos:read photos:write" });
    const some = (await (await w.token({ grant_type: "client_credentials", resource: PHOTOS, scope: "openid photos:write" })).json()) as any;
    expect(some.scope).toBe("photos:write");
    const introspected = await w.call("/api/oidc/introspect", { method: "POST", headers: { ...form, authorization: w.basic }, body: `token=${some.access_token}` });
    expect(await introspected.json()).toMatchObject({ active: true, scope: "photos:write", aud: [w.client.id, PHOTOS], sub: `client-${w.client.id}` });
  });

  test("a permission granted only for people is invalid_scope for the client itself", async () => {
    w = await makeOidcWorld();
    photosApi(["photos:write"], ["photos:read"]);
    const res = await w.token({ grant_type: "client_credentials", resource: PHOTOS, scope: "photos:write" });
    expect(await res.json()).toEqual({ error: "invalid_scope", error_description: 'The scope "photos:write" is not available for the requested resource.' });
  });
});

describe("hostile spellings of the resource at the token endpoint", () => {
  const notOurs = (r: string) => `The resource "${r.slice(0, 200)}" is not an API this client may obtain client_credentials tokens for.`;
  const malformed = (problem: string) => `The resource ${problem} (RFC 8707 2).`;
  // Matching is exact on the stored spelling (only trailing slashes are dropped): another spelling of the same
  // address is another resource, never a looser match.
  test.each([
    ["an upper-case host", "https://PHOTOS.example.com/api", notOurs("https://PHOTOS.example.com/api")],
    ["an upper-case scheme", "HTTPS://photos.example.com/api", notOurs("HTTPS://photos.example.com/api")],
    ["an upper-case path", "https://photos.example.com/API", notOurs("https://photos.example.com/API")],
    ["a dot segment", "https://photos.example.com/x/../api", notOurs("https://photos.example.com/x/../api")],
    ["an encoded dot segment", "https://photos.example.com/x/%2e%2e/api", notOurs("https://photos.example.com/x/%2e%2e/api")],
    ["a percent-encoded letter", "https://photos.example.com/%61pi", notOurs("https://photos.example.com/%61pi")],
    ["an encoded trailing slash", "https://photos.example.com/api%2F", notOurs("https://photos.example.com/api%2F")],
    ["a backslash", "https://photos.example.com\\api", notOurs("https://photos.example.com\\api")],
    ["userinfo", "https://user:pw@photos.example.com/api", notOurs("https://user:pw@photos.example.com/api")],
    ["a default port", "https://photos.example.com:443/api", notOurs("https://photos.example.com:443/api")],
    ["a query", "https://photos.example.com/api?x=1", notOurs("https://photos.example.com/api?x=1")],
    ["a longer path", "https://photos.example.com/api/admin", notOurs("https://photos.example.com/api/admin")],
    ["a prefix of the resource", "https://photos.example.com/ap", notOurs("https://photos.example.com/ap")],
    ["a look-alike host", "https://photos.example.com.evil.test/api", notOurs("https://photos.example.com.evil.test/api")],
    ["an empty fragment", `${PHOTOS}#`, malformed("must not contain a fragment (#…)")],
    ["a NUL", `${PHOTOS}\u0000`, malformed("must not contain whitespace or control characters")],
    ["a trailing newline", `${PHOTOS}\n`, malformed("must not contain whitespace or control characters")],
    ["a scheme alone", "https:", malformed("is not a valid URI")],
    // The URL parser reads this as https://api/: it must still not match.
    ["three slashes", "https:///api", notOurs("https:///api")],
    ["a scheme-relative URI", "//photos.example.com/api", malformed("must be an absolute URI (with a scheme, such as https://)")],
    ["a huge value", `${PHOTOS}/${"x".repeat(2100)}`, "The resource parameter is too long (at most 2048 characters)."],
    ["a long unknown value (quoted shortened)", `${PHOTOS}/${"x".repeat(2000)}`, notOurs(`${PHOTOS}/${"x".repeat(2000)}`)],
  ])("%s is invalid_target", async (_, resource, description) => {
    w = await makeOidcWorld();
    photosApi([], ["photos:read"]);
    const res = await w.token({ grant_type: "client_credentials", resource });
    expect(res.status).toBe(400);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ error: "invalid_target", error_description: description });
  });

  test("trailing slashes are not significant; an empty resource is no resource; a repeated one (even empty) is refused", async () => {
    w = await makeOidcWorld();
    photosApi([], ["photos:read"]);
    for (const resource of [`${PHOTOS}/`, `${PHOTOS}//`]) {
      const res = await w.token({ grant_type: "client_credentials", resource });
      expect(res.status).toBe(200);
      expect(decodeJwt(((await res.json()) as any).access_token).aud).toEqual([w.client.id, PHOTOS]);
    }
    const empty = await w.token({ grant_type: "client_credentials", resource: "" });
    expect(empty.status).toBe(200);
    expect(decodeJwt(((await empty.json()) as any).access_token).aud).not.toContain(PHOTOS);
    for (const body of [`resource=${encodeURIComponent(PHOTOS)}&resource=${encodeURIComponent(PHOTOS)}`, `resource=&resource=${encodeURIComponent(PHOTOS)}`, "resource=&resource="]) {
      const res = await w.call("/api/oidc/token", { method: "POST", headers: { ...form, authorization: w.basic }, body: `grant_type=client_credentials&${body}` });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "invalid_target", error_description: "Only one resource may be requested per token (RFC 8707): send the resource parameter once." });
    }
  });
});

describe("PAR, device flow and the consent page", () => {
  test("PAR: a malformed or repeated resource is a JSON invalid_target; a good one carries through to the token", async () => {
    w = await makeOidcWorld();
    photosApi();
    const push = (body: string) => w.call("/api/oidc/par", { method: "POST", headers: { ...form, authorization: w.basic }, body });
    const base = `response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}&scope=openid%20photos:read&code_challenge=${CHALLENGE}&code_challenge_method=S256`;
    const bad = await push(`${base}&resource=${encodeURIComponent(`${PHOTOS}#x`)}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toBe("invalid_target");
    const twice = await push(`${base}&resource=${encodeURIComponent(PHOTOS)}&resource=${encodeURIComponent(PHOTOS)}`);
    expect(((await twice.json()) as any).error).toBe("invalid_target");
    const ok = await push(`${base}&resource=${encodeURIComponent(PHOTOS)}`);
    expect(ok.status).toBe(201);
    const { request_uri } = (await ok.json()) as { request_uri: string };
    const res = await w.call(`/authorize?client_id=${w.client.id}&request_uri=${encodeURIComponent(request_uri)}`, { headers: { cookie: w.cookie } });
    const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
    const { body } = await exchange(code);
    expect(decodeJwt(body.access_token).aud).toEqual([w.client.id, w.deps.config.appUrl, PHOTOS]);
  });

  test("device flow: the resource is checked at the start, shown on /device, and stamped on the token", async () => {
    w = await makeOidcWorld();
    photosApi();
    const start = (body: string) => w.call("/api/oidc/device/authorize", { method: "POST", headers: { ...form, authorization: w.basic }, body });
    const bad = await start(`scope=openid&resource=${encodeURIComponent("https://unknown.example.com")}`);
    expect(((await bad.json()) as any).error).toBe("invalid_target");
    const started = (await (await start(`scope=openid%20photos:read&resource=${encodeURIComponent(PHOTOS)}`)).json()) as { device_code: string; user_code: string };
    const page = await (await w.call(`/device?code=${started.user_code}`, { headers: { cookie: w.cookie } })).text();
    expect(page).toContain("Access to Photos");
    expect(page).toContain("See your photos");
    expect(page).toContain("Lists and opens your albums");
    const info = (await (await w.call(`/api/oidc/device/info?code=${started.user_code}`, { headers: { cookie: w.cookie } })).json()) as any;
    expect(info.scope).toBe("openid photos:read");
    const csrf = /<meta name="csrf-token" content="([^"]*)"/.exec(page)![1]!;
    const approved = await w.call(`/api/oidc/device/verify?code=${started.user_code}`, { method: "POST", headers: { cookie: w.cookie, "x-csrf-token": csrf } });
    expect(approved.status).toBe(204);
    const token = (await (await w.token({ grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: started.device_code })).json()) as any;
    expect(token.scope).toBe("openid photos:read");
    expect(decodeJwt(token.access_token).aud).toEqual([w.client.id, w.deps.config.appUrl, PHOTOS]);
  });

  test("the consent page names the API and each permission; consent to one API's permission does not cover another", async () => {
    w = await makeOidcWorld({}, { consent: true });
    photosApi(["photos:read", "photos:write"]);
    const first = await w.authorizeLocation({ scope: "openid photos:read", resource: PHOTOS });
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(html).toContain("<strong>Access to Photos</strong>");
    expect(html).toContain(`Lets the application call ${PHOTOS} in your name.`);
    expect(html).toContain("<strong>See your photos</strong>");
    expect(html).toContain("Lists and opens your albums");
    expect(html).not.toContain("Change your photos");
    const interaction = /name="interaction" value="([^"]+)"/.exec(html)![1]!;
    const csrf = w.deps.db.query<{ csrf_token: string }, [string]>("SELECT csrf_token FROM sessions WHERE id = ?").get(w.sessionId)!.csrf_token;
    const allow = await w.call("/authorize/consent", { method: "POST", headers: { cookie: w.cookie, ...form }, body: `_csrf=${csrf}&interaction=${interaction}&decision=allow` });
    expect(allow.status).toBe(303);
    const resumed = await w.call(allow.headers.get("location")!, { headers: { cookie: w.cookie } });
    expect(new URL(resumed.headers.get("location")!).searchParams.get("code")).toBeTruthy();
    // The same request again: no screen; a further permission: asked again; the plain login stays covered.
    expect((await w.authorizeLocation({ scope: "openid photos:read", resource: PHOTOS })).status).toBe(303);
    expect((await w.authorizeLocation({ scope: "openid photos:read photos:write", resource: PHOTOS })).status).toBe(200);
    expect((await w.authorizeLocation({ scope: "openid" })).status).toBe(303);
    // Stored with Pocket ID's keys: the permission and the API itself, qualified by the audience.
    const consent = w.deps.db.query<{ scope: string }, []>("SELECT scope FROM user_authorized_oidc_clients").get()!;
    expect(JSON.parse(consent.scope)).toEqual(["openid", `${PHOTOS}\x1fphotos:read`, `${PHOTOS}\x1f`]);
  });

  test("the Basic-authenticated client is the one whose grants count", async () => {
    w = await makeOidcWorld();
    const other = createClient(w.deps, CLI_ACTOR, { name: "Other", callbackUrls: [CALLBACK], unrestricted: true });
    photosApi([], ["photos:read"], other.client.id);
    const res = await w.token({ grant_type: "client_credentials", resource: PHOTOS }, { basic: basicAuth(w.client.id, w.secret) });
    expect(((await res.json()) as any).error).toBe("invalid_target");
    const theirs = await w.token({ grant_type: "client_credentials", resource: PHOTOS }, { basic: basicAuth(other.client.id, other.secret!.secret) });
    expect(theirs.status).toBe(200);
  });
});

describe("clients registered from a metadata document (Pocket ID's opt-in)", () => {
  test("an API open to them grants people's tokens with the selected permissions; never client_credentials; off means nothing", async () => {
    w = await makeOidcWorld();
    const { api, ids } = photosApi([], null, w.client.id);
    const cimdId = "https://app.example.org/client.json";
    saveClientMetadata(
      w.deps.db,
      cimdId,
      { name: "Doc app", callbackUrls: [CALLBACK], logoutCallbackUrls: [], isPublic: true, tokenEndpointAuthMethod: "client_secret_basic", jwks: null, grantTypes: ["authorization_code"], expiresAt: 9_999_999_999 },
      1,
    );
    const resolve = (scopes: string[], subject: "user" | "client" = "user") => resolveResource(w.deps.db, cimdId, PHOTOS, scopes, subject);
    expect(() => resolve(["openid"])).toThrow(`The resource "${PHOTOS}" is not an API this client may request tokens for.`);
    setApiCimdAccess(w.deps, CLI_ACTOR, api.id, { enabled: true, permissionIds: [ids["photos:read"]] });
    expect(resolve(["openid", "photos:read"]).permissionKeys).toEqual(["photos:read"]);
    expect(() => resolve(["photos:write"])).toThrow('The scope "photos:write" is not available for the requested resource.');
    expect(() => resolve([], "client")).toThrow("client_credentials");
    // Without the resource, its permission names something only the API's resource can grant.
    expect(() => resolveResource(w.deps.db, cimdId, null, ["openid", "photos:read"], "user")).toThrow("is a permission of an API");
    // A standard client is not covered by the opt-in.
    expect(() => resolveResource(w.deps.db, w.client.id, PHOTOS, ["photos:read"], "user")).toThrow("is not available for the requested resource");
    // Switched off, the selection is kept but grants nothing.
    setApiCimdAccess(w.deps, CLI_ACTOR, api.id, { enabled: false, permissionIds: [ids["photos:read"]] });
    expect(() => resolve(["openid"])).toThrow("is not an API this client may request tokens for");
    expect(listPermissionsOfApi(w.deps.db, api.id).find((p) => p.key === "photos:read")!.allowedForCimdClients).toBe(true);
  });
});
