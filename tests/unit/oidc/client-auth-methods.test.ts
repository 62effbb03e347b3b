/**
 * token_endpoint_auth_method is enforced per client at every endpoint that authenticates clients
 * (issue 17, finding 9): token, introspection, revocation, PAR and device authorization.
 * Rule: a public client uses `none` only (no secret, though a Basic header with an empty secret counts as
 * none); a client without a chosen method accepts client_secret_basic and client_secret_post (Pocket ID's
 * behaviour); a chosen secret method is the only one accepted; private_key_jwt clients use assertions only
 * and have no secret. Refusals are invalid_client, 401, WWW-Authenticate: Basic, Cache-Control: no-store.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { App } from "../../../src/app.ts";
import { createClient, updateClient } from "../../../src/admin/oidc-clients.ts";
import { createClientSecret } from "../../../src/oidc/client-secrets.ts";
import { findClientById } from "../../../src/oidc/clients.ts";
import { type ClientInput } from "../../../src/oidc/client-input.ts";
import { apiReq, json, makeAdminFixture, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { basicAuth, CALLBACK, CHALLENGE } from "../../helpers/oidc-flow.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let admin: AdminFixture;
let key: CryptoKey;
const clients: Record<string, { id: string; secret: string }> = {};

const base: ClientInput = { name: "x", callbackUrls: [CALLBACK], unrestricted: true, skipConsent: true };

beforeAll(async () => {
  ({ app, deps } = await makeTestApp({ DISABLE_RATE_LIMITING: "true" }));
  admin = makeAdminFixture(deps);
  const pair = await generateKeyPair("ES256");
  key = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256" };
  const make = (name: string, input: Partial<ClientInput>) => {
    const { client, secret } = createClient(deps, CLI_ACTOR, { ...base, id: name, name, ...input });
    clients[name] = { id: client.id, secret: secret?.secret ?? "" };
  };
  make("either", {});
  make("basic", { tokenEndpointAuthMethod: "client_secret_basic" });
  make("post", { tokenEndpointAuthMethod: "client_secret_post" });
  make("public", { isPublic: true });
  // A client that had a secret, then switched to private_key_jwt: the old secret must be useless.
  make("signed", {});
  updateClient(deps, CLI_ACTOR, "signed", { ...base, name: "signed", tokenEndpointAuthMethod: "private_key_jwt", jwks: JSON.stringify({ keys: [jwk] }) });
});
afterAll(() => deps.cleanup());

type Way = "basic" | "post" | "none" | "basic-empty" | "assertion" | "basic-wrong" | "post-wrong";

async function credentials(client: string, way: Way): Promise<{ headers: Record<string, string>; body: Record<string, string> }> {
  const { id, secret } = clients[client]!;
  const s = secret || "not-a-real-secret-0123456789abcdef";
  switch (way) {
    case "basic":
      return { headers: { authorization: basicAuth(id, s) }, body: {} };
    case "basic-wrong":
      return { headers: { authorization: basicAuth(id, s + "x") }, body: {} };
    case "basic-empty":
      return { headers: { authorization: basicAuth(id, "") }, body: {} };
    case "post":
      return { headers: {}, body: { client_id: id, client_secret: s } };
    case "post-wrong":
      return { headers: {}, body: { client_id: id, client_secret: s + "x" } };
    case "none":
      return { headers: {}, body: { client_id: id } };
    case "assertion": {
      const now = Math.floor(deps.clock.now() / 1000);
      const jwt = await new SignJWT({ iss: id, sub: id, aud: deps.config.appUrl, jti: crypto.randomUUID(), iat: now, exp: now + 60 })
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .sign(key);
      return { headers: {}, body: { client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: jwt } };
    }
  }
}

/** Each endpoint with a request that gets past client authentication to a known answer. */
const ENDPOINTS: { path: string; body: Record<string, string>; ok: number; publicAllowed: boolean }[] = [
  { path: "/api/oidc/token", body: { grant_type: "authorization_code", code: "not-a-code", redirect_uri: CALLBACK, code_verifier: "v".repeat(43) }, ok: 400, publicAllowed: true },
  { path: "/api/oidc/introspect", body: { token: "not-a-token" }, ok: 200, publicAllowed: false },
  { path: "/api/oidc/revoke", body: { token: "not-a-token" }, ok: 200, publicAllowed: true },
  { path: "/api/oidc/par", body: { response_type: "code", redirect_uri: CALLBACK, scope: "openid", code_challenge: CHALLENGE, code_challenge_method: "S256" }, ok: 201, publicAllowed: true },
  { path: "/api/oidc/device/authorize", body: { scope: "openid" }, ok: 200, publicAllowed: true },
];

/** [client, way, accepted?, part of the refusal's description] */
const TABLE: [string, Way, boolean, string][] = [
  ["either", "basic", true, ""],
  ["either", "post", true, ""],
  ["either", "none", false, "must authenticate with its client secret"],
  ["either", "basic-wrong", false, "wrong secret"],
  ["either", "post-wrong", false, "wrong secret"],
  ["either", "assertion", false, "not set up for private_key_jwt"],
  ["basic", "basic", true, ""],
  ["basic", "post", false, "registered for client_secret_basic"],
  ["basic", "none", false, "must authenticate with its client secret"],
  ["basic", "assertion", false, "not set up for private_key_jwt"],
  ["post", "post", true, ""],
  ["post", "basic", false, "registered for client_secret_post"],
  ["post", "basic-empty", false, "registered for client_secret_post"],
  ["post", "none", false, "must authenticate with its client secret"],
  ["signed", "assertion", true, ""],
  ["signed", "basic", false, "registered for private_key_jwt"],
  ["signed", "post", false, "registered for private_key_jwt"],
  ["signed", "none", false, "send a client_assertion"],
  ["public", "none", true, ""],
  ["public", "basic-empty", true, ""],
  ["public", "basic", false, "public client"],
  ["public", "post", false, "public client"],
  ["public", "assertion", false, "Public clients cannot authenticate with a client assertion"],
];

describe("every endpoint that authenticates clients enforces the client's method", () => {
  for (const endpoint of ENDPOINTS) {
    test(endpoint.path, async () => {
      for (const [client, way, accepted, text] of TABLE) {
        const { headers, body } = await credentials(client, way);
        const form = new URLSearchParams({ ...endpoint.body, ...body });
        const res = await app.handle(
          new Request(`${deps.config.appUrl}${endpoint.path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: form.toString() }),
          "192.0.2.7",
        );
        const what = `${endpoint.path} ${client} ${way}`;
        const wantOk = accepted && (client !== "public" || endpoint.publicAllowed);
        if (wantOk) {
          expect([what, res.status]).toEqual([what, endpoint.ok]);
          if (res.status === 400) expect(((await res.json()) as { error: string }).error).not.toBe("invalid_client");
          continue;
        }
        expect([what, res.status, res.headers.get("www-authenticate"), res.headers.get("cache-control")]).toEqual([what, 401, 'Basic realm="latchkey"', "no-store"]);
        const err = (await res.json()) as { error: string; error_description: string };
        expect([what, err.error]).toEqual([what, "invalid_client"]);
        const expected = client === "public" && !endpoint.publicAllowed && way !== "assertion" ? "Public clients cannot use this endpoint" : text;
        expect([what, err.error_description.includes(expected)]).toEqual([what, true]);
      }
    });
  }
});

describe("a private_key_jwt client has no usable secret", () => {
  test("switching to private_key_jwt deleted its secrets; creating one is refused with a precise message", async () => {
    expect(deps.db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM oidc_client_secrets WHERE client_id = ?").get("signed")!.n).toBe(0);
    expect(() => createClientSecret(deps, CLI_ACTOR, "signed")).toThrow("authenticates with private_key_jwt and cannot use a secret");
    const api = await json(app, apiReq(deps, admin.admin.key, "POST", "/api/oidc/clients/signed/secrets", {}));
    expect(api.status).toBe(400);
    expect(api.body.message).toContain("authenticates with private_key_jwt and cannot use a secret");
  });

  test("the admin page offers no secret for it; the form shows each client's method", async () => {
    const signed = await (await app.handle(pageReq(deps, admin.admin, "GET", "/settings/admin/oidc-clients/signed"))).text();
    expect(signed).toContain("authenticates with private_key_jwt, so it has no secrets");
    expect(signed).not.toContain("Create secret");
    for (const [id, value] of [["either", "client_secret"], ["basic", "client_secret_basic"], ["post", "client_secret_post"], ["signed", "private_key_jwt"]]) {
      const html = await (await app.handle(pageReq(deps, admin.admin, "GET", `/settings/admin/oidc-clients/${id}`))).text();
      expect([id, /<option value="([a-z_]+)" selected/.exec(html)?.[1]]).toEqual([id, value]);
    }
  });

  test("creating a private_key_jwt client returns no secret", async () => {
    const jwks = findClientById(deps.db, "signed")!.jwks;
    const res = await json(app, apiReq(deps, admin.admin.key, "POST", "/api/oidc/clients", { name: "Signed 2", callbackURLs: [CALLBACK], tokenEndpointAuthMethod: "private_key_jwt", jwks: JSON.parse(jwks!) }));
    expect(res.status).toBe(201);
    expect(res.body.secret).toBeUndefined();
    expect(res.body.tokenEndpointAuthMethods).toEqual(["private_key_jwt"]);
    expect(deps.db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM oidc_client_secrets WHERE client_id = ?").get(res.body.id)!.n).toBe(0);
  });
});

describe("the admin API shows and sets the method", () => {
  test("null means either secret method, and survives a GET → PUT round trip", async () => {
    const either = await json(app, apiReq(deps, admin.admin.key, "GET", "/api/oidc/clients/either"));
    expect([either.body.tokenEndpointAuthMethod, either.body.tokenEndpointAuthMethods]).toEqual([null, ["client_secret_basic", "client_secret_post"]]);
    const put = await json(app, apiReq(deps, admin.admin.key, "PUT", "/api/oidc/clients/either", either.body));
    expect(put.status).toBe(200);
    expect(put.body.tokenEndpointAuthMethods).toEqual(["client_secret_basic", "client_secret_post"]);
    const basic = await json(app, apiReq(deps, admin.admin.key, "GET", "/api/oidc/clients/basic"));
    expect([basic.body.tokenEndpointAuthMethod, basic.body.tokenEndpointAuthMethods]).toEqual(["client_secret_basic", ["client_secret_basic"]]);
    const pub = await json(app, apiReq(deps, admin.admin.key, "GET", "/api/oidc/clients/public"));
    expect([pub.body.tokenEndpointAuthMethod, pub.body.tokenEndpointAuthMethods]).toEqual(["none", ["none"]]);
    expect((await json(app, apiReq(deps, admin.admin.key, "PUT", "/api/oidc/clients/public", pub.body))).status).toBe(200);
  });

  test("unknown methods and none for a confidential client are refused with field messages", async () => {
    const either = (await json(app, apiReq(deps, admin.admin.key, "GET", "/api/oidc/clients/either"))).body;
    for (const [method, text] of [["none", "“none” is for public clients"], ["tls_client_auth", "Choose client_secret_basic"], ["constructor", "Choose client_secret_basic"], ["CLIENT_SECRET_BASIC", "Choose client_secret_basic"]] as const) {
      const res = await json(app, apiReq(deps, admin.admin.key, "PUT", "/api/oidc/clients/either", { ...either, tokenEndpointAuthMethod: method }));
      expect([method, res.status]).toEqual([method, 400]);
      expect(res.body.fields.tokenEndpointAuthMethod).toContain(text);
    }
  });
});
