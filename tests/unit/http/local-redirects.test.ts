/**
 * `?redirect=` after sign-in through the HTTP surface: hostile values never reach a Location header or a
 * data-redirect attribute; the person lands on the home path instead.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { insertTestUser, signIn } from "../../helpers/oidc-fixtures.ts";
import { LOCAL_PATH_ATTACKS } from "../../helpers/redirect-attacks.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let cookie: string;

beforeAll(async () => {
  ({ app, deps } = await makeTestApp({ DISABLE_RATE_LIMITING: "true" }));
  const user = insertTestUser(deps, { username: "alice" });
  cookie = signIn(deps, user.id).cookie;
});
afterAll(() => deps?.cleanup());

const get = (path: string, withCookie = true) => app.handle(new Request(deps.config.appUrl + path, { headers: withCookie ? { cookie } : {} }));
const q = (value: string) => `redirect=${encodeURIComponent(value)}`;

describe("hostile ?redirect= values fall back to the home path", () => {
  test.each(LOCAL_PATH_ATTACKS)("/login (signed in) with %j", async (value) => {
    const res = await get(`/login?${q(value)}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/settings/account");
  });

  test.each(LOCAL_PATH_ATTACKS)("/reauthenticate with %j", async (value) => {
    const res = await get(`/reauthenticate?${q(value)}`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).not.toContain("evil.example");
    expect(body).not.toMatch(/data-redirect="(?!\/settings\/account")/);
  });

  test.each(LOCAL_PATH_ATTACKS)("/signup/add-passkey with %j", async (value) => {
    const res = await get(`/signup/add-passkey?${q(value)}`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('data-redirect="/settings/account"');
    expect(body).not.toContain("evil.example");
  });

  test.each(LOCAL_PATH_ATTACKS)("/login (anonymous) and /lc carry no redirect for %j", async (value) => {
    for (const path of ["/login", "/lc"]) {
      const res = await get(`${path}?${q(value)}`, false);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).not.toContain("evil.example");
      expect(body).not.toContain('name="redirect"');
    }
  });

  test("a local path is kept", async () => {
    const res = await get(`/login?${q("/authorize?interaction=abc")}`);
    expect(res.headers.get("location")).toBe("/authorize?interaction=abc");
    const page = await (await get(`/signup/add-passkey?${q("/settings/apps")}`)).text();
    expect(page).toContain('data-redirect="/settings/apps"');
  });
});
