/**
 * `latchkey export --format pocket-id` (src/pocket-id/export-writer.ts) and `latchkey import` of Pocket ID's ZIP,
 * through the CLI commands, on a rich instance: a Pocket ID v2.14 installation imported into Latchkey
 * (tests/helpers/pocket-id-fixture.ts: passkey, bcrypt and sha256 client secrets, signing key, pictures, logos,
 * branding, API keys, audit log) plus what Latchkey made itself (a client with a generated secret, a PNG picture, a
 * WebP one, a signup token, settings).
 * - database.json loads into Pocket ID's v2.14 schema by Pocket ID's import rules (decode by declared column type,
 *   insert by column name, foreign keys on): every table and column exists and every value has its type's encoding.
 * - The signing key is Pocket ID's kv form (decrypts with the Pocket ID key and the archive's instance id, same kid);
 *   francis.bin is a Francis backup stream whose AppConfig state carries the settings under Go field names.
 * - Round trip: exported → `latchkey import` into a fresh Latchkey → same users, groups, claims, the passkey signs
 *   in, old client secrets authenticate, the same JWKS kid, same images; what has no place is listed on stderr.
 */
import { listFederatedIdentities } from "../../../src/db/federated-identities.ts";
import { Database } from "bun:sqlite";
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { recordAuditEvent } from "../../../src/audit/audit-log.ts";
import { updateAppConfigFromInput } from "../../../src/admin/app-config-admin.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { readAppConfig } from "../../../src/admin/app-config.ts";
import type { CliEnv } from "../../../src/cli/cli-env.ts";
import { exportCommand, importCommand } from "../../../src/cli/export-import.ts";
import { loadConfig } from "../../../src/config.ts";
import { findApiKeyByHash } from "../../../src/db/api-keys.ts";
import { findAppImage } from "../../../src/db/app-images.ts";
import { hashToken } from "../../../src/lib/hash.ts";
import { listCustomClaimsOfUser, listGroupNamesOfUser } from "../../../src/db/oidc-grants.ts";
import { findProfilePicture, upsertProfilePicture } from "../../../src/db/profile-pictures.ts";
import { findUserById } from "../../../src/db/users.ts";
import { insertSignupToken } from "../../../src/db/signup-tokens.ts";
import { findClientLogo } from "../../../src/db/client-logos.ts";
import { silentLog } from "../../../src/lib/log.ts";
import { encodePng } from "../../../src/lib/png.ts";
import { verifyClientSecretOrImported } from "../../../src/oidc/client-secrets.ts";
import { publishedJwks } from "../../../src/oidc/signing-keys.ts";
import { decryptPocketIdEncryptedString, decryptPocketIdJwk } from "../../../src/pocket-id/crypto.ts";
import { importPocketId } from "../../../src/pocket-id/importer.ts";
import { importPocketIdInto } from "../../../src/pocket-id/install.ts";
import { openPocketIdSource } from "../../../src/pocket-id/source.ts";
import { openRuntime } from "../../../src/runtime.ts";
import { findScimProviderById } from "../../../src/db/scim.ts";
import { finishPasskeyAssertion, startPasskeyAssertion } from "../../../src/webauthn/authentication.ts";
import { buildPocketIdDataFolder, pocketIdSchemaSql } from "../../helpers/pocket-id-fixture.ts";
import { SoftAuthenticator } from "../../helpers/soft-authenticator.ts";
import { testEngine } from "../../helpers/template-database.ts";
import { makeTempDir, makeTestDeps, TEST_ENCRYPTION_KEY } from "../../helpers/test-deps.ts";

setDefaultTimeout(30_000);
const PID_KEY = "pocket-id-encryption-key-0123456789";
const APP_URL = "http://localhost:1411";
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

type Doc = { provider: string; version: number; tables: Record<string, Record<string, unknown>[]>; tableOrder: string[] };

function cliFor(env: Record<string, string>, dir: string) {
  const config = loadConfig({ APP_URL, DB_CONNECTION_STRING: path.join(dir, "latchkey.db"), ...env }, dir);
  const io = { out: "", err: "", bytes: [] as Uint8Array[] };
  const cli: CliEnv = { config, log: silentLog, stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t), stdoutBytes: async (b) => void io.bytes.push(b) };
  return { config, io, cli };
}

/**
 * A rich Latchkey instance: a Pocket ID installation imported, then things Latchkey made itself. `generatedKey`:
 * Latchkey runs without ENCRYPTION_KEY (its key file in the data folder) and the export has no Pocket ID key.
 */
async function richInstance(opts: { generatedKey?: boolean } = {}) {
  const latchkeyKey: Record<string, string> = opts.generatedKey ? {} : { ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
  const tmp = makeTempDir();
  cleanups.push(tmp.cleanup);
  const fx = await buildPocketIdDataFolder({ layout: "v2.14", dataDir: path.join(tmp.dir, "pid"), encryptionKey: PID_KEY, appUrl: APP_URL, now: Math.floor(Date.now() / 1000) });
  const a = cliFor({ ...latchkeyKey, POCKET_ID_ENCRYPTION_KEY: PID_KEY }, path.join(tmp.dir, "a"));
  await importPocketIdInto(a.config, silentLog, fx.dataDir, { withAuditLog: true });
  const rt = openRuntime(a.config, silentLog);
  let native: { id: string; secret: string };
  try {
    const made = createClient(rt, CLI_ACTOR, { id: "native-app", name: "Native app", callbackUrls: ["https://native.example/cb"], unrestricted: true });
    native = { id: made.client.id, secret: made.secret!.secret };
    upsertProfilePicture(rt.db, { userId: fx.bob.id, data: encodePng(3, 3, new Uint8Array(27).fill(90)), contentType: "image/png", updatedAt: 1 });
    updateAppConfigFromInput({ db: rt.db, clock: rt.clock, uiConfigDisabled: false, env: {}, box: rt.box }, { appName: "Moving house", smtpPassword: "smtp-secret-123", backupKeep: "3" });
    insertSignupToken(rt.db, { id: crypto.randomUUID(), tokenHash: "0".repeat(64), prefix: "abcd", usageLimit: 2, usageCount: 0, createdAt: 1, expiresAt: Math.floor(Date.now() / 1000) + 3600, createdById: null }, []);
  } finally {
    rt.close();
  }
  // The export seals the signing key with the key Pocket ID will run with; with a generated Latchkey key there is none.
  const exporter = cliFor(opts.generatedKey ? {} : { ...latchkeyKey, POCKET_ID_ENCRYPTION_KEY: PID_KEY }, path.join(tmp.dir, "a"));
  return { tmp, fx, a: exporter, native };
}

async function unzip(file: string) {
  const { unzipSync } = await import("fflate");
  const entries = unzipSync(new Uint8Array(readFileSync(file)));
  const doc = JSON.parse(new TextDecoder().decode(entries["database.json"]!)) as Doc;
  return { entries, doc };
}

const RFC3339_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** database.json into Pocket ID's v2.14 schema by its import rules (import_service.go normalizeRowWithSchema). */
function loadIntoPocketIdSchema(doc: Doc): Database {
  const db = new Database(":memory:");
  db.exec(pocketIdSchemaSql("v2.14"));
  // v2.14's grant tables for APIs (migration 20260814120000), where the fixture's schema has none.
  db.exec(`CREATE TABLE IF NOT EXISTS oidc_clients_allowed_apis (oidc_client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
    api_id TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE, subject_type TEXT NOT NULL, PRIMARY KEY (oidc_client_id, api_id, subject_type));
    CREATE TABLE IF NOT EXISTS oidc_clients_allowed_api_permissions (oidc_client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
    api_permission_id TEXT NOT NULL REFERENCES api_permissions(id) ON DELETE CASCADE, subject_type TEXT NOT NULL, PRIMARY KEY (oidc_client_id, api_permission_id, subject_type));`);
  db.exec("PRAGMA foreign_keys = ON");
  const order = [...doc.tableOrder, ...Object.keys(doc.tables).filter((t) => !doc.tableOrder.includes(t))];
  for (const table of order) {
    const rows = doc.tables[table] ?? [];
    if (rows.length === 0) continue;
    const types = new Map(db.query<{ name: string; type: string }, [string]>("SELECT name, type FROM pragma_table_info(?)").all(table).map((c) => [c.name, c.type.toLowerCase()]));
    expect({ table, exists: types.size > 0 }).toEqual({ table, exists: true });
    for (const row of rows) {
      const cols = Object.keys(row);
      const values = cols.map((col) => {
        const type = types.get(col);
        expect({ column: `${table}.${col}`, known: type !== undefined }).toEqual({ column: `${table}.${col}`, known: true });
        const v = row[col];
        if (v === null) return null;
        if (type === "datetime") {
          expect({ column: `${table}.${col}`, v }).toEqual({ column: `${table}.${col}`, v: expect.stringMatching(RFC3339_UTC) });
          return Math.floor(Date.parse(v as string) / 1000);
        }
        if (type === "blob") {
          const b = Buffer.from(v as string, "base64");
          expect({ column: `${table}.${col}`, canonical: b.toString("base64") === v }).toEqual({ column: `${table}.${col}`, canonical: true });
          return new Uint8Array(b);
        }
        if (type === "boolean") {
          expect({ column: `${table}.${col}`, type: typeof v }).toEqual({ column: `${table}.${col}`, type: "boolean" });
          return v ? 1 : 0;
        }
        if (type === "integer") {
          expect(Number.isInteger(v)).toBe(true);
          return v as number;
        }
        expect({ column: `${table}.${col}`, type: typeof v }).toEqual({ column: `${table}.${col}`, type: "string" });
        return v as string;
      });
      db.query(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).run(...values);
    }
  }
  expect(db.query("PRAGMA foreign_key_check").all()).toEqual([]);
  return db;
}

test("database.json loads into Pocket ID's v2.14 schema; the key is in Pocket ID's kv form; francis.bin holds the settings", async () => {
  const { tmp, fx, a } = await richInstance();
  const zip = path.join(tmp.dir, "pocket-id-export.zip");
  expect(await exportCommand(a.cli, ["--format", "pocket-id", "-p", zip])).toBe(0);
  const summary = JSON.parse(a.io.out) as { file: string; format: string; tables: Record<string, number> };
  expect(summary).toMatchObject({ file: zip, format: "pocket-id", tables: { users: 2, webauthn_credentials: 1, oidc_clients: 4, kv: 2 } });
  const { entries, doc } = await unzip(zip);
  expect(doc.provider).toBe("sqlite");
  expect(doc.version).toBe(20260814120000);
  expect(doc.tableOrder).toEqual(["users", "user_groups", "oidc_clients", "oauth2_sessions", "signup_tokens", "apis", "api_permissions", "oidc_clients_allowed_apis", "oidc_clients_allowed_api_permissions"]);
  expect(Object.keys(doc.tables).sort()).toEqual(
    [
      "api_keys",
      "api_permissions",
      "apis",
      "audit_logs",
      "custom_claims",
      "kv",
      "oidc_clients",
      "oidc_clients_allowed_api_permissions",
      "oidc_clients_allowed_apis",
      "oidc_clients_allowed_user_groups",
      "scim_service_providers",
      "user_authorized_oidc_clients",
      "user_groups",
      "user_groups_users",
      "users",
      "webauthn_credentials",
    ].sort(),
  );
  const db = loadIntoPocketIdSchema(doc);
  try {
    const kv = Object.fromEntries(db.query<{ key: string; value: string }, []>("SELECT key, value FROM kv").all().map((r) => [r.key, r.value]));
    const jwk = decryptPocketIdJwk(new TextEncoder().encode(PID_KEY), kv.instance_id!, kv["jwt_private_key.json"]!);
    expect(jwk).toMatchObject({ kid: fx.signingJwk.kid, alg: "RS256", use: "sig", n: fx.signingJwk.n, d: fx.signingJwk.d });
    // The SCIM token as Pocket ID's EncryptedString under its key (Latchkey's own seal opened).
    const scim = db.query<{ id: string; endpoint: string; token: string; oidc_client_id: string }, []>("SELECT id, endpoint, token, oidc_client_id FROM scim_service_providers").all();
    expect(scim.map((r) => [r.id, r.endpoint, r.oidc_client_id])).toEqual([[fx.scimProvider!.id, "https://immich.example.org/api/scim/v2", fx.sha256Client!.id]]);
    expect(decryptPocketIdEncryptedString(new TextEncoder().encode(PID_KEY), scim[0]!.token)).toBe(fx.scimProvider!.token);
    const secrets = JSON.parse(db.query<{ c: string }, []>("SELECT CAST(credentials AS TEXT) AS c FROM oidc_clients WHERE id = 'native-app'").get()!.c) as { secrets: Record<string, string>[] };
    expect(secrets.secrets).toEqual([{ id: expect.any(String), alg: "sha256", hash: expect.stringMatching(/^[0-9a-f]{64}$/), prefix: expect.any(String), createdAt: expect.stringMatching(RFC3339_UTC) }]);
    // The API (RFC 8707) with its permission and Immich's grants, as Pocket ID v2.14 keeps them.
    expect(db.query("SELECT name, audience, allow_cimd_clients FROM apis").all()).toEqual([{ name: "Photos API", audience: "https://photos.example.org/api", allow_cimd_clients: 0 }]);
    expect(db.query("SELECT key, name, description, allowed_for_cimd_clients FROM api_permissions").all()).toEqual([
      { key: "photos:read", name: "See your photos", description: "Albums and pictures", allowed_for_cimd_clients: 0 },
    ]);
    expect(db.query("SELECT oidc_client_id, subject_type FROM oidc_clients_allowed_apis").all()).toEqual([{ oidc_client_id: fx.sha256Client!.id, subject_type: "user" }]);
    expect(
      db.query("SELECT g.oidc_client_id, p.key, g.subject_type FROM oidc_clients_allowed_api_permissions g JOIN api_permissions p ON p.id = g.api_permission_id").all(),
    ).toEqual([{ oidc_client_id: fx.sha256Client!.id, key: "photos:read", subject_type: "user" }]);
    const bcrypt = JSON.parse(db.query<{ c: string }, [string]>("SELECT CAST(credentials AS TEXT) AS c FROM oidc_clients WHERE id = ?").get(fx.bcryptClient.id)!.c) as { secrets: Record<string, string>[] };
    expect(bcrypt.secrets.map((s) => s.alg)).toEqual(["bcrypt"]);
    // Federated identities in Pocket ID's JSON, beside the secrets.
    const immich = JSON.parse(db.query<{ c: string }, [string]>("SELECT CAST(credentials AS TEXT) AS c FROM oidc_clients WHERE id = ?").get(fx.sha256Client!.id)!.c) as { federatedIdentities: unknown[]; secrets: unknown[] };
    expect(immich.federatedIdentities).toEqual([
      { issuer: "https://token.actions.githubusercontent.com", subject: "repo:octo/immich:ref:refs/heads/main", jwks: "https://token.actions.githubusercontent.com/.well-known/jwks", replayProtection: true },
    ]);
    expect(immich.secrets).toHaveLength(1);
    // Only Pocket ID's own audit events, with string-valued data.
    const events = db.query<{ event: string }, []>("SELECT DISTINCT event FROM audit_logs").all().map((r) => r.event);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => /^(SIGN_IN|TOKEN_SIGN_IN|REMOTE_SIGN_IN|ACCOUNT_CREATED|(NEW_)?CLIENT_AUTHORIZATION|(NEW_)?DEVICE_CODE_AUTHORIZATION|PASSKEY_ADDED|PASSKEY_REMOVED)$/.test(e))).toBe(true);
  } finally {
    db.close();
  }

  const { decodeMulti, decode } = await import("@msgpack/msgpack");
  const records = [...decodeMulti(entries["francis.bin"]!)] as Record<string, any>[];
  expect(records[0]).toMatchObject({ format: "francis-backup", version: 1, createdAt: expect.any(Date) });
  expect(records.slice(1).map((r) => [r.type, r.state.actorType, r.state.actorId])).toEqual([["state", "AppConfig", "singleton"]]);
  const state = decode(records[1]!.state.data) as Record<string, string>;
  expect(state).toMatchObject({ AppName: "Moving house", SmtpPassword: "smtp-secret-123", HomePageURL: "/settings/account", RequireUserEmail: "false", SignupDefaultUserGroupIDs: "[]" });
  expect(Object.values(state).every((v) => typeof v === "string")).toBe(true);
  expect(state.BackupKeep).toBeUndefined();

  expect(Object.keys(entries).filter((n) => n.startsWith("uploads/")).sort()).toEqual(
    [
      `uploads/profile-pictures/${fx.alice.id}.png`,
      `uploads/profile-pictures/${fx.bob.id}.png`,
      `uploads/oidc-client-images/${fx.bcryptClient.id}.png`,
      `uploads/oidc-client-images/${fx.bcryptClient.id}-dark.png`,
      "uploads/application-images/logoLight.png",
      "uploads/application-images/logoEmail.png",
      "uploads/application-images/favicon.png",
      "uploads/application-images/background.png",
      "uploads/application-images/default-profile-picture.png",
    ].sort(),
  );
  expect(a.io.err).toContain("Not in the archive");
  expect(a.io.err).toMatch(/\n {2}3 live signup token\(s\): Latchkey keeps only their hashes/);
  expect(a.io.err).toContain("setting backupKeep: Pocket ID has no such setting");
  expect(a.io.err).toMatch(/audit log entr(y|ies) POCKET_ID_IMPORT: not an event Pocket ID records/);
});

test("round trip: export --format pocket-id → latchkey import into a fresh instance keeps sign-in, secrets, the key and images", async () => {
  const { tmp, fx, a, native } = await richInstance();
  const zip = path.join(tmp.dir, "out.zip");
  expect(await exportCommand(a.cli, ["--format", "pocket-id", "--path", zip])).toBe(0);
  const rtA = openRuntime(a.config, silentLog);
  const before = {
    kid: publishedJwks(rtA).keys[0]!.kid,
    alice: findUserById(rtA.db, fx.alice.id),
    groups: listGroupNamesOfUser(rtA.db, fx.alice.id).sort(),
    claims: listCustomClaimsOfUser(rtA.db, fx.alice.id),
    picture: findProfilePicture(rtA.db, fx.bob.id)!.data,
    logo: findClientLogo(rtA.db, fx.bcryptClient.id, true)!.data,
    favicon: findAppImage(rtA.db, "favicon")!.data,
    defaultPicture: findAppImage(rtA.db, "default-profile-picture")!.data,
    federated: listFederatedIdentities(rtA.db, fx.sha256Client!.id),
  };
  rtA.close();

  // A different Latchkey key on the new instance: the archive depends only on Pocket ID's.
  const b = cliFor({ ENCRYPTION_KEY: "another-latchkey-key-0123456789abcdef", POCKET_ID_ENCRYPTION_KEY: PID_KEY }, path.join(tmp.dir, "b"));
  expect(await importCommand(b.cli, ["-p", zip, "-y"])).toBe(0);
  expect(JSON.parse(b.io.out)).toMatchObject({ imported: zip, format: "pocket-id", users: 2, keyInstalled: false });
  expect(b.io.err).toContain("Imported from");
  const rt = openRuntime(b.config, silentLog);
  try {
    expect(findUserById(rt.db, fx.alice.id)).toEqual(before.alice);
    expect(listGroupNamesOfUser(rt.db, fx.alice.id).sort()).toEqual(before.groups);
    expect(listCustomClaimsOfUser(rt.db, fx.alice.id)).toEqual(before.claims);
    expect(publishedJwks(rt).keys.map((k) => k.kid)).toEqual([before.kid]);
    expect(await verifyClientSecretOrImported(rt, native.id, native.secret)).toBe(true);
    expect(await verifyClientSecretOrImported(rt, native.id, native.secret + "x")).toBe(false);
    expect(await verifyClientSecretOrImported(rt, fx.bcryptClient.id, fx.bcryptClient.secret!)).toBe(true);
    expect(await verifyClientSecretOrImported(rt, fx.sha256Client!.id, fx.sha256Client!.secret!)).toBe(true);
    expect(listFederatedIdentities(rt.db, fx.sha256Client!.id)).toEqual(before.federated);
    expect(before.federated).toHaveLength(1);
    expect(findProfilePicture(rt.db, fx.bob.id)!.data).toEqual(before.picture);
    expect(findClientLogo(rt.db, fx.bcryptClient.id, true)!.data).toEqual(before.logo);
    expect(findAppImage(rt.db, "favicon")!.data).toEqual(before.favicon);
    expect(findAppImage(rt.db, "default-profile-picture")!.data).toEqual(before.defaultPicture);
    expect(readAppConfig(rt.db, { uiConfigDisabled: false, env: {} }).appName).toBe("Moving house");
    expect(findApiKeyByHash(rt.db, hashToken(fx.apiKey.key))).toMatchObject({ id: fx.apiKey.id, userId: fx.alice.id, name: "backup script" });
    const scim = findScimProviderById(rt.db, fx.scimProvider!.id)!;
    expect(rt.box.openText(`scim-token:${scim.id}`, scim.sealedToken!)).toBe(fx.scimProvider!.token);

    const { challengeId, options } = await startPasskeyAssertion(rt, { purpose: "login" });
    const authr = new SoftAuthenticator(undefined, { backupEligible: true, backedUp: true });
    authr.credentials.push({ ...fx.passkey, counter: 0 });
    const { user } = await finishPasskeyAssertion(rt, { challengeId, purpose: "login", response: authr.assert(options, { origin: APP_URL, counter: 3 }) });
    expect(user.id).toBe(fx.alice.id);
  } finally {
    rt.close();
  }
});

test("`latchkey import` tells the ZIP by its content, keeps the database it replaces, and asks on a terminal", async () => {
  const { tmp, a } = await richInstance();
  const zip = path.join(tmp.dir, "named-like-a-tarball.tar.gz");
  expect(await exportCommand(a.cli, ["--format", "pocket-id", "-p", zip])).toBe(0);
  const b = cliFor({ ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, POCKET_ID_ENCRYPTION_KEY: PID_KEY }, path.join(tmp.dir, "b"));
  let asked = "";
  const refused = await importCommand({ ...b.cli, confirm: async (q) => ((asked = q), false) }, [zip]);
  expect(refused).toBe(1);
  expect(asked).toContain(`Import ${zip} into`);
  expect(existsSync(b.config.dbPath)).toBe(false);
  expect(await importCommand(b.cli, [zip])).toBe(0);
  // Again over the database just made: it is kept beside under another name, as for a Latchkey export.
  expect(await importCommand(b.cli, ["--path", zip])).toBe(0);
  const kept = Bun.spawnSync(["ls", path.dirname(b.config.dbPath)]).stdout.toString();
  expect(kept).toMatch(/latchkey\.db\.before-restore-/);
});

test("without a Pocket ID key the signing key is left out and said so; stdout gets the archive with -p -; an existing file is not overwritten", async () => {
  const { tmp, a } = await richInstance({ generatedKey: true });
  expect(await exportCommand(a.cli, ["--format", "pocket-id", "-p", "-"])).toBe(0);
  expect(a.io.bytes.length).toBe(1);
  const file = path.join(tmp.dir, "stdout.zip");
  writeFileSync(file, a.io.bytes[0]!);
  const { doc } = await unzip(file);
  expect(doc.tables.kv!.map((r) => r.key)).toEqual(["instance_id"]);
  expect(a.io.err).toMatch(/"file": "-"/);
  expect(a.io.err).toContain("the signing key (kid ");
  expect(doc.tables.scim_service_providers).toBeUndefined();
  expect(a.io.err).toContain("SCIM service provider of client immich: Pocket ID keeps its token encrypted with its ENCRYPTION_KEY");
  await expect(exportCommand(a.cli, ["--format", "pocket-id", "-p", file])).rejects.toThrow(/already exists/);
  await expect(exportCommand(a.cli, ["--format", "pocket-id", "--include-key"])).rejects.toThrow(/--include-key goes with the Latchkey format/);
  await expect(exportCommand(a.cli, ["--format", "zip"])).rejects.toThrow(/--format must be latchkey or pocket-id/);
});

test("what has no place in Pocket ID is listed, not written wrongly: a WebP picture, private_key_jwt keys, back-channel logout; audit data becomes strings", async () => {
  const { tmp, fx, a } = await richInstance();
  const rt = openRuntime(a.config, silentLog);
  try {
    upsertProfilePicture(rt.db, { userId: fx.bob.id, data: new Uint8Array(Buffer.from("RIFF\u0000\u0000\u0000\u0000WEBPVP8 ", "latin1")), contentType: "image/webp", updatedAt: 2 });
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", use: "sig", alg: "ES256" };
    createClient(rt, CLI_ACTOR, {
      id: "jwt-app",
      name: "JWT app",
      callbackUrls: ["https://jwt.example/cb"],
      unrestricted: true,
      tokenEndpointAuthMethod: "private_key_jwt",
      jwks: JSON.stringify({ keys: [jwk] }),
      backchannelLogoutUri: "https://jwt.example/logout",
    });
    recordAuditEvent(rt, "SIGN_IN", { userId: fx.alice.id, data: { method: "passkey", attempts: 2, nested: { a: 1 } } });
  } finally {
    rt.close();
  }
  const zip = path.join(tmp.dir, "left-out.zip");
  expect(await exportCommand(a.cli, ["--format", "pocket-id", "-p", zip])).toBe(0);
  const { entries, doc } = await unzip(zip);
  expect(entries[`uploads/profile-pictures/${fx.bob.id}.png`]).toBeUndefined();
  expect(a.io.err).toContain(`profile picture of user ${fx.bob.id}: image/webp, and Pocket ID keeps PNG pictures only`);
  expect(a.io.err).toContain("client jwt-app: its private_key_jwt keys (jwks); Pocket ID authenticates clients by secret or federated identity");
  expect(a.io.err).toContain("client jwt-app: its back-channel logout URI; Pocket ID has no back-channel logout");
  const audit = doc.tables.audit_logs!.map((r) => JSON.parse(Buffer.from(r.data as string, "base64").toString()) as Record<string, unknown>);
  expect(audit).toContainEqual({ method: "passkey", attempts: "2", nested: '{"a":1}' });
  expect(audit.every((d) => Object.values(d).every((v) => typeof v === "string"))).toBe(true);
});

test("on the instance's engine (SQLite, or PostgreSQL on that pass): export from it, import into a fresh one, same data; data there is replaced only with --replace", async () => {
  const tmp = makeTempDir();
  cleanups.push(tmp.cleanup);
  const fx = await buildPocketIdDataFolder({ layout: "v2.14", dataDir: path.join(tmp.dir, "pid"), encryptionKey: PID_KEY, appUrl: APP_URL, now: Math.floor(Date.now() / 1000) });
  const a = makeTestDeps({ POCKET_ID_ENCRYPTION_KEY: PID_KEY });
  cleanups.push(() => a.cleanup());
  const source = openPocketIdSource(fx.dataDir);
  try {
    await importPocketId(a, source, { encryptionKey: new TextEncoder().encode(PID_KEY) });
  } finally {
    source.close();
  }
  const io = { out: "", err: "" };
  const cli = (config: typeof a.config): CliEnv => ({ config, log: silentLog, stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t) });
  const zip = path.join(tmp.dir, "engine.zip");
  expect(await exportCommand(cli(a.config), ["--format", "pocket-id", "-p", zip])).toBe(0);
  const { doc } = await unzip(zip);
  loadIntoPocketIdSchema(doc).close();

  const b = makeTestDeps({ POCKET_ID_ENCRYPTION_KEY: PID_KEY });
  cleanups.push(() => b.cleanup());
  expect(await importCommand(cli(b.config), [zip])).toBe(0);
  const check = () => {
    const rt = openRuntime(b.config, silentLog);
    try {
      expect(findUserById(rt.db, fx.alice.id)).toEqual(findUserById(a.db, fx.alice.id));
      expect(publishedJwks(rt).keys.map((k) => k.kid)).toEqual([fx.signingJwk.kid!]);
      expect(findClientLogo(rt.db, fx.bcryptClient.id, false)!.data).toEqual(findClientLogo(a.db, fx.bcryptClient.id, false)!.data);
    } finally {
      rt.close();
    }
  };
  check();
  if (testEngine() === "postgres") {
    await expect(importCommand(cli(b.config), [zip])).rejects.toThrow(/already holds data/);
    expect(await importCommand(cli(b.config), [zip, "--replace"])).toBe(0);
    check();
  }
});
