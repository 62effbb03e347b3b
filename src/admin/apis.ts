/**
 * API resources (RFC 8707) as Pocket ID v2.10+ manages them: an API has a name, a fixed resource identifier
 * (its token audience) and permissions (scopes); clients are granted access to an API and its permissions,
 * separately for tokens acting for a person ("user delegated") and for the client itself (client_credentials).
 * - resource: an absolute URI without fragment or whitespace, at most 350 characters, written as the URL parser
 *   writes it (so one API has one spelling), stored without trailing slashes, unique, not the issuer; it cannot
 *   be changed (tokens name it).
 * - name 1–50 characters; a permission's key 1–128 RFC 6749 scope characters, not a standard scope, unique in the
 *   API; its name 1–50, its description at most 200.
 * - Permissions are replaced as a whole list, matched by key: kept keys keep their grants, removed ones lose
 *   them (and the access they implied).
 * - A client's grant on an API: permission ids must be this API's; a permission implies access; a public client
 *   cannot be given client access (it cannot use client_credentials).
 * - Every change is audited here (ADMIN_CHANGE, entity api), in the change's transaction.
 */
import type { Config } from "../config.ts";
import {
  API_SORT_COLUMNS,
  deleteClientGrant,
  findApi,
  findApiByAudience,
  insertApi,
  insertPermission,
  listCimdOpenApis,
  listCimdPermissionsOfApi,
  listMetadataDocumentClientIds,
  listGrantsOfClient,
  listGrantsOnApi,
  listPermissionsOfApi,
  removeApi,
  removePermissions,
  renameApi,
  replaceClientGrant,
  searchApis,
  searchClientsWithoutGrant,
  setCimdAccess,
  touchApi,
  updatePermissionText,
  type Api,
  type ApiPermission,
  type ClientApiGrant,
} from "../db/apis.ts";
import type { Database } from "../db/database.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { auditedChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import { nowSeconds } from "../lib/clock.ts";
import { randomUuid } from "../lib/random.ts";
import { findClientById, type OidcClient } from "../oidc/clients.ts";
import { canonicalResource, isStandardScope, resourceUriProblem } from "../oidc/resources.ts";
import { checkSortColumn, isoTime, toPage, type ListQuery, type Page } from "./pagination.ts";
import { collectFieldErrors, FieldErrors, isRecord, str } from "./validation.ts";

type Deps = AuditDeps & { config: Pick<Config, "appUrl"> };

export const MAX_RESOURCE_CHARS = 350;
/** RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

/** Permission keys that would shadow a standard scope or claim (any case). */
function isReservedPermissionKey(key: string): boolean {
  return isStandardScope(key.toLowerCase()) || key.toLowerCase() === "email_verified";
}

/** A permission key as this API accepts one (the Pocket ID importer holds imported keys to it too). */
export function isAcceptedPermissionKey(key: string): boolean {
  return SCOPE_TOKEN.test(key) && !isReservedPermissionKey(key);
}

export interface ApiPermissionDto {
  id: string;
  key: string;
  name: string;
  description?: string;
  allowedForCimdClients: boolean;
}

export interface ApiDto {
  id: string;
  name: string;
  resource: string;
  createdAt: string | null;
  permissions: ApiPermissionDto[];
  allowCimdClients: boolean;
}

/** Pocket ID's apiClientDto: what a row about a client shows. */
export interface ApiClientDto {
  id: string;
  name: string;
  clientType: "standard" | "cimd";
  isPublic: boolean;
  hasLogo: boolean;
  hasDarkLogo: boolean;
}

/** What Pocket ID's metadata-document opt-in gives a client on an API, as its JSON says it. */
type CimdFields = { cimdGrantedAccess: boolean; cimdGrantedPermissionIds: string[] };

function toPermissionDto(p: ApiPermission): ApiPermissionDto {
  return { id: p.id, key: p.key, name: p.name, ...(p.description !== null ? { description: p.description } : {}), allowedForCimdClients: p.allowedForCimdClients };
}

export function toApiDto(db: Database, api: Api): ApiDto {
  return {
    id: api.id,
    name: api.name,
    resource: api.audience,
    createdAt: isoTime(api.createdAt),
    permissions: listPermissionsOfApi(db, api.id).map(toPermissionDto),
    allowCimdClients: api.allowCimdClients,
  };
}

export function toApiClientDto(client: OidcClient): ApiClientDto {
  return { id: client.id, name: client.name, clientType: client.clientType, isPublic: client.isPublic, hasLogo: client.hasLogo, hasDarkLogo: client.hasDarkLogo };
}

export function getApi(db: Database, id: string): Api {
  const api = typeof id === "string" && id.length <= 64 ? findApi(db, id) : null;
  if (!api) throw AppError.notFound(msg("apis.errorNotFound"));
  return api;
}

function getClient(db: Database, clientId: string): OidcClient {
  const client = findClientById(db, clientId);
  if (!client) throw AppError.notFound(msg("apis.errorClientNotFound"));
  return client;
}

export function listApis(db: Database, q: ListQuery): Page<ApiDto> {
  checkSortColumn(q, API_SORT_COLUMNS);
  const { apis, total } = searchApis(db, { search: q.search, limit: q.limit, offset: q.offset, sort: q.sort, direction: q.direction });
  return toPage(
    apis.map((a) => toApiDto(db, a)),
    total,
    q,
  );
}

/** Checks a new API's resource identifier; the canonical form to store. */
function parseResource(errors: FieldErrors, db: Database, issuer: string, raw: string): string {
  if (raw === "") return raw;
  if (raw.length > MAX_RESOURCE_CHARS) {
    errors.add("resource", msg("validation.tooLong", { max: MAX_RESOURCE_CHARS }));
    return raw;
  }
  const problem = resourceUriProblem(raw);
  if (problem) {
    errors.add("resource", msg("apis.errorResourceNotUri"));
    return raw;
  }
  const resource = canonicalResource(raw);
  // One spelling per API: what the URL parser writes (lower-case host, no default port, …).
  const written = canonicalResource(new URL(resource).href);
  if (written !== resource) {
    errors.add("resource", msg("apis.errorResourceSpelling", { written }));
    return resource;
  }
  if (resource === "") errors.add("resource", msg("apis.errorResourceNotUri"));
  // A user name or password would travel in every token's aud claim to every app that sees the token.
  else if (/^[^:/?#]+:\/\/[^/?#]*@/.test(resource)) errors.add("resource", msg("apis.errorResourceCredentials"));
  else if (resource.toLowerCase() === canonicalResource(issuer).toLowerCase()) errors.add("resource", msg("apis.errorResourceIssuer"));
  else if (findApiByAudience(db, resource)) errors.add("resource", msg("apis.errorResourceTaken"));
  return resource;
}

export function createApi(deps: Deps, actor: Actor, input: unknown): Api {
  const errors = new FieldErrors();
  const body = isRecord(input) ? input : {};
  const name = str(errors, body, "name", { required: true, max: 50 });
  const resource = parseResource(errors, deps.db, deps.config.appUrl, str(errors, body, "resource", { required: true }));
  errors.throwIfAny();
  const now = nowSeconds(deps.clock);
  const api: Api = { id: randomUuid(deps.random), name, audience: resource, allowCimdClients: false, createdAt: now, updatedAt: null };
  return auditedChange(
    deps,
    actor,
    () => {
      insertApi(deps.db, api);
      return api;
    },
    () => ({ entity: "api", action: "create", id: api.id, changes: { name, resource } }),
  );
}

export function updateApi(deps: AuditDeps, actor: Actor, id: string, input: unknown): Api {
  const before = getApi(deps.db, id);
  const errors = new FieldErrors();
  const body = isRecord(input) ? input : {};
  const name = str(errors, body, "name", { required: true, max: 50 });
  errors.throwIfAny();
  if (name === before.name) return before;
  return auditedChange(
    deps,
    actor,
    () => {
      renameApi(deps.db, id, name, nowSeconds(deps.clock));
      return getApi(deps.db, id);
    },
    () => ({ entity: "api", action: "update", id, changes: { name: { from: before.name, to: name } } }),
  );
}

export function deleteApi(deps: AuditDeps, actor: Actor, id: string): Api {
  const api = getApi(deps.db, id);
  return auditedChange(
    deps,
    actor,
    () => {
      if (!removeApi(deps.db, id)) throw AppError.notFound(msg("apis.errorNotFound"));
      return api;
    },
    () => ({ entity: "api", action: "delete", id, changes: { name: api.name, resource: api.audience } }),
  );
}

export interface PermissionInput {
  key: string;
  name: string;
  description: string | null;
}

/** Pocket ID's `{permissions: [{key, name, description}]}`, every row's problem named by its index. */
export function parsePermissions(input: unknown): PermissionInput[] {
  const errors = new FieldErrors();
  const body = isRecord(input) ? input : {};
  const raw = body.permissions ?? [];
  if (!Array.isArray(raw)) {
    errors.add("permissions", msg("validation.notList"));
    errors.throwIfAny();
  }
  const seen = new Set<string>();
  const out: PermissionInput[] = [];
  (raw as unknown[]).forEach((row, i) => {
    const at = `permissions[${i}]`;
    if (!isRecord(row)) {
      errors.add(at, msg("apis.errorPermissionNotObject"));
      return;
    }
    const fields = new FieldErrors();
    const key = typeof row.key === "string" ? row.key.trim() : row.key;
    const name = str(fields, row, "name", { required: true, max: 50 });
    const description = str(fields, row, "description", { max: 200 });
    for (const [f, m] of Object.entries(fields.fields)) errors.add(`${at}.${f}`, m);
    if (typeof key !== "string" || key === "") errors.add(`${at}.key`, msg("validation.required"));
    else if (key.length > 128) errors.add(`${at}.key`, msg("validation.tooLong", { max: 128 }));
    else if (!SCOPE_TOKEN.test(key)) errors.add(`${at}.key`, msg("apis.errorPermissionKeyCharacters"));
    else if (isReservedPermissionKey(key)) errors.add(`${at}.key`, msg("apis.errorPermissionKeyReserved"));
    else if (seen.has(key)) errors.add(`${at}.key`, msg("apis.errorPermissionKeyDuplicate"));
    if (typeof key === "string") seen.add(key);
    out.push({ key: typeof key === "string" ? key : "", name, description: description === "" ? null : description });
  });
  errors.throwIfAny();
  return out;
}

/** Replaces an API's permissions with `input` (matched by key); returns the API. */
export function setApiPermissions(deps: AuditDeps, actor: Actor, id: string, input: unknown): Api {
  const api = getApi(deps.db, id);
  const wanted = parsePermissions(input);
  const existing = new Map(listPermissionsOfApi(deps.db, id).map((p) => [p.key, p]));
  const wantedKeys = new Set(wanted.map((p) => p.key));
  const removed = [...existing.values()].filter((p) => !wantedKeys.has(p.key));
  const added = wanted.filter((p) => !existing.has(p.key));
  const changed = wanted.filter((p) => {
    const e = existing.get(p.key);
    return e !== undefined && (e.name !== p.name || e.description !== p.description);
  });
  if (removed.length === 0 && added.length === 0 && changed.length === 0) return api;
  const now = nowSeconds(deps.clock);
  return auditedChange(
    deps,
    actor,
    () => {
      removePermissions(
        deps.db,
        id,
        removed.map((p) => p.id),
      );
      for (const p of changed) updatePermissionText(deps.db, existing.get(p.key)!.id, p.name, p.description);
      // Listed by created_at, then key: permissions added together read alphabetically.
      for (const p of added) {
        insertPermission(deps.db, { id: randomUuid(deps.random), apiId: id, key: p.key, name: p.name, description: p.description, allowedForCimdClients: false, createdAt: now });
      }
      touchApi(deps.db, id, now);
      return getApi(deps.db, id);
    },
    () => ({
      entity: "api",
      action: "set_permissions",
      id,
      changes: { added: added.map((p) => p.key), removed: removed.map((p) => p.key), changed: changed.map((p) => p.key) },
    }),
  );
}

function idList(errors: FieldErrors, body: Record<string, unknown>, field: string): string[] {
  const raw = body[field];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || !raw.every((x) => typeof x === "string" && x !== "")) {
    errors.add(field, msg("validation.notList"));
    return [];
  }
  return [...new Set(raw as string[])];
}

function boolField(errors: FieldErrors, body: Record<string, unknown>, field: string): boolean {
  const raw = body[field];
  if (raw === undefined || raw === null) return false;
  if (typeof raw !== "boolean") {
    errors.add(field, msg("validation.notBoolean"));
    return false;
  }
  return raw;
}

/** Refuses permission ids that are not this API's, naming them. */
function checkOwnPermissions(errors: FieldErrors, field: string, ids: string[], own: Set<string>): void {
  const foreign = ids.filter((p) => !own.has(p));
  if (foreign.length) errors.add(field, msg("apis.errorPermissionsNotOfApi", { ids: foreign.slice(0, 5).join(", ") }));
}

/**
 * Pocket ID's opt-in for clients registered from a Client ID Metadata Document (`{enabled, permissionIds}`): when
 * enabled, every such client may request people's tokens for the API with the selected permissions. The selection
 * is kept while it is off.
 */
export function setApiCimdAccess(deps: AuditDeps, actor: Actor, id: string, input: unknown): Api {
  getApi(deps.db, id);
  const errors = new FieldErrors();
  const body = isRecord(input) ? input : {};
  const enabled = boolField(errors, body, "enabled");
  const permissionIds = idList(errors, body, "permissionIds");
  checkOwnPermissions(errors, "permissionIds", permissionIds, new Set(listPermissionsOfApi(deps.db, id).map((p) => p.id)));
  errors.throwIfAny();
  return auditedChange(
    deps,
    actor,
    () => {
      setCimdAccess(deps.db, id, enabled, permissionIds, nowSeconds(deps.clock));
      return getApi(deps.db, id);
    },
    () => ({ entity: "api", action: "set_cimd_access", id, changes: { enabled, permissionIds } }),
  );
}

/** Pocket ID's `{userDelegatedAccess, clientAccess, userDelegatedPermissionIds, clientPermissionIds}`, checked. */
export function parseClientGrant(db: Database, api: Api, client: OidcClient, input: unknown): ClientApiGrant {
  const errors = new FieldErrors();
  const body = isRecord(input) ? input : {};
  const userDelegatedAccess = boolField(errors, body, "userDelegatedAccess");
  const clientAccess = boolField(errors, body, "clientAccess");
  const userDelegatedPermissionIds = idList(errors, body, "userDelegatedPermissionIds");
  const clientPermissionIds = idList(errors, body, "clientPermissionIds");
  const own = new Set(listPermissionsOfApi(db, api.id).map((p) => p.id));
  checkOwnPermissions(errors, "userDelegatedPermissionIds", userDelegatedPermissionIds, own);
  checkOwnPermissions(errors, "clientPermissionIds", clientPermissionIds, own);
  // A public client cannot use client_credentials: a client grant could never produce a token.
  if (client.isPublic && clientAccess) errors.add("clientAccess", msg("apis.errorPublicClientAccess"));
  if (client.isPublic && clientPermissionIds.length) errors.add("clientPermissionIds", msg("apis.errorPublicClientAccess"));
  errors.throwIfAny();
  return {
    // A permission implies access for its subject type.
    userDelegatedAccess: userDelegatedAccess || userDelegatedPermissionIds.length > 0,
    clientAccess: clientAccess || clientPermissionIds.length > 0,
    userDelegatedPermissionIds,
    clientPermissionIds,
  };
}

/** Replaces what one client may do with one API; returns the grant as applied. */
export function setClientApiAccess(deps: AuditDeps, actor: Actor, apiId: string, clientId: string, input: unknown): ClientApiGrant {
  const api = getApi(deps.db, apiId);
  const client = getClient(deps.db, clientId);
  const grant = parseClientGrant(deps.db, api, client, input);
  return auditedChange(
    deps,
    actor,
    () => {
      replaceClientGrant(deps.db, api.id, client.id, grant);
      return grant;
    },
    () => ({ entity: "api", action: "set_client_access", id: api.id, changes: { clientId: client.id, ...grant } }),
  );
}

/** Revokes every grant one client holds on one API (404 for an unknown API or client). */
export function removeClientApiAccess(deps: AuditDeps, actor: Actor, apiId: string, clientId: string): void {
  const api = getApi(deps.db, apiId);
  const client = getClient(deps.db, clientId);
  auditedChange(
    deps,
    actor,
    () => deleteClientGrant(deps.db, api.id, client.id),
    (had) => (had ? { entity: "api", action: "remove_client_access", id: api.id, changes: { clientId: client.id } } : null),
  );
}

/** One client's grant on one API, with both sides, for lists and pages. */
export interface GrantView {
  api: Api;
  client: OidcClient;
  grant: ClientApiGrant;
  /** What the metadata-document opt-in adds (read-only here: it is set on the API). */
  cimd: CimdFields;
}

const NO_GRANT: ClientApiGrant = { userDelegatedAccess: false, clientAccess: false, userDelegatedPermissionIds: [], clientPermissionIds: [] };

function cimdOf(db: Database, api: Api, client: OidcClient): CimdFields {
  if (!api.allowCimdClients || client.clientType !== "cimd") return { cimdGrantedAccess: false, cimdGrantedPermissionIds: [] };
  return { cimdGrantedAccess: true, cimdGrantedPermissionIds: listCimdPermissionsOfApi(db, api.id).map((p) => p.id) };
}

/** The clients that may use an API (metadata-document clients too when it is open to them), by client name. */
export function listGrantViewsOfApi(db: Database, apiId: string): GrantView[] {
  const api = getApi(db, apiId);
  const grants = listGrantsOnApi(db, api.id);
  const ids = new Set([...grants.keys(), ...(api.allowCimdClients ? listMetadataDocumentClientIds(db) : [])]);
  return [...ids]
    .map((clientId) => ({ clientId, client: findClientById(db, clientId) }))
    .filter((r): r is { clientId: string; client: OidcClient } => r.client !== null)
    .map(({ clientId, client }) => ({ api, client, grant: grants.get(clientId) ?? NO_GRANT, cimd: cimdOf(db, api, client) }))
    .sort((a, b) => a.client.name.localeCompare(b.client.name) || a.client.id.localeCompare(b.client.id));
}

/** The APIs a client may use (those open to it as a metadata-document client too), by API name. */
export function listGrantViewsOfClient(db: Database, clientId: string): GrantView[] {
  const client = getClient(db, clientId);
  const grants = listGrantsOfClient(db, client.id);
  const ids = new Set([...grants.keys(), ...(client.clientType === "cimd" ? listCimdOpenApis(db).map((a) => a.id) : [])]);
  return [...ids]
    .map((apiId) => ({ apiId, api: findApi(db, apiId) }))
    .filter((r): r is { apiId: string; api: Api } => r.api !== null)
    .map(({ apiId, api }) => ({ api, client, grant: grants.get(apiId) ?? NO_GRANT, cimd: cimdOf(db, api, client) }))
    .sort((a, b) => a.api.name.localeCompare(b.api.name) || a.api.id.localeCompare(b.api.id));
}

/** One client's grant on one API (all false when it has none). */
export function findGrantView(db: Database, apiId: string, clientId: string): GrantView {
  const api = getApi(db, apiId);
  const client = getClient(db, clientId);
  return { api, client, grant: listGrantsOnApi(db, api.id).get(client.id) ?? NO_GRANT, cimd: cimdOf(db, api, client) };
}

/** The clients that may use an API, with their grants, by name (Pocket ID's apiClientAccessDto page). */
export function listApiClients(db: Database, apiId: string, q: ListQuery): Page<{ client: ApiClientDto } & ClientApiGrant & CimdFields> {
  const needle = q.search.toLowerCase();
  const rows = listGrantViewsOfApi(db, apiId).filter((r) => r.client.name.toLowerCase().includes(needle));
  if (q.direction === "desc") rows.reverse();
  return toPage(
    rows.slice(q.offset, q.offset + q.limit).map((r) => ({ client: toApiClientDto(r.client), ...r.grant, ...r.cimd })),
    rows.length,
    q,
  );
}

/** Clients holding no grant on the API yet. */
export function listAssignableClients(db: Database, apiId: string, q: ListQuery): Page<ApiClientDto> {
  const api = getApi(db, apiId);
  const { ids, total } = searchClientsWithoutGrant(db, api.id, { search: q.search, limit: q.limit, offset: q.offset, direction: q.direction });
  return toPage(
    ids
      .map((id) => findClientById(db, id))
      .filter((c): c is OidcClient => c !== null)
      .map(toApiClientDto),
    total,
    q,
  );
}

/** Every API a client may use, with its grants, by API name (Pocket ID's clientApiGrantDto list). */
export function listClientApis(db: Database, clientId: string): ({ api: ApiDto } & ClientApiGrant & CimdFields)[] {
  return listGrantViewsOfClient(db, clientId).map((r) => ({ api: toApiDto(db, r.api), ...r.grant, ...r.cimd }));
}

/** Gives a client access to an API for people (the admin pages' "Give access"); an existing grant stays as it is. */
export function addClientToApi(deps: AuditDeps, actor: Actor, apiId: string, clientId: string): GrantView {
  const view = findGrantView(deps.db, apiId, clientId);
  if (view.grant.userDelegatedAccess || view.grant.clientAccess) return view;
  const grant = setClientApiAccess(deps, actor, apiId, clientId, { userDelegatedAccess: true });
  return { ...view, grant };
}

/**
 * Saves an API's page in one transaction: its name and its permissions. Any refusal rolls both back and
 * reports every field's problem.
 */
export function saveApiPage(deps: AuditDeps, actor: Actor, id: string, input: { name: string; permissions: PermissionInput[] }): void {
  getApi(deps.db, id);
  const errors = new FieldErrors();
  deps.db
    .transaction(() => {
      collectFieldErrors(errors, () => updateApi(deps, actor, id, { name: input.name }));
      collectFieldErrors(errors, () => setApiPermissions(deps, actor, id, { permissions: input.permissions }));
      errors.throwIfAny();
    })
    .immediate();
}

/** Whether any API exists (the client page offers to create one when none does). */
export function anyApiExists(db: Database): boolean {
  return searchApis(db, { search: "", limit: 1, offset: 0 }).total > 0;
}

/** APIs the client cannot reach yet. */
export function listAssignableApis(db: Database, clientId: string, q: ListQuery): Page<ApiDto> {
  const client = getClient(db, clientId);
  checkSortColumn(q, API_SORT_COLUMNS);
  const { apis, total } = searchApis(db, { search: q.search, limit: q.limit, offset: q.offset, sort: q.sort, direction: q.direction, excludeClientId: client.id });
  return toPage(
    apis.map((a) => toApiDto(db, a)),
    total,
    q,
  );
}
