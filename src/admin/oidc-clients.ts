/**
 * Changing OIDC clients: create, update, delete, allowed groups, unrestricted — for the admin pages, the
 * admin API and the CLI. The rules for the settings are in src/oidc/client-input.ts, for secrets in
 * src/oidc/client-secrets.ts; reading is src/oidc/clients.ts.
 * - Restricted by default: a new client admits nobody until groups are allowed or it is unrestricted.
 * - A confidential client is created with its first secret (generated, or given); nothing is written
 *   when anything is refused.
 * - Switching a client to private_key_jwt deletes its secrets, so switching back cannot revive a leaked one.
 * - Every change is audited here (ADMIN_CHANGE oidc_client: what changed, never a secret) for whoever
 *   made it — admin page, API key, static key, CLI — in the change's transaction.
 */
import {
  clientExists,
  deleteAllClientSecretRows,
  deleteClientRow,
  insertClient,
  replaceAllowedGroups,
  setClientGroupRestricted,
  touchClient,
  updateClientLocalSettings,
  updateClientSettings,
} from "../db/oidc-clients.ts";
import { actorUserId, auditedChange, recordAdminChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { nowSeconds } from "../lib/clock.ts";
import { randomUuid } from "../lib/random.ts";
import { checkChosenClientId, groupIdList, validateClientInput, validateLocalClientInput, type ClientInput, type ValidatedClient } from "../oidc/client-input.ts";
import { addClientSecret, type CreatedClientSecret } from "../oidc/client-secrets.ts";
import { findClientById, type OidcClient } from "../oidc/clients.ts";
import { ClientMetadataRefused, refreshClientMetadata, type ClientMetadataDeps } from "../oidc/client-metadata-documents.ts";
import { FieldErrors } from "./validation.ts";
import { replaceFederatedIdentities } from "../db/federated-identities.ts";

/** `config` (absent in some CLI paths) says whether http federated issuers are allowed (ALLOW_INSECURE_CALLBACK_URLS). */
export type ClientDeps = AuditDeps & { config?: { allowInsecureCallbackUrls: boolean } };

const inputOptions = (deps: ClientDeps) => ({ allowInsecureUrls: deps.config?.allowInsecureCallbackUrls ?? false });

/** What the audit log records of a client's settings (create and update); the federated issuers when they changed. */
function settingsOf(c: OidcClient, v?: ValidatedClient) {
  return {
    name: c.name,
    callbackUrls: c.callbackUrls,
    isPublic: c.isPublic,
    pkceEnabled: c.pkceEnabled,
    unrestricted: c.unrestricted,
    ...(v?.federatedIdentities ? { federatedIssuers: v.federatedIdentities.map((f) => f.issuer) } : {}),
  };
}

/**
 * Creates a client. Confidential clients get a first secret, returned here in plaintext once: generated,
 * or `opts.secret` when given (declarative, same rules as createClientSecret; refused for clients that
 * have no secrets). Throws AppError.validation (fields: id, name, callbackUrls, secret, …); nothing is
 * written when anything is refused. The creator is the actor's user (none for the static key and CLI).
 */
export function createClient(deps: ClientDeps, actor: Actor, input: ClientInput, opts: { secret?: string | null } = {}): { client: OidcClient; secret: CreatedClientSecret | null } {
  const v = validateClientInput(deps.db, input, null, inputOptions(deps));
  const secretless = v.isPublic || v.tokenEndpointAuthMethod === "private_key_jwt";
  // Created with federated identities: no secret is generated (they exist to avoid one); a given one is kept.
  const generateSecret = !secretless && !(v.federatedIdentities?.length && !opts.secret);
  if (secretless && opts.secret) {
    const message = v.isPublic ? msg("clients.errorPublicNoSecrets") : msg("clients.errorPrivateKeyJwtNoSecrets");
    throw AppError.validation(message, { secret: message });
  }
  const id = checkChosenClientId(input.id) ?? randomUuid(deps.random);
  const now = nowSeconds(deps.clock);
  return deps.db.transaction(() => {
    if (clientExists(deps.db, id)) {
      throw AppError.validation(msg("validation.summary"), { id: msg("clients.errorIdTaken") });
    }
    insertClient(deps.db, { ...v, id, createdById: actorUserId(actor), createdAt: now, updatedAt: now });
    if (v.allowedGroupIds) replaceAllowedGroups(deps.db, id, v.allowedGroupIds);
    if (v.federatedIdentities) replaceFederatedIdentities(deps.db, id, v.federatedIdentities);
    // A private_key_jwt client never gets a secret: it could not use one.
    // The transaction: a refused given secret leaves no client behind.
    const secret = generateSecret ? addClientSecret(deps, id, { secret: opts.secret ?? null }) : null;
    const client = findClientById(deps.db, id)!;
    recordAdminChange(deps, actor, { entity: "oidc_client", action: "create", id, changes: settingsOf(client, v) });
    return { client, secret };
  }).immediate();
}

/** Updates a client's settings (the id never changes). Fields left undefined keep their value. */
export function updateClient(deps: ClientDeps, actor: Actor, clientId: string, input: ClientInput): OidcClient {
  const current = findClientById(deps.db, clientId);
  if (!current) throw AppError.notFound(msg("clients.errorNotFound"));
  if (current.clientType === "cimd") return updateDocumentClient(deps, actor, current, input);
  const v = validateClientInput(deps.db, input, current, inputOptions(deps));
  const now = nowSeconds(deps.clock);
  return deps.db.transaction(() => {
    updateClientSettings(deps.db, clientId, v, now);
    if (v.allowedGroupIds) replaceAllowedGroups(deps.db, clientId, v.allowedGroupIds);
    if (v.federatedIdentities) replaceFederatedIdentities(deps.db, clientId, v.federatedIdentities);
    // Switching to private_key_jwt: the secrets go, so switching back cannot revive a leaked one.
    if (v.tokenEndpointAuthMethod === "private_key_jwt" && current.tokenEndpointAuthMethod !== "private_key_jwt") deleteAllClientSecretRows(deps.db, clientId);
    const updated = findClientById(deps.db, clientId)!;
    recordAdminChange(deps, actor, { entity: "oidc_client", action: "update", id: clientId, changes: settingsOf(updated, v) });
    return updated;
  }).immediate();
}

/**
 * A client registered by its metadata document: only the administrator's settings change (description, launch URL,
 * re-authentication, consent, who may sign in, token lifetimes, PAR); what the input says about the rest is ignored,
 * as Pocket ID does — the document is the registration (refreshClientMetadata reads it again).
 */
function updateDocumentClient(deps: ClientDeps, actor: Actor, current: OidcClient, input: ClientInput): OidcClient {
  const v = validateLocalClientInput(deps.db, input, current);
  const now = nowSeconds(deps.clock);
  return deps.db.transaction(() => {
    updateClientLocalSettings(deps.db, current.id, v, now);
    if (v.allowedGroupIds) replaceAllowedGroups(deps.db, current.id, v.allowedGroupIds);
    const updated = findClientById(deps.db, current.id)!;
    recordAdminChange(deps, actor, { entity: "oidc_client", action: "update", id: current.id, changes: { description: updated.description, unrestricted: updated.unrestricted, skipConsent: updated.skipConsent } });
    return updated;
  }).immediate();
}

/**
 * Fetches a CIMD client's metadata document now, whatever its freshness (Pocket ID's POST …/refresh). A standard
 * client, a URL no longer on the allowlist or a refused document is a 400 saying why; the stored client is then
 * left as it was.
 */
export async function refreshDocumentClient(deps: ClientDeps & ClientMetadataDeps, actor: Actor, clientId: string): Promise<OidcClient> {
  const current = findClientById(deps.db, clientId);
  if (!current) throw AppError.notFound(msg("clients.errorNotFound"));
  if (current.clientType !== "cimd") throw AppError.badRequest(msg("clients.errorNotDocument"));
  let refreshed: OidcClient;
  try {
    refreshed = await refreshClientMetadata(deps, clientId);
  } catch (e) {
    if (e instanceof ClientMetadataRefused) throw AppError.badRequest(msg("clients.errorRefresh", { reason: e.reason }));
    throw e;
  }
  recordAdminChange(deps, actor, { entity: "oidc_client", action: "refresh_metadata", id: clientId, changes: { name: refreshed.name, callbackUrls: refreshed.callbackUrls } });
  return refreshed;
}

/** Deletes a client with its secrets, consents, codes and tokens. Returns it, or null when it did not exist. */
export function deleteClient(deps: ClientDeps, actor: Actor, clientId: string): OidcClient | null {
  return auditedChange(
    deps,
    actor,
    () => {
      const client = findClientById(deps.db, clientId);
      return client && deleteClientRow(deps.db, client.id) ? client : null;
    },
    (client) => (client ? { entity: "oidc_client", action: "delete", id: client.id, changes: { name: client.name } } : null),
  );
}

/** Replaces the groups whose members may use the client. */
export function setAllowedGroups(deps: ClientDeps, actor: Actor, clientId: string, groupIds: string[]): OidcClient {
  if (!clientExists(deps.db, clientId)) throw AppError.notFound(msg("clients.errorNotFound"));
  const errors = new FieldErrors();
  const ids = groupIdList(deps.db, errors, groupIds);
  errors.throwIfAny();
  return auditedChange(
    deps,
    actor,
    () => {
      replaceAllowedGroups(deps.db, clientId, ids);
      touchClient(deps.db, clientId, nowSeconds(deps.clock));
      return findClientById(deps.db, clientId)!;
    },
    () => ({ entity: "oidc_client", action: "set_allowed_groups", id: clientId, changes: { userGroupIds: ids } }),
  );
}

/** Unrestricted: every user may use the client, whatever their groups. */
export function setUnrestricted(deps: ClientDeps, actor: Actor, clientId: string, unrestricted: boolean): OidcClient {
  return auditedChange(
    deps,
    actor,
    () => {
      if (!setClientGroupRestricted(deps.db, clientId, !unrestricted, nowSeconds(deps.clock))) throw AppError.notFound(msg("clients.errorNotFound"));
      return findClientById(deps.db, clientId)!;
    },
    () => ({ entity: "oidc_client", action: unrestricted ? "unrestrict" : "restrict", id: clientId }),
  );
}
