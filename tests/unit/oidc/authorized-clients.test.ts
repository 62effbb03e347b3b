import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createUser } from "../../../src/admin/users.ts";
import { findAuthorizedClient, upsertAuthorizedClient } from "../../../src/db/oidc-grants.ts";
import { findConsentedScopes, recordConsent } from "../../../src/oidc/authorized-clients.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
let userId: string;
let clientId: string;

beforeEach(() => {
  deps = makeTestDeps();
  userId = createUser(deps, { username: "ada", email: "ada@example.com", firstName: "Ada", lastName: "L" }).id;
  clientId = createClient(deps, CLI_ACTOR, { name: "Wiki", callbackUrls: ["https://wiki.example.com/cb"], unrestricted: true }).client.id;
});
afterEach(() => deps.cleanup());

describe("recordConsent", () => {
  test("the first consent is new and stores the scopes; later ones add to them and keep the first date", () => {
    expect(findConsentedScopes(deps.db, userId, clientId)).toBeNull();
    expect(recordConsent(deps.db, { userId, clientId, scopes: ["openid", "email"], now: 100 })).toEqual({ isNew: true });
    expect(findConsentedScopes(deps.db, userId, clientId)).toEqual(["openid", "email"]);

    expect(recordConsent(deps.db, { userId, clientId, scopes: ["openid", "profile"], now: 200 })).toEqual({ isNew: false });
    expect(findConsentedScopes(deps.db, userId, clientId)).toEqual(["openid", "email", "profile"]);
    const row = findAuthorizedClient(deps.db, userId, clientId)!;
    expect([row.createdAt, row.lastUsedAt]).toEqual([100, 200]);
  });

  test("a stored list that is not JSON counts as no scopes", () => {
    // Written by hand: src/db/ only ever stores a JSON list.
    deps.db.query("INSERT INTO user_authorized_oidc_clients (user_id, client_id, scope, created_at, last_used_at) VALUES (?, ?, 'openid email', 1, 1)").run(userId, clientId);
    expect(findConsentedScopes(deps.db, userId, clientId)).toEqual([]);
    expect(recordConsent(deps.db, { userId, clientId, scopes: ["openid"], now: 5 })).toEqual({ isNew: false });
    expect(findConsentedScopes(deps.db, userId, clientId)).toEqual(["openid"]);
  });
});
