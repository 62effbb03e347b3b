/**
 * `latchkey export --format pocket-id`: Latchkey's data as the ZIP Pocket ID v2.14's `pocket-id import` restores
 * (reference pocket-id-storage.md §4; the reading side is export-archive.ts).
 * - database.json = {provider: "sqlite", version: 20260814120000 (v2.14's schema), tables, tableOrder}; a table
 *   with no rows is left out, as Pocket ID does. Values are encoded by the column's type in Pocket ID's schema:
 *   BLOB/JSON columns base64 (std), DATETIME RFC 3339 (UTC, "Z"), BOOLEAN JSON booleans, INTEGER numbers, the rest
 *   strings; NULL null. Column names are exactly Pocket ID's (tests load the file into its v2.14 schema).
 * - Ids are kept: user ids (the `sub` and the WebAuthn user handle), client ids, group ids, passkey credential ids
 *   (raw bytes), COSE keys and backup flags, so passkeys, tokens' subjects and apps keep working.
 * - Client secrets are kept as hashes in Pocket ID's `credentials` document ({secrets: [{id, alg, hash, prefix,
 *   createdAt, expiresAt}]}): Latchkey's "sha256:<hex>" is Pocket ID's sha256, imported "bcrypt:" hashes stay bcrypt.
 *   Federated identities go in the same document's federatedIdentities, in Pocket ID's JSON.
 * - The signing key (the current one: Pocket ID keeps exactly one) is written as Pocket ID stores it, kv
 *   `jwt_private_key.json` sealed under the KEK of a new instance id (kv `instance_id`), with the ENCRYPTION_KEY
 *   Pocket ID will run with (POCKET_ID_ENCRYPTION_KEY, else ENCRYPTION_KEY, raw bytes); without one it is left out.
 * - API resources, their permissions and the clients' grants (v2.10+ tables, v2.14's grant layout), ids kept.
 * - SCIM service providers: the bearer token opened with Latchkey's key and written as Pocket ID's EncryptedString
 *   under the ENCRYPTION_KEY Pocket ID will run with (without one, a provider with a token is left out); the sync
 *   status and what the remote server holds have no place in Pocket ID.
 * - francis.bin: the Francis backup stream (header, then one state record) holding the AppConfig actor's state,
 *   where Pocket ID v2.12+ keeps its configuration: a MessagePack map of its Go field names to string values.
 * - uploads/: profile pictures (PNG only, as Pocket ID serves them), client logos, branding images (the default
 *   profile picture among them), at Pocket ID's paths.
 * - Whatever has no place in Pocket ID (or cannot be carried, like tokens Latchkey keeps only as hashes Pocket ID
 *   cannot check) is reported in `leftOut`; nothing is dropped silently.
 */
import { createHash } from "node:crypto";
import type { JWK } from "jose";
import { APP_CONFIG_DEFINITIONS, buildAppConfig } from "../admin/app-config.ts";
import { sealPurposeOf } from "../admin/app-config-admin.ts";
import { listAppConfigEntries } from "../db/app-config.ts";
import { findAppImage, type AppImageName } from "../db/app-images.ts";
import { listFederatedIdentities } from "../db/federated-identities.ts";
import { federatedIdentityJson } from "../oidc/federated-identities.ts";
import type { Database } from "../db/database.ts";
import {
  countUnexportedState,
  listAllowedGroupsForExport,
  listApiKeysForExport,
  listAuditLogsForExport,
  listApisForExport,
  listClaimsForExport,
  listClientSecretsForExport,
  listClientsForExport,
  listConsentsForExport,
  listCredentialsForExport,
  listGroupsForExport,
  listMembershipsForExport,
  listProfilePicturesForExport,
  listUsersForExport,
} from "../db/pocket-id-export-rows.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { randomUuid, type Random } from "../lib/random.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { exportCurrentSigningKey } from "../oidc/signing-keys.ts";
import { encryptPocketIdEncryptedString, encryptPocketIdJwk } from "./crypto.ts";
import { listScimProviders } from "../db/scim.ts";
import { tokenPurpose } from "../scim/token.ts";
import { GO_FIELD_JSON_EXCEPTIONS } from "./importer.ts";

/** schema_migrations.version of Pocket ID v2.14, the schema every table and column below belongs to. */
export const POCKET_ID_EXPORT_SCHEMA_VERSION = 20260814120000;
/** Pocket ID's own insertion order for tables with foreign keys (export_service.go). */
const TABLE_ORDER = ["users", "user_groups", "oidc_clients", "oauth2_sessions", "signup_tokens", "apis", "api_permissions", "oidc_clients_allowed_apis", "oidc_clients_allowed_api_permissions"];
/** The events Pocket ID's audit log knows (model/audit_log.go); Latchkey's others would show as raw names there. */
const POCKET_ID_AUDIT_EVENTS = new Set([
  "SIGN_IN",
  "TOKEN_SIGN_IN",
  "REMOTE_SIGN_IN",
  "ACCOUNT_CREATED",
  "CLIENT_AUTHORIZATION",
  "NEW_CLIENT_AUTHORIZATION",
  "DEVICE_CODE_AUTHORIZATION",
  "NEW_DEVICE_CODE_AUTHORIZATION",
  "PASSKEY_ADDED",
  "PASSKEY_REMOVED",
]);
/** AppConfigModel's JSON names (appconfig/model.go) Latchkey has a setting for. */
const POCKET_ID_CONFIG_KEYS = [
  "appName",
  "sessionDuration",
  "homePageUrl",
  "emailsVerified",
  "accentColor",
  "disableAnimations",
  "allowOwnAccountEdit",
  "allowUserSignups",
  "signupDefaultUserGroupIDs",
  "signupDefaultCustomClaims",
  "requireUserEmail",
  "smtpHost",
  "smtpPort",
  "smtpFrom",
  "smtpUser",
  "smtpPassword",
  "smtpTls",
  "smtpSkipCertVerify",
  "emailLoginNotificationEnabled",
  "emailOneTimeAccessAsUnauthenticatedEnabled",
  "emailOneTimeAccessAsAdminEnabled",
  "emailApiKeyExpirationEnabled",
  "emailVerificationEnabled",
  "ldapEnabled",
  "ldapUrl",
  "ldapBindDn",
  "ldapBindPassword",
  "ldapBase",
  "ldapUserSearchFilter",
  "ldapUserGroupSearchFilter",
  "ldapSkipCertVerify",
  "ldapAttributeUserUniqueIdentifier",
  "ldapAttributeUserUsername",
  "ldapAttributeUserEmail",
  "ldapAttributeUserFirstName",
  "ldapAttributeUserLastName",
  "ldapAttributeUserDisplayName",
  "ldapAttributeUserProfilePicture",
  "ldapAttributeGroupMember",
  "ldapAttributeGroupUniqueIdentifier",
  "ldapAttributeGroupName",
  "ldapAdminGroupName",
  "ldapSoftDeleteUsers",
  "webauthnUserVerification",
  "webauthnAllowSyncedPasskeys",
  "webauthnAuthenticatorAttachment",
] as const;
const BRANDING: [AppImageName, string][] = [
  ["logo-light", "logoLight"],
  ["logo-dark", "logoDark"],
  ["logo-email", "logoEmail"],
  ["favicon", "favicon"],
  ["background", "background"],
  ["default-profile-picture", "default-profile-picture"],
];
/** File extensions Pocket ID serves images by (utils/file_util.go GetImageMimeType). */
const EXTENSION_OF: Record<string, string> = { "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/svg+xml": "svg", "image/x-icon": "ico" };
/** Pocket ID's ValidateClientID: other ids keep their logos under a hash of the id (oidcClientImagePath). */
const PLAIN_CLIENT_ID = /^[a-zA-Z0-9._-]+$/;

export interface PocketIdExportDeps {
  db: Database;
  clock: Clock;
  random: Random;
  box: SealedBox;
}

export interface PocketIdExportResult {
  /** The ZIP archive. */
  data: Uint8Array;
  /** Rows per Pocket ID table, and files under uploads/. */
  counts: Record<string, number>;
  /** Everything not carried over, one line each, saying why. */
  leftOut: string[];
}

type Row = Record<string, string | number | boolean | null>;

const time = (seconds: number | null) => (seconds === null ? null : new Date(Number(seconds) * 1000).toISOString().replace(/\.000Z$/, "Z"));
const bytes = (b: Uint8Array) => Buffer.from(b).toString("base64");
const jsonBytes = (text: string) => Buffer.from(text, "utf8").toString("base64");
const bool = (n: number | boolean) => Number(n) !== 0;

/** Latchkey's JSON list columns hold arrays of strings; anything else is written as an empty list. */
function stringList(text: string): string[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** Pocket ID's audit data is a map of strings (AuditLogData): other values are written as their JSON. */
function auditDataOf(text: string): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return {};
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== null && x !== undefined).map(([k, x]) => [k, typeof x === "string" ? x : JSON.stringify(x)]));
}

/** The configuration as Pocket ID's AppConfig actor state: Go field name → string, for the keys both know. */
function appConfigState(deps: PocketIdExportDeps, leftOut: string[]): { state: Record<string, string>; count: number } {
  const stored = listAppConfigEntries(deps.db);
  const { config } = buildAppConfig(Object.fromEntries(stored.map((r) => [r.key, r.value])), false);
  const state: Record<string, string> = {};
  const exceptions = Object.fromEntries(Object.entries(GO_FIELD_JSON_EXCEPTIONS).map(([go, json]) => [json, go]));
  for (const key of POCKET_ID_CONFIG_KEYS) {
    const d = APP_CONFIG_DEFINITIONS[key] as { kind: string; sensitive?: boolean };
    let value = (config as Record<string, unknown>)[key];
    if (d.sensitive && typeof value === "string" && value !== "") value = deps.box.openText(sealPurposeOf(key), value);
    state[exceptions[key] ?? key.charAt(0).toUpperCase() + key.slice(1)] = d.kind === "json" ? JSON.stringify(value) : String(value);
  }
  const known = new Set<string>(POCKET_ID_CONFIG_KEYS);
  for (const r of stored) if (!known.has(r.key) && Object.hasOwn(APP_CONFIG_DEFINITIONS, r.key)) leftOut.push(`setting ${r.key}: Pocket ID has no such setting`);
  return { state, count: POCKET_ID_CONFIG_KEYS.length };
}

/** Builds the archive. `encryptionKey` = the ENCRYPTION_KEY bytes Pocket ID will run with (null: no signing key). */
export async function buildPocketIdExport(deps: PocketIdExportDeps, opts: { encryptionKey: Uint8Array | null }): Promise<PocketIdExportResult> {
  const now = nowSeconds(deps.clock);
  const leftOut: string[] = [];
  const tables: Record<string, Row[]> = {};
  const uploads: Record<string, Uint8Array> = {};
  const add = (table: string, row: Row) => (tables[table] ??= []).push(row);
  let actorState: Record<string, string> = {};

  // Everything is read in one transaction: one consistent point in time, as Pocket ID's export.
  deps.db.transaction(() => {
    for (const u of listUsersForExport(deps.db)) {
      add("users", {
        id: u.id,
        created_at: time(u.created_at),
        updated_at: time(u.updated_at),
        username: u.username,
        email: u.email,
        first_name: u.first_name,
        last_name: u.last_name,
        display_name: u.display_name,
        is_admin: bool(u.is_admin),
        ldap_id: u.ldap_id,
        locale: u.locale,
        disabled: bool(u.disabled),
        email_verified: bool(u.email_verified),
      });
    }
    for (const c of listCredentialsForExport(deps.db)) {
      add("webauthn_credentials", {
        id: c.id,
        created_at: time(c.created_at),
        name: c.name,
        credential_id: bytes(Buffer.from(c.credential_id, "base64url")),
        public_key: bytes(c.public_key),
        attestation_type: "none",
        transport: jsonBytes(JSON.stringify(stringList(c.transports))),
        user_id: c.user_id,
        backup_eligible: bool(c.backup_eligible),
        backup_state: bool(c.backup_state),
      });
    }
    for (const p of listProfilePicturesForExport(deps.db)) {
      // Pocket ID keeps every picture as <id>.png and serves it as PNG.
      if (p.content_type === "image/png") uploads[`uploads/profile-pictures/${p.user_id}.png`] = new Uint8Array(p.data);
      else leftOut.push(`profile picture of user ${p.user_id}: ${p.content_type}, and Pocket ID keeps PNG pictures only`);
    }
    for (const g of listGroupsForExport(deps.db)) {
      add("user_groups", { id: g.id, created_at: time(g.created_at), friendly_name: g.friendly_name, name: g.name, ldap_id: g.ldap_id, updated_at: time(g.updated_at) });
    }
    for (const m of listMembershipsForExport(deps.db)) add("user_groups_users", { user_id: m.user_id, user_group_id: m.user_group_id });
    for (const c of listClaimsForExport(deps.db)) add("custom_claims", { id: c.id, created_at: null, key: c.key, value: c.value, user_id: c.user_id, user_group_id: c.user_group_id });

    const secrets = Map.groupBy(listClientSecretsForExport(deps.db), (s) => s.client_id);
    for (const c of listClientsForExport(deps.db)) {
      const storageId = PLAIN_CLIENT_ID.test(c.id) ? c.id : `cimd-${createHash("sha256").update(c.id, "utf8").digest("hex")}`;
      const logo = (data: Uint8Array | null, type: string | null, dark: boolean): string | null => {
        if (!data || !type) return null;
        const ext = EXTENSION_OF[type];
        if (!ext) {
          leftOut.push(`client ${c.id}: its ${dark ? "dark " : ""}logo is ${type}, which Pocket ID does not serve`);
          return null;
        }
        uploads[`uploads/oidc-client-images/${storageId}${dark ? "-dark" : ""}.${ext}`] = new Uint8Array(data);
        return ext;
      };
      const list: Record<string, string>[] = [];
      for (const s of secrets.get(c.id) ?? []) {
        const [alg, hash] = [s.hash.slice(0, s.hash.indexOf(":")), s.hash.slice(s.hash.indexOf(":") + 1)];
        if ((alg === "sha256" && /^[0-9a-f]{64}$/.test(hash)) || (alg === "bcrypt" && hash.startsWith("$2"))) {
          list.push({ id: s.id, alg, hash, ...(s.prefix ? { prefix: s.prefix } : {}), createdAt: time(s.created_at)!, ...(s.expires_at !== null ? { expiresAt: time(s.expires_at)! } : {}) });
        } else leftOut.push(`client ${c.id}: secret ${s.prefix || s.id} is hashed in a way Pocket ID does not check`);
      }
      if (c.token_endpoint_auth_method === "private_key_jwt" || c.jwks || c.jwks_uri) {
        leftOut.push(`client ${c.id}: its private_key_jwt keys (jwks${c.jwks_uri ? "_uri" : ""}); Pocket ID authenticates clients by secret or federated identity`);
      }
      if (c.backchannel_logout_uri) leftOut.push(`client ${c.id}: its back-channel logout URI; Pocket ID has no back-channel logout`);
      const federated = listFederatedIdentities(deps.db, c.id);
      const firstOfIssuer = new Set<string>();
      federated.forEach((f, i) => {
        if (firstOfIssuer.has(f.issuer)) leftOut.push(`client ${c.id}: federated identity ${i + 1} (${f.issuer}) is written, but Pocket ID uses only the first identity of an issuer`);
        firstOfIssuer.add(f.issuer);
      });
      const credentials = {
        ...(federated.length > 0 ? { federatedIdentities: federated.map(federatedIdentityJson) } : {}),
        ...(list.length > 0 ? { secrets: list } : {}),
      };
      add("oidc_clients", {
        id: c.id,
        created_at: time(c.created_at),
        name: c.name,
        callback_urls: jsonBytes(JSON.stringify(stringList(c.callback_urls))),
        image_type: logo(c.logo_light, c.logo_light_type, false),
        created_by_id: c.created_by_id,
        is_public: bool(c.is_public),
        pkce_enabled: bool(c.pkce_enabled),
        logout_callback_urls: jsonBytes(JSON.stringify(stringList(c.logout_callback_urls))),
        credentials: Object.keys(credentials).length > 0 ? jsonBytes(JSON.stringify(credentials)) : null,
        launch_url: c.launch_url,
        requires_reauthentication: bool(c.requires_reauthentication),
        dark_image_type: logo(c.logo_dark, c.logo_dark_type, true),
        is_group_restricted: bool(c.is_group_restricted),
        requires_pushed_authorization_requests: bool(c.require_par),
        skip_consent: bool(c.skip_consent),
        pkce_supported: false,
        description: c.description,
        // A document's client goes as Pocket ID stores one (it fetches the document again once this has expired).
        client_type: c.client_type === "cimd" ? "cimd" : "standard",
        metadata_expires_at: c.client_type === "cimd" ? time(c.metadata_expires_at) : null,
        metadata_grant_types: c.client_type === "cimd" ? jsonBytes(JSON.stringify(stringList(c.metadata_grant_types))) : null,
        access_token_duration_minutes: Number(c.access_token_duration_minutes),
        refresh_token_duration_minutes: Number(c.refresh_token_duration_minutes),
      });
    }
    for (const a of listAllowedGroupsForExport(deps.db)) add("oidc_clients_allowed_user_groups", { user_group_id: a.user_group_id, oidc_client_id: a.client_id });
    for (const c of listConsentsForExport(deps.db)) {
      add("user_authorized_oidc_clients", { scope: jsonBytes(JSON.stringify(stringList(c.scope))), user_id: c.user_id, client_id: c.client_id, last_used_at: time(c.last_used_at) });
    }

    for (const k of listApiKeysForExport(deps.db)) {
      add("api_keys", {
        id: k.id,
        name: k.name,
        key: k.key_hash,
        description: k.description === "" ? null : k.description,
        expires_at: time(k.expires_at),
        last_used_at: time(k.last_used_at),
        created_at: time(k.created_at),
        user_id: k.user_id,
        expiration_email_sent: k.notice_sent_at !== null,
      });
    }

    // API resources (RFC 8707): Pocket ID v2.14 has the same four tables, ids and audiences kept.
    const apis = listApisForExport(deps.db);
    for (const a of apis.apis) {
      add("apis", { id: a.id, created_at: time(a.created_at), updated_at: time(a.updated_at), name: a.name, audience: a.audience, allow_cimd_clients: Number(a.allow_cimd_clients) === 1 });
    }
    for (const p of apis.permissions) {
      add("api_permissions", {
        id: p.id,
        created_at: time(p.created_at),
        api_id: p.api_id,
        key: p.key,
        name: p.name,
        description: p.description,
        allowed_for_cimd_clients: Number(p.allowed_for_cimd_clients) === 1,
      });
    }
    for (const g of apis.apiGrants) add("oidc_clients_allowed_apis", { oidc_client_id: g.oidc_client_id, api_id: g.target_id, subject_type: g.subject_type });
    for (const g of apis.permissionGrants) add("oidc_clients_allowed_api_permissions", { oidc_client_id: g.oidc_client_id, api_permission_id: g.target_id, subject_type: g.subject_type });

    for (const p of listScimProviders(deps.db)) {
      if (p.sealedToken !== null && !opts.encryptionKey) {
        leftOut.push(`SCIM service provider of client ${p.oidcClientId}: Pocket ID keeps its token encrypted with its ENCRYPTION_KEY; set POCKET_ID_ENCRYPTION_KEY (or ENCRYPTION_KEY)`);
        continue;
      }
      const token = p.sealedToken === null ? "" : encryptPocketIdEncryptedString(opts.encryptionKey!, deps.box.openText(tokenPurpose(p.id), p.sealedToken), deps.random.bytes(12));
      add("scim_service_providers", { id: p.id, created_at: time(p.createdAt), endpoint: p.endpoint, token, last_synced_at: time(p.lastSyncedAt), oidc_client_id: p.oidcClientId });
    }

    const otherEvents = new Map<string, number>();
    for (const a of listAuditLogsForExport(deps.db)) {
      if (!POCKET_ID_AUDIT_EVENTS.has(a.event)) {
        otherEvents.set(a.event, (otherEvents.get(a.event) ?? 0) + 1);
        continue;
      }
      add("audit_logs", {
        id: a.id,
        created_at: time(a.created_at),
        event: a.event,
        ip_address: a.ip_address,
        user_agent: a.user_agent ?? "",
        data: jsonBytes(JSON.stringify(auditDataOf(a.data))),
        user_id: a.user_id,
        country: a.country,
        city: a.city,
      });
    }
    for (const [event, n] of [...otherEvents].sort()) leftOut.push(`${n} audit log entr${n === 1 ? "y" : "ies"} ${event}: not an event Pocket ID records`);

    // The signing key, sealed as Pocket ID keeps it, under a new instance id.
    const instanceId = randomUuid(deps.random);
    add("kv", { key: "instance_id", value: instanceId });
    const key = exportCurrentSigningKey(deps);
    if (key && opts.encryptionKey) {
      add("kv", { key: "jwt_private_key.json", value: encryptPocketIdJwk(opts.encryptionKey, instanceId, key.privateJwk as JWK, deps.random.bytes(12)) });
    } else if (key) {
      leftOut.push(
        `the signing key (kid ${key.kid}): Pocket ID keeps it encrypted with its ENCRYPTION_KEY; set POCKET_ID_ENCRYPTION_KEY (or ENCRYPTION_KEY) to the key Pocket ID will run with. Without it Pocket ID makes a new key and tokens Latchkey signed stop verifying`,
      );
    }

    for (const [name, pidName] of BRANDING) {
      const img = findAppImage(deps.db, name);
      if (!img) continue;
      const ext = EXTENSION_OF[img.type];
      if (ext) uploads[`uploads/application-images/${pidName}.${ext}`] = img.data;
      else leftOut.push(`branding image ${name}: ${img.type}, which Pocket ID does not serve`);
    }

    actorState = appConfigState(deps, leftOut).state;

    const state = countUnexportedState(deps.db, now);
    const note = (n: number, what: string, why: string) => {
      if (n > 0) leftOut.push(`${n} ${what}: ${why}`);
    };
    note(state.signupTokens, "live signup token(s)", "Latchkey keeps only their hashes and Pocket ID files them under the token itself; make new ones there");
    note(state.refreshTokens, "live refresh token(s)", "Pocket ID cannot check Latchkey's tokens; apps sign in again once");
    note(state.sessions, "browser session(s)", "people sign in again with their passkey");
    note(state.protectedApps, "protected app(s) (forward auth)", "Pocket ID has no forward authentication");
    note(state.retiredKeys, "retired signing key(s)", "Pocket ID publishes one key; tokens they signed stop verifying");
  })();

  const { encode } = await import("@msgpack/msgpack");
  const francis = Buffer.concat([
    encode({ format: "francis-backup", version: 1, createdAt: new Date(deps.clock.now()) }),
    encode({ type: "state", state: { actorType: "AppConfig", actorId: "singleton", data: encode(actorState) } }),
  ]);
  const database = { provider: "sqlite", version: POCKET_ID_EXPORT_SCHEMA_VERSION, tables, tableOrder: TABLE_ORDER };
  const { zipSync } = await import("fflate");
  const data = zipSync({
    "database.json": new TextEncoder().encode(JSON.stringify(database) + "\n"),
    "francis.bin": new Uint8Array(francis),
    ...uploads,
  });
  const counts: Record<string, number> = Object.fromEntries(Object.entries(tables).map(([t, rows]) => [t, rows.length]));
  counts.uploads = Object.keys(uploads).length;
  return { data, counts, leftOut };
}
