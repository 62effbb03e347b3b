/**
 * Copy-paste reverse-proxy configuration for one protected app (admin page; README has the same shape).
 * - Caddy: forward_auth, with the client's Remote-* headers deleted first (Caddy before 2.10 copies a
 *   client-sent header through when the auth answer lacks it, and never strips it on its own).
 * - Traefik: ForwardAuth middleware; authResponseHeaders replaces the client's headers of those names.
 * - nginx: auth_request; 401 → 302 via the Location Latchkey puts on the 401; the handshake callback
 *   path is proxied to Latchkey directly (auth_request cannot pass a redirect on).
 */
import { CALLBACK_PATH } from "./forward-auth.ts";
import type { IdentityHeader } from "./protected-apps.ts";

export interface SnippetInput {
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

const ALL: IdentityHeader[] = ["Remote-User", "Remote-Groups", "Remote-Email", "Remote-Name"];

export function caddySnippet(i: SnippetInput): string {
  const site = i.hosts.join(", ");
  const matcher = i.pathPrefix === "/" ? "" : `${i.pathPrefix}*`;
  const lines = [
    `${site} {`,
    ...(matcher ? [`\t# ${CALLBACK_PATH} is the sign-in handshake: it must reach Latchkey too.`, `\t@protected path ${matcher} ${CALLBACK_PATH}`, ``] : []),
    `\t# route keeps this order: first drop identity headers a client sent, then ask Latchkey.`,
    `\troute {`,
    ...ALL.map((h) => `\t\trequest_header -${h}`),
    `\t\tforward_auth${matcher ? " @protected" : ""} ${i.upstream} {`,
    `\t\t\turi /api/forward-auth/verify`,
    ...(i.passHeaders.length ? [`\t\t\tcopy_headers ${i.passHeaders.join(" ")}`] : []),
    `\t\t}`,
    `\t\treverse_proxy ${i.appUpstream ?? "app:8080"}`,
    `\t}`,
    `}`,
  ];
  return lines.join("\n");
}

function traefikRule(hosts: string[], pathPrefix: string): string {
  const hostRule = hosts
    .map((h) => {
      const name = h.split(":")[0]!;
      return name.startsWith("*.") ? `HostRegexp(\`^.+${name.slice(1).replaceAll(".", "\\.")}$\`)` : `Host(\`${name}\`)`;
    })
    .join(" || ");
  const paths = pathPrefix === "/" ? "" : ` && (PathPrefix(\`${pathPrefix}\`) || Path(\`${CALLBACK_PATH}\`))`;
  return `(${hostRule})${paths}`;
}

export function traefikSnippet(i: SnippetInput): string {
  return [
    "labels:",
    `  - "traefik.http.middlewares.latchkey.forwardauth.address=http://${i.upstream}/api/forward-auth/verify"`,
    ...(i.passHeaders.length ? [`  - "traefik.http.middlewares.latchkey.forwardauth.authResponseHeaders=${i.passHeaders.join(",")}"`] : []),
    `  - "traefik.http.routers.myapp.rule=${traefikRule(i.hosts, i.pathPrefix)}"`,
    `  - "traefik.http.routers.myapp.middlewares=latchkey@docker"`,
  ].join("\n");
}

export function nginxSnippet(i: SnippetInput): string {
  const names = i.hosts.map((h) => h.split(":")[0]!.replace(/^\*\./, "*.")).join(" ");
  const vars = i.passHeaders.map((h) => [h, `$latchkey_${h.slice(7).toLowerCase()}`] as const);
  return [
    "server {",
    `    server_name ${names};`,
    "    # … listen / ssl as usual …",
    "",
    "    location = /latchkey-verify {",
    "        internal;",
    `        proxy_pass http://${i.upstream}/api/forward-auth/verify;`,
    "        proxy_pass_request_body off;",
    '        proxy_set_header Content-Length "";',
    "        proxy_set_header X-Original-URL $scheme://$http_host$request_uri;",
    "        proxy_set_header X-Original-Method $request_method;",
    "        proxy_set_header X-Forwarded-For $remote_addr;",
    "    }",
    `    location = ${CALLBACK_PATH} {`,
    `        proxy_pass http://${i.upstream}/api/forward-auth/callback;`,
    "        proxy_set_header X-Original-URL $scheme://$http_host$request_uri;",
    "        proxy_set_header X-Forwarded-For $remote_addr;",
    "    }",
    `    location ${i.pathPrefix} {`,
    "        auth_request /latchkey-verify;",
    "        auth_request_set $latchkey_redirect $upstream_http_location;",
    "        error_page 401 =302 $latchkey_redirect;",
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
