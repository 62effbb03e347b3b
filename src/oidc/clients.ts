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
import { findClientRow, isUserInAllowedGroup, listAllowedGroupIds, listClientRows, type OidcClientRow } from "../db/oidc-clients.ts";
import { callbackUrlProblem, httpUrlProblem } from "./redirect-uri.ts";
import type { Message } from "../i18n/message.ts";
import { englishText } from "../i18n/translator.ts";

export interface OidcClient {
  id: string;
  name: string;
  description: string;
  callbackUrls: string[];
  logoutCallbackUrls: string[];
  launchUrl: string | null;
  isPublic: boolean;
  pkceEnabled: boolean;
  requiresReauthentication: boolean;
  skipConsent: boolean;
  /** True when anyone with an account may use the client (no group restriction). */
  unrestricted: boolean;
  accessTokenDurationMinutes: number;
  refreshTokenDurationMinutes: number;
  /** RFC 9126: /authorize accepts only pushed requests (request_uri) from this client. */
  requirePar: boolean;
  backchannelLogoutUri: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Whether tokenEndpointAuthMethod was chosen (binding); when false a secret method is not pinned. */
  tokenEndpointAuthMethodFixed: boolean;
  /** The client's public keys for private_key_jwt, as a JWK Set (JSON text), or null. */
  jwks: string | null;
  jwksUri: string | null;
  /** Scopes the client may obtain for itself with the client_credentials grant. */
  credentialsScopes: string[];
  hasLogo: boolean;
  hasDarkLogo: boolean;
  allowedGroupIds: string[];
  createdById: string | null;
  createdAt: number;
  updatedAt: number;
}

export type TokenEndpointAuthMethod = "client_secret_basic" | "client_secret_post" | "private_key_jwt";
export const TOKEN_ENDPOINT_AUTH_METHODS: TokenEndpointAuthMethod[] = ["client_secret_basic", "client_secret_post", "private_key_jwt"];
/** Input value (besides null) for "either secret method", as the admin form sends it. */
export const EITHER_SECRET_METHOD = "client_secret";

/** The ways `client` may authenticate at the token, introspection, revocation, PAR and device endpoints. */
export function acceptedAuthMethods(client: Pick<OidcClient, "isPublic" | "tokenEndpointAuthMethod" | "tokenEndpointAuthMethodFixed">): ("none" | TokenEndpointAuthMethod)[] {
  if (client.isPublic) return ["none"];
  if (client.tokenEndpointAuthMethod === "private_key_jwt") return ["private_key_jwt"];
  if (client.tokenEndpointAuthMethodFixed) return [client.tokenEndpointAuthMethod];
  return ["client_secret_basic", "client_secret_post"];
}

export const DEFAULT_ACCESS_TOKEN_MINUTES = 60;
export const DEFAULT_REFRESH_TOKEN_MINUTES = 43_200;

function parseJsonList(text: string): string[] {
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

function toClient(row: OidcClientRow, allowedGroupIds: string[] | (() => string[])): OidcClient {
  let groups = typeof allowedGroupIds === "function" ? null : allowedGroupIds;
  const loadGroups = allowedGroupIds as () => string[];
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    callbackUrls: parseJsonList(row.callback_urls),
    logoutCallbackUrls: parseJsonList(row.logout_callback_urls),
    launchUrl: row.launch_url,
    isPublic: row.is_public === 1,
    pkceEnabled: row.pkce_enabled === 1,
    requiresReauthentication: row.requires_reauthentication === 1,
    skipConsent: row.skip_consent === 1,
    unrestricted: row.is_group_restricted === 0,
    accessTokenDurationMinutes: row.access_token_duration_minutes,
    refreshTokenDurationMinutes: row.refresh_token_duration_minutes,
    requirePar: row.require_par === 1,
    backchannelLogoutUri: row.backchannel_logout_uri,
    tokenEndpointAuthMethod: (TOKEN_ENDPOINT_AUTH_METHODS as string[]).includes(row.token_endpoint_auth_method)
      ? (row.token_endpoint_auth_method as TokenEndpointAuthMethod)
      : "client_secret_basic",
    tokenEndpointAuthMethodFixed: row.token_endpoint_auth_method_fixed === 1,
    jwks: row.jwks,
    jwksUri: row.jwks_uri,
    credentialsScopes: parseJsonList(row.credentials_scopes),
    hasLogo: row.logo_light_type !== null,
    hasDarkLogo: row.logo_dark_type !== null,
    // Loaded on first read: the token endpoint's client authentication never needs them.
    get allowedGroupIds(): string[] {
      return (groups ??= loadGroups());
    },
    createdById: row.created_by_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function findClientById(db: Database, clientId: string): OidcClient | null {
  if (typeof clientId !== "string" || clientId.length === 0 || clientId.length > 256) return null;
  const row = findClientRow(db, clientId);
  return row ? toClient(row, () => listAllowedGroupIds(db, clientId)) : null;
}

export function listClients(db: Database): OidcClient[] {
  return listClientRows(db).map((row) => toClient(row, listAllowedGroupIds(db, row.id)));
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
