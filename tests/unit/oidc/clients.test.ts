import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { AppError } from "../../../src/errors.ts";
import {
  createClient,
  createClientSecret,
  deleteClient,
  findClientById,
  findOutdatedClientUrls,
  isUserAllowedForClient,
  listClients,
  listClientSecrets,
  revokeClientSecret,
  setAllowedGroups,
  setUnrestricted,
  updateClient,
  verifyClientSecret,
} from "../../../src/oidc/clients.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";
import { addUserToGroup, insertTestGroup, insertTestUser } from "../../helpers/oidc-fixtures.ts";

let deps: TestDeps;
beforeEach(() => {
  deps = makeTestDeps();
});
afterEach(() => deps.cleanup());

function validationFields(fn: () => unknown): Record<string, string> {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe("validation_failed");
    return (e as AppError).fields;
  }
  throw new Error("expected a validation error");
}

describe("createClient", () => {
  test("generates a UUID id and a one-time secret for confidential clients", () => {
    const { client, secret } = createClient(deps, { name: "Forgejo", callbackUrls: ["https://git.example.com/user/oauth2/Pocket/callback"] });
    expect(client.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(client.unrestricted).toBe(false);
    expect(client.accessTokenDurationMinutes).toBe(60);
    expect(client.refreshTokenDurationMinutes).toBe(43200);
    expect(secret!.secret).toHaveLength(32);
    expect(secret!.prefix).toBe(secret!.secret.slice(0, 4));
    const stored = deps.db.query<{ hash: string }, []>("SELECT hash FROM oidc_client_secrets").get()!;
    expect(stored.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stored.hash).not.toContain(secret!.secret);
    expect(verifyClientSecret(deps, client.id, secret!.secret)).toBe(true);
    expect(verifyClientSecret(deps, client.id, secret!.secret + "x")).toBe(false);
  });

  test("public clients get no secret", () => {
    const { client, secret } = createClient(deps, { name: "SPA", isPublic: true, callbackUrls: ["http://localhost/cb"] });
    expect(secret).toBeNull();
    expect(() => createClientSecret(deps, client.id)).toThrow(AppError);
  });

  test("chosen ids are validated and unique", () => {
    createClient(deps, { id: "my-app", name: "A", callbackUrls: ["https://a.test/cb"] });
    expect(validationFields(() => createClient(deps, { id: "my-app", name: "B", callbackUrls: ["https://a.test/cb"] })).id).toContain("already in use");
    expect(validationFields(() => createClient(deps, { id: "x", name: "B", callbackUrls: ["https://a.test/cb"] })).id).toBeDefined();
    expect(validationFields(() => createClient(deps, { id: "bad id!", name: "B", callbackUrls: ["https://a.test/cb"] })).id).toBeDefined();
  });

  test("reports every invalid field at once", () => {
    const fields = validationFields(() =>
      createClient(deps, { name: "", callbackUrls: ["javascript:alert(1)"], logoutCallbackUrls: ["nope"], launchUrl: "ftp://x", accessTokenDurationMinutes: 0 }),
    );
    expect(Object.keys(fields).sort()).toEqual(["accessTokenDurationMinutes", "callbackUrls", "launchUrl", "logoutCallbackUrls", "name"]);
    expect(validationFields(() => createClient(deps, { name: "x", callbackUrls: [] })).callbackUrls).toBeDefined();
  });
});

describe("secrets", () => {
  test("several secrets, expiry and revocation", () => {
    const { client, secret } = createClient(deps, { name: "A", callbackUrls: ["https://a.test/cb"] });
    const now = Math.floor(deps.clock.now() / 1000);
    const second = createClientSecret(deps, client.id, { expiresAt: now + 60 });
    expect(verifyClientSecret(deps, client.id, second.secret)).toBe(true);
    expect(listClientSecrets(deps, client.id).map((s) => s.id)).toEqual([secret!.id, second.id]);
    deps.clock.advance(61);
    expect(verifyClientSecret(deps, client.id, second.secret)).toBe(false);
    expect(listClientSecrets(deps, client.id)[1]!.expired).toBe(true);
    expect(revokeClientSecret(deps.db, client.id, secret!.id)).toBe(true);
    expect(verifyClientSecret(deps, client.id, secret!.secret)).toBe(false);
    expect(revokeClientSecret(deps.db, client.id, secret!.id)).toBe(false);
    expect(() => createClientSecret(deps, client.id, { expiresAt: now - 1 })).toThrow(AppError);
  });

  test("a secret of one client does not authenticate another", () => {
    const a = createClient(deps, { name: "A", callbackUrls: ["https://a.test/cb"] });
    const b = createClient(deps, { name: "B", callbackUrls: ["https://b.test/cb"] });
    expect(verifyClientSecret(deps, b.client.id, a.secret!.secret)).toBe(false);
  });
});

describe("groups and updates", () => {
  test("restricted by default; allowed groups and unrestricted", () => {
    const user = insertTestUser(deps, { username: "alice" });
    const group = insertTestGroup(deps, "staff");
    const { client } = createClient(deps, { name: "A", callbackUrls: ["https://a.test/cb"] });
    expect(isUserAllowedForClient(deps.db, client, user.id)).toBe(false);
    const withGroup = setAllowedGroups(deps, client.id, [group.id]);
    expect(withGroup.allowedGroupIds).toEqual([group.id]);
    expect(isUserAllowedForClient(deps.db, withGroup, user.id)).toBe(false);
    addUserToGroup(deps, user.id, group.id);
    expect(isUserAllowedForClient(deps.db, withGroup, user.id)).toBe(true);
    expect(validationFields(() => setAllowedGroups(deps, client.id, ["nope"])).allowedGroupIds).toContain("Unknown group");
    const open = setUnrestricted(deps, client.id, true);
    expect(open.unrestricted).toBe(true);
    const other = insertTestUser(deps, { username: "bob" });
    expect(isUserAllowedForClient(deps.db, open, other.id)).toBe(true);
  });

  test("update keeps unspecified fields; delete removes", () => {
    const { client } = createClient(deps, { name: "A", callbackUrls: ["https://a.test/cb"], pkceEnabled: true, launchUrl: "https://a.test" });
    const updated = updateClient(deps, client.id, { name: "B", callbackUrls: ["https://a.test/cb", "https://a.test/cb2"] });
    expect(updated.name).toBe("B");
    expect(updated.pkceEnabled).toBe(true);
    expect(updated.launchUrl).toBe("https://a.test");
    expect(updated.callbackUrls).toEqual(["https://a.test/cb", "https://a.test/cb2"]);
    expect(listClients(deps.db).map((c) => c.id)).toEqual([client.id]);
    expect(deleteClient(deps.db, client.id)).toBe(true);
    expect(findClientById(deps.db, client.id)).toBeNull();
    expect(deleteClient(deps.db, client.id)).toBe(false);
    expect(() => updateClient(deps, client.id, { name: "x", callbackUrls: ["https://a.test/cb"] })).toThrow(AppError);
  });
});

describe("stored URLs that today's rules refuse", () => {
  test("are found with their client, field and the reason; URLs that pass are not listed", () => {
    const { client } = createClient(deps, { name: "Old app", callbackUrls: ["https://app.example.com/cb"], launchUrl: "https://app.example.com" });
    createClient(deps, { name: "Fine app", callbackUrls: ["https://*.fine.example.com/cb", "com.example.app:/cb"], logoutCallbackUrls: ["https://fine.example.com/"] });
    expect(findOutdatedClientUrls(deps.db)).toEqual([]);
    // As an older version saved them, before the matching rules became strict.
    deps.db
      .query("UPDATE oidc_clients SET callback_urls = ?, logout_callback_urls = ?, launch_url = ? WHERE id = ?")
      .run(JSON.stringify(["https://App.Example.com/cb", "https://*.co.uk/cb", "https://app.example.com/cb"]), JSON.stringify(["https://app.example.com:443/bye"]), "javascript:alert(1)", client.id);
    const found = findOutdatedClientUrls(deps.db);
    expect(found.map(({ clientId, clientName, field, url }) => ({ clientId, clientName, field, url }))).toEqual([
      { clientId: client.id, clientName: "Old app", field: "callbackUrls", url: "https://App.Example.com/cb" },
      { clientId: client.id, clientName: "Old app", field: "callbackUrls", url: "https://*.co.uk/cb" },
      { clientId: client.id, clientName: "Old app", field: "logoutCallbackUrls", url: "https://app.example.com:443/bye" },
      { clientId: client.id, clientName: "Old app", field: "launchUrl", url: "javascript:alert(1)" },
    ]);
    for (const f of found) expect(f.problem.length).toBeGreaterThan(10);
  });
});
