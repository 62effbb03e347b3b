/**
 * Stand-in web applications for browser tests: one HTTPS server on loopback that answers for the host names
 * a test names (https://git.example.com, …), so that a redirect chain leaving Latchkey for an application
 * really arrives there and ends on a loaded page.
 *
 *   const apps = await startAppHosts({ "git.example.com": (url) => url.pathname === "/callback" ? redirect("https://protected.example.com/home") : null,
 *                                      "protected.example.com": null });
 *   const browser = await launchBrowser({ appHosts: apps });   // Chromium resolves those names to this server
 *   …                                                          // click "Allow", then:
 *   await page.waitForURL("https://protected.example.com/home");
 *   apps.last("git.example.com")                                // the callback URL as received (code, state, iss)
 *
 * Why not page.route: Playwright never routes a request that a redirect made (microsoft/playwright#2617), and
 * an application's callback is always reached by a redirect. Unrouted, the request fails name resolution and
 * Chromium commits its error page, then reloads that page by itself about a second later — a navigation that
 * interrupts whatever the test does next, and that no longer belongs to the form submission (so CSP
 * form-action, which governs the redirects after a submission, was never exercised).
 *
 * - Each host's handler gets the request URL (https://<host>/…) and returns a Response, or null for the
 *   default: a small HTML page naming the host. `redirect(url)` is a 302 to `url`.
 * - `requests` lists the documents asked for (favicons left out), oldest first; `last(host)` the latest for a host.
 * - The certificate is self-signed (openssl): contexts made by launchBrowser({ appHosts }) ignore HTTPS errors.
 */
import { selfSignedCertificate } from "./smtp-sink.ts";

export type AppHandler = ((url: URL, request: Request) => Response | null) | null;

export interface AppHosts {
  /** Chromium's --host-resolver-rules value sending every named host to this server. */
  resolverRules: string;
  /** Documents asked for, oldest first (https://<host>/<path>?<query>). */
  requests: URL[];
  /** The latest request to `host`, or null. */
  last(host: string): URL | null;
  stop(): void;
}

export function redirect(location: string): Response {
  return new Response(null, { status: 302, headers: { location } });
}

export async function startAppHosts(hosts: Record<string, AppHandler>): Promise<AppHosts> {
  const cert = selfSignedCertificate();
  if (!cert) throw new Error("startAppHosts needs the openssl command (tests/setup-system.sh installs it)");
  const requests: URL[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: cert,
    fetch(request) {
      const host = request.headers.get("host") ?? "";
      const path = new URL(request.url);
      const url = new URL(`${path.pathname}${path.search}`, `https://${host}`);
      if (!Object.hasOwn(hosts, host)) return new Response("unknown host", { status: 421 });
      if (url.pathname === "/favicon.ico") return new Response(null, { status: 404 });
      requests.push(url);
      const answer = hosts[host]?.(url, request) ?? null;
      return answer ?? new Response(`<!doctype html><title>${host}</title><p>${host}</p>`, { headers: { "content-type": "text/html" } });
    },
  });
  return {
    resolverRules: Object.keys(hosts)
      .map((h) => `MAP ${h} 127.0.0.1:${server.port}`)
      .join(", "),
    requests,
    last: (host) => requests.findLast((u) => u.host === host) ?? null,
    stop: () => void server.stop(true),
  };
}
