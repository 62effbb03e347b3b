/**
 * The Pocket ID import (src/pocket-id/*) on real Pocket ID data folders built by tests/helpers/pocket-id-fixture.ts,
 * for the v1.16 and v2.14 layouts, into a real migrated Latchkey database served by the app (app.handle):
 * - every entity arrives with its ids, flags and encodings; the passkey the test holds signs in with no enrolment;
 * - bcrypt and sha256 client secrets authenticate at the token endpoint, expired ones do not;
 * - the old signing key is the current JWKS key under its kid, and a token it signed verifies;
 * - a live Pocket ID refresh token is accepted once and rotated into a Latchkey one (v2.10+ fosite, and v1.3–v2.9
 *   JWT / v0.44–v1.2 raw value), and nothing that fails a check is accepted;
 * - the Pocket ID file is byte-for-byte unchanged; a dry run, a wrong key, a dirty, unknown or corrupt database
 *   write nothing; an existing Latchkey database is refused unless merging, which keeps existing rows.
 */
import { listFederatedIdentities } from "../../../src/db/federated-identities.ts";
import { afterEach, describe, expect, test } from "bun:test";
import { createHash, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createLocalJWKSet, decodeJwt, importJWK, jwtVerify, SignJWT, type JWK } from "jose";
import { listClientApis } from "../../../src/admin/apis.ts";
import { findAppImage } from "../../../src/db/app-images.ts";
import { findValidSignupToken } from "../../../src/db/signup-tokens.ts";
import { hashToken } from "../../../src/lib/hash.ts";
import { listGroupNamesOfUser, listCustomClaimsOfUser, findAuthorizedClient } from "../../../src/db/oidc-grants.ts";
import { findCurrentSigningKey } from "../../../src/db/oidc-signing-keys.ts";
import { findProfilePicture } from "../../../src/db/profile-pictures.ts";
import { countUsers, findUserById } from "../../../src/db/users.ts";
import { findCredentialByCredentialId } from "../../../src/db/webauthn.ts";
import { readAppConfig } from "../../../src/admin/app-config.ts";
import { findClientById } from "../../../src/oidc/clients.ts";
import { verifyClientSecretOrImported } from "../../../src/oidc/client-secrets.ts";
import { publishedJwks, signJwt } from "../../../src/oidc/signing-keys.ts";
import { formatImportSummary, importPocketId, type PocketIdImportOptions } from "../../../src/pocket-id/importer.ts";
import { openPocketIdSource, PocketIdImportError } from "../../../src/pocket-id/source.ts";
import { finishPasskeyAssertion, startPasskeyAssertion } from "../../../src/webauthn/authentication.ts";
import { insertTestUser } from "../../helpers/oidc-fixtures.ts";
import { basicAuth } from "../../helpers/oidc-flow.ts";
import { buildPocketIdDataFolder, corruptDatabaseFile, type PocketIdFixture, type PocketIdLayout } from "../../helpers/pocket-id-fixture.ts";
import { makeTempDir, makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";
import type { App } from "../../../src/app.ts";
import { findScimProviderById } from "../../../src/db/scim.ts";

const PID_KEY = "pocket-id-encryption-key-0123456789";
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function world(layout: PocketIdLayout, fixtureOpts: Partial<Parameters<typeof buildPocketIdDataFolder>[0]> = {}) {
  const { app, deps } = await makeTestApp();
  cleanups.push(() => deps.cleanup());
  const tmp = makeTempDir("pocket-id-fixture-");
  cleanups.push(tmp.cleanup);
  const fx = await buildPocketIdDataFolder({
    layout,
    dataDir: path.join(tmp.dir, "data"),
    encryptionKey: PID_KEY,
    appUrl: deps.config.appUrl,
    now: Math.floor(deps.clock.now() / 1000),
    ...fixtureOpts,
  });
  return { app, deps, fx };
}

const fileHash = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");
const key = new TextEncoder().encode(PID_KEY);

async function runImport(deps: TestDeps, fx: PocketIdFixture, opts: Partial<PocketIdImportOptions> = {}) {
  const source = openPocketIdSource(fx.dataDir);
  try {
    return await importPocketId(deps, source, { encryptionKey: key, ...opts });
  } finally {
    source.close();
  }
}

function token(app: App, deps: TestDeps, body: Record<string, string>, basic: string) {
  return app.handle(
    new Request(deps.config.appUrl + "/api/oidc/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic },
      body: new URLSearchParams(body).toString(),
    }),
  );
}

describe.each(["v1.16", "v2.14"] as const)("Pocket ID %s data folder", (layout) => {
  const v2 = layout === "v2.14";

  test("imports every entity, keeps the Pocket ID file unchanged, and a second run adds nothing", async () => {
    const { deps, fx } = await world(layout);
    const before = fileHash(fx.dbPath);
    const summary = await runImport(deps, fx);
    expect(fileHash(fx.dbPath)).toBe(before);
    expect(summary.counts).toEqual({
      users: 2,
      passkeys: 1,
      groups: 2,
      memberships: 3,
      customClaims: 3,
      clients: v2 ? 3 : 2,
      clientSecrets: v2 ? 2 : 1,
      federatedIdentities: v2 ? 1 : 0,
      allowedGroups: 1,
      // v2.14: the Photos API, its one valid permission, Immich's access and permission for people.
      apis: v2 ? 1 : 0,
      apiPermissions: v2 ? 1 : 0,
      apiGrants: v2 ? 2 : 0,
      consents: 1,
      signingKeys: 1,
      refreshTokens: v2 ? 1 : 2, // v1.16: a JWT-wrapped and a raw ≤ v2.9 token (the expired one is skipped)
      apiKeys: 1,
      scimProviders: v2 ? 1 : 0,
      signupTokens: v2 ? 2 : 1, // v2.14: the migrated token (once, from its actor) and one made after v2.12
      // v2.14: the AppConfig actor's full model (28 fields, defaults included) less an empty smtpUser.
      appConfig: v2 ? 27 : 11,
      brandingImages: 5,
      profilePictures: 1,
      clientLogos: 2,
      auditLogs: 2,
    });
    expect(summary.skipped).toContainEqual({ entity: "signupTokens", id: expect.any(String), reason: "expired" });
    if (v2) {
      expect(summary.skipped).toContainEqual({ entity: "clientSecrets", id: "immich an-e", reason: "expired" });
      // Federated client credentials: the identity Pocket ID used comes along; the rest are reported.
      expect(listFederatedIdentities(deps.db, "immich")).toEqual([
        { issuer: "https://token.actions.githubusercontent.com", subject: "repo:octo/immich:ref:refs/heads/main", audience: null, jwksUrl: "https://token.actions.githubusercontent.com/.well-known/jwks", replayProtection: true },
      ]);
      expect(summary.skipped).toContainEqual({
        entity: "federatedIdentities",
        id: "immich #2 https://token.actions.githubusercontent.com",
        reason: "Pocket ID used only the first identity of an issuer; this one never authenticated anything",
      });
      expect(summary.skipped).toContainEqual({
        entity: "federatedIdentities",
        id: "immich #3 http://k8s.example.org",
        reason: "The issuer must use https. Plain http is allowed only while ALLOW_INSECURE_CALLBACK_URLS is true.",
      });
      expect(summary.skipped).toContainEqual({ entity: "federatedIdentities", id: fx.publicClient.id, reason: expect.stringContaining("a public client cannot have federated identities") });
      expect(formatImportSummary(summary)).toContain("federated identities: 1");
      expect(summary.skipped).toContainEqual({ entity: "apiPermissions", id: expect.stringMatching(/ bad key$/), reason: "its key is not a scope Latchkey accepts (RFC 6749 scope characters, not a standard scope)" });
      // The audience is stored without its trailing slash, and Immich may request the permission for people.
      expect(listClientApis(deps.db, "immich").map((g) => [g.api.resource, g.userDelegatedAccess, g.api.permissions.map((p) => p.key), g.userDelegatedPermissionIds.length])).toEqual([
        ["https://photos.example.org/api", true, ["photos:read"], 1],
      ]);
      // The CIMD allowlist is a Latchkey setting too (its clients register again from their documents).
      expect(summary.skipped.filter((s) => s.id === "cimdUrlAllowlist")).toEqual([]);
    }
    else {
      expect(summary.skipped).toContainEqual({ entity: "refreshTokens", id: expect.any(String), reason: "expired" });
      expect(summary.notes.join("\n")).not.toContain("refresh token");
    }
    expect(formatImportSummary(summary)).toContain("passkeys: 1");
    expect(deps.db.query<{ data: string }, []>("SELECT data FROM audit_logs WHERE event = 'SIGN_OUT'").get()!.data).toBe("{}");
    const audited = deps.db.query<{ data: string }, []>("SELECT data FROM audit_logs WHERE event = 'POCKET_ID_IMPORT'").get()!;
    expect(JSON.parse(audited.data)).toMatchObject({ users: 2, passkeys: 1, clients: v2 ? 3 : 2, merge: false, release: layout });

    const alice = findUserById(deps.db, fx.alice.id)!;
    expect(alice).toMatchObject({ username: "alice", email: "alice@example.org", emailVerified: true, firstName: "Alice", lastName: "Liddell", displayName: "Alice Liddell", isAdmin: true, disabled: false, locale: "de", ldapId: null });
    const bob = findUserById(deps.db, fx.bob.id)!;
    expect(bob).toMatchObject({ username: "Bob", email: null, emailVerified: false, disabled: true, isAdmin: false, ldapId: "uid=bob,ou=people,dc=example,dc=org" });
    expect(listGroupNamesOfUser(deps.db, fx.alice.id).sort()).toEqual(["admins", "family"]);
    const claims = Object.fromEntries(listCustomClaimsOfUser(deps.db, fx.alice.id).filter((c) => c.source === "user").map((c) => [c.key, c.value]));
    expect(claims).toEqual(fx.alice.claims);

    const cred = findCredentialByCredentialId(deps.db, fx.passkey.id)!;
    expect(cred.userId).toBe(fx.alice.id);
    expect(Buffer.from(cred.publicKey).equals(Buffer.from(fx.passkey.publicKeyCose))).toBe(true);
    expect(cred).toMatchObject({ name: "iCloud Keychain", counter: 0, backupEligible: true, backupState: true, transports: ["hybrid", "internal"] });

    const nextcloud = findClientById(deps.db, fx.bcryptClient.id)!;
    expect(nextcloud).toMatchObject({ name: "Nextcloud", callbackUrls: [fx.bcryptClient.callbackUrl], logoutCallbackUrls: ["http://127.0.0.1:9999/logged-out"], launchUrl: "https://cloud.example.org", isPublic: false, unrestricted: false });
    if (v2) {
      expect(nextcloud).toMatchObject({ accessTokenDurationMinutes: 30, refreshTokenDurationMinutes: 20160, description: "Files" });
      expect(findClientById(deps.db, "immich")).toMatchObject({ pkceEnabled: true, requiresReauthentication: true, requirePar: true, skipConsent: true, unrestricted: true, logoutCallbackUrls: [] });
    }
    expect(findClientById(deps.db, fx.publicClient.id)).toMatchObject({ isPublic: true, pkceEnabled: true, unrestricted: true });
    expect(findAuthorizedClient(deps.db, fx.alice.id, fx.bcryptClient.id)!.scopes).toEqual(["openid", "profile", "email", "groups"]);

    // v2.14: the actor's live copy wins over the copy frozen at the v2.12 upgrade ("Old Name", #111111).
    const config = readAppConfig(deps.db, { uiConfigDisabled: false, env: {} });
    expect(config).toMatchObject({ appName: "Family Cloud", accentColor: "#0f766e", sessionDuration: 120, allowUserSignups: "withToken", smtpHost: "mail.example.org", smtpPort: 465, smtpTls: "tls" });
    expect(config.smtpPassword).not.toBe("smtp-pass-plain"); // sealed, as Latchkey stores it
    expect(deps.box.openText("app-config:smtpPassword", config.smtpPassword)).toBe("smtp-pass-plain");
    expect(findAppImage(deps.db, "favicon")?.type).toBe("image/png");
    expect(findAppImage(deps.db, "logo-email")?.type).toBe("image/png");
    expect(findAppImage(deps.db, "default-profile-picture")?.type).toBe("image/png");
    const signup = findValidSignupToken(deps.db, hashToken(fx.signupToken.token), Math.floor(deps.clock.now() / 1000))!;
    expect(signup).toMatchObject({ usageLimit: 5, usageCount: v2 ? 2 : 1, expiresAt: fx.signupToken.expiresAt, prefix: fx.signupToken.token.slice(0, 4) });
    if (v2) expect(findValidSignupToken(deps.db, hashToken(fx.actorSignupToken!.token), Math.floor(deps.clock.now() / 1000))).not.toBeNull();
    expect(findProfilePicture(deps.db, fx.alice.id)?.contentType).toBe("image/png");

    const again = await runImport(deps, fx, { merge: true });
    expect(Object.values(again.counts).reduce((a, b) => a + b, 0)).toBe(0);
    expect(again.skipped).toContainEqual({ entity: "users", id: fx.alice.id, reason: "this id already exists in Latchkey (kept as it is)" });
    expect(countUsers(deps.db)).toBe(2);
  });

  test("the imported passkey signs in with its 36-byte user handle, no enrolment", async () => {
    const { deps, fx } = await world(layout);
    await runImport(deps, fx);
    const { challengeId, options } = await startPasskeyAssertion(deps, { purpose: "login" });
    const { SoftAuthenticator } = await import("../../helpers/soft-authenticator.ts");
    const authr = new SoftAuthenticator(undefined, { backupEligible: true, backedUp: true });
    authr.credentials.push({ ...fx.passkey, counter: 0 });
    const response = authr.assert(options, { origin: deps.config.appUrl, counter: 7 });
    expect(Buffer.from(response.response.userHandle!, "base64url").toString()).toBe(fx.alice.id);
    const { user } = await finishPasskeyAssertion(deps, { challengeId, purpose: "login", response });
    expect(user.id).toBe(fx.alice.id);
  });

  test("imported client secrets authenticate at the token endpoint; wrong ones do not", async () => {
    const { app, deps, fx } = await world(layout);
    await runImport(deps, fx);
    expect(await verifyClientSecretOrImported(deps, fx.bcryptClient.id, fx.bcryptClient.secret!)).toBe(true);
    expect(await verifyClientSecretOrImported(deps, fx.bcryptClient.id, fx.bcryptClient.secret! + "x")).toBe(false);
    // An unknown refresh token proves the client authenticated: invalid_grant (400), not invalid_client (401).
    const withSecret = await token(app, deps, { grant_type: "refresh_token", refresh_token: "nope" }, basicAuth(fx.bcryptClient.id, fx.bcryptClient.secret!));
    expect(withSecret.status).toBe(400);
    expect(((await withSecret.json()) as { error: string }).error).toBe("invalid_grant");
    const wrong = await token(app, deps, { grant_type: "refresh_token", refresh_token: "nope" }, basicAuth(fx.bcryptClient.id, "wrong-secret-wrong-secret-wrong-s"));
    expect(wrong.status).toBe(401);
    if (v2) {
      expect(await verifyClientSecretOrImported(deps, "immich", fx.sha256Client!.secret!)).toBe(true);
      expect(await verifyClientSecretOrImported(deps, "immich", "an-expired-secret-aaaaaaaaaaaaaaa")).toBe(false);
    }
  });

  test("the old signing key is published under its kid and what it signed verifies", async () => {
    const { deps, fx } = await world(layout);
    const summary = await runImport(deps, fx);
    expect(summary.kid).toBe(fx.signingJwk.kid!);
    expect(findCurrentSigningKey(deps.db)!.kid).toBe(fx.signingJwk.kid!);
    const jwks = publishedJwks(deps);
    const published = jwks.keys.find((k) => k.kid === fx.signingJwk.kid)!;
    expect(published).toMatchObject({ kty: "RSA", n: fx.signingJwk.n, e: fx.signingJwk.e, alg: "RS256", use: "sig" });
    expect(published.d).toBeUndefined();
    const oldToken = await new SignJWT({ sub: fx.alice.id })
      .setProtectedHeader({ alg: "RS256", kid: fx.signingJwk.kid })
      .setIssuer(deps.config.appUrl)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(await importJWK(fx.signingJwk as JWK, "RS256"));
    const { payload } = await jwtVerify(oldToken, createLocalJWKSet(jwks), { issuer: deps.config.appUrl, currentDate: new Date(deps.clock.now()) });
    expect(payload.sub).toBe(fx.alice.id);
  });

  test("a key from Pocket ID's key-rotate (RS512, ES384, ES512) keeps its alg and curve, a missing alg follows the curve, a curve that does not fit is refused", async () => {
    const ec = (crv: string, alg?: string) => (kid: string) => ({
      ...(generateKeyPairSync("ec", { namedCurve: crv }).privateKey.export({ format: "jwk" }) as Record<string, string>),
      kid,
      use: "sig",
      ...(alg ? { alg } : {}),
    });
    const rsa = (alg: string) => (kid: string) => ({ ...(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }) as Record<string, string>), kid, use: "sig", alg });
    for (const [alg, make, crv] of [["RS512", rsa("RS512"), undefined], ["ES384", ec("P-384", "ES384"), "P-384"], ["ES512", ec("P-521"), "P-521"]] as const) {
      const { deps, fx } = await world(layout, { signingJwk: make });
      expect((await runImport(deps, fx)).kid).toBe(fx.signingJwk.kid!);
      const jwks = publishedJwks(deps);
      expect(jwks.keys.find((k) => k.kid === fx.signingJwk.kid)).toMatchObject({ alg, use: "sig", ...(crv ? { crv } : {}) });
      const theirs = await new SignJWT({ sub: fx.alice.id }).setProtectedHeader({ alg, kid: fx.signingJwk.kid }).setIssuer(deps.config.appUrl).setExpirationTime("1h")
        .sign(await importJWK(fx.signingJwk as JWK, alg));
      const ours = (await signJwt(deps, { iss: deps.config.appUrl, sub: fx.alice.id, exp: Math.floor(deps.clock.now() / 1000) + 60 })).jwt;
      for (const jwt of [theirs, ours]) {
        const { protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), { algorithms: [alg], issuer: deps.config.appUrl, currentDate: new Date(deps.clock.now()) });
        expect(protectedHeader).toMatchObject({ alg, kid: fx.signingJwk.kid });
      }
    }
    const { deps, fx } = await world(layout, { signingJwk: ec("P-256", "ES384") });
    await expect(runImport(deps, fx)).rejects.toThrow("Pocket ID's ES384 signing key is on P-256; ES384 needs P-384. Nothing was imported.");
    expect(countUsers(deps.db)).toBe(0);
  });

  test("a dry run reports the same counts and writes nothing", async () => {
    const { deps, fx } = await world(layout);
    const dry = await runImport(deps, fx, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.counts.users).toBe(2);
    expect(countUsers(deps.db)).toBe(0);
    expect(findCurrentSigningKey(deps.db)?.kid).not.toBe(fx.signingJwk.kid);
  });

  test("a dry run reports every problem that would refuse the import, and still counts the rest", async () => {
    const { deps, fx } = await world(layout);
    insertTestUser(deps, { username: "someone-else" });
    const dry = await runImport(deps, fx, { dryRun: true, encryptionKey: new TextEncoder().encode("wrong-key-wrong-key-wrong-key") });
    expect(dry.problems).toHaveLength(2);
    expect(dry.problems[0]).toContain("already has 1 user");
    expect(dry.problems[1]).toContain("does not decrypt");
    expect(dry.kid).toBeNull();
    expect(dry.counts.users).toBe(2);
    expect(formatImportSummary(dry)).toContain("Problem (the import would be refused): This Latchkey database already has 1 user");
    expect(countUsers(deps.db)).toBe(1);
  });

  test("a wrong ENCRYPTION_KEY is refused with nothing written", async () => {
    const { deps, fx } = await world(layout);
    expect(runImport(deps, fx, { encryptionKey: new TextEncoder().encode(PID_KEY + "\n") })).rejects.toThrow(/does not decrypt/);
    expect(runImport(deps, fx, { encryptionKey: null })).rejects.toThrow(/POCKET_ID_ENCRYPTION_KEY/);
    expect(countUsers(deps.db)).toBe(0);
  });
});

describe("SCIM service providers (v2.14)", () => {
  test("arrive with the token opened with Pocket ID's key and sealed with Latchkey's, the endpoint and last sync kept", async () => {
    const { deps, fx } = await world("v2.14");
    const summary = await runImport(deps, fx);
    expect(summary.counts.scimProviders).toBe(1);
    expect(summary.notes.some((n) => n.includes("SCIM"))).toBe(false);
    const p = findScimProviderById(deps.db, fx.scimProvider!.id)!;
    expect(p).toMatchObject({ oidcClientId: fx.scimProvider!.clientId, endpoint: "https://immich.example.org/api/scim/v2", lastSyncedAt: fx.scimProvider!.lastSyncedAt });
    expect(p.sealedToken!.startsWith(deps.box.format)).toBe(true);
    expect(deps.box.openText(`scim-token:${p.id}`, p.sealedToken!)).toBe(fx.scimProvider!.token);
  });

  test("a token that does not decrypt with Pocket ID's key is skipped with the reason; the rest is imported", async () => {
    const { deps, fx } = await world("v2.14");
    // The signing key needs the right key too: keep it, and damage only the SCIM token's bytes.
    const { Database } = await import("bun:sqlite");
    const raw = new Database(fx.dbPath);
    const sealed = raw.query<{ token: string }, []>("SELECT token FROM scim_service_providers").get()!.token;
    const bytes = Buffer.from(sealed, "base64");
    bytes[bytes.length - 1]! ^= 1;
    raw.query("UPDATE scim_service_providers SET token = ?").run(bytes.toString("base64"));
    raw.close();
    const summary = await runImport(deps, fx);
    expect(summary.counts.scimProviders).toBe(0);
    expect(summary.counts.users).toBe(2);
    expect(summary.skipped).toContainEqual({ entity: "scimProviders", id: fx.scimProvider!.id, reason: "its token does not decrypt with this ENCRYPTION_KEY" });
    expect(findScimProviderById(deps.db, fx.scimProvider!.id)).toBeNull();
  });
});

test("callback and launch URLs Latchkey would refuse from an administrator are left out and reported", async () => {
  const { deps, fx } = await world("v2.14");
  const { Database } = await import("bun:sqlite");
  const pid = new Database(fx.dbPath);
  pid.query("UPDATE oidc_clients SET callback_urls = ?, launch_url = ? WHERE id = ?").run(
    Buffer.from(JSON.stringify(["https://ok.example.org/cb", "javascript:alert(1)"])),
    "ftp://files.example.org",
    fx.bcryptClient.id,
  );
  pid.close();
  const summary = await runImport(deps, fx);
  expect(findClientById(deps.db, fx.bcryptClient.id)).toMatchObject({ callbackUrls: ["https://ok.example.org/cb"], launchUrl: null });
  expect(summary.skipped.filter((s) => s.entity === "clients").map((s) => s.id)).toEqual([
    `${fx.bcryptClient.id} launch URL ftp://files.example.org`,
    `${fx.bcryptClient.id} callback URL javascript:alert(1)`,
  ]);
});

test("configuration keys that are prototype names are reported as unknown settings, never applied", async () => {
  const { deps, fx } = await world("v1.16");
  const { Database } = await import("bun:sqlite");
  const pid = new Database(fx.dbPath);
  const ins = pid.query("INSERT INTO app_config_variables (key, value) VALUES (?, ?)");
  for (const k of ["constructor", "__proto__", "toString", "hasOwnProperty"]) ins.run(k, "x");
  pid.close();
  const summary = await runImport(deps, fx);
  const skipped = summary.skipped.filter((s) => s.entity === "appConfig");
  for (const k of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
    expect(skipped).toContainEqual({ entity: "appConfig", id: k, reason: "Latchkey has no such setting" });
  }
  expect(deps.db.query("SELECT count(*) AS n FROM app_config WHERE key IN ('constructor', '__proto__', 'toString', 'hasOwnProperty')").get()).toEqual({ n: 0 });
});

describe("refusals", () => {
  test.each([
    ["dirty", /marked dirty at schema version 20260814120000/],
    ["unknown", /unknown schema version 20990101000000/],
    ["missing", /no migration records/],
  ] as const)("a %s migration state is refused before anything is read", async (state, message) => {
    const { fx } = await world("v2.14", { migrationState: state });
    expect(() => openPocketIdSource(fx.dataDir)).toThrow(PocketIdImportError);
    expect(() => openPocketIdSource(fx.dataDir)).toThrow(message);
  });

  test("a corrupt database is refused and left as it is", async () => {
    const { fx } = await world("v1.16");
    corruptDatabaseFile(fx.dbPath);
    const before = fileHash(fx.dbPath);
    expect(() => openPocketIdSource(fx.dbPath)).toThrow(/not a readable SQLite database/);
    expect(fileHash(fx.dbPath)).toBe(before);
  });

  test("a folder without pocket-id.db is refused", () => {
    const tmp = makeTempDir();
    cleanups.push(tmp.cleanup);
    expect(() => openPocketIdSource(tmp.dir)).toThrow(/holds no pocket-id.db/);
  });

  test("a Latchkey database with users is refused unless merging; merging keeps existing rows", async () => {
    const { deps, fx } = await world("v2.14");
    const existing = insertTestUser(deps, { username: "alice", email: "someone@example.org" });
    expect(runImport(deps, fx)).rejects.toThrow(/already has 1 user/);
    expect(countUsers(deps.db)).toBe(1);
    const merged = await runImport(deps, fx, { merge: true });
    expect(merged.skipped).toContainEqual({ entity: "users", id: fx.alice.id, reason: "another Latchkey user already has this username" });
    expect(merged.skipped).toContainEqual({ entity: "passkeys", id: fx.passkey.id, reason: "its user was not imported" });
    expect(merged.counts.users).toBe(1);
    expect(findUserById(deps.db, existing.id)!.email).toBe("someone@example.org");
  });

  test("a v1 plaintext key file is imported without an encryption key", async () => {
    const { deps, fx } = await world("v1.16", { keyStorage: "file" });
    const summary = await runImport(deps, fx, { encryptionKey: null });
    expect(summary.kid).toBe(fx.signingJwk.kid!);
  });

  test("a v1 key kept in the database (KEYS_STORAGE=database) is imported", async () => {
    const { deps, fx } = await world("v1.16", { keyStorage: "database" });
    expect((await runImport(deps, fx)).kid).toBe(fx.signingJwk.kid!);
  });
});

describe("live refresh tokens (v2.10+)", () => {
  test("a Pocket ID refresh token is accepted once and rotated into a Latchkey one", async () => {
    const { app, deps, fx } = await world("v2.14");
    await runImport(deps, fx);
    const basic = basicAuth("immich", fx.sha256Client!.secret!);
    const rt = fx.refreshToken!;
    const res = await token(app, deps, { grant_type: "refresh_token", refresh_token: rt.token }, basic);
    const body = (await res.json()) as { refresh_token: string; id_token: string; access_token: string; error?: string };
    expect(res.status).toBe(200);
    expect(body.refresh_token).not.toStartWith("pocket_id_rt_");
    // Its grant was for the Photos API: the new access token names it and keeps the permission (RFC 8707).
    const access = decodeJwt(body.access_token);
    expect(access.aud).toEqual(["immich", deps.config.appUrl, "https://photos.example.org/api"]);
    expect(access.scope).toBe("openid profile offline_access photos:read");
    const { payload } = await jwtVerify(body.id_token, createLocalJWKSet(publishedJwks(deps)), { currentDate: new Date(deps.clock.now()) });
    expect(payload.sub).toBe(fx.alice.id);
    // Used once: a replay revokes the grant, and the rotated token with it.
    const replay = await token(app, deps, { grant_type: "refresh_token", refresh_token: rt.token }, basic);
    expect(replay.status).toBe(400);
    const next = await token(app, deps, { grant_type: "refresh_token", refresh_token: body.refresh_token }, basic);
    expect(next.status).toBe(400);
  });

  test("introspection sees an imported refresh token; revocation revokes it", async () => {
    const { app, deps, fx } = await world("v2.14");
    await runImport(deps, fx);
    const basic = basicAuth("immich", fx.sha256Client!.secret!);
    const post = (path: string, body: Record<string, string>) =>
      app.handle(new Request(deps.config.appUrl + path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic }, body: new URLSearchParams(body).toString() }));
    const intro = (await (await post("/api/oidc/introspect", { token: fx.refreshToken!.token, token_type_hint: "refresh_token" })).json()) as { active: boolean; sub?: string };
    expect(intro).toMatchObject({ active: true, sub: fx.alice.id });
    expect((await post("/api/oidc/revoke", { token: fx.refreshToken!.token })).status).toBe(200);
    const after = (await (await post("/api/oidc/introspect", { token: fx.refreshToken!.token })).json()) as { active: boolean };
    expect(after.active).toBe(false);
    expect((await token(app, deps, { grant_type: "refresh_token", refresh_token: fx.refreshToken!.token }, basic)).status).toBe(400);
  });

  test("a token with a forged random part, or presented by another client, is refused", async () => {
    const { app, deps, fx } = await world("v2.14");
    await runImport(deps, fx);
    const rt = fx.refreshToken!;
    const forged = `pocket_id_rt_${Buffer.alloc(32, 7).toString("base64url")}.${rt.signature}`;
    const res = await token(app, deps, { grant_type: "refresh_token", refresh_token: forged }, basicAuth("immich", fx.sha256Client!.secret!));
    expect(res.status).toBe(400);
    const other = await token(app, deps, { grant_type: "refresh_token", refresh_token: rt.token }, basicAuth(fx.bcryptClient.id, fx.bcryptClient.secret!));
    expect(other.status).toBe(400);
  });
});

describe("live refresh tokens (v0.44–v2.9)", () => {
  const post = (app: App, deps: TestDeps, path: string, body: Record<string, string>, basic: string) =>
    app.handle(new Request(deps.config.appUrl + path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic }, body: new URLSearchParams(body).toString() }));

  test("a v1.3–v2.9 refresh JWT is accepted once and rotated into a Latchkey one; a replay is refused", async () => {
    const { app, deps, fx } = await world("v1.16");
    await runImport(deps, fx);
    const rt = fx.legacyRefreshToken!;
    const basic = basicAuth(rt.clientId, fx.bcryptClient.secret!);
    const res = await token(app, deps, { grant_type: "refresh_token", refresh_token: rt.token }, basic);
    const body = (await res.json()) as { refresh_token: string; id_token: string; scope: string };
    expect(res.status).toBe(200);
    expect(body.refresh_token.split(".")).toHaveLength(1);
    expect(body.scope.split(" ").sort()).toEqual([...rt.scope].sort());
    const { payload } = await jwtVerify(body.id_token, createLocalJWKSet(publishedJwks(deps)), { currentDate: new Date(deps.clock.now()) });
    expect(payload.sub).toBe(fx.alice.id);
    const rotated = deps.db.query<{ grant_id: string }, [string]>("SELECT grant_id FROM oidc_refresh_tokens WHERE token_hash = ?").get(hashToken(body.refresh_token));
    expect(rotated).not.toBeNull();
    // Used once: a replay (as the JWT or as its bare value) revokes the grant, and the rotated token with it.
    expect((await token(app, deps, { grant_type: "refresh_token", refresh_token: rt.token }, basic)).status).toBe(400);
    expect((await token(app, deps, { grant_type: "refresh_token", refresh_token: body.refresh_token }, basic)).status).toBe(400);
  });

  test("a v0.44–v1.2 raw refresh value is accepted; introspection sees it and revocation revokes it", async () => {
    const { app, deps, fx } = await world("v1.16");
    await runImport(deps, fx);
    const rt = fx.legacyRefreshToken!;
    const basic = basicAuth(rt.clientId, fx.bcryptClient.secret!);
    const intro = (await (await post(app, deps, "/api/oidc/introspect", { token: rt.token }, basic)).json()) as { active: boolean; sub?: string; token_type?: string };
    expect(intro).toMatchObject({ active: true, sub: fx.alice.id, token_type: "refresh_token" });
    expect((await post(app, deps, "/api/oidc/revoke", { token: rt.token, token_type_hint: "refresh_token" }, basic)).status).toBe(200);
    expect(((await (await post(app, deps, "/api/oidc/introspect", { token: rt.token }, basic)).json()) as { active: boolean }).active).toBe(false);
    expect((await token(app, deps, { grant_type: "refresh_token", refresh_token: rt.token }, basic)).status).toBe(400);

    const raw = await token(app, deps, { grant_type: "refresh_token", refresh_token: rt.rawToken }, basic);
    expect(raw.status).toBe(200);
    expect((await token(app, deps, { grant_type: "refresh_token", refresh_token: rt.rawToken }, basic)).status).toBe(400);
  });

  test("another client, a tampered JWT, a wrong type, a foreign key or an unknown value is refused", async () => {
    const { app, deps, fx } = await world("v1.16");
    await runImport(deps, fx);
    const rt = fx.legacyRefreshToken!;
    const basic = basicAuth(rt.clientId, fx.bcryptClient.secret!);
    const refresh = async (refresh_token: string, auth = basic) => (await token(app, deps, { grant_type: "refresh_token", refresh_token }, auth)).status;
    const jwk = await importJWK(fx.signingJwk as JWK, "RS256");
    const sign = (claims: Record<string, unknown>, key: Parameters<SignJWT["sign"]>[0] = jwk) =>
      new SignJWT({ sub: fx.alice.id, iss: deps.config.appUrl, rt: rt.value, aud: rt.clientId, type: "refresh-token", ...claims })
        .setProtectedHeader({ alg: "RS256", kid: fx.signingJwk.kid!, typ: "JWT" })
        .setIssuedAt(Math.floor(deps.clock.now() / 1000))
        .setExpirationTime(rt.expiresAt)
        .sign(key);

    // Issued to the bcrypt client: another client gets nothing, with the token or with one whose aud names it.
    const pub = fx.publicClient.id;
    const asPublic = async (refresh_token: string) =>
      (await app.handle(new Request(deps.config.appUrl + "/api/oidc/token", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token, client_id: pub }).toString(),
      }))).status;
    expect(await asPublic(rt.token)).toBe(400);
    expect(await asPublic(await sign({ aud: pub }))).toBe(400);
    // The right client, but the JWT names another audience.
    expect(await refresh(await sign({ aud: pub }))).toBe(400);
    // Tampered payload (the signature no longer matches), another type, another key.
    const [h, p, sig] = rt.token.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 86400 })).toString("base64url")}.${sig}`;
    expect(await refresh(tampered)).toBe(400);
    expect(await refresh(await sign({ type: "access-token" }))).toBe(400);
    const { privateKey } = await import("node:crypto").then((c) => c.generateKeyPairSync("rsa", { modulusLength: 2048 }));
    expect(await refresh(await sign({}, privateKey))).toBe(400);
    // A correctly signed JWT around a value that is not stored.
    expect(await refresh(await sign({ rt: "A".repeat(40) }))).toBe(400);
    // None of these used the token up.
    expect(await refresh(rt.token)).toBe(200);
  });

  test("an expired ≤ v2.9 token is skipped with its reason and refused", async () => {
    const { Database } = await import("bun:sqlite");
    const { app, deps, fx } = await world("v1.16");
    const pid = new Database(fx.dbPath);
    const expired = "B".repeat(40);
    pid.query("INSERT INTO oidc_refresh_tokens (id, created_at, token, expires_at, scope, user_id, client_id) VALUES ('x', 1, ?, ?, 'openid', ?, ?)").run(
      createHash("sha256").update(expired).digest("hex"), Math.floor(deps.clock.now() / 1000) - 1, fx.alice.id, fx.bcryptClient.id,
    );
    pid.close();
    const summary = await runImport(deps, fx);
    expect(summary.skipped.filter((s) => s.entity === "refreshTokens" && s.reason === "expired")).toHaveLength(2);
    const basic = basicAuth(fx.bcryptClient.id, fx.bcryptClient.secret!);
    expect((await token(app, deps, { grant_type: "refresh_token", refresh_token: expired }, basic)).status).toBe(400);
  });

  test("a v2.14 fosite token still works next to imported legacy tokens", async () => {
    const { app, deps, fx } = await world("v2.14");
    await runImport(deps, fx);
    const { setKv } = await import("../../../src/db/kv.ts");
    setKv(deps.db, "pocket_id_legacy_refresh_tokens", "1");
    const res = await token(app, deps, { grant_type: "refresh_token", refresh_token: fx.refreshToken!.token }, basicAuth("immich", fx.sha256Client!.secret!));
    expect(res.status).toBe(200);
  });
});

test("a client id that would lead out of the uploads folder reads no logo from there", async () => {
  const { deps, fx } = await world("v1.16");
  const { Database } = await import("bun:sqlite");
  const { writeFileSync } = await import("node:fs");
  // A PNG outside uploads/, which a client id with ../ would name.
  writeFileSync(path.join(fx.dataDir, "secret.png"), readFileSync(path.join(fx.dataDir, "uploads", "application-images", "favicon.png")));
  const pid = new Database(fx.dbPath);
  pid.query("UPDATE oidc_clients SET id = '../../secret', image_type = 'png', dark_image_type = NULL WHERE id = ?").run(fx.publicClient.id);
  pid.close();
  const summary = await runImport(deps, fx);
  expect(summary.skipped).toContainEqual({ entity: "clientLogos", id: "../../secret", reason: "the logo file is missing from uploads/oidc-client-images" });
  expect(findClientById(deps.db, "../../secret")!.hasLogo).toBe(false);
  expect(findClientById(deps.db, fx.bcryptClient.id)!.hasLogo).toBe(true);
});

test("Pocket ID's STATIC_API_KEY technical user is not imported as a person", async () => {
  const { deps, fx } = await world("v2.14");
  const { Database } = await import("bun:sqlite");
  const pid = new Database(fx.dbPath);
  pid.query(
    "INSERT INTO users (id, created_at, updated_at, username, email, first_name, last_name, display_name, is_admin, disabled, email_verified) VALUES (?, 1, 1, 'static-api-user-a1b2c3', NULL, 'Static API User', '', 'Static API User', 1, 0, 0)",
  ).run("00000000-0000-0000-0000-000000000000");
  pid.close();
  const summary = await runImport(deps, fx);
  expect(summary.counts.users).toBe(2);
  expect(summary.skipped).toContainEqual({ entity: "users", id: "00000000-0000-0000-0000-000000000000", reason: expect.stringContaining("STATIC_API_KEY") });
  expect(findUserById(deps.db, "00000000-0000-0000-0000-000000000000")).toBeNull();
});
