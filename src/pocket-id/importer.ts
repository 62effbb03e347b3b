/**
 * Importing a Pocket ID installation (issue 18). Reference: pocket-id-storage.md §6.
 * - Everything the checks need is read and decrypted first; then every row is written in ONE transaction. A
 *   failure anywhere writes nothing. A dry run does the same work and rolls the transaction back, so it reports
 *   exactly what would be imported and every problem.
 * - A Latchkey database that already has users is refused unless `merge`: then rows whose id (or username, email,
 *   credential id…) already exist are kept as they are and reported, never overwritten.
 * - Ids are kept byte for byte: user ids are the OIDC `sub` and the WebAuthn user handle (the 36 ASCII bytes of
 *   the UUID string, which Latchkey's userHandleOf also uses); client ids are what apps send.
 * - Passkeys keep credential id, COSE key, transports, backup flags, name and date; Pocket ID keeps no sign
 *   counter, so it starts at 0 and the first counter seen is accepted.
 * - Client secrets keep their hashes: sha256 hex is Latchkey's own "sha256:<hex>"; bcrypt is kept as
 *   "bcrypt:<hash>" (migration 0015) and checked with bcrypt. Plaintext secrets were never stored anywhere.
 * - The signing key is imported with its kid and alg and becomes the current key (a key Latchkey already had is
 *   retired and stays published until what it signed has expired).
 * - Configuration and signup tokens are read where the version kept them: v2.12+ in the Francis actor store
 *   (MessagePack, decoded with @msgpack/msgpack), else kv rows frozen by the v2.12 upgrade, else the old tables.
 * - Live fosite refresh tokens (v2.10+) are kept by signature; the fosite HMAC secret derived from ENCRYPTION_KEY
 *   is stored sealed, so src/pocket-id/refresh-tokens.ts can check a presented token. Live v0.44–v2.9 refresh
 *   tokens (`oidc_refresh_tokens`) are kept by Pocket ID's SHA-256 hex; the presented JWT (or raw value) is
 *   checked there too.
 */
import { AppError } from "../errors.ts";
import { englishText } from "../i18n/translator.ts";
import { ownValue } from "../lib/own.ts";
import type { Database } from "../db/database.ts";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { JWK } from "jose";
import { APP_CONFIG_DEFINITIONS } from "../admin/app-config.ts";
import { recordAuditEvent } from "../audit/audit-log.ts";
import { updateAppConfigFromInput } from "../admin/app-config-admin.ts";
import { listAppConfigEntries } from "../db/app-config.ts";
import { findAppImage, saveAppImage, type AppImageName } from "../db/app-images.ts";
import { setKv } from "../db/kv.ts";
import {
  clientExists,
  findUserConflict,
  groupExists,
  insertImportedAllowedGroup,
  insertImportedApiKey,
  insertImportedAuditLog,
  insertImportedClaim,
  insertImportedClient,
  insertImportedClientSecret,
  insertImportedConsent,
  insertImportedCredential,
  insertImportedGroup,
  insertImportedMembership,
  insertImportedRefreshGrant,
  insertImportedScimProvider,
  insertImportedApi,
  insertImportedApiGrant,
  insertImportedApiPermission,
  insertImportedSignupToken,
  insertImportedUser,
  userExists,
} from "../db/pocket-id-import.ts";
import {
  readActorSignupTokens,
  readLegacyRefreshTokens,
  readApiGrants,
  readApiPermissions,
  readApis,
  readActorAppConfigState,
  listStoredFiles,
  readAllowedGroups,
  readApiKeys,
  readAuditLogsSince,
  readScimProviders,
  readClients,
  readConsents,
  readCredentials,
  readCustomClaims,
  readGroups,
  readKv,
  readLegacyConfig,
  readLegacySignupTokens,
  readLiveRefreshSessions,
  readMemberships,
  readStoredFile,
  readUsers,
  type PidClientRow,
  type PidSignupTokenRow,
} from "../db/pocket-id-source.ts";
import { upsertProfilePicture } from "../db/profile-pictures.ts";
import { countUsers } from "../db/users.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { randomUuid, type Random } from "../lib/random.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { callbackUrlProblem, httpUrlProblem } from "../oidc/redirect-uri.ts";
import { installImportedSigningKey, SIGNING_ALGS, type SigningAlg } from "../oidc/signing-keys.ts";
import { decryptPocketIdEncryptedString, decryptPocketIdJwk, deriveFositeGlobalSecret, parsePocketIdJwk, PocketIdDecryptionError } from "./crypto.ts";
import { normaliseEndpoint } from "../scim/providers.ts";
import { findApiByAudience } from "../db/apis.ts";
import { isAcceptedPermissionKey } from "../admin/apis.ts";
import { canonicalResource, resourceUriProblem } from "../oidc/resources.ts";
import { tokenPurpose } from "../scim/token.ts";
import {
  FOSITE_SECRET_KV_KEY,
  FOSITE_SECRET_SEAL_PURPOSE,
  IMPORTED_REFRESH_TOKEN_PREFIX,
  LEGACY_REFRESH_TOKEN_PREFIX,
  LEGACY_REFRESH_TOKENS_KV_KEY,
} from "./refresh-tokens.ts";
import { replaceFederatedIdentities } from "../db/federated-identities.ts";
import { MAX_FEDERATED_IDENTITIES, validateFederatedIdentities, type FederatedIdentity } from "../oidc/federated-identities.ts";
import { FieldErrors, isRecord } from "../admin/validation.ts";
import { PocketIdImportError, type PocketIdSource } from "./source.ts";

export const IMPORT_ENTITIES = [
  "users",
  "passkeys",
  "groups",
  "memberships",
  "customClaims",
  "clients",
  "clientSecrets",
  "federatedIdentities",
  "allowedGroups",
  "apis",
  "apiPermissions",
  "apiGrants",
  "consents",
  "signingKeys",
  "refreshTokens",
  "apiKeys",
  "scimProviders",
  "signupTokens",
  "appConfig",
  "brandingImages",
  "profilePictures",
  "clientLogos",
  "auditLogs",
] as const;
export type ImportEntity = (typeof IMPORT_ENTITIES)[number];

export interface PocketIdImportDeps {
  db: Database;
  clock: Clock;
  random: Random;
  box: SealedBox;
}

export interface PocketIdImportOptions {
  /** ENCRYPTION_KEY bytes of the Pocket ID install (POCKET_ID_ENCRYPTION_KEY or ENCRYPTION_KEY). */
  encryptionKey: Uint8Array | null;
  merge?: boolean;
  /** Import the audit log (default true), rows younger than auditRetentionDays. */
  withAuditLog?: boolean;
  auditRetentionDays?: number;
  dryRun?: boolean;
}

export interface SkippedItem {
  entity: ImportEntity;
  id: string;
  reason: string;
}

export interface PocketIdImportSummary {
  source: { dbFile: string; schemaVersion: number; release: string };
  dryRun: boolean;
  counts: Record<ImportEntity, number>;
  skipped: SkippedItem[];
  /** Things not carried over as a whole, and why. */
  notes: string[];
  /** Dry run only: what would refuse the import (a real run throws the first instead). */
  problems: string[];
  /** The imported signing key's kid (null when none was imported). */
  kid: string | null;
}

/** The Pocket ID static-API-key user: a technical account, not a person (reference §2.2). */
const STATIC_API_USER_ID = "00000000-0000-0000-0000-000000000000";
const IMAGE_MIME = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
const FAVICON_MIME = new Set([...IMAGE_MIME, "image/x-icon"]);
const EMAIL_LOGO_MIME = new Set(["image/png", "image/jpeg"]);
const BRANDING: [string, AppImageName][] = [
  ["logoLight", "logo-light"],
  ["logoDark", "logo-dark"],
  ["logoEmail", "logo-email"],
  ["favicon", "favicon"],
  ["background", "background"],
  ["default-profile-picture", "default-profile-picture"],
];
/** Pocket ID config keys renamed since (reference §2.12). */
const CONFIG_RENAMES: Record<string, string> = { ldapAttributeAdminGroup: "ldapAdminGroupName", emailEnabled: "emailLoginNotificationEnabled" };
/** Config keys that are bookkeeping, not settings. */
const CONFIG_BOOKKEEPING = new Set(["instanceId", "backgroundImageType", "logoLightImageType", "logoDarkImageType"]);

class DryRunRollback extends Error {}

// --- reading helpers ---------------------------------------------------------------------------------------

function jsonList(text: string | null): string[] {
  if (text === null || text === "" || text === "null") return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** The API audience among a fosite session's granted audiences (its client id and the issuer are not APIs), or null. */
function importedResourceOf(db: Database, audiences: unknown): string | null {
  if (!Array.isArray(audiences)) return null;
  for (const a of audiences) {
    if (typeof a !== "string" || a === "") continue;
    const api = findApiByAudience(db, canonicalResource(a));
    if (api) return api.audience;
  }
  return null;
}

/** Consent scopes: a JSON array (v2.10+) or one space-separated string (older). */
function scopeList(text: string | null): string[] {
  if (!text) return [];
  const t = text.trim();
  if (t.startsWith("[")) return jsonList(t);
  return t.split(/\s+/).filter(Boolean);
}

/** An audit event's details: the JSON object Pocket ID stored, or {} (missing, not an object, or not JSON). */
function auditData(text: string | null): Record<string, unknown> {
  if (!text || !text.trim().startsWith("{")) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function parseTime(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

type ImageFile = { data: Uint8Array; mime: string };

/** Reads an uploaded file from the filesystem backend, or the `storage` table (FILE_BACKEND=database). */
function readUpload(source: PocketIdSource, relPath: string): Uint8Array | null {
  // Names come from database rows (client ids, user ids): a name that would leave the uploads folder reads nothing.
  const root = path.resolve(source.dataDir, "uploads");
  const file = path.resolve(root, relPath);
  if (!file.startsWith(root + path.sep) || relPath.includes("\0")) return null;
  if (existsSync(file)) return new Uint8Array(readFileSync(file));
  return readStoredFile(source.db, relPath);
}

function listUploads(source: PocketIdSource, dir: string): string[] {
  const full = path.join(source.dataDir, "uploads", dir);
  const files = existsSync(full) ? readdirSync(full, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name) : [];
  return [...files, ...listStoredFiles(source.db, `${dir}/`).map((p) => p.slice(dir.length + 1)).filter((n) => !n.includes("/"))];
}

async function detectImage(data: Uint8Array): Promise<string | null> {
  const { fileTypeFromBuffer } = await import("file-type");
  return (await fileTypeFromBuffer(data))?.mime ?? null;
}

// --- application configuration in the actor store (v2.12+) ------------------------------------------------

/** Go field names whose JSON key is not the name with a lower-case first letter (appconfig/model.go). */
export const GO_FIELD_JSON_EXCEPTIONS: Record<string, string> = { HomePageURL: "homePageUrl", CIMDURLAllowlist: "cimdUrlAllowlist" };

/**
 * Pocket ID v2.12+ keeps its live configuration as the AppConfig actor's state: MessagePack of a map from the Go
 * field names of AppConfigModel to strings (reference §2.12). Returns it keyed like the older stores, or null.
 */
async function readActorConfig(source: PocketIdSource, nowMs: number, notes: string[]): Promise<Record<string, string> | null> {
  const bytes = readActorAppConfigState(source.db, nowMs);
  if (!bytes) return null;
  let state: unknown;
  try {
    const { decode } = await import("@msgpack/msgpack");
    state = decode(bytes);
  } catch (e) {
    notes.push(`Pocket ID's configuration (AppConfig actor state) could not be decoded (${(e as Error).message}); older copies were used if present.`);
    return null;
  }
  if (!state || typeof state !== "object" || Array.isArray(state)) {
    notes.push("Pocket ID's configuration (AppConfig actor state) is not a map; older copies were used if present.");
    return null;
  }
  const out: Record<string, string> = Object.create(null);
  for (const [goName, value] of Object.entries(state as Record<string, unknown>)) {
    if (typeof value !== "string") continue;
    out[ownValue(GO_FIELD_JSON_EXCEPTIONS, goName) ?? goName.charAt(0).toLowerCase() + goName.slice(1)] = value;
  }
  return out;
}

/** SignupToken actor states (Go SignupTokenState: ID, UsageLimit, UsageCount, UserGroupIDs, CreatedAt, ExpiresAt). */
async function readActorSignupTokenRows(source: PocketIdSource, nowMs: number, skip: (e: ImportEntity, id: string, reason: string) => void): Promise<PidSignupTokenRow[]> {
  const rows = readActorSignupTokens(source.db, nowMs);
  if (rows.length === 0) return [];
  const { decode } = await import("@msgpack/msgpack");
  const out: PidSignupTokenRow[] = [];
  for (const r of rows) {
    let s: Record<string, unknown>;
    try {
      s = decode(r.data) as Record<string, unknown>;
    } catch {
      skip("signupTokens", r.token.slice(0, 4), "its actor state could not be decoded");
      continue;
    }
    const time = (v: unknown) => (v instanceof Date && Number.isFinite(v.getTime()) ? Math.floor(v.getTime() / 1000) : null);
    const expiresAt = time(s?.ExpiresAt);
    if (!s || typeof s.ID !== "string" || typeof s.UsageLimit !== "number" || typeof s.UsageCount !== "number" || expiresAt === null) {
      skip("signupTokens", r.token.slice(0, 4), "its actor state is not a signup token");
      continue;
    }
    const groups = Array.isArray(s.UserGroupIDs) ? s.UserGroupIDs.filter((g): g is string => typeof g === "string") : [];
    out.push({ id: s.ID, token: r.token, created_at: time(s.CreatedAt), expires_at: expiresAt, usage_limit: s.UsageLimit, usage_count: s.UsageCount, group_ids: groups });
  }
  return out;
}

// --- the signing key ---------------------------------------------------------------------------------------

function instanceIdOf(source: PocketIdSource, legacyConfig: Record<string, string> | null, frozenConfig: Record<string, string> | null): string | null {
  return readKv(source.db, "instance_id") ?? legacyConfig?.instanceId ?? frozenConfig?.instanceId ?? null;
}

function loadSigningJwk(source: PocketIdSource, instanceId: string | null, key: Uint8Array | null): JWK {
  const needKey = (where: string) => {
    if (!key) throw new PocketIdImportError(`Pocket ID's signing key (${where}) is encrypted: set POCKET_ID_ENCRYPTION_KEY (or ENCRYPTION_KEY) to the ENCRYPTION_KEY Pocket ID ran with. Nothing was imported.`);
    if (!instanceId) throw new PocketIdImportError(`Pocket ID's instance id is missing (kv.instance_id / app config instanceId), so its signing key (${where}) cannot be decrypted. Nothing was imported.`);
    return { key, instanceId };
  };
  const decrypt = (where: string, sealed: string) => {
    const k = needKey(where);
    try {
      return decryptPocketIdJwk(k.key, k.instanceId, sealed);
    } catch (e) {
      if (e instanceof PocketIdDecryptionError) {
        throw new PocketIdImportError(
          `Pocket ID's signing key (${where}) does not decrypt: ${e.message} With ENCRYPTION_KEY_FILE, Pocket ID used the file's bytes as they are, trailing newline included. Nothing was imported.`,
        );
      }
      throw e;
    }
  };
  // v2 (and v1.6+ with KEYS_STORAGE=database): the kv row is the live key (reference §3.1).
  const kvValue = readKv(source.db, "jwt_private_key.json");
  if (kvValue) return decrypt("kv jwt_private_key.json", kvValue);
  const keysDir = path.join(source.dataDir, "keys");
  const enc = path.join(keysDir, "jwt_private_key.json.enc");
  if (existsSync(enc)) return decrypt("keys/jwt_private_key.json.enc", readFileSync(enc, "utf8"));
  const plain = path.join(keysDir, "jwt_private_key.json");
  if (existsSync(plain)) {
    try {
      return parsePocketIdJwk(readFileSync(plain, "utf8"));
    } catch (e) {
      throw new PocketIdImportError(`keys/jwt_private_key.json is not a usable private JWK (${(e as Error).message}). Nothing was imported.`);
    }
  }
  throw new PocketIdImportError(
    `Pocket ID's signing key was not found (no kv row jwt_private_key.json, no ${path.join(keysDir, "jwt_private_key.json[.enc]")}). ` +
      "Without it, every token Pocket ID issued would stop verifying. Nothing was imported.",
  );
}

/** The public half, and the alg Pocket ID defaults by key type (EnsureAlgInKey). */
function signingKeyParts(jwk: JWK): { kid: string; alg: SigningAlg; publicJwk: JWK; privateJwk: JWK } {
  const ecAlg = jwk.crv === "P-384" ? "ES384" : jwk.crv === "P-521" ? "ES512" : "ES256";
  const defaultAlg = jwk.kty === "RSA" ? "RS256" : jwk.kty === "EC" ? ecAlg : jwk.kty === "OKP" ? "EdDSA" : undefined;
  const alg = (jwk.alg ?? defaultAlg) as string | undefined;
  if (!alg || !SIGNING_ALGS.includes(alg as SigningAlg)) {
    throw new PocketIdImportError(`Pocket ID's signing key uses ${alg ?? jwk.kty}; Latchkey signs with ${SIGNING_ALGS.join(", ")} only. Nothing was imported.`);
  }
  const curve = ({ ES256: "P-256", ES384: "P-384", ES512: "P-521", EdDSA: "Ed25519" } as Record<string, string>)[alg];
  if (curve && jwk.crv !== curve) throw new PocketIdImportError(`Pocket ID's ${alg} signing key is on ${jwk.crv}; ${alg} needs ${curve}. Nothing was imported.`);
  if (typeof jwk.kid !== "string" || jwk.kid.length === 0) throw new PocketIdImportError("Pocket ID's signing key has no kid. Nothing was imported.");
  let publicJwk: JWK;
  try {
    publicJwk = createPublicKey(createPrivateKey({ key: jwk as never, format: "jwk" })).export({ format: "jwk" }) as JWK;
  } catch (e) {
    throw new PocketIdImportError(`Pocket ID's signing key is not a valid private key (${(e as Error).message}). Nothing was imported.`);
  }
  return {
    kid: jwk.kid,
    alg: alg as SigningAlg,
    publicJwk,
    privateJwk: jwk,
  };
}

// --- the import --------------------------------------------------------------------------------------------

export async function importPocketId(deps: PocketIdImportDeps, source: PocketIdSource, opts: PocketIdImportOptions): Promise<PocketIdImportSummary> {
  const now = nowSeconds(deps.clock);
  const merge = opts.merge ?? false;
  const counts = Object.fromEntries(IMPORT_ENTITIES.map((e) => [e, 0])) as Record<ImportEntity, number>;
  const skipped: SkippedItem[] = [];
  const notes: string[] = [];
  const skip = (entity: ImportEntity, id: string, reason: string) => skipped.push({ entity, id, reason });
  const db = deps.db;

  // What would refuse the import: thrown at once, or — in a dry run — collected so every problem is reported.
  const problems: string[] = [];
  const refuse = (e: PocketIdImportError) => {
    if (!opts.dryRun) throw e;
    problems.push(e.message.replace(/ Nothing was imported\.$/, ""));
  };
  const existingUsers = countUsers(db);
  if (existingUsers > 0 && !merge) {
    refuse(new PocketIdImportError(
      `This Latchkey database already has ${existingUsers} user${existingUsers === 1 ? "" : "s"}: importing would mix two installations. ` +
        "Import into a new database, or pass --merge to add Pocket ID's data and keep every existing row as it is. Nothing was imported.",
    ));
  }

  // 1. Everything that can fail for a reason outside our control is read before the transaction.
  const legacyConfig = readLegacyConfig(source.db);
  const frozenText = readKv(source.db, "config_migrated");
  let frozenConfig: Record<string, string> | null = null;
  if (frozenText) {
    try {
      frozenConfig = JSON.parse(frozenText) as Record<string, string>;
    } catch {
      notes.push("kv.config_migrated is not JSON: the application configuration was not imported.");
    }
  }
  const actorConfig = await readActorConfig(source, deps.clock.now(), notes);
  const actorSignupTokens = await readActorSignupTokenRows(source, deps.clock.now(), skip);
  const instanceId = instanceIdOf(source, legacyConfig, frozenConfig);
  let key: ReturnType<typeof signingKeyParts> | null = null;
  try {
    key = signingKeyParts(loadSigningJwk(source, instanceId, opts.encryptionKey));
  } catch (e) {
    if (!(e instanceof PocketIdImportError)) throw e;
    refuse(e);
  }

  const users = readUsers(source.db);
  const credentials = readCredentials(source.db);
  const groups = readGroups(source.db);
  const memberships = readMemberships(source.db);
  const claims = readCustomClaims(source.db);
  const clients = readClients(source.db);
  const allowed = readAllowedGroups(source.db);
  const consents = readConsents(source.db);
  const refreshSessions = readLiveRefreshSessions(source.db, now);
  const legacyRefreshTokens = readLegacyRefreshTokens(source.db);
  const apiKeys = readApiKeys(source.db);
  const retentionDays = opts.auditRetentionDays ?? 90;
  const audit = opts.withAuditLog === false ? [] : readAuditLogsSince(source.db, now - retentionDays * 86400);

  // Images: read and identified by their bytes (never by the stored extension) before the transaction.
  const profilePictures = new Map<string, ImageFile>();
  for (const u of users) {
    const data = readUpload(source, `profile-pictures/${u.id}.png`);
    if (!data) continue;
    const mime = await detectImage(data);
    if (mime && IMAGE_MIME.has(mime)) profilePictures.set(u.id, { data, mime });
    else skip("profilePictures", u.id, "the stored file is not a PNG, JPEG, GIF or WebP image");
  }
  const clientLogos = new Map<string, { light: ImageFile | null; dark: ImageFile | null }>();
  for (const c of clients) {
    const logo = async (ext: string | null, dark: boolean): Promise<ImageFile | null> => {
      if (!ext) return null;
      const data = readUpload(source, `oidc-client-images/${c.id}${dark ? "-dark" : ""}.${ext}`);
      if (!data) {
        skip("clientLogos", `${c.id}${dark ? " (dark)" : ""}`, "the logo file is missing from uploads/oidc-client-images");
        return null;
      }
      const mime = await detectImage(data);
      if (mime && IMAGE_MIME.has(mime)) return { data, mime };
      skip("clientLogos", `${c.id}${dark ? " (dark)" : ""}`, `${ext.toUpperCase()} logos are not supported by Latchkey (PNG, JPEG, GIF or WebP only)`);
      return null;
    };
    clientLogos.set(c.id, { light: await logo(c.image_type, false), dark: await logo(c.dark_image_type, true) });
  }
  const brandingImages: [AppImageName, ImageFile][] = [];
  const brandingFiles = listUploads(source, "application-images");
  for (const [pidName, name] of BRANDING) {
    const file = brandingFiles.find((f) => f.startsWith(`${pidName}.`));
    if (!file) continue;
    const data = readUpload(source, `application-images/${file}`);
    if (!data) continue;
    const mime = await detectImage(data);
    if (mime && (name === "favicon" ? FAVICON_MIME : name === "logo-email" ? EMAIL_LOGO_MIME : IMAGE_MIME).has(mime)) brandingImages.push([name, { data, mime }]);
    else skip("brandingImages", pidName, `${path.extname(file).slice(1).toUpperCase() || "this"} images are not supported by Latchkey (${name === "logo-email" ? "PNG or JPEG" : "PNG, JPEG, GIF or WebP"})`);
  }

  // Fosite HMAC secret, for live refresh tokens.
  let fositeSecret: Uint8Array | null = null;
  if (refreshSessions.length > 0) {
    if (opts.encryptionKey) fositeSecret = deriveFositeGlobalSecret(opts.encryptionKey);
    else notes.push(`${refreshSessions.length} live refresh token(s) not imported: the ENCRYPTION_KEY is needed to check them. Apps sign in again once.`);
  }
  const apis = readApis(source.db);
  const apiPermissions = readApiPermissions(source.db);
  const apiGrants = readApiGrants(source.db);
  // SCIM providers: the token is Pocket ID's EncryptedString, opened here and sealed again with Latchkey's key.
  const scimProviders: { row: ReturnType<typeof readScimProviders>[number]; endpoint: string; token: string | null }[] = [];
  for (const r of readScimProviders(source.db)) {
    const endpoint = normaliseEndpoint(r.endpoint ?? "");
    if (endpoint === null) {
      skip("scimProviders", r.id, "its endpoint is not an http(s) URL Latchkey accepts (no credentials, query or fragment)");
      continue;
    }
    let token: string | null = null;
    if (r.token) {
      if (!opts.encryptionKey) {
        skip("scimProviders", r.id, "its token is encrypted: set POCKET_ID_ENCRYPTION_KEY (or ENCRYPTION_KEY) to the ENCRYPTION_KEY Pocket ID ran with");
        continue;
      }
      try {
        token = decryptPocketIdEncryptedString(opts.encryptionKey, r.token);
      } catch (e) {
        if (!(e instanceof PocketIdDecryptionError) && !(e instanceof TypeError)) throw e;
        skip("scimProviders", r.id, "its token does not decrypt with this ENCRYPTION_KEY");
        continue;
      }
    }
    scimProviders.push({ row: r, endpoint, token: token === "" ? null : token });
  }

  // 2. One transaction.
  const write = () => {
    // Signing key: the imported key becomes current; a key Latchkey had stays published until its tokens expire.
    if (key && installImportedSigningKey(deps, key)) counts.signingKeys++;
    else if (key) skip("signingKeys", key.kid, "a key with this kid is already in Latchkey");

    // Users.
    const importedUsers = new Set<string>();
    const verifiedByConfig = (legacyConfig ?? frozenConfig)?.emailsVerified === "true";
    for (const u of users) {
      if (u.id === STATIC_API_USER_ID) {
        skip("users", u.id, "Pocket ID's STATIC_API_KEY technical user (recreated by Latchkey's own static key if used)");
        continue;
      }
      const email = u.email && u.email.trim() !== "" ? u.email : null;
      const conflict = merge ? findUserConflict(db, { id: u.id, username: u.username, email, ldap_id: u.ldap_id }) : null;
      if (conflict) {
        skip("users", u.id, conflict === "id" ? "this id already exists in Latchkey (kept as it is)" : `another Latchkey user already has this ${conflict}`);
        continue;
      }
      const first = u.first_name ?? "";
      const last = u.last_name ?? "";
      const ok = insertImportedUser(db, {
        id: u.id,
        username: u.username,
        email,
        emailVerified: email === null ? false : u.email_verified === null ? verifiedByConfig : Boolean(u.email_verified),
        firstName: first,
        lastName: last,
        displayName: u.display_name ?? `${first} ${last}`.trim(),
        isAdmin: Boolean(u.is_admin),
        disabled: Boolean(u.disabled),
        locale: u.locale || null,
        ldapId: u.ldap_id || null,
        createdAt: u.created_at ?? now,
        updatedAt: u.updated_at ?? u.created_at ?? now,
      });
      if (ok) {
        counts.users++;
        importedUsers.add(u.id);
      } else skip("users", u.id, "its username, email or LDAP id is used twice in Pocket ID's data (case-insensitively)");
    }

    for (const c of credentials) {
      const credentialId = Buffer.from(c.credential_id).toString("base64url");
      if (!c.user_id || !userExists(db, c.user_id)) {
        skip("passkeys", credentialId, "its user was not imported");
        continue;
      }
      const ok = insertImportedCredential(db, {
        id: c.id,
        userId: c.user_id,
        name: c.name || "Passkey",
        credentialId,
        publicKey: c.public_key,
        transports: jsonList(c.transport),
        deviceType: c.backup_eligible ? "multiDevice" : "singleDevice",
        backupEligible: Boolean(c.backup_eligible),
        backupState: Boolean(c.backup_state),
        createdAt: c.created_at ?? now,
      });
      if (ok) counts.passkeys++;
      else skip("passkeys", credentialId, "this passkey (id or credential id) already exists in Latchkey");
    }

    for (const g of groups) {
      const ok = insertImportedGroup(db, { id: g.id, name: g.name, friendlyName: g.friendly_name, ldapId: g.ldap_id || null, createdAt: g.created_at ?? now, updatedAt: g.updated_at ?? g.created_at ?? now });
      if (ok) counts.groups++;
      else skip("groups", g.id, "a group with this id, name or LDAP id already exists in Latchkey (kept as it is)");
    }
    for (const m of memberships) {
      if (!userExists(db, m.user_id) || !groupExists(db, m.user_group_id)) continue;
      if (insertImportedMembership(db, m.user_id, m.user_group_id)) counts.memberships++;
    }
    for (const c of claims) {
      const ownerOk = c.user_id ? userExists(db, c.user_id) : c.user_group_id ? groupExists(db, c.user_group_id) : false;
      if (!ownerOk || (c.user_id && c.user_group_id)) {
        skip("customClaims", `${c.key} (${c.user_id ?? c.user_group_id})`, "its user or group was not imported");
        continue;
      }
      if (insertImportedClaim(db, { id: c.id, key: c.key, value: c.value, userId: c.user_id, groupId: c.user_id ? null : c.user_group_id }))
        counts.customClaims++;
      else skip("customClaims", `${c.key} (${c.user_id ?? c.user_group_id})`, "this claim already exists in Latchkey (kept as it is)");
    }

    // Clients.
    const restrictedByRows = new Set(allowed.map((a) => a.oidc_client_id));
    for (const c of clients) importClient(c);
    function importClient(c: PidClientRow): void {
      if (c.client_type === "cimd") {
        // Its registration is the document: it registers again from it on first use (the allowlist is imported).
        skip("clients", c.id, "a Client ID Metadata Document client registers again from its document on first use (people consent again)");
        return;
      }
      const logos = clientLogos.get(c.id) ?? { light: null, dark: null };
      // URLs are checked as an administrator's would be: one Latchkey would refuse is left out, and reported.
      const checkedUrls = (field: string, list: string[]) =>
        list.filter((u) => {
          const problem = callbackUrlProblem(u);
          if (problem) skip("clients", `${c.id} ${field} ${u.slice(0, 100)}`, englishText(problem));
          return problem === null;
        });
      let launchUrl = c.launch_url || null;
      const launchProblem = launchUrl ? httpUrlProblem(launchUrl) : null;
      if (launchProblem) {
        skip("clients", `${c.id} launch URL ${launchUrl!.slice(0, 100)}`, englishText(launchProblem));
        launchUrl = null;
      }
      const ok = insertImportedClient(db, {
        id: c.id,
        name: c.name || c.id,
        description: c.description ?? "",
        callbackUrls: checkedUrls("callback URL", jsonList(c.callback_urls)),
        logoutCallbackUrls: checkedUrls("logout callback URL", jsonList(c.logout_callback_urls)),
        launchUrl,
        isPublic: Boolean(c.is_public),
        pkceEnabled: Boolean(c.pkce_enabled),
        requiresReauthentication: Boolean(c.requires_reauthentication),
        skipConsent: Boolean(c.skip_consent),
        // Before v2.0 a client was restricted exactly when it had allowed groups (reference §1.6).
        unrestricted: c.is_group_restricted === null ? !restrictedByRows.has(c.id) : !c.is_group_restricted,
        accessTokenDurationMinutes: c.access_token_duration_minutes ?? 60,
        refreshTokenDurationMinutes: c.refresh_token_duration_minutes ?? 43200,
        requirePar: Boolean(c.requires_pushed_authorization_requests),
        logoLight: logos.light ? { data: logos.light.data, type: logos.light.mime } : null,
        logoDark: logos.dark ? { data: logos.dark.data, type: logos.dark.mime } : null,
        createdById: c.created_by_id && userExists(db, c.created_by_id) ? c.created_by_id : null,
        createdAt: c.created_at ?? now,
        updatedAt: c.created_at ?? now,
      });
      if (!ok) {
        skip("clients", c.id, "a client with this id already exists in Latchkey (kept as it is, with its secrets)");
        return;
      }
      counts.clients++;
      counts.clientLogos += (logos.light ? 1 : 0) + (logos.dark ? 1 : 0);
      let document: { secrets?: unknown; federatedIdentities?: unknown } = {};
      if (c.credentials && c.credentials !== "null") {
        try {
          document = JSON.parse(c.credentials) as typeof document;
        } catch {
          skip("clientSecrets", c.id, "the client's credentials document is not JSON");
        }
      }
      importFederatedIdentities(c, document.federatedIdentities);
      if (c.is_public) return;
      const secrets: { id: string; alg: string; hash: string; prefix: string; createdAt: number; expiresAt: number | null }[] = [];
      if (c.secret) secrets.push({ id: randomUuid(deps.random), alg: "bcrypt", hash: c.secret, prefix: "", createdAt: c.created_at ?? now, expiresAt: null });
      for (const s of Array.isArray(document.secrets) ? (document.secrets as Record<string, unknown>[]) : []) {
        if (typeof s?.hash !== "string" || typeof s.alg !== "string") continue;
        secrets.push({
          id: typeof s.id === "string" ? s.id : randomUuid(deps.random),
          alg: s.alg,
          hash: s.hash,
          prefix: typeof s.prefix === "string" ? s.prefix : "",
          createdAt: parseTime(s.createdAt) ?? c.created_at ?? now,
          expiresAt: parseTime(s.expiresAt),
        });
      }
      for (const s of secrets) {
        if (s.expiresAt !== null && s.expiresAt <= now) {
          skip("clientSecrets", `${c.id} ${s.prefix || s.id}`, "expired");
          continue;
        }
        let hash: string | null = null;
        if (s.alg === "sha256" && /^[0-9a-f]{64}$/.test(s.hash)) hash = `sha256:${s.hash}`;
        else if (s.alg === "bcrypt" && /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(s.hash)) hash = `bcrypt:${s.hash}`;
        if (!hash) {
          skip("clientSecrets", `${c.id} ${s.prefix || s.id}`, `unknown secret hash (${s.alg.slice(0, 20)})`);
          continue;
        }
        if (insertImportedClientSecret(db, { id: s.id, clientId: c.id, hash, prefix: s.prefix, createdAt: s.createdAt, expiresAt: s.expiresAt })) counts.clientSecrets++;
        else skip("clientSecrets", `${c.id} ${s.prefix || s.id}`, "this secret id or hash is already stored in Latchkey (each secret hash is kept once)");
      }
    }
    /**
     * Pocket ID's credentials.federatedIdentities, checked by the rules an administrator's input meets. Pocket ID
     * used the first identity of an issuer only (FederatedIdentityForIssuer), so a later one of the same issuer is
     * left out rather than accepted for the first time here.
     */
    function importFederatedIdentities(c: PidClientRow, list: unknown): void {
      if (!Array.isArray(list) || list.length === 0) return;
      if (c.is_public) {
        skip("federatedIdentities", c.id, "a public client cannot have federated identities in Latchkey (make it confidential and add them again)");
        return;
      }
      const kept: FederatedIdentity[] = [];
      const issuers = new Set<string>();
      list.slice(0, MAX_FEDERATED_IDENTITIES).forEach((entry, i) => {
        const label = `${c.id} #${i + 1}${isRecord(entry) && typeof entry.issuer === "string" ? ` ${entry.issuer.slice(0, 100)}` : ""}`;
        const errors = new FieldErrors();
        // Issuers and JWKS URLs are held to https as if ALLOW_INSECURE_CALLBACK_URLS were off: an http issuer is
        // added again by hand where it is really meant.
        const [identity] = validateFederatedIdentities(errors, [entry], { clientId: c.id, allowInsecure: false });
        const problem = Object.values(errors.fields)[0];
        if (problem || !identity) {
          skip("federatedIdentities", label, problem ? englishText(problem) : "not an identity");
          return;
        }
        if (issuers.has(identity.issuer)) {
          skip("federatedIdentities", label, "Pocket ID used only the first identity of an issuer; this one never authenticated anything");
          return;
        }
        issuers.add(identity.issuer);
        kept.push(identity);
      });
      if (list.length > MAX_FEDERATED_IDENTITIES) skip("federatedIdentities", c.id, `more than ${MAX_FEDERATED_IDENTITIES}: the first ${MAX_FEDERATED_IDENTITIES} are kept`);
      if (kept.length === 0) return;
      replaceFederatedIdentities(db, c.id, kept);
      counts.federatedIdentities += kept.length;
    }
    for (const a of allowed) {
      if (!clientExists(db, a.oidc_client_id) || !groupExists(db, a.user_group_id)) continue;
      if (insertImportedAllowedGroup(db, a.oidc_client_id, a.user_group_id)) counts.allowedGroups++;
    }
    // APIs (v2.10+), their permissions and the clients' grants, checked as the admin API checks them.
    const importedApis = new Set<string>();
    for (const a of apis) {
      const audience = canonicalResource(a.audience ?? "");
      const problem = resourceUriProblem(audience);
      if (problem || audience === "") {
        skip("apis", a.id, `its audience ${problem ?? "is empty"}`);
        continue;
      }
      if (insertImportedApi(db, { id: a.id, name: (a.name || audience).slice(0, 50), audience, allow_cimd_clients: a.allow_cimd_clients ? 1 : 0, created_at: a.created_at ?? now, updated_at: a.updated_at })) {
        counts.apis++;
        importedApis.add(a.id);
      } else skip("apis", a.id, "an API with this id or audience already exists in Latchkey (kept as it is)");
    }
    const importedPermissions = new Set<string>();
    for (const p of apiPermissions) {
      if (!importedApis.has(p.api_id)) continue;
      if (!isAcceptedPermissionKey(p.key)) {
        skip("apiPermissions", `${p.api_id} ${p.key.slice(0, 60)}`, "its key is not a scope Latchkey accepts (RFC 6749 scope characters, not a standard scope)");
        continue;
      }
      const row = { id: p.id, api_id: p.api_id, key: p.key, name: (p.name || p.key).slice(0, 50), description: p.description ? p.description.slice(0, 200) : null, allowed_for_cimd_clients: p.allowed_for_cimd_clients ? 1 : 0, created_at: p.created_at ?? now };
      if (insertImportedApiPermission(db, row)) {
        counts.apiPermissions++;
        importedPermissions.add(p.id);
      } else skip("apiPermissions", `${p.api_id} ${p.key.slice(0, 60)}`, "this permission id or key already exists in Latchkey");
    }
    for (const [kind, rows, known] of [["api", apiGrants.apis, importedApis], ["permission", apiGrants.permissions, importedPermissions]] as const) {
      for (const g of rows) {
        if (!known.has(g.target_id) || (g.subject_type !== "user" && g.subject_type !== "client")) continue;
        if (!clientExists(db, g.oidc_client_id)) {
          skip("apiGrants", `${g.oidc_client_id} ${g.target_id}`, "its client was not imported");
          continue;
        }
        if (insertImportedApiGrant(db, kind, { client_id: g.oidc_client_id, target_id: g.target_id, subject_type: g.subject_type })) counts.apiGrants++;
      }
    }

    for (const c of consents) {
      if (!userExists(db, c.user_id) || !clientExists(db, c.client_id)) continue;
      const at = c.last_used_at ?? now;
      if (insertImportedConsent(db, { userId: c.user_id, clientId: c.client_id, scopes: scopeList(c.scope), createdAt: at, lastUsedAt: at })) counts.consents++;
    }

    // Live refresh tokens (fosite, v2.10+).
    if (fositeSecret) {
      let any = false;
      for (const r of refreshSessions) {
        let data: { session?: { subject?: unknown; authentication_method?: unknown }; granted_scope?: unknown; granted_audience?: unknown; requested_at?: unknown };
        try {
          data = JSON.parse(r.request_data) as typeof data;
        } catch {
          skip("refreshTokens", r.key.slice(0, 8), "its request data is not JSON");
          continue;
        }
        const subject = typeof data.session?.subject === "string" ? data.session.subject : null;
        if (!subject || !userExists(db, subject) || !clientExists(db, r.client_id)) {
          skip("refreshTokens", r.key.slice(0, 8), "its user or client was not imported");
          continue;
        }
        const scope = Array.isArray(data.granted_scope) ? data.granted_scope.filter((s): s is string => typeof s === "string").join(" ") : "";
        const authTime = parseTime(data.requested_at) ?? r.created_at ?? now;
        const ok = insertImportedRefreshGrant(
          db,
          {
            id: randomUuid(deps.random),
            clientId: r.client_id,
            userId: subject,
            scope,
            authTime,
            amr: data.session?.authentication_method === "passkey" ? ["phr"] : [],
            createdAt: r.created_at ?? now,
            // A grant for an API keeps naming it (its refresh then re-checks the grants, as Pocket ID's does).
            resource: importedResourceOf(db, data.granted_audience),
          },
          { tokenHash: `${IMPORTED_REFRESH_TOKEN_PREFIX}${r.key}`, expiresAt: r.expires_at! },
        );
        if (ok) {
          counts.refreshTokens++;
          any = true;
        } else skip("refreshTokens", r.key.slice(0, 8), "already imported");
      }
      if (any) setKv(db, FOSITE_SECRET_KV_KEY, deps.box.seal(FOSITE_SECRET_SEAL_PURPOSE, Buffer.from(fositeSecret).toString("base64")));
    }

    // Live refresh tokens (v0.44–v2.9 `oidc_refresh_tokens`, SHA-256 hex of the value).
    let anyLegacy = false;
    for (const r of legacyRefreshTokens) {
      const label = r.token.slice(0, 8);
      if (r.expires_at <= now) {
        skip("refreshTokens", label, "expired");
        continue;
      }
      if (!/^[0-9a-f]{64}$/.test(r.token)) {
        skip("refreshTokens", label, "the stored token is not a SHA-256 hex digest");
        continue;
      }
      if (!userExists(db, r.user_id) || !clientExists(db, r.client_id)) {
        skip("refreshTokens", label, "its user or client was not imported");
        continue;
      }
      const ok = insertImportedRefreshGrant(
        db,
        {
          id: randomUuid(deps.random),
          clientId: r.client_id,
          userId: r.user_id,
          scope: scopeList(r.scope).join(" "),
          authTime: r.created_at ?? now,
          amr: r.authentication_method === "phr" ? ["phr"] : [],
          createdAt: r.created_at ?? now,
          resource: null,
        },
        { tokenHash: `${LEGACY_REFRESH_TOKEN_PREFIX}${r.token}`, expiresAt: r.expires_at },
      );
      if (ok) {
        counts.refreshTokens++;
        anyLegacy = true;
      } else skip("refreshTokens", label, "already imported");
    }
    if (anyLegacy) setKv(db, LEGACY_REFRESH_TOKENS_KV_KEY, "1");

    for (const k of apiKeys) {
      if (!k.user_id || !userExists(db, k.user_id)) {
        skip("apiKeys", k.id, "its user was not imported");
        continue;
      }
      if (!k.expires_at || k.expires_at <= now) {
        skip("apiKeys", k.id, "expired");
        continue;
      }
      if (!/^[0-9a-f]{64}$/.test(k.key)) {
        skip("apiKeys", k.id, "the stored key is not a SHA-256 hex digest");
        continue;
      }
      const ok = insertImportedApiKey(
        db,
        { id: k.id, name: k.name, description: k.description ?? "", key_hash: k.key, prefix: "", user_id: k.user_id, created_at: k.created_at ?? now, expires_at: k.expires_at, last_used_at: k.last_used_at },
        k.expiration_email_sent ? now : null,
      );
      if (ok) counts.apiKeys++;
      else skip("apiKeys", k.id, "already exists in Latchkey");
    }

    for (const p of scimProviders) {
      if (!clientExists(db, p.row.oidc_client_id)) {
        skip("scimProviders", p.row.id, "its client was not imported");
        continue;
      }
      const ok = insertImportedScimProvider(db, {
        id: p.row.id,
        oidc_client_id: p.row.oidc_client_id,
        endpoint: p.endpoint,
        token: p.token === null ? null : deps.box.seal(tokenPurpose(p.row.id), p.token),
        created_at: p.row.created_at ?? now,
        last_synced_at: p.row.last_synced_at,
      });
      if (ok) counts.scimProviders++;
      else skip("scimProviders", p.row.id, "this id already exists in Latchkey, or its client already has a SCIM service provider");
    }

    importSignupTokens();
    function importSignupTokens(): void {
      // The actors (v2.12+) hold the live tokens, seeded from kv.signup_tokens_migrated: a token found in both is
      // taken from its actor (current usage count).
      const seen = new Set(actorSignupTokens.map((t) => t.token));
      let tokens: PidSignupTokenRow[] = [...actorSignupTokens, ...readLegacySignupTokens(source.db).filter((t) => !seen.has(t.token))];
      const frozen = readKv(source.db, "signup_tokens_migrated");
      if (frozen) {
        try {
          const list = JSON.parse(frozen) as { id?: string; token?: string; expiresAt?: number; usageLimit?: number; usageCount?: number; createdAt?: number; userGroupIds?: string[] }[];
          tokens = tokens.concat(
            list
              .filter((t) => typeof t.token === "string" && typeof t.expiresAt === "number" && !seen.has(t.token))
              .map((t) => ({ id: t.id ?? randomUuid(deps.random), token: t.token!, created_at: t.createdAt ?? null, expires_at: t.expiresAt!, usage_limit: t.usageLimit ?? 1, usage_count: t.usageCount ?? 0, group_ids: t.userGroupIds ?? [] })),
          );
        } catch {
          notes.push("kv.signup_tokens_migrated is not JSON: its signup tokens were not imported.");
        }
      }
      for (const t of tokens) {
        if (t.expires_at <= now || t.usage_count >= t.usage_limit) {
          skip("signupTokens", t.token.slice(0, 4), t.expires_at <= now ? "expired" : "used up");
          continue;
        }
        const groupIds = t.group_ids.filter((g) => groupExists(db, g));
        const ok = insertImportedSignupToken(
          db,
          { id: t.id, token_hash: hashToken(t.token), prefix: t.token.slice(0, 4), usage_limit: Math.min(Math.max(t.usage_limit, 1), 100), usage_count: t.usage_count, created_at: t.created_at ?? now, expires_at: t.expires_at },
          groupIds,
        );
        if (ok) counts.signupTokens++;
        else skip("signupTokens", t.token.slice(0, 4), "already exists in Latchkey");
      }
    }

    // Application configuration: actor state (v2.12+) > kv.config_migrated > app_config_variables (reference §2.12).
    importConfig();
    function importConfig(): void {
      const raw = actorConfig ?? frozenConfig ?? legacyConfig;
      if (!raw) return;
      const stored = new Set(listAppConfigEntries(db).map((r) => r.key));
      for (const [rawKey, value] of Object.entries(raw)) {
        const k = ownValue(CONFIG_RENAMES, rawKey) ?? rawKey;
        if (CONFIG_BOOKKEEPING.has(k) || value === "") continue;
        if (!Object.hasOwn(APP_CONFIG_DEFINITIONS, k)) {
          skip("appConfig", rawKey, "Latchkey has no such setting");
          continue;
        }
        if (merge && stored.has(k)) {
          skip("appConfig", k, "already set in Latchkey (kept as it is)");
          continue;
        }
        try {
          updateAppConfigFromInput({ db, clock: deps.clock, uiConfigDisabled: false, env: {}, box: deps.box }, { [k]: value });
          counts.appConfig++;
        } catch (e) {
          const field = e instanceof AppError ? e.fields[k] : undefined;
          skip("appConfig", k, field === undefined ? (e as Error).message : englishText(field));
        }
      }
    }

    for (const [name, img] of brandingImages) {
      if (merge && findAppImage(db, name)) {
        skip("brandingImages", name, "already set in Latchkey (kept as it is)");
        continue;
      }
      saveAppImage(db, name, { type: img.mime, data: img.data, updatedAt: now });
      counts.brandingImages++;
    }
    for (const [userId, img] of profilePictures) {
      // Only for users this run created: an existing Latchkey user's picture is kept.
      if (!importedUsers.has(userId)) continue;
      upsertProfilePicture(db, { userId: userId, data: img.data, contentType: img.mime, updatedAt: now });
      counts.profilePictures++;
    }

    for (const a of audit) {
      const ok = insertImportedAuditLog(db, {
        id: a.id,
        createdAt: a.created_at,
        event: a.event,
        userId: a.user_id && userExists(db, a.user_id) ? a.user_id : null,
        ipAddress: a.ip_address,
        userAgent: a.user_agent,
        data: auditData(a.data),
        country: a.country,
        city: a.city,
      });
      if (ok) counts.auditLogs++;
    }

    // The import itself is audited, in its transaction, whoever ran it (first start or CLI).
    recordAuditEvent(deps, "POCKET_ID_IMPORT", { data: { source: source.dbFile, release: source.release, ...counts, skipped: skipped.length, merge } });

    if (opts.dryRun) throw new DryRunRollback();
  };

  try {
    db.transaction(write).immediate();
  } catch (e) {
    if (!(e instanceof DryRunRollback)) throw e;
  }
  return { source: { dbFile: source.dbFile, schemaVersion: source.schemaVersion, release: source.release }, dryRun: opts.dryRun ?? false, counts, skipped, notes, problems, kid: key?.kid ?? null };
}

const ENTITY_LABELS: Record<ImportEntity, string> = {
  users: "users",
  passkeys: "passkeys",
  groups: "groups",
  memberships: "group memberships",
  customClaims: "custom claims",
  clients: "OIDC clients",
  clientSecrets: "client secrets",
  federatedIdentities: "federated identities",
  allowedGroups: "client group restrictions",
  apis: "APIs",
  apiPermissions: "API permissions",
  apiGrants: "clients' API grants",
  consents: "consents",
  signingKeys: "signing keys",
  refreshTokens: "live refresh tokens",
  apiKeys: "API keys",
  scimProviders: "SCIM service providers",
  signupTokens: "signup tokens",
  appConfig: "configuration settings",
  brandingImages: "branding images",
  profilePictures: "profile pictures",
  clientLogos: "client logos",
  auditLogs: "audit log entries",
};

/** A human summary: counts per entity, then everything skipped and why. */
export function formatImportSummary(s: PocketIdImportSummary): string {
  const lines = [
    `${s.dryRun ? "Dry run: would import" : "Imported"} from ${s.source.dbFile} (Pocket ID ${s.source.release}, schema ${s.source.schemaVersion}):`,
    ...IMPORT_ENTITIES.map((e) => `  ${ENTITY_LABELS[e]}: ${s.counts[e]}`),
  ];
  if (s.kid) lines.push(`  signing key kid: ${s.kid}`);
  if (s.skipped.length) {
    lines.push(`Skipped (${s.skipped.length}):`);
    for (const k of s.skipped.slice(0, 200)) lines.push(`  ${ENTITY_LABELS[k.entity]} ${k.id}: ${k.reason}`);
    if (s.skipped.length > 200) lines.push(`  … and ${s.skipped.length - 200} more`);
  }
  for (const n of s.notes) lines.push(`Note: ${n}`);
  for (const p of s.problems) lines.push(`Problem (the import would be refused): ${p}`);
  return lines.join("\n");
}
