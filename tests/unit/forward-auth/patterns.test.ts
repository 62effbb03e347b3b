import { describe, expect, test } from "bun:test";
import { findAppFor, matchHost, normaliseHostPattern, normalisePathPrefix, normaliseRequestHost, pathOfUri, validateReturnUrl } from "../../../src/forward-auth/patterns.ts";
import { parseOriginalRequest } from "../../../src/forward-auth/forward-auth.ts";

const apps = [
  { id: "wild", hosts: ["*.apps.example.com"], pathPrefix: "/" },
  { id: "exact", hosts: ["grafana.apps.example.com"], pathPrefix: "/" },
  { id: "admin", hosts: ["grafana.apps.example.com"], pathPrefix: "/admin" },
  { id: "port", hosts: ["media.example.com:8443"], pathPrefix: "/" },
];

describe("host patterns", () => {
  test("normalise", () => {
    expect(normaliseHostPattern(" App.Example.COM. ")).toBe("app.example.com");
    expect(normaliseHostPattern("*.apps.example.com")).toBe("*.apps.example.com");
    expect(normaliseHostPattern("app.example.com:8443")).toBe("app.example.com:8443");
    for (const bad of ["*.com", "*", "a.*.example.com", "app.example.com:0", "app.example.com:70000", "https://app.example.com", "app.example.com/x", "a b", "-a.example.com", "", "user@host"]) {
      expect(normaliseHostPattern(bad)).toBeNull();
    }
  });
  test("match", () => {
    expect(matchHost("*.apps.example.com", "a.apps.example.com")).toBe(1);
    expect(matchHost("*.apps.example.com", "a.b.apps.example.com:444")).toBe(1);
    expect(matchHost("*.apps.example.com", "apps.example.com")).toBe(0);
    expect(matchHost("*.apps.example.com", "xapps.example.com")).toBe(0);
    expect(matchHost("app.example.com", "app.example.com:8080")).toBe(2);
    expect(matchHost("app.example.com:8443", "app.example.com")).toBe(0);
  });
  test("request hosts", () => {
    expect(normaliseRequestHost("App.Example.com:443, proxy.internal")).toBe("app.example.com:443");
    expect(normaliseRequestHost("evil.com/x")).toBeNull();
    expect(normaliseRequestHost("*.example.com")).toBeNull();
  });
});

describe("path prefixes and app choice", () => {
  test("normalise", () => {
    expect(normalisePathPrefix("")).toBe("/");
    expect(normalisePathPrefix("/admin/")).toBe("/admin");
    for (const bad of ["admin", "//x", "/a/../b", "/a?x", "/a%2e", "/a\\b"]) expect(normalisePathPrefix(bad)).toBeNull();
  });
  test("most specific wins; whole segments only; dot segments resolved first", () => {
    expect(findAppFor(apps, "grafana.apps.example.com", "/admin/users")?.id).toBe("admin");
    expect(findAppFor(apps, "grafana.apps.example.com", "/administrator")?.id).toBe("exact");
    expect(findAppFor(apps, "grafana.apps.example.com", "/x")?.id).toBe("exact");
    expect(findAppFor(apps, "other.apps.example.com", "/admin")?.id).toBe("wild");
    expect(findAppFor(apps, "media.example.com:8443", "/")?.id).toBe("port");
    expect(findAppFor(apps, "media.example.com", "/")).toBeNull();
    const o = parseOriginalRequest({ proto: "https", host: "grafana.apps.example.com", uri: "/public/../admin/%2e%2e/admin/x" })!;
    expect(pathOfUri(o.uri)).toBe("/admin/x");
    expect(findAppFor(apps, o.host, pathOfUri(o.uri)!)?.id).toBe("admin");
  });
});

describe("return URLs", () => {
  test("accepted", () => {
    expect(validateReturnUrl("https://grafana.apps.example.com/admin?x=a@b", apps)?.app.id).toBe("admin");
    expect(validateReturnUrl("https://media.example.com:8443/", apps)?.host).toBe("media.example.com:8443");
  });
  test("refused", () => {
    for (const bad of [
      "https://grafana.apps.example.com@evil.com/",
      "https://evil.com?@grafana.apps.example.com/",
      "https://grafana.apps.example.com\\@evil.com",
      "//grafana.apps.example.com/",
      "https:\\\\evil.com",
      "https://evil.com\t.apps.example.com/",
      "HTTPS://grafana.apps.example.com/\n",
      "data:text/html,x",
      "https://apps.example.com/",
      123,
      null,
    ]) {
      expect(validateReturnUrl(bad, apps)).toBeNull();
    }
  });
});

describe("original request", () => {
  test("nginx X-Original-URL", () => {
    expect(parseOriginalRequest({ url: "https://App.example.com/a?b=1", method: "post" })).toEqual({ method: "POST", proto: "https", host: "app.example.com", uri: "/a?b=1" });
    expect(parseOriginalRequest({ url: "https://u:p@app.example.com/" })).toBeNull();
    expect(parseOriginalRequest({ url: "ftp://app.example.com/" })).toBeNull();
  });
  test("X-Forwarded-*", () => {
    expect(parseOriginalRequest({ method: "GET", proto: "https,http", host: "app.example.com", uri: "/x" })?.proto).toBe("https");
    expect(parseOriginalRequest({ proto: "gopher", host: "app.example.com", uri: "/" })).toBeNull();
    expect(parseOriginalRequest({ proto: "https", host: "app.example.com", uri: "http://evil.com/" })).toBeNull();
    expect(parseOriginalRequest({ proto: "https", host: null, uri: "/" })).toBeNull();
  });
});
