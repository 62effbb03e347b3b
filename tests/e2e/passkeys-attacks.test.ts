/**
 * Attacks on passkey sign-in, sessions and setup, in-process (app.handle) with a software
 * authenticator that produces real ES256 registrations and assertions — forging one field at a time.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { App } from "../../src/app.ts";
import { createOneTimeAccessToken } from "../../src/account/one-time-access.ts";
import { createSession } from "../../src/account/sessions.ts";
import { createUser } from "../../src/admin/users.ts";
import { updateAppConfig } from "../../src/admin/app-config.ts";
import { nowSeconds } from "../../src/lib/clock.ts";
import { AppClient } from "../helpers/app-client.ts";
import { passkeyLogin, registerPasskey, setUpAccount, startPasskeyLogin } from "../helpers/account.ts";
import { SoftAuthenticator } from "../helpers/soft-authenticator.ts";
import { makeTestApp, type TestDeps } from "../helpers/test-deps.ts";
import { testEngine } from "../helpers/template-database.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function freshApp(env: Record<string, string> = {}): Promise<{ app: App; deps: TestDeps }> {
  const t = await makeTestApp(env);
  cleanups.push(() => t.deps.cleanup());
  return t;
}

/** First-run setup through HTTP, then a passkey; returns the signed-in client and its authenticator. */
async function setUp(env: Record<string, string> = {}) {
  const { app, deps } = await freshApp(env);
  const client = new AppClient(app, deps);
  const authr = new SoftAuthenticator();
  const { userId } = await setUpAccount(client, authr);
  return { app, deps, client, authr, userId };
}

async function expectPasskeyError(res: Response, status: number, messagePart: string): Promise<void> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: string; message: string };
  expect(body.message).toContain(messagePart);
  expect(res.headers.getSetCookie().some((c) => c.startsWith("latchkey_session=") && !c.includes("Max-Age=0"))).toBe(false);
}

describe("passkey sign-in", () => {
  test("a genuine assertion signs in: session cookie, amr phr, SIGN_IN audit, counter stored", async () => {
    const { app, deps, authr, userId } = await setUp();
    const browser = new AppClient(app, deps);
    const res = await passkeyLogin(browser, authr, { body: { redirect: "/authorize?client_id=x" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ redirect: "/authorize?client_id=x" });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("latchkey_session="))!;
    expect(cookie).toMatch(/^latchkey_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax$/);
    const session = deps.db.query<{ amr: string; user_id: string }, []>("SELECT amr, user_id FROM sessions ORDER BY created_at DESC, rowid DESC LIMIT 1").get()!;
    expect(session).toEqual({ amr: '["phr"]', user_id: userId });
    expect(deps.db.query<{ counter: number }, []>("SELECT counter FROM webauthn_credentials").get()!.counter).toBe(1);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'SIGN_IN'").get()!.n).toBe(1);
    // The challenge row is gone.
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM webauthn_challenges").get()!.n).toBe(0);
  });

  test("the sign-in's writes commit together: a session that cannot be stored leaves no SIGN_IN row, no counter change, no cookie; the challenge is still used", async () => {
    const { app, deps, authr } = await setUp();
    const count = (sql: string) => deps.db.query<{ n: number }, []>(sql).get()!.n;
    // A database fault at the last of the sign-in's writes (the session row), after the counter and the audit row.
    if (testEngine() === "sqlite") {
      deps.db.run("CREATE TRIGGER refuse_sessions BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'sessions refused'); END");
    } else {
      deps.db.run("CREATE FUNCTION refuse_sessions() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'sessions refused'; END; $$");
      deps.db.run("CREATE TRIGGER refuse_sessions BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION refuse_sessions()");
    }
    const counterBefore = count("SELECT counter AS n FROM webauthn_credentials");
    const sessionsBefore = count("SELECT COUNT(*) AS n FROM sessions");
    const browser = new AppClient(app, deps);
    const options = await startPasskeyLogin(browser);
    const assertion = authr.assert(options, { origin: deps.config.appUrl });
    const res = await browser.postJson("/api/webauthn/login/finish", { response: assertion });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("latchkey_session=") && !c.includes("Max-Age=0"))).toBe(false);
    expect(count("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'SIGN_IN'")).toBe(0);
    expect(count("SELECT counter AS n FROM webauthn_credentials")).toBe(counterBefore);
    expect(count("SELECT COUNT(*) AS n FROM sessions")).toBe(sessionsBefore);
    // The challenge was consumed in its own commit before verification: the same assertion cannot be replayed.
    deps.db.run("DROP TRIGGER refuse_sessions" + (testEngine() === "sqlite" ? "" : " ON sessions"));
    const again = await browser.postJson("/api/webauthn/login/finish", { response: assertion });
    expect(again.status).toBe(400);
    expect(count("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'SIGN_IN'")).toBe(0);
  });

  test("an off-site redirect target is ignored", async () => {
    const { app, deps, authr } = await setUp();
    for (const evil of ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]) {
      const res = await passkeyLogin(new AppClient(app, deps), authr, { body: { redirect: evil } });
      expect(await res.json()).toEqual({ redirect: "/settings/account" });
    }
    const browser = new AppClient(app, deps);
    expect((await passkeyLogin(browser, authr)).status).toBe(200);
    const page = await browser.get("/login?redirect=%2F%2Fevil.example");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/settings/account");
  });

  test("wrong origin is refused", async () => {
    const { app, deps, authr } = await setUp();
    await expectPasskeyError(await passkeyLogin(new AppClient(app, deps), authr, { overrides: { origin: "http://evil.example" } }), 400, "different website");
  });

  test("wrong RP id is refused", async () => {
    const { app, deps, authr } = await setUp();
    await expectPasskeyError(await passkeyLogin(new AppClient(app, deps), authr, { overrides: { rpId: "evil.example" } }), 400, "different website");
  });

  test("a registration made for another origin is refused", async () => {
    const { client } = await setUp();
    await expectPasskeyError(await registerPasskey(client, new SoftAuthenticator(), { overrides: { origin: "https://localhost:1411" } }), 400, "different website");
  });

  test("a replayed challenge is refused", async () => {
    const { app, deps, authr } = await setUp();
    const browser = new AppClient(app, deps);
    const options = await startPasskeyLogin(browser);
    const ceremony = browser.cookie("latchkey_webauthn")!;
    const response = authr.assert(options, { origin: deps.config.appUrl });
    expect((await browser.postJson("/api/webauthn/login/finish", { response })).status).toBe(200);
    // The same response with the same challenge cookie, from a fresh (anonymous) browser.
    const anon = new AppClient(app, deps);
    await anon.get("/login");
    anon.jar.set("latchkey_webauthn", ceremony);
    await expectPasskeyError(await anon.postJson("/api/webauthn/login/finish", { response }), 400, "expired or was already used");
  });

  test("an expired challenge is refused (60 s)", async () => {
    const { app, deps, authr } = await setUp();
    const browser = new AppClient(app, deps);
    const options = await startPasskeyLogin(browser);
    deps.clock.advance(61);
    await expectPasskeyError(await browser.postJson("/api/webauthn/login/finish", { response: authr.assert(options, { origin: deps.config.appUrl }) }), 400, "expired or was already used");
  });

  test("a foreign challenge (issued to another browser) is refused", async () => {
    const { app, deps, authr } = await setUp();
    const victim = new AppClient(app, deps);
    const attacker = new AppClient(app, deps);
    const victimOptions = await startPasskeyLogin(victim);
    await startPasskeyLogin(attacker);
    // The attacker answers the victim's challenge but holds its own ceremony cookie.
    const res = await attacker.postJson("/api/webauthn/login/finish", { response: authr.assert(victimOptions, { origin: deps.config.appUrl }) });
    await expectPasskeyError(res, 400, "does not belong to this request");
    // Without any ceremony cookie at all.
    const none = new AppClient(app, deps);
    await none.get("/login");
    await expectPasskeyError(await none.postJson("/api/webauthn/login/finish", { response: authr.assert(victimOptions, { origin: deps.config.appUrl }) }), 400, "expired or was already used");
  });

  test("an assertion with another user's credential is refused (user handle, re-authentication)", async () => {
    const { app, deps, authr, userId } = await setUp();
    const bob = createUser(deps, { username: "bob", email: null, firstName: "Bob", lastName: "" });
    const bobClient = new AppClient(app, deps);
    const { token } = createSession(deps, { userId: bob.id, amr: ["phr"], durationMinutes: 60 });
    bobClient.jar.set("latchkey_session", token);
    const bobAuthr = new SoftAuthenticator();
    expect((await registerPasskey(bobClient, bobAuthr)).status).toBe(201);

    // Ada's credential presented with Bob's user handle.
    const bobHandle = bobAuthr.credentials[0]!.userHandle;
    await expectPasskeyError(await passkeyLogin(new AppClient(app, deps), authr, { overrides: { userHandle: bobHandle } }), 400, "different account");

    // Bob re-authenticates with Ada's passkey.
    await bobClient.get("/reauthenticate?redirect=/settings/account");
    const start = await bobClient.postJson("/api/webauthn/reauthenticate/start", {});
    const { options } = (await start.json()) as { options: Parameters<SoftAuthenticator["assert"]>[0] };
    expect(options.allowCredentials!.map((c) => c.id)).toEqual([bobAuthr.credentials[0]!.id]);
    const res = await bobClient.postJson("/api/webauthn/reauthenticate/finish", { response: authr.assert(options, { origin: deps.config.appUrl }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain("different account");
    expect(userId).not.toBe(bob.id);
  });

  test("an unknown credential gets a clear message", async () => {
    const { app, deps } = await setUp();
    const stranger = new SoftAuthenticator();
    const browser = new AppClient(app, deps);
    const options = await startPasskeyLogin(browser);
    stranger.register({ rp: { id: "localhost", name: "x" }, user: { id: "eA", name: "x", displayName: "x" }, challenge: "AAAA", pubKeyCredParams: [] }, { origin: deps.config.appUrl });
    await expectPasskeyError(await browser.postJson("/api/webauthn/login/finish", { response: stranger.assert(options, { origin: deps.config.appUrl }) }), 400, "not registered here");
  });

  test("a counter going backwards is refused and audited; 0 staying 0 is fine", async () => {
    const { app, deps, authr } = await setUp();
    expect((await passkeyLogin(new AppClient(app, deps), authr, { overrides: { counter: 5 } })).status).toBe(200);
    await expectPasskeyError(await passkeyLogin(new AppClient(app, deps), authr, { overrides: { counter: 3 } }), 400, "counter");
    await expectPasskeyError(await passkeyLogin(new AppClient(app, deps), authr, { overrides: { counter: 5 } }), 400, "counter");
    const audit = deps.db.query<{ data: string }, []>("SELECT data FROM audit_logs WHERE event = 'PASSKEY_COUNTER_REGRESSION'").all();
    expect(audit).toHaveLength(2);
    expect(JSON.parse(audit[0]!.data)).toMatchObject({ storedCounter: 5, receivedCounter: 3 });
    expect(deps.db.query<{ counter: number }, []>("SELECT counter FROM webauthn_credentials").get()!.counter).toBe(5);

    const other = await setUp();
    expect((await passkeyLogin(new AppClient(other.app, other.deps), other.authr, { overrides: { counter: 0 } })).status).toBe(200);
    expect((await passkeyLogin(new AppClient(other.app, other.deps), other.authr, { overrides: { counter: 0 } })).status).toBe(200);
  });

  test("user verification is required by default", async () => {
    const { app, deps, authr } = await setUp();
    await expectPasskeyError(await passkeyLogin(new AppClient(app, deps), authr, { overrides: { userVerified: false } }), 400, "did not verify you");
  });

  test("user verification 'preferred' accepts an assertion without UV", async () => {
    const { app, deps, authr } = await setUp();
    updateAppConfig(deps.db, { webauthnUserVerification: "preferred" }, nowSeconds(deps.clock));
    expect((await passkeyLogin(new AppClient(app, deps), authr, { overrides: { userVerified: false } })).status).toBe(200);
  });

  test("synced passkeys are refused when the setting forbids them; backup flags are stored", async () => {
    const { client, deps } = await setUp();
    expect((await registerPasskey(client, new SoftAuthenticator(undefined, { backupEligible: true, backedUp: true }))).status).toBe(201);
    const rows = deps.db.query<{ backup_eligible: number; backup_state: number; device_type: string }, []>("SELECT backup_eligible, backup_state, device_type FROM webauthn_credentials ORDER BY created_at, rowid").all();
    expect(rows).toEqual([
      { backup_eligible: 0, backup_state: 0, device_type: "singleDevice" },
      { backup_eligible: 1, backup_state: 1, device_type: "multiDevice" },
    ]);
    updateAppConfig(deps.db, { webauthnAllowSyncedPasskeys: false }, nowSeconds(deps.clock));
    await expectPasskeyError(await registerPasskey(client, new SoftAuthenticator(undefined, { backupEligible: true })), 400, "Synced passkeys are not allowed");
  });

  test("a known AAGUID names the passkey", async () => {
    const { client } = await setUp();
    const res = await registerPasskey(client, new SoftAuthenticator("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", { backupEligible: true, backedUp: true }));
    expect(((await res.json()) as { passkey: { name: string; synced: boolean } }).passkey).toMatchObject({ name: "iCloud Keychain", synced: true });
  });

  test("a disabled user's passkey does not sign in", async () => {
    const { app, deps, authr, userId } = await setUp();
    deps.db.query("UPDATE users SET disabled = 1 WHERE id = ?").run(userId);
    const res = await passkeyLogin(new AppClient(app, deps), authr);
    expect(res.status).toBe(403);
  });

  test("malformed finish bodies answer 400, never 500", async () => {
    const { app, deps } = await setUp();
    const browser = new AppClient(app, deps);
    await startPasskeyLogin(browser);
    for (const body of [{}, { response: "x" }, { response: { id: 5 } }, { response: { id: "abc", response: null } }]) {
      const res = await browser.postJson("/api/webauthn/login/finish", body);
      expect(res.status).toBe(400);
    }
  });
});

describe("CSRF", () => {
  test("state-changing requests without the token are refused with 403", async () => {
    const { app, deps, client, authr } = await setUp();
    const anon = new AppClient(app, deps);
    await anon.get("/login");
    const cases: [AppClient, string, "json" | "form"][] = [
      [anon, "/api/webauthn/login/start", "json"],
      [anon, "/api/webauthn/login/finish", "json"],
      [anon, "/lc", "form"],
      [client, "/api/webauthn/register/start", "json"],
      [client, "/logout", "form"],
      [client, "/settings/account/profile", "form"],
      [client, "/settings/account/sessions/end-all", "form"],
      [client, `/settings/account/passkeys/${deps.db.query<{ id: string }, []>("SELECT id FROM webauthn_credentials").get()!.id}/delete`, "form"],
    ];
    for (const [c, path, kind] of cases) {
      const res = kind === "json" ? await c.postJson(path, {}, { csrf: false }) : await c.postForm(path, {}, { csrf: false });
      expect([path, res.status]).toEqual([path, 403]);
    }
    // A wrong token, and a right token from a foreign Origin.
    expect((await client.postForm("/logout", { _csrf: "nope" }, { csrf: false })).status).toBe(403);
    expect((await client.postForm("/logout", {}, { headers: { origin: "https://evil.example" } })).status).toBe(403);
    // The session survived all of that.
    expect((await client.get("/settings/account")).status).toBe(200);
    expect(authr.credentials).toHaveLength(1);
  });

  test("POST /setup without a token is refused", async () => {
    const { app, deps } = await freshApp();
    const client = new AppClient(app, deps);
    await client.get("/setup");
    const res = await client.postForm("/setup", { firstName: "Eve", username: "eve" }, { csrf: false });
    expect(res.status).toBe(403);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users").get()!.n).toBe(0);
  });
});

describe("first-run setup", () => {
  test("a second /setup is refused: GET redirects, POST creates nobody", async () => {
    const { app, deps } = await setUp();
    const other = new AppClient(app, deps);
    const page = await other.get("/setup");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/login");
    expect((await other.get("/signup/setup")).headers.get("location")).toBe("/login");
    await other.get("/login");
    const res = await other.postForm("/setup", { firstName: "Eve", username: "eve", email: "" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users").get()!.n).toBe(1);
  });

  test("two racing setups create exactly one admin", async () => {
    const { app, deps } = await freshApp();
    const a = new AppClient(app, deps, "198.51.100.1");
    const b = new AppClient(app, deps, "198.51.100.2");
    await Promise.all([a.get("/setup"), b.get("/setup")]);
    const results = await Promise.all([
      a.postForm("/setup", { firstName: "A", username: "alice" }),
      b.postForm("/setup", { firstName: "B", username: "bob" }),
    ]);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users WHERE is_admin = 1").get()!.n).toBe(1);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM setup_claim").get()!.n).toBe(1);
    expect(results.filter((r) => r.headers.get("location") === "/signup/add-passkey?setup=1")).toHaveLength(1);
    const audit = deps.db.query<{ data: string }, []>("SELECT data FROM audit_logs WHERE event = 'ACCOUNT_CREATED'").all();
    expect(audit.map((r) => JSON.parse(r.data))).toEqual([{ method: "initial setup" }]);
  });

  test("invalid input re-renders the form with 422 and field messages", async () => {
    const { app, deps } = await freshApp();
    const client = new AppClient(app, deps);
    await client.get("/setup");
    const res = await client.postForm("/setup", { firstName: "", username: "-bad-", email: "nope" }, { headers: { "hx-request": "true" } });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html.startsWith('<form id="setup-form"')).toBe(true);
    expect(html).toContain("Enter a first name.");
    expect(html).toContain("Use letters, digits");
    expect(html).toContain("Enter a valid email address");
  });
});

describe("sessions", () => {
  test("a session token cannot be reused after sign-out", async () => {
    const { client, deps } = await setUp();
    const token = client.cookie("latchkey_session")!;
    await client.get("/settings/account");
    const out = await client.postForm("/logout", {});
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/login?signed_out=1");
    expect(out.headers.getSetCookie()).toContain("latchkey_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
    const replay = new AppClient(client.app, deps);
    replay.jar.set("latchkey_session", token);
    const res = await replay.get("/settings/account");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?redirect=%2Fsettings%2Faccount");
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'SIGN_OUT'").get()!.n).toBe(1);
  });

  test("a disabled user's session stops working at the next request", async () => {
    const { client, deps, userId } = await setUp();
    expect((await client.get("/settings/account")).status).toBe(200);
    deps.db.query("UPDATE users SET disabled = 1 WHERE id = ?").run(userId);
    const res = await client.get("/settings/account");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?redirect=%2Fsettings%2Faccount");
    expect(deps.db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?").get(userId)!.n).toBe(0);
    expect((await client.postJson("/api/webauthn/register/start", {})).status).toBe(403); // no session → anonymous CSRF fails first
  });

  test("sign out everywhere ends every session of the user", async () => {
    const { client, deps, userId } = await setUp();
    const other = createSession(deps, { userId, amr: ["phr"], durationMinutes: 60 });
    await client.get("/settings/account");
    const res = await client.postForm("/settings/account/sessions/end-all", {});
    expect(res.status).toBe(303);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM sessions").get()!.n).toBe(0);
    const stale = new AppClient(client.app, deps);
    stale.jar.set("latchkey_session", other.token);
    expect((await stale.get("/settings/account")).status).toBe(303);
  });

  test("on https the cookie is __Host- prefixed and Secure; Max-Age follows sessionDuration", async () => {
    const { app, deps } = await freshApp({ APP_URL: "https://id.example.com" });
    updateAppConfig(deps.db, { sessionDuration: 15 }, nowSeconds(deps.clock));
    const client = new AppClient(app, deps);
    await client.get("/setup");
    const res = await client.postForm("/setup", { firstName: "Ada", username: "ada" });
    expect(res.headers.getSetCookie().find((c) => c.startsWith("__Host-latchkey_session="))).toMatch(/; Path=\/; Max-Age=900; HttpOnly; SameSite=Lax; Secure$/);
  });

  test("anonymous pages under /settings redirect to sign-in with a way back", async () => {
    const { app, deps } = await setUp();
    const res = await new AppClient(app, deps).get("/settings/account");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?redirect=%2Fsettings%2Faccount");
  });
});

describe("passkey management", () => {
  test("the last passkey is deleted only with explicit confirmation", async () => {
    const { client, deps } = await setUp();
    const id = deps.db.query<{ id: string }, []>("SELECT id FROM webauthn_credentials").get()!.id;
    await client.get("/settings/account");
    const refused = await client.postForm(`/settings/account/passkeys/${id}/delete`, {});
    expect(refused.status).toBe(409);
    const confirmPage = await client.get(`/settings/account/passkeys/${id}/delete`);
    expect(await confirmPage.text()).toContain("Delete your only passkey?");
    const ok = await client.postForm(`/settings/account/passkeys/${id}/delete`, { confirm: "delete-last-passkey" });
    expect(ok.status).toBe(303);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM webauthn_credentials").get()!.n).toBe(0);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'PASSKEY_REMOVED'").get()!.n).toBe(1);
  });

  test("another user's passkey cannot be renamed or deleted", async () => {
    const { app, deps } = await setUp();
    const adaCredential = deps.db.query<{ id: string }, []>("SELECT id FROM webauthn_credentials").get()!.id;
    const bob = createUser(deps, { username: "bob", email: null, firstName: "Bob", lastName: "" });
    const bobClient = new AppClient(app, deps);
    bobClient.jar.set("latchkey_session", createSession(deps, { userId: bob.id, amr: ["phr"], durationMinutes: 60 }).token);
    await bobClient.get("/settings/account");
    expect((await bobClient.postForm(`/settings/account/passkeys/${adaCredential}/rename`, { name: "mine" })).status).toBe(404);
    expect((await bobClient.postForm(`/settings/account/passkeys/${adaCredential}/delete`, { confirm: "delete-last-passkey" })).status).toBe(404);
    expect(deps.db.query<{ name: string }, []>("SELECT name FROM webauthn_credentials").get()!.name).toBe("Passkey");
  });

  test("re-authentication: a fresh assertion within 60 s is recorded", async () => {
    const { client, deps, authr } = await setUp();
    await client.get("/reauthenticate?redirect=/settings/account");
    const start = await client.postJson("/api/webauthn/reauthenticate/start", {});
    const { options } = (await start.json()) as { options: Parameters<SoftAuthenticator["assert"]>[0] };
    const res = await client.postJson("/api/webauthn/reauthenticate/finish", { response: authr.assert(options, { origin: deps.config.appUrl }), redirect: "/authorize?x=1" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ redirect: "/authorize?x=1" });
    const row = deps.db.query<{ amr: string; authenticated_at: number }, []>("SELECT amr, authenticated_at FROM sessions").get()!;
    expect(row.amr).toBe('["otp","phr"]');
    expect(row.authenticated_at).toBe(nowSeconds(deps.clock));
  });
});

describe("login codes", () => {
  test("single use, expiring, rate limited; the session is amr otp and goes to adding a passkey", async () => {
    const { app, deps, userId } = await setUp();
    const { token } = createOneTimeAccessToken(deps, userId, 3600);
    expect(token).toMatch(/^[A-HJ-NP-Z2-9]{12}$/);
    const client = new AppClient(app, deps);
    await client.get(`/lc/${token}`);
    const res = await client.postForm("/lc", { code: token.toLowerCase().replace(/(.{4})/g, "$1-"), redirect: "/authorize?a=b" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/signup/add-passkey?redirect=%2Fauthorize%3Fa%3Db");
    const session = deps.db.query<{ amr: string }, []>("SELECT amr FROM sessions ORDER BY created_at DESC, rowid DESC LIMIT 1").get()!;
    expect(session.amr).toBe('["otp"]');
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'TOKEN_SIGN_IN'").get()!.n).toBe(1);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM one_time_access_tokens").get()!.n).toBe(0);

    const again = new AppClient(app, deps, "192.0.2.50");
    await again.get("/lc");
    const reused = await again.postForm("/lc", { code: token });
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain("not valid");

    const expired = createOneTimeAccessToken(deps, userId, 3600).token;
    deps.clock.advance(3601);
    expect((await again.postForm("/lc", { code: expired })).status).toBe(400);

    const limited = new AppClient(app, deps, "192.0.2.99");
    await limited.get("/lc");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await limited.postForm("/lc", { code: "WRONGCODE234" })).status);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
  });

  test("short-lived codes are 6 characters", async () => {
    const { deps, userId } = await setUp();
    expect(createOneTimeAccessToken(deps, userId, 15 * 60).token).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
  });
});

describe("device-bound login codes", () => {
  test("a code bound to a device works only with that device's cookie", async () => {
    const { app, deps, userId } = await setUp();
    const { hashToken } = await import("../../src/lib/hash.ts");
    const { insertOneTimeAccessToken } = await import("../../src/db/one-time-access-tokens.ts");
    insertOneTimeAccessToken(deps.db, {
      id: crypto.randomUUID(),
      tokenHash: hashToken("DEVICECODE23"),
      userId,
      deviceTokenHash: hashToken("the-device"),
      createdAt: nowSeconds(deps.clock),
      expiresAt: nowSeconds(deps.clock) + 600,
    });
    const other = new AppClient(app, deps, "192.0.2.10");
    await other.get("/lc");
    expect((await other.postForm("/lc", { code: "DEVICECODE23" })).status).toBe(400);
    const device = new AppClient(app, deps, "192.0.2.11");
    device.jar.set("latchkey_device_token", "the-device");
    await device.get("/lc");
    expect((await device.postForm("/lc", { code: "DEVICECODE23" })).status).toBe(303);
  });
});
