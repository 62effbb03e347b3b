/**
 * Hostile redirect URIs through the HTTP surface (app.handle): /authorize (GET, POST, form_post),
 * PAR and /api/oidc/end-session. Every variant must end on our own 400 page (or a JSON 400 for PAR) with
 * no Location header and no form pointing at it; the registered wildcard use keeps working.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { type OidcClient } from "../../../src/oidc/clients.ts";
import { insertTestUser, signIn } from "../../helpers/oidc-fixtures.ts";
import { CHALLENGE } from "../../helpers/oidc-flow.ts";
import { ATTACKS } from "../../helpers/redirect-attacks.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";
import type { App } from "../../../src/app.ts";

let app: App;
let deps: TestDeps;
let cookie: string;
/** One public client per registered pattern, so no other pattern can accept a variant. */
const clients = new Map<string, OidcClient>();

const PATTERNS = [...new Set(ATTACKS.map(([p]) => p))];

beforeAll(async () => {
  ({ app, deps } = await makeTestApp({ DISABLE_RATE_LIMITING: "true" }));
  const user = insertTestUser(deps, { username: "alice" });
  cookie = signIn(deps, user.id).cookie;
  for (const pattern of PATTERNS) {
    const { client } = createClient(deps, CLI_ACTOR, {
      name: `Client for ${pattern}`,
      callbackUrls: [pattern],
      logoutCallbackUrls: [pattern],
      isPublic: true,
      unrestricted: true,
      skipConsent: true,
    });
    clients.set(pattern, client);
  }
});
afterAll(() => deps?.cleanup());

const call = (path: string, init: RequestInit = {}) => app.handle(new Request(deps.config.appUrl + path, init));

function authorizeParams(clientId: string, redirectUri: string, extra: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope: "openid",
    state: "st4te",
    code_challenge: CHALLENGE,
    code_challenge_method: "S256",
    ...extra,
  });
}

/** Our own error page: 400, HTML, no Location, no form that would post a code anywhere. */
async function expectRefusedOnOurPage(res: Response, text: string) {
  expect(res.status).toBe(400);
  expect(res.headers.get("location")).toBeNull();
  expect(res.headers.get("content-type")).toContain("text/html");
  const body = await res.text();
  expect(body).toContain(text);
  expect(body).not.toMatch(/code=[A-Za-z0-9_-]{43}/); // the page may echo the requested URI, never a code
  expect(body).not.toContain('id="form-post"');
}

// Requests carry the URI percent-encoded, so control characters, spaces and non-ASCII reach the checks intact.
const VARIANTS = ATTACKS.filter(([, c]) => c !== "");

describe("/authorize refuses every hostile redirect_uri on its own page", () => {
  test.each(VARIANTS)("GET: %s with %j", async (pattern, candidate) => {
    const res = await call(`/authorize?${authorizeParams(clients.get(pattern)!.id, candidate)}`, { headers: { cookie } });
    await expectRefusedOnOurPage(res, "Invalid callback URL");
  });

  test.each(VARIANTS)("POST form_post: %s with %j", async (pattern, candidate) => {
    const res = await call("/authorize", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: authorizeParams(clients.get(pattern)!.id, candidate, { response_mode: "form_post" }).toString(),
    });
    await expectRefusedOnOurPage(res, "Invalid callback URL");
  });

  test("the issue's exact request, as sent on the wire", async () => {
    const client = clients.get("https://*.example.com/cb")!;
    for (const raw of ["https%3A%2F%2Fevil%252Ecom%5C.example.com%2Fcb", "https%3A%2F%2Fevil%2Ecom%5C.example.com%2Fcb", "https://evil.com%5C.example.com/cb"]) {
      const res = await call(
        `/authorize?client_id=${client.id}&redirect_uri=${raw}&response_type=code&scope=openid&state=s&code_challenge=${CHALLENGE}&code_challenge_method=S256`,
        { headers: { cookie } },
      );
      await expectRefusedOnOurPage(res, "Invalid callback URL");
    }
  });
});

describe("PAR refuses every hostile redirect_uri (JSON 400, nothing stored)", () => {
  test.each(VARIANTS.filter((_, i) => i % 3 === 0))("%s with %j", async (pattern, candidate) => {
    const res = await call("/api/oidc/par", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: authorizeParams(clients.get(pattern)!.id, candidate).toString(),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(((await res.json()) as { error: string }).error).toBe("invalid_request");
  });
});

describe("end-session refuses every hostile post_logout_redirect_uri on its own page", () => {
  test.each(VARIANTS)("anonymous GET: %s with %j", async (pattern, candidate) => {
    const q = new URLSearchParams({ client_id: clients.get(pattern)!.id, post_logout_redirect_uri: candidate, state: "bye" });
    await expectRefusedOnOurPage(await call(`/api/oidc/end-session?${q}`), "not registered");
  });

  test.each(VARIANTS.filter((_, i) => i % 4 === 0))("signed-in POST: %s with %j", async (pattern, candidate) => {
    const res = await call("/api/oidc/end-session", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: clients.get(pattern)!.id, post_logout_redirect_uri: candidate }).toString(),
    });
    await expectRefusedOnOurPage(res, "not registered");
  });
});

describe("registered wildcards keep working through the HTTP surface", () => {
  const GOOD: [string, string][] = [
    ["https://*.example.com/cb", "https://a.example.com/cb"],
    ["https://*.example.com/**", "https://a.example.com/x/y"],
    ["https://app.example.com/p/*", "https://app.example.com/p/x"],
    ["https://app.example.com/d/**", "https://app.example.com/d/x/y"],
    ["https://app.example.com/**", "https://app.example.com/"],
    ["https://app.example.com/cb?x=*", "https://app.example.com/cb?x=1"],
    ["https://app.example.com:*/cb", "https://app.example.com:8443/cb"],
    ["com.example.app:/*", "com.example.app:/cb"],
    ["*", "https://anything.test/x"],
  ];
  test.each(GOOD)("/authorize: %s → %s gets the code", async (pattern, candidate) => {
    const res = await call(`/authorize?${authorizeParams(clients.get(pattern)!.id, candidate)}`, { headers: { cookie } });
    expect(res.status).toBe(303);
    const location = res.headers.get("location")!;
    expect(location.startsWith(`${candidate}${candidate.includes("?") ? "&" : "?"}code=`)).toBe(true);
  });
  test.each(GOOD)("end-session: %s → %s redirects there with state", async (pattern, candidate) => {
    const q = new URLSearchParams({ client_id: clients.get(pattern)!.id, post_logout_redirect_uri: candidate, state: "bye" });
    const res = await call(`/api/oidc/end-session?${q}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${candidate}${candidate.includes("?") ? "&" : "?"}state=bye`);
  });
});
