/**
 * Copy-paste reverse-proxy configuration for one protected app (admin page; README shows the same shapes).
 * - Every snippet names the app in Latchkey's URL (/api/forward-auth/verify/<app id>…): a header can never
 *   move a request to another app. The proxy sends every request on the app's hosts; Latchkey decides by
 *   path (patterns.ts), so no proxy-side path matcher can read a path differently from Latchkey.
 * - Caddy: forward_auth, with the client's Remote-* headers deleted first (Caddy before 2.10 copies a
 *   client-sent header through when the auth answer lacks it, and never strips it on its own).
 * - Traefik: ForwardAuth middleware per app; authResponseHeaders replaces the client's headers of those names;
 *   trustForwardHeader stays false so Traefik writes X-Forwarded-* itself.
 * - nginx: auth_request; X-Original-URL is built from the host written in the snippet (server_name, or its
 *   regex capture for wildcards), never $http_host; 401 → 302 via the Location Latchkey puts on the 401, and
 *   the state cookie of that answer is passed on with add_header; the handshake callback path is proxied to
 *   Latchkey directly (auth_request cannot pass a redirect on).
 */
import { CALLBACK_PATH } from "./forward-auth.ts";
import type { IdentityHeader } from "./protected-apps.ts";

export interface SnippetInput {
  /** The protected app's id: part of every Latchkey URL in the snippet. */
  appId: string;
  /** Latchkey as the browser sees it (APP_URL). */
  appUrl: string;
  /** Latchkey as the proxy reaches it, e.g. "latchkey:1411". */
  upstream: string;
  hosts: string[];
  pathPrefix: string;
  passHeaders: IdentityHeader[];
  /** The app itself, as the proxy reaches it. */
  appUpstream?: string;
}

export type ProxyKind = "caddy" | "traefik" | "nginx";

/** What each snippet makes Latchkey trust, and from whom: shown next to the snippet and in the README. */
export const SNIPPET_TRUST: Record<ProxyKind, { url: (appId: string) => string; headers: string; from: string }> = {
  caddy: {
    url: (id) => `/api/forward-auth/verify/${id}`,
    headers: "X-Forwarded-Method, -Proto, -Host and -Uri",
    from: "set by Caddy's forward_auth itself (a client's copies are replaced); believed only from a peer listed in TRUST_PROXY",
  },
  traefik: {
    url: (id) => `/api/forward-auth/verify/${id}`,
    headers: "X-Forwarded-Method, -Proto, -Host and -Uri",
    from: "set by Traefik's ForwardAuth itself while trustForwardHeader is false; believed only from a peer listed in TRUST_PROXY",
  },
  nginx: {
    url: (id) => `/api/forward-auth/verify/${id}/nginx`,
    headers: "X-Original-URL and X-Original-Method",
    from: "set by this snippet's proxy_set_header (a client's copy is dropped) with the host written in the snippet, never the client's Host; believed only from a peer listed in TRUST_PROXY",
  },
};

const ALL: IdentityHeader[] = ["Remote-User", "Remote-Groups", "Remote-Email", "Remote-Name"];

function prefixNote(pathPrefix: string): string[] {
  return pathPrefix === "/" ? [] : [`# Every request goes to Latchkey; it guards ${pathPrefix} and below and lets the rest through.`];
}

export function caddySnippet(i: SnippetInput): string {
  const lines = [
    `${i.hosts.join(", ")} {`,
    ...prefixNote(i.pathPrefix).map((l) => `\t${l}`),
    `\t# route keeps this order: first drop identity headers a client sent, then ask Latchkey.`,
    `\troute {`,
    ...ALL.map((h) => `\t\trequest_header -${h}`),
    `\t\tforward_auth ${i.upstream} {`,
    `\t\t\turi ${SNIPPET_TRUST.caddy.url(i.appId)}`,
    ...(i.passHeaders.length ? [`\t\t\tcopy_headers ${i.passHeaders.join(" ")}`] : []),
    `\t\t}`,
    `\t\treverse_proxy ${i.appUpstream ?? "app:8080"}`,
    `\t}`,
    `}`,
  ];
  return lines.join("\n");
}

function traefikRule(hosts: string[]): string {
  return hosts
    .map((h) => {
      const name = h.split(":")[0]!;
      return name.startsWith("*.") ? `HostRegexp(\`^.+${name.slice(1).replaceAll(".", "\\.")}$\`)` : `Host(\`${name}\`)`;
    })
    .join(" || ");
}

export function traefikSnippet(i: SnippetInput): string {
  const mw = `latchkey-${i.appId.slice(0, 8)}`;
  return [
    "labels:",
    ...prefixNote(i.pathPrefix).map((l) => `  ${l}`),
    `  - "traefik.http.middlewares.${mw}.forwardauth.address=http://${i.upstream}${SNIPPET_TRUST.traefik.url(i.appId)}"`,
    `  - "traefik.http.middlewares.${mw}.forwardauth.trustForwardHeader=false"`,
    ...(i.passHeaders.length ? [`  - "traefik.http.middlewares.${mw}.forwardauth.authResponseHeaders=${i.passHeaders.join(",")}"`] : []),
    `  - "traefik.http.routers.myapp.rule=${traefikRule(i.hosts)}"`,
    `  - "traefik.http.routers.myapp.middlewares=${mw}@docker"`,
  ].join("\n");
}

const escapeRegex = (s: string) => s.replaceAll(".", "\\.");

/** server_name and the pinned "host[:port]" expression for one group of host patterns sharing a port. */
function nginxNames(names: string[], port: string | null): { serverName: string; host: string } {
  const suffix = port ? `:${port}` : "";
  if (names.length === 1 && !names[0]!.startsWith("*.")) return { serverName: names[0]!, host: `${names[0]}${suffix}` };
  // A regex server_name whose capture is the host nginx matched: a request that reaches this block any
  // other way (default server, unknown Host) leaves it empty, and Latchkey refuses an empty host.
  const alternatives = names.map((n) => (n.startsWith("*.") ? `(?:[a-z0-9-]+\\.)+${escapeRegex(n.slice(2))}` : escapeRegex(n)));
  return { serverName: `"~^(?<latchkey_host>${alternatives.join("|")})$"`, host: `$latchkey_host${suffix}` };
}

function nginxServer(i: SnippetInput, names: string[], port: string | null): string {
  const { serverName, host } = nginxNames(names, port);
  const original = `$scheme://${host}$request_uri`;
  const vars = i.passHeaders.map((h) => [h, `$latchkey_${h.slice(7).toLowerCase()}`] as const);
  return [
    "server {",
    `    server_name ${serverName};`,
    "    # … listen / ssl as usual …",
    ...prefixNote(i.pathPrefix).map((l) => `    ${l}`),
    "    # X-Original-URL names the host written here, never the client's Host header.",
    "",
    "    location = /latchkey-verify {",
    "        internal;",
    `        proxy_pass http://${i.upstream}${SNIPPET_TRUST.nginx.url(i.appId)};`,
    "        proxy_pass_request_body off;",
    '        proxy_set_header Content-Length "";',
    `        proxy_set_header X-Original-URL ${original};`,
    "        proxy_set_header X-Original-Method $request_method;",
    "        proxy_set_header X-Forwarded-For $remote_addr;",
    "    }",
    `    location = ${CALLBACK_PATH} {`,
    `        proxy_pass http://${i.upstream}/api/forward-auth/callback/${i.appId};`,
    `        proxy_set_header X-Original-URL ${original};`,
    "        proxy_set_header X-Forwarded-For $remote_addr;",
    "    }",
    "    location / {",
    "        auth_request /latchkey-verify;",
    "        auth_request_set $latchkey_redirect $upstream_http_location;",
    "        error_page 401 =302 $latchkey_redirect;",
    "        # The sign-in state cookie for this host. (add_header here hides the server block's add_header lines: repeat yours here.)",
    "        auth_request_set $latchkey_state $upstream_http_set_cookie;",
    "        add_header Set-Cookie $latchkey_state always;",
    ...vars.map(([h, v]) => `        auth_request_set ${v} $upstream_http_${h.toLowerCase().replace("-", "_")};`),
    "        # Always set (an empty value drops the header): a client's own Remote-* never reaches the app.",
    ...ALL.map((h) => {
      const v = vars.find(([name]) => name === h);
      return `        proxy_set_header ${h} ${v ? v[1] : '""'};`;
    }),
    `        proxy_pass http://${i.appUpstream ?? "app:8080"};`,
    "    }",
    "}",
  ].join("\n");
}

/** One server block per port the app's hosts use (usually one). */
export function nginxSnippet(i: SnippetInput): string {
  const byPort = new Map<string | null, string[]>();
  for (const h of i.hosts) {
    const [name, port] = h.split(":");
    const key = port ?? null;
    byPort.set(key, [...(byPort.get(key) ?? []), name!]);
  }
  return [...byPort].map(([port, names]) => nginxServer(i, names, port)).join("\n\n");
}
