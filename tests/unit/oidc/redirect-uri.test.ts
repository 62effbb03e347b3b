/**
 * The redirect URI matcher against hostile input: tables of accepted and refused (pattern, candidate)
 * pairs, registration rules, and a fast-check property that an accepted URI never leaves the
 * registered host or path prefix.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { callbackUrlProblem, httpUrlProblem, matchRedirectUri, requestedUriProblem } from "../../../src/oidc/redirect-uri.ts";
import { englishText } from "../../../src/i18n/translator.ts";
import { ATTACKS, HOST_ATTACKS, PATH_ANY_ATTACKS, PATH_ONE_ATTACKS } from "../../helpers/redirect-attacks.ts";

describe("matchRedirectUri: exact registrations", () => {
  const registered = ["https://app.example.com/callback"];
  test("exact match", () => {
    expect(matchRedirectUri(registered, "https://app.example.com/callback")).toBe("https://app.example.com/callback");
  });
  test.each([
    ["trailing slash", "https://app.example.com/callback/"],
    ["http instead of https", "http://app.example.com/callback"],
    ["another port", "https://app.example.com:8443/callback"],
    ["default port written out", "https://app.example.com:443/callback"],
    ["empty port", "https://app.example.com:/callback"],
    ["prefix only", "https://app.example.com/call"],
    ["longer path", "https://app.example.com/callback/evil"],
    ["extra query", "https://app.example.com/callback?x=1"],
    ["empty query", "https://app.example.com/callback?"],
    ["fragment", "https://app.example.com/callback#x"],
    ["empty fragment", "https://app.example.com/callback#"],
    ["other host with same prefix", "https://app.example.com.evil.test/callback"],
    ["userinfo trick", "https://app.example.com@evil.test/callback"],
    ["upper-case path", "https://app.example.com/Callback"],
    ["upper-case host", "https://APP.example.com/callback"],
    ["upper-case scheme", "HTTPS://app.example.com/callback"],
    ["trailing dot host", "https://app.example.com./callback"],
    ["dot segment after", "https://app.example.com/callback/."],
    ["dot-dot segment after", "https://app.example.com/callback/.."],
    ["dot segment before", "https://app.example.com/./callback"],
    ["encoded dot segment", "https://app.example.com/%2e/callback"],
    ["encoded char", "https://app.example.com/%63allback"],
    ["tab inside", "https://app.example.com/call\tback"],
    ["newline inside", "https://app.exa\nmple.com/callback"],
    ["leading space", " https://app.example.com/callback"],
    ["trailing space", "https://app.example.com/callback "],
    ["backslash as slash", "https://app.example.com\\callback"],
    ["scheme-relative", "//app.example.com/callback"],
    ["missing slashes", "https:app.example.com/callback"],
    ["one slash", "https:/app.example.com/callback"],
    ["three slashes", "https:///app.example.com/callback"],
    ["empty", ""],
    ["garbage", "not a url"],
  ])("rejects %s", (_name, candidate) => {
    expect(matchRedirectUri(registered, candidate)).toBeNull();
  });

  test("an empty path is the same URL as /, but exact registrations still compare character for character", () => {
    expect(matchRedirectUri(["https://app.example.com"], "https://app.example.com")).toBe("https://app.example.com");
    expect(matchRedirectUri(["https://app.example.com/"], "https://app.example.com/")).toBe("https://app.example.com/");
    expect(matchRedirectUri(["https://app.example.com"], "https://app.example.com/")).toBeNull();
    expect(matchRedirectUri(["https://app.example.com/"], "https://app.example.com")).toBeNull();
    expect(matchRedirectUri(["https://*.example.com/"], "https://a.example.com")).toBe("https://*.example.com/");
    expect(matchRedirectUri(["https://*.example.com"], "https://a.example.com/")).toBe("https://*.example.com");
    expect(matchRedirectUri(["https://app.example.com?x=1"], "https://app.example.com?x=1")).toBe("https://app.example.com?x=1");
  });

  test("a registered URL that is not canonical cannot be met by a requested URI", () => {
    // Requested URIs must re-serialise to themselves; a legacy non-canonical registration never does.
    expect(matchRedirectUri(["HTTPS://App.example.com/cb"], "HTTPS://App.example.com/cb")).toBeNull();
    expect(matchRedirectUri(["https://app.example.com:443/cb"], "https://app.example.com:443/cb")).toBeNull();
    expect(matchRedirectUri(["https://app.example.com/a/../cb"], "https://app.example.com/a/../cb")).toBeNull();
  });
});

describe("matchRedirectUri: loopback (RFC 8252 7.3)", () => {
  test("ignores the port", () => {
    expect(matchRedirectUri(["http://127.0.0.1/cb"], "http://127.0.0.1:53817/cb")).toBe("http://127.0.0.1/cb");
    expect(matchRedirectUri(["http://localhost:3000/cb"], "http://localhost:4000/cb")).toBe("http://localhost:3000/cb");
    expect(matchRedirectUri(["http://[::1]/cb"], "http://[::1]:9/cb")).toBe("http://[::1]/cb");
    expect(matchRedirectUri(["http://localhost/*"], "http://localhost:5173/x")).toBe("http://localhost/*");
  });
  test.each([
    ["other loopback host", "http://127.0.0.1/cb", "http://localhost:1/cb"],
    ["other path", "http://127.0.0.1/cb", "http://127.0.0.1:1/cb2"],
    ["https is not loopback-exempt", "https://localhost/cb", "https://localhost:1/cb"],
    ["https candidate", "http://127.0.0.1/cb", "https://127.0.0.1:1/cb"],
    ["suffix host", "http://127.0.0.1/cb", "http://127.0.0.1.evil.test:1/cb"],
    ["short IPv4", "http://127.0.0.1/cb", "http://127.1:1/cb"],
    ["hex IPv4", "http://127.0.0.1/cb", "http://0x7f000001:1/cb"],
    ["decimal IPv4", "http://127.0.0.1/cb", "http://2130706433:1/cb"],
    ["userinfo", "http://127.0.0.1/cb", "http://127.0.0.1:1@evil.test/cb"],
    ["IPv6 for IPv4", "http://127.0.0.1/cb", "http://[::1]:1/cb"],
    ["long IPv6", "http://[::1]/cb", "http://[0:0:0:0:0:0:0:1]:1/cb"],
    ["localhost trailing dot", "http://localhost/cb", "http://localhost.:1/cb"],
    ["LOCALHOST", "http://localhost/cb", "http://LOCALHOST:1/cb"],
    ["port out of range", "http://localhost/cb", "http://localhost:65536/cb"],
  ])("rejects %s", (_n, registered, candidate) => {
    expect(matchRedirectUri([registered], candidate)).toBeNull();
  });
});

// --- wildcard tables ------------------------------------------------------------------------------

const ACCEPTED: [string, string][] = [
  ["https://*.example.com/cb", "https://a.example.com/cb"],
  ["https://*.example.com/cb", "https://a-b.example.com/cb"],
  ["https://*.example.com/cb", "https://123.example.com/cb"],
  ["https://*.example.com/cb", "https://0x7f.example.com/cb"],
  ["https://*.example.com/cb", "https://xn--bcher-kva.example.com/cb"],
  ["https://*.example.com/cb", `https://${"a".repeat(63)}.example.com/cb`],
  ["https://pr-*.preview.example.com/cb", "https://pr-42.preview.example.com/cb"],
  ["https://*.*.example.com/cb", "https://a.b.example.com/cb"],
  ["https://a.*.example.com/cb", "https://a.b.example.com/cb"],
  ["https://*.example.com", "https://a.example.com"],
  ["https://*.example.com", "https://a.example.com/"],
  ["https://*.example.com/**", "https://a.example.com/x/y/z"],
  ["https://*.localhost/cb", "https://app.localhost/cb"],
  ["https://app.example.com/*/cb", "https://app.example.com/x/cb"],
  ["https://app.example.com/*/cb", "https://app.example.com/x.y/cb"],
  ["https://app.example.com/*/cb", "https://app.example.com/..a/cb"],
  ["https://app.example.com/*/cb", "https://app.example.com/a../cb"],
  ["https://app.example.com/*/cb", "https://app.example.com/.well-known/cb"],
  ["https://app.example.com/p/*", "https://app.example.com/p/x"],
  ["https://app.example.com/p/*", "https://app.example.com/p/"],
  ["https://app.example.com/p/*", "https://app.example.com/p/a%20b"],
  ["https://app.example.com/p/*", "https://app.example.com/p/...."],
  ["https://app.example.com/cb*", "https://app.example.com/cb2"],
  ["https://app.example.com/**/cb", "https://app.example.com/x/y/cb"],
  ["https://app.example.com/**/cb", "https://app.example.com/cb"],
  ["https://app.example.com/d/**", "https://app.example.com/d/"],
  ["https://app.example.com/d/**", "https://app.example.com/d/x"],
  ["https://app.example.com/d/**", "https://app.example.com/d/x/y/"],
  ["https://app.example.com:*/cb", "https://app.example.com:8443/cb"],
  ["https://app.example.com:*/cb", "https://app.example.com:1/cb"],
  ["https://app.example.com:*/cb", "https://app.example.com:65535/cb"],
  ["https://app.example.com/cb?x=*", "https://app.example.com/cb?x=1"],
  ["https://app.example.com/cb?x=*", "https://app.example.com/cb?x="],
  ["https://app.example.com/cb?x=*", "https://app.example.com/cb?x=a%26b"],
  ["https://app.example.com/cb?x=*&y=*", "https://app.example.com/cb?x=1&y=2"],
  ["http://127.0.0.1:*/cb", "http://127.0.0.1:8080/cb"],
  ["http://localhost/*", "http://localhost:3000/cb"],
  ["com.example.app:/*", "com.example.app:/cb"],
  ["com.example.app:/oauth", "com.example.app:/oauth"],
  ["myapp://callback", "myapp://callback"],
  ["myapp://*/cb", "myapp://host/cb"],
  ["*", "https://anything.test/x"],
  ["*", "com.example.app:/cb"],
  ["*", "http://localhost:1/x?y=z"],
];

describe("matchRedirectUri: valid wildcard use keeps working", () => {
  test.each(ACCEPTED)("%s accepts %s", (pattern, candidate) => {
    expect(matchRedirectUri([pattern], candidate)).toBe(pattern);
    expect(callbackUrlProblem(pattern)).toBeNull();
  });
});

describe("matchRedirectUri: hostile variants are refused", () => {
  test.each(ATTACKS)("%s refuses %j", (pattern, candidate) => {
    expect(matchRedirectUri([pattern], candidate)).toBeNull();
  });
  test("the table is large", () => {
    expect(ATTACKS.length).toBeGreaterThan(300);
  });
});

describe("requestedUriProblem says why", () => {
  test.each([
    ["https://evil%2Ecom\\.example.com/cb", "characters"],
    ["https://evil%2Ecom.example.com/cb", "authority"],
    ["https://a@b.example.com/cb", "authority"],
    ["https://a.example.com/p/%2e%2e", "dot segment"],
    ["https://a.example.com/p//x", "empty path segment"],
    ["https://A.example.com/cb", "canonical"],
    ["https://a.example.com:443/cb", "canonical"],
    ["https://a.example.com./cb", "trailing dot"],
    ["javascript:alert(1)", "scheme"],
    ["https://a.example.com/cb#x", "characters"],
  ])("%s → %s", (candidate, reason) => {
    expect(requestedUriProblem(candidate)).toContain(reason);
  });
  test.each(["https://a.example.com/cb", "https://a.example.com", "https://a.example.com?x=1", "com.example.app:/cb", "http://[::1]:8080/cb", "myapp://cb?x=1"])(
    "%s passes",
    (candidate) => {
      expect(requestedUriProblem(candidate)).toBeNull();
    },
  );
});

// --- registration ---------------------------------------------------------------------------------

describe("callbackUrlProblem", () => {
  test.each([
    "https://git.example.com/user/oauth2/Pocket/callback",
    "http://localhost:8080/cb",
    "http://localhost:*/cb",
    "http://[::1]/cb",
    "com.example.app:/oauth",
    "myapp://callback",
    "myapp://*/cb",
    "https://*.example.com/**",
    "https://pr-*.preview.example.com/cb",
    "https://*.*.example.com/cb",
    "https://*.localhost/cb",
    "https://app.example.com",
    "https://app.example.com/cb?x=*",
    "https://app.example.com/**/cb",
    "https://app.example.com:8443/cb",
    "*",
  ])("accepts %s", (u) => {
    expect(callbackUrlProblem(u)).toBeNull();
  });

  test.each([
    ["javascript:alert(1)", "javascript: scheme"],
    ["data:text/html,x", "data: scheme"],
    ["https://a.example.com/cb#frag", "fragment"],
    ["https://a.example.com/cb#*", "fragment"],
    ["relative/path", "absolute URL"],
    ["", "Enter a URL"],
    [" https://x.test/cb", "spaces around"],
    ["https://user:pw@x.test/cb", "credentials"],
    ["https://u@*.example.com/cb", "credentials"],
    ["https://x.test/<script>", "not allowed"],
    ["https://x.test/a b", "spaces or control"],
    ["https://x.test/a\tb", "spaces or control"],
    ["https://bücher.example.com/cb", "xn--"],
    ["https://*.com/cb", "two fixed labels"],
    ["https://*/cb", "two fixed labels"],
    ["https://example.*/cb", "two fixed labels"],
    ["https://a.*/cb", "two fixed labels"],
    ["https://*.*/cb", "two fixed labels"],
    ["https://*.example.*/cb", "two fixed labels"],
    ["https://10.0.0.*/cb", "IP address"],
    ["https://*.0.0.1/cb", "IP address"],
    ["https://[::*]/cb", "IP address"],
    ["https://**.example.com/cb", "single *"],
    ["https://*%2e.example.com/cb", "percent-escapes"],
    ["https://*\\.example.com/cb", "not allowed"],
    ["https://*_x.example.com/cb", "letters, digits"],
    ["https://*..example.com/cb", "empty label"],
    ["https://.example.com/cb", "empty label"],
    ["https://a!b.example.com/cb", "only letters"],
    ["https://a$b.example.com/cb", "only letters"],
    ["https://*.example.com:44*/cb", "port is a number"],
    ["https://*.example.com:443/cb", "default port"],
    ["https://x.example.com:443/cb", "default port"],
    ["http://x.example.com:80/cb", "default port"],
    ["https://x.example.com:/cb", "empty port"],
    ["https://x.example.com:99999/cb", "port is a number"],
    ["https://*.Example.com/cb", "lower case"],
    ["https://X.example.com/cb", "lower case"],
    ["HTTPS://x.example.com/cb", "scheme in lower case"],
    ["Com.Example.App:/cb", "scheme in lower case"],
    ["https://x.example.com./cb", "trailing dot"],
    ["https://x.example.com/a/../cb", ". or .. segments"],
    ["https://x.example.com/a/./cb", ". or .. segments"],
    ["https://x.example.com/%2e%2e/cb", ". or .. segments"],
    ["https://x.example.com/*/.%2E/cb", ". or .. segments"],
    ["https://x.example.com//cb", "empty segments"],
    ["https://x.example.com/***", "ambiguous"],
    ["https://x.example.com/cb?x=**", "single *"],
    ["https://*.co.uk/cb", "public suffix"],
    ["https://*.github.io/cb", "public suffix"],
    ["https://*.s3.amazonaws.com/cb", "public suffix"],
    ["https://x.*.pages.dev/cb", "public suffix"],
    ["https://*-app.herokuapp.com/cb", "public suffix"],
    ["ht*p://x.example.com/cb", "scheme cannot contain a wildcard"],
    ["*://x.example.com/cb", "scheme cannot contain a wildcard"],
    ["https://x.example.com/cb?a='", "the way browsers do"],
    ["https:x.example.com/cb", "host name"],
  ])("refuses %s (%s)", (u, message) => {
    expect(englishText(callbackUrlProblem(u)!)).toContain(message);
  });

  test("every refused candidate of the attack tables that contains no wildcard cannot be registered either", () => {
    const registrable = [...HOST_ATTACKS, ...PATH_ONE_ATTACKS, ...PATH_ANY_ATTACKS]
      .filter((u) => !u.includes("*") && callbackUrlProblem(u) === null)
      .filter((u) => requestedUriProblem(u) !== null);
    expect(registrable).toEqual([]);
  });
});

describe("httpUrlProblem (launch, back-channel logout and JWKS URLs)", () => {
  test.each(["https://app.example.com", "https://app.example.com/", "http://localhost:3000/x?y=1"])("accepts %s", (u) => {
    expect(httpUrlProblem(u)).toBeNull();
  });
  test.each([
    "javascript:alert(1)",
    "ftp://x.example.com/",
    "com.example.app:/cb",
    "https://*.example.com/",
    "https://u:p@app.example.com/",
    "https://app.example.com/#x",
    "https://APP.example.com/",
    "https://app.example.com\\@evil.test/",
    "https://app.example.com/\t",
    "https://app.example.com/a/../b",
  ])("refuses %s", (u) => {
    expect(httpUrlProblem(u)).not.toBeNull();
  });
});

// --- property: nothing accepted leaves the registered host or path prefix --------------------------

/** Fragments an attacker would combine: separators, escapes, look-alikes, whitespace. */
const PIECES = [
  "a", "b", "z", "0", "9", "-", "_", ".", "..", "%2e", "%2E", "%2f", "%2F", "%5c", "%5C", "%25", "%40", "%3a", "%3b", ";",
  "\\", "/", "//", "@", ":", "?", "#", "&", "=", "*", "[", "]", "\t", "\n", " ", "\u0000", "\u3002", "\uff0e", "é", "xn--",
  "evil.com", "example.com", ".example.com", "app", "A", "E", "cb", "p", "d", "443", "8443",
];
const piece = fc.constantFrom(...PIECES);
const junk = fc.array(piece, { maxLength: 8 }).map((a) => a.join(""));

interface Rule {
  pattern: string;
  host: (h: string) => boolean;
  path: (p: string) => boolean;
}

const RULES: Rule[] = [
  { pattern: "https://*.example.com/cb", host: (h) => /^[a-z0-9-]+\.example\.com$/.test(h), path: (p) => p === "/cb" },
  { pattern: "https://*.example.com/**", host: (h) => /^[a-z0-9-]+\.example\.com$/.test(h), path: (p) => p.startsWith("/") },
  { pattern: "https://pr-*.example.com/cb", host: (h) => h.startsWith("pr-") && h.endsWith(".example.com"), path: (p) => p === "/cb" },
  { pattern: "https://app.example.com/p/*", host: (h) => h === "app.example.com", path: (p) => p.startsWith("/p/") && !p.slice(3).includes("/") },
  { pattern: "https://app.example.com/d/**", host: (h) => h === "app.example.com", path: (p) => p.startsWith("/d/") },
  { pattern: "https://app.example.com/**/cb", host: (h) => h === "app.example.com", path: (p) => p.endsWith("/cb") },
  { pattern: "https://app.example.com:*/cb", host: (h) => h === "app.example.com", path: (p) => p === "/cb" },
];

const candidates = fc.oneof(
  // structured: hostile host label or path segment in an otherwise plausible URL
  fc.tuple(junk, junk).map(([h, p]) => `https://${h}.example.com/${p}`),
  junk.map((h) => `https://${h}.example.com/cb`),
  fc.tuple(junk, junk).map(([a, b]) => `https://pr-${a}${b}.example.com/cb`),
  fc.tuple(junk, junk).map(([a, b]) => `https://app.example.com:${a}${b}/cb`),
  fc.tuple(fc.integer({ min: 0, max: 70000 }), junk).map(([n, a]) => `https://app.example.com:${n}${a}/cb`),
  fc.tuple(junk, junk).map(([h, p]) => `https://${h}example.com/cb${p}`),
  fc.tuple(junk, junk).map(([a, b]) => `https://app.example.com/p/${a}${b}`),
  fc.tuple(junk, junk).map(([a, b]) => `https://app.example.com/d/${a}/${b}`),
  fc.tuple(junk, junk).map(([a, b]) => `https://app.example.com${a}/${b}cb`),
  fc.tuple(junk, junk).map(([a, b]) => `https://pr-${a}.example.com/${b}`),
  // unstructured
  fc.tuple(fc.constantFrom("https://", "https:", "HTTPS://", "https:/", "//", ""), junk, junk).map(([s, a, b]) => `${s}${a}${b}`),
);

describe("property: an accepted URI stays on the registered host and path", () => {
  for (const rule of RULES) {
    test(rule.pattern, () => {
      let accepted = 0;
      fc.assert(
        fc.property(candidates, (candidate) => {
          if (matchRedirectUri([rule.pattern], candidate) === null) return true;
          accepted++;
          const u = new URL(candidate);
          const canonical = u.pathname === "/" && !candidate.endsWith("/") && !candidate.includes("/?") ? u.href.replace(/\/(\?|$)/, "$1") : u.href;
          return (
            u.protocol === "https:" &&
            u.username === "" &&
            u.password === "" &&
            rule.host(u.hostname) &&
            rule.path(u.pathname) &&
            canonical === candidate &&
            !/%2f|%5c|\\|\/\//i.test(u.pathname) &&
            !u.pathname.split("/").some((s) => [".", ".."].includes(s.replace(/%2e/gi, ".").replace(/(;|%3b).*$/i, "")))
          );
        }),
        { numRuns: 5000, seed: 20261206 },
      );
      // The generator must reach the accepting side too, or the property says nothing.
      expect(accepted).toBeGreaterThan(0);
    });
  }
});
