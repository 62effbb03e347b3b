/** The HTTP core every route relies on: /healthz, security headers, static assets, CSRF, the error mapper. */
import { afterEach, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { AppError, OAuthError } from "../../../src/errors.ts";
import { errorToResponse } from "../../../src/http/plugins/errors.ts";
import { makeTestApp, req, type TestDeps } from "../../helpers/test-deps.ts";

let current: TestDeps[] = [];
afterEach(() => {
  for (const d of current) d.cleanup();
  current = [];
});
async function setup(env: Record<string, string> = {}): Promise<{ app: App; deps: TestDeps }> {
  const made = await makeTestApp(env);
  current.push(made.deps);
  return made;
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

describe("/healthz", () => {
  test("GET and HEAD answer 204 with no body while the database answers", async () => {
    const { app, deps } = await setup();
    for (const method of ["GET", "HEAD"]) {
      const res = await app.handle(req(deps, "/healthz", { method }));
      expect(res.status).toBe(204);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(await res.text()).toBe("");
    }
  });

  test("503 when the database is unusable (closed)", async () => {
    const { app, deps } = await setup();
    deps.db.close();
    for (const method of ["GET", "HEAD"]) {
      const res = await app.handle(req(deps, "/healthz", { method }));
      expect(res.status).toBe(503);
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
  });
});

describe("routing on APP_URL's origin", () => {
  test("the shortest accepted origin (11 characters) routes every path as written, whatever Host the request came with", async () => {
    const { app, deps } = await setup({ APP_URL: "https://a.b" });
    for (const url of ["https://a.b/healthz", "http://x/healthz", "http://127.0.0.1:9/healthz"]) {
      expect((await app.handle(new Request(url))).status).toBe(204);
    }
    // Two routes whose paths differ only from the 12th character of a short URL on.
    expect((await app.handle(new Request("https://a.b/.well-known/openid-configuration"))).status).toBe(200);
    const lc = await app.handle(new Request("http://x/lc"));
    expect(lc.status).toBe(200);
    expect(await lc.text()).toContain("<form");
    expect(deps.config.appUrl).toBe("https://a.b");
  });
});

describe("security headers", () => {
  test("on every response: CSP without inline script, no framing, referrer policy, nosniff; no HSTS over http", async () => {
    const { app, deps } = await setup();
    for (const path of ["/healthz", "/no-such-page", "/static/app.css", "/api/nothing"]) {
      const res = await app.handle(req(deps, path));
      expect(res.headers.get("content-security-policy")).toBe(CSP);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
      expect(res.headers.get("strict-transport-security")).toBeNull();
      expect(res.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9_-]{12}$/);
    }
  });

  test("HSTS only when APP_URL is https", async () => {
    const { app, deps } = await setup({ APP_URL: "https://id.example.com" });
    const res = await app.handle(req(deps, "/healthz"));
    expect(res.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
  });

  test("each request gets its own id", async () => {
    const { app, deps } = await setup();
    const a = (await app.handle(req(deps, "/healthz"))).headers.get("x-request-id");
    const b = (await app.handle(req(deps, "/healthz"))).headers.get("x-request-id");
    expect(a).not.toBe(b);
  });
});

describe("access log", () => {
  test("one line per request with id, method, path, redacted query, status, time and client IP; not for /healthz or /static", async () => {
    const { app, deps } = await setup();
    const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
    deps.log = { ...deps.log, info: (msg, fields) => void lines.push({ msg, fields }) };
    await app.handle(req(deps, "/healthz"));
    await app.handle(req(deps, app.web.assets.url("app.css")));
    const res = await app.handle(req(deps, "/no-such-page?secret=query"), "192.0.2.10");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toBe("request");
    const f = lines[0]!.fields!;
    // The query is logged with secret values withheld (src/lib/redact.ts; tests/unit/http/log-redaction.test.ts).
    expect(f).toEqual({ id: res.headers.get("x-request-id"), method: "GET", path: "/no-such-page", query: "secret=REDACTED", status: 404, ms: f.ms, ip: "192.0.2.10" });
    expect(typeof f.ms).toBe("number");
  });
});

describe("static assets", () => {
  test("hashed URL: immutable year-long cache, content type, ETag; If-None-Match → 304", async () => {
    const { app, deps } = await setup();
    const url = app.web.assets.url("app.css");
    expect(url).toMatch(/^\/static\/app\.[0-9a-f]{12}\.css$/);
    const res = await app.handle(req(deps, url));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const etag = res.headers.get("etag")!;
    expect(etag).toBe(`"${url.split(".")[1]}"`);
    expect((await res.text()).length).toBeGreaterThan(100);
    const again = await app.handle(req(deps, url, { headers: { "If-None-Match": etag } }));
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  test("the hash follows the content, and htmx is served from our own origin", async () => {
    const { app, deps } = await setup();
    const url = app.web.assets.url("htmx.min.js");
    const body = new Uint8Array(await (await app.handle(req(deps, url))).arrayBuffer());
    const digest = new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 12);
    expect(url).toBe(`/static/htmx.min.${digest}.js`);
    expect(new TextDecoder().decode(body)).toContain("htmx");
  });

  test("plain name: short cache; HEAD has no body; unknown → 404", async () => {
    const { app, deps } = await setup();
    const plain = await app.handle(req(deps, "/static/app.js"));
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(plain.headers.get("cache-control")).toBe("public, max-age=300");
    const head = await app.handle(req(deps, app.web.assets.url("app.js"), { method: "HEAD" }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect((await app.handle(req(deps, "/static/nope.js"))).status).toBe(404);
    expect((await app.handle(req(deps, "/static/../package.json"))).status).toBe(404);
  });

  test("/favicon.ico redirects to the hashed SVG", async () => {
    const { app, deps } = await setup();
    const res = await app.handle(req(deps, "/favicon.ico"));
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe(app.web.assets.url("favicon.svg"));
  });
});

describe("CSRF", () => {
  const token = "a".repeat(43);
  const cookie = `latchkey_csrf=${token}`;

  test("an unsafe request without a token is refused with 403 csrf_failed", async () => {
    const { app, deps } = await setup();
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const res = await app.handle(req(deps, "/api/anything", { method, headers: { "Content-Type": "application/json" }, body: "{}" }));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "csrf_failed", message: "Your form expired or did not come from this site. Reload the page and try again." });
    }
  });

  test("a token that does not match the cookie is refused", async () => {
    const { app, deps } = await setup();
    const res = await app.handle(req(deps, "/api/anything", { method: "POST", headers: { Cookie: cookie, "X-CSRF-Token": "b".repeat(43) } }));
    expect(res.status).toBe(403);
  });

  test("a cross-origin Origin is refused even with a token", async () => {
    const { app, deps } = await setup();
    const res = await app.handle(req(deps, "/api/anything", { method: "POST", headers: { Cookie: cookie, "X-CSRF-Token": token, Origin: "https://evil.example" } }));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toBe("This request came from another site and was refused.");
  });

  test("with the token (header or form field) the request passes on to routing", async () => {
    const { app, deps } = await setup();
    const viaHeader = await app.handle(req(deps, "/api/anything", { method: "POST", headers: { Cookie: cookie, "X-CSRF-Token": token, Origin: deps.config.appUrl } }));
    expect(viaHeader.status).toBe(404); // no such route: past the CSRF check
    const viaForm = await app.handle(
      req(deps, "/api/anything", { method: "POST", headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" }, body: `x=1&_csrf=${token}` }),
    );
    expect(viaForm.status).toBe(404);
  });

  test("pages hand out the token: a cookie plus the same value in the page", async () => {
    const { app, deps } = await setup();
    const res = await app.handle(req(deps, "/no-such-page"));
    const setCookie = res.headers.get("set-cookie")!;
    const value = /latchkey_csrf=([A-Za-z0-9_-]{43})/.exec(setCookie)![1]!;
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("HttpOnly");
    expect(await res.text()).toContain(`<meta name="csrf-token" content="${value}"/>`);
  });

  test("protocol endpoints authenticated by the client itself are exempt", async () => {
    const { app, deps } = await setup();
    const res = await app.handle(req(deps, "/api/oidc/token", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "grant_type=x" }));
    expect(res.status).not.toBe(403);
  });
});

describe("error mapper", () => {
  test("unknown route: the 404 error page (HTML) for browsers", async () => {
    const { app, deps } = await setup();
    const res = await app.handle(req(deps, "/no-such-page"));
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain("<title>Page not found · Latchkey</title>");
    expect(html).toContain("There is nothing at this address.");
  });

  test("unknown route under /api/: JSON", async () => {
    const { app, deps } = await setup();
    const res = await app.handle(req(deps, "/api/no-such-thing"));
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    expect(await res.json()).toEqual({ error: "not_found", message: "There is nothing at this address." });
  });

  test("htmx requests get the flash fragment, retargeted", async () => {
    const { app, deps } = await setup();
    const res = await app.handle(req(deps, "/no-such-page", { headers: { "HX-Request": "true" } }));
    expect(res.status).toBe(404);
    expect(res.headers.get("hx-retarget")).toBe("#flash");
    expect(res.headers.get("hx-reswap")).toBe("innerHTML");
    const html = await res.text();
    expect(html).toContain("There is nothing at this address.");
    expect(html).not.toContain("<html");
  });

  test("an unexpected error: 500 with a request id, logged, never a stack trace on the wire", async () => {
    const { app, deps } = await setup();
    const logged: string[] = [];
    const web = { ...app.web, log: { ...deps.log, error: (msg: string, f?: Record<string, unknown>) => void logged.push(msg + " " + JSON.stringify(f)) } };
    const boom = new Error("secret internal detail at /srv/latchkey/src/db/users.ts:42");
    for (const path of ["/api/users", "/settings"]) {
      const res = errorToResponse(web, app.web.assets, req(deps, path), boom);
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(body).not.toContain("secret internal detail");
      expect(body).not.toContain("users.ts");
      expect(body).not.toContain("at ");
      if (path.startsWith("/api/")) {
        expect(JSON.parse(body)).toEqual({ error: "internal_error", message: "An unexpected error occurred. It has been logged; please try again.", requestId: "-" });
      } else {
        expect(body).toContain("<span>Request id:</span> <code>-</code>");
      }
    }
    expect(logged).toHaveLength(2);
    expect(logged[0]).toContain("secret internal detail");
  });

  test("OAuthError: RFC 6749 JSON with no-store and its own headers; AppError: its status and code", async () => {
    const { app, deps } = await setup();
    const oauth = errorToResponse(app.web, app.web.assets, req(deps, "/api/oidc/token"), OAuthError.invalidClient("Unknown client"));
    expect(oauth.status).toBe(401);
    expect(oauth.headers.get("cache-control")).toBe("no-store");
    expect(oauth.headers.get("www-authenticate")).toBe('Basic realm="latchkey"');
    expect(await oauth.json()).toEqual({ error: "invalid_client", error_description: "Unknown client" });
    const app409 = errorToResponse(app.web, app.web.assets, req(deps, "/api/x"), new AppError("conflict", "Taken", { username: "Taken" }));
    expect(app409.status).toBe(409);
    expect(await app409.json()).toEqual({ error: "conflict", message: "Taken", fields: { username: "Taken" } });
  });

  test("a malformed body never becomes a 500", async () => {
    const { app, deps } = await setup();
    const res = await app.handle(
      req(deps, "/api/anything", { method: "POST", headers: { Cookie: "latchkey_csrf=" + "a".repeat(43), "X-CSRF-Token": "a".repeat(43), "Content-Type": "application/json" }, body: "{not json" }),
    );
    expect(res.status).toBeLessThan(500);
  });
});
