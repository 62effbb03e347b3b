/**
 * Admin test fixture: an admin and a plain user, each with a live API key and a browser session,
 * plus an expired admin key. Built through the domain functions, so tests start from real rows.
 *
 *   let app: App; let deps: TestDeps; let f: AdminFixture;
 *   adminWorld((w) => ({ app, deps, f } = w));                       // a fresh app + fixture for each test
 *   adminWorld((w) => ({ app, deps, f } = w), { per: "file", env });  // one for the file (or describe block)
 *   await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/users"));
 */
import { issueReauthenticationToken } from "../../src/account/reauthentication.ts";
import { createSession, type Session } from "../../src/account/sessions.ts";
import { mintApiKey } from "../../src/admin/api-keys.ts";
import { createUser } from "../../src/admin/users.ts";
import { cookieName } from "../../src/http/cookies.ts";
import { SESSION_COOKIE } from "../../src/http/request-context.ts";
import { REAUTHENTICATION_COOKIE } from "../../src/http/browser-session.ts";
import type { User } from "../../src/db/users.ts";
import { nowSeconds } from "../../src/lib/clock.ts";
import { afterAll, afterEach, beforeAll, beforeEach } from "bun:test";
import type { App } from "../../src/app.ts";
import { makeTestApp, req, type TestDeps } from "./test-deps.ts";

export interface Actor {
  user: User;
  key: string;
  cookie: string;
  csrf: string;
  session: Session;
}

export interface AdminFixture {
  admin: Actor;
  member: Actor;
  expiredKey: string;
}

function actor(deps: TestDeps, user: User): Actor {
  const now = nowSeconds(deps.clock);
  const { token: key } = mintApiKey(deps, user.id, { name: `${user.username} key`, expiresAt: now + 86400 });
  const { token, session } = createSession(deps, { userId: user.id, amr: ["phr"], durationMinutes: 600 });
  return { user, key, cookie: `${cookieName(deps.config, SESSION_COOKIE)}=${token}`, csrf: session.csrfToken, session };
}

/**
 * The same actor after a passkey re-authentication: its cookie also carries a fresh single-use
 * re-authentication token (as /api/webauthn/reauthenticate/finish would set), for creating API keys.
 */
export function reauthenticated(deps: TestDeps, a: Actor): Actor {
  const token = issueReauthenticationToken(deps, a.session);
  return { ...a, cookie: `${a.cookie}; ${cookieName(deps.config, REAUTHENTICATION_COOKIE)}=${token}` };
}

export function makeAdminFixture(deps: TestDeps): AdminFixture {
  const adminUser = createUser(deps, { username: "alice", email: "alice@example.com", firstName: "Alice", lastName: "Admin", isAdmin: true });
  const memberUser = createUser(deps, { username: "bob", email: "bob@example.com", firstName: "Bob", lastName: "Member" });
  const admin = actor(deps, adminUser);
  const member = actor(deps, memberUser);
  const now = nowSeconds(deps.clock);
  const { token: expiredKey } = mintApiKey(deps, adminUser.id, { name: "soon expired", expiresAt: now + 60 });
  // The clock moves past the short key's expiry; the day-long keys stay valid.
  deps.clock.advance(120);
  return { admin, member, expiredKey };
}

export interface AdminWorld {
  app: App;
  deps: TestDeps;
  f: AdminFixture;
}

/**
 * Registers the hooks that make an in-process app (makeTestApp with `env`) and the admin fixture before each
 * test (`per: "test"`, the default) or once before the file's or describe block's tests (`per: "file"`), and
 * clean it up after. `assign` receives each new world, before the test (or a later beforeAll/beforeEach) runs.
 */
export function adminWorld(assign: (world: AdminWorld) => void, opts: { env?: Record<string, string>; per?: "test" | "file" } = {}): void {
  let world: AdminWorld | null = null;
  const setUp = async () => {
    const { app, deps } = await makeTestApp(opts.env);
    world = { app, deps, f: makeAdminFixture(deps) };
    assign(world);
  };
  const tearDown = () => {
    world?.deps.cleanup();
    world = null;
  };
  if (opts.per === "file") {
    beforeAll(setUp);
    afterAll(tearDown);
  } else {
    beforeEach(setUp);
    afterEach(tearDown);
  }
}

/** A JSON API request with X-API-Key (no cookies: CSRF-exempt). */
export function apiReq(deps: TestDeps, key: string | null, method: string, path: string, body?: unknown): Request {
  const headers: Record<string, string> = {};
  if (key !== null) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return req(deps, path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** A browser request with the session cookie (and the CSRF header for unsafe methods unless `csrf: false`). */
export function pageReq(
  deps: TestDeps,
  a: Actor,
  method: string,
  path: string,
  opts: { form?: Record<string, string | string[]>; htmx?: boolean; csrf?: boolean } = {},
): Request {
  const headers: Record<string, string> = { Cookie: a.cookie };
  if (opts.htmx) headers["HX-Request"] = "true";
  if (method !== "GET" && opts.csrf !== false) headers["X-CSRF-Token"] = a.csrf;
  let body: string | undefined;
  if (opts.form) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.form)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
    body = p.toString();
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  }
  return req(deps, path, { method, headers, body });
}

export async function json(app: App, request: Request): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await app.handle(request);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}
