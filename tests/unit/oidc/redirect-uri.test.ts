import { describe, expect, test } from "bun:test";
import { callbackUrlProblem, matchRedirectUri } from "../../../src/oidc/redirect-uri.ts";

describe("matchRedirectUri", () => {
  const registered = ["https://app.example.com/callback"];
  test("exact match", () => {
    expect(matchRedirectUri(registered, "https://app.example.com/callback")).toBe("https://app.example.com/callback");
  });
  test.each([
    ["trailing slash", "https://app.example.com/callback/"],
    ["http instead of https", "http://app.example.com/callback"],
    ["another port", "https://app.example.com:8443/callback"],
    ["prefix only", "https://app.example.com/call"],
    ["longer path", "https://app.example.com/callback/evil"],
    ["extra query", "https://app.example.com/callback?x=1"],
    ["fragment", "https://app.example.com/callback#x"],
    ["other host with same prefix", "https://app.example.com.evil.test/callback"],
    ["userinfo trick", "https://app.example.com@evil.test/callback"],
    ["upper-case path", "https://app.example.com/Callback"],
    ["empty", ""],
    ["garbage", "not a url"],
  ])("rejects %s", (_name, candidate) => {
    expect(matchRedirectUri(registered, candidate)).toBeNull();
  });

  test("loopback ignores the port (RFC 8252)", () => {
    expect(matchRedirectUri(["http://127.0.0.1/cb"], "http://127.0.0.1:53817/cb")).toBe("http://127.0.0.1/cb");
    expect(matchRedirectUri(["http://localhost:3000/cb"], "http://localhost:4000/cb")).toBe("http://localhost:3000/cb");
    expect(matchRedirectUri(["http://[::1]/cb"], "http://[::1]:9/cb")).toBe("http://[::1]/cb");
    // …but not the host, path or scheme
    expect(matchRedirectUri(["http://127.0.0.1/cb"], "http://localhost:1/cb")).toBeNull();
    expect(matchRedirectUri(["http://127.0.0.1/cb"], "http://127.0.0.1:1/cb2")).toBeNull();
    expect(matchRedirectUri(["https://localhost/cb"], "https://localhost:1/cb")).toBeNull();
  });

  test("wildcard patterns", () => {
    expect(matchRedirectUri(["https://*.example.com/cb"], "https://a.example.com/cb")).not.toBeNull();
    expect(matchRedirectUri(["https://*.example.com/cb"], "https://a.b.example.com/cb")).toBeNull();
    expect(matchRedirectUri(["https://*.example.com/cb"], "https://example.com/cb")).toBeNull();
    expect(matchRedirectUri(["https://*.example.com/cb"], "https://evil.test/x.example.com/cb")).toBeNull();
    expect(matchRedirectUri(["https://app.example.com/*/cb"], "https://app.example.com/x/cb")).not.toBeNull();
    expect(matchRedirectUri(["https://app.example.com/*/cb"], "https://app.example.com/x/y/cb")).toBeNull();
    expect(matchRedirectUri(["https://app.example.com/**/cb"], "https://app.example.com/x/y/cb")).not.toBeNull();
    expect(matchRedirectUri(["https://app.example.com/**/cb"], "https://app.example.com/cb")).not.toBeNull();
    expect(matchRedirectUri(["https://app.example.com:*/cb"], "https://app.example.com:8443/cb")).not.toBeNull();
    expect(matchRedirectUri(["https://app.example.com/cb?x=*"], "https://app.example.com/cb?x=1")).not.toBeNull();
    expect(matchRedirectUri(["https://app.example.com/cb?x=*"], "https://app.example.com/cb?x=1&y=2")).toBeNull();
    expect(matchRedirectUri(["https://app.example.com/cb*"], "https://app.example.com/cb/../evil")).toBeNull();
    expect(matchRedirectUri(["*"], "https://anything.test/x")).toBe("*");
  });
});

describe("callbackUrlProblem", () => {
  test("accepts common shapes", () => {
    for (const u of ["https://git.example.com/user/oauth2/Pocket/callback", "http://localhost:8080/cb", "com.example.app:/oauth", "https://*.example.com/**", "*"]) {
      expect(callbackUrlProblem(u)).toBeNull();
    }
  });
  test("rejects dangerous or malformed URLs", () => {
    for (const u of ["javascript:alert(1)", "data:text/html,x", "https://a.example.com/cb#frag", "relative/path", "", " https://x.test/cb", "https://user:pw@x.test/cb", "https://x.test/<script>"]) {
      expect(callbackUrlProblem(u)).not.toBeNull();
    }
  });
});
