/**
 * Issue 21, "correct with several instances": two complete apps on one database (tests/helpers/two-apps.ts: each
 * its own connection, caches and rate-limit view; one clock), with a person's or a client's requests spread across
 * them. Written against the Database interface and the domain modules only, so they run on either engine.
 *
 * Audit of the state a Latchkey process holds (src/, December 2026), and where each piece lives:
 *
 * | state                                                        | where it lives                                                        | verdict |
 * | ------------------------------------------------------------ | --------------------------------------------------------------------- | ------- |
 * | browser sessions                                             | sessions (token hashes)                                               | database |
 * | WebAuthn challenges (sign-in, registration, re-authentication)| webauthn_challenges, consumed with DELETE … RETURNING                 | database |
 * | OIDC interactions (sign-in / consent between /authorize and callback) | oidc_interactions                                            | database |
 * | authorization codes and their replay record                  | oidc_authorization_codes (consumed in place, 0011)                    | database |
 * | grants, refresh tokens (rotation, reuse detection), access tokens | oidc_grants, oidc_refresh_tokens, oidc_access_tokens, oidc_client_access_tokens | database |
 * | device codes, PAR requests                                   | oidc_device_codes, oidc_pushed_requests                               | database |
 * | client-assertion and DPoP jti replay caches                  | oidc_client_assertion_jtis (DPoP under its own prefix)                | database |
 * | one-time login codes, email verification, sign-up, re-authentication tokens, the setup claim | their tables                         | database |
 * | forward-auth sessions and codes                              | forward_auth_sessions, forward_auth_codes                             | database |
 * | sign-in requests from another device and their long poll    | device_login_requests (0019): decided and exchanged with conditional UPDATEs; the waiting exchange reads the row each second | database |
 * | configuration from the environment (src/config.ts), the sealed-box key derived from ENCRYPTION_KEY | each process's own environment: every instance must be given the same APP_URL, ENCRYPTION_KEY and database | per instance (deployment) |
 * | application configuration                                    | per-instance cache (readAppConfig), checked on every read against the app_config change version (0024), bumped by triggers in the changing transaction | cache, checked on every read |
 * | OIDC clients, secrets, groups, users, passkeys               | read on each use: no cache                                            | database |
 * | rate-limit budgets (src/http/plugins/rate-limit.ts, request-budgets.ts) | were per-process token buckets (budget × instances) → rate_limit_buckets (0017), one atomic statement per take; the per-process buckets stay as a local view that only refuses what the shared budget would (src/rate-limits/shared-budgets.ts) | moved |
 * | signing key set (src/oidc/signing-keys.ts)                   | per-instance cache; changes were detected with PRAGMA data_version (one SQLite file only) → change_versions row bumped by triggers in the changing transaction, read at most once a second (src/db/change-versions.ts) | cache, portable check |
 * | discovery body, prerendered discovery/JWKS (src/oidc/discovery.ts, src/http/prerendered.ts) | derived from the key set's version | per instance: follows the key set |
 * | imported CryptoKeys by kid (signing-keys.ts)                 | a kid's key material never changes once written                       | per instance |
 * | remote JWKS of private_key_jwt clients (src/oidc/client-auth.ts) | a cache of the client's own document; jose refetches on an unknown kid | per instance |
 * | forward-auth audit throttle (src/forward-auth/forward-auth.ts) | only thins out rows for proxied asset requests: N instances write at most N rows per interval | per instance |
 * | initials-avatar PNGs, compiled redirect patterns, translators, locale and time-zone tables, route policy, fixed security headers, the OpenAPI document | pure functions of the code and the configuration | per instance |
 * | group-commit queue (src/db/group-commit.ts)                  | one connection's batch of writes; a request is answered after its commit | per instance |
 * | per-request WeakMaps (request metadata, the API-key principal) | one request                                                          | per instance |
 * | background work: cleanup, back-channel logout, email outbox, LDAP sync, backups, GeoLite refresh, audit retention | job_runs (0016) and claimed queue items | database (issue 21, background jobs) |
 * | "one LDAP sync at a time" (src/ldap/sync.ts `running`)       | joins a second caller on the same instance to the running sync; a sync started on another instance at the same moment applies its changes in one transaction, so it conflicts and changes nothing (reported as failed) or repeats the same changes | per instance |
 * | "one server per data folder" lock (src/db/server-lock.ts), WAL checkpoint worker | the SQLite file's folder; not for PostgreSQL | per instance (SQLite only) |
 */
import { afterEach, describe, expect, test } from "bun:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { readAppConfig, updateAppConfig } from "../../../src/admin/app-config.ts";
import { BUDGET_RULES } from "../../../src/http/plugins/request-budgets.ts";
import { RATE_RULES } from "../../../src/http/plugins/rate-limit.ts";
import { KEY_SET_CHECK_MS, rotateSigningKey } from "../../../src/oidc/signing-keys.ts";
import { AppClient } from "../../helpers/app-client.ts";
import { apiReq, makeAdminFixture } from "../../helpers/admin-fixture.ts";
import { passkeyLogin, setUpAccount, startPasskeyLogin } from "../../helpers/account.ts";
import { insertTestUser, signIn } from "../../helpers/oidc-fixtures.ts";
import { basicAuth, CALLBACK, CHALLENGE, VERIFIER } from "../../helpers/oidc-flow.ts";
import { SoftAuthenticator } from "../../helpers/soft-authenticator.ts";
import { makeTwoApps, type AppInstance, type TwoApps } from "../../helpers/two-apps.ts";

let cluster: TwoApps;
afterEach(() => cluster?.cleanup());

const form = { "content-type": "application/x-www-form-urlencoded" };
const LOGOUT = "https://app.example.com/logged-out";

async function expectOAuthError(res: Response, status: number, error: string, description?: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get("cache-control")).toBe("no-store");
  const body = (await res.json()) as { error: string; error_description: string };
  expect(body.error).toBe(error);
  if (description) expect(body.error_description).toContain(description);
}

/** A confidential client, a signed-in person, and the calls of the code flow against either instance. */
function oidcFixture(c: TwoApps) {
  const deps = c.a.deps;
  const user = insertTestUser(deps, { username: "alice" });
  const { cookie } = signIn(deps, user.id);
  const { client, secret } = createClient(deps, CLI_ACTOR, { name: "App", callbackUrls: [CALLBACK], logoutCallbackUrls: [LOGOUT], unrestricted: true, skipConsent: true });
  const basic = basicAuth(client.id, secret!.secret);
  const call = (at: AppInstance, path: string, init: RequestInit = {}) => at.app.handle(new Request(deps.config.appUrl + path, init), "192.0.2.10");
  return {
    user,
    async code(at: AppInstance): Promise<string> {
      const q = new URLSearchParams({ client_id: client.id, redirect_uri: CALLBACK, response_type: "code", scope: "openid profile", state: "s", nonce: "n", code_challenge: CHALLENGE, code_challenge_method: "S256" });
      const res = await call(at, `/authorize?${q}`, { headers: { cookie } });
      expect(res.status).toBe(303);
      return new URL(res.headers.get("location")!).searchParams.get("code")!;
    },
    token: (at: AppInstance, body: Record<string, string>) =>
      call(at, "/api/oidc/token", { method: "POST", headers: { ...form, authorization: basic }, body: new URLSearchParams(body).toString() }),
    exchange: (code: string) => ({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER }),
    userinfo: (at: AppInstance, accessToken: string) => call(at, "/api/oidc/userinfo", { headers: { authorization: `Bearer ${accessToken}` } }),
    call,
  };
}

describe("a person's requests spread across two instances", () => {
  test("a passkey ceremony begun on A finishes on B; its challenge cannot be used again on A", async () => {
    cluster = await makeTwoApps();
    const { balancer } = cluster;
    const authr = new SoftAuthenticator();
    const setup = new AppClient(balancer, cluster.a.deps);
    balancer.to("round-robin"); // the setup form and the first passkey, across both
    await setUpAccount(setup, authr);

    const browser = new AppClient(balancer, cluster.a.deps, "198.51.100.20");
    balancer.to("a");
    const options = await startPasskeyLogin(browser);
    const assertion = authr.assert(options, { origin: cluster.a.deps.config.appUrl });
    balancer.to("b");
    const finish = await browser.postJson("/api/webauthn/login/finish", { response: assertion });
    expect(finish.status).toBe(200);
    expect(browser.cookie("latchkey_session")).toBeString();
    // The session B created is A's too.
    balancer.to("a");
    expect((await browser.get("/settings/account")).status).toBe(200);
    // The same assertion again, now at A: the challenge was consumed at B.
    const again = await browser.postJson("/api/webauthn/login/finish", { response: assertion });
    expect(again.status).toBe(400);
    expect(balancer.served.slice(-3)).toEqual(["b", "a", "a"]);
  });

  test("an authorization code issued by A is redeemed at B; a second redemption at A is refused and revokes what B issued", async () => {
    cluster = await makeTwoApps();
    const f = oidcFixture(cluster);
    const code = await f.code(cluster.a);
    const won = await f.token(cluster.b, f.exchange(code));
    expect(won.status).toBe(200);
    const tokens = (await won.json()) as { access_token: string; id_token: string };
    expect(decodeJwt(tokens.id_token).sub).toBe(f.user.id);
    expect((await f.userinfo(cluster.a, tokens.access_token)).status).toBe(200);

    await expectOAuthError(await f.token(cluster.a, f.exchange(code)), 400, "invalid_grant", "already used");
    // RFC 6749 4.1.2: the replay revokes the tokens issued from the code, on every instance.
    expect((await f.userinfo(cluster.b, tokens.access_token)).status).toBe(401);
  });

  test("a refresh token rotated at B and replayed at A: the replay is detected and the family revoked", async () => {
    cluster = await makeTwoApps();
    const f = oidcFixture(cluster);
    const first = (await (await f.token(cluster.a, f.exchange(await f.code(cluster.a)))).json()) as { refresh_token: string };
    cluster.clock.advance(10);
    const rotated = await f.token(cluster.b, { grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(rotated.status).toBe(200);
    const second = (await rotated.json()) as { refresh_token: string; access_token: string };

    await expectOAuthError(await f.token(cluster.a, { grant_type: "refresh_token", refresh_token: first.refresh_token }), 400, "invalid_grant", "already used");
    await expectOAuthError(await f.token(cluster.b, { grant_type: "refresh_token", refresh_token: second.refresh_token }), 400, "invalid_grant");
    expect((await f.userinfo(cluster.b, second.access_token)).status).toBe(401);
  });

  test("a sign-in from another device asked at A and denied at B ends A's long poll; one approved at B and exchanged at A and B at once signs in once", async () => {
    cluster = await makeTwoApps();
    const { balancer, clock } = cluster;
    const authr = new SoftAuthenticator();
    const phone = new AppClient(balancer, cluster.a.deps, "203.0.113.9");
    balancer.to("b");
    await setUpAccount(phone, authr);
    const laptop = new AppClient(balancer, cluster.a.deps, "198.51.100.40");
    balancer.to("a");
    await laptop.get("/login");
    const asked = (await (await laptop.postJson("/api/device-login/requests", {})).json()) as { id: string; userCode: string };
    const exchange = () => laptop.postJson(`/api/device-login/requests/${asked.id}/exchange`, {});
    let settled = false;
    const waiting = exchange().finally(() => (settled = true));
    await clock.tick(1000);

    balancer.to("b");
    const start = await phone.postJson("/api/webauthn/reauthenticate/start", {});
    const { options } = (await start.json()) as { options: Parameters<SoftAuthenticator["assert"]>[0] };
    expect((await phone.postJson("/api/webauthn/reauthenticate/finish", { response: authr.assert(options, { origin: cluster.a.deps.config.appUrl }) })).status).toBe(200);
    expect((await phone.postJson("/api/device-login/verification/decision", { code: asked.userCode, decision: "deny" })).status).toBe(204);
    for (let i = 0; i < 10 && !settled; i++) await clock.tick(500);
    expect((await waiting).status).toBe(403);

    // A second request, approved at B, exchanged at both at once.
    balancer.to("a");
    const again = (await (await laptop.postJson("/api/device-login/requests", {})).json()) as { id: string; userCode: string };
    balancer.to("b");
    const start2 = await phone.postJson("/api/webauthn/reauthenticate/start", {});
    const { options: options2 } = (await start2.json()) as { options: Parameters<SoftAuthenticator["assert"]>[0] };
    expect((await phone.postJson("/api/webauthn/reauthenticate/finish", { response: authr.assert(options2, { origin: cluster.a.deps.config.appUrl }) })).status).toBe(200);
    expect((await phone.postJson("/api/device-login/verification/decision", { code: again.userCode, decision: "approve" })).status).toBe(204);
    balancer.to("round-robin");
    const both = await Promise.all([0, 1].map(() => laptop.postJson(`/api/device-login/requests/${again.id}/exchange`, {})));
    expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(cluster.a.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'REMOTE_SIGN_IN'").get()!.n).toBe(1);
  });

  test("an application-configuration change made on A is what B serves next", async () => {
    cluster = await makeTwoApps();
    const { admin } = makeAdminFixture(cluster.a.deps);
    const appName = async (at: AppInstance) => {
      const res = await at.app.handle(apiReq(cluster.a.deps, null, "GET", "/api/application-configuration"));
      expect(res.status).toBe(200);
      return ((await res.json()) as { key: string; value: string }[]).find((e) => e.key === "appName")!.value;
    };
    expect(await appName(cluster.b)).toBe("Latchkey");
    const put = await cluster.a.app.handle(apiReq(cluster.a.deps, admin.key, "PUT", "/api/application-configuration", { appName: "Shared Name" }));
    expect(put.status).toBe(200);
    expect(await appName(cluster.b)).toBe("Shared Name");
    // And on B's pages.
    expect(await (await cluster.b.app.handle(new Request(`${cluster.a.deps.config.appUrl}/login`))).text()).toContain("Shared Name");
  });
});

describe("the application configuration cache", () => {
  test("a change on A is read by B at its next read (no clock needs to move), and a rolled-back change is never served", async () => {
    cluster = await makeTwoApps();
    const read = (at: AppInstance) => readAppConfig(at.deps.db, { uiConfigDisabled: false, env: {} });
    expect(read(cluster.a).sessionDuration).toBe(60);
    expect(read(cluster.b).sessionDuration).toBe(60); // both caches are warm
    updateAppConfig(cluster.a.deps.db, { sessionDuration: 30 }, 1);
    expect(read(cluster.b).sessionDuration).toBe(30);
    expect(read(cluster.a).sessionDuration).toBe(30);
    // Written by hand (a restore, an operator's SQL): the trigger still bumps the version.
    cluster.b.deps.db.run("UPDATE app_config SET value = '45' WHERE key = 'sessionDuration'");
    expect(read(cluster.a).sessionDuration).toBe(45);
    // Read inside a transaction that then rolls back: not cached, so the next reader gets what is stored.
    expect(() =>
      cluster.a.deps.db.transaction(() => {
        updateAppConfig(cluster.a.deps.db, { sessionDuration: 15 }, 2);
        expect(read(cluster.a).sessionDuration).toBe(15);
        throw new Error("roll back");
      })(),
    ).toThrow("roll back");
    expect(read(cluster.a).sessionDuration).toBe(45);
    updateAppConfig(cluster.b.deps.db, { sessionDuration: 20 }, 3);
    expect(read(cluster.a).sessionDuration).toBe(20);
  });

  test("the snapshot readers share cannot be changed by one of them", async () => {
    cluster = await makeTwoApps();
    const config = readAppConfig(cluster.a.deps.db, { uiConfigDisabled: false, env: {} });
    expect(() => {
      (config as { sessionDuration: number }).sessionDuration = 1;
    }).toThrow(TypeError);
    expect(readAppConfig(cluster.a.deps.db, { uiConfigDisabled: false, env: {} }).sessionDuration).toBe(60);
  });
});

describe("the signing key set", () => {
  test("a rotation on A is served by B's JWKS and used by B's signatures once B's once-a-second check has run", async () => {
    cluster = await makeTwoApps();
    const f = oidcFixture(cluster);
    const jwksKids = async (at: AppInstance) => {
      const res = await f.call(at, "/.well-known/jwks.json");
      expect(res.status).toBe(200);
      return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    };
    const [before] = await jwksKids(cluster.b);
    const rotated = rotateSigningKey(cluster.a.deps, CLI_ACTOR, "ES256");
    expect(await jwksKids(cluster.a)).toEqual([rotated.kid, before!]);
    // B looks at most once per KEY_SET_CHECK_MS: within that, its cached set (still valid: the old key stays
    // published) is served.
    expect(await jwksKids(cluster.b)).toEqual([before!]);
    cluster.clock.advanceMs(KEY_SET_CHECK_MS);
    expect(await jwksKids(cluster.b)).toEqual([rotated.kid, before!]);
    const tokens = (await (await f.token(cluster.b, f.exchange(await f.code(cluster.b)))).json()) as { id_token: string; access_token: string };
    expect(decodeProtectedHeader(tokens.id_token)).toMatchObject({ kid: rotated.kid, alg: "ES256" });
    expect((await f.userinfo(cluster.a, tokens.access_token)).status).toBe(200);
  });

  test("a token A signed with a key B has not loaded yet is verified by B (looked up by kid)", async () => {
    cluster = await makeTwoApps();
    const f = oidcFixture(cluster);
    await f.call(cluster.b, "/.well-known/jwks.json"); // B caches the set before the rotation
    rotateSigningKey(cluster.a.deps, CLI_ACTOR, "ES256");
    const tokens = (await (await f.token(cluster.a, f.exchange(await f.code(cluster.a)))).json()) as { id_token: string };
    // The hint identifies the client only when its signature verifies: then the registered URI is followed.
    const q = new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: LOGOUT, state: "bye" });
    const res = await f.call(cluster.b, `/api/oidc/end-session?${q}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${LOGOUT}?state=bye`);
  });
});

describe("rate-limit budgets are one budget across instances", () => {
  test("passkey ceremony starts: half the burst on A, half on B, then 429 on both", async () => {
    cluster = await makeTwoApps();
    insertTestUser(cluster.a.deps, { username: "someone" }); // with no user, /login sends to /setup
    const { balancer } = cluster;
    const browser = new AppClient(balancer, cluster.a.deps, "198.51.100.30");
    balancer.to("a");
    await browser.get("/login");
    balancer.to("round-robin");
    const statuses: number[] = [];
    for (let i = 0; i < RATE_RULES.webauthnLogin.burst; i++) statuses.push((await browser.postJson("/api/webauthn/login/start", {})).status);
    expect(statuses).toEqual(Array(RATE_RULES.webauthnLogin.burst).fill(200));
    const served = balancer.served.slice(-RATE_RULES.webauthnLogin.burst);
    expect(served.filter((s) => s === "a").length).toBe(RATE_RULES.webauthnLogin.burst / 2);
    for (const at of ["a", "b"] as const) {
      balancer.to(at);
      const res = await browser.postJson("/api/webauthn/login/start", {});
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe(String(RATE_RULES.webauthnLogin.perSeconds));
    }
    // One interval later the shared bucket has one token again: one start, on either instance.
    cluster.clock.advance(RATE_RULES.webauthnLogin.perSeconds);
    balancer.to("b");
    expect((await browser.postJson("/api/webauthn/login/start", {})).status).toBe(200);
    balancer.to("a");
    expect((await browser.postJson("/api/webauthn/login/start", {})).status).toBe(429);
  });

  test("failed token requests (the failure budget checked before every request): half on A, half on B, then 429 on both", async () => {
    cluster = await makeTwoApps();
    const ip = "198.51.100.40";
    const bad = (at: AppInstance) =>
      at.app.handle(new Request(`${cluster.a.deps.config.appUrl}/api/oidc/token`, { method: "POST", headers: { ...form, authorization: basicAuth("nobody", "x") }, body: "grant_type=authorization_code&code=nope" }), ip);
    const burst = BUDGET_RULES.tokenFailuresPerIp.burst;
    for (let i = 0; i < burst; i++) expect((await bad(i % 2 ? cluster.b : cluster.a)).status).toBe(401);
    const refusedA = await bad(cluster.a);
    expect(refusedA.status).toBe(429);
    expect(((await refusedA.json()) as { error: string }).error).toBe("temporarily_unavailable");
    expect((await bad(cluster.b)).status).toBe(429);
    // Another client IP has its own budget, on both.
    const other = await cluster.b.app.handle(new Request(`${cluster.a.deps.config.appUrl}/api/oidc/token`, { method: "POST", headers: { ...form, authorization: basicAuth("nobody", "x") }, body: "grant_type=authorization_code&code=nope" }), "198.51.100.41");
    expect(other.status).toBe(401);
  });
});
