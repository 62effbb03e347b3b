/**
 * Pocket ID's JSON device endpoints beside the /device page: GET /api/oidc/device/info and
 * POST /api/oidc/device/verify — the same lookup, rules, rate limits and audit as /device.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { updateClient } from "../../../src/admin/oidc-clients.ts";
import { endAllSessionsOfUser } from "../../../src/account/sessions.ts";
import { CALLBACK, makeOidcWorld, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

const form = { "content-type": "application/x-www-form-urlencoded" };
const DEVICE = "urn:ietf:params:oauth:grant-type:device_code";

async function startDevice(scope = "openid profile") {
  const res = await w.call("/api/oidc/device/authorize", { method: "POST", headers: { ...form, authorization: w.basic }, body: `scope=${encodeURIComponent(scope)}` });
  expect(res.status).toBe(200);
  return (await res.json()) as { device_code: string; user_code: string };
}

async function csrfToken(cookie = w.cookie): Promise<string> {
  const html = await (await w.call("/device", { headers: { cookie } })).text();
  return /<meta name="csrf-token" content="([^"]*)"/.exec(html)![1]!;
}

const info = (code: string, cookie: string | null = w.cookie) =>
  w.call(`/api/oidc/device/info?code=${encodeURIComponent(code)}`, { headers: cookie ? { cookie } : {} });

async function verify(code: string, opts: { csrf?: boolean; cookie?: string | null } = {}) {
  const cookie = opts.cookie === undefined ? w.cookie : opts.cookie;
  const headers: Record<string, string> = cookie ? { cookie } : {};
  if (opts.csrf !== false && cookie) headers["x-csrf-token"] = await csrfToken(cookie);
  return w.call(`/api/oidc/device/verify?code=${encodeURIComponent(code)}`, { method: "POST", headers });
}

const pollError = async (deviceCode: string) => ((await (await w.token({ grant_type: DEVICE, device_code: deviceCode })).json()) as { error?: string }).error;
const auditCount = (event: string) => w.deps.db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = ?").get(event)!.n;

describe("JSON device endpoints", () => {
  test("info: what the code asks for; verify: 204, the device gets its tokens, consent and audit as on /device", async () => {
    w = await makeOidcWorld();
    const d = await startDevice("openid profile");
    const res = await info(d.user_code.toLowerCase().replace("-", ""));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      scope: "openid profile",
      authorizationRequired: true,
      client: { id: w.client.id, name: w.client.name, requiresReauthentication: false },
    });
    const ok = await verify(d.user_code);
    expect(ok.status).toBe(204);
    expect(auditCount("NEW_DEVICE_CODE_AUTHORIZATION")).toBe(1);
    const tokens = await w.token({ grant_type: DEVICE, device_code: d.device_code });
    expect(tokens.status).toBe(200);
    // Used: both endpoints now say unknown.
    expect((await info(d.user_code)).status).toBe(404);
    expect((await verify(d.user_code)).status).toBe(404);

    // A second device for the same client and scopes: already consented; audit DEVICE_CODE_AUTHORIZATION.
    const e = await startDevice("openid profile");
    expect(await (await info(e.user_code)).json()).toMatchObject({ authorizationRequired: false });
    expect((await verify(e.user_code)).status).toBe(204);
    expect(auditCount("DEVICE_CODE_AUTHORIZATION")).toBe(1);
  });

  test("wrong, malformed and missing codes: 404 / 400; the pending code is untouched", async () => {
    w = await makeOidcWorld();
    const d = await startDevice();
    expect((await info("BCDF-GHJK")).status).toBe(404);
    expect((await verify("BCDF-GHJK")).status).toBe(404);
    const bad = await info("12345");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("8 letters");
    expect((await w.call("/api/oidc/device/info", { headers: { cookie: w.cookie } })).status).toBe(400);
    expect((await verify("x".repeat(41))).status).toBe(400);
    expect(await pollError(d.device_code)).toBe("authorization_pending");
  });

  test("signed out: info 401, verify 403; without the CSRF token: 403; the code stays pending", async () => {
    w = await makeOidcWorld();
    const d = await startDevice();
    expect((await info(d.user_code, null)).status).toBe(401);
    expect((await verify(d.user_code, { cookie: null })).status).toBe(403); // no CSRF token without a session
    const token = await csrfToken();
    endAllSessionsOfUser(w.deps.db, w.user.id); // the session ended after the page was loaded
    const ended = await w.call(`/api/oidc/device/verify?code=${d.user_code}`, { method: "POST", headers: { cookie: w.cookie, "x-csrf-token": token } });
    expect(ended.status).toBe(403); // the CSRF token belonged to the ended session
    expect((await verify(d.user_code, { csrf: false })).status).toBe(403);
    expect(await pollError(d.device_code)).toBe("authorization_pending");
    expect(auditCount("NEW_DEVICE_CODE_AUTHORIZATION")).toBe(0);
  });

  test("a client the person may not use: 403; one that wants a fresh passkey: 403 reauthentication_required", async () => {
    w = await makeOidcWorld();
    const d = await startDevice();
    updateClient(w.deps, CLI_ACTOR, w.client.id, { name: w.client.name, callbackUrls: [CALLBACK], unrestricted: false });
    expect((await info(d.user_code)).status).toBe(403);
    expect((await verify(d.user_code)).status).toBe(403);
    updateClient(w.deps, CLI_ACTOR, w.client.id, { name: w.client.name, callbackUrls: [CALLBACK], unrestricted: true, requiresReauthentication: true });
    w.deps.clock.advance(120);
    const res = await verify(d.user_code);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "reauthentication_required" });
    expect(await pollError(d.device_code)).toBe("authorization_pending");
  });

  test("user codes are rate limited as on /device: the eleventh guess in a burst is 429", async () => {
    w = await makeOidcWorld();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await info("BCDF-GHJK")).status);
    expect(statuses.slice(0, 10).every((s) => s === 404)).toBe(true);
    expect(statuses[10]).toBe(429);
  });
});
