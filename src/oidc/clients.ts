/**
 * OIDC clients as typed values, for every reader: the protocol endpoints (authorize, client
 * authentication, PAR, device flow, end-session), the admin pages and API, My apps, the CLI.
 * - A client is restricted by default: it admits nobody until groups are allowed or it is unrestricted.
 * - Token endpoint auth method (issue 17), enforced by src/oidc/client-auth.ts at every endpoint that
 *   authenticates clients (acceptedAuthMethods):
 *   - public client: `none` only (client_id, no secret);
 *   - not chosen (every client from before, and new ones created without a choice): its secret by
 *     client_secret_basic or client_secret_post, as Pocket ID allows;
 *   - client_secret_basic or client_secret_post chosen: that one only;
 *   - private_key_jwt: assertions only, with a JWKS or jwks_uri (never a private key); no secrets.
 * Input rules live in client-input.ts, secrets in client-secrets.ts, changes in src/admin/oidc-clients.ts.
 */
import type { Database } from "../db/database.ts";
import { findClient, isUserInAllowedGroup, listAllClients, TOKEN_ENDPOINT_AUTH_METHODS, type OidcClient, type TokenEndpointAuthMethod } from "../db/oidc-clients.ts";
import { callbackUrlProblem, httpUrlProblem } from "./redirect-uri.ts";
import type { Message } from "../i18n/message.ts";
import { englishText } from "../i18n/translator.ts";

// The value types live with their mapping in src/db/oidc-clients.ts.
export { TOKEN_ENDPOINT_AUTH_METHODS, type OidcClient, type TokenEndpointAuthMethod };
/** Input value (besides null) for "either secret method", as the admin form sends it. */
export const EITHER_SECRET_METHOD = "client_secret";

/** The ways `client` may authenticate at the token, introspection, revocation, PAR and device endpoints. */
export function acceptedAuthMethods(client: Pick<OidcClient, "isPublic" | "tokenEndpointAuthMethod" | "tokenEndpointAuthMethodFixed">): ("none" | TokenEndpointAuthMethod)[] {
  if (client.isPublic) return ["none"];
  if (client.tokenEndpointAuthMethod === "private_key_jwt") return ["private_key_jwt"];
  if (client.tokenEndpointAuthMethodFixed) return [client.tokenEndpointAuthMethod];
  return ["client_secret_basic", "client_secret_post"];
}

/** A client registered by its metadata document may use only the grant types the document declared; others any. */
export function clientMayUseGrant(client: Pick<OidcClient, "clientType" | "metadataGrantTypes">, grantType: string): boolean {
  return client.clientType !== "cimd" || client.metadataGrantTypes.includes(grantType);
}

export const DEFAULT_ACCESS_TOKEN_MINUTES = 60;
export const DEFAULT_REFRESH_TOKEN_MINUTES = 43_200;

export function findClientById(db: Database, clientId: string): OidcClient | null {
  if (typeof clientId !== "string" || clientId.length === 0 || clientId.length > 256) return null;
  return findClient(db, clientId);
}

export function listClients(db: Database): OidcClient[] {
  return listAllClients(db);
}

/** A stored URL of a client that today's rules refuse (saved by an older version): it matches nothing now. */
export interface OutdatedClientUrl {
  clientId: string;
  clientName: string;
  field: "callbackUrls" | "logoutCallbackUrls" | "launchUrl";
  url: string;
  problem: string;
}

/**
 * Every stored callback, logout callback and launch URL that the rules of src/oidc/redirect-uri.ts refuse
 * today (issue 17 made matching strict: an upper-case host, `:443`, `*.com` or `*.co.uk` saved earlier
 * silently stopped matching). The server logs them at start so the administrator learns why an app broke.
 */
export function findOutdatedClientUrls(db: Database): OutdatedClientUrl[] {
  const out: OutdatedClientUrl[] = [];
  for (const c of listClients(db)) {
    const fields: [OutdatedClientUrl["field"], string[], (url: string) => Message | null][] = [
      ["callbackUrls", c.callbackUrls, callbackUrlProblem],
      ["logoutCallbackUrls", c.logoutCallbackUrls, callbackUrlProblem],
      ["launchUrl", c.launchUrl ? [c.launchUrl] : [], httpUrlProblem],
    ];
    for (const [field, urls, problemOf] of fields) {
      for (const url of urls) {
        const problem = problemOf(url);
        // For the server log: English.
        if (problem) out.push({ clientId: c.id, clientName: c.name, field, url, problem: englishText(problem) });
      }
    }
  }
  return out;
}

/** May this user sign in to this client? Unrestricted, or a member of an allowed group. */
export function isUserAllowedForClient(db: Database, client: OidcClient, userId: string): boolean {
  return client.unrestricted || isUserInAllowedGroup(db, client.id, userId);
}
