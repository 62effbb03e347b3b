/**
 * Email (issue 7) against a real SMTP server on loopback (tests/helpers/smtp-sink.ts).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import type { App } from "../../../src/app.ts";
import { engineOf } from "../../../src/db/database.ts";
import { recordAuditEvent } from "../../../src/audit/audit-log.ts";
import { listOutboxMessages } from "../../../src/db/email.ts";
import { findUserById } from "../../../src/db/users.ts";
import type { Log } from "../../../src/lib/log.ts";
import { buildUserClaims } from "../../../src/oidc/claims.ts";
import { isNewSignInDevice, notifyNewDeviceSignIn, runApiKeyExpiryJob } from "../../../src/mail/emails.ts";
import { createDeviceLoginRequest, exchangeDeviceLogin } from "../../../src/account/device-login.ts";
import { decideDeviceLoginRequest } from "../../../src/db/device-login-requests.ts";
import { BACKOFF_SECONDS, flushEmailOutbox, stopEmailWorker } from "../../../src/mail/outbox.ts";
import { mintApiKey } from "../../../src/admin/api-keys.ts";
import { nowSeconds } from "../../../src/lib/clock.ts";
import { makeAdminFixture, apiReq, json, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { AppClient } from "../../helpers/app-client.ts";
import { bucketsFor, RATE_RULES } from "../../../src/http/plugins/rate-limit.ts";
import { selfSignedCertificate, startSmtpSink, type SmtpSink } from "../../helpers/smtp-sink.ts";
import { createTestApp, makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

const CONFIG_PAGE = "/settings/admin/application-configuration";

let deps: TestDeps;
let app: App;
let fx: AdminFixture;
let sink: SmtpSink;
let logs: { level: string; msg: string; fields?: Record<string, unknown> }[];

function captureLog(): Log {
  const push = (level: string) => (msg: string, fields?: Record<string, unknown>) => void logs.push({ level, msg, fields });
  return { debug: push("debug"), info: push("info"), warn: push("warn"), error: push("error") };
}

async function setup(env: Record<string, string> = {}, sinkOpts: Parameters<typeof startSmtpSink>[0] = {}) {
  logs = [];
  deps = makeTestDeps(env);
  deps.log = captureLog();
  app = await createTestApp(deps);
  fx = makeAdminFixture(deps);
  sink = await startSmtpSink(sinkOpts);
}

/** Saves the configuration form as the admin would (every toggle listed explicitly). */
async function saveConfig(values: Record<string, string>) {
  const form: Record<string, string> = { appName: "Latchkey", sessionDuration: "60", homePageUrl: "/settings/account", accentColor: "default", allowUserSignups: "disabled", webauthnUserVerification: "required", webauthnAuthenticatorAttachment: "any", smtpHost: "127.0.0.1", smtpPort: String(sink.port), smtpFrom: "latchkey@example.com", smtpTls: "none", smtpUser: "", allowOwnAccountEdit: "true", ...values };
  const res = await app.handle(pageReq(deps, fx.admin, "POST", CONFIG_PAGE, { form, htmx: true }));
  expect(res.status).toBe(200);
  return res;
}

async function testEmailResult(): Promise<string> {
  const res = await app.handle(pageReq(deps, fx.admin, "POST", `${CONFIG_PAGE}/test-email`, { htmx: true }));
  expect(res.status).toBe(200);
  return res.text();
}

afterEach(async () => {
  stopEmailWorker(deps.db);
  await sink.close();
  deps.cleanup();
});

describe("SMTP settings and the test email", () => {
  beforeEach(() => setup({}, { auth: { user: "mailer", pass: "s3cret-Pa55" } }));

  test("the password is sealed in the database, never shown back, kept when left empty, removable", async () => {
    await saveConfig({ smtpUser: "mailer", smtpPassword: "s3cret-Pa55" });
    const row = deps.db.query<{ value: string }, []>("SELECT value FROM app_config WHERE key = 'smtpPassword'").get()!;
    expect(row.value).not.toContain("s3cret-Pa55");
    // SQLite: not in the file either (PostgreSQL's storage is the server's; the column check above holds there).
    if (engineOf(deps.db) === "sqlite") {
      deps.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      expect(readFileSync(deps.config.dbPath).includes(Buffer.from("s3cret-Pa55"))).toBe(false);
    }

    const page = await (await app.handle(pageReq(deps, fx.admin, "GET", CONFIG_PAGE))).text();
    expect(page).not.toContain("s3cret-Pa55");
    expect(page).toContain(">set</span>");
    const api = await json(app, apiReq(deps, fx.admin.key, "GET", "/api/application-configuration/all"));
    expect(api.status).toBe(200);
    expect(JSON.stringify(api.body)).not.toContain("s3cret-Pa55");
    expect(api.body.find((e: { key: string }) => e.key === "smtpPassword").value).toBe("XXXXXXXXXX");

    // Saving again with the field empty keeps it: the test email still logs in.
    await saveConfig({ smtpUser: "mailer" });
    expect(await testEmailResult()).toContain("Test email sent to alice@example.com.");
    expect(sink.messages[0]!.subject).toBe("Test email");
    expect(sink.messages[0]!.text).toContain("Your SMTP settings work.");
    expect(sink.messages[0]!.html).toContain("Your SMTP settings work.");

    await saveConfig({ smtpUser: "mailer", smtpPasswordClear: "true" });
    expect(deps.db.query("SELECT 1 FROM app_config WHERE key = 'smtpPassword'").get()).toBeNull();
    expect(await (await app.handle(pageReq(deps, fx.admin, "GET", CONFIG_PAGE))).text()).toContain(">not set</span>");
  });

  test("a refused login is reported in the server's words", async () => {
    await saveConfig({ smtpUser: "mailer", smtpPassword: "wrong" });
    const html = await testEmailResult();
    expect(html).toContain("The test email was not sent.");
    expect(html).toContain("The server refused the login: 535 Authentication failed");
    const api = await json(app, apiReq(deps, fx.admin.key, "POST", "/api/application-configuration/test-email"));
    expect(api.status).toBe(400);
    expect(JSON.stringify(api.body)).toContain("The server refused the login: 535 Authentication failed");
  });

  test("an unreachable server is reported as such", async () => {
    await saveConfig({ smtpUser: "mailer", smtpPassword: "x" });
    await sink.close();
    expect(await testEmailResult()).toContain("the connection was refused");
    sink = await startSmtpSink();
  });

  test("PUT of the placeholder keeps the stored password (Pocket ID's UI sends it back)", async () => {
    await saveConfig({ smtpUser: "mailer", smtpPassword: "s3cret-Pa55" });
    const put = await json(app, apiReq(deps, fx.admin.key, "PUT", "/api/application-configuration", { smtpPassword: "XXXXXXXXXX", smtpHost: "127.0.0.1" }));
    expect(put.status).toBe(200);
    expect(await testEmailResult()).toContain("Test email sent");
  });
});

describe("UI_CONFIG_DISABLED: SMTP_* from the environment", () => {
  test("SMTP_PASSWORD_FILE is read, the page is read-only and shows only that a password is set", async () => {
    const secretDir = (await import("node:fs")).mkdtempSync(`${(await import("node:os")).tmpdir()}/latchkey-smtp-`);
    const file = `${secretDir}/smtp-password`;
    writeFileSync(file, "env-Pa55word\n");
    await setup(
      { UI_CONFIG_DISABLED: "true", SMTP_HOST: "127.0.0.1", SMTP_FROM: "latchkey@example.com", SMTP_USER: "mailer", SMTP_PASSWORD_FILE: file, EMAIL_ONE_TIME_ACCESS_AS_ADMIN_ENABLED: "true" },
      { auth: { user: "mailer", pass: "env-Pa55word" } },
    );
    // The sink's port is known only now; the config object is the one the app reads.
    deps.config.appConfigEnv.SMTP_PORT = String(sink.port);
    const page = await (await app.handle(pageReq(deps, fx.admin, "GET", CONFIG_PAGE))).text();
    expect(page).not.toContain("env-Pa55word");
    expect(page).toContain(">set</span>");
    expect(await testEmailResult()).toContain("Test email sent to alice@example.com.");
    const r = await app.handle(apiReq(deps, fx.admin.key, "POST", `/api/users/${fx.member.user.id}/one-time-access-email`, {}));
    expect(r.status).toBe(204);
    await sink.waitForMessages(2);
    rmSync(secretDir, { recursive: true, force: true });
  });
});

describe("TLS modes (self-signed certificate)", () => {
  const cert = selfSignedCertificate();
  for (const mode of ["starttls", "tls"] as const) {
    test.skipIf(!cert)(`${mode}: refused certificate explained; accepted with skip verification`, async () => {
      await setup({}, { tls: mode, cert: cert!, auth: { user: "mailer", pass: "pw" } });
      await saveConfig({ smtpTls: mode, smtpHost: "localhost", smtpUser: "mailer", smtpPassword: "pw" });
      expect(await testEmailResult()).toContain("TLS certificate was not accepted");
      await saveConfig({ smtpTls: mode, smtpHost: "localhost", smtpUser: "mailer", smtpSkipCertVerify: "true" });
      expect(await testEmailResult()).toContain("Test email sent");
      expect(sink.logins).toContain("mailer");
    });
  }
});

describe("toggles", () => {
  beforeEach(() => setup());

  test("requireUserEmail: off by default, then users must have an address", async () => {
    const ok = await json(app, apiReq(deps, fx.admin.key, "POST", "/api/users", { username: "noemail", firstName: "N" }));
    expect(ok.status).toBe(201);
    await saveConfig({ requireUserEmail: "true" });
    const refused = await json(app, apiReq(deps, fx.admin.key, "POST", "/api/users", { username: "noemail2", firstName: "N" }));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain("Enter an email address.");
  });

  test("every email toggle is off by default", async () => {
    const client = new AppClient(app, deps);
    expect((await client.get("/login/alternative/email")).status).toBe(404);
    expect(await (await client.get("/login")).text()).not.toContain("Email me a login code");
    const r = await json(app, apiReq(deps, fx.admin.key, "POST", `/api/users/${fx.member.user.id}/one-time-access-email`, {}));
    expect(r.status).toBe(403);
    const changed = await app.handle(pageReq(deps, fx.member, "POST", "/settings/account/profile", { form: { firstName: "Bob", lastName: "", displayName: "", username: "bob", email: "bob2@example.com" }, htmx: true }));
    expect(changed.status).toBe(200);
    await flushEmailOutbox(deps);
    expect(sink.messages.length).toBe(0);
  });
});

describe("email verification", () => {
  beforeEach(async () => {
    await setup();
    await saveConfig({ emailVerificationEnabled: "true" });
  });

  const changeEmail = (email: string) =>
    app.handle(pageReq(deps, fx.member, "POST", "/settings/account/profile", { form: { firstName: "Bob", lastName: "", displayName: "", username: "bob", email }, htmx: true }));
  const tokenOf = (text: string) => /verify-email\?token=([A-Za-z0-9_%-]+)/.exec(text)![1]!;

  test("a changed address gets a single-use link; email_verified follows", async () => {
    expect((await changeEmail("bob.new@example.com")).status).toBe(200);
    expect(findUserById(deps.db, fx.member.user.id)!.emailVerified).toBe(false);
    const [m] = await sink.waitForMessages(1);
    expect(m!.to).toEqual(["bob.new@example.com"]);
    expect(m!.subject).toBe("Verify your Latchkey email address");
    const token = decodeURIComponent(tokenOf(m!.text));
    expect(m!.html).toContain(`verify-email?token=${encodeURIComponent(token)}`);
    expect(buildUserClaims(deps.db, deps.config.appUrl, findUserById(deps.db, fx.member.user.id)!, ["openid", "email"]).email_verified).toBe(false);

    const client = new AppClient(app, deps);
    const page = await client.get(`/verify-email?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Verify email address");
    const ok = await client.postForm("/verify-email", { token });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("bob.new@example.com is verified");
    expect(buildUserClaims(deps.db, deps.config.appUrl, findUserById(deps.db, fx.member.user.id)!, ["openid", "email"]).email_verified).toBe(true);

    const again = await client.postForm("/verify-email", { token });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("already been used");
  });

  test("the link expires after 24 hours", async () => {
    await changeEmail("bob.late@example.com");
    const [m] = await sink.waitForMessages(1);
    const token = decodeURIComponent(tokenOf(m!.text));
    deps.clock.advance(24 * 3600 + 1);
    const client = new AppClient(app, deps);
    await client.get("/verify-email");
    expect((await client.postForm("/verify-email", { token })).status).toBe(400);
    expect(findUserById(deps.db, fx.member.user.id)!.emailVerified).toBe(false);
  });

  test("the account page shows the status and sends a new link", async () => {
    await changeEmail("bob.page@example.com");
    await sink.waitForMessages(1);
    const page = await (await app.handle(pageReq(deps, fx.member, "GET", "/settings/account"))).text();
    expect(page).toContain("Email not verified");
    const resend = await app.handle(pageReq(deps, fx.member, "POST", "/settings/account/email/verification", { htmx: true }));
    expect(resend.status).toBe(200);
    expect(await resend.text()).toContain("We sent a verification link to bob.page@example.com.");
    await sink.waitForMessages(2);
  });
});

describe("Pocket ID's email-verification API", () => {
  // Not gated by emailVerificationEnabled (as Pocket ID): the toggle stays off here.
  beforeEach(async () => {
    await setup();
    await saveConfig({});
  });
  const tokenOf = (text: string) => decodeURIComponent(/verify-email\?token=([A-Za-z0-9_%-]+)/.exec(text)![1]!);
  const send = (key: string) => app.handle(apiReq(deps, key, "POST", "/api/users/me/send-email-verification"));
  const verify = (key: string, token: unknown) => json(app, apiReq(deps, key, "POST", "/api/users/me/verify-email", { token }));
  const verified = (id: string) => findUserById(deps.db, id)!.emailVerified;

  test("send: 204 and a 24-hour link by email, stored only as a hash; verify: 204 and email_verified; the replay is 400", async () => {
    const res = await send(fx.member.key);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    const [m] = await sink.waitForMessages(1);
    expect(m!.to).toEqual(["bob@example.com"]);
    expect(m!.subject).toBe("Verify your Latchkey email address");
    const token = tokenOf(m!.text);
    const rows = deps.db.query<{ token_hash: string; expires_at: number; created_at: number }, []>("SELECT token_hash, expires_at, created_at FROM email_verification_tokens").all();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).not.toContain(token);
    expect(rows[0]!.expires_at - rows[0]!.created_at).toBe(24 * 3600);
    expect(verified(fx.member.user.id)).toBe(false);

    const ok = await verify(fx.member.key, token);
    expect(ok.status).toBe(204);
    expect(verified(fx.member.user.id)).toBe(true);
    const replay = await verify(fx.member.key, token);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ error: "bad_request" });
    expect(replay.body.message).toContain("not valid");
  });

  test("a token is only its own user's: another user's is refused and stays usable by its owner", async () => {
    expect((await send(fx.member.key)).status).toBe(204);
    const token = tokenOf((await sink.waitForMessages(1))[0]!.text);
    expect((await verify(fx.admin.key, token)).status).toBe(400);
    expect(verified(fx.admin.user.id)).toBe(false);
    expect((await verify(fx.member.key, token)).status).toBe(204);
  });

  test("expired after 24 hours, refused once the address changed, missing or empty token: 400", async () => {
    const { token: key } = mintApiKey(deps, fx.member.user.id, { name: "week", expiresAt: nowSeconds(deps.clock) + 7 * 86400 });
    expect((await send(key)).status).toBe(204);
    const token = tokenOf((await sink.waitForMessages(1))[0]!.text);
    deps.clock.advance(24 * 3600 + 1);
    expect((await verify(key, token)).status).toBe(400);
    expect((await send(key)).status).toBe(204);
    const second = tokenOf((await sink.waitForMessages(2))[1]!.text);
    deps.db.query("UPDATE users SET email = 'bob.other@example.com' WHERE id = ?").run(fx.member.user.id);
    expect((await verify(key, second)).status).toBe(400);
    expect(verified(fx.member.user.id)).toBe(false);
    expect((await verify(key, undefined)).status).toBe(400);
    expect((await verify(key, "")).status).toBe(400);
  });

  test("no address: 409; no or a wrong key: 403/401; a session without the CSRF header: 403; with it: 204", async () => {
    deps.db.query("UPDATE users SET email = NULL WHERE id = ?").run(fx.member.user.id);
    const none = await json(app, apiReq(deps, fx.member.key, "POST", "/api/users/me/send-email-verification"));
    expect(none.status).toBe(409);
    expect(none.body).toMatchObject({ error: "conflict", message: "Add an email address first." });
    // Without a key or session the CSRF guard answers first (403), as on every unsafe API route; a wrong key is 401.
    expect((await app.handle(apiReq(deps, null, "POST", "/api/users/me/send-email-verification"))).status).toBe(403);
    expect((await app.handle(apiReq(deps, "not-a-key", "POST", "/api/users/me/send-email-verification"))).status).toBe(401);
    expect((await app.handle(apiReq(deps, "not-a-key", "POST", "/api/users/me/verify-email", { token: "x" }))).status).toBe(401);
    expect((await app.handle(pageReq(deps, fx.admin, "POST", "/api/users/me/send-email-verification", { csrf: false }))).status).toBe(403);
    deps.clock.advance(300); // the 409 took this IP's one token
    expect((await app.handle(pageReq(deps, fx.admin, "POST", "/api/users/me/send-email-verification"))).status).toBe(204);
    expect((await sink.waitForMessages(1))[0]!.to).toEqual(["alice@example.com"]);
  });

  test("rate limits as Pocket ID: send 2 per 10 minutes with burst 1, verify 1 per 10 s with burst 5", async () => {
    expect((await send(fx.member.key)).status).toBe(204);
    const limited = await send(fx.member.key);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    deps.clock.advance(300);
    expect((await send(fx.member.key)).status).toBe(204);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await verify(fx.member.key, "wrong")).status);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
  });
});

describe("new-device sign-in notification", () => {
  beforeEach(async () => {
    await setup();
    await saveConfig({ emailLoginNotificationEnabled: "true" });
  });

  test("sent for a new IP + browser, not for a repeat, with device, IP, time and advice", async () => {
    const ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    const origin = { ip: "198.51.100.20", userAgent: ua };
    const user = fx.member.user;
    const signIn = () => {
      const isNew = isNewSignInDevice(deps, user.id, origin);
      recordAuditEvent(deps, "SIGN_IN", { userId: user.id, origin });
      if (isNew) notifyNewDeviceSignIn(deps, user, origin);
      return isNew;
    };
    expect(signIn()).toBe(true);
    expect(signIn()).toBe(false);
    await flushEmailOutbox(deps);
    expect(sink.messages.length).toBe(1);
    const m = sink.messages[0]!;
    expect(m.subject).toBe("New device login with Latchkey");
    expect(m.text).toContain("Device: Chrome 131 on macOS");
    expect(m.text).toContain("IP address: 198.51.100.20");
    // In the recipient's language (English: no locale set), with the time zone named.
    expect(m.text).toMatch(/Time: Saturday, November 28, 2026 at \d{1,2}:\d\d:\d\d [AP]M UTC/);
    expect(m.text).toContain("If it was not you");
    expect(m.html).toContain("Chrome 131 on macOS");
    expect(isNewSignInDevice(deps, user.id, { ...origin, ip: "198.51.100.21" })).toBe(true);
  });
});

describe("new-device notification after a sign-in from another device", () => {
  beforeEach(async () => {
    await setup();
    await saveConfig({ emailLoginNotificationEnabled: "true" });
  });

  const asker = { ip: "198.51.100.30", userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" };
  /** The asking browser's whole sign-in: asked, approved by the member, exchanged (no wait). */
  async function remoteSignIn(origin = asker) {
    const { request, deviceToken } = createDeviceLoginRequest(deps, origin);
    expect(decideDeviceLoginRequest(deps.db, request.userCode, nowSeconds(deps.clock), { status: "approved", userId: fx.member.user.id })).toBe(true);
    return exchangeDeviceLogin(deps, { id: request.id, deviceToken, origin }, { waitMs: 0, checkMs: 0 });
  }

  test("the account's owner is told of a new browser signed in by an approval (once; not for a repeat)", async () => {
    expect((await remoteSignIn()).status).toBe("approved");
    expect((await remoteSignIn()).status).toBe("approved");
    await flushEmailOutbox(deps);
    expect(sink.messages.map((m) => m.to)).toEqual([[fx.member.user.email!]]);
    const m = sink.messages[0]!;
    expect(m.subject).toBe("New device login with Latchkey");
    expect(m.text).toContain("Device: Firefox 133 on Linux");
    expect(m.text).toContain("IP address: 198.51.100.30");
    // That browser signing in later with a passkey is no news either.
    expect(isNewSignInDevice(deps, fx.member.user.id, asker)).toBe(false);
  });

  test("no email for an exchange that signs nobody in (a disabled user), nor while the setting is off", async () => {
    deps.db.query("UPDATE users SET disabled = 1 WHERE id = ?").run(fx.member.user.id);
    await expect(remoteSignIn()).rejects.toThrow();
    deps.db.query("UPDATE users SET disabled = 0 WHERE id = ?").run(fx.member.user.id);
    await saveConfig({ emailLoginNotificationEnabled: "false" });
    expect((await remoteSignIn({ ...asker, ip: "198.51.100.31" })).status).toBe("approved");
    await flushEmailOutbox(deps);
    expect(sink.messages).toEqual([]);
  });
});

describe("login codes by email", () => {
  test("admin-sent code signs the user in (amr otp → add a passkey)", async () => {
    await setup();
    await saveConfig({ emailOneTimeAccessAsAdminEnabled: "true" });
    const r = await app.handle(apiReq(deps, fx.admin.key, "POST", `/api/users/${fx.member.user.id}/one-time-access-email`, {}));
    expect(r.status).toBe(204);
    const [m] = await sink.waitForMessages(1);
    expect(m!.subject).toBe("Login Code");
    expect(m!.to).toEqual(["bob@example.com"]);
    const code = /^ {4}([A-Z0-9]+)\r?$/m.exec(m!.text)![1]!;
    expect(code.length).toBe(12);
    expect(m!.html).toContain(`/lc/${code}`);
    const client = new AppClient(app, deps);
    await client.get(`/lc/${code}`);
    const res = await client.postForm("/lc", { code });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toStartWith("/signup/add-passkey");
    // Single use.
    const other = new AppClient(app, deps);
    await other.get("/lc");
    expect((await other.postForm("/lc", { code })).status).toBe(400);
    // The page button.
    const page = await (await app.handle(pageReq(deps, fx.admin, "GET", `/settings/admin/users/${fx.member.user.id}`))).text();
    expect(page).toContain("Email login code");
    const btn = await app.handle(pageReq(deps, fx.admin, "POST", `/settings/admin/users/${fx.member.user.id}/login-code-email`, { htmx: true }));
    expect(await btn.text()).toContain("Login code sent to bob@example.com.");
    await sink.waitForMessages(2);
  });

  test("goes out in the recipient's language: a German user's code email is German, their time in words", async () => {
    await setup();
    await saveConfig({ emailOneTimeAccessAsAdminEnabled: "true" });
    deps.db.query("UPDATE users SET locale = 'de-DE' WHERE id = ?").run(fx.member.user.id);
    const r = await app.handle(apiReq(deps, fx.admin.key, "POST", `/api/users/${fx.member.user.id}/one-time-access-email`, {}));
    expect(r.status).toBe(204);
    const [m] = await sink.waitForMessages(1);
    expect(m!.subject).toBe("Anmeldecode");
    expect(m!.text).toStartWith("Hallo Bob,");
    expect(m!.text).toContain("Verwenden Sie diesen Code, um sich bei Latchkey anzumelden. Er läuft in 1 Stunde ab und funktioniert nur einmal.");
    expect(m!.text).toContain("Gesendet von Latchkey");
    expect(m!.html).toContain('<html lang="de">');
    expect(m!.html).toContain(">Anmelden</a>");
    expect(m!.html).not.toContain("Sign in");
    // Another person without a language setting still gets English.
    deps.db.query("UPDATE users SET locale = NULL WHERE id = ?").run(fx.member.user.id);
    await app.handle(apiReq(deps, fx.admin.key, "POST", `/api/users/${fx.member.user.id}/one-time-access-email`, {}));
    const [, en] = await sink.waitForMessages(2);
    expect(en!.subject).toBe("Login Code");
    expect(en!.text).toContain("It expires in 1 hour and works once.");
  });

  describe("requested by the user", () => {
    beforeEach(async () => {
      await setup();
      await saveConfig({ emailOneTimeAccessAsUnauthenticatedEnabled: "true" });
    });
    const strip = (html: string) => html.replace(/[A-Za-z0-9_-]{20,}/g, "TOKEN");

    test("same answer for unknown addresses; the code works only in the asking browser", async () => {
      const asker = new AppClient(app, deps, "203.0.113.8");
      expect(await (await asker.get("/login")).text()).toContain("Email me a login code");
      await asker.get("/login/alternative/email");
      const known = await asker.postForm("/login/alternative/email", { email: "BOB@example.com" });
      const stranger = new AppClient(app, deps, "203.0.113.9");
      await stranger.get("/login/alternative/email");
      const unknown = await stranger.postForm("/login/alternative/email", { email: "nobody@example.com" });
      expect(known.status).toBe(200);
      expect(unknown.status).toBe(200);
      expect(strip(await unknown.text())).toBe(strip(await known.text()));
      expect(unknown.headers.getSetCookie().map((c) => c.replace(/=[^;]+/, "=X"))).toEqual(known.headers.getSetCookie().map((c) => c.replace(/=[^;]+/, "=X")));

      await flushEmailOutbox(deps);
      expect(sink.messages.length).toBe(1);
      const code = /^ {4}([A-Z0-9]+)\r?$/m.exec(sink.messages[0]!.text)![1]!;
      expect(code.length).toBe(6);
      expect(sink.messages[0]!.text).toContain("only in the browser where you asked");

      const thief = new AppClient(app, deps, "203.0.113.10");
      await thief.get("/lc");
      const stolen = await thief.postForm("/lc", { code });
      expect(stolen.status).toBe(400);
      const mine = await asker.postForm("/lc", { code });
      expect(mine.status).toBe(303);
    });

    test("JSON form (Pocket ID's POST /api/one-time-access-email): 204 either way, code bound to the browser", async () => {
      const c = new AppClient(app, deps, "203.0.113.30");
      await c.get("/login");
      const known = await c.postJson("/api/one-time-access-email", { email: "bob@example.com", redirectPath: "/settings/account" });
      const unknown = await c.postJson("/api/one-time-access-email", { email: "nobody@example.com" });
      expect([known.status, unknown.status]).toEqual([204, 204]);
      const bad = await c.postJson("/api/one-time-access-email", { email: "not-an-address" });
      expect(bad.status).toBe(400);
      await flushEmailOutbox(deps);
      expect(sink.messages.length).toBe(1);
      expect(sink.messages[0]!.text).toContain("/lc?redirect=%2Fsettings%2Faccount");
      const code = /^ {4}([A-Z0-9]+)\r?$/m.exec(sink.messages[0]!.text)![1]!;
      const res = await c.postForm("/lc", { code });
      expect(res.status).toBe(303);
    });

    test("rate limited per IP (429) and per account (silently: same answer, no more mail)", async () => {
      // Per account, from several IPs: three mails, then the same answer without one.
      const bodies: string[] = [];
      for (let i = 0; i < 5; i++) {
        const c = new AppClient(app, deps, `203.0.113.${40 + i}`);
        await c.get("/login/alternative/email");
        const res = await c.postForm("/login/alternative/email", { email: "bob@example.com" });
        expect(res.status).toBe(200);
        bodies.push(strip(await res.text()));
      }
      expect(new Set(bodies).size).toBe(1);
      await flushEmailOutbox(deps);
      expect(sink.messages.length).toBe(3);
      // Unknown addresses: the same answer, and no bucket per made-up address.
      const s = new AppClient(app, deps, "203.0.113.60");
      await s.get("/login/alternative/email");
      for (let i = 0; i < 5; i++) expect(strip(await (await s.postForm("/login/alternative/email", { email: `nobody${i}@example.com` })).text())).toBe(bodies[0]!);
      expect(bucketsFor(app.web).store("email-login-code-account", RATE_RULES.emailLoginCodePerAddress).size).toBe(1);
      deps.clock.advance(RATE_RULES.emailLoginCodePerAddress.perSeconds);
      const later = new AppClient(app, deps, "203.0.113.61");
      await later.get("/login/alternative/email");
      await later.postForm("/login/alternative/email", { email: "bob@example.com" });
      await flushEmailOutbox(deps);
      expect(sink.messages.length).toBe(4);
      const d = new AppClient(app, deps, "203.0.113.21");
      await d.get("/login/alternative/email");
      const perIp: number[] = [];
      for (let i = 0; i < 6; i++) perIp.push((await d.postForm("/login/alternative/email", { email: `x${i}@example.com` })).status);
      expect(perIp).toEqual([200, 200, 200, 200, 200, 429]);
    });
  });
});

describe("a failing or slow SMTP server never blocks or breaks sign-in", () => {
  beforeEach(async () => {
    await setup();
    await saveConfig({ emailOneTimeAccessAsUnauthenticatedEnabled: "true" });
  });

  test("slow: the answer comes before delivery", async () => {
    // The server holds its answer to the message until released: a sign-in that waited for delivery would never answer.
    const release = sink.hold();
    const c = new AppClient(app, deps);
    await c.get("/login/alternative/email");
    const res = await c.postForm("/login/alternative/email", { email: "bob@example.com" });
    expect(res.status).toBe(200);
    expect(sink.messages.length).toBe(0);
    // Still queued with no attempt used up: a sign-in that had waited for delivery would have timed out on it.
    expect(listOutboxMessages(deps.db).map((r) => [r.attempts, r.lastError])).toEqual([[0, null]]);
    release();
    await sink.waitForMessages(1, 5000);
  });

  test("failing: the failure is logged and retried with backoff, then delivered", async () => {
    sink.failWith({ code: 451, message: "Try again later" });
    const c = new AppClient(app, deps);
    await c.get("/login/alternative/email");
    expect((await c.postForm("/login/alternative/email", { email: "bob@example.com" })).status).toBe(200);
    await flushEmailOutbox(deps);
    const [row] = listOutboxMessages(deps.db);
    expect(row!.attempts).toBe(1);
    expect(row!.lastError).toContain("451 Try again later");
    expect(logs.find((l) => l.msg === "email delivery failed: will retry")?.fields).toMatchObject({ kind: "one-time-access", attempt: 1, retryInSeconds: 30 });
    sink.failWith(null);
    await flushEmailOutbox(deps); // not due yet
    expect(sink.messages.length).toBe(0);
    deps.clock.advance(31);
    await flushEmailOutbox(deps);
    expect(sink.messages.length).toBe(1);
    expect(listOutboxMessages(deps.db).length).toBe(0);
  });

  test("a message that keeps failing is dropped after the last retry, with an error in the log", async () => {
    sink.failWith({ code: 550, message: "Mailbox unavailable" });
    const c = new AppClient(app, deps);
    await c.get("/login/alternative/email");
    await c.postForm("/login/alternative/email", { email: "bob@example.com" });
    for (const wait of [0, ...BACKOFF_SECONDS]) {
      deps.clock.advance(wait + 1);
      await flushEmailOutbox(deps);
    }
    expect(listOutboxMessages(deps.db).length).toBe(0);
    expect(logs.filter((l) => l.msg === "email delivery failed: will retry").length).toBe(BACKOFF_SECONDS.length);
    expect(logs.find((l) => l.level === "error")).toMatchObject({ msg: "email not delivered: giving up", fields: { kind: "one-time-access", attempts: BACKOFF_SECONDS.length + 1 } });
    expect(String(logs.find((l) => l.level === "error")!.fields!.error)).toContain("550 Mailbox unavailable");
  });

  test("SMTP not configured: the same answer, nothing queued, a warning logged", async () => {
    await saveConfig({ smtpHost: "", emailOneTimeAccessAsUnauthenticatedEnabled: "true" });
    const c = new AppClient(app, deps);
    await c.get("/login/alternative/email");
    expect((await c.postForm("/login/alternative/email", { email: "bob@example.com" })).status).toBe(200);
    expect(listOutboxMessages(deps.db).length).toBe(0);
    expect(logs.find((l) => l.msg === "email not sent: SMTP is not configured")).toBeDefined();
  });

  test("unreachable: a code sign-in still works and the message is kept for retry", async () => {
    await sink.close();
    const c = new AppClient(app, deps);
    await c.get("/login/alternative/email");
    expect((await c.postForm("/login/alternative/email", { email: "bob@example.com" })).status).toBe(200);
    await flushEmailOutbox(deps);
    expect(listOutboxMessages(deps.db)[0]!.lastError).toContain("connection was refused");
    // The message body is sealed at rest (it holds a code).
    expect(listOutboxMessages(deps.db)[0]!.sealedMessage).not.toContain("Login");
    sink = await startSmtpSink();
  });
});

describe("API key expiry warning", () => {
  test("sent once per key, 7 days ahead, when enabled", async () => {
    await setup();
    await saveConfig({ emailApiKeyExpirationEnabled: "true" });
    const now = nowSeconds(deps.clock);
    mintApiKey(deps, fx.admin.user.id, { name: "backup script", expiresAt: now + 6 * 86400 });
    mintApiKey(deps, fx.admin.user.id, { name: "far away", expiresAt: now + 30 * 86400 });
    const before = sink.messages.length;
    // The fixture's day-long keys expire within 7 days too.
    const sent = runApiKeyExpiryJob(deps);
    expect(runApiKeyExpiryJob(deps)).toBe(0);
    await flushEmailOutbox(deps);
    const subjects = sink.messages.slice(before).map((m) => m.subject);
    expect(subjects.length).toBe(sent);
    expect(subjects).toContain('API Key "backup script" Expiring Soon');
    expect(subjects).not.toContain('API Key "far away" Expiring Soon');
  });
});
