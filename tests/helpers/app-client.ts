/**
 * AppClient: a minimal "browser" over app.handle for in-process tests — a cookie jar, the page's
 * CSRF token, JSON and form posts.
 *
 *   const client = new AppClient(app, deps);
 *   await client.get("/login");                    // stores cookies, remembers the csrf-token meta
 *   await client.postJson("/api/webauthn/login/start", {});            // sends X-CSRF-Token
 *   await client.postForm("/logout", {}, { csrf: false });               // deliberately without a token
 *   client.cookie("latchkey_session")
 */
import type { App } from "../../src/app.ts";
import type { Deps } from "../../src/deps.ts";

export class AppClient {
  readonly jar = new Map<string, string>();
  csrfToken = "";
  constructor(
    readonly app: App,
    readonly deps: Deps,
    readonly ip = "203.0.113.7",
  ) {}

  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  private cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size && !headers.has("cookie")) headers.set("cookie", this.cookieHeader());
    const res = await this.app.handle(new Request(this.deps.config.appUrl + path, { ...init, headers, redirect: "manual" }), this.ip);
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** GET; for HTML answers, remembers the page's CSRF token. */
  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await this.request(path, { headers });
    if ((res.headers.get("content-type") ?? "").startsWith("text/html")) {
      const html = await res.clone().text();
      const m = /<meta name="csrf-token" content="([^"]*)"/.exec(html);
      if (m) this.csrfToken = m[1]!;
    }
    return res;
  }

  async postJson(path: string, body: unknown, opts: { csrf?: boolean; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json", ...opts.headers };
    if (opts.csrf !== false) headers["x-csrf-token"] = this.csrfToken;
    return this.request(path, { method: "POST", headers, body: JSON.stringify(body) });
  }

  async postForm(path: string, fields: Record<string, string>, opts: { csrf?: boolean; headers?: Record<string, string> } = {}): Promise<Response> {
    const form = new URLSearchParams(fields);
    if (opts.csrf !== false) form.set("_csrf", this.csrfToken);
    return this.request(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...opts.headers }, body: form.toString() });
  }
}
