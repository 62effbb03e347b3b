/**
 * Attacks on the JSON API's request schemas (src/http/schemas/): wrong types, arrays where strings are
 * expected, over-long strings and lists, bodies that are not objects, wrong content types. Each is
 * answered 400 `bad_request` in the API's one error shape (`{error, message, fields}`, as the domain's
 * own validation answers), never with Elysia's default dump, a stack or a 500, and writes nothing:
 * every table has as many rows after the request as before.
 */
import { listTables } from "../../../src/db/database.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { ValidationError, t } from "elysia";
import { errorToResponse } from "../../../src/http/plugins/errors.ts";
import { validationAppError } from "../../../src/http/validation-errors.ts";
import { apiReq, makeAdminFixture, reauthenticated } from "../../helpers/admin-fixture.ts";
import { AppClient } from "../../helpers/app-client.ts";
import { makeTestApp, req } from "../../helpers/test-deps.ts";

const { app, deps } = await makeTestApp();
const f = makeAdminFixture(deps);
afterAll(() => deps.cleanup());

const group = await (await app.handle(apiReq(deps, f.admin.key, "POST", "/api/user-groups", { friendlyName: "Family" }))).json() as { id: string };
const client = await (await app.handle(apiReq(deps, f.admin.key, "POST", "/api/oidc/clients", { name: "Wiki", callbackURLs: ["https://wiki.example.com/cb"] }))).json() as { id: string };
const uid = f.member.user.id;

const SUMMARY = "Please correct the highlighted fields.";
const NOT_AN_OBJECT = { error: "bad_request", message: "Send a JSON object.", fields: { body: "must be an object" } };
const fieldsError = (fields: Record<string, string>) => ({ error: "bad_request", message: SUMMARY, fields });

/** Rows per table: "nothing written" means every count is unchanged. */
/** Rows per table, rate-limit budgets aside (a refused request may rightly spend one). */
function rowCounts(): Record<string, number> {
  const tables = listTables(deps.db).filter((name) => name !== "rate_limit_buckets");
  return Object.fromEntries(tables.map((name) => [name, deps.db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM "${name}"`).get()!.n]));
}

/** A raw request with the admin's API key (no cookies: CSRF-exempt). */
function raw(method: string, path: string, body: BodyInit | null, contentType: string | null): Request {
  const headers: Record<string, string> = { "X-API-Key": f.admin.key };
  if (contentType !== null) headers["Content-Type"] = contentType;
  return req(deps, path, { method, headers, body });
}
const json = (method: string, path: string, value: unknown) => raw(method, path, JSON.stringify(value), "application/json");

async function expectRefused(request: Request, expected: unknown) {
  const before = rowCounts();
  const res = await app.handle(request);
  const text = await res.text();
  expect({ status: res.status, type: res.headers.get("content-type"), cache: res.headers.get("cache-control"), body: JSON.parse(text) }).toEqual({
    status: 400,
    type: "application/json;charset=utf-8",
    cache: "no-store",
    body: expected,
  });
  // Never Elysia's own validation dump, a stack trace or the schema.
  for (const leak of ['"type":"validation"', "Expected", "summary", "    at ", "anyOf", "maxLength"]) expect(text).not.toContain(leak);
  expect(rowCounts()).toEqual(before);
}

describe("wrong types", () => {
  test.each([
    ["a number for a string", "POST", "/api/users", { username: 5, firstName: "Eve" }, { username: "must be a string" }],
    ["an array for a string", "POST", "/api/users", { username: ["eve"], firstName: "Eve" }, { username: "must be a string" }],
    ["an object for a string", "POST", "/api/users", { username: { $gt: "" }, firstName: "Eve" }, { username: "must be a string" }],
    ["an object for a boolean", "POST", "/api/users", { username: "eve", firstName: "Eve", isAdmin: {} }, { isAdmin: "must be true or false" }],
    ["numbers in a list of ids", "POST", "/api/users", { username: "eve", firstName: "Eve", userGroupIds: [1, 2] }, { "userGroupIds[0]": "must be a string", "userGroupIds[1]": "must be a string" }],
    ["several fields at once", "PUT", `/api/users/${uid}`, { username: 1, email: [], disabled: "maybe?" }, { username: "must be a string", email: "must be a string" }],
    ["a string for a list of ids", "PUT", `/api/user-groups/${group.id}/users`, { userIds: { 0: "x" } }, { userIds: "must be a list of strings" }],
    ["a string for a list of URLs", "POST", "/api/oidc/clients", { name: "Evil", callbackURLs: "https://evil.example.com/cb" }, { callbackURLs: "must be a list of strings" }],
    ["a string for a boolean (client)", "PUT", `/api/oidc/clients/${client.id}`, { isPublic: "yes" }, { isPublic: "must be true or false" }],
    ["a string for minutes", "PUT", `/api/oidc/clients/${client.id}`, { accessTokenDurationMinutes: "60" }, { accessTokenDurationMinutes: "must be a number" }],
    ["a list for a secret", "POST", `/api/oidc/clients/${client.id}/secrets`, { secret: ["x".repeat(40)] }, { secret: "must be a string" }],
    ["a boolean for an expiry", "POST", `/api/oidc/clients/${client.id}/secrets`, { expiresAt: true }, { expiresAt: "must be a date" }],
    ["a list for a configuration string", "PUT", "/api/application-configuration", { appName: ["x"] }, { appName: "must be a string" }],
    ["an object for a configuration number", "PUT", "/api/application-configuration", { sessionDuration: {} }, { sessionDuration: "must be a whole number" }],
    ["a list for a configuration boolean", "PUT", "/api/application-configuration", { emailsVerified: [] }, { emailsVerified: "must be true or false" }],
    ["an object for a duration", "POST", "/api/signup-tokens", { ttl: {}, usageLimit: [] }, { ttl: "must be a duration such as 15m, 1h or 7d (or seconds)", usageLimit: "must be a whole number" }],
    ["a number for hosts", "POST", "/api/protected-apps", { name: "Evil", hosts: 5 }, { hosts: "must be a list of strings" }],
    ["a string for a protected app's flag", "POST", "/api/protected-apps", { name: "Evil", hosts: ["evil.example.com"], isGroupRestricted: "no" }, { isGroupRestricted: "Use true or false." }],
    ["a claim value that is an object", "PUT", `/api/custom-claims/user/${uid}`, [{ key: "tier", value: { gold: true } }], { "customClaims[0].value": "must be {key, value} with a string value" }],
    ["a claim without a key", "PUT", `/api/custom-claims/user/${uid}`, [{ value: "gold" }], { "customClaims[0].key": "is required" }],
    ["a number for a login-code lifetime", "POST", `/api/users/${uid}/one-time-access-token`, { ttl: [15] }, { ttl: "must be a duration such as 15m, 1h or 7d (or seconds)" }],
  ])("%s: %s %s", async (_name, method, path, body, fields) => {
    await expectRefused(json(method, path, body), fieldsError(fields));
  });
});

describe("sizes", () => {
  test.each([
    ["a username of 5,000 characters", "POST", "/api/users", { username: "a".repeat(5000), firstName: "Eve" }, { username: "must be at most 1000 characters" }],
    ["a name of 1,001 characters", "POST", "/api/oidc/clients", { name: "n".repeat(1001), callbackURLs: ["https://x.example.com/cb"] }, { name: "must be at most 1000 characters" }],
    ["a 70,000-character description", "PUT", `/api/oidc/clients/${client.id}`, { description: "d".repeat(70_000) }, { description: "must be at most 65536 characters" }],
    ["1,001 member ids", "PUT", `/api/user-groups/${group.id}/users`, { userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`) }, { userIds: "must have at most 1000 items" }],
    ["1,001 claims", "PUT", `/api/custom-claims/user-group/${group.id}`, Array.from({ length: 1001 }, (_, i) => ({ key: `k${i}`, value: "v" })), { customClaims: "must have at most 1000 items" }],
    ["an over-long expiry", "POST", `/api/oidc/clients/${client.id}/secrets`, { expiresAt: "2".repeat(65) }, { expiresAt: "must be at most 64 characters" }],
  ])("%s", async (_name, method, path, body, fields) => {
    await expectRefused(json(method, path, body), fieldsError(fields));
  });
});

describe("bodies that are not objects, and wrong content types", () => {
  test.each([
    ["a JSON list", "[{\"username\":\"eve\",\"firstName\":\"Eve\"}]"],
    ["a JSON string", '"eve"'],
    ["a JSON number", "42"],
    ["JSON null", "null"],
    ["JSON true", "true"],
  ])("%s for an object → Send a JSON object.", async (_name, text) => {
    await expectRefused(raw("POST", "/api/users", text, "application/json"), NOT_AN_OBJECT);
    await expectRefused(raw("PUT", `/api/oidc/clients/${client.id}`, text, "application/json"), NOT_AN_OBJECT);
    await expectRefused(raw("PUT", "/api/application-configuration", text, "application/json"), NOT_AN_OBJECT);
  });

  test("no body at all where one is needed", async () => {
    await expectRefused(raw("POST", "/api/users", null, null), NOT_AN_OBJECT);
    await expectRefused(raw("PUT", `/api/user-groups/${group.id}`, null, null), NOT_AN_OBJECT);
  });

  test("an object where a list is needed → Send a JSON list.", async () => {
    const notAList = { error: "bad_request", message: "Send a JSON list.", fields: { customClaims: "must be a list of {key, value}" } };
    await expectRefused(json("PUT", `/api/custom-claims/user/${uid}`, { key: "tier", value: "gold" }), notAList);
    await expectRefused(raw("PUT", `/api/custom-claims/user/${uid}`, null, null), notAList);
  });

  test("JSON sent as text/plain (or without a Content-Type: fetch labels a string text/plain) is text, not an object", async () => {
    await expectRefused(raw("POST", "/api/users", '{"username":"eve","firstName":"Eve"}', "text/plain"), NOT_AN_OBJECT);
    await expectRefused(raw("POST", "/api/users", '{"username":"eve","firstName":"Eve"}', null), NOT_AN_OBJECT);
  });

  test.each([
    ["application/xml", "<user><username>eve</username><firstName>Eve</firstName></user>"],
    ["application/octet-stream", '{"username":"eve","firstName":"Eve"}'],
  ])("a body sent as %s is opaque bytes: no field is read from it, so the required ones are missing", async (type, text) => {
    await expectRefused(raw("POST", "/api/users", text, type), fieldsError({ username: "Enter a username.", firstName: "Enter a first name." }));
  });

  test("a form-encoded body is read with the same field types (a repeated field is a list, not a string)", async () => {
    await expectRefused(raw("POST", "/api/users", "username=eve&username=mallory&firstName=Eve", "application/x-www-form-urlencoded"), fieldsError({ username: "must be a string" }));
  });

  test("malformed JSON is the framework's parse error, in the same shape", async () => {
    const before = rowCounts();
    const res = await app.handle(raw("POST", "/api/users", '{"username": "eve",', "application/json"));
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 400,
      body: { error: "bad_request", message: "The request body could not be parsed; check its Content-Type and syntax." },
    });
    expect(rowCounts()).toEqual(before);
  });
});

describe("the browser's JSON endpoints", () => {
  test("renaming a passkey with a number, and finishing a ceremony with a non-string redirect", async () => {
    const headers = { Cookie: f.member.cookie, "X-CSRF-Token": f.member.csrf, "Content-Type": "application/json" };
    const patch = req(deps, "/api/webauthn/credentials/x", { method: "PATCH", headers, body: JSON.stringify({ name: 5 }) });
    await expectRefused(patch, fieldsError({ name: "must be a string" }));
    const finish = req(deps, "/api/webauthn/reauthenticate/finish", { method: "POST", headers, body: JSON.stringify({ response: {}, redirect: ["/admin"] }) });
    await expectRefused(finish, fieldsError({ redirect: "must be a string" }));
  });

  test("creating an API key with wrong types is refused before the passkey proof is spent", async () => {
    const a = reauthenticated(deps, f.member);
    const headers = { Cookie: a.cookie, "X-CSRF-Token": a.csrf, "Content-Type": "application/json" };
    const create = req(deps, "/api/api-keys", { method: "POST", headers, body: JSON.stringify({ name: 7, expiresAt: { soon: true } }) });
    await expectRefused(create, fieldsError({ name: "must be a string", expiresAt: "must be a date" }));
    // The re-authentication token was not consumed: a valid request with the same cookie still works.
    const ok = req(deps, "/api/api-keys", { method: "POST", headers, body: JSON.stringify({ name: "Backup job", expiresAt: new Date((deps.clock.now() + 86_400_000)).toISOString() }) });
    expect((await app.handle(ok)).status).toBe(201);
  });

  test("the emailed login code with a list for the address", async () => {
    const browser = new AppClient(app, deps);
    await browser.get("/login");
    const headers = { Cookie: [...browser.jar].map(([k, v]) => `${k}=${v}`).join("; "), "X-CSRF-Token": browser.csrfToken, "Content-Type": "application/json" };
    await expectRefused(req(deps, "/api/one-time-access-email", { method: "POST", headers, body: JSON.stringify({ email: ["a@example.com"] }) }), fieldsError({ email: "must be a string" }));
  });
});

describe("the mapping itself", () => {
  test("a response that does not match its schema is our bug: a 500 with a request id, and its value is not logged", async () => {
    const lines: string[] = [];
    const web = { ...app.web, log: { ...app.web.log, error: (msg: string, fields?: Record<string, unknown>) => void lines.push(JSON.stringify({ msg, fields })) } };
    const error = new ValidationError("response", t.Object({ name: t.String() }), { name: 5, secret: "s3cr3t-value" });
    expect(validationAppError(error)).toBeNull();
    const res = errorToResponse(web, app.web.assets, req(deps, "/api/users"), error, "VALIDATION");
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(500);
    expect(body.error).toBe("internal_error");
    expect(typeof body.requestId).toBe("string");
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("s3cr3t-value");
  });
});
