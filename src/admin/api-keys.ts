/**
 * API keys: bearer secrets for the admin REST API (header X-API-Key).
 * - 32 random alphanumerics (Pocket ID's format), shown once; only the SHA-256 is stored.
 * - Every key has a mandatory expiry in the future; expired keys are refused (401).
 * - A key acts as its user: the user's admin flag applies, a disabled user's keys stop working.
 * - STATIC_API_KEY is a configured admin key without a database user (see authenticateApiKey).
 */
import type { Database } from "bun:sqlite";
import { deleteApiKeyOfUser, findApiKeyByHash, findApiKeyOfUser, insertApiKey, listApiKeysOfUser, replaceApiKeySecret, touchApiKey, type ApiKeyRow } from "../db/api-keys.ts";
import { AppError } from "../errors.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken, safeEqual } from "../lib/hash.ts";
import { ALPHANUMERIC, randomString, randomUuid, type Random } from "../lib/random.ts";
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

export function toApiKey(row: ApiKeyRow): ApiKey {
  return { id: row.id, name: row.name, description: row.description, prefix: row.prefix, createdAt: row.created_at, expiresAt: row.expires_at, lastUsedAt: row.last_used_at };
}

export function createApiKey(deps: { db: Database; clock: Clock; random: Random }, userId: string, input: unknown): { apiKey: ApiKey; token: string } {
  const errors = new FieldErrors();
  const body = isRecord(input) ? input : {};
  const name = str(errors, body, "name", { required: true, min: 3, max: 50 });
  const description = str(errors, body, "description", { max: 250 });
  const expiresAt = timestamp(errors, body, "expiresAt", { required: true });
  const now = nowSeconds(deps.clock);
  if (expiresAt !== null && expiresAt <= now) errors.add("expiresAt", "must be in the future");
  errors.throwIfAny();
  const token = randomString(deps.random, 32, ALPHANUMERIC);
  const row: ApiKeyRow = {
    id: randomUuid(deps.random),
    name,
    description,
    key_hash: hashToken(token),
    prefix: token.slice(0, 4),
    user_id: userId,
    created_at: now,
    expires_at: expiresAt!,
    last_used_at: null,
  };
  insertApiKey(deps.db, row);
  return { apiKey: toApiKey(row), token };
}

/**
 * Renews an expired key (Pocket ID): a new secret and a new future expiry, same name and id.
 * Live keys are refused, so a leaked live key cannot be silently extended.
 */
export function renewApiKey(deps: { db: Database; clock: Clock; random: Random }, userId: string, id: string, input: unknown): { apiKey: ApiKey; token: string } {
  const existing = findApiKeyOfUser(deps.db, id, userId);
  if (!existing) throw AppError.notFound("No such API key.");
  const now = nowSeconds(deps.clock);
  if (existing.expires_at > now) throw AppError.validation("Only expired keys can be renewed; create a new key instead.", { id: "has not expired" });
  const errors = new FieldErrors();
  const expiresAt = timestamp(errors, isRecord(input) ? input : {}, "expiresAt", { required: true });
  if (expiresAt !== null && expiresAt <= now) errors.add("expiresAt", "must be in the future");
  errors.throwIfAny();
  const token = randomString(deps.random, 32, ALPHANUMERIC);
  const row = replaceApiKeySecret(deps.db, id, userId, { key_hash: hashToken(token), prefix: token.slice(0, 4), expires_at: expiresAt! });
  if (!row) throw AppError.notFound("No such API key.");
  return { apiKey: toApiKey(row), token };
}

export function listApiKeys(db: Database, userId: string): ApiKey[] {
  return listApiKeysOfUser(db, userId).map(toApiKey);
}

export function revokeApiKey(db: Database, userId: string, id: string): ApiKey {
  const row = deleteApiKeyOfUser(db, id, userId);
  if (!row) throw AppError.notFound("No such API key.");
  return toApiKey(row);
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
  if (token.length === 0 || token.length > 200) throw AppError.unauthenticated("The API key is not valid.");
  const row = findApiKeyByHash(deps.db, hashToken(token));
  if (!row) throw AppError.unauthenticated("The API key is not valid.");
  const now = nowSeconds(deps.clock);
  if (row.expires_at <= now) throw AppError.unauthenticated("The API key has expired.");
  if (row.disabled === 1) throw AppError.unauthenticated("The API key's user is disabled.");
  if (row.last_used_at === null || now - row.last_used_at >= 60) touchApiKey(deps.db, row.id, now);
  return { userId: row.user_id, isAdmin: row.is_admin === 1, apiKeyId: row.id, isStatic: false };
}
