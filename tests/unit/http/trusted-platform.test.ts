/**
 * TRUSTED_PLATFORM (Pocket ID): the header a platform writes the client address into (CF-Connecting-IP, …) names the
 * client, but only when the socket peer is a TRUST_PROXY proxy (Pocket ID believes it from anyone); a value that is
 * not an address is ignored. Through the resolver's table and through the app (the audit log's address).
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { createOneTimeAccessToken } from "../../../src/account/one-time-access.ts";
import { createProxyTrust, resolveClientIp } from "../../../src/http/client-ip.ts";
import { loadConfig, ConfigError } from "../../../src/config.ts";
import { AppClient } from "../../helpers/app-client.ts";
import { insertTestUser } from "../../helpers/oidc-fixtures.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";

const list = createProxyTrust({ kind: "list", entries: ["10.0.0.0/8"] });
const none = createProxyTrust({ kind: "none" });

describe("resolver", () => {
  test.each([
    ["trusted peer: the header's address", "10.0.0.2", "203.0.113.44", "198.51.100.1", list, "203.0.113.44"],
    ["trusted peer, IPv6 with brackets and port", "10.0.0.2", "[2001:db8::7]:443", null, list, "2001:db8::7"],
    ["trusted peer, not an address: X-Forwarded-For decides", "10.0.0.2", "unknown", "198.51.100.1", list, "198.51.100.1"],
    ["trusted peer, empty header: X-Forwarded-For decides", "10.0.0.2", "", "198.51.100.1", list, "198.51.100.1"],
    ["untrusted peer: the header is spoofable and ignored", "192.0.2.9", "203.0.113.44", null, list, "192.0.2.9"],
    ["TRUST_PROXY unset: ignored", "10.0.0.2", "203.0.113.44", null, none, "10.0.0.2"],
  ])("%s", (_name, peer, header, xff, trust, expected) => {
    expect(resolveClientIp(peer, xff, trust, header)).toBe(expected);
  });
});

test("TRUSTED_PLATFORM must be a header name other than X-Forwarded-For; it is kept lower-case", () => {
  expect(loadConfig({ TRUSTED_PLATFORM: "CF-Connecting-IP" }, "/x").trustedPlatform).toBe("cf-connecting-ip");
  expect(loadConfig({}, "/x").trustedPlatform).toBeNull();
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env, "/x");
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
    }
    return [];
  };
  expect(problems({ TRUSTED_PLATFORM: "CF Connecting IP" })).toEqual(['TRUSTED_PLATFORM must be an HTTP header name such as CF-Connecting-IP, got "CF Connecting IP"']);
  expect(problems({ TRUSTED_PLATFORM: "x-forwarded-for" })).toEqual(["TRUSTED_PLATFORM cannot be X-Forwarded-For: TRUST_PROXY governs that header"]);
});

let app: App;
let deps: TestDeps;
afterEach(() => deps?.cleanup());

/** Signs in with a one-time code from `peer` sending `headers`; answers the address the audit log recorded. */
async function signInAddress(username: string, peer: string, headers: Record<string, string>): Promise<string> {
  const user = insertTestUser(deps, { username });
  const { token } = createOneTimeAccessToken(deps, user.id, 900);
  const client = new AppClient(app, deps, peer);
  const page = await client.request("/lc", { headers });
  client.csrfToken = /<meta name="csrf-token" content="([^"]*)"/.exec(await page.text())![1]!;
  expect((await client.postForm("/lc", { code: token }, { headers })).status).toBe(303);
  const row = deps.db.query<{ ip_address: string }, [string]>("SELECT ip_address FROM audit_logs WHERE event = 'TOKEN_SIGN_IN' AND user_id = ?").get(user.id)!;
  return row.ip_address;
}

describe("through the app: the audit log records the platform's address", () => {
  test("from a TRUST_PROXY peer the header names the client; from another peer it is ignored", async () => {
    ({ app, deps } = await makeTestApp({ TRUST_PROXY: "10.0.0.0/8", TRUSTED_PLATFORM: "CF-Connecting-IP", DISABLE_RATE_LIMITING: "true" }));
    expect(await signInAddress("alice", "10.0.0.2", { "cf-connecting-ip": "203.0.113.44", "x-forwarded-for": "198.51.100.1" })).toBe("203.0.113.44");
    expect(await signInAddress("bob", "192.0.2.9", { "cf-connecting-ip": "203.0.113.44" })).toBe("192.0.2.9");
  });

  test("without TRUSTED_PLATFORM the header is not read", async () => {
    ({ app, deps } = await makeTestApp({ TRUST_PROXY: "10.0.0.0/8", DISABLE_RATE_LIMITING: "true" }));
    expect(await signInAddress("carol", "10.0.0.2", { "cf-connecting-ip": "203.0.113.44", "x-forwarded-for": "198.51.100.1" })).toBe("198.51.100.1");
  });
});
