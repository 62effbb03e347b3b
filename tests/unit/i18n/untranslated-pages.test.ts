/**
 * No page shows words that did not come from the catalogue. Each page state below is rendered in the
 * pseudo-locale (src/i18n/locales.ts: every catalogue message with its letters swapped for accented
 * look-alikes), and the visible text and the human-facing attributes (title, alt, placeholder,
 * aria-label, button values) must then hold no run of two plain ASCII letters — except data the test
 * created (names, addresses, URLs) and what is not language: <code>, <pre>, <kbd>, <samp>, <time>, and
 * elements marked translate="no" (a language's own name in the picker). A string typed into a
 * template, set by a route or thrown by the domain without the catalogue shows up here as English.
 *
 * Add every page (and every state of it: empty, filled, a form with errors) to PAGES.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { PSEUDO_LOCALE } from "../../../src/i18n/locales.ts";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { createUserGroup } from "../../../src/admin/user-groups.ts";
import { findUserGroupByName } from "../../../src/db/user-groups.ts";
import { insertDeviceCode } from "../../../src/db/oidc-protocols.ts";
import { insertDeviceLoginRequest } from "../../../src/db/device-login-requests.ts";
import { nowSeconds } from "../../../src/lib/clock.ts";
import { recordAuditEvent } from "../../../src/audit/audit-log.ts";
import { revokeAllApiKeysOfUser } from "../../../src/admin/api-keys.ts";
import { createSignupToken } from "../../../src/admin/signup-tokens.ts";
import { makeAdminFixture, pageReq, reauthenticated, type Actor, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { createTestApp, makeTestDeps, req, type TestDeps } from "../../helpers/test-deps.ts";
import { insertCredential, type Passkey } from "../../../src/db/webauthn.ts";
import { updateAppConfig } from "../../../src/admin/app-config.ts";
import { createProtectedApp } from "../../../src/forward-auth/protected-apps.ts";
import { upsertAuthorizedClient } from "../../../src/db/oidc-grants.ts";
import { createApi, setApiPermissions, setClientApiAccess } from "../../../src/admin/apis.ts";

interface PageState {
  name: string;
  /** Who looks: the fixture's admin or member, or nobody signed in. */
  as: "admin" | "member" | "anonymous";
  method?: "GET" | "POST";
  /** The path, or a function of the world (for ids of rows `setup` made). */
  path: string | ((w: World) => string);
  form?: Record<string, string | string[]>;
  htmx?: boolean;
  /** The status the page answers with (200 unless said). */
  status?: number;
  /** Data the state shows besides the fixture's (names it created, …). */
  data?: string[];
  csrf?: boolean;
  /** Rows the state needs, made just before it is requested (states run in order, on one world). */
  setup?: (w: World) => void;
}

interface World {
  app: App;
  deps: TestDeps;
  f: AdminFixture;
}

/** What the fixture itself puts on pages: people's names and addresses, the default application name. */
const FIXTURE_DATA = ["Latchkey", "alice@example.com", "bob@example.com", "Alice Admin", "Bob Member", "Alice", "Bob", "Admin", "Member", "alice", "bob"];

/** OpenID Connect and forward-auth rows, made once per world on first use (a state's `path` asks for them). */
interface OidcData {
  consentClient: string;
  formPostClient: string;
  noGroupsClient: string;
  otherGroupClient: string;
  /** A pending device code (as typed) for `deviceClient`, and a second one for the approval. */
  deviceCode: string;
  deviceCodeToApprove: string;
}
const OIDC_DATA = new WeakMap<World, OidcData>();
/** What a sign-in request from another device shows besides catalogue text (src/http/routes/device-login.ts). */
const DEVICE_LOGIN_DATA = ["Firefox 133", "Windows", "198.51.100.40", "PQRS-TUVW"];
const OIDC_NAMES = ["Forgejo", "git.example.com", "Grafana", "Jellyfin", "Immich", "Living room TV", "MNPQ-RSTV", "WXZB-CDFG", "BCDF-GHJK", "EK7M-P3QD"];

function oidcData(w: World): OidcData {
  let data = OIDC_DATA.get(w);
  if (data) return data;
  const client = (input: Parameters<typeof createClient>[2]) => createClient(w.deps, CLI_ACTOR, input).client.id;
  const group = createUserGroup(w.deps, CLI_ACTOR, { name: "family", friendlyName: "Family" });
  const deviceClient = client({ name: "Living room TV", callbackUrls: ["http://127.0.0.1/callback"], isPublic: true, unrestricted: true });
  const now = nowSeconds(w.deps.clock);
  for (const userCode of ["MNPQRSTV", "WXZBCDFG"]) {
    insertDeviceCode(w.deps.db, {
      deviceCodeHash: `hash-${userCode}`,
      userCode,
      clientId: deviceClient,
      scope: "openid profile email groups offline_access",
      status: "pending",
      userId: null,
      authTime: null,
      amr: null,
      intervalSeconds: 5,
      lastPolledAt: null,
      createdAt: now,
      expiresAt: now + 600,
      resource: null,
    });
  }
  data = {
    consentClient: client({ name: "Forgejo", callbackUrls: ["https://git.example.com/user/oauth2/latchkey/callback"], unrestricted: true }),
    formPostClient: client({ name: "Grafana", callbackUrls: ["https://grafana.example.com/login/generic_oauth"], unrestricted: true, skipConsent: true }),
    noGroupsClient: client({ name: "Jellyfin", callbackUrls: ["https://media.example.com/callback"], unrestricted: false }),
    otherGroupClient: client({ name: "Immich", callbackUrls: ["https://photos.example.com/callback"], unrestricted: false, allowedGroupIds: [group.id] }),
    deviceCode: "MNPQ-RSTV",
    deviceCodeToApprove: "WXZB-CDFG",
  };
  OIDC_DATA.set(w, data);
  return data;
}

/** An authorization request for one of oidcData's clients (its first callback URL, PKCE S256). */
function authorizePath(clientId: string, callback: string, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({
    client_id: clientId,
    redirect_uri: callback,
    response_type: "code",
    scope: "openid profile email groups offline_access",
    state: "s",
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
    ...extra,
  });
  return `/authorize?${q}`;
}

const API_RESOURCE = "https://photos.example.com/api";
/** What an API's page shows besides catalogue text: its name, resource, a permission, placeholders that are examples. */
const API_DATA = ["Photos", API_RESOURCE, "photos:read", "See your photos"];
const PASSKEY_NAME = "Work laptop";
/** My apps lists an authorized app's scopes by their protocol names. */
const SCOPE_NAMES = ["openid", "profile", "email", "groups", "offline_access"];
/** What the audit log states show besides the fixture's: product names, a passkey name, an app. */
const AUDIT_DATA = ["Firefox", "Windows", "Safari", "iOS", "YubiKey", "Grafana"];
/** Everything the shared world may hold by the time the administration states run: other states' clients and group, the audit log's names. */
const ADMIN_DATA = [...AUDIT_DATA, ...OIDC_NAMES, "Family", "family", PASSKEY_NAME];
const FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

/** A member's and an administrator's history: every kind of title, facts in words, an internal address, a device nobody knows. */
function seedAuditEvents(w: World): void {
  const bob = w.f.member.user.id;
  const alice = w.f.admin.user.id;
  recordAuditEvent(w.deps, "SIGN_IN", { userId: bob, origin: { ip: "203.0.113.7", userAgent: FIREFOX }, data: { passkeyName: "YubiKey" } });
  recordAuditEvent(w.deps, "SIGN_IN_FAILED", { userId: bob, origin: { ip: "203.0.113.8", userAgent: IPHONE }, data: { passkeyName: "YubiKey" } });
  recordAuditEvent(w.deps, "NEW_CLIENT_AUTHORIZATION", { userId: bob, origin: { ip: "192.168.1.20", userAgent: null }, data: { clientId: "c-1", clientName: "Grafana" } });
  recordAuditEvent(w.deps, "SIGN_OUT", { userId: bob, origin: { ip: "203.0.113.7", userAgent: FIREFOX }, data: { everywhere: true } });
  recordAuditEvent(w.deps, "ADMIN_CHANGE", { userId: alice, origin: { ip: "203.0.113.9", userAgent: FIREFOX }, data: { entity: "api_key", action: "revoke_all", via: "api_key" } });
  recordAuditEvent(w.deps, "ADMIN_CHANGE", { userId: alice, origin: { ip: "203.0.113.9", userAgent: FIREFOX }, data: { entity: "oidc_client", action: "create_secret", via: "cli" } });
  recordAuditEvent(w.deps, "LDAP_SYNC", { userId: null, data: { usersCreated: 2, usersUpdated: 1, usersDisabled: 0, usersDeleted: 1, skipped: 0 } });
  recordAuditEvent(w.deps, "POCKET_ID_IMPORT", { userId: null, data: { users: 1, passkeys: 2, clients: 3, skipped: 0 } });
}

/** What the shared world holds by the administration states (other states' clients, groups and apps). */
const ADMIN_WORLD_DATA = [...OIDC_NAMES, "Family", "family", "Home Assistant", "Sonarr", "sonarr.example.com", "L", "F", "G", "J", "I"];
/** Not language: header names and example values in placeholders. */
const APP_FORM_DATA = [...ADMIN_WORLD_DATA, "Remote-User", "Remote-Groups", "Remote-Email", "Remote-Name", "ha.example.com", "*.media.example.com"];
const CLIENT_FORM_DATA = [...ADMIN_WORLD_DATA, "backup:write reports:read", '{"keys": [{"kty": "EC", "crv": "P-256", "x": "…", "y": "…", "kid": "…"}]}'];

const PAGES: PageState[] = [
  { name: "an unknown address (signed out)", as: "anonymous", path: "/no-such-page", status: 404 },
  { name: "an unknown address (signed in)", as: "member", path: "/settings/no-such-page", status: 404 },
  { name: "a form post without its CSRF token", as: "member", method: "POST", path: "/settings/account/profile", form: { firstName: "x" }, csrf: false, status: 403 },

  // OpenID Connect: consent, device flow, refusals, sign-out.
  { name: "consent for a client with several scopes", as: "member", path: (w) => authorizePath(oidcData(w).consentClient, "https://git.example.com/user/oauth2/latchkey/callback"), data: OIDC_NAMES },
  { name: "form_post answer to the application", as: "member", path: (w) => authorizePath(oidcData(w).formPostClient, "https://grafana.example.com/login/generic_oauth", { response_mode: "form_post" }), data: OIDC_NAMES },
  { name: "authorize error: unknown client", as: "anonymous", path: "/authorize?client_id=nope&response_type=code", status: 400 },
  { name: "authorize error: callback URL not registered", as: "anonymous", path: (w) => authorizePath(oidcData(w).consentClient, "https://evil.example/cb"), status: 400, data: OIDC_NAMES },
  { name: "authorize error: a parameter given twice", as: "anonymous", path: "/authorize?client_id=a&client_id=b", status: 400, data: ["client_id"] },
  { name: "authorize error: an expired sign-in request", as: "member", path: "/authorize?interaction=gone", status: 400 },
  { name: "not allowed: a client no group may use yet", as: "member", path: (w) => authorizePath(oidcData(w).noGroupsClient, "https://media.example.com/callback"), status: 403, data: OIDC_NAMES },
  { name: "not allowed: not in the client's groups", as: "member", path: (w) => authorizePath(oidcData(w).otherGroupClient, "https://photos.example.com/callback"), status: 403, data: OIDC_NAMES },
  { name: "device: code entry", as: "member", path: "/device" },
  { name: "device: a code of the wrong shape", as: "member", path: "/device?code=nope", status: 400, data: OIDC_NAMES },
  { name: "device: an unknown code", as: "member", path: "/device?code=BCDF-GHJK", status: 400, data: OIDC_NAMES },
  { name: "device: approve a device with several scopes", as: "member", path: (w) => `/device?code=${oidcData(w).deviceCode}`, data: OIDC_NAMES },
  { name: "device: connected", as: "member", method: "POST", path: (w) => (oidcData(w), "/device"), form: { code: "WXZB-CDFG", decision: "allow" }, data: OIDC_NAMES },
  { name: "sign-out confirmation asked by a client", as: "member", path: (w) => `/api/oidc/end-session?client_id=${oidcData(w).consentClient}`, data: OIDC_NAMES },
  { name: "signed out", as: "anonymous", path: "/api/oidc/end-session?state=s1" },
  { name: "signed out of a client", as: "anonymous", path: (w) => `/api/oidc/end-session?client_id=${oidcData(w).consentClient}`, data: OIDC_NAMES },
  { name: "sign-out error: unknown client", as: "anonymous", path: "/api/oidc/end-session?client_id=nope", status: 400 },

  // Forward auth: the refusal page on the app's host, and Latchkey's own pages.
  { name: "forward-auth refusal: the old unbound address", as: "anonymous", path: "/api/forward-auth/verify", status: 403 },
  { name: "forward-auth refusal: a request from an untrusted peer", as: "anonymous", path: "/api/forward-auth/verify/some-app", status: 403, data: ["TRUST_PROXY"] },
  { name: "forward-auth start: an out-of-date link", as: "anonymous", path: "/api/forward-auth/start", status: 400 },
  // Configuration, email settings, LDAP and backups (issue 20): the parts these pages render themselves. The whole pages
  // (and the configuration form, which holds the shell's claim rows and "(optional)") join once the admin shell speaks
  // the catalogue.
  { name: "a user's login code by email, turned off", as: "admin", method: "POST", path: (w) => `/settings/admin/users/${w.f.member.user.id}/login-code-email`, htmx: true },
  { name: "configuration: the test email without SMTP", as: "admin", method: "POST", path: "/settings/admin/application-configuration/test-email", htmx: true },
  { name: "configuration: branding images back to the default", as: "admin", method: "POST", path: "/settings/admin/application-configuration/images/logo-light/delete", htmx: true },
  { name: "LDAP: the connection test without settings", as: "admin", method: "POST", path: "/settings/admin/ldap/test", form: { ldapUrl: "", ldapBase: "" }, htmx: true },
  { name: "LDAP: the connection test with a refused URL", as: "admin", method: "POST", path: "/settings/admin/ldap/test", form: { ldapUrl: "http://nope", ldapBase: "dc=example,dc=org" }, htmx: true, data: ["dc=example,dc=org", "ldapUrl"] },
  { name: "LDAP: a sync while it is turned off", as: "admin", method: "POST", path: "/settings/admin/ldap/sync", htmx: true },
  { name: "backups: after backing up now", as: "admin", method: "POST", path: "/settings/admin/backups/run", htmx: true, data: ["latchkey-backup-20261128T120200Z-manual.db"] },
  { name: "configuration: the whole page", as: "admin", path: "/settings/admin/application-configuration", data: ADMIN_DATA },
  { name: "LDAP: the whole page", as: "admin", path: "/settings/admin/ldap", data: ADMIN_DATA },
  { name: "backups: the whole page", as: "admin", path: "/settings/admin/backups", data: [...ADMIN_DATA, "latchkey-backup-20261128T120200Z-manual.db"] },
  { name: "backups: the schedule saved", as: "admin", method: "POST", path: "/settings/admin/backups", form: { backupIntervalHours: "12", backupKeep: "5" }, htmx: true, data: ["latchkey-backup-20261128T120200Z-manual.db"] },
  // Account and sign-in pages.
  { name: "sign-in", as: "anonymous", path: "/login" },
  { name: "sign-in after signing out", as: "anonymous", path: "/login?signed_out=1" },
  { name: "login code (typed)", as: "anonymous", path: "/lc" },
  { name: "login code (from a link)", as: "anonymous", path: "/lc/ABCDEFGHJKLM" },
  { name: "sign in with another device (QR code)", as: "anonymous", path: "/login/alternative/device", data: ["localhost:1411/device"] },
  { name: "device: a sign-in request from another device", as: "member", path: (w) => `/device?user_code=${deviceLoginRequest(w, "PQRSTUVW")}`, data: DEVICE_LOGIN_DATA },
  { name: "device: a sign-in request denied", as: "member", method: "POST", path: "/device/sign-in", form: { code: "PQRS-TUVW", decision: "deny" } },
  {
    name: "device: a sign-in request approved",
    as: "member",
    method: "POST",
    path: (w) => (deviceLoginRequest(w, "PQRSTUVX"), "/device/sign-in"),
    form: { code: "PQRS-TUVX", decision: "approve" },
    setup: (w) => {
      w.f.member = reauthenticated(w.deps, w.f.member);
    },
  },
  { name: "email me a login code", as: "anonymous", path: (w) => (enableEmailCodes(w), "/login/alternative/email") },
  { name: "verify an email address", as: "anonymous", path: "/verify-email?token=x" },
  { name: "my account (one passkey, email verification on)", as: "member", path: (w) => (passkeyOf(w), enableEmailVerification(w), "/settings/account"), data: [PASSKEY_NAME] },
  { name: "my account: a passkey just added", as: "member", path: (w) => `/settings/account?added=${passkeyOf(w)}`, data: [PASSKEY_NAME] },
  { name: "my account: profile with errors", as: "member", method: "POST", path: "/settings/account/profile", form: { firstName: "", username: "no spaces!", email: "x" }, htmx: true, status: 422, data: ["no spaces!", "name@example.com"] },
  { name: "my account: renaming a passkey", as: "member", path: (w) => `/settings/account/passkeys/${passkeyOf(w)}/rename`, htmx: true, data: [PASSKEY_NAME] },
  { name: "my account: a passkey name refused", as: "member", method: "POST", path: (w) => `/settings/account/passkeys/${passkeyOf(w)}/rename`, form: { name: " " }, htmx: true, status: 422, data: [PASSKEY_NAME] },
  { name: "naming a new passkey", as: "member", path: (w) => `/settings/account/passkeys/${passkeyOf(w)}/name`, data: [PASSKEY_NAME] },
  { name: "naming a new passkey: empty name", as: "member", method: "POST", path: (w) => `/settings/account/passkeys/${passkeyOf(w)}/rename`, form: { name: "", added: "1" }, status: 422 },
  { name: "a new passkey named, on the way elsewhere", as: "member", method: "POST", path: (w) => `/settings/account/passkeys/${passkeyOf(w)}/rename`, form: { name: PASSKEY_NAME, added: "1", redirect: "/settings/apps" }, data: [PASSKEY_NAME] },
  { name: "deleting the only passkey", as: "member", path: (w) => `/settings/account/passkeys/${passkeyOf(w)}/delete`, data: [PASSKEY_NAME] },
  { name: "add a passkey (after setup)", as: "member", path: "/signup/add-passkey?setup=1" },
  { name: "add a passkey (after a login code)", as: "member", path: "/signup/add-passkey" },
  { name: "confirm it’s you", as: "member", path: "/reauthenticate" },
  { name: "sign out?", as: "member", path: "/logout" },
  { name: "sign-up closed", as: "anonymous", path: (w) => (signupMode(w, "disabled"), "/signup"), status: 403 },
  { name: "sign-up link expired", as: "anonymous", path: (w) => (signupMode(w, "withToken"), "/st/no-such-token"), status: 410 },
  { name: "sign-up with an invitation link", as: "anonymous", path: (w) => `/st/${(signupMode(w, "withToken"), createSignupToken(w.deps, CLI_ACTOR, { ttl: "1h", usageLimit: 1 }).token)}` },
  { name: "sign-up, open", as: "anonymous", path: (w) => (signupMode(w, "open"), "/signup") },
  { name: "my apps (the admin)", as: "admin", path: "/settings/apps", data: OIDC_NAMES },
  { name: "my apps (a protected app, a client, an authorized app)", as: "member", path: (w) => (appsFor(w), "/settings/apps"), data: ["Sonarr", "sonarr.example.com", ...SCOPE_NAMES, ...OIDC_NAMES] },

  // Administration: users, API keys, sign-up links; the activity pages.
  { name: "activity: my own log, no events on this page (the empty state)", as: "member", path: "/settings/audit-log?page=999", data: ADMIN_DATA },
  { name: "admin: the user list", as: "admin", path: "/settings/admin/users", data: ADMIN_DATA },
  { name: "admin: the user list, nothing matches the search", as: "admin", path: "/settings/admin/users?search=zzzz", data: ADMIN_DATA },
  { name: "admin: the user list, page refreshed by htmx", as: "admin", path: "/settings/admin/users?page=1", htmx: true, data: ADMIN_DATA },
  { name: "admin: the new user form", as: "admin", path: "/settings/admin/users/new", data: ADMIN_DATA },
  { name: "admin: the new user form with errors", as: "admin", method: "POST", path: "/settings/admin/users", form: { username: "no spaces allowed", email: "not-an-email", firstName: "" }, status: 422, data: [...ADMIN_DATA, "no spaces allowed", "not-an-email"] },
  { name: "admin: a user's page", as: "admin", path: (w) => `/settings/admin/users/${w.f.member.user.id}`, data: ADMIN_DATA },
  { name: "admin: a user's page, saved (htmx)", as: "admin", method: "POST", path: (w) => `/settings/admin/users/${w.f.member.user.id}`, form: { username: "bob", email: "bob@example.com", firstName: "Bob", lastName: "Member", displayName: "" }, htmx: true, data: ADMIN_DATA },
  { name: "admin: a user's new login link", as: "admin", method: "POST", path: (w) => `/settings/admin/users/${w.f.member.user.id}/login-code`, form: { ttl: "1h" }, htmx: true, data: ADMIN_DATA },
  { name: "admin: a user's claims with an error", as: "admin", method: "POST", path: (w) => `/settings/admin/users/${w.f.member.user.id}/claims`, form: { claimKey: "sub", claimValue: "x" }, htmx: true, status: 422, data: [...ADMIN_DATA, "sub"] },
  { name: "admin: API keys, with an expired and a live key", as: "admin", path: "/settings/admin/api-keys", data: [...ADMIN_DATA, "alice key", "soon expired"] },
  { name: "admin: API keys, a new key without a fresh passkey check", as: "admin", method: "POST", path: "/settings/admin/api-keys", form: { name: "Terraform", description: "", expiresAt: "2027-01-01" }, status: 403, data: [...ADMIN_DATA, "alice key", "soon expired", "Terraform"] },
  { name: "admin: API keys, the form with errors (htmx)", as: "admin", method: "POST", path: "/settings/admin/api-keys", form: { name: "x", expiresAt: "2001-01-01" }, htmx: true, status: 422, setup: (w) => { w.f.admin = reauthenticated(w.deps, w.f.admin); }, data: ADMIN_DATA },
  { name: "admin: API keys, none yet", as: "admin", path: "/settings/admin/api-keys", setup: (w) => void revokeAllApiKeysOfUser(w.deps, { kind: "user", userId: w.f.admin.user.id }), data: ADMIN_DATA },
  { name: "admin: sign-up links, none yet (sign-ups disabled)", as: "admin", path: "/settings/admin/signup-tokens", data: ADMIN_DATA },
  { name: "admin: sign-up links, the form with errors (htmx)", as: "admin", method: "POST", path: "/settings/admin/signup-tokens", form: { ttl: "7d", usageLimit: "0" }, htmx: true, status: 422, data: ADMIN_DATA },
  { name: "admin: sign-up links, a new link (htmx)", as: "admin", method: "POST", path: "/settings/admin/signup-tokens", form: { ttl: "7d", usageLimit: "2" }, htmx: true, data: ADMIN_DATA },
  { name: "admin: sign-up links, one live and one spent", as: "admin", path: "/settings/admin/signup-tokens", setup: (w) => { createSignupToken(w.deps, { kind: "cli" }, { ttl: "1h", usageLimit: 1 }); w.deps.clock.advance(7200); }, data: ADMIN_DATA },
  { name: "activity: my own log with events (htmx page)", as: "member", path: "/settings/audit-log?page=1", htmx: true, setup: seedAuditEvents, data: ADMIN_DATA },
  { name: "activity: my own log with events", as: "member", path: "/settings/audit-log", data: ADMIN_DATA },
  { name: "admin: the audit log with events and filters", as: "admin", path: "/settings/audit-log/global", data: ADMIN_DATA },
  { name: "admin: the audit log filtered (htmx)", as: "admin", path: "/settings/audit-log/global?event=SIGN_IN_FAILED&ip=203.0.113.*", htmx: true, data: ADMIN_DATA },
  { name: "admin: the audit log, nothing matches the filters", as: "admin", path: "/settings/audit-log/global?from=2001-01-01&to=2001-01-02", data: ADMIN_DATA },
  // User groups (issue 20): the list, empty and filled, the create form with errors, the one-form detail page.
  { name: "user groups: the list before this state's own group", as: "admin", path: "/settings/admin/user-groups", data: ADMIN_WORLD_DATA },
  { name: "user groups: a search without matches", as: "admin", path: "/settings/admin/user-groups?search=zzz", data: ["zzz"] },
  { name: "user groups: the create form with errors", as: "admin", method: "POST", path: "/settings/admin/user-groups", form: { friendlyName: "" }, htmx: true, status: 422 },
  { name: "user groups: the list", as: "admin", path: (w) => (groupOf(w), "/settings/admin/user-groups"), data: ADMIN_WORLD_DATA },
  { name: "user groups: a group's page", as: "admin", path: (w) => `/settings/admin/user-groups/${groupOf(w)}`, data: ADMIN_WORLD_DATA },
  {
    name: "user groups: a group's page saved with a refused claim",
    as: "admin",
    method: "POST",
    path: (w) => `/settings/admin/user-groups/${groupOf(w)}`,
    form: { friendlyName: "Family", name: "family", claimKey: "1bad", claimValue: "x" },
    htmx: true,
    status: 422,
    data: [...ADMIN_WORLD_DATA, "1bad"],
  },
  // OIDC clients (issue 20): list (empty and filled), the create form (blank and refused), a client's page.
  { name: "OIDC clients: the list before this state's own client", as: "admin", path: "/settings/admin/oidc-clients", data: ADMIN_WORLD_DATA },
  { name: "OIDC clients: the create form", as: "admin", path: "/settings/admin/oidc-clients/new", data: CLIENT_FORM_DATA },
  {
    name: "OIDC clients: the create form refused",
    as: "admin",
    method: "POST",
    path: "/settings/admin/oidc-clients",
    form: { name: "", callbackUrl: "git.example.com/cb", accessTokenDurationMinutes: "60", refreshTokenDurationMinutes: "43200", jwks: "not json" },
    htmx: true,
    status: 422,
    data: [...CLIENT_FORM_DATA, "not json", `{"keys": [{"kty": "RSA", …}]}`, "git.example.com/cb"],
  },
  { name: "OIDC clients: the list", as: "admin", path: (w) => (clientOf(w), "/settings/admin/oidc-clients"), data: [...CLIENT_FORM_DATA, "forgejo"] },
  { name: "OIDC clients: a client's page", as: "admin", path: (w) => `/settings/admin/oidc-clients/${clientOf(w)}`, data: [...CLIENT_FORM_DATA, "forgejo"] },
  {
    name: "OIDC clients: a client's page, federated identities refused (htmx)",
    as: "admin",
    method: "POST",
    path: (w) => `/settings/admin/oidc-clients/${clientOf(w)}`,
    form: {
      name: "Forgejo",
      callbackUrl: "https://git.example.com/user/oauth2/Latchkey/callback",
      accessTokenDurationMinutes: "60",
      refreshTokenDurationMinutes: "43200",
      access: "everyone",
      fedRows: "1",
      fedIssuer: ["not a url", "https://issuer.example.com"],
      fedSubject: ["", "repo:octo/app:ref:refs/heads/main"],
      fedAudience: ["", ""],
      fedJwks: ["", "http://issuer.example.com/keys"],
      fedReplayProtection: ["on", "off"],
    },
    htmx: true,
    status: 422,
    data: [...CLIENT_FORM_DATA, "forgejo", "not a url", "https://issuer.example.com", "repo:octo/app:ref:refs/heads/main", "http://issuer.example.com/keys"],
  },
  // APIs (RFC 8707): the list (empty), the create form refused, an API's page, and a client's API access.
  { name: "APIs: none yet", as: "admin", path: "/settings/admin/apis", data: [...ADMIN_WORLD_DATA, API_RESOURCE] },
  {
    name: "APIs: the create form refused",
    as: "admin",
    method: "POST",
    path: "/settings/admin/apis",
    form: { name: "", resource: "photos#x" },
    htmx: true,
    status: 422,
    data: [API_RESOURCE, "photos#x"],
  },
  { name: "APIs: an API's page", as: "admin", path: (w) => `/settings/admin/apis/${apiOf(w)}`, data: [...ADMIN_WORLD_DATA, ...API_DATA, "Forgejo"] },
  { name: "APIs: a client's API access", as: "admin", path: (w) => (apiOf(w), `/settings/admin/oidc-clients/${clientOf(w)}`), data: [...CLIENT_FORM_DATA, "forgejo", ...API_DATA] },
  // Protected apps: list (empty and filled), the add form (blank and refused), an app's page.
  { name: "protected apps: none yet", as: "admin", path: "/settings/admin/protected-apps", data: ADMIN_WORLD_DATA },
  { name: "protected apps: the add form", as: "admin", path: "/settings/admin/protected-apps/new", data: APP_FORM_DATA },
  {
    name: "protected apps: the add form refused",
    as: "admin",
    method: "POST",
    path: "/settings/admin/protected-apps",
    form: { name: "", hosts: "bad host", pathPrefix: "/", reauthMaxAgeMinutes: "", passHeaders: ["", "Remote-User"] },
    htmx: true,
    status: 422,
    data: [...APP_FORM_DATA, "bad host"],
  },
  { name: "protected apps: the list", as: "admin", path: (w) => (protectedAppOf(w), "/settings/admin/protected-apps"), data: ADMIN_WORLD_DATA },
  { name: "protected apps: an app's page", as: "admin", path: (w) => `/settings/admin/protected-apps/${protectedAppOf(w)}`, data: [...APP_FORM_DATA, "Home Assistant"] },
  // Last: saving the configuration form changes settings other states rely on (own account edits, sign-ups).
  { name: "configuration: saved (htmx)", as: "admin", method: "POST", path: "/settings/admin/application-configuration", form: { appName: "Latchkey", sessionDuration: "60", accentColor: "default" }, htmx: true, data: ADMIN_DATA },
  { name: "configuration: refused values (htmx)", as: "admin", method: "POST", path: "/settings/admin/application-configuration", form: { appName: "", sessionDuration: "-5", accentColor: "not a colour" }, htmx: true, status: 422, data: [...ADMIN_DATA, "not a colour"] },
];

// <time datetime> is <DateTime>: Intl's words for the viewer's locale, not catalogue text (the pseudo-locale formats as English).
const NOT_LANGUAGE = "script, style, code, pre, kbd, samp, [translate=no], time[datetime]";

let clientId: string | null = null;
function clientOf(w: World): string {
  clientId ??= createClient(w.deps, CLI_ACTOR, { id: "forgejo", name: "Forgejo", callbackUrls: ["https://git.example.com/user/oauth2/Latchkey/callback"] }).client.id;
  return clientId;
}

let apiId: string | null = null;
function apiOf(w: World): string {
  if (apiId) return apiId;
  const api = createApi(w.deps, CLI_ACTOR, { name: "Photos", resource: API_RESOURCE });
  setApiPermissions(w.deps, CLI_ACTOR, api.id, { permissions: [{ key: "photos:read", name: "See your photos" }] });
  setClientApiAccess(w.deps, CLI_ACTOR, api.id, clientOf(w), { userDelegatedAccess: true });
  apiId = api.id;
  return apiId;
}

let protectedAppId: string | null = null;
function protectedAppOf(w: World): string {
  protectedAppId ??= createProtectedApp(w.deps, CLI_ACTOR, { name: "Home Assistant", hosts: ["ha.example.com"] }).id;
  return protectedAppId;
}

/** One group for the group pages' states, made once. */
let groupId: string | null = null;
function groupOf(w: World): string {
  // The world's "Family" group (oidcData makes it), so no later state meets a group it does not name.
  groupId ??= findUserGroupByName(w.deps.db, "family")?.id ?? createUserGroup(w.deps, CLI_ACTOR, { friendlyName: "Family", name: "family" }).id;
  return groupId;
}

/** The member's one passkey (made once), by id. */
function passkeyOf(w: World): string {
  const row = w.deps.db.query<{ id: string }, [string]>("SELECT id FROM webauthn_credentials WHERE user_id = ?").get(w.f.member.user.id);
  if (row) return row.id;
  const id = crypto.randomUUID();
  insertCredential(w.deps.db, { id, userId: w.f.member.user.id, name: PASSKEY_NAME, credentialId: "cred-1", publicKey: new Uint8Array([1]), counter: 0, transports: [], aaguid: "", deviceType: "singleDevice", backupEligible: false, backupState: false, createdAt: 1_700_000_000, lastUsedAt: null } satisfies Passkey);
  return id;
}

/** Sets who may sign up (for the sign-up states). */
function signupMode(w: World, mode: "disabled" | "withToken" | "open"): void {
  updateAppConfig(w.deps.db, { allowUserSignups: mode }, nowSeconds(w.deps.clock));
}

/** A pending sign-in request from another device (Firefox on Windows) with this code; returns the code. */
function deviceLoginRequest(w: World, userCode: string): string {
  const now = nowSeconds(w.deps.clock);
  insertDeviceLoginRequest(w.deps.db, {
    id: `device-login-${userCode}`,
    userCode,
    deviceTokenHash: `hash-${userCode}`,
    ipAddress: "198.51.100.40",
    userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    createdAt: now,
    expiresAt: now + 300,
  });
  return userCode;
}

function enableEmailCodes(w: World): void {
  updateAppConfig(w.deps.db, { emailOneTimeAccessAsUnauthenticatedEnabled: true }, nowSeconds(w.deps.clock));
}

function enableEmailVerification(w: World): void {
  updateAppConfig(w.deps.db, { emailVerificationEnabled: true }, nowSeconds(w.deps.clock));
}

/** A protected app and a client the member may use, and a client they authorized (once). */
function appsFor(w: World): void {
  if (w.deps.db.query("SELECT 1 FROM protected_apps").get()) return;
  createProtectedApp(w.deps, CLI_ACTOR, { name: "Sonarr", hosts: ["sonarr.example.com"], isGroupRestricted: false });
  const { client } = createClient(w.deps, CLI_ACTOR, { name: "Forgejo", callbackUrls: ["https://git.example.com/cb"], launchUrl: "https://git.example.com", unrestricted: true });
  upsertAuthorizedClient(w.deps.db, { userId: w.f.member.user.id, clientId: client.id, scopes: ["openid", "email"], createdAt: 1, lastUsedAt: 1_700_000_000 });
}

const HUMAN_ATTRIBUTES = ["title", "alt", "placeholder", "aria-label", "aria-description", "data-confirm"];

/** The visible text pieces and human-facing attribute values of a page (entities decoded). */
async function humanText(html: string): Promise<string[]> {
  const pieces: string[] = [];
  let current = "";
  const flush = () => {
    if (current.trim()) pieces.push(decode(current));
    current = "";
  };
  // First drop what is not language (its text would still reach a handler in the same pass), then read the rest.
  const stripped = await new HTMLRewriter()
    .on(NOT_LANGUAGE, {
      element(el) {
        el.remove();
      },
    })
    // <noscript> content is raw text to a parser with scripting on: read it as the markup it is.
    .transform(new Response(html.replace(/<(\/?)noscript>/g, "<$1div>")))
    .text();
  const rewriter = new HTMLRewriter()
    .on("*", {
      element(el) {
        flush();
        for (const name of HUMAN_ATTRIBUTES) {
          const v = el.getAttribute(name);
          if (v) pieces.push(decode(v));
        }
        const type = el.getAttribute("type");
        if (el.tagName === "input" && (type === "submit" || type === "button")) pieces.push(decode(el.getAttribute("value") ?? ""));
      },
      text(chunk) {
        current += chunk.text;
        if (chunk.lastInTextNode) flush();
      },
    });
  await rewriter.transform(new Response(stripped)).text();
  flush();
  return pieces;
}

function decode(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&(quot|amp|lt|gt|apos|nbsp);/g, (_, n) => ({ quot: '"', amp: "&", lt: "<", gt: ">", apos: "'", nbsp: " " })[n as "quot"]);
}

/** The English words left in `text` once data and addresses are taken out. */
export function untranslatedWords(text: string, data: string[]): string[] {
  let rest = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, " ").replace(/[^\s@]+@[^\s@]+\.[a-z]+/gi, " ");
  for (const d of [...data].sort((a, b) => b.length - a.length)) rest = rest.split(d).join(" ");
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

describe("every page speaks only catalogue text", () => {
  let world: World;
  beforeAll(async () => {
    const deps = makeTestDeps();
    deps.pseudoLocale = true;
    const app = await createTestApp(deps);
    world = { app, deps, f: makeAdminFixture(deps) };
  });
  afterAll(() => world.deps.cleanup());

  test("the pseudo-locale is in use (a page's own chrome is transformed)", async () => {
    const res = await world.app.handle(req(world.deps, "/no-such-page", { headers: { "Accept-Language": PSEUDO_LOCALE } }));
    const html = await res.text();
    expect(html).toContain("Éŕŕöŕ 404");
    expect(untranslatedWords("Sign in with passkey", [])).toEqual(["Sign", "in", "with", "passkey"]);
  });

  for (const page of PAGES) {
    test(page.name, async () => {
      page.setup?.(world);
      const path = typeof page.path === "function" ? page.path(world) : page.path;
      const method = page.method ?? "GET";
      let request: Request;
      if (page.as === "anonymous") {
        request = req(world.deps, path, { method });
      } else {
        const actor: Actor = page.as === "admin" ? world.f.admin : world.f.member;
        request = pageReq(world.deps, actor, method, path, { form: page.form, htmx: page.htmx, csrf: page.csrf });
      }
      request.headers.set("Accept-Language", PSEUDO_LOCALE);
      const res = await world.app.handle(request);
      expect(res.status).toBe(page.status ?? 200);
      const pieces = await humanText(await res.text());
      expect(pieces.length).toBeGreaterThan(0);
      const english = pieces.flatMap((p) => untranslatedWords(p, [...FIXTURE_DATA, ...(page.data ?? [])]).map((w) => `${w}  ← “${p.trim().slice(0, 80)}”`));
      expect(english).toEqual([]);
    });
  }
});

describe("first run speaks only catalogue text", () => {
  test("setup (no user yet)", async () => {
    const deps = makeTestDeps();
    deps.pseudoLocale = true;
    try {
      const app = await createTestApp(deps);
      const res = await app.handle(req(deps, "/setup", { headers: { "Accept-Language": PSEUDO_LOCALE } }));
      expect(res.status).toBe(200);
      const english = (await humanText(await res.text())).flatMap((p) => untranslatedWords(p, ["Latchkey"]));
      expect(english).toEqual([]);
    } finally {
      deps.cleanup();
    }
  });
});
