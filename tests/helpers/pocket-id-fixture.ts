/**
 * Builds a real Pocket ID data folder the way Pocket ID leaves it, for the importer's tests and benchmark.
 * - Schema: written here from the storage reference (pocket-id-storage.md §1.3, §1.6 and the column history),
 *   one DDL script per layout: v1.16 (schema 20251115000000: key file in data/keys, `oidc_clients.secret` bcrypt,
 *   `app_config_variables`, `signup_tokens`, `oidc_refresh_tokens`, credential ids in a TEXT column) and v2.14
 *   (20260814120000: kv-encrypted key, secrets in `credentials` JSON, `oauth2_sessions`, Francis tables, config and
 *   signup tokens frozen in kv by the v2.12 upgrade). golang-migrate's `schema_migrations(version, dirty)`.
 * - Rows as Pocket ID encodes them: Unix seconds, JSON in BLOBs, raw credential-id bytes, COSE public keys, user
 *   handle = the 36 ASCII bytes of the id, bcrypt cost 10 ($2a$, Go's spelling) and SHA-256 hex secrets.
 * - Crypto is done here with node:crypto directly (not src/pocket-id/crypto.ts) so tests are not circular; the
 *   v1.3–v2.9 refresh JWT is signed with jose and the fixture's own key, claims as Pocket ID's
 *   GenerateOAuthRefreshToken set them.
 * - The passkey's private key stays with the test (a SoftAuthenticator credential; `passkeyPkcs8` for Chromium's
 *   virtual authenticator).
 * - The slow parts are made once per test process, like tests/helpers/fixture-signing-key.ts: the RS256 key pair
 *   (each folder still gets its own random kid) and the bcrypt client's secret with its cost-10 hash. Every other
 *   id, secret and token is drawn afresh for each folder.
 */
import { Database } from "bun:sqlite";
import { createCipheriv, createHash, createHmac, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SignJWT } from "jose";
import { encodePng } from "../../src/lib/png.ts";
import { SoftAuthenticator, type SoftCredential } from "./soft-authenticator.ts";

export type PocketIdLayout = "v1.16" | "v2.14";
export const POCKET_ID_SCHEMA_VERSION: Record<PocketIdLayout, number> = { "v1.16": 20251115000000, "v2.14": 20260814120000 };

// --- schema ------------------------------------------------------------------------------------------------

/** Tables every layout shares (as of v1.16; v2 changes some below). */
const V1_16_DDL = `
CREATE TABLE users (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME, username TEXT NOT NULL COLLATE NOCASE UNIQUE, email TEXT UNIQUE,
  first_name TEXT, last_name TEXT NOT NULL, display_name TEXT NOT NULL, is_admin NUMERIC NOT NULL DEFAULT FALSE,
  ldap_id TEXT, locale TEXT, disabled NUMERIC NOT NULL DEFAULT FALSE);
CREATE TABLE webauthn_credentials (
  id TEXT PRIMARY KEY, created_at DATETIME NOT NULL, name TEXT NOT NULL, credential_id TEXT NOT NULL UNIQUE,
  public_key BLOB NOT NULL, attestation_type TEXT NOT NULL, transport BLOB NOT NULL,
  user_id TEXT REFERENCES users ON DELETE CASCADE, backup_eligible BOOLEAN DEFAULT FALSE NOT NULL,
  backup_state BOOLEAN DEFAULT FALSE NOT NULL);
CREATE TABLE webauthn_sessions (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME, challenge TEXT NOT NULL UNIQUE, expires_at DATETIME NOT NULL,
  user_verification TEXT NOT NULL, credential_params TEXT NOT NULL DEFAULT '[]');
CREATE TABLE user_groups (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME, friendly_name TEXT NOT NULL, name TEXT NOT NULL UNIQUE, ldap_id TEXT);
CREATE UNIQUE INDEX user_groups_ldap_id ON user_groups (ldap_id);
CREATE TABLE user_groups_users (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  user_group_id TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, user_group_id));
CREATE TABLE custom_claims (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME, key TEXT NOT NULL, value TEXT NOT NULL,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE, user_group_id TEXT REFERENCES user_groups (id) ON DELETE CASCADE,
  CONSTRAINT custom_claims_unique UNIQUE (key, user_id, user_group_id),
  CHECK (user_id IS NOT NULL OR user_group_id IS NOT NULL));
CREATE TABLE oidc_clients (
  id TEXT PRIMARY KEY, created_at DATETIME NOT NULL, name TEXT, secret TEXT, callback_urls BLOB, image_type TEXT,
  created_by_id TEXT REFERENCES users ON DELETE SET NULL, is_public BOOLEAN DEFAULT FALSE, pkce_enabled BOOLEAN DEFAULT FALSE,
  logout_callback_urls BLOB, credentials TEXT, launch_url TEXT, requires_reauthentication BOOLEAN DEFAULT FALSE NOT NULL,
  dark_image_type TEXT);
CREATE TABLE oidc_clients_allowed_user_groups (
  user_group_id TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
  oidc_client_id TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
  PRIMARY KEY (oidc_client_id, user_group_id));
CREATE TABLE user_authorized_oidc_clients (
  scope TEXT, user_id TEXT NOT NULL REFERENCES users ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES oidc_clients ON DELETE CASCADE, last_used_at DATETIME NOT NULL,
  PRIMARY KEY (user_id, client_id));
CREATE TABLE oidc_authorization_codes (
  id TEXT PRIMARY KEY, created_at DATETIME NOT NULL, code TEXT NOT NULL UNIQUE, scope TEXT NOT NULL, nonce TEXT,
  expires_at DATETIME NOT NULL, user_id TEXT NOT NULL REFERENCES users ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES oidc_clients ON DELETE CASCADE, code_challenge TEXT, code_challenge_method_sha256 NUMERIC);
CREATE TABLE oidc_refresh_tokens (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME, token TEXT NOT NULL UNIQUE, expires_at DATETIME NOT NULL,
  scope TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE);
CREATE TABLE oidc_device_codes (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME, device_code TEXT NOT NULL UNIQUE, user_code TEXT NOT NULL UNIQUE,
  scope TEXT NOT NULL, expires_at DATETIME NOT NULL, is_authorized BOOLEAN NOT NULL DEFAULT FALSE,
  user_id TEXT REFERENCES users ON DELETE CASCADE, client_id TEXT NOT NULL REFERENCES oidc_clients ON DELETE CASCADE);
CREATE TABLE one_time_access_tokens (
  id TEXT PRIMARY KEY, created_at DATETIME NOT NULL, token TEXT NOT NULL UNIQUE, expires_at DATETIME NOT NULL,
  user_id TEXT NOT NULL REFERENCES users ON DELETE CASCADE);
CREATE TABLE reauthentication_tokens (
  id TEXT PRIMARY KEY, created_at DATETIME NOT NULL, token TEXT NOT NULL UNIQUE, expires_at INTEGER NOT NULL,
  user_id TEXT NOT NULL REFERENCES users ON DELETE CASCADE);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, key TEXT NOT NULL UNIQUE, description TEXT, expires_at DATETIME NOT NULL,
  last_used_at DATETIME, created_at DATETIME, user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
  expiration_email_sent BOOLEAN NOT NULL DEFAULT 0);
CREATE TABLE audit_logs (
  id TEXT PRIMARY KEY, created_at DATETIME NOT NULL, event TEXT NOT NULL, ip_address TEXT, user_agent TEXT NOT NULL,
  data BLOB NOT NULL, user_id TEXT REFERENCES users ON DELETE CASCADE, country TEXT, city TEXT);
CREATE TABLE signup_tokens (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME NOT NULL, token TEXT NOT NULL UNIQUE, expires_at DATETIME NOT NULL,
  usage_limit INTEGER NOT NULL DEFAULT 1, usage_count INTEGER NOT NULL DEFAULT 0);
CREATE TABLE kv ("key" TEXT NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
CREATE TABLE storage (
  path TEXT NOT NULL PRIMARY KEY, data BLOB NOT NULL, size INTEGER NOT NULL, mod_time DATETIME NOT NULL, created_at DATETIME NOT NULL);
CREATE TABLE app_config_variables (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
`;

/** v2.14: users rebuilt with BOOLEANs, updated_at, email_verified; credential ids in a BLOB column; client secrets in
 *  `credentials`; fosite storage; legacy token and config tables gone (frozen in kv by v2.12). */
const V2_14_DDL = `
CREATE TABLE users (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME, updated_at DATETIME, username TEXT COLLATE NOCASE NOT NULL UNIQUE,
  email TEXT UNIQUE, first_name TEXT NOT NULL, last_name TEXT NOT NULL, display_name TEXT NOT NULL,
  is_admin BOOLEAN DEFAULT FALSE NOT NULL, ldap_id TEXT UNIQUE, locale TEXT, disabled BOOLEAN DEFAULT FALSE NOT NULL,
  email_verified BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE webauthn_credentials (
  id TEXT PRIMARY KEY, created_at DATETIME NOT NULL, name TEXT NOT NULL, credential_id BLOB NOT NULL UNIQUE,
  public_key BLOB NOT NULL, attestation_type TEXT NOT NULL, transport BLOB NOT NULL,
  user_id TEXT REFERENCES users ON DELETE CASCADE, backup_eligible BOOLEAN DEFAULT FALSE NOT NULL,
  backup_state BOOLEAN DEFAULT FALSE NOT NULL);
CREATE TABLE webauthn_sessions (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME, challenge TEXT NOT NULL UNIQUE, expires_at DATETIME NOT NULL,
  user_verification TEXT NOT NULL, credential_params BLOB DEFAULT '[]' NOT NULL);
CREATE TABLE user_groups (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME, friendly_name TEXT NOT NULL, name TEXT NOT NULL UNIQUE,
  ldap_id TEXT, updated_at DATETIME);
CREATE UNIQUE INDEX user_groups_ldap_id ON user_groups (ldap_id);
CREATE TABLE user_groups_users (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  user_group_id TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, user_group_id));
CREATE TABLE custom_claims (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME, key TEXT NOT NULL, value TEXT NOT NULL,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE, user_group_id TEXT REFERENCES user_groups (id) ON DELETE CASCADE,
  CONSTRAINT custom_claims_unique UNIQUE (key, user_id, user_group_id),
  CHECK (user_id IS NOT NULL OR user_group_id IS NOT NULL));
CREATE TABLE oidc_clients (
  id TEXT PRIMARY KEY, created_at DATETIME NOT NULL, name TEXT, callback_urls BLOB, image_type TEXT,
  created_by_id TEXT REFERENCES users ON DELETE SET NULL, is_public BOOLEAN DEFAULT FALSE, pkce_enabled BOOLEAN DEFAULT FALSE,
  logout_callback_urls BLOB, credentials BLOB, launch_url TEXT, requires_reauthentication BOOLEAN NOT NULL DEFAULT FALSE,
  dark_image_type TEXT, is_group_restricted BOOLEAN NOT NULL DEFAULT 0,
  requires_pushed_authorization_requests BOOLEAN NOT NULL DEFAULT FALSE, skip_consent BOOLEAN NOT NULL DEFAULT FALSE,
  pkce_supported BOOLEAN NOT NULL DEFAULT 0, description TEXT NOT NULL DEFAULT '', client_type TEXT NOT NULL DEFAULT 'standard',
  metadata_expires_at DATETIME, metadata_grant_types BLOB, access_token_duration_minutes INTEGER NOT NULL DEFAULT 60,
  refresh_token_duration_minutes INTEGER NOT NULL DEFAULT 43200);
CREATE TABLE oidc_clients_allowed_user_groups (
  user_group_id TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
  oidc_client_id TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
  PRIMARY KEY (oidc_client_id, user_group_id));
CREATE TABLE user_authorized_oidc_clients (
  scope BLOB NOT NULL DEFAULT X'5B5D', user_id TEXT NOT NULL REFERENCES users ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES oidc_clients ON DELETE CASCADE, last_used_at DATETIME NOT NULL,
  PRIMARY KEY (user_id, client_id));
CREATE TABLE oauth2_sessions (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, request_id TEXT NOT NULL,
  client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE, access_token_signature TEXT NOT NULL DEFAULT '',
  active BOOLEAN NOT NULL DEFAULT TRUE, request_data BLOB NOT NULL, expires_at DATETIME,
  CONSTRAINT chk_oauth2_sessions_client_id CHECK (client_id = json_extract(CAST(request_data AS TEXT), '$.client_id')));
CREATE UNIQUE INDEX idx_oauth2_sessions_kind_key ON oauth2_sessions (kind, key);
CREATE TABLE oauth2_jtis (id TEXT NOT NULL PRIMARY KEY, created_at DATETIME NOT NULL, jti TEXT NOT NULL UNIQUE, expires_at DATETIME NOT NULL);
CREATE TABLE interaction_sessions (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME NOT NULL, consent_required BOOLEAN NOT NULL DEFAULT FALSE,
  reauthentication_required BOOLEAN NOT NULL DEFAULT FALSE, authentication_required BOOLEAN NOT NULL DEFAULT FALSE,
  account_selection_required BOOLEAN NOT NULL DEFAULT FALSE, scopes BLOB NOT NULL DEFAULT X'5B5D',
  client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE, user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
  requested_at DATETIME NOT NULL, reauthenticated_at DATETIME, parameters BLOB NOT NULL DEFAULT X'7B7D');
CREATE TABLE reauthentication_tokens (
  id TEXT PRIMARY KEY, created_at DATETIME NOT NULL, token TEXT NOT NULL UNIQUE, expires_at DATETIME NOT NULL,
  user_id TEXT NOT NULL REFERENCES users ON DELETE CASCADE);
CREATE TABLE apis (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME NOT NULL, updated_at DATETIME, name TEXT NOT NULL,
  audience TEXT NOT NULL UNIQUE, allow_cimd_clients BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE api_permissions (
  id TEXT NOT NULL PRIMARY KEY, created_at DATETIME NOT NULL, api_id TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE,
  key TEXT NOT NULL, name TEXT NOT NULL, description TEXT, allowed_for_cimd_clients BOOLEAN NOT NULL DEFAULT FALSE,
  UNIQUE (api_id, key));
CREATE TABLE oidc_clients_allowed_api_permissions (
  oidc_client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  api_permission_id TEXT NOT NULL REFERENCES api_permissions(id) ON DELETE CASCADE,
  subject_type TEXT NOT NULL CHECK (subject_type IN ('user', 'client')), PRIMARY KEY (oidc_client_id, api_permission_id, subject_type));
CREATE TABLE oidc_clients_allowed_apis (
  oidc_client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE, api_id TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE,
  subject_type TEXT NOT NULL CHECK (subject_type IN ('user', 'client')), PRIMARY KEY (oidc_client_id, api_id, subject_type));
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, key TEXT NOT NULL UNIQUE, description TEXT, expires_at DATETIME NOT NULL,
  last_used_at DATETIME, created_at DATETIME, user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
  expiration_email_sent BOOLEAN NOT NULL DEFAULT 0);
CREATE TABLE audit_logs (
  id TEXT PRIMARY KEY, created_at DATETIME NOT NULL, event TEXT NOT NULL, ip_address TEXT, user_agent TEXT NOT NULL,
  data BLOB NOT NULL, user_id TEXT REFERENCES users ON DELETE CASCADE, country TEXT, city TEXT);
CREATE TABLE scim_service_providers (
  id TEXT PRIMARY KEY, created_at DATETIME NOT NULL, endpoint TEXT NOT NULL, token TEXT NOT NULL, last_synced_at DATETIME,
  oidc_client_id TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE);
CREATE TABLE kv ("key" TEXT NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
CREATE TABLE storage (
  path TEXT NOT NULL PRIMARY KEY, data BLOB NOT NULL, size INTEGER NOT NULL, mod_time DATETIME NOT NULL, created_at DATETIME NOT NULL);
CREATE TABLE francis_metadata (key text NOT NULL PRIMARY KEY, value text NOT NULL) STRICT;
CREATE TABLE francis_actor_state (
  actor_type text NOT NULL, actor_id text NOT NULL, actor_state_data blob NOT NULL, actor_state_expiration_time integer,
  PRIMARY KEY (actor_type, actor_id)) STRICT;
`;

const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE schema_migrations (version uint64, dirty bool);
CREATE UNIQUE INDEX version_unique ON schema_migrations (version);`;

// --- options and result ------------------------------------------------------------------------------------

export interface PocketIdFixtureOptions {
  layout: PocketIdLayout;
  /** The data folder to create (`<dataDir>/pocket-id.db`, `uploads/`, `keys/`). */
  dataDir: string;
  /** ENCRYPTION_KEY as the deployment's env holds it (raw bytes of this string). */
  encryptionKey: string;
  /** APP_URL of the Pocket ID install (RP id = its host). */
  appUrl: string;
  /** Unix seconds "now" when the folder is written (expiries are relative to it). */
  now: number;
  /** v1 only: where the signing key lives (default `file-encrypted`, the v1.6+ default with ENCRYPTION_KEY). */
  keyStorage?: "file" | "file-encrypted" | "database";
  /** Bulk rows on top of the named ones (benchmark). */
  scale?: { users: number; passkeys: number; clients: number };
  /** Another signing key than the default RS256 one (Pocket ID's key-rotate writes others): the private JWK for a kid. */
  signingJwk?: (kid: string) => Record<string, string>;
  /** State of golang-migrate's bookkeeping: `dirty` (a failed migration), `unknown` (a newer release), `missing`. */
  migrationState?: "clean" | "dirty" | "unknown" | "missing";
}

export interface FixtureClient {
  id: string;
  name: string;
  secret: string | null;
  callbackUrl: string;
}

export interface PocketIdFixture {
  layout: PocketIdLayout;
  dataDir: string;
  dbPath: string;
  instanceId: string;
  schemaVersion: number;
  /** The private signing JWK (with kid and alg) Pocket ID signs with. */
  signingJwk: Record<string, string>;
  alice: { id: string; username: string; email: string; groups: string[]; claims: Record<string, string> };
  bob: { id: string; username: string };
  /** Alice's passkey: the credential a test can sign with. */
  passkey: SoftCredential;
  /** The passkey's P-256 private key as PKCS#8 base64 (CDP WebAuthn.addCredential). */
  passkeyPkcs8: string;
  /** Confidential client whose secret is a bcrypt hash (v1: `secret` column; v2: migrated into credentials). */
  bcryptClient: FixtureClient;
  /** v2 only: confidential client with a sha256 secret. */
  sha256Client: FixtureClient | null;
  publicClient: FixtureClient;
  /** v2 only: a live fosite refresh token of Alice at the sha256 client. */
  refreshToken: { token: string; signature: string; clientId: string; userId: string; scope: string[]; expiresAt: number } | null;
  /** v2.14: the SCIM provider of the sha256 client, its token as Pocket ID encrypts it (EncryptedString). */
  scimProvider: { id: string; clientId: string; endpoint: string; token: string; lastSyncedAt: number } | null;
  /**
   * v1 only: a live ≤ v2.9 refresh token of Alice at the bcrypt client: `token` as v1.3–v2.9 handed it out (a JWT
   * signed with the signing key around `value`), `rawToken` another live one as v0.44–v1.2 handed it out (the
   * value itself). The database holds their SHA-256 hex, plus an expired one.
   */
  legacyRefreshToken: { token: string; value: string; rawToken: string; clientId: string; userId: string; scope: string[]; expiresAt: number } | null;
  apiKey: { key: string; id: string };
  signupToken: { token: string; expiresAt: number };
  /** v2 only: a signup token made after the v2.12 upgrade (only in the Francis actor store). */
  actorSignupToken: { token: string; expiresAt: number } | null;
  groups: { admins: string; family: string };
  counts: { users: number; passkeys: number; clients: number; groups: number };
}

// --- helpers -----------------------------------------------------------------------------------------------

const sha256Hex = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const json = (v: unknown) => Buffer.from(JSON.stringify(v)); // Go's json.Marshal → []byte → BLOB
const uuid = () => crypto.randomUUID();

function sealGcm(key: Uint8Array, plaintext: string): string {
  const nonce = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, nonce);
  const ct = Buffer.concat([c.update(plaintext, "utf8"), c.final()]);
  return Buffer.concat([nonce, ct, c.getAuthTag()]).toString("base64");
}

async function bcryptLikeGo(secret: string): Promise<string> {
  // Go's x/crypto/bcrypt writes $2a$; the hash itself is the same algorithm Bun computes as $2b$.
  return (await Bun.password.hash(secret, { algorithm: "bcrypt", cost: 10 })).replace(/^\$2b\$/, "$2a$");
}

/** Made once per test process (see the header): the RSA key takes ~50 ms, the bcrypt hash ~60 ms. */
let slowParts: Promise<{ privateKey: KeyObject; privateJwk: Record<string, string>; bcryptSecret: string; bcryptHash: string }> | null = null;
function fixtureSlowParts() {
  slowParts ??= (async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const bcryptSecret = randomAlnum(32);
    return { privateKey, privateJwk: privateKey.export({ format: "jwk" }) as Record<string, string>, bcryptSecret, bcryptHash: await bcryptLikeGo(bcryptSecret) };
  })();
  return slowParts;
}

function randomAlnum(n: number): string {
  const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => a[b % a.length]).join("");
}

function png(r: number, g: number, b: number): Uint8Array {
  const rgb = new Uint8Array(4 * 4 * 3);
  for (let i = 0; i < rgb.length; i += 3) rgb.set([r, g, b], i);
  return encodePng(4, 4, rgb);
}

// --- the builder -------------------------------------------------------------------------------------------

export async function buildPocketIdDataFolder(o: PocketIdFixtureOptions): Promise<PocketIdFixture> {
  const v2 = o.layout === "v2.14";
  const now = o.now;
  mkdirSync(o.dataDir, { recursive: true });
  const dbPath = path.join(o.dataDir, "pocket-id.db");
  const uploads = path.join(o.dataDir, "uploads");
  const db = new Database(dbPath, { create: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(v2 ? V2_14_DDL : V1_16_DDL);
  db.exec(SCHEMA_MIGRATIONS_DDL);
  const schemaVersion = o.migrationState === "unknown" ? 20990101000000 : POCKET_ID_SCHEMA_VERSION[o.layout];
  if (o.migrationState !== "missing") db.query("INSERT INTO schema_migrations (version, dirty) VALUES (?, ?)").run(schemaVersion, o.migrationState === "dirty" ? 1 : 0);

  const rpId = new URL(o.appUrl).hostname;
  const instanceId = uuid();
  const ek = Buffer.from(o.encryptionKey, "utf8");

  // Signing key: RS256 with an 11-character kid (base64url of 8 random bytes), as Pocket ID generates it.
  const slow = await fixtureSlowParts();
  const kid = randomBytes(8).toString("base64url");
  const signingJwk = o.signingJwk ? o.signingJwk(kid) : { ...slow.privateJwk, kid, use: "sig", alg: "RS256" };
  const jwkText = JSON.stringify(signingJwk) + "\n";
  const kek = createHmac("sha3-256", ek).update(`pocketid/${instanceId}/jwk-kek`, "utf8").digest();
  if (v2 || o.keyStorage === "database") {
    db.query("INSERT INTO kv (key, value) VALUES ('jwt_private_key.json', ?)").run(sealGcm(kek, jwkText));
  } else {
    mkdirSync(path.join(o.dataDir, "keys"), { recursive: true });
    if (o.keyStorage === "file") writeFileSync(path.join(o.dataDir, "keys", "jwt_private_key.json"), jwkText);
    else writeFileSync(path.join(o.dataDir, "keys", "jwt_private_key.json.enc"), sealGcm(kek, jwkText));
  }

  // Application configuration (string values, Pocket ID's JSON keys).
  const config: Record<string, string> = {
    appName: "Family Cloud",
    accentColor: "#0f766e",
    sessionDuration: "120",
    allowUserSignups: "withToken",
    emailsVerified: "true",
    emailLoginNotificationEnabled: "true",
    smtpHost: "mail.example.org",
    smtpPort: "465",
    smtpFrom: "id@example.org",
    smtpTls: "tls",
    smtpPassword: "smtp-pass-plain",
  };
  if (v2) {
    db.query("INSERT INTO kv (key, value) VALUES ('instance_id', ?)").run(instanceId);
    // The v2.12 upgrade froze the old table into kv (with what was set then: an older name and colour)…
    db.query("INSERT INTO kv (key, value) VALUES ('config_migrated', ?)").run(JSON.stringify({ ...config, appName: "Old Name", accentColor: "#111111" }));
    db.query("INSERT INTO francis_metadata (key, value) VALUES ('migrations-version', '4')").run();
    // …and the AppConfig actor owns the live copy since: MessagePack of AppConfigModel keyed by Go field names, every
    // field a string, defaults filled in (vmihailenco/msgpack encodes a tagless struct as a map of its field names).
    const { encode } = await import("@msgpack/msgpack");
    const model: Record<string, string> = {
      AppName: config.appName!, SessionDuration: config.sessionDuration!, HomePageURL: "/settings/account", EmailsVerified: config.emailsVerified!,
      AccentColor: config.accentColor!, DisableAnimations: "false", AllowOwnAccountEdit: "true", AllowUserSignups: config.allowUserSignups!,
      SignupDefaultUserGroupIDs: "[]", SignupDefaultCustomClaims: "[]", RequireUserEmail: "false", SmtpHost: config.smtpHost!, SmtpPort: config.smtpPort!,
      SmtpFrom: config.smtpFrom!, SmtpUser: "", SmtpPassword: config.smtpPassword!, SmtpTls: config.smtpTls!, SmtpSkipCertVerify: "false",
      EmailLoginNotificationEnabled: config.emailLoginNotificationEnabled!, EmailOneTimeAccessAsUnauthenticatedEnabled: "false",
      EmailOneTimeAccessAsAdminEnabled: "false", EmailApiKeyExpirationEnabled: "false", EmailVerificationEnabled: "false", LdapEnabled: "false",
      WebauthnUserVerification: "required", WebauthnAllowSyncedPasskeys: "true", WebauthnAuthenticatorAttachment: "any", CIMDURLAllowlist: "[]",
    };
    db.query("INSERT INTO francis_actor_state (actor_type, actor_id, actor_state_data, actor_state_expiration_time) VALUES ('AppConfig', 'singleton', ?, NULL)").run(
      encode(model),
    );
  } else {
    const ins = db.query("INSERT INTO app_config_variables (key, value) VALUES (?, ?)");
    for (const [k, v] of Object.entries(config)) ins.run(k, v);
    ins.run("instanceId", instanceId);
  }

  // Users.
  const alice = { id: uuid(), username: "alice", email: "alice@example.org", groups: [] as string[], claims: { department: "research", shoe_size: "38" } as Record<string, string> };
  const bob = { id: uuid(), username: "Bob" };
  const insertUser = v2
    ? db.query(
        `INSERT INTO users (id, created_at, updated_at, username, email, first_name, last_name, display_name, is_admin, ldap_id, locale, disabled, email_verified)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
    : db.query(
        `INSERT INTO users (id, created_at, username, email, first_name, last_name, display_name, is_admin, ldap_id, locale, disabled)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
  const addUser = (u: { id: string; username: string; email: string | null; first: string; last: string; admin: boolean; ldap: string | null; locale: string | null; disabled: boolean; verified: boolean; created: number }) =>
    v2
      ? insertUser.run(u.id, u.created, u.created + 60, u.username, u.email, u.first, u.last, `${u.first} ${u.last}`.trim(), u.admin ? 1 : 0, u.ldap, u.locale, u.disabled ? 1 : 0, u.verified ? 1 : 0)
      : insertUser.run(u.id, u.created, u.username, u.email, u.first, u.last, `${u.first} ${u.last}`.trim(), u.admin ? 1 : 0, u.ldap, u.locale, u.disabled ? 1 : 0);
  addUser({ id: alice.id, username: alice.username, email: alice.email, first: "Alice", last: "Liddell", admin: true, ldap: null, locale: "de", disabled: false, verified: true, created: now - 86400 * 300 });
  addUser({ id: bob.id, username: bob.username, email: null, first: "Bob", last: "", admin: false, ldap: "uid=bob,ou=people,dc=example,dc=org", locale: null, disabled: true, verified: false, created: now - 86400 * 200 });

  // Alice's passkey: registered through a real (software) authenticator with her 36-byte user handle.
  const authr = new SoftAuthenticator(undefined, { backupEligible: true, backedUp: true });
  authr.register(
    {
      rp: { id: rpId, name: "Pocket ID" },
      user: { id: Buffer.from(alice.id, "utf8").toString("base64url"), name: alice.username, displayName: "Alice Liddell" },
      challenge: randomBytes(32).toString("base64url"),
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
    },
    { origin: o.appUrl },
  );
  const passkey = authr.credentials[0]!;
  const insertCred = db.query(
    `INSERT INTO webauthn_credentials (id, created_at, name, credential_id, public_key, attestation_type, transport, user_id, backup_eligible, backup_state)
     VALUES (?, ?, ?, ?, ?, 'none', ?, ?, ?, ?)`,
  );
  // v1.16 declares credential_id TEXT but writes []byte (BLOB storage class); v2 declares BLOB.
  insertCred.run(uuid(), now - 86400 * 299, "iCloud Keychain", Buffer.from(passkey.id, "base64url"), Buffer.from(passkey.publicKeyCose), json(["hybrid", "internal"]), alice.id, 1, 1);

  // Groups, memberships, claims.
  const groups = { admins: uuid(), family: uuid() };
  const insertGroup = v2
    ? db.query("INSERT INTO user_groups (id, created_at, friendly_name, name, ldap_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
    : db.query("INSERT INTO user_groups (id, created_at, friendly_name, name, ldap_id) VALUES (?, ?, ?, ?, ?)");
  const addGroup = (id: string, friendly: string, name: string, ldap: string | null) => (v2 ? insertGroup.run(id, now - 1000, friendly, name, ldap, now - 500) : insertGroup.run(id, now - 1000, friendly, name, ldap));
  addGroup(groups.admins, "Administrators", "admins", null);
  addGroup(groups.family, "The Family", "family", "cn=family,ou=groups,dc=example,dc=org");
  alice.groups = ["admins", "family"];
  const member = db.query("INSERT INTO user_groups_users (user_id, user_group_id) VALUES (?, ?)");
  member.run(alice.id, groups.admins);
  member.run(alice.id, groups.family);
  member.run(bob.id, groups.family);
  const claim = db.query("INSERT INTO custom_claims (id, created_at, key, value, user_id, user_group_id) VALUES (?, ?, ?, ?, ?, ?)");
  claim.run(uuid(), now - 100, "department", "research", alice.id, null);
  claim.run(uuid(), now - 100, "shoe_size", "38", alice.id, null);
  claim.run(uuid(), now - 100, "department", "household", null, groups.family);

  // Clients.
  const bcryptClient: FixtureClient = { id: uuid(), name: "Nextcloud", secret: slow.bcryptSecret, callbackUrl: "http://127.0.0.1:9999/callback" };
  const sha256Client: FixtureClient | null = v2 ? { id: "immich", name: "Immich", secret: randomAlnum(32), callbackUrl: "http://127.0.0.1:9998/callback" } : null;
  const publicClient: FixtureClient = { id: uuid(), name: "CLI tool", secret: null, callbackUrl: "http://127.0.0.1:9997/cb" };
  const bcryptHash = slow.bcryptHash;
  if (v2) {
    const insertClient = db.query(
      `INSERT INTO oidc_clients (id, created_at, name, callback_urls, image_type, created_by_id, is_public, pkce_enabled, logout_callback_urls, credentials,
         launch_url, requires_reauthentication, dark_image_type, is_group_restricted, requires_pushed_authorization_requests, skip_consent,
         pkce_supported, description, client_type, access_token_duration_minutes, refresh_token_duration_minutes)
       VALUES ($id, $created_at, $name, $callback_urls, $image_type, $created_by_id, $is_public, $pkce_enabled, $logout_callback_urls, $credentials,
         $launch_url, $reauth, $dark_image_type, $restricted, $par, $skip_consent, 0, $description, 'standard', $at, $rt)`,
    );
    const created = now - 86400 * 100;
    insertClient.run({
      $id: bcryptClient.id, $created_at: created, $name: bcryptClient.name, $callback_urls: json([bcryptClient.callbackUrl]), $image_type: "png",
      $created_by_id: alice.id, $is_public: 0, $pkce_enabled: 0, $logout_callback_urls: json(["http://127.0.0.1:9999/logged-out"]),
      $credentials: json({ secrets: [{ id: uuid(), alg: "bcrypt", hash: bcryptHash, createdAt: new Date(created * 1000).toISOString() }] }),
      $launch_url: "https://cloud.example.org", $reauth: 0, $dark_image_type: "png", $restricted: 1, $par: 0, $skip_consent: 0,
      $description: "Files", $at: 30, $rt: 20160,
    });
    insertClient.run({
      $id: sha256Client!.id, $created_at: created, $name: sha256Client!.name, $callback_urls: json([sha256Client!.callbackUrl]), $image_type: null,
      $created_by_id: alice.id, $is_public: 0, $pkce_enabled: 1, $logout_callback_urls: Buffer.from("null"),
      $credentials: json({
        secrets: [
          { id: uuid(), alg: "sha256", hash: sha256Hex(sha256Client!.secret!), prefix: sha256Client!.secret!.slice(0, 4), createdAt: new Date((now - 3600) * 1000).toISOString() },
          { id: uuid(), alg: "sha256", hash: sha256Hex("an-expired-secret-aaaaaaaaaaaaaaa"), prefix: "an-e", createdAt: new Date(created * 1000).toISOString(), expiresAt: new Date((now - 60) * 1000).toISOString() },
        ],
        // Pocket ID's federated client credentials: the first of an issuer is the one Pocket ID uses; the second of the
        // same issuer never authenticated anything; a plain-http issuer.
        federatedIdentities: [
          { issuer: "https://token.actions.githubusercontent.com", subject: "repo:octo/immich:ref:refs/heads/main", jwks: "https://token.actions.githubusercontent.com/.well-known/jwks", replayProtection: true },
          { issuer: "https://token.actions.githubusercontent.com", subject: "repo:octo/other:ref:refs/heads/main" },
          { issuer: "http://k8s.example.org" },
        ],
      }),
      $launch_url: null, $reauth: 1, $dark_image_type: null, $restricted: 0, $par: 1, $skip_consent: 1, $description: "", $at: 60, $rt: 43200,
    });
    insertClient.run({
      $id: publicClient.id, $created_at: created, $name: publicClient.name, $callback_urls: json([publicClient.callbackUrl]), $image_type: null,
      $created_by_id: null, $is_public: 1, $pkce_enabled: 1, $logout_callback_urls: null, $credentials: json({ federatedIdentities: [{ issuer: "https://k8s.example.org" }] }),
      $launch_url: null, $reauth: 0, $dark_image_type: null, $restricted: 0, $par: 0, $skip_consent: 0, $description: "", $at: 60, $rt: 43200,
    });
  } else {
    const insertClient = db.query(
      `INSERT INTO oidc_clients (id, created_at, name, secret, callback_urls, image_type, created_by_id, is_public, pkce_enabled, logout_callback_urls,
         credentials, launch_url, requires_reauthentication, dark_image_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    insertClient.run(bcryptClient.id, now - 86400 * 100, bcryptClient.name, bcryptHash, json([bcryptClient.callbackUrl]), "png", alice.id, 0, 0, json(["http://127.0.0.1:9999/logged-out"]), null, "https://cloud.example.org", 0, "png");
    insertClient.run(publicClient.id, now - 86400 * 100, publicClient.name, null, json([publicClient.callbackUrl]), null, null, 1, 1, json([]), null, null, 0, null);
  }
  // The bcrypt client admits the admins group only (v1: restricted ⇔ rows exist).
  db.query("INSERT INTO oidc_clients_allowed_user_groups (user_group_id, oidc_client_id) VALUES (?, ?)").run(groups.admins, bcryptClient.id);
  // Alice consented to the bcrypt client (v1: space-separated scope text; v2: JSON array).
  db.query("INSERT INTO user_authorized_oidc_clients (scope, user_id, client_id, last_used_at) VALUES (?, ?, ?, ?)").run(
    v2 ? json(["openid", "profile", "email", "groups"]) : "openid profile email groups",
    alice.id,
    bcryptClient.id,
    now - 7200,
  );

  // A live refresh token (v2.10+ fosite storage).
  let refreshToken: PocketIdFixture["refreshToken"] = null;
  if (v2) {
    const secret = Buffer.from(hkdfSync("sha256", ek, Buffer.alloc(0), "pocketid/fosite_global_secret", 32));
    const addToken = (opts: { active: boolean; expiresAt: number }) => {
      const random = randomBytes(32);
      const signature = createHmac("sha512-256", secret).update(random).digest("base64url");
      const requestId = uuid();
      const requestData = {
        id: requestId,
        requested_at: new Date((now - 600) * 1000).toISOString(),
        client_id: sha256Client!.id,
        requested_scope: ["openid", "profile", "offline_access", "photos:read"],
        granted_scope: ["openid", "profile", "offline_access", "photos:read"],
        form: {},
        session: { id_token_claims: null, headers: null, expires_at: { refresh_token: new Date(opts.expiresAt * 1000).toISOString() }, subject: alice.id, authentication_method: "passkey" },
        requested_audience: [sha256Client!.id, "https://photos.example.org/api"],
        granted_audience: [sha256Client!.id, "https://photos.example.org/api"],
      };
      db.query(
        `INSERT INTO oauth2_sessions (id, created_at, kind, key, request_id, client_id, access_token_signature, active, request_data, expires_at)
         VALUES (?, ?, 'refresh_token', ?, ?, ?, '', ?, ?, ?)`,
      ).run(uuid(), now - 600, signature, requestId, sha256Client!.id, opts.active ? 1 : 0, json(requestData), opts.expiresAt);
      return { token: `pocket_id_rt_${random.toString("base64url")}.${signature}`, signature };
    };
    const live = addToken({ active: true, expiresAt: now + 86400 * 30 });
    addToken({ active: false, expiresAt: now + 86400 * 30 }); // rotated
    addToken({ active: true, expiresAt: now - 10 }); // expired
    refreshToken = { ...live, clientId: sha256Client!.id, userId: alice.id, scope: ["openid", "profile", "offline_access"], expiresAt: now + 86400 * 30 };
  }

  // ≤ v2.9 refresh tokens: the SHA-256 hex of 40 random alphanumerics, 30 days; v1.3+ wraps the value in a JWT.
  let legacyRefreshToken: PocketIdFixture["legacyRefreshToken"] = null;
  if (!v2) {
    const scope = "openid profile email offline_access";
    const addLegacy = (expiresAt: number) => {
      const value = randomAlnum(40);
      db.query("INSERT INTO oidc_refresh_tokens (id, created_at, token, expires_at, scope, user_id, client_id) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
        uuid(), expiresAt - 86400 * 30, sha256Hex(value), expiresAt, scope, alice.id, bcryptClient.id,
      );
      return value;
    };
    const expiresAt = now + 86400 * 29;
    const value = addLegacy(expiresAt);
    const rawToken = addLegacy(now + 86400 * 2);
    addLegacy(now - 10); // expired
    const token = await new SignJWT({ rt: value, aud: bcryptClient.id, type: "refresh-token" })
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .setSubject(alice.id)
      .setIssuer(o.appUrl)
      .setIssuedAt(expiresAt - 86400 * 30)
      .setExpirationTime(expiresAt)
      .sign(slow.privateKey);
    legacyRefreshToken = { token, value, rawToken, clientId: bcryptClient.id, userId: alice.id, scope: scope.split(" "), expiresAt };
  }

  // v2.10+: a resource server with a permission; Immich may request it for people (v2.14's grant tables).
  if (v2) {
    const apiId = uuid();
    const permissionId = uuid();
    db.query("INSERT INTO apis (id, created_at, name, audience, allow_cimd_clients) VALUES (?, ?, 'Photos API', 'https://photos.example.org/api/', 0)").run(apiId, now - 5000);
    db.query("INSERT INTO api_permissions (id, created_at, api_id, key, name, description) VALUES (?, ?, ?, 'photos:read', 'See your photos', 'Albums and pictures')").run(permissionId, now - 5000, apiId);
    db.query("INSERT INTO api_permissions (id, created_at, api_id, key, name) VALUES (?, ?, ?, 'bad key', 'Not a scope')").run(uuid(), now - 5000, apiId);
    db.query("INSERT INTO oidc_clients_allowed_apis (oidc_client_id, api_id, subject_type) VALUES (?, ?, 'user')").run(sha256Client!.id, apiId);
    db.query("INSERT INTO oidc_clients_allowed_api_permissions (oidc_client_id, api_permission_id, subject_type) VALUES (?, ?, 'user')").run(sha256Client!.id, permissionId);
  }

  // v2.14: a SCIM provider; the token is an EncryptedString: base64(nonce ‖ AES-256-GCM(HKDF-SHA256(key,
  // "pocketid/encrypted_string"), AAD "encrypted_string") ‖ tag) (model/types/encrypted_string.go).
  let scimProvider: PocketIdFixture["scimProvider"] = null;
  if (v2) {
    scimProvider = { id: uuid(), clientId: sha256Client!.id, endpoint: "https://immich.example.org/api/scim/v2/", token: `scim-${randomAlnum(24)}`, lastSyncedAt: now - 1800 };
    const scimKey = Buffer.from(hkdfSync("sha256", ek, Buffer.alloc(0), "pocketid/encrypted_string", 32));
    const nonce = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", scimKey, nonce);
    c.setAAD(Buffer.from("encrypted_string"));
    const sealed = Buffer.concat([nonce, c.update(scimProvider.token, "utf8"), c.final(), c.getAuthTag()]).toString("base64");
    db.query("INSERT INTO scim_service_providers (id, created_at, endpoint, token, last_synced_at, oidc_client_id) VALUES (?, ?, ?, ?, ?, ?)").run(
      scimProvider.id, now - 86400, scimProvider.endpoint, sealed, scimProvider.lastSyncedAt, scimProvider.clientId,
    );
  }

  // API key (SHA-256 hex of 32 alphanumerics).
  const apiKey = { key: randomAlnum(32), id: uuid() };
  db.query("INSERT INTO api_keys (id, name, key, description, expires_at, last_used_at, created_at, user_id, expiration_email_sent) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 0)").run(
    apiKey.id, "backup script", sha256Hex(apiKey.key), "nightly", now + 86400 * 90, now - 86400, alice.id,
  );

  // Signup tokens: one valid, one expired (v2.14: plus one created after the v2.12 upgrade, only in the actor store).
  const signupToken = { token: randomAlnum(16), expiresAt: now + 86400 * 7 };
  const expiredSignup = randomAlnum(16);
  let actorSignupToken: PocketIdFixture["actorSignupToken"] = null;
  if (v2) {
    const migratedId = uuid();
    db.query("INSERT INTO kv (key, value) VALUES ('signup_tokens_migrated', ?)").run(
      JSON.stringify([
        { id: migratedId, token: signupToken.token, expiresAt: signupToken.expiresAt, usageLimit: 5, usageCount: 1, createdAt: now - 3600, userGroupIds: [groups.family] },
        { id: uuid(), token: expiredSignup, expiresAt: now - 60, usageLimit: 1, usageCount: 0, createdAt: now - 86400 * 10, userGroupIds: [] },
      ]),
    );
    // SignupToken actors: actor id = the token; state = MessagePack of SignupTokenState (time.Time as timestamp ext);
    // TTL = expiry in Unix ms. The migrated token was seeded into an actor and used once more since.
    const { encode } = await import("@msgpack/msgpack");
    const addActor = (token: string, st: { ID: string; UsageLimit: number; UsageCount: number; UserGroupIDs: string[] | null; CreatedAt: number; ExpiresAt: number }) =>
      db.query("INSERT INTO francis_actor_state (actor_type, actor_id, actor_state_data, actor_state_expiration_time) VALUES ('SignupToken', ?, ?, ?)").run(
        token,
        encode({ ...st, CreatedAt: new Date(st.CreatedAt * 1000), ExpiresAt: new Date(st.ExpiresAt * 1000) }),
        st.ExpiresAt * 1000,
      );
    addActor(signupToken.token, { ID: migratedId, UsageLimit: 5, UsageCount: 2, UserGroupIDs: [groups.family], CreatedAt: now - 3600, ExpiresAt: signupToken.expiresAt });
    actorSignupToken = { token: randomAlnum(16), expiresAt: now + 86400 * 3 };
    addActor(actorSignupToken.token, { ID: uuid(), UsageLimit: 1, UsageCount: 0, UserGroupIDs: null, CreatedAt: now - 60, ExpiresAt: actorSignupToken.expiresAt });
  } else {
    const st = db.query("INSERT INTO signup_tokens (id, created_at, token, expires_at, usage_limit, usage_count) VALUES (?, ?, ?, ?, ?, ?)");
    st.run(uuid(), now - 3600, signupToken.token, signupToken.expiresAt, 5, 1);
    st.run(uuid(), now - 86400 * 10, expiredSignup, now - 60, 1, 0);
  }

  // Audit log: a recent sign-in and one older than the default 90-day retention.
  const audit = db.query("INSERT INTO audit_logs (id, created_at, event, ip_address, user_agent, data, user_id, country, city) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  audit.run(uuid(), now - 3600, "SIGN_IN", "192.0.2.10", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", json({ method: "passkey" }), alice.id, "DE", "Berlin");
  audit.run(uuid(), now - 86400 * 120, "SIGN_IN", "192.0.2.11", "curl/8.0", json({}), alice.id, null, null);
  // Details that are not a JSON object: imported with none ({}), never aborting the import.
  audit.run(uuid(), now - 1800, "SIGN_OUT", "192.0.2.10", "curl/8.0", "{not json", alice.id, null, null);

  // Uploads: a profile picture, client logos, branding.
  mkdirSync(path.join(uploads, "profile-pictures", "defaults"), { recursive: true });
  mkdirSync(path.join(uploads, "oidc-client-images"), { recursive: true });
  mkdirSync(path.join(uploads, "application-images"), { recursive: true });
  writeFileSync(path.join(uploads, "profile-pictures", `${alice.id}.png`), png(200, 40, 40));
  writeFileSync(path.join(uploads, "profile-pictures", "defaults", "AL.png"), png(1, 1, 1));
  writeFileSync(path.join(uploads, "oidc-client-images", `${bcryptClient.id}.png`), png(0, 120, 200));
  writeFileSync(path.join(uploads, "oidc-client-images", `${bcryptClient.id}-dark.png`), png(0, 30, 60));
  writeFileSync(path.join(uploads, "application-images", "logoLight.png"), png(250, 250, 250));
  writeFileSync(path.join(uploads, "application-images", "logoEmail.png"), png(240, 240, 200));
  writeFileSync(path.join(uploads, "application-images", "favicon.png"), png(15, 118, 110));
  writeFileSync(path.join(uploads, "application-images", "background.png"), png(30, 30, 30));
  writeFileSync(path.join(uploads, "application-images", "default-profile-picture.png"), png(90, 60, 30));

  // Bulk rows for the benchmark: one COSE key reused, distinct credential ids; v2 clients get sha256 secrets, v1
  // clients bcrypt hashes of cost 4 (cost 10 takes ~60 ms each; the importer only copies hashes, never checks them).
  const counts = { users: 2, passkeys: 1, clients: v2 ? 3 : 2, groups: 2 };
  const bulkBcrypt: string[] = [];
  if (o.scale && !v2) {
    for (let i = 0; i < o.scale.clients; i++) {
      bulkBcrypt.push((await Bun.password.hash(`bulk-secret-${i}-aaaaaaaaaaaaaaaaaaaaaaa`, { algorithm: "bcrypt", cost: 4 })).replace(/^\$2b\$/, "$2a$"));
    }
  }
  if (o.scale) {
    db.transaction(() => {
      const ids: string[] = [];
      for (let i = 0; i < o.scale!.users; i++) {
        const id = uuid();
        ids.push(id);
        addUser({ id, username: `user${i}`, email: `user${i}@example.org`, first: `First${i}`, last: `Last${i}`, admin: false, ldap: null, locale: null, disabled: false, verified: true, created: now - i });
        if (i % 3 === 0) member.run(id, groups.family);
      }
      for (let i = 0; i < o.scale!.passkeys; i++) {
        insertCred.run(uuid(), now - i, `Key ${i}`, randomBytes(32), Buffer.from(passkey.publicKeyCose), json(["usb"]), ids[i % ids.length]!, 0, 0);
      }
      for (let i = 0; i < o.scale!.clients; i++) {
        const id = uuid();
        const secretHash = sha256Hex(`bulk-secret-${i}-aaaaaaaaaaaaaaaaaaaaaaa`);
        if (v2) {
          db.query(
            `INSERT INTO oidc_clients (id, created_at, name, callback_urls, is_public, pkce_enabled, credentials) VALUES (?, ?, ?, ?, 0, 0, ?)`,
          ).run(id, now - i, `App ${i}`, json([`https://app${i}.example.org/callback`]), json({ secrets: [{ id: uuid(), alg: "sha256", hash: secretHash, prefix: "bulk", createdAt: new Date(now * 1000).toISOString() }] }));
        } else {
          db.query(`INSERT INTO oidc_clients (id, created_at, name, secret, callback_urls, is_public, pkce_enabled) VALUES (?, ?, ?, ?, ?, 0, 0)`).run(
            id, now - i, `App ${i}`, bulkBcrypt[i]!, json([`https://app${i}.example.org/callback`]),
          );
        }
      }
    })();
    counts.users += o.scale.users;
    counts.passkeys += o.scale.passkeys;
    counts.clients += o.scale.clients;
  }

  db.close();
  return {
    layout: o.layout,
    dataDir: o.dataDir,
    dbPath,
    instanceId,
    schemaVersion,
    signingJwk,
    alice,
    bob,
    passkey,
    passkeyPkcs8: passkey.privateKey.export({ format: "der", type: "pkcs8" }).toString("base64"),
    bcryptClient,
    sha256Client,
    publicClient,
    refreshToken,
    legacyRefreshToken,
    scimProvider,
    apiKey,
    signupToken,
    actorSignupToken,
    groups,
    counts,
  };
}

/** Damages the database file's header (a "corrupt" database: not readable as SQLite). */
export function corruptDatabaseFile(dbPath: string): void {
  const bytes = readFileSync(dbPath);
  bytes.write("this is no longer SQLite", 0, "latin1");
  writeFileSync(dbPath, bytes);
}

/**
 * Writes the archive `pocket-id export` would make of a fixture data folder (reference §4), by Pocket ID's rules,
 * from the SQLite file itself: database.json with each value encoded by its declared column type (bool → JSON bool,
 * blob → base64 std, datetime → RFC 3339, integer → number, anything else → string), francis.bin (a MessagePack
 * stream: header, then one state record per actor) and uploads/. `extraEntries` adds raw entries (hostile tests).
 */
export async function buildPocketIdExportZip(fx: PocketIdFixture, zipPath: string, extraEntries: Record<string, Uint8Array> = {}): Promise<void> {
  const { zipSync } = await import("fflate");
  const { encode } = await import("@msgpack/msgpack");
  const db = new Database(fx.dbPath, { readonly: true });
  const tables: Record<string, Record<string, unknown>[]> = {};
  const names = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name);
  for (const table of names) {
    if (table === "storage" || table === "schema_migrations" || table.startsWith("francis_")) continue;
    const types = Object.fromEntries(db.query<{ name: string; type: string }, [string]>("SELECT name, type FROM pragma_table_info(?)").all(table).map((c) => [c.name, c.type.toLowerCase()]));
    tables[table] = db.query<Record<string, unknown>, []>(`SELECT * FROM "${table}"`).all().map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([col, v]) => {
          if (v === null) return [col, null];
          const t = types[col];
          if (t === "boolean" || t === "bool") return [col, Number(v) !== 0];
          if (t === "blob") return [col, Buffer.from(v as Uint8Array | string).toString("base64")];
          if (t === "datetime") return [col, new Date(Number(v) * 1000).toISOString().replace(/\.000Z$/, "Z")];
          if (t === "integer" || t === "int" || t === "bigint") return [col, Number(v)];
          return [col, typeof v === "string" ? v : v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : String(v)];
        }),
      ),
    );
  }
  const states = db
    .query<{ actor_type: string; actor_id: string; actor_state_data: Uint8Array; actor_state_expiration_time: number | null }, []>("SELECT * FROM francis_actor_state")
    .all();
  db.close();
  const files: Record<string, Uint8Array> = {
    "database.json": new TextEncoder().encode(
      JSON.stringify({ provider: "sqlite", version: fx.schemaVersion, tables, tableOrder: ["users", "user_groups", "oidc_clients", "oauth2_sessions", "signup_tokens", "apis", "api_permissions", "oidc_clients_allowed_apis", "oidc_clients_allowed_api_permissions"] }) + "\n",
    ),
    "francis.bin": Buffer.concat([
      encode({ format: "francis-backup", version: 1, createdAt: new Date() }),
      ...states.map((s) =>
        encode({
          type: "state",
          state: { actorType: s.actor_type, actorId: s.actor_id, data: s.actor_state_data, ...(s.actor_state_expiration_time ? { expiration: new Date(s.actor_state_expiration_time) } : {}) },
        }),
      ),
    ]),
  };
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name), `${rel}${e.name}/`);
      else files[`${rel}${e.name}`] = new Uint8Array(readFileSync(path.join(dir, e.name)));
    }
  };
  walk(path.join(fx.dataDir, "uploads"), "uploads/");
  writeFileSync(zipPath, zipSync({ ...files, ...extraEntries }));
}

/** Pocket ID's SQLite schema of a layout (as above), e.g. to load an archive into it by Pocket ID's import rules. */
export function pocketIdSchemaSql(layout: PocketIdLayout): string {
  return (layout === "v1.16" ? V1_16_DDL : V2_14_DDL) + SCHEMA_MIGRATIONS_DDL;
}
