/**
 * Client secrets: generated or given (declarative), stored only as hashes, verified at every endpoint
 * that authenticates a client (src/oidc/client-auth.ts).
 * - A generated secret is 32 alphanumerics; a given one follows the rules of givenSecretProblem. Either
 *   is shown once and stored as "sha256:<hex>" with its first 4 characters as the prefix; up to 20 per
 *   client, each with an optional expiry.
 * - Public and private_key_jwt clients have none.
 * - Secrets imported from Pocket ID may be bcrypt hashes (migration 0015): checked only when no sha256
 *   secret matched, off the event loop.
 * - Adding and revoking a secret are audited (ADMIN_CHANGE oidc_client create_secret / revoke_secret: the
 *   secret's id and prefix, never its value).
 */
import type { Database } from "../db/database.ts";
import { FieldErrors } from "../admin/validation.ts";
import { auditedChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import {
  countClientSecrets,
  deleteClientSecretRow,
  findClient,
  findClientSecretByHash,
  hasLiveClientSecretHash,
  insertClientSecret,
  listClientSecretsOf,
  listLiveBcryptSecretHashes,
} from "../db/oidc-clients.ts";
import { AppError } from "../errors.ts";
import { msg, type Message } from "../i18n/message.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { ALPHANUMERIC, randomString, randomUuid, type Random } from "../lib/random.ts";
import { verifyImportedClientSecret } from "../pocket-id/crypto.ts";

export interface ClientSecretInfo {
  id: string;
  prefix: string;
  createdAt: number;
  expiresAt: number | null;
  expired: boolean;
}

export interface CreatedClientSecret extends ClientSecretInfo {
  /** The plaintext secret. Shown once; only its hash is stored. */
  secret: string;
  /** True when the caller gave the value (declarative secret), false when it was generated here. */
  declared: boolean;
}

export const MAX_SECRETS_PER_CLIENT = 20;
const SECRET_LENGTH = 32;
const SECRET_PREFIX_LENGTH = 4;


export function hashClientSecret(secret: string): string {
  return `sha256:${hashToken(secret)}`;
}

/**
 * Declarative secrets (Pocket ID v2.12): an admin or automation may give the value instead of having one
 * generated, so Terraform, Ansible or GitOps can keep the secret it already holds. Rules for a given value:
 * - at least 32 characters (a generated secret has 32 alphanumerics; a given one must not be weaker), at
 *   most 512 (verifyClientSecret refuses longer presented values, so a longer secret could never work);
 * - printable ASCII without spaces, "!" (0x21) to "~" (0x7E): clients send the secret in a Basic
 *   Authorization header and in form bodies, where spaces, control characters and non-ASCII characters
 *   are not carried reliably (trimmed, or encoded in a charset the other side does not expect);
 * - not equal to a secret this client already has (live: it would be the same credential twice; expired:
 *   revoke that one first), nor to another client's secret (each client needs its own; stored hashes are
 *   unique). The value is stored only as its hash, with its first 4 characters as the prefix.
 */
export const MIN_GIVEN_SECRET_LENGTH = 32;
export const MAX_GIVEN_SECRET_LENGTH = 512;

/** What is wrong with a given secret value, or null. The message never repeats the value. */
export function givenSecretProblem(value: string): Message | null {
  if (value.length < MIN_GIVEN_SECRET_LENGTH) return msg("clients.errorSecretTooShort", { min: MIN_GIVEN_SECRET_LENGTH, length: value.length });
  if (value.length > MAX_GIVEN_SECRET_LENGTH) return msg("clients.errorSecretTooLong", { max: MAX_GIVEN_SECRET_LENGTH, length: value.length });
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // Clients send the secret in a Basic Authorization header and in form bodies, where spaces, control
    // and non-ASCII characters are not carried reliably.
    if (c < 0x21 || c > 0x7e) return msg("clients.errorSecretCharacters", { position: i + 1 });
  }
  return null;
}

/**
 * An administrator (or the CLI) adds a secret to a confidential client: generated (32 alphanumerics), or
 * the given `secret` value (see the rules above). The plaintext is returned once; only its hash is stored.
 * `declared` tells which. Throws AppError: not_found; validation_failed (public or private_key_jwt
 * client, value, expiry, limit); conflict (the value is already a secret of this or another client).
 */
export function createClientSecret(deps: AuditDeps, actor: Actor, clientId: string, opts: { expiresAt?: number | null; secret?: string | null } = {}): CreatedClientSecret {
  return auditedChange(
    deps,
    actor,
    () => addClientSecret(deps, clientId, opts),
    // Never the value: the audit log names the secret by id and prefix only.
    (s) => ({ entity: "oidc_client", action: "create_secret", id: clientId, changes: { secretId: s.id, prefix: s.prefix, declared: s.declared } }),
  );
}

/** Adds a secret as part of a change audited as a whole (a new client's first secret). Rules as createClientSecret. */
export function addClientSecret(
  deps: { db: Database; clock: Clock; random: Random },
  clientId: string,
  opts: { expiresAt?: number | null; secret?: string | null } = {},
): CreatedClientSecret {
  const client = findClient(deps.db, clientId);
  if (!client) throw AppError.notFound(msg("clients.errorNotFound"));
  if (client.isPublic) throw AppError.validation(msg("clients.errorPublicNoSecrets"), { secret: msg("clients.errorPublicNoSecrets") });
  if (client.tokenEndpointAuthMethod === "private_key_jwt") {
    const message = msg("clients.errorPrivateKeyJwtSecret");
    throw AppError.validation(message, { secret: message });
  }
  const now = nowSeconds(deps.clock);
  const given = opts.secret === undefined || opts.secret === null || opts.secret === "" ? null : opts.secret;
  const errors = new FieldErrors();
  const valueProblem = given === null ? null : givenSecretProblem(given);
  if (valueProblem) errors.add("secret", valueProblem);
  const expiresAt = opts.expiresAt ?? null;
  if (expiresAt !== null && (!Number.isInteger(expiresAt) || expiresAt <= now)) errors.add("expiresAt", msg("clients.errorExpiryPast"));
  // A problem with the given value alone is the message itself.
  errors.throwIfAny(valueProblem && Object.keys(errors.fields).length === 1 ? valueProblem : undefined);
  if (countClientSecrets(deps.db, clientId) >= MAX_SECRETS_PER_CLIENT) {
    const message = msg("clients.errorTooManySecrets", { max: MAX_SECRETS_PER_CLIENT });
    throw AppError.validation(message, { secret: message });
  }
  const secret = given ?? randomString(deps.random, SECRET_LENGTH, ALPHANUMERIC);
  const hash = hashClientSecret(secret);
  if (given !== null) {
    const same = findClientSecretByHash(deps.db, hash);
    if (same && same.clientId === clientId && (same.expiresAt === null || same.expiresAt > now)) {
      throw AppError.conflict(msg("clients.errorSecretLive", { id: same.id }));
    }
    if (same && same.clientId === clientId) {
      throw AppError.conflict(msg("clients.errorSecretExpired", { id: same.id }));
    }
    if (same) throw AppError.conflict(msg("clients.errorSecretOtherClient"));
  }
  const info = { id: randomUuid(deps.random), prefix: secret.slice(0, SECRET_PREFIX_LENGTH), createdAt: now, expiresAt };
  insertClientSecret(deps.db, { ...info, clientId, hash });
  return { ...info, expired: false, secret, declared: given !== null };
}

export function listClientSecrets(deps: { db: Database; clock: Clock }, clientId: string): ClientSecretInfo[] {
  const now = nowSeconds(deps.clock);
  return listClientSecretsOf(deps.db, clientId).map((s) => ({
    id: s.id,
    prefix: s.prefix,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
    expired: s.expiresAt !== null && s.expiresAt <= now,
  }));
}

/** Revokes one secret. Returns false when the client has no such secret. */
export function revokeClientSecret(deps: AuditDeps, actor: Actor, clientId: string, secretId: string): boolean {
  return auditedChange(
    deps,
    actor,
    () => deleteClientSecretRow(deps.db, clientId, secretId),
    (revoked) => (revoked ? { entity: "oidc_client", action: "revoke_secret", id: clientId, changes: { secretId } } : null),
  );
}

/**
 * verifyClientSecret, then the client's bcrypt secrets imported from Pocket ID (migration 0015): bcrypt is slow by
 * design, so it is tried only when no sha256 secret matched, and off the event loop.
 */
export async function verifyClientSecretOrImported(deps: { db: Database; clock: Clock }, clientId: string, secret: string): Promise<boolean> {
  if (verifyClientSecret(deps, clientId, secret)) return true;
  if (typeof secret !== "string" || secret.length === 0 || secret.length > 512) return false;
  for (const hash of listLiveBcryptSecretHashes(deps.db, clientId, nowSeconds(deps.clock))) {
    if (await verifyImportedClientSecret("bcrypt", hash, secret)) return true;
  }
  return false;
}

/** True when `secret` is one of the client's live (unexpired) secrets. */
export function verifyClientSecret(deps: { db: Database; clock: Clock }, clientId: string, secret: string): boolean {
  if (typeof secret !== "string" || secret.length === 0 || secret.length > 512) return false;
  // The lookup is by hash of the presented value: no timing signal about stored secrets.
  return hasLiveClientSecretHash(deps.db, clientId, hashClientSecret(secret), nowSeconds(deps.clock));
}
