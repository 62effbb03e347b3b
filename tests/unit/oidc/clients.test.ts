import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { AppError, fieldTexts } from "../../../src/errors.ts";
import { createClient, deleteClient, setAllowedGroups, setUnrestricted, updateClient } from "../../../src/admin/oidc-clients.ts";
import { createClientSecret, listClientSecrets, revokeClientSecret, verifyClientSecret } from "../../../src/oidc/client-secrets.ts";
import { findClientById, findOutdatedClientUrls, isUserAllowedForClient, listClients } from "../../../src/oidc/clients.ts";
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
    return fieldTexts((e as AppError).fields);
  }
  throw new Error("expected a validation error");
}

describe("createClient", () => {
  test("generates a UUID id and a one-time secret for confidential clients", () => {
    const { client, secret } = createClient(deps, CLI_ACTOR, { name: "Forgejo", callbackUrls: ["https://git.example.com/user/oauth2/Pocket/callback"] });
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
    const { client, secret } = createClient(deps, CLI_ACTOR, { name: "SPA", isPublic: true, callbackUrls: ["http://localhost/cb"] });
    expect(secret).toBeNull();
    expect(() => createClientSecret(deps, CLI_ACTOR, client.id)).toThrow(AppError);
  });

  test("chosen ids are validated and unique", () => {
    createClient(deps, CLI_ACTOR, { id: "my-app", name: "A", callbackUrls: ["https://a.test/cb"] });
    expect(validationFields(() => createClient(deps, CLI_ACTOR, { id: "my-app", name: "B", callbackUrls: ["https://a.test/cb"] })).id).toContain("already in use");
    expect(validationFields(() => createClient(deps, CLI_ACTOR, { id: "x", name: "B", callbackUrls: ["https://a.test/cb"] })).id).toBeDefined();
    expect(validationFields(() => createClient(deps, CLI_ACTOR, { id: "bad id!", name: "B", callbackUrls: ["https://a.test/cb"] })).id).toBeDefined();
  });

  test("reports every invalid field at once", () => {
    const fields = validationFields(() =>
      createClient(deps, CLI_ACTOR, { name: "", callbackUrls: ["javascript:alert(1)"], logoutCallbackUrls: ["nope"], launchUrl: "ftp://x", accessTokenDurationMinutes: 0 }),
    );
    expect(Object.keys(fields).sort()).toEqual(["accessTokenDurationMinutes", "callbackUrls", "launchUrl", "logoutCallbackUrls", "name"]);
    expect(validationFields(() => createClient(deps, CLI_ACTOR, { name: "x", callbackUrls: [] })).callbackUrls).toBeDefined();
  });
});

describe("input checks (src/oidc/client-input.ts): one message per field, the most telling one", () => {
  const base = { name: "M", callbackUrls: ["https://m.test/cb"] };
  test.each([
    ["an identity scope over a bad name and too many", { credentialsScopes: ["openid", "a b\\", ...Array.from({ length: 60 }, (_, i) => `s${i}`)] }, "credentialsScopes", '“openid” is about a person; a client acting for itself cannot have it.'],
    ["a bad scope name over too many", { credentialsScopes: ['q"x', ...Array.from({ length: 60 }, (_, i) => `s${i}`)] }, "credentialsScopes", '“q"x” is not a valid scope name (no spaces, quotes or backslashes).'],
    ["private_key_jwt on a public client over an unknown method", { isPublic: true, tokenEndpointAuthMethod: "private_key_jwt" }, "tokenEndpointAuthMethod", "A public client has no credentials; private_key_jwt is for confidential clients."],
    ["none for a confidential client", { tokenEndpointAuthMethod: "none" }, "tokenEndpointAuthMethod", "“none” is for public clients: mark the client public, or choose client_secret_basic, client_secret_post or private_key_jwt."],
    ["both a JWK Set and a JWKS URL", { tokenEndpointAuthMethod: "private_key_jwt", jwks: JSON.stringify({ keys: [{ kty: "EC" }] }), jwksUri: "https://m.test/jwks" }, "jwksUri", "Give either a JWK Set or a JWKS URL, not both."],
  ])("%s", (_name, extra, field, message) => {
    const fields = validationFields(() => createClient(deps, CLI_ACTOR, { ...base, ...extra }));
    expect(fields[field]).toBe(message);
  });

  test("a public client edited to private_key_jwt with an unknown method still gets the public-client message", () => {
    const { client } = createClient(deps, CLI_ACTOR, { ...base, tokenEndpointAuthMethod: "private_key_jwt", jwksUri: "https://m.test/jwks" });
    const fields = validationFields(() => updateClient(deps, CLI_ACTOR, client.id, { ...base, isPublic: true, tokenEndpointAuthMethod: "bogus" }));
    expect(fields.tokenEndpointAuthMethod).toBe("A public client has no credentials; private_key_jwt is for confidential clients.");
  });
});

describe("secrets", () => {
  test("several secrets, expiry and revocation", () => {
    const { client, secret } = createClient(deps, CLI_ACTOR, { name: "A", callbackUrls: ["https://a.test/cb"] });
    const now = Math.floor(deps.clock.now() / 1000);
    const second = createClientSecret(deps, CLI_ACTOR, client.id, { expiresAt: now + 60 });
    expect(verifyClientSecret(deps, client.id, second.secret)).toBe(true);
    expect(listClientSecrets(deps, client.id).map((s) => s.id)).toEqual([secret!.id, second.id]);
    deps.clock.advance(61);
    expect(verifyClientSecret(deps, client.id, second.secret)).toBe(false);
    expect(listClientSecrets(deps, client.id)[1]!.expired).toBe(true);
    expect(revokeClientSecret(deps, CLI_ACTOR, client.id, secret!.id)).toBe(true);
    expect(verifyClientSecret(deps, client.id, secret!.secret)).toBe(false);
    expect(revokeClientSecret(deps, CLI_ACTOR, client.id, secret!.id)).toBe(false);
    expect(() => createClientSecret(deps, CLI_ACTOR, client.id, { expiresAt: now - 1 })).toThrow(AppError);
  });

  test("a secret of one client does not authenticate another", () => {
    const a = createClient(deps, CLI_ACTOR, { name: "A", callbackUrls: ["https://a.test/cb"] });
    const b = createClient(deps, CLI_ACTOR, { name: "B", callbackUrls: ["https://b.test/cb"] });
    expect(verifyClientSecret(deps, b.client.id, a.secret!.secret)).toBe(false);
  });
});

describe("groups and updates", () => {
  test("restricted by default; allowed groups and unrestricted", () => {
    const user = insertTestUser(deps, { username: "alice" });
    const group = insertTestGroup(deps, "staff");
    const { client } = createClient(deps, CLI_ACTOR, { name: "A", callbackUrls: ["https://a.test/cb"] });
    expect(isUserAllowedForClient(deps.db, client, user.id)).toBe(false);
    const withGroup = setAllowedGroups(deps, CLI_ACTOR, client.id, [group.id]);
    expect(withGroup.allowedGroupIds).toEqual([group.id]);
    expect(isUserAllowedForClient(deps.db, withGroup, user.id)).toBe(false);
    addUserToGroup(deps, user.id, group.id);
    expect(isUserAllowedForClient(deps.db, withGroup, user.id)).toBe(true);
    expect(validationFields(() => setAllowedGroups(deps, CLI_ACTOR, client.id, ["nope"])).allowedGroupIds).toBe("The group nope no longer exists. Reload the page and try again.");
    const open = setUnrestricted(deps, CLI_ACTOR, client.id, true);
    expect(open.unrestricted).toBe(true);
    const other = insertTestUser(deps, { username: "bob" });
    expect(isUserAllowedForClient(deps.db, open, other.id)).toBe(true);
  });

  test("update keeps unspecified fields; delete removes", () => {
    const { client } = createClient(deps, CLI_ACTOR, { name: "A", callbackUrls: ["https://a.test/cb"], pkceEnabled: true, launchUrl: "https://a.test" });
    const updated = updateClient(deps, CLI_ACTOR, client.id, { name: "B", callbackUrls: ["https://a.test/cb", "https://a.test/cb2"] });
    expect(updated.name).toBe("B");
    expect(updated.pkceEnabled).toBe(true);
    expect(updated.launchUrl).toBe("https://a.test");
    expect(updated.callbackUrls).toEqual(["https://a.test/cb", "https://a.test/cb2"]);
    expect(listClients(deps.db).map((c) => c.id)).toEqual([client.id]);
    expect(deleteClient(deps, CLI_ACTOR, client.id)?.id).toBe(client.id);
    expect(findClientById(deps.db, client.id)).toBeNull();
    expect(deleteClient(deps, CLI_ACTOR, client.id)).toBeNull();
    expect(() => updateClient(deps, CLI_ACTOR, client.id, { name: "x", callbackUrls: ["https://a.test/cb"] })).toThrow(AppError);
  });
});

describe("stored URLs that today's rules refuse", () => {
  test("are found with their client, field and the reason; URLs that pass are not listed", () => {
    const { client } = createClient(deps, CLI_ACTOR, { name: "Old app", callbackUrls: ["https://app.example.com/cb"], launchUrl: "https://app.example.com" });
    createClient(deps, CLI_ACTOR, { name: "Fine app", callbackUrls: ["https://*.fine.example.com/cb", "com.example.app:/cb"], logoutCallbackUrls: ["https://fine.example.com/"] });
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
