/** The account page and its JSON twin: profile edits, passkey API, start-page routing, page contracts. */
import { afterEach, expect, test } from "bun:test";
import { createSession } from "../../src/account/sessions.ts";
import { createUser } from "../../src/admin/users.ts";
import { updateAppConfig } from "../../src/admin/app-config.ts";
import { nowSeconds } from "../../src/lib/clock.ts";
import { AppClient } from "../helpers/app-client.ts";
import { SoftAuthenticator } from "../helpers/soft-authenticator.ts";
import { makeTestApp, type TestDeps } from "../helpers/test-deps.ts";

let deps: TestDeps | null = null;
afterEach(() => deps?.cleanup());

async function signedIn() {
  const t = await makeTestApp();
  deps = t.deps;
  const user = createUser(t.deps, { username: "ada", email: "ada@example.com", firstName: "Ada", lastName: "Lovelace", isAdmin: true });
  const client = new AppClient(t.app, t.deps);
  client.jar.set("latchkey_session", createSession(t.deps, { userId: user.id, amr: ["phr"], durationMinutes: 60 }).token);
  await client.get("/settings/account");
  return { ...t, user, client };
}

test("/ sends people to setup, sign-in or their home page", async () => {
  const t = await makeTestApp();
  deps = t.deps;
  const anon = new AppClient(t.app, t.deps);
  expect((await anon.get("/")).headers.get("location")).toBe("/setup");
  expect((await anon.get("/login")).headers.get("location")).toBe("/setup");
  const user = createUser(t.deps, { username: "ada", email: null, firstName: "Ada", lastName: "" });
  expect((await anon.get("/")).headers.get("location")).toBe("/login");
  anon.jar.set("latchkey_session", createSession(t.deps, { userId: user.id, amr: ["phr"], durationMinutes: 60 }).token);
  expect((await anon.get("/")).headers.get("location")).toBe("/settings/account");
});

test("the sign-in page has passkey autofill and no password field anywhere", async () => {
  const t = await makeTestApp();
  deps = t.deps;
  createUser(t.deps, { username: "ada", email: null, firstName: "Ada", lastName: "" });
  const html = await (await new AppClient(t.app, t.deps).get("/login?redirect=%2Fauthorize%3Fclient_id%3Dx")).text();
  expect(html).toContain('autocomplete="username webauthn"');
  expect(html).toContain('data-redirect="/authorize?client_id=x"');
  expect(html).toContain('href="/lc?redirect=%2Fauthorize%3Fclient_id%3Dx"');
  expect(html).not.toMatch(/type="password"/);
  expect(html).not.toMatch(/<script>|\sstyle="|\son[a-z]+="/);
});

test("profile: inline validation (422), case-insensitive uniqueness, save, and the allowOwnAccountEdit switch", async () => {
  const { client, user, deps: d } = await signedIn();
  createUser(d, { username: "Bob", email: "bob@example.com", firstName: "Bob", lastName: "" });
  const htmx = { headers: { "hx-request": "true" } };
  const bad = await client.postForm("/settings/account/profile", { firstName: "", lastName: "", displayName: "", username: "bob", email: "BOB@example.com" }, htmx);
  expect(bad.status).toBe(422);
  const html = await bad.text();
  expect(html.startsWith('<section class="section" id="profile"')).toBe(true);
  expect(html).toContain("Enter a first name.");
  expect(html).toContain("This username is already taken.");
  expect(html).toContain("Another account already uses this email address.");

  const ok = await client.postForm("/settings/account/profile", { firstName: "Augusta", lastName: "King", displayName: "", username: "ada.king", email: "ada@example.org" }, htmx);
  expect(ok.status).toBe(200);
  expect(await ok.text()).toContain("Your profile was saved.");
  const row = d.db.query<{ username: string; display_name: string; email: string }, [string]>("SELECT username, display_name, email FROM users WHERE id = ?").get(user.id)!;
  expect(row).toEqual({ username: "ada.king", display_name: "Augusta King", email: "ada@example.org" });

  updateAppConfig(d.db, { allowOwnAccountEdit: false }, nowSeconds(d.clock));
  const page = await (await client.get("/settings/account")).text();
  expect(page).toContain("Your administrator manages these details.");
  expect((await client.postForm("/settings/account/profile", { firstName: "X", username: "x" })).status).toBe(403);
});

test("passkeys as JSON: list, rename, delete (the last only with confirmLast)", async () => {
  const { client, deps: d } = await signedIn();
  const start = await client.postJson("/api/webauthn/register/start", {});
  const { options } = (await start.json()) as { options: Parameters<SoftAuthenticator["register"]>[0] };
  expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
  expect(options.attestation).toBe("none");
  expect(options.pubKeyCredParams.map((p) => p.alg)).toEqual([-7, -8, -257]);
  expect(options.rp).toEqual({ id: "localhost", name: "Latchkey" });
  expect(Buffer.from(options.user.id, "base64url").toString()).toBe(d.db.query<{ id: string }, []>("SELECT id FROM users WHERE username = 'ada'").get()!.id);
  const reg = await client.postJson("/api/webauthn/register/finish", { response: new SoftAuthenticator().register(options, { origin: d.config.appUrl }) });
  expect(reg.status).toBe(201);

  // excludeCredentials now names it.
  const again = (await (await client.postJson("/api/webauthn/register/start", {})).json()) as { options: { excludeCredentials: { id: string }[] } };
  expect(again.options.excludeCredentials).toHaveLength(1);

  const list = (await (await client.get("/api/webauthn/credentials")).json()) as { id: string; name: string; backupEligible: boolean }[];
  expect(list).toHaveLength(1);
  expect(list[0]).toMatchObject({ name: "Passkey", backupEligible: false });
  const renamed = await client.request(`/api/webauthn/credentials/${list[0]!.id}`, { method: "PATCH", headers: { "content-type": "application/json", "x-csrf-token": client.csrfToken }, body: JSON.stringify({ name: "  YubiKey  " }) });
  expect(renamed.status).toBe(200);
  expect(((await renamed.json()) as { name: string }).name).toBe("YubiKey");
  const empty = await client.request(`/api/webauthn/credentials/${list[0]!.id}`, { method: "PATCH", headers: { "content-type": "application/json", "x-csrf-token": client.csrfToken }, body: JSON.stringify({ name: "" }) });
  expect(empty.status).toBe(400);
  expect(await empty.json()).toEqual({ error: "bad_request", message: "Please correct the highlighted fields.", fields: { name: "Enter a name." } });

  const del = (q: string) => client.request(`/api/webauthn/credentials/${list[0]!.id}${q}`, { method: "DELETE", headers: { "x-csrf-token": client.csrfToken } });
  expect((await del("")).status).toBe(409);
  expect((await del("?confirmLast=true")).status).toBe(204);
  expect((await del("?confirmLast=true")).status).toBe(404);
  const audit = d.db.query<{ event: string }, []>("SELECT event FROM audit_logs ORDER BY created_at, rowid").all().map((r) => r.event);
  expect(audit).toEqual(["PASSKEY_ADDED", "PASSKEY_RENAMED", "PASSKEY_REMOVED"]);

  // Anonymous: 401 JSON.
  const anon = new AppClient(client.app, d);
  expect((await anon.get("/api/webauthn/credentials")).status).toBe(401);
});

test("GET /logout asks first; POST signs out", async () => {
  const { client, deps: d } = await signedIn();
  const page = await client.get("/logout");
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("Sign out?");
  expect(d.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM sessions").get()!.n).toBe(1);
  expect((await client.postForm("/logout", {})).headers.get("location")).toBe("/login?signed_out=1");
  expect(d.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM sessions").get()!.n).toBe(0);
  expect((await client.get("/logout")).headers.get("location")).toBe("/login?signed_out=1");
});

test("one session can be signed out from the list; another user's session id is not found", async () => {
  const { client, user, deps: d } = await signedIn();
  const laptop = createSession(d, { userId: user.id, amr: ["phr"], durationMinutes: 60, userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15" });
  const page = await (await client.get("/settings/account")).text();
  expect(page).toContain("Safari on macOS");
  const res = await client.postForm(`/settings/account/sessions/${laptop.session.id}/end`, {}, { headers: { "hx-request": "true" } });
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html.startsWith('<section class="section" id="sessions"')).toBe(true);
  expect(html).not.toContain("Safari on macOS");
  expect(d.db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM sessions WHERE id = ?").get(laptop.session.id)!.n).toBe(0);

  const bob = createUser(d, { username: "bob", email: null, firstName: "Bob", lastName: "" });
  const bobs = createSession(d, { userId: bob.id, amr: ["phr"], durationMinutes: 60 });
  expect((await client.postForm(`/settings/account/sessions/${bobs.session.id}/end`, {})).status).toBe(404);
  expect(d.db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM sessions WHERE id = ?").get(bobs.session.id)!.n).toBe(1);
});

test("profile picture on the account page: upload checked by content, reset, CSRF, and the allowOwnAccountEdit switch", async () => {
  const { client, user, deps: d, app } = await signedIn();
  const initials = new Uint8Array(await (await app.handle(new Request(d.config.appUrl + `/api/users/${user.id}/profile-picture.png`))).arrayBuffer());
  const page = await (await client.get("/settings/account")).text();
  expect(page).toContain('id="profile-picture"');
  expect(page).toContain('action="/settings/account/picture"');

  const upload = (bytes: Uint8Array<ArrayBuffer> | string, csrf = client.csrfToken) => {
    const form = new FormData();
    form.append("_csrf", csrf);
    form.append("file", new Blob([bytes], { type: "image/png" }), "me.png");
    return client.request("/settings/account/picture", { method: "POST", body: form, headers: { "hx-request": "true" } });
  };

  expect((await upload(initials, "wrong")).status).toBe(403);
  const fake = await upload("<svg onload=alert(1)>");
  expect(fake.status).toBe(422);
  expect(await fake.text()).toContain('id="profile-picture"');

  const ok = await upload(initials);
  expect(ok.status).toBe(200);
  const okHtml = await ok.text();
  expect(okHtml).toContain("Picture updated.");
  expect(okHtml).toContain("Use the initials avatar instead");

  const reset = await client.postForm("/settings/account/picture/delete", {}, { headers: { "hx-request": "true" } });
  expect(reset.status).toBe(200);
  expect(await reset.text()).toContain("Now using the initials avatar.");

  updateAppConfig(d.db, { allowOwnAccountEdit: false }, nowSeconds(d.clock));
  expect((await upload(initials)).status).toBe(403);
  expect(await (await client.get("/settings/account")).text()).not.toContain('action="/settings/account/picture"');
});

test("the first administrator's passkey step offers no skip (without one only the command line gets them back in); a login code's does", async () => {
  const { client } = await signedIn();
  const setup = await (await client.get("/signup/add-passkey?setup=1")).text();
  expect(setup).not.toContain("Skip for now");
  expect(setup).toContain("You need a passkey to sign in to this administrator account again.");
  const afterCode = await (await client.get("/signup/add-passkey?redirect=%2Fsettings%2Fapps")).text();
  expect(afterCode).toContain('<a href="/settings/apps">Skip for now</a>');
});

test("a refused login link does not also say it is ready", async () => {
  const { client } = await signedIn();
  const anon = new AppClient(client.app, deps!);
  await anon.get("/lc/WRONGCODE234");
  const res = await anon.postForm("/lc", { code: "WRONGCODE234" });
  const html = await res.text();
  expect(html).toContain("This login code is not valid.");
  expect(html).not.toContain("Your login link is ready.");
  expect(html).toContain("Enter the code from your administrator or your email.");
});

test("a new passkey is named from the browser and device in the person's language, made distinct, and the browser goes on to name it", async () => {
  const { client } = await signedIn();
  const headers = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "accept-language": "de-DE,de;q=0.9" };
  const register = async () => {
    const { options } = (await (await client.postJson("/api/webauthn/register/start", {}, { headers })).json()) as { options: Parameters<SoftAuthenticator["register"]>[0] };
    const res = await client.postJson("/api/webauthn/register/finish", { response: new SoftAuthenticator().register(options, { origin: deps!.config.appUrl }), redirect: "/settings/apps" }, { headers });
    expect(res.status).toBe(201);
    return (await res.json()) as { passkey: { id: string; name: string }; redirect: string; nameUrl: string };
  };
  const first = await register();
  expect(first.passkey.name).toBe("Chrome auf Linux");
  expect(first.nameUrl).toBe(`/settings/account/passkeys/${first.passkey.id}/name?redirect=%2Fsettings%2Fapps`);
  expect((await register()).passkey.name).toBe("Chrome auf Linux (2)");
  const page = await client.get(first.nameUrl, headers);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('value="Chrome auf Linux"');
  expect(html).toContain("Passkey benennen");

  // The naming step and its save are the owner's only: for another account the passkey does not exist.
  const bob = createUser(deps!, { username: "bob", email: null, firstName: "Bob", lastName: "" });
  const other = new AppClient(client.app, deps!);
  other.jar.set("latchkey_session", createSession(deps!, { userId: bob.id, amr: ["phr"], durationMinutes: 60 }).token);
  await other.get("/settings/account");
  expect((await other.get(first.nameUrl)).status).toBe(404);
  expect((await other.postForm(`/settings/account/passkeys/${first.passkey.id}/rename`, { name: "Mine now", added: "1" })).status).toBe(404);
  expect(deps!.db.query<{ name: string }, [string]>("SELECT name FROM webauthn_credentials WHERE id = ?").get(first.passkey.id)!.name).toBe("Chrome auf Linux");
});

test("saving a passkey's name unchanged (the naming step's suggestion kept) records no rename", async () => {
  const { client, deps: d } = await signedIn();
  const { options } = (await (await client.postJson("/api/webauthn/register/start", {})).json()) as { options: Parameters<SoftAuthenticator["register"]>[0] };
  const reg = (await (await client.postJson("/api/webauthn/register/finish", { response: new SoftAuthenticator().register(options, { origin: d.config.appUrl }) })).json()) as { passkey: { id: string; name: string } };
  const save = (name: string) => client.postForm(`/settings/account/passkeys/${reg.passkey.id}/rename`, { name, added: "1" });
  expect((await save(reg.passkey.name)).headers.get("location")).toBe(`/settings/account?added=${reg.passkey.id}`);
  expect((await save("Work laptop")).status).toBe(303);
  const events = d.db.query<{ event: string }, []>("SELECT event FROM audit_logs ORDER BY created_at, rowid").all().map((r) => r.event);
  expect(events).toEqual(["PASSKEY_ADDED", "PASSKEY_RENAMED"]);
});

test("the sessions list names browser and system in the viewer's language", async () => {
  const { client, user, deps: d } = await signedIn();
  createSession(d, { userId: user.id, amr: ["phr"], durationMinutes: 60, userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0" });
  const html = await (await client.get("/settings/account", { "accept-language": "de" })).text();
  expect(html).toContain(">Firefox auf Windows</span>");
  expect(html).toContain(">Unbekanntes Gerät</span>");
});
