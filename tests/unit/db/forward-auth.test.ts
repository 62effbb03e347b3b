/**
 * src/db/protected-apps.ts and src/db/forward-auth-sessions.ts map rows to typed values and back (issue 21
 * step 1): hosts and headers as lists, the re-authentication age in minutes (seconds in the column), the
 * identity's amr and sorted groups as lists, handshake codes single use, null for not found.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { consumeForwardAuthCode, findForwardAuthIdentity, insertForwardAuthCode, insertForwardAuthSession } from "../../../src/db/forward-auth-sessions.ts";
import {
  deleteProtectedAppById,
  findProtectedAppById,
  insertProtectedApp,
  listAllProtectedApps,
  listGroupBriefs,
  updateProtectedAppSettings,
  type ProtectedApp,
} from "../../../src/db/protected-apps.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
beforeEach(() => {
  deps = makeTestDeps();
});
afterEach(() => deps.cleanup());

const app: ProtectedApp = {
  id: "a1",
  name: "Sonarr",
  hosts: ["sonarr.example.com", "*.tv.example.com"],
  pathPrefix: "/",
  isGroupRestricted: true,
  reauthMaxAgeMinutes: 15,
  passHeaders: ["Remote-User", "Remote-Groups"],
  createdAt: 1,
  updatedAt: 2,
};

test("protected apps read back as the values they were written as", () => {
  insertProtectedApp(deps.db, app);
  expect(deps.db.query<Record<string, unknown>, []>("SELECT hosts, is_group_restricted, reauth_max_age FROM protected_apps").get()).toEqual({
    hosts: '["sonarr.example.com","*.tv.example.com"]',
    is_group_restricted: 1,
    reauth_max_age: 900,
  });
  expect(findProtectedAppById(deps.db, "a1")).toEqual(app);
  updateProtectedAppSettings(deps.db, { ...app, isGroupRestricted: false, reauthMaxAgeMinutes: null, createdAt: 99, updatedAt: 3 });
  expect(listAllProtectedApps(deps.db)).toEqual([{ ...app, isGroupRestricted: false, reauthMaxAgeMinutes: null, updatedAt: 3 }]);
  expect(deleteProtectedAppById(deps.db, "a1")?.id).toBe("a1");
  expect(deleteProtectedAppById(deps.db, "a1")).toBeNull();
  expect(findProtectedAppById(deps.db, "a1")).toBeNull();
});

test("a forward-auth cookie finds its identity with amr and sorted groups; a code is used once", () => {
  deps.db.exec(`
    INSERT INTO users (id, username, first_name, created_at, updated_at) VALUES ('u1', 'alice', 'Alice', 1, 1);
    INSERT INTO user_groups (id, name, friendly_name, created_at, updated_at) VALUES ('g1', 'zeta', 'Zeta', 1, 1), ('g2', 'alpha', 'Alpha', 1, 1);
    INSERT INTO user_groups_users (user_id, user_group_id) VALUES ('u1', 'g1'), ('u1', 'g2');
    INSERT INTO sessions (id, token_hash, user_id, amr, csrf_token, created_at, authenticated_at, last_seen_at, expires_at)
      VALUES ('s1', 'th', 'u1', '["phr"]', 'c', 1, 5, 1, 1000);
  `);
  insertForwardAuthSession(deps.db, { id: "f1", tokenHash: "fh", sessionId: "s1", host: "sonarr.example.com", createdAt: 10, expiresAt: 500 });
  const found = findForwardAuthIdentity(deps.db, "fh", 20)!;
  expect({ ...found }).toEqual({
    id: "f1",
    sessionId: "s1",
    host: "sonarr.example.com",
    expiresAt: 500,
    sessionExpiresAt: 1000,
    authenticatedAt: 5,
    amr: ["phr"],
    userId: "u1",
    username: "alice",
    email: null,
    firstName: "Alice",
    lastName: "",
    displayName: "",
    groups: ["alpha", "zeta"],
  });
  expect(findForwardAuthIdentity(deps.db, "fh", 500)).toBeNull();
  expect(listGroupBriefs(deps.db)).toEqual([
    { id: "g2", name: "alpha", friendlyName: "Alpha" },
    { id: "g1", name: "zeta", friendlyName: "Zeta" },
  ]);

  insertProtectedApp(deps.db, app);
  const code = { codeHash: "ch", sessionId: "s1", appId: "a1", host: "sonarr.example.com", returnUrl: "https://sonarr.example.com/x", expiresAt: 60 };
  insertForwardAuthCode(deps.db, code);
  expect(consumeForwardAuthCode(deps.db, "ch", 59)).toEqual(code);
  expect(consumeForwardAuthCode(deps.db, "ch", 59)).toBeNull();
  insertForwardAuthCode(deps.db, code);
  // Expired: gone all the same, and not returned.
  expect(consumeForwardAuthCode(deps.db, "ch", 60)).toBeNull();
  expect(consumeForwardAuthCode(deps.db, "ch", 0)).toBeNull();
});
