import { afterEach, expect, test } from "bun:test";
import { createSession } from "../../../src/account/sessions.ts";
import { createUser } from "../../../src/admin/users.ts";
import { requireRecentAuthentication, safeRedirectPath } from "../../../src/http/browser-session.ts";
import { TokenBuckets } from "../../../src/rate-limits/token-buckets.ts";
import { recordReauthentication } from "../../../src/account/sessions.ts";
import { FixedClock } from "../../../src/lib/clock.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps | null = null;
afterEach(() => deps?.cleanup());

test("safeRedirectPath accepts local paths only", () => {
  expect(safeRedirectPath("/authorize?client_id=a&redirect_uri=https%3A%2F%2Fx")).toBe("/authorize?client_id=a&redirect_uri=https%3A%2F%2Fx");
  expect(safeRedirectPath("/")).toBe("/");
  for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example/", "evil", "", "/\nx", "/a\\b", null, 5]) expect(safeRedirectPath(bad)).toBeNull();
});

test("requireRecentAuthentication: login when anonymous, /reauthenticate when stale, null within 60 s", async () => {
  const t = await makeTestApp();
  deps = t.deps;
  const user = createUser(t.deps, { username: "ada", email: null, firstName: "Ada", lastName: "" });
  const anonymous = new Request(`${t.deps.config.appUrl}/secret?x=1`);
  expect(requireRecentAuthentication(t.app.web, anonymous)!.headers.get("location")).toBe("/login?redirect=%2Fsecret%3Fx%3D1");

  const { token, session } = createSession(t.deps, { userId: user.id, amr: ["phr"], durationMinutes: 60 });
  const withCookie = () => new Request(`${t.deps.config.appUrl}/secret?x=1`, { headers: { cookie: `latchkey_session=${token}` } });
  expect(requireRecentAuthentication(t.app.web, withCookie())).toBeNull();
  t.deps.clock.advance(61);
  const stale = requireRecentAuthentication(t.app.web, withCookie())!;
  expect(stale.status).toBe(303);
  expect(stale.headers.get("location")).toBe("/reauthenticate?redirect=%2Fsecret%3Fx%3D1");
  const htmx = requireRecentAuthentication(t.app.web, new Request(`${t.deps.config.appUrl}/x`, { method: "POST", headers: { cookie: `latchkey_session=${token}`, "hx-request": "true" } }), { redirect: "/settings/account" })!;
  expect(htmx.headers.get("hx-redirect")).toBe("/reauthenticate?redirect=%2Fsettings%2Faccount");
  recordReauthentication(t.deps, session);
  expect(requireRecentAuthentication(t.app.web, withCookie())).toBeNull();
  // A login-code session has no passkey assertion to be recent.
  const otp = createSession(t.deps, { userId: user.id, amr: ["otp"], durationMinutes: 60 });
  expect(requireRecentAuthentication(t.app.web, new Request(`${t.deps.config.appUrl}/s`, { headers: { cookie: `latchkey_session=${otp.token}` } }))).not.toBeNull();
});

test("token buckets allow a burst, then one request per interval", () => {
  const clock = new FixedClock(0);
  const buckets = new TokenBuckets(clock, { perSeconds: 10, burst: 3 });
  expect([1, 2, 3, 4].map(() => buckets.take("k"))).toEqual([0, 0, 0, 10]);
  expect(buckets.take("other")).toBe(0);
  clock.advance(5);
  expect(buckets.take("k")).toBe(5);
  clock.advance(5);
  expect(buckets.take("k")).toBe(0);
});
