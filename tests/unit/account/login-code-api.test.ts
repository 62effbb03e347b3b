/** POST /api/one-time-access-token/:token: Pocket ID's JSON exchange of a login code for a browser session. */
import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { AppClient } from "../../helpers/app-client.ts";
import { adminWorld, apiReq, json, type AdminFixture } from "../../helpers/admin-fixture.ts";
import type { TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;
adminWorld((w) => ({ app, deps, f } = w));

async function loginCodeFor(userId: string): Promise<string> {
  const r = await json(app, apiReq(deps, f.admin.key, "POST", `/api/users/${userId}/one-time-access-token`, { ttl: "15m" }));
  expect(r.status).toBe(201);
  return r.body.token as string;
}

async function anonymousBrowser(): Promise<AppClient> {
  const client = new AppClient(app, deps);
  await client.get("/login"); // the sign-in page's CSRF cookie and token
  return client;
}

const exchange = (client: AppClient, code: string, opts: { csrf?: boolean; headers?: Record<string, string> } = {}) =>
  client.request(`/api/one-time-access-token/${encodeURIComponent(code)}`, {
    method: "POST",
    headers: { accept: "application/json", ...(opts.csrf === false ? {} : { "x-csrf-token": client.csrfToken }), ...opts.headers },
  });

describe("POST /api/one-time-access-token/:token", () => {
  test("exchanges a login code for the user and a session signed in with amr otp, audited as TOKEN_SIGN_IN", async () => {
    const code = await loginCodeFor(f.member.user.id);
    const browser = await anonymousBrowser();
    const res = await exchange(browser, code);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: f.member.user.id, username: f.member.user.username });
    const me = await browser.request("/api/users/me", { headers: { accept: "application/json" } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe(f.member.user.id);
    // The fixture's own session signed in by passkey, the new one by the code.
    const amrs = deps.db.query<{ amr: string }, [string]>("SELECT amr FROM sessions WHERE user_id = ?").all(f.member.user.id).map((r) => JSON.parse(r.amr));
    expect(amrs.sort()).toEqual([["otp"], ["phr"]]);
    const events = deps.db.query<{ event: string }, [string]>("SELECT event FROM audit_logs WHERE user_id = ? AND event = 'TOKEN_SIGN_IN'").all(f.member.user.id);
    expect(events).toHaveLength(1);
  });

  test("a code works once; an unknown one is 401 as in Pocket ID", async () => {
    const code = await loginCodeFor(f.member.user.id);
    expect((await exchange(await anonymousBrowser(), code)).status).toBe(200);
    const again = await exchange(await anonymousBrowser(), code);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { message: string }).message).toBeTruthy();
    expect((await exchange(await anonymousBrowser(), "ZZZZZZZZZZZZ")).status).toBe(401);
    expect((await exchange(await anonymousBrowser(), "x")).status).toBe(401);
  });

  test("CSRF-checked like every browser POST: no token, or a request from another site, is refused and the code stays unused", async () => {
    const code = await loginCodeFor(f.member.user.id);
    const browser = await anonymousBrowser();
    expect((await exchange(browser, code, { csrf: false })).status).toBe(403);
    expect((await exchange(browser, code, { headers: { origin: "https://evil.example" } })).status).toBe(403);
    expect((await exchange(browser, code)).status).toBe(200);
  });
});
