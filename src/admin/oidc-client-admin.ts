/**
 * OIDC clients as the admin side's wire sees them (rules: src/oidc/client-input.ts; changes: src/admin/oidc-clients.ts):
 * - reads Pocket ID's JSON names (callbackURLs, logoutCallbackURLs, launchURL, isGroupRestricted,
 *   requiresPushedAuthorizationRequests, backchannelLogoutURL) as well as Latchkey's (callbackUrls, requirePar…),
 *   and HTML form fields (repeated callbackUrl rows);
 * - a client created through the JSON API without isGroupRestricted (or unrestricted) admits every user, as Pocket
 *   ID's API does (its omitted boolean is false), unless the body names allowed groups (a Latchkey field); the admin
 *   page keeps the safer default (restricted) because its form always says which;
 * - shapes the JSON answer with both spellings so Pocket ID scripts read what they expect.
 */
import type { Database } from "../db/database.ts";
import { listAllUserGroups } from "../db/user-groups.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { acceptedAuthMethods, listClients, type OidcClient } from "../oidc/clients.ts";
import { listFederatedIdentities } from "../db/federated-identities.ts";
import { federatedIdentityJson, type FederatedIdentity } from "../oidc/federated-identities.ts";
import { type ClientInput } from "../oidc/client-input.ts";
import { checkSortColumn, isoTime, toPage, type ListQuery, type Page } from "./pagination.ts";
import { isRecord } from "./validation.ts";

const pickList = (v: unknown): unknown => (v === undefined ? undefined : Array.isArray(v) ? v : typeof v === "string" ? [v] : v);
const cleanRows = (v: unknown): unknown => (Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x.trim() : x)).filter((x) => x !== "") : v);

function boolish(v: unknown): unknown {
  if (v === "on" || v === "true") return true;
  if (v === "false" || v === "off") return false;
  return v;
}

function minutes(v: unknown): unknown {
  if (typeof v === "string" && /^\d+$/.test(v.trim())) return Number(v.trim());
  if (v === "") return undefined;
  return v;
}

/** Converts a JSON body (Pocket ID or Latchkey names) to ClientInput; `creating` applies Pocket ID's create defaults. */
export function clientInputFromJson(input: unknown, opts: { creating: boolean }): ClientInput {
  if (!isRecord(input)) throw AppError.validation(msg("clients.errorJsonObject"), { body: msg("clients.errorJsonObject") });
  const b = input;
  const out: ClientInput = {
    id: (b.id as string | undefined) ?? undefined,
    name: b.name as string,
    description: b.description as string | undefined,
    callbackUrls: (b.callbackUrls ?? b.callbackURLs) as string[],
    logoutCallbackUrls: (b.logoutCallbackUrls ?? b.logoutCallbackURLs) as string[] | undefined,
    launchUrl: (b.launchUrl ?? b.launchURL) as string | null | undefined,
    isPublic: b.isPublic as boolean | undefined,
    pkceEnabled: b.pkceEnabled as boolean | undefined,
    requiresReauthentication: b.requiresReauthentication as boolean | undefined,
    skipConsent: b.skipConsent as boolean | undefined,
    accessTokenDurationMinutes: b.accessTokenDurationMinutes as number | undefined,
    refreshTokenDurationMinutes: b.refreshTokenDurationMinutes as number | undefined,
    requirePar: (b.requirePar ?? b.requiresPushedAuthorizationRequests ?? b.requirePushedAuthorizationRequests) as boolean | undefined,
    backchannelLogoutUri: (b.backchannelLogoutUri ?? b.backchannelLogoutURL) as string | null | undefined,
    tokenEndpointAuthMethod: b.tokenEndpointAuthMethod as string | null | undefined,
    jwks: (b.jwks !== undefined && b.jwks !== null && typeof b.jwks === "object" ? JSON.stringify(b.jwks) : b.jwks) as string | null | undefined,
    jwksUri: (b.jwksUri ?? b.jwksURL) as string | null | undefined,
    credentialsScopes: b.credentialsScopes as string[] | undefined,
    // Pocket ID's credentials object replaces the list (its omitted federatedIdentities is an empty list).
    federatedIdentities: b.credentials !== undefined && b.credentials !== null ? (isRecord(b.credentials) ? (b.credentials.federatedIdentities ?? []) : b.credentials) : b.federatedIdentities,
  };
  if (typeof b.unrestricted === "boolean") out.unrestricted = b.unrestricted;
  else if (typeof b.isGroupRestricted === "boolean") out.unrestricted = !b.isGroupRestricted;
  if (b.allowedUserGroupIds !== undefined || b.allowedGroupIds !== undefined) out.allowedGroupIds = (b.allowedUserGroupIds ?? b.allowedGroupIds) as string[];
  if (opts.creating && out.unrestricted === undefined) out.unrestricted = out.allowedGroupIds === undefined;
  return out;
}

/** A federated identity as the admin form shows it (empty strings for the defaults). */
export interface FederatedRow {
  issuer: string;
  subject: string;
  audience: string;
  jwks: string;
  replayProtection: boolean;
}

/** The form's field names (prefixed: the form has its own `jwks` for private_key_jwt). */
export const FEDERATED_FIELDS = { issuer: "fedIssuer", subject: "fedSubject", audience: "fedAudience", jwks: "fedJwks", replayProtection: "fedReplayProtection" } as const;
/** Present when the form holds the federated identities, so a form without them leaves the stored list alone. */
export const FEDERATED_MARKER = "fedRows";

/**
 * The federated identity rows as the form posted them, in order (each field repeats under one name; replay
 * protection is a select, so nothing goes missing); a row left entirely empty is no identity.
 */
export function federatedRowsFromForm(form: Record<string, unknown>): FederatedRow[] {
  const all = (v: unknown) => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).map((x) => (typeof x === "string" ? x : ""));
  const issuers = all(form[FEDERATED_FIELDS.issuer]);
  const subjects = all(form[FEDERATED_FIELDS.subject]);
  const audiences = all(form[FEDERATED_FIELDS.audience]);
  const jwks = all(form[FEDERATED_FIELDS.jwks]);
  const replay = all(form[FEDERATED_FIELDS.replayProtection]);
  return issuers
    .slice(0, 100)
    .map((issuer, i) => ({ issuer, subject: subjects[i] ?? "", audience: audiences[i] ?? "", jwks: jwks[i] ?? "", replayProtection: replay[i] !== "off" }))
    .filter((r) => [r.issuer, r.subject, r.audience, r.jwks].some((v) => v.trim() !== ""));
}

/** The stored identities as form rows. */
export function federatedRowsOf(identities: FederatedIdentity[]): FederatedRow[] {
  return identities.map((f) => ({ issuer: f.issuer, subject: f.subject ?? "", audience: f.audience ?? "", jwks: f.jwksUrl ?? "", replayProtection: f.replayProtection }));
}

/** Converts the admin form (checkboxes present = on; callbackUrl rows repeated) to ClientInput. */
export function clientInputFromForm(form: Record<string, unknown>, opts: { creating: boolean }): ClientInput {
  const out: ClientInput = {
    name: typeof form.name === "string" ? form.name : "",
    description: typeof form.description === "string" ? form.description : "",
    callbackUrls: cleanRows(pickList(form.callbackUrl) ?? []) as string[],
    logoutCallbackUrls: cleanRows(pickList(form.logoutCallbackUrl) ?? []) as string[],
    launchUrl: typeof form.launchUrl === "string" ? form.launchUrl : null,
    isPublic: boolish(form.isPublic ?? "off") as boolean,
    pkceEnabled: boolish(form.pkceEnabled ?? "off") as boolean,
    requiresReauthentication: boolish(form.requiresReauthentication ?? "off") as boolean,
    skipConsent: boolish(form.skipConsent ?? "off") as boolean,
    accessTokenDurationMinutes: minutes(form.accessTokenDurationMinutes) as number | undefined,
    refreshTokenDurationMinutes: minutes(form.refreshTokenDurationMinutes) as number | undefined,
    requirePar: boolish(form.requirePar ?? "off") as boolean,
    backchannelLogoutUri: typeof form.backchannelLogoutUri === "string" ? form.backchannelLogoutUri : undefined,
    tokenEndpointAuthMethod: typeof form.tokenEndpointAuthMethod === "string" && form.tokenEndpointAuthMethod ? form.tokenEndpointAuthMethod : undefined,
    jwks: typeof form.jwks === "string" ? form.jwks : undefined,
    jwksUri: typeof form.jwksUri === "string" ? form.jwksUri : undefined,
    credentialsScopes: typeof form.credentialsScopes === "string" ? (form.credentialsScopes.split(/\s+/).filter(Boolean) as string[]) : undefined,
  };
  if (opts.creating && typeof form.id === "string" && form.id.trim() !== "") out.id = form.id.trim();
  if (form[FEDERATED_MARKER] !== undefined) out.federatedIdentities = federatedRowsFromForm(form);
  // Who may sign in (the page's one form): a radio, and the groups kept whichever way it points.
  if (form.access === "everyone" || form.access === "groups") {
    out.unrestricted = form.access === "everyone";
    out.allowedGroupIds = (cleanRows(pickList(form.userGroupIds) ?? []) as unknown[]).filter((x): x is string => typeof x === "string");
  }
  return out;
}

export function clientDto(db: Database, c: OidcClient) {
  const groups = new Map(listAllUserGroups(db).map((g) => [g.id, g]));
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    callbackURLs: c.callbackUrls,
    logoutCallbackURLs: c.logoutCallbackUrls,
    launchURL: c.launchUrl,
    isPublic: c.isPublic,
    pkceEnabled: c.pkceEnabled,
    requiresReauthentication: c.requiresReauthentication,
    skipConsent: c.skipConsent,
    isGroupRestricted: !c.unrestricted,
    accessTokenDurationMinutes: c.accessTokenDurationMinutes,
    refreshTokenDurationMinutes: c.refreshTokenDurationMinutes,
    requirePar: c.requirePar,
    requiresPushedAuthorizationRequests: c.requirePar,
    backchannelLogoutUri: c.backchannelLogoutUri,
    backchannelLogoutURL: c.backchannelLogoutUri,
    // null when no method was chosen: either secret method works (a GET → PUT round trip keeps that).
    tokenEndpointAuthMethod: c.isPublic ? "none" : c.tokenEndpointAuthMethod === "private_key_jwt" || c.tokenEndpointAuthMethodFixed ? c.tokenEndpointAuthMethod : null,
    tokenEndpointAuthMethods: acceptedAuthMethods(c),
    jwks: c.jwks ? (JSON.parse(c.jwks) as unknown) : null,
    jwksUri: c.jwksUri,
    credentialsScopes: c.credentialsScopes,
    // Pocket ID's shape; the secrets are at …/secrets.
    credentials: { federatedIdentities: listFederatedIdentities(db, c.id).map(federatedIdentityJson) },
    hasLogo: c.hasLogo,
    hasDarkLogo: c.hasDarkLogo,
    allowedUserGroups: c.allowedGroupIds.map((id) => groups.get(id)).filter((g) => g !== undefined).map((g) => ({ id: g.id, name: g.name, friendlyName: g.friendlyName })),
    createdAt: isoTime(c.createdAt),
    clientType: c.clientType,
    metadataExpiresAt: isoTime(c.metadataExpiresAt),
    metadataGrantTypes: c.metadataGrantTypes,
  };
}

/** The `sort[column]` values the client list accepts. */
export const CLIENT_SORT_COLUMNS: readonly string[] = ["name", "createdAt"];

export function listClientsPage(db: Database, q: ListQuery): Page<ReturnType<typeof clientDto>> {
  checkSortColumn(q, CLIENT_SORT_COLUMNS);
  const needle = q.search.toLowerCase();
  let all = listClients(db).filter((c) => !needle || c.name.toLowerCase().includes(needle) || c.id.toLowerCase().includes(needle));
  all = all.sort((a, b) => (q.sort === "createdAt" ? a.createdAt - b.createdAt : a.name.localeCompare(b.name, undefined, { sensitivity: "base" })));
  if (q.direction === "desc") all.reverse();
  return toPage(all.slice(q.offset, q.offset + q.limit).map((c) => clientDto(db, c)), all.length, q);
}
