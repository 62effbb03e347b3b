/**
 * Resource indicators (RFC 8707) against npm openid-client v6 over real HTTP: a relying party asks for a token
 * for an admin-defined API, and a resource server verifies it the way it would (jose against the JWKS, audience
 * = the API). Then refresh, client_credentials and introspection with the same library, and the refusals it
 * sees for a permission or an API it was not granted.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as client from "openid-client";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createApi, setApiPermissions, setClientApiAccess } from "../../src/admin/apis.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { listPermissionsOfApi } from "../../src/db/apis.ts";
import { insertTestUser, signIn } from "../helpers/oidc-fixtures.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const PHOTOS = "https://photos.example.com/api";
const CALLBACK = "https://gallery.example.com/callback";

let server: TestServer;
let cookie: string;
let config: client.Configuration;

beforeAll(async () => {
  server = await startTestServer();
  const user = insertTestUser(server.deps, { username: "alice", email: "alice@example.com" });
  cookie = signIn(server.deps, user.id).cookie;
  const { client: c, secret } = createClient(server.deps, CLI_ACTOR, { name: "Gallery", callbackUrls: [CALLBACK], unrestricted: true, skipConsent: true });
  const api = createApi(server.deps, CLI_ACTOR, { name: "Photos", resource: PHOTOS });
  setApiPermissions(server.deps, CLI_ACTOR, api.id, {
    permissions: [
      { key: "photos:read", name: "See your photos" },
      { key: "photos:write", name: "Change your photos" },
      { key: "photos:sync", name: "Sync the library" },
    ],
  });
  const ids = Object.fromEntries(listPermissionsOfApi(server.deps.db, api.id).map((p) => [p.key, p.id]));
  setClientApiAccess(server.deps, CLI_ACTOR, api.id, c.id, { userDelegatedPermissionIds: [ids["photos:read"]], clientPermissionIds: [ids["photos:sync"]] });
  config = await client.discovery(new URL(server.url), c.id, secret!.secret, client.ClientSecretBasic(secret!.secret), { execute: [client.allowInsecureRequests] });
});
afterAll(async () => {
  await server.stop();
});

async function authorize(params: Record<string, string>): Promise<{ callback: URL; verifier: string; state: string }> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    ...params,
  });
  const res = await fetch(url, { redirect: "manual", headers: { cookie } });
  expect(res.status).toBe(303);
  return { callback: new URL(res.headers.get("location")!), verifier, state };
}

test("a token for the API: the resource server verifies aud and reads the granted permission; refresh keeps both", async () => {
  const { callback, verifier, state } = await authorize({ scope: "openid photos:read", resource: PHOTOS, nonce: "n" });
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: "n" }, { resource: PHOTOS });
  expect(tokens.scope).toBe("openid photos:read");
  const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: server.url, audience: PHOTOS, typ: "at+jwt" });
  expect(protectedHeader.typ).toBe("at+jwt");
  expect(payload.scope).toBe("openid photos:read");
  expect(payload.aud).toContain(PHOTOS);

  const introspected = await client.tokenIntrospection(config, tokens.access_token);
  expect(introspected).toMatchObject({ active: true, scope: "openid photos:read", aud: expect.arrayContaining([PHOTOS]) });

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
  expect(refreshed.scope).toBe("openid photos:read");
  expect((await jwtVerify(refreshed.access_token, jwks, { issuer: server.url, audience: PHOTOS })).payload.scope).toBe("openid photos:read");
});

test("client_credentials for the API gets the permissions granted to the client itself", async () => {
  const tokens = await client.clientCredentialsGrant(config, { resource: PHOTOS });
  expect(tokens.scope).toBe("photos:sync");
  const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: server.url, audience: PHOTOS });
  expect(payload.sub).toBe(`client-${config.clientMetadata().client_id}`);
});

test("the library sees invalid_scope for a permission not granted and invalid_target for an unknown API", async () => {
  const notGranted = await authorize({ scope: "openid photos:write", resource: PHOTOS });
  expect(notGranted.callback.searchParams.get("error")).toBe("invalid_scope");
  const unknown = await authorize({ scope: "openid", resource: "https://unknown.example.com" });
  expect(unknown.callback.searchParams.get("error")).toBe("invalid_target");
  // openid-client turns the callback's error into an AuthorizationResponseError with the code.
  const err = await client.authorizationCodeGrant(config, unknown.callback, { pkceCodeVerifier: unknown.verifier, expectedState: unknown.state }).catch((e) => e);
  expect(err).toBeInstanceOf(client.AuthorizationResponseError);
  expect((err as client.AuthorizationResponseError).error).toBe("invalid_target");
  const cc = await client.clientCredentialsGrant(config, { resource: "https://unknown.example.com" }).catch((e) => e);
  expect(cc).toBeInstanceOf(client.ResponseBodyError);
  expect((cc as client.ResponseBodyError).error).toBe("invalid_target");
});
