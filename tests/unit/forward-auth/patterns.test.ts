import { describe, expect, test } from "bun:test";
import { canonicalPath, findAppFor, governingApps, matchHost, normaliseHostPattern, normalisePathPrefix, normaliseRequestHost, splitAbsoluteUrl, validateReturnUrl } from "../../../src/forward-auth/patterns.ts";
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
    for (const bad of ["*.com", "*", "a.*.example.com", "app.example.com:0", "app.example.com:70000", "https://app.example.com", "app.example.com/x", "a b", "-a.example.com", "", "user@host", "*.co.uk", "*.github.io", "*.pages.dev:443", "*.com.au"]) {
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
    expect(normalisePathPrefix("/Admin/API")).toBe("/admin/api");
    for (const bad of ["admin", "//x", "/a//b", "/a/../b", "/a/./b", "/a?x", "/a#x", "/a%2e", "/a%2fb", "/a\\b", "/a;b", "/a b", "/café", "/a\u0000"]) expect(normalisePathPrefix(bad)).toBeNull();
  });
  test("most specific wins; whole segments only; case-insensitive", () => {
    expect(findAppFor(apps, "grafana.apps.example.com", "/admin/users")?.id).toBe("admin");
    expect(findAppFor(apps, "grafana.apps.example.com", "/ADMIN/users")?.id).toBe("admin");
    expect(findAppFor(apps, "grafana.apps.example.com", "/administrator")?.id).toBe("exact");
    expect(findAppFor(apps, "grafana.apps.example.com", "/x")?.id).toBe("exact");
    expect(findAppFor(apps, "other.apps.example.com", "/admin")?.id).toBe("wild");
    expect(findAppFor(apps, "media.example.com:8443", "/")?.id).toBe("port");
    expect(findAppFor(apps, "media.example.com", "/")).toBeNull();
  });
});

describe("canonical path", () => {
  test.each([
    ["/admin/x", "/admin/x"],
    ["//admin//secret", "/admin/secret"],
    ["/%61dmin/x", "/admin/x"],
    ["/%61%64%6D%69%6E", "/admin"],
    ["/a%7e%2D%5f", "/a~-_"],
    ["/a%c3%a9", "/a%C3%A9"],
    ["/\u00e9", "/%E9"],
    ["/\u00c3\u00a9", "/%C3%A9"],
    ["/\u20ac", "/%E2%82%AC"],
    ["/a%20b", "/a%20b"],
    ["/.latchkey/callback", "/.latchkey/callback"],
    ["/a..b/c.", "/a..b/c."],
  ])("%s → %s", (raw, want) => expect(canonicalPath(raw)).toBe(want));

  test.each([
    "/admin%2fsecret", "/admin%2Fsecret", "/admin%5csecret", "/admin%5C", "/admin;x/y", "/admin%3bx", "/admin%00", "/admin%00/x",
    "/admin\u0000", "/admin\\secret", "/admin#x", "/admin x", "/admin\t", "/admin%0a", "/admin%7f", "/admin%252fsecret", "/admin%25",
    "/./admin", "/x/../admin", "/admin/.", "/admin/..", "/%2e/admin", "/%2E%2E/admin", "/.%2e/admin", "/%2e./admin", "/admin/%2e%2e",
    "/admin/%", "/admin/%g1", "/admin/%2", "admin", "", "/\ud800",
  ])("refused: %j", (raw) => expect(canonicalPath(raw)).toBeNull());
});

describe("governing apps (bound verify URL)", () => {
  const site = [
    { id: "root", hosts: ["site.example.com"], pathPrefix: "/" },
    { id: "admin", hosts: ["site.example.com"], pathPrefix: "/admin" },
    { id: "api", hosts: ["api.example.com"], pathPrefix: "/v1" },
  ];
  const root = site[0]!;
  const admin = site[1]!;
  const api = site[2]!;
  const ids = (uri: string, bound = root, host = "site.example.com") => {
    const d = governingApps(site, bound, host, uri);
    return d.kind === "refuse" ? "refuse" : d.apps.map((a) => a.id).join("+");
  };
  test.each([
    ["/", "root"],
    ["/public?x=/admin", "root"],
    ["/admin", "root+admin"],
    ["/admin/secret", "root+admin"],
    ["//admin/secret", "root+admin"],
    ["///admin///secret", "root+admin"],
    ["/%61dmin/x", "root+admin"],
    ["/ADMIN/x", "root+admin"],
    ["/AdMiN", "root+admin"],
    ["/administrator", "root"],
    ["/admin.json", "root"],
    ["/%C3%A9t%C3%A9/admin", "root"],
    ["/caf\u00c3\u00a9", "root"],
    ["/ADMIN\u3002", "root"],
    ["/my%20file.txt", "root"],
    ["/v1.0/x", "root"],
    ["/admin%20x/y", "root"],
    ["/wiki/Special:Search", "root"],
    ["/%D0%B1%D0%BB%D0%BE%D0%B3/admin", "root"],
    ["/c++/x", "root"],
    ["/q%3Fx/admin", "refuse"],
  ])("through the / app: %s → %s", (uri, want) => expect(ids(uri)).toBe(want));
  test.each([
    "/admin%2fsecret", "/admin;x/y", "/admin%3Bx", "/admin%5csecret", "/admin\\secret", "/admin%00", "/./admin/x", "/x/../admin/x",
    "/%2e%2e/admin", "/public/%2E%2E/admin", "/ａdmin/x", "/%EF%BD%81dmin/x", "/admin%EF%BC%8Fsecret", "/ADMİN", "/admin%252fx",
    "/%C0%AFadmin", "/x%ef%bc%8f..%ef%bc%8fadmin", "/ADM\u0130N", "/adm\u0131n", "/ad\u1E3Fin/x", "/%C3%A0dmin", "/\u00C0DMIN", "/\u00ef\u00bd\u0081dmin/x", "/caf\u00e9/admin", "/%C3/admin", "/admin\uFF0Fx", "/\uFF0Fadmin", "/%EF%BC%8E%EF%BC%8E/admin", "/admin./secret", "/admin.../x", "/admin%20/secret", "/%20admin", "/admin%E3%80%80/x", "/..%20/admin", "/.%20/admin",
    // A decoded "?" or "#" ends the path for a second reader; invisible characters; Cyrillic/Greek look-alikes;
    // NTFS stream suffixes; "+" read as a space; slash look-alikes NFKC keeps.
    "/admin%3F/secret", "/admin%3fsecret", "/admin%3F", "/admin%23x", "/admin%E2%80%8B/x", "/admin%C2%AD", "/ad%E2%80%8Dmin", "/%EF%BB%BFadmin",
    "/%D0%B0dmin/x", "/\u0430dmin", "/adm%D1%96n", "/%D0%B0%D4%81m%D1%96n", "/adm%CE%B9n/x", "/%CE%91DMIN", "/admin::%24DATA/x", "/admin::%24INDEX_ALLOCATION/secret",
    "/admin:x/y", "/admin+/secret", "/admin%2B/x", "/+admin", "/admin%E2%88%95secret", "/admin\u2044x", "/admin%E2%81%84x", "/admin%E2%88%96x", "/admin%EF%B9%A8x",
  ])("refused through the / app: %j", (uri) => expect(ids(uri)).toBe("refuse"));
  test("through the /admin app: outside its prefix is public unless another app claims it", () => {
    expect(ids("/admin/x", admin)).toBe("admin");
    expect(ids("/other", admin)).toBe("root");
    expect(ids("/v1/x", api, "api.example.com")).toBe("api");
    expect(ids("/V1/x", api, "api.example.com")).toBe("api");
    expect(ids("/v2", api, "api.example.com")).toBe("");
    expect(ids("/v1%2fx", api, "api.example.com")).toBe("refuse");
  });
  test("a host whose apps all cover / ignores the path (nothing to bypass)", () => {
    const only = [{ id: "a", hosts: ["a.example.com"], pathPrefix: "/" }];
    for (const uri of ["/x%2fy", "/x;y", "/../x", "//x"]) expect(governingApps(only, only[0]!, "a.example.com", uri)).toEqual({ kind: "apps", apps: [only[0]!] });
  });
  test("a more specific host claims the request too", () => {
    const hosts = [
      { id: "wild", hosts: ["*.apps.example.com"], pathPrefix: "/" },
      { id: "exact", hosts: ["grafana.apps.example.com"], pathPrefix: "/" },
    ];
    const d = governingApps(hosts, hosts[0]!, "grafana.apps.example.com", "/");
    expect(d.kind === "apps" && d.apps.map((a) => a.id)).toEqual(["wild", "exact"]);
  });
});

describe("return URLs", () => {
  const grafana = apps[1]!;
  test("accepted only on the bound app's hosts", () => {
    expect(validateReturnUrl("https://grafana.apps.example.com/admin?x=a@b", grafana, apps)?.apps.map((a) => a.id)).toEqual(["exact", "admin"]);
    expect(validateReturnUrl("https://media.example.com:8443/", apps[3]!, apps)?.url.host).toBe("media.example.com:8443");
    expect(validateReturnUrl("https://GRAFANA.apps.example.com:443/x", grafana, apps)?.url.href).toBe("https://grafana.apps.example.com/x");
    expect(validateReturnUrl("https://media.example.com:8443/", grafana, apps)).toBeNull();
    expect(validateReturnUrl("https://other.apps.example.com/", grafana, apps)).toBeNull();
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
      "https://grafana.apps.example.com%2f@evil.com/",
      "https://grafana%2eapps.example.com/",
      "https://grafana.apps.example.com./",
      "https://[::1]/",
      "https://0x7f.1/",
      "https:/grafana.apps.example.com/",
      "https://grafana.apps.example.com/admin%2fx",
      "https://grafana.apps.example.com//admin;x",
      "data:text/html,x",
      "https://apps.example.com/",
      123,
      null,
    ]) {
      expect(validateReturnUrl(bad, grafana, apps)).toBeNull();
    }
  });
  test("split keeps the raw path", () => {
    expect(splitAbsoluteUrl("https://a.example.com//admin/%2e%2e/x?y#z")).toEqual({ proto: "https", host: "a.example.com", uri: "//admin/%2e%2e/x?y", href: "https://a.example.com//x?y#z" });
    expect(splitAbsoluteUrl("http://a.example.com:80?q")).toEqual({ proto: "http", host: "a.example.com", uri: "/?q", href: "http://a.example.com/?q" });
  });
});

describe("original request", () => {
  test("nginx X-Original-URL", () => {
    expect(parseOriginalRequest({ url: "https://App.example.com/a?b=1", method: "post" })).toEqual({ method: "POST", proto: "https", host: "app.example.com", uri: "/a?b=1" });
    expect(parseOriginalRequest({ url: "https://app.example.com//admin/../x" })?.uri).toBe("//admin/../x");
    expect(parseOriginalRequest({ url: "https:///x" })).toBeNull();
    expect(parseOriginalRequest({ url: "" })).toBeNull();
    expect(parseOriginalRequest({ url: "https://u:p@app.example.com/" })).toBeNull();
    expect(parseOriginalRequest({ url: "ftp://app.example.com/" })).toBeNull();
  });
  test("X-Forwarded-*", () => {
    expect(parseOriginalRequest({ method: "GET", proto: "https", host: "app.example.com:443", uri: "/x" })).toEqual({ method: "GET", proto: "https", host: "app.example.com", uri: "/x" });
    expect(parseOriginalRequest({ method: "GET", proto: "https,http", host: "app.example.com", uri: "/x" })).toBeNull();
    expect(parseOriginalRequest({ method: "GET", proto: "https", host: "app.example.com, evil.com", uri: "/x" })).toBeNull();
    expect(parseOriginalRequest({ proto: "https", host: "app.example.com", uri: "//admin" })?.uri).toBe("//admin");
    expect(parseOriginalRequest({ proto: "https", host: "app.example.com", uri: null })).toBeNull();
    expect(parseOriginalRequest({ proto: "gopher", host: "app.example.com", uri: "/" })).toBeNull();
    expect(parseOriginalRequest({ proto: "https", host: "app.example.com", uri: "http://evil.com/" })).toBeNull();
    expect(parseOriginalRequest({ proto: "https", host: null, uri: "/" })).toBeNull();
  });
});
