/**
 * ALLOW_INSECURE_CALLBACK_URLS (Pocket ID, default true): when false, /authorize and PAR refuse a registered plain-http
 * redirect_uri unless its host is localhost, *.localhost or a loopback address; https and private-use schemes are
 * unaffected. Matching stays exact in both states.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { makeOidcWorld, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

const INSECURE = ["http://app.example.com/callback", "http://192.0.2.7:8080/callback", "http://localhost.example.com/callback"];
const ALWAYS_FINE = [
  "https://app.example.com/callback",
  "http://localhost:3000/callback",
  "http://dev.localhost/callback",
  "http://127.0.0.1/callback",
  "http://127.3.4.5:9000/callback",
  "http://[::1]:8080/callback",
  "com.example.app:/callback",
];
const REGISTERED = [...INSECURE, ...ALWAYS_FINE];

async function world(allow: string | null): Promise<OidcWorld> {
  return makeOidcWorld({ callbackUrls: REGISTERED }, allow === null ? {} : { env: { ALLOW_INSECURE_CALLBACK_URLS: allow } });
}

async function expectRedirectedWithCode(res: Response, uri: string) {
  expect(res.status).toBe(303);
  const location = res.headers.get("location")!;
  expect(location.startsWith(`${uri}?`)).toBe(true);
  expect(new URL(location).searchParams.get("code")).toBeTruthy();
}

describe("ALLOW_INSECURE_CALLBACK_URLS=false", () => {
  test.each(INSECURE)("%s is refused on our page (400, never redirected)", async (uri) => {
    w = await world("false");
    const res = await w.authorizeLocation({ redirect_uri: uri });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    const html = await res.text();
    expect(html).toContain("Invalid callback URL");
    expect(html).toContain("ALLOW_INSECURE_CALLBACK_URLS=false");
  });

  test.each(ALWAYS_FINE)("%s still works", async (uri) => {
    w = await world("false");
    await expectRedirectedWithCode(await w.authorizeLocation({ redirect_uri: uri }), uri);
  });

  test("pushed authorization requests are refused the same way (400 invalid_request)", async () => {
    w = await world("false");
    const push = (redirect_uri: string) =>
      w.call("/api/oidc/par", {
        method: "POST",
        headers: { authorization: w.basic, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ redirect_uri, response_type: "code", scope: "openid", code_challenge: "x".repeat(43), code_challenge_method: "S256" }).toString(),
      });
    const refused = await push(INSECURE[0]!);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe("invalid_request");
    expect((await push(ALWAYS_FINE[0]!)).status).toBe(201);
  });

  test("matching stays exact: an unregistered https twin of a registered http URI is still refused", async () => {
    w = await world("false");
    const res = await w.authorizeLocation({ redirect_uri: "https://app.example.com:8443/callback" });
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain("ALLOW_INSECURE_CALLBACK_URLS");
  });
});

describe("ALLOW_INSECURE_CALLBACK_URLS=true (the default, as in Pocket ID v2)", () => {
  test.each([null, "true"])("http redirect URIs on any host work (setting: %p)", async (allow) => {
    w = await world(allow);
    for (const uri of REGISTERED) await expectRedirectedWithCode(await w.authorizeLocation({ redirect_uri: uri }), uri);
  });

  test("an unregistered http URI is refused all the same", async () => {
    w = await world("true");
    const res = await w.authorizeLocation({ redirect_uri: "http://app.example.com/other" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });
});
