/**
 * Copy-paste settings for connecting an app to one OIDC client (the client page's "Connect an app").
 * - Every snippet is complete: what the app needs to start and to accept the sign-in (Forgejo's
 *   authentication name, oauth2-proxy's redirect URL, cookie secret and email domain, Grafana's attributes).
 * - Apps that build their own callback URL (Forgejo from the authentication name, Grafana, OpenGist,
 *   oauth2-proxy from fixed paths) are shown with the callback they will send: one of the client's own
 *   callback URLs when one fits, else the URL to add, marked `listed: false`, so the snippet and the
 *   client's callback list agree.
 * - A public client's snippets carry no secret.
 */
import type { OidcClient } from "./clients.ts";

export type SnippetKind = "generic" | "forgejo" | "opengist" | "grafana" | "oauth2-proxy";

export interface IntegrationSnippet {
  kind: SnippetKind;
  text: string;
  /** The callback URL this app will send; `listed` says whether the client already allows it. */
  callback: { url: string; listed: boolean } | null;
}

type ClientView = Pick<OidcClient, "id" | "isPublic" | "pkceEnabled" | "callbackUrls" | "launchUrl">;

const SECRET_PLACEHOLDER = "<client secret>";
const FORGEJO_CALLBACK = /^(https?:\/\/[^/?#]+(?:\/[^?#]*)?)\/user\/oauth2\/([^/?#*]+)\/callback$/;

/** The origin (and path below it) where the app itself lives, for callback URLs the client does not list yet. */
function appBase(c: ClientView): string {
  for (const candidate of [c.launchUrl, ...c.callbackUrls]) {
    if (!candidate || candidate.includes("*")) continue;
    try {
      return new URL(candidate).origin;
    } catch {
      // not a URL we can build on; try the next one
    }
  }
  return "https://app.example.com";
}

/** The client's callback URL ending in `path`, else the one to add (on the app's origin). */
function callbackEnding(c: ClientView, path: string): { url: string; listed: boolean } {
  const found = c.callbackUrls.find((u) => !u.includes("*") && u.endsWith(path));
  return found ? { url: found, listed: true } : { url: `${appBase(c)}${path}`, listed: false };
}

/** An authentication name Forgejo accepts in its URL: letters, digits, - and _. */
function forgejoName(providerName: string): string {
  return providerName.replace(/[^A-Za-z0-9_-]+/g, "") || "Latchkey";
}

/** The snippets for `client`; `providerName` is this server's name as apps should label the button. */
export function integrationSnippets(client: ClientView, appUrl: string, providerName: string): IntegrationSnippet[] {
  const secret = client.isPublic ? "" : SECRET_PLACEHOLDER;
  const discovery = `${appUrl}/.well-known/openid-configuration`;

  const generic = [
    `OIDC_ISSUER=${appUrl}`,
    `OIDC_DISCOVERY_URL=${discovery}`,
    `OIDC_CLIENT_ID=${client.id}`,
    ...(secret ? [`OIDC_CLIENT_SECRET=${secret}`] : []),
    ...(client.callbackUrls[0] && !client.callbackUrls[0].includes("*") ? [`OIDC_REDIRECT_URI=${client.callbackUrls[0]}`] : []),
    "OIDC_SCOPES=openid profile email groups",
  ].join("\n");

  // Forgejo builds its callback from the authentication name: /user/oauth2/<name>/callback.
  // A wildcard callback is a pattern, not the URL Forgejo sends.
  const listedForgejo = client.callbackUrls.filter((u) => !u.includes("*")).map((u) => FORGEJO_CALLBACK.exec(u)).find((m) => m !== null);
  const forgejoAuthName = listedForgejo ? decodeURIComponent(listedForgejo[2]!) : forgejoName(providerName);
  const forgejoCallback = listedForgejo ? { url: listedForgejo[0], listed: true } : { url: `${appBase(client)}/user/oauth2/${forgejoAuthName}/callback`, listed: false };
  const forgejo = [
    `Authentication name: ${forgejoAuthName}`,
    "Authentication type: OAuth2",
    "OAuth2 provider: OpenID Connect",
    `Client ID (Key): ${client.id}`,
    `Client secret: ${secret || "(public client: leave empty)"}`,
    `OpenID Connect Auto Discovery URL: ${discovery}`,
    "Additional scopes: email profile groups",
    "Claim name providing group names for this source: groups",
  ].join("\n");

  const opengistCallback = callbackEnding(client, "/oauth/openid-connect/callback");
  const opengist = [
    `OG_OIDC_PROVIDER_NAME=${providerName}`,
    `OG_OIDC_CLIENT_KEY=${client.id}`,
    `OG_OIDC_SECRET=${secret}`,
    `OG_OIDC_DISCOVERY_URL=${discovery}`,
    "OG_OIDC_GROUP_CLAIM_NAME=groups",
  ].join("\n");

  const grafanaCallback = callbackEnding(client, "/login/generic_oauth");
  const grafana = [
    `GF_SERVER_ROOT_URL=${grafanaCallback.url.slice(0, -"/login/generic_oauth".length)}`,
    "GF_AUTH_GENERIC_OAUTH_ENABLED=true",
    `GF_AUTH_GENERIC_OAUTH_NAME=${providerName}`,
    `GF_AUTH_GENERIC_OAUTH_CLIENT_ID=${client.id}`,
    `GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET=${secret}`,
    "GF_AUTH_GENERIC_OAUTH_SCOPES=openid email profile groups",
    `GF_AUTH_GENERIC_OAUTH_AUTH_URL=${appUrl}/authorize`,
    `GF_AUTH_GENERIC_OAUTH_TOKEN_URL=${appUrl}/api/oidc/token`,
    `GF_AUTH_GENERIC_OAUTH_API_URL=${appUrl}/api/oidc/userinfo`,
    "GF_AUTH_GENERIC_OAUTH_LOGIN_ATTRIBUTE_PATH=preferred_username",
    "GF_AUTH_GENERIC_OAUTH_NAME_ATTRIBUTE_PATH=name",
    "GF_AUTH_GENERIC_OAUTH_EMAIL_ATTRIBUTE_PATH=email",
    "GF_AUTH_GENERIC_OAUTH_GROUPS_ATTRIBUTE_PATH=groups",
    ...(client.pkceEnabled ? ["GF_AUTH_GENERIC_OAUTH_USE_PKCE=true"] : []),
  ].join("\n");

  const proxyCallback = callbackEnding(client, "/oauth2/callback");
  const oauth2Proxy = [
    "--provider=oidc",
    `--oidc-issuer-url=${appUrl}`,
    `--client-id=${client.id}`,
    // oauth2-proxy insists on a secret flag even for public clients.
    `--client-secret=${secret || "unused"}`,
    `--redirect-url=${proxyCallback.url}`,
    "--cookie-secret=<32 random bytes: openssl rand -base64 32 | tr -- '+/' '-_'>",
    "--email-domain=*",
    "--scope=openid email profile groups",
    ...(client.pkceEnabled ? ["--code-challenge-method=S256"] : []),
  ].join("\n");

  return [
    { kind: "generic", text: generic, callback: null },
    { kind: "forgejo", text: forgejo, callback: forgejoCallback },
    { kind: "opengist", text: opengist, callback: opengistCallback },
    { kind: "grafana", text: grafana, callback: grafanaCallback },
    { kind: "oauth2-proxy", text: oauth2Proxy, callback: proxyCallback },
  ];
}
