/**
 * Issue 18's proof, end to end: a Pocket ID v2.14 data folder (built the way Pocket ID writes it,
 * tests/helpers/pocket-id-fixture.ts) and Pocket ID's ENCRYPTION_KEY; only the binary changes.
 * - The compiled binary imports it on first start and logs the summary; the Pocket ID file stays byte-for-byte
 *   the same; a second start imports nothing.
 * - Headless Chromium holding the imported passkey (CDP WebAuthn.addCredential with the 36-byte user handle) signs
 *   in through openid-client's code flow at the imported confidential client, with its original bcrypt secret and
 *   no consent screen (the consent was imported); sub, groups and custom claims are Pocket ID's.
 * - A token signed with Pocket ID's key verifies against the new JWKS; a live Pocket ID refresh token works for
 *   the sha256-secret client (v2.14) and a v1.3–v2.9 refresh JWT for the bcrypt one (v1.16).
 * - A dirty or corrupt Pocket ID database stops the start with a clear message and nothing written.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createRemoteJWKSet, importJWK, jwtVerify, SignJWT, type JWK } from "jose";
import * as oidc from "openid-client";
import { freePort, startBinary, type RunningBinary } from "../helpers/binary.ts";
import { addResidentCredential, launchBrowser, newPasskeyPage, type TestBrowser } from "../helpers/browser.ts";
import { buildPocketIdDataFolder, buildPocketIdExportZip, corruptDatabaseFile, type PocketIdFixture } from "../helpers/pocket-id-fixture.ts";
import { authorizationRequest, discoverClient } from "../helpers/relying-party.ts";
import { makeTempDir } from "../helpers/test-deps.ts";

const PID_KEY = "pocket-id-encryption-key-0123456789";
const hash = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

let work: { dir: string; cleanup: () => void };
let fx: PocketIdFixture;
let port: number;
let server: RunningBinary;
let browser: TestBrowser;
let pocketIdHash: string;

beforeAll(async () => {
  work = makeTempDir("pocket-id-switch-");
  port = freePort();
  fx = await buildPocketIdDataFolder({ layout: "v2.14", dataDir: path.join(work.dir, "data"), encryptionKey: PID_KEY, appUrl: `http://localhost:${port}`, now: Math.floor(Date.now() / 1000) });
  pocketIdHash = hash(fx.dbPath);
  server = await startBinary({ cwd: work.dir, env: { ENCRYPTION_KEY: PID_KEY, PORT: String(port) }, timeoutMs: 60000 });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.cleanup();
  work?.cleanup();
});

describe("first start on a Pocket ID data folder", () => {
  test("imports it, logs the summary, and leaves the Pocket ID file unchanged", async () => {
    expect(server.stderr()).toContain("first start with a Pocket ID database");
    expect(server.stderr()).toContain("users: 2");
    expect(server.stderr()).toContain("passkeys: 1");
    expect(existsSync(path.join(work.dir, "data", "latchkey.db"))).toBe(true);
    expect(hash(fx.dbPath)).toBe(pocketIdHash);
    // The live configuration of Pocket ID v2.12+ (MessagePack actor state), decoded inside the compiled binary.
    const config = (await (await fetch(`${server.url}/api/application-configuration`)).json()) as { key: string; value: string }[];
    expect(config.find((c) => c.key === "appName")?.value).toBe("Family Cloud");
  });

  test("the imported passkey signs in to the imported client with its original secret; sub, groups and claims unchanged", async () => {
    const { page, authenticator } = await newPasskeyPage(browser);
    await addResidentCredential(page, authenticator, {
      credentialId: Buffer.from(fx.passkey.id, "base64url"),
      rpId: "localhost",
      privateKeyPkcs8: fx.passkeyPkcs8,
      userHandle: new TextEncoder().encode(fx.alice.id),
    });
    const c = fx.bcryptClient;
    const config = await discoverClient(server.url, c.id, c.secret!);
    const request = await authorizationRequest(config, c.callbackUrl);
    await page.goto(request.url.href);
    await page.waitForURL((u) => u.pathname === "/login");
    // The imported client's callback (nothing listens there): the browser's request for it is the evidence.
    const arrived = page.waitForRequest((r) => r.url().startsWith("http://127.0.0.1:9999/"));
    await page.locator("[data-passkey-login]").click();
    const callback = new URL((await arrived).url()); // no consent screen: Pocket ID's consent was imported
    const tokens = await oidc.authorizationCodeGrant(config, callback, request.checks);
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(fx.alice.id);
    expect(claims.preferred_username).toBe("alice");
    expect(claims.email).toBe("alice@example.org");
    expect([...(claims.groups as string[])].sort()).toEqual(["admins", "family"]);
    expect(claims.department).toBe("research");
    expect(claims.shoe_size).toBe(38); // a JSON-valued custom claim, as Pocket ID emits it
  }, 90_000);

  test("a token signed with Pocket ID's key verifies against the new JWKS", async () => {
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    expect(jwks.keys[0]).toMatchObject({ kid: fx.signingJwk.kid, n: fx.signingJwk.n, e: fx.signingJwk.e, alg: "RS256" });
    const old = await new SignJWT({ sub: fx.alice.id })
      .setProtectedHeader({ alg: "RS256", kid: fx.signingJwk.kid })
      .setIssuer(server.url)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(await importJWK(fx.signingJwk as JWK, "RS256"));
    const { payload } = await jwtVerify(old, createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)), { issuer: server.url });
    expect(payload.sub).toBe(fx.alice.id);
  });

  test("a live Pocket ID refresh token keeps working for the sha256-secret client", async () => {
    const c = fx.sha256Client!;
    const config = await discoverClient(server.url, c.id, c.secret!);
    const refreshed = await oidc.refreshTokenGrant(config, fx.refreshToken!.token);
    expect(refreshed.claims()!.sub).toBe(fx.alice.id);
    expect(refreshed.refresh_token).not.toStartWith("pocket_id_rt_");
    await expect(oidc.refreshTokenGrant(config, fx.refreshToken!.token)).rejects.toMatchObject({ error: "invalid_grant" });
  });

  test("a second start imports nothing", async () => {
    expect(await server.stop()).toBe(0);
    server = await startBinary({ cwd: work.dir, env: { ENCRYPTION_KEY: PID_KEY, PORT: String(port) }, timeoutMs: 60000 });
    expect(server.stderr()).not.toContain("Pocket ID database");
    expect(server.stderr()).not.toContain("Imported from");
    const res = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(((await res.json()) as { keys: JWK[] }).keys[0]!.kid).toBe(fx.signingJwk.kid);
    expect(hash(fx.dbPath)).toBe(pocketIdHash);
  }, 90_000);
});

test("a Pocket ID v1.16 data folder (encrypted key file in data/keys, bcrypt secret column) imports on first start", async () => {
  const tmp = makeTempDir("pocket-id-v1-");
  let bin: RunningBinary | null = null;
  try {
    const v1Port = freePort();
    const f = await buildPocketIdDataFolder({ layout: "v1.16", dataDir: path.join(tmp.dir, "data"), encryptionKey: PID_KEY, appUrl: `http://localhost:${v1Port}`, now: Math.floor(Date.now() / 1000) });
    const before = hash(f.dbPath);
    bin = await startBinary({ cwd: tmp.dir, env: { ENCRYPTION_KEY: PID_KEY, PORT: String(v1Port) }, timeoutMs: 60000 });
    expect(bin.stderr()).toContain("Pocket ID v1.16");
    const jwks = (await (await fetch(`${bin.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    expect(jwks.keys[0]).toMatchObject({ kid: f.signingJwk.kid, n: f.signingJwk.n });
    // The bcrypt secret authenticates (the unknown refresh token is then invalid_grant, not invalid_client).
    const basic = (secret: string) => "Basic " + Buffer.from(`${encodeURIComponent(f.bcryptClient.id)}:${encodeURIComponent(secret)}`).toString("base64");
    const call = (secret: string) =>
      fetch(`${bin!.url}/api/oidc/token`, { method: "POST", headers: { authorization: basic(secret), "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=refresh_token&refresh_token=unknown" });
    expect(((await (await call(f.bcryptClient.secret!)).json()) as { error: string }).error).toBe("invalid_grant");
    expect((await call("not-the-secret-not-the-secret-xx")).status).toBe(401);
    // A refresh JWT Pocket ID v1.3–v2.9 handed out (signed with its key) is accepted once and rotated.
    const config = await discoverClient(bin.url, f.bcryptClient.id, f.bcryptClient.secret!);
    const refreshed = await oidc.refreshTokenGrant(config, f.legacyRefreshToken!.token);
    expect(refreshed.claims()!.sub).toBe(f.alice.id);
    expect(refreshed.refresh_token).toBeString();
    await expect(oidc.refreshTokenGrant(config, f.legacyRefreshToken!.token)).rejects.toMatchObject({ error: "invalid_grant" });
    expect(hash(f.dbPath)).toBe(before);
  } finally {
    await bin?.cleanup();
    tmp.cleanup();
  }
}, 90_000);

test("the binary's import-pocket-id reads Pocket ID's export archive (--dry-run writes nothing)", async () => {
  const tmp = makeTempDir("pocket-id-zip-");
  try {
    const f = await buildPocketIdDataFolder({ layout: "v2.14", dataDir: path.join(tmp.dir, "pid"), encryptionKey: PID_KEY, appUrl: "http://localhost:1411", now: Math.floor(Date.now() / 1000) });
    const zip = path.join(tmp.dir, "pocket-id-export.zip");
    await buildPocketIdExportZip(f, zip);
    const cli = await startBinary({ cwd: tmp.dir, args: ["import-pocket-id", zip, "--dry-run"], env: { ENCRYPTION_KEY: PID_KEY }, waitUntilHealthy: false });
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain(`Dry run: would import from ${zip} (Pocket ID v2.14`);
    expect(cli.stdout()).toContain("passkeys: 1");
    expect(cli.stdout()).toContain(`signing key kid: ${f.signingJwk.kid}`);
    await cli.cleanup();
    expect(existsSync(path.join(tmp.dir, "data", "latchkey.db"))).toBe(false);
  } finally {
    tmp.cleanup();
  }
}, 60_000);

describe("a Pocket ID database that cannot be trusted stops the first start, with nothing written", () => {
  test.each(["dirty", "corrupt"] as const)("%s", async (kind) => {
    const tmp = makeTempDir("pocket-id-refused-");
    try {
      const f = await buildPocketIdDataFolder({
        layout: "v1.16",
        dataDir: path.join(tmp.dir, "data"),
        encryptionKey: PID_KEY,
        appUrl: "http://localhost:1411",
        now: Math.floor(Date.now() / 1000),
        migrationState: kind === "dirty" ? "dirty" : "clean",
      });
      if (kind === "corrupt") corruptDatabaseFile(f.dbPath);
      const before = hash(f.dbPath);
      const bin = await startBinary({ cwd: tmp.dir, env: { ENCRYPTION_KEY: PID_KEY }, waitUntilHealthy: false });
      expect(await bin.exited).toBe(1);
      expect(bin.stderr()).toMatch(kind === "dirty" ? /Importing the Pocket ID database .* failed: .* marked dirty/ : /Importing the Pocket ID database .* failed: .* is not a readable SQLite database/);
      await bin.cleanup();
      expect(hash(f.dbPath)).toBe(before);
      expect(readdirSync(path.join(tmp.dir, "data")).filter((n) => n.startsWith("latchkey.db") && !n.endsWith(".server-lock"))).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  }, 60_000);
});
