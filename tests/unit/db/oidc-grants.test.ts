/**
 * src/db/oidc-grants.ts and src/db/oidc-protocols.ts map rows to typed values and back
 * (issue 21 step 1): amr and consented scopes as lists, camelCase fields, null for not found; amr is parsed
 * only when read, so the paths that never read it (replay, revocation, introspection) never parse it.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { insertClient, type OidcClientSettings } from "../../../src/db/oidc-clients.ts";
import {
  findAuthorizedClient,
  findGrant,
  findLiveInteraction,
  findRefreshToken,
  findUsableAuthorizationCode,
  insertAuthorizationCode,
  insertGrant,
  insertInteraction,
  insertRefreshToken,
  upsertAuthorizedClient,
  useRefreshToken,
} from "../../../src/db/oidc-grants.ts";
import {
  claimDueBackchannelLogouts,
  consumeApprovedDeviceCode,
  consumePushedRequest,
  decideDeviceCode,
  findBackchannelStatus,
  findClientAccessToken,
  findDeviceCodeByUserCode,
  insertClientAccessToken,
  insertDeviceCode,
  insertPushedRequest,
  recordBackchannelFailure,
  recordBackchannelSuccess,
} from "../../../src/db/oidc-protocols.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
beforeEach(() => {
  deps = makeTestDeps();
  deps.db.query("INSERT INTO users (id, username, created_at, updated_at) VALUES ('u1', 'alice', 1, 1)").run();
  const settings: OidcClientSettings = {
    name: "App",
    description: "",
    callbackUrls: ["https://app.example/cb"],
    logoutCallbackUrls: [],
    launchUrl: null,
    isPublic: true,
    pkceEnabled: true,
    requiresReauthentication: false,
    skipConsent: false,
    unrestricted: true,
    accessTokenDurationMinutes: 60,
    refreshTokenDurationMinutes: 600,
    requirePar: false,
    backchannelLogoutUri: null,
    tokenEndpointAuthMethod: "client_secret_basic",
    tokenEndpointAuthMethodFixed: false,
    jwks: null,
    jwksUri: null,
    credentialsScopes: [],
  };
  insertClient(deps.db, { ...settings, id: "c1", createdById: null, createdAt: 1, updatedAt: 1 });
});
afterEach(() => deps.cleanup());

test("codes and grants: amr is a list, parsed on first read only", () => {
  const code = {
    codeHash: "h1",
    clientId: "c1",
    userId: "u1",
    sessionId: null,
    redirectUri: "https://app.example/cb",
    scope: "openid email",
    nonce: "n",
    codeChallenge: null,
    codeChallengeMethod: null,
    authTime: 90,
    amr: ["phr", "user"],
    createdAt: 100,
    expiresAt: 160,
    resource: "https://api.example.com",
  };
  insertAuthorizationCode(deps.db, code);
  expect(deps.db.query<{ amr: string }, []>("SELECT amr FROM oidc_authorization_codes").get()!.amr).toBe('["phr","user"]');
  expect({ ...findUsableAuthorizationCode(deps.db, "h1", "c1") }).toEqual(code);
  expect(findUsableAuthorizationCode(deps.db, "h1", "other")).toBeNull();

  const grant = { id: "g1", clientId: "c1", userId: "u1", sessionId: null, scope: "openid", authTime: 90, amr: ["phr"], createdAt: 100, resource: null };
  insertGrant(deps.db, grant);
  expect({ ...findGrant(deps.db, "g1") }).toEqual(grant);
  expect(findGrant(deps.db, "nope")).toBeNull();

  // Unreadable amr: none, never an exception on the token endpoint.
  deps.db.query("UPDATE oidc_grants SET amr = 'not json'").run();
  const spy = JSON.parse;
  let parses = 0;
  JSON.parse = ((...a: Parameters<typeof JSON.parse>) => (parses++, spy(...a))) as typeof JSON.parse;
  try {
    const lazy = findGrant(deps.db, "g1")!;
    expect(parses).toBe(0);
    expect(lazy.amr).toEqual([]);
    expect(lazy.amr).toEqual([]);
    expect(parses).toBe(1);
  } finally {
    JSON.parse = spy;
  }
});

test("refresh tokens: camelCase, used once", () => {
  insertGrant(deps.db, { id: "g1", clientId: "c1", userId: "u1", sessionId: null, scope: "openid", authTime: 90, amr: [], createdAt: 100, resource: null });
  const token = { tokenHash: "r1", grantId: "g1", clientId: "c1", scope: "openid", createdAt: 100, expiresAt: 900, dpopJkt: null };
  insertRefreshToken(deps.db, token);
  expect(findRefreshToken(deps.db, "r1")).toEqual({ ...token, usedAt: null });
  expect(useRefreshToken(deps.db, "r1", 200)).toEqual({ ...token, usedAt: 200 });
  expect(useRefreshToken(deps.db, "r1", 201)).toBeNull();
  expect(findRefreshToken(deps.db, "r2")).toBeNull();
});

test("consents keep their scopes as a list; interactions their parameters as a record", () => {
  upsertAuthorizedClient(deps.db, { userId: "u1", clientId: "c1", scopes: ["openid", "email"], createdAt: 1, lastUsedAt: 2 });
  upsertAuthorizedClient(deps.db, { userId: "u1", clientId: "c1", scopes: ["openid"], createdAt: 5, lastUsedAt: 6 });
  expect(findAuthorizedClient(deps.db, "u1", "c1")).toEqual({ userId: "u1", clientId: "c1", scopes: ["openid"], createdAt: 1, lastUsedAt: 6 });
  expect(findAuthorizedClient(deps.db, "u1", "c2")).toBeNull();

  const interaction = { id: "i1", clientId: "c1", params: { client_id: "c1", scope: "openid" }, consentedBy: null, createdAt: 10, expiresAt: 20 };
  insertInteraction(deps.db, interaction);
  expect({ ...findLiveInteraction(deps.db, "i1", 19) }).toEqual(interaction);
  expect(findLiveInteraction(deps.db, "i1", 20)).toBeNull();
});

test("device codes: the decision's amr is a list; consumed once", () => {
  insertDeviceCode(deps.db, {
    deviceCodeHash: "d1",
    userCode: "BCDFGHJK",
    clientId: "c1",
    scope: "openid",
    status: "pending",
    userId: null,
    authTime: null,
    amr: null,
    intervalSeconds: 5,
    lastPolledAt: null,
    createdAt: 10,
    expiresAt: 100,
    resource: null,
  });
  expect(findDeviceCodeByUserCode(deps.db, "BCDFGHJK")).toMatchObject({ status: "pending", amr: null, userId: null });
  expect(decideDeviceCode(deps.db, "BCDFGHJK", 20, { status: "approved", userId: "u1", authTime: 15, amr: ["phr"] })).toBe(true);
  expect(consumeApprovedDeviceCode(deps.db, "d1", "c1")).toMatchObject({ deviceCodeHash: "d1", status: "approved", userId: "u1", authTime: 15, amr: ["phr"] });
  expect(consumeApprovedDeviceCode(deps.db, "d1", "c1")).toBeNull();
});

test("pushed requests: parameters as a record, consumed once by their client", () => {
  const pushed = { requestUriHash: "p1", clientId: "c1", params: { response_type: "code", scope: "openid" }, createdAt: 10, expiresAt: 100 };
  insertPushedRequest(deps.db, pushed);
  expect(consumePushedRequest(deps.db, "p1", "other")).toBeNull();
  expect({ ...consumePushedRequest(deps.db, "p1", "c1") }).toEqual(pushed);
  expect(consumePushedRequest(deps.db, "p1", "c1")).toBeNull();
});

test("client_credentials tokens and back-channel logout notices and status read as values", () => {
  insertClientAccessToken(deps.db, { jti: "j1", clientId: "c1", scope: "api", createdAt: 1, expiresAt: 2, resource: "https://api.example.com" });
  expect(findClientAccessToken(deps.db, "j1")).toEqual({ jti: "j1", clientId: "c1", scope: "api", createdAt: 1, expiresAt: 2, resource: "https://api.example.com" });
  expect(findClientAccessToken(deps.db, "j2")).toBeNull();

  deps.db.query("INSERT INTO oidc_backchannel_logouts (client_id, user_id, sid) VALUES ('c1', 'u1', 's1')").run();
  expect(claimDueBackchannelLogouts(deps.db, 10, 70, 5, "instance-a")).toEqual([
    { id: 1, clientId: "c1", userId: "u1", sid: "s1", attempts: 0, nextAttemptAt: 70, lastError: null, claimedBy: "instance-a" },
  ]);
  expect(findBackchannelStatus(deps.db, "c1")).toBeNull();
  recordBackchannelSuccess(deps.db, "c1", 20);
  recordBackchannelFailure(deps.db, "c1", 30, "HTTP 500", true);
  expect(findBackchannelStatus(deps.db, "c1")).toEqual({ lastSuccessAt: 20, lastFailureAt: 30, lastError: "HTTP 500", deliveredCount: 1, failedCount: 1 });
});
