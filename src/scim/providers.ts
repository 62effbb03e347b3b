/**
 * SCIM service providers (Pocket ID's scim_service_providers): one SCIM 2.0 server per OIDC client.
 * - endpoint: an absolute http(s) URL without credentials, query, fragment, whitespace or control characters,
 *   stored as the WHATWG parser writes it (lower-case scheme and host, dot segments resolved, backslashes as
 *   slashes, Unicode hosts in punycode) and without a trailing slash.
 * - token: the bearer token, sealed with ENCRYPTION_KEY for this row (./token.ts) and never shown again: the
 *   API and the page only say whether one is stored. On update an absent (or null) token keeps the stored one;
 *   "" removes it. At most 4096 characters, no whitespace or control characters (it goes into a header).
 * - A client has at most one provider (409 otherwise); an unknown client is 404, as Pocket ID.
 * - Moving a provider to another endpoint or client forgets what the old server held (the ids mean nothing to
 *   the new one); deleting a provider leaves the remote resources in place, as Pocket ID.
 * - Every change, and every sync an administrator asks for, is audited (ADMIN_CHANGE scim_service_provider),
 *   never with the token. A saved provider is synced within a minute (the due-sync job, ./scim-jobs.ts).
 */
import { auditedChange, recordAdminChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import { clientExists, findClient } from "../db/oidc-clients.ts";
import {
  clearProvisionedResources,
  deleteScimProviderById,
  findScimProviderByClient,
  findScimProviderById,
  insertScimProvider,
  saveScimProviderSettings,
  type ScimProvider,
} from "../db/scim.ts";
import { isoTime } from "../admin/pagination.ts";
import { FieldErrors, isRecord } from "../admin/validation.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { nowSeconds } from "../lib/clock.ts";
import { randomUuid } from "../lib/random.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { emptyCounts, syncScimProvider, type ScimSyncDeps, type SyncCounts, type SyncResult } from "./sync.ts";
import { tokenPurpose } from "./token.ts";

export type ScimAdminDeps = AuditDeps & { box: SealedBox };

export const MAX_ENDPOINT_LENGTH = 2048;
export const MAX_TOKEN_LENGTH = 4096;

export interface ScimProviderInput {
  endpoint?: unknown;
  token?: unknown;
  oidcClientId?: unknown;
}

/** The endpoint as stored, or null when it is not acceptable (see the file header). */
export function normaliseEndpoint(raw: string): string | null {
  // Whitespace and control characters are refused, not left to the URL parser (it drops tabs and newlines).
  if (raw.length > MAX_ENDPOINT_LENGTH || /[\u0000-\u0020\u007f-\u009f]/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password || url.search || url.hash || raw.includes("#") || raw.includes("?")) return null;
  return url.href.replace(/\/+$/, "");
}

interface Validated {
  endpoint: string;
  oidcClientId: string;
  /** undefined: keep; null: none; a string: this token. */
  token: string | null | undefined;
}

function validate(deps: ScimAdminDeps, input: unknown, creating: boolean, current: ScimProvider | null): Validated {
  const body: ScimProviderInput = isRecord(input) ? input : {};
  const errors = new FieldErrors();

  let endpoint = current?.endpoint ?? "";
  if (body.endpoint !== undefined || creating) {
    if (typeof body.endpoint !== "string" || body.endpoint.trim() === "") errors.add("endpoint", msg("validation.required"));
    else {
      const n = normaliseEndpoint(body.endpoint.trim());
      if (n === null) errors.add("endpoint", body.endpoint.trim().length > MAX_ENDPOINT_LENGTH ? msg("validation.tooLong", { max: MAX_ENDPOINT_LENGTH }) : msg("scim.errorEndpointInvalid"));
      else endpoint = n;
    }
  }

  let token: string | null | undefined = creating ? null : undefined;
  if (body.token !== undefined && body.token !== null) {
    if (typeof body.token !== "string") errors.add("token", msg("validation.notText"));
    else {
      const v = body.token.trim();
      if (v.length > MAX_TOKEN_LENGTH || /[\s\u0000-\u001f\u007f]/.test(v)) errors.add("token", msg("scim.errorTokenInvalid"));
      else token = v === "" ? null : v;
    }
  }

  let oidcClientId = current?.oidcClientId ?? "";
  if (body.oidcClientId !== undefined || creating) {
    if (typeof body.oidcClientId !== "string" || body.oidcClientId.trim() === "") errors.add("oidcClientId", msg("validation.required"));
    else oidcClientId = body.oidcClientId.trim();
  }
  errors.throwIfAny();
  if (!clientExists(deps.db, oidcClientId)) throw AppError.notFound(msg("clients.errorNoSuchClient"));
  const other = findScimProviderByClient(deps.db, oidcClientId);
  if (other && other.id !== current?.id) throw AppError.conflict(msg("scim.errorClientTaken"));
  return { endpoint, oidcClientId, token };
}

export function getScimProvider(db: AuditDeps["db"], id: string): ScimProvider {
  const p = findScimProviderById(db, id);
  if (!p) throw AppError.notFound(msg("scim.errorNoSuchProvider"));
  return p;
}

/** The provider of a client, or null when it has none. */
export function findScimProviderOfClient(db: AuditDeps["db"], clientId: string): ScimProvider | null {
  return findScimProviderByClient(db, clientId);
}

/** The provider of a client; 404 when the client or its provider does not exist. */
export function getScimProviderOfClient(db: AuditDeps["db"], clientId: string): ScimProvider {
  if (!clientExists(db, clientId)) throw AppError.notFound(msg("clients.errorNoSuchClient"));
  const p = findScimProviderByClient(db, clientId);
  if (!p) throw AppError.notFound(msg("scim.errorNoSuchProvider"));
  return p;
}

export function createScimProvider(deps: ScimAdminDeps, actor: Actor, input: unknown): ScimProvider {
  return auditedChange(
    deps,
    actor,
    () => {
      const v = validate(deps, input, true, null);
      const id = randomUuid(deps.random);
      const sealedToken = v.token ? deps.box.seal(tokenPurpose(id), v.token) : null;
      insertScimProvider(deps.db, { id, oidcClientId: v.oidcClientId, endpoint: v.endpoint, sealedToken, now: nowSeconds(deps.clock), dueAt: deps.clock.now() });
      return findScimProviderById(deps.db, id)!;
    },
    (p) => ({ entity: "scim_service_provider", action: "create", id: p.id, changes: { oidcClientId: p.oidcClientId, endpoint: p.endpoint, token: p.sealedToken ? "set" : "none" } }),
  );
}

export function updateScimProvider(deps: ScimAdminDeps, actor: Actor, id: string, input: unknown): ScimProvider {
  return auditedChange(
    deps,
    actor,
    () => {
      const current = getScimProvider(deps.db, id);
      const v = validate(deps, input, false, current);
      const sealedToken = v.token === undefined ? undefined : v.token === null ? null : deps.box.seal(tokenPurpose(id), v.token);
      saveScimProviderSettings(deps.db, id, { oidcClientId: v.oidcClientId, endpoint: v.endpoint, sealedToken, now: nowSeconds(deps.clock), dueAt: deps.clock.now() });
      if (v.endpoint !== current.endpoint || v.oidcClientId !== current.oidcClientId) clearProvisionedResources(deps.db, id);
      const changes: Record<string, unknown> = {};
      if (v.endpoint !== current.endpoint) changes.endpoint = v.endpoint;
      if (v.oidcClientId !== current.oidcClientId) changes.oidcClientId = v.oidcClientId;
      if (v.token !== undefined) changes.token = v.token === null ? "removed" : "replaced";
      return { provider: findScimProviderById(deps.db, id)!, changes };
    },
    (r) => ({ entity: "scim_service_provider", action: "update", id, changes: r.changes }),
  ).provider;
}

export function deleteScimProvider(deps: ScimAdminDeps, actor: Actor, id: string): void {
  auditedChange(
    deps,
    actor,
    () => {
      const p = getScimProvider(deps.db, id);
      deleteScimProviderById(deps.db, id);
      return p;
    },
    (p) => ({ entity: "scim_service_provider", action: "delete", id, changes: { oidcClientId: p.oidcClientId } }),
  );
}

/**
 * "Sync now": audited, then run here and now (Pocket ID answers when it is done), putting every resource back
 * as we have it. 409 while another sync of it runs (here or on another instance).
 */
export async function syncScimProviderNow(deps: ScimSyncDeps & ScimAdminDeps, actor: Actor, id: string): Promise<Extract<SyncResult, { outcome: "ok" | "failed" }>> {
  getScimProvider(deps.db, id);
  deps.db.transaction(() => recordAdminChange(deps, actor, { entity: "scim_service_provider", action: "sync", id })).immediate();
  const r = await syncScimProvider(deps, id, { force: true });
  if (r.outcome === "not_found") throw AppError.notFound(msg("scim.errorNoSuchProvider"));
  if (r.outcome === "busy") throw AppError.conflict(msg("scim.errorSyncBusy"));
  return r;
}

export interface ScimProviderStatus {
  lastAttemptAt: string | null;
  lastSyncedAt: string | null;
  lastError: string | null;
  counts: SyncCounts | null;
  running: boolean;
}

export function scimStatus(p: ScimProvider, nowMs: number): ScimProviderStatus {
  let counts: SyncCounts | null = null;
  if (p.lastCounts) {
    try {
      counts = { ...emptyCounts(), ...(JSON.parse(p.lastCounts) as Partial<SyncCounts>) };
    } catch {
      counts = null;
    }
  }
  return {
    lastAttemptAt: isoTime(p.lastAttemptAt),
    lastSyncedAt: isoTime(p.lastSyncedAt),
    lastError: p.lastError,
    counts,
    running: p.claimedBy !== null && (p.claimExpiresAt ?? 0) > nowMs,
  };
}

/** Pocket ID's ScimServiceProviderDTO without its token (never given back), plus hasToken and the sync status. */
export function scimProviderDto(deps: Pick<ScimAdminDeps, "db" | "clock">, p: ScimProvider) {
  const c = findClient(deps.db, p.oidcClientId);
  return {
    id: p.id,
    endpoint: p.endpoint,
    hasToken: p.sealedToken !== null,
    lastSyncedAt: isoTime(p.lastSyncedAt),
    oidcClientId: p.oidcClientId,
    oidcClient: {
      id: p.oidcClientId,
      name: c?.name ?? "",
      description: c?.description ?? "",
      hasLogo: c?.hasLogo ?? false,
      hasDarkLogo: c?.hasDarkLogo ?? false,
      launchURL: c?.launchUrl ?? null,
      requiresReauthentication: c?.requiresReauthentication ?? false,
      clientType: "standard",
    },
    createdAt: isoTime(p.createdAt),
    status: scimStatus(p, deps.clock.now()),
  };
}
