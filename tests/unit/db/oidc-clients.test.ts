/**
 * src/db/oidc-clients.ts maps rows to typed values and back (issue 21 step 1: nothing above src/db/ sees a
 * row): booleans, parsed URL and scope lists, the inverted group restriction, null for not found.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import {
  clientExists,
  findClient,
  findClientSecretByHash,
  hasLiveClientSecretHash,
  insertClient,
  insertClientSecret,
  listAllClients,
  listClientSecretsOf,
  replaceAllowedGroups,
  updateClientSettings,
  type OidcClientSettings,
} from "../../../src/db/oidc-clients.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
beforeEach(() => {
  deps = makeTestDeps();
});
afterEach(() => deps.cleanup());

const settings: OidcClientSettings = {
  name: "Wiki",
  description: "the wiki",
  callbackUrls: ["https://wiki.example/cb", "https://wiki.example/cb2"],
  logoutCallbackUrls: ["https://wiki.example/bye"],
  launchUrl: "https://wiki.example/",
  isPublic: false,
  pkceEnabled: true,
  requiresReauthentication: false,
  skipConsent: true,
  unrestricted: true,
  accessTokenDurationMinutes: 30,
  refreshTokenDurationMinutes: 600,
  requirePar: true,
  backchannelLogoutUri: null,
  tokenEndpointAuthMethod: "client_secret_post",
  tokenEndpointAuthMethodFixed: true,
  jwks: null,
  jwksUri: null,
  credentialsScopes: ["wiki:read"],
};

test("a client reads back as the typed value it was written as", () => {
  insertClient(deps.db, { ...settings, id: "wiki", createdById: null, createdAt: 100, updatedAt: 100 });
  const client = findClient(deps.db, "wiki")!;
  expect({ ...client }).toEqual({
    ...settings,
    id: "wiki",
    hasLogo: false,
    hasDarkLogo: false,
    allowedGroupIds: [],
    createdById: null,
    createdAt: 100,
    updatedAt: 100,
    clientType: "standard",
    metadataExpiresAt: null,
    metadataGrantTypes: [],
  });
  // The stored columns are SQLite's: 0/1 integers, JSON text, and the restriction stored inverted.
  const row = deps.db.query<Record<string, unknown>, []>("SELECT is_public, pkce_enabled, is_group_restricted, callback_urls FROM oidc_clients").get()!;
  expect(row).toEqual({ is_public: 0, pkce_enabled: 1, is_group_restricted: 0, callback_urls: '["https://wiki.example/cb","https://wiki.example/cb2"]' });

  expect(updateClientSettings(deps.db, "wiki", { ...settings, unrestricted: false, isPublic: true, callbackUrls: [] }, 200)).toBe(true);
  expect(findClient(deps.db, "wiki")).toMatchObject({ unrestricted: false, isPublic: true, callbackUrls: [], createdAt: 100, updatedAt: 200 });
  expect(updateClientSettings(deps.db, "nope", settings, 200)).toBe(false);
});

test("not found is null; unreadable stored values fall back instead of leaking", () => {
  expect(findClient(deps.db, "nope")).toBeNull();
  expect(clientExists(deps.db, "nope")).toBe(false);
  insertClient(deps.db, { ...settings, id: "old", createdById: null, createdAt: 1, updatedAt: 1 });
  expect(clientExists(deps.db, "old")).toBe(true);
  deps.db.query("UPDATE oidc_clients SET callback_urls = 'not json', credentials_scopes = '{\"a\":1}'").run();
  expect(findClient(deps.db, "old")).toMatchObject({ callbackUrls: [], credentialsScopes: [] });
});

test("allowed groups: read on first use by findClient, with every client by listAllClients", () => {
  deps.db.query("INSERT INTO user_groups (id, name, friendly_name, created_at, updated_at) VALUES ('g1', 'staff', 'Staff', 1, 1)").run();
  insertClient(deps.db, { ...settings, id: "wiki", createdById: null, createdAt: 1, updatedAt: 1 });
  const before = findClient(deps.db, "wiki")!;
  replaceAllowedGroups(deps.db, "wiki", ["g1"]);
  // Lazy: the groups are those at the first read of the field.
  expect(before.allowedGroupIds).toEqual(["g1"]);
  expect(listAllClients(deps.db).map((c) => [c.id, c.allowedGroupIds])).toEqual([["wiki", ["g1"]]]);
});

test("secrets are written and read as values", () => {
  insertClient(deps.db, { ...settings, id: "wiki", createdById: null, createdAt: 1, updatedAt: 1 });
  const secret = { id: "s1", clientId: "wiki", hash: "sha256:ab", prefix: "abcd", createdAt: 10, expiresAt: 50 };
  insertClientSecret(deps.db, secret);
  expect(listClientSecretsOf(deps.db, "wiki")).toEqual([secret]);
  expect(findClientSecretByHash(deps.db, "sha256:ab")).toEqual(secret);
  expect(findClientSecretByHash(deps.db, "sha256:cd")).toBeNull();
  expect(hasLiveClientSecretHash(deps.db, "wiki", "sha256:ab", 49)).toBe(true);
  expect(hasLiveClientSecretHash(deps.db, "wiki", "sha256:ab", 50)).toBe(false);
});
