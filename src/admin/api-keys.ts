/**
 * API keys: bearer secrets for the admin REST API (header X-API-Key).
 * - 32 random alphanumerics (Pocket ID's format), shown once; only the SHA-256 is stored.
 * - Every key has a mandatory expiry in the future, at most apiKeyMaxLifetimeDays (application
 *   configuration, default 365) from now; expired keys are refused (401).
 * - Creating or renewing a key needs a browser session with a passkey proof (src/account/reauthentication.ts):
 *   a fresh re-authentication (single-use token) or a passkey sign-in less than a minute ago. A session
 *   from a login code, an emailed code or a sign-up link must re-authenticate first. An API key never
 *   creates or renews keys (the routes refuse X-API-Key), so a key cannot outlive itself by minting another.
 * - Input is validated before the proof is consumed: a typo does not cost the person their proof.
 * - A key acts as its user: the user's admin flag applies at every request, a disabled user's keys stop
 *   working, deleting the user deletes the keys; "sign out everywhere" can revoke them all.
 * - Create, renew and revoke are audited here (ADMIN_CHANGE, entity api_key), whoever calls.
 * - STATIC_API_KEY is a configured admin key without a database user (see authenticateApiKey).
 */
import { msg } from "../i18n/message.ts";
import type { Database } from "../db/database.ts";
import { consumePasskeyProof } from "../account/reauthentication.ts";
import type { Session } from "../account/sessions.ts";
import { actorUserId, recordAdminChange, type Actor, type PersonActor } from "../audit/actor.ts";
import type { AuditOrigin } from "../audit/audit-log.ts";
import type { Geolocator } from "../audit/geolocation.ts";
import type { Config } from "../config.ts";
import { deleteApiKeyOfUser, deleteApiKeysOfUser, findApiKeyByHash, findApiKeyOfUser, insertApiKey, listApiKeysOfUser, replaceApiKeySecret, touchApiKey, type StoredApiKey } from "../db/api-keys.ts";
import { AppError } from "../errors.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken, safeEqual } from "../lib/hash.ts";
import { ALPHANUMERIC, randomString, randomUuid, type Random } from "../lib/random.ts";
import { readAppConfig } from "./app-config.ts";
import { FieldErrors, isRecord, str, timestamp } from "./validation.ts";

/** Pocket ID's fixed id for the STATIC_API_KEY principal. No users row exists for it. */
export const STATIC_API_KEY_USER_ID = "00000000-0000-0000-0000-000000000000";

export interface ApiKey {
  id: string;
  name: string;
  description: string;
  prefix: string;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
}

export type ApiKeyDeps = { db: Database; clock: Clock; random: Random; geo?: Geolocator; config: Pick<Config, "uiConfigDisabled" | "appConfigEnv"> };

/** A person asking for a key: their browser session, the re-authentication token it sent, where from. */
export interface ApiKeyRequester {
  session: Session;
  reauthenticationToken: string | null;
  origin?: AuditOrigin;
}

export function toApiKey(k: StoredApiKey): ApiKey {
  return { id: k.id, name: k.name, description: k.description, prefix: k.prefix, createdAt: k.createdAt, expiresAt: k.expiresAt, lastUsedAt: k.lastUsedAt };
}

/** The configured cap on a key's lifetime, in days. */
export function apiKeyMaxLifetimeDays(deps: Pick<ApiKeyDeps, "db" | "config">): number {
  return readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv }).apiKeyMaxLifetimeDays;
}

/** expiresAt: required, in the future, and within the lifetime cap. */
function expiryOf(deps: Pick<ApiKeyDeps, "db" | "config">, errors: FieldErrors, body: Record<string, unknown>, now: number): number | null {
  const expiresAt = timestamp(errors, body, "expiresAt", { required: true });
  if (expiresAt === null) return null;
  const days = apiKeyMaxLifetimeDays(deps);
  if (expiresAt <= now) errors.add("expiresAt", msg("apiKeys.errExpiryPast"));
  else if (expiresAt > now + days * 86400) errors.add("expiresAt", msg("apiKeys.errExpiryTooFar", { days }));
  return expiresAt;
}

/** The person behind a key request: their browser session. */
function sessionActor(requester: ApiKeyRequester): PersonActor {
  return { kind: "user", userId: requester.session.userId, origin: requester.origin };
}

/**
 * Inserts a validated key for `userId` without asking for a passkey proof: for in-process callers
 * that are already trusted (test fixtures; a future CLI). People go through createApiKey.
 */
export function mintApiKey(deps: ApiKeyDeps, userId: string, input: unknown): { apiKey: ApiKey; token: string } {
  const { fields, now } = validateNewKey(deps, input);
  return insertNewKey(deps, userId, fields, now);
}

function validateNewKey(deps: ApiKeyDeps, input: unknown): { fields: { name: string; description: string; expiresAt: number }; now: number } {
  const errors = new FieldErrors();
  const body = isRecord(input) ? input : {};
  const name = str(errors, body, "name", { required: true, min: 3, max: 50 });
  const description = str(errors, body, "description", { max: 250 });
  const now = nowSeconds(deps.clock);
  const expiresAt = expiryOf(deps, errors, body, now);
  errors.throwIfAny();
  return { fields: { name, description, expiresAt: expiresAt! }, now };
}

function insertNewKey(deps: ApiKeyDeps, userId: string, f: { name: string; description: string; expiresAt: number }, now: number): { apiKey: ApiKey; token: string } {
  const token = randomString(deps.random, 32, ALPHANUMERIC);
  const row: StoredApiKey = {
    id: randomUuid(deps.random),
    name: f.name,
    description: f.description,
    keyHash: hashToken(token),
    prefix: token.slice(0, 4),
    userId,
    createdAt: now,
    expiresAt: f.expiresAt,
    lastUsedAt: null,
  };
  insertApiKey(deps.db, row);
  return { apiKey: toApiKey(row), token };
}

/** Creates a key for the signed-in person: input checked, then the passkey proof consumed, then audited. */
export function createApiKey(deps: ApiKeyDeps, requester: ApiKeyRequester, input: unknown): { apiKey: ApiKey; token: string } {
  const { fields, now } = validateNewKey(deps, input);
  const userId = requester.session.userId;
  return deps.db.transaction(() => {
    consumePasskeyProof(deps, requester.session, requester.reauthenticationToken, "create an API key");
    const created = insertNewKey(deps, userId, fields, now);
    recordAdminChange(deps, sessionActor(requester), { entity: "api_key", action: "create", id: created.apiKey.id, changes: { name: created.apiKey.name, expiresAt: created.apiKey.expiresAt } });
    return created;
  }).immediate();
}

/**
 * Renews an expired key (Pocket ID): a new secret and a new future expiry (within the cap), same name
 * and id; needs the same passkey proof as creating one. Live keys are refused, so a leaked live key
 * cannot be silently extended.
 */
export function renewApiKey(deps: ApiKeyDeps, requester: ApiKeyRequester, id: string, input: unknown): { apiKey: ApiKey; token: string } {
  const userId = requester.session.userId;
  const existing = findApiKeyOfUser(deps.db, id, userId);
  if (!existing) throw AppError.notFound(msg("apiKeys.errNotFound"));
  const now = nowSeconds(deps.clock);
  if (existing.expiresAt > now) throw AppError.validation(msg("apiKeys.errRenewNotExpired"), { id: msg("apiKeys.errRenewNotExpired") });
  const errors = new FieldErrors();
  const expiresAt = expiryOf(deps, errors, isRecord(input) ? input : {}, now);
  errors.throwIfAny();
  return deps.db.transaction(() => {
    consumePasskeyProof(deps, requester.session, requester.reauthenticationToken, "renew an API key");
    const token = randomString(deps.random, 32, ALPHANUMERIC);
    const row = replaceApiKeySecret(deps.db, id, userId, { keyHash: hashToken(token), prefix: token.slice(0, 4), expiresAt: expiresAt! });
    if (!row) throw AppError.notFound(msg("apiKeys.errNotFound"));
    const renewed = { apiKey: toApiKey(row), token };
    recordAdminChange(deps, sessionActor(requester), { entity: "api_key", action: "renew", id: renewed.apiKey.id, changes: { name: renewed.apiKey.name, expiresAt: renewed.apiKey.expiresAt } });
    return renewed;
  }).immediate();
}

export function listApiKeys(db: Database, userId: string): ApiKey[] {
  return listApiKeysOfUser(db, userId).map(toApiKey);
}

/** The person revokes one of their keys (from a session or with one of their keys). The static key has none. */
export function revokeApiKey(deps: ApiKeyDeps, actor: Actor, id: string): ApiKey {
  const userId = actorUserId(actor);
  if (userId === null) throw AppError.notFound(msg("apiKeys.errNotFound"));
  return deps.db.transaction(() => {
    const row = deleteApiKeyOfUser(deps.db, id, userId);
    if (!row) throw AppError.notFound(msg("apiKeys.errNotFound"));
    recordAdminChange(deps, actor, { entity: "api_key", action: "revoke", id: row.id, changes: { name: row.name } });
    return toApiKey(row);
  }).immediate();
}

/** Revokes every key of the person (with "sign out everywhere"); returns how many there were. */
export function revokeAllApiKeysOfUser(deps: ApiKeyDeps, actor: PersonActor): number {
  return deps.db.transaction(() => {
    const rows = deleteApiKeysOfUser(deps.db, actor.userId);
    if (rows.length > 0) recordAdminChange(deps, actor, { entity: "api_key", action: "revoke_all", id: actor.userId, changes: { keys: rows.map((r) => r.name) } });
    return rows.length;
  }).immediate();
}

export function countApiKeysOfUser(db: Database, userId: string): number {
  return listApiKeysOfUser(db, userId).length;
}

export interface ApiKeyPrincipal {
  userId: string;
  isAdmin: boolean;
  apiKeyId: string | null;
  isStatic: boolean;
}

/**
 * Resolves an X-API-Key value. Throws 401 for unknown or expired keys and for disabled users.
 * The static key is compared in constant time; database keys are found by their hash.
 */
export function authenticateApiKey(deps: { db: Database; clock: Clock }, token: string, staticApiKey: string | null): ApiKeyPrincipal {
  if (staticApiKey && safeEqual(token, staticApiKey)) return { userId: STATIC_API_KEY_USER_ID, isAdmin: true, apiKeyId: null, isStatic: true };
  if (token.length === 0 || token.length > 200) throw AppError.unauthenticated(msg("apiKeys.errInvalid"));
  const row = findApiKeyByHash(deps.db, hashToken(token));
  if (!row) throw AppError.unauthenticated(msg("apiKeys.errInvalid"));
  const now = nowSeconds(deps.clock);
  if (row.expiresAt <= now) throw AppError.unauthenticated(msg("apiKeys.errExpired"));
  if (row.disabled) throw AppError.unauthenticated(msg("apiKeys.errUserDisabled"));
  if (row.lastUsedAt === null || now - row.lastUsedAt >= 60) touchApiKey(deps.db, row.id, now);
  return { userId: row.userId, isAdmin: row.isAdmin, apiKeyId: row.id, isStatic: false };
}
