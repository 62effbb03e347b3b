/** FORWARD_AUTH_COOKIE_DOMAIN: configuration checks, and the shared-cookie flow for apps inside that domain. */
import { afterEach, describe, expect, test } from "bun:test";
import { loadConfig } from "../../../src/config.ts";
import { createSession } from "../../../src/account/sessions.ts";
import { makeForwardAuthFixture } from "../../helpers/forward-auth-fixture.ts";
import { createTestApp, makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

const base = { ENCRYPTION_KEY: "test-encryption-key-0123456789abcdef", DB_CONNECTION_STRING: "/tmp/x.db" };

describe("FORWARD_AUTH_COOKIE_DOMAIN", () => {
  test("unset by default", () => {
    expect(loadConfig({ ...base, APP_URL: "https://auth.example.com" }).forwardAuthCookieDomain).toBeNull();
  });
  test("a parent of APP_URL's host (leading dot and case ignored)", () => {
    expect(loadConfig({ ...base, APP_URL: "https://auth.example.com", FORWARD_AUTH_COOKIE_DOMAIN: ".Example.com" }).forwardAuthCookieDomain).toBe("example.com");
    expect(loadConfig({ ...base, APP_URL: "https://example.com", FORWARD_AUTH_COOKIE_DOMAIN: "example.com" }).forwardAuthCookieDomain).toBe("example.com");
  });
  test("refused: not containing APP_URL's host, a bare TLD, junk", () => {
    expect(() => loadConfig({ ...base, APP_URL: "https://auth.example.com", FORWARD_AUTH_COOKIE_DOMAIN: "other.com" })).toThrow(/must contain APP_URL's host "auth.example.com"/);
    expect(() => loadConfig({ ...base, APP_URL: "https://auth.example.com", FORWARD_AUTH_COOKIE_DOMAIN: "com" })).toThrow(/at least two labels/);
    expect(() => loadConfig({ ...base, APP_URL: "https://auth.example.com", FORWARD_AUTH_COOKIE_DOMAIN: "example.com; Path=/" })).toThrow(/FORWARD_AUTH_COOKIE_DOMAIN/);
    expect(() => loadConfig({ ...base, APP_URL: "https://badexample.com", FORWARD_AUTH_COOKIE_DOMAIN: "example.com" })).toThrow(/must contain/);
  });
});

describe("shared parent-domain cookie", () => {
  let deps: TestDeps;
  afterEach(() => deps.cleanup());

  test("start sets the Domain cookie and returns straight to the app; verify honours it inside the domain only; sign-out ends it", async () => {
    deps = makeTestDeps({ APP_URL: "https://auth.example.com", FORWARD_AUTH_COOKIE_DOMAIN: "example.com", TRUST_PROXY: "10.0.0.0/8" });
    const app = await createTestApp(deps);
    const fx = makeForwardAuthFixture(deps);
    const { token, session } = createSession(deps, { userId: fx.alice.id, amr: ["phr"], durationMinutes: 60 });
    const s = await app.handle(
      new Request(`https://auth.example.com/api/forward-auth/start/${fx.app.id}?rd=${encodeURIComponent("https://app.example.com/x")}`, { headers: { Cookie: `__Host-latchkey_session=${token}` } }),
      "10.0.0.2",
    );
    expect(s.status).toBe(302);
    expect(s.headers.get("location")).toBe("https://app.example.com/x");
    const set = s.headers.get("set-cookie")!;
    expect(set).toMatch(/^__Secure-latchkey_fa_shared=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Domain=example.com; Secure$/);
    const cookie = set.split(";")[0]!;
    const verify = (host: string) =>
      app.handle(
        new Request(`http://latchkey:1411/api/forward-auth/verify/${fx.appOf(host).id}`, { headers: { "X-Forwarded-Proto": "https", "X-Forwarded-Host": host, "X-Forwarded-Uri": "/", "X-Forwarded-Method": "GET", Cookie: cookie } }),
        "10.0.0.2",
      );
    const ok = await verify("app.example.com");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("remote-user")).toBe("alice");
    // other.test is protected too, but outside the cookie domain: the shared cookie does not count there.
    expect((await verify("other.test")).status).toBe(302);
    // Unrelated domains still use the handshake (which needs the state of the browser's cookie there).
    const s2 = await app.handle(
      new Request(`https://auth.example.com/api/forward-auth/start/${fx.other.id}?rd=${encodeURIComponent("https://other.test/")}&state=${"a".repeat(64)}`, { headers: { Cookie: `__Host-latchkey_session=${token}` } }),
      "10.0.0.2",
    );
    expect(s2.headers.get("location")).toStartWith("https://other.test/.latchkey/callback?code=");
    // Inside the cookie domain no state is needed (no code travels), outside it the start link must carry one.
    const s3 = await app.handle(
      new Request(`https://auth.example.com/api/forward-auth/start/${fx.other.id}?rd=${encodeURIComponent("https://other.test/")}`, { headers: { Cookie: `__Host-latchkey_session=${token}` } }),
      "10.0.0.2",
    );
    expect(s3.status).toBe(400);
    deps.db.query("DELETE FROM sessions WHERE id = ?").run(session.id);
    expect((await verify("app.example.com")).status).toBe(302);
  });
});
