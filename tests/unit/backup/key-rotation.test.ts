/**
 * ENCRYPTION_KEY rotation: every sealed value re-sealed; an interrupted rotation changes nothing (the old
 * key still opens everything); every `box.seal(` call site is accounted for in SEALED_COLUMNS; the CLI
 * refuses while the server runs and the server starts with the new key only.
 */
import { afterAll, afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { rotateEncryptionKey } from "../../../src/backup/key-rotation.ts";
import { upsertAppConfigEntries } from "../../../src/db/app-config.ts";
import { setKv } from "../../../src/db/kv.ts";
import { listSealedValues, SEALED_COLUMNS, tableExists } from "../../../src/db/sealed-values.ts";
import { ensureSigningKey } from "../../../src/oidc/signing-keys.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { createScimProvider } from "../../../src/scim/providers.ts";
import { cryptoRandom } from "../../../src/lib/random.ts";
import type { SealedBox } from "../../../src/lib/sealed-box.ts";
import { sealedBoxFor } from "../../../src/runtime.ts";
import { SOURCE_COMMAND, startSourceServer } from "../../helpers/binary.ts";
import { makeTempDir, makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

setDefaultTimeout(60_000);
let deps: TestDeps;
afterEach(() => deps?.cleanup());
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const NEW_KEY = "the-new-encryption-key-0123456789";

function seed(d: TestDeps): void {
  ensureSigningKey(d);
  setKv(d.db, "encryption_key_check", d.box.seal("encryption_key_check", "latchkey"));
  upsertAppConfigEntries(d.db, [
    { key: "smtpPassword", value: d.box.seal("app-config:smtpPassword", "smtp-secret") },
    { key: "ldapBindPassword", value: d.box.seal("app-config:ldapBindPassword", "ldap-secret") },
    { key: "appName", value: "Plain" },
  ], 0);
  // A SCIM provider with a token and one without (a NULL token column is not a sealed value).
  const client = createClient(d, CLI_ACTOR, { name: "Wiki", callbackUrls: ["https://wiki.example.com/cb"] }).client;
  const other = createClient(d, CLI_ACTOR, { name: "Chat", callbackUrls: ["https://chat.example.com/cb"] }).client;
  createScimProvider(d, CLI_ACTOR, { endpoint: "https://wiki.example.com/scim/v2", token: "scim-bearer-token", oidcClientId: client.id });
  createScimProvider(d, CLI_ACTOR, { endpoint: "https://chat.example.com/scim/v2", oidcClientId: other.id });
}

/** Every sealed value, opened with `box` (throws when one does not open). */
function openAll(d: TestDeps, box: SealedBox): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of SEALED_COLUMNS) {
    if (!tableExists(d.db, c.table)) continue;
    for (const r of listSealedValues(d.db, c)) out[`${c.table}/${r.key}`] = new TextDecoder().decode(box.open(c.purpose(r.key), r.sealed));
  }
  return out;
}

test("rotation re-seals every secret; the old key opens none of them afterwards", () => {
  deps = makeTestDeps();
  seed(deps);
  const before = openAll(deps, deps.box);
  expect(Object.keys(before).length).toBeGreaterThanOrEqual(4);
  const newBox = sealedBoxFor(new TextEncoder().encode(NEW_KEY), cryptoRandom, null).box;
  const r = rotateEncryptionKey(deps, CLI_ACTOR, deps.box, newBox);
  expect(r.resealed.oidc_signing_keys).toBe(1);
  expect(r.resealed.app_config).toBe(2);
  expect(r.resealed.scim_service_providers).toBe(1);
  expect(Object.values(openAll(deps, newBox))).toContain("scim-bearer-token");
  expect(openAll(deps, newBox)).toEqual(before);
  expect(() => openAll(deps, deps.box)).toThrow();
});

test("an interrupted rotation changes nothing: the old key still opens everything", () => {
  deps = makeTestDeps();
  seed(deps);
  const before = openAll(deps, deps.box);
  const raw = SEALED_COLUMNS.filter((c) => tableExists(deps.db, c.table)).flatMap((c) => listSealedValues(deps.db, c));
  const real = sealedBoxFor(new TextEncoder().encode(NEW_KEY), cryptoRandom, null).box;
  let calls = 0;
  const failing: SealedBox = {
    ...real,
    seal(purpose, text) {
      if (++calls === 3) throw new Error("disk full (simulated) midway through the rotation");
      return real.seal(purpose, text);
    },
  };
  expect(() => rotateEncryptionKey(deps, CLI_ACTOR, deps.box, failing)).toThrow("disk full");
  expect(calls).toBe(3);
  expect(openAll(deps, deps.box)).toEqual(before);
  expect(SEALED_COLUMNS.filter((c) => tableExists(deps.db, c.table)).flatMap((c) => listSealedValues(deps.db, c))).toEqual(raw);
});

test("every file that seals a value is accounted for in SEALED_COLUMNS", () => {
  const root = path.resolve(import.meta.dir, "../../../src");
  const sealing: string[] = [];
  const walk = (dir: string) => {
    for (const n of readdirSync(dir)) {
      const p = path.join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(n) && /\bbox\.seal\(/.test(readFileSync(p, "utf8"))) sealing.push(path.relative(root, p));
    }
  };
  walk(root);
  // Each of these writes into a column listed in src/db/sealed-values.ts; add yours there and here.
  // pocket-id/importer.ts seals the fosite secret into kv under purpose = its key (the kv row of SEALED_COLUMNS).
  // scim/providers.ts seals SCIM bearer tokens into scim_service_providers.token (purpose scim-token:<id>).
  const known = ["oidc/signing-keys.ts", "admin/app-config-admin.ts", "runtime.ts", "mail/outbox.ts", "backup/key-rotation.ts", "pocket-id/importer.ts", "scim/providers.ts"];
  expect(sealing.filter((f) => !known.includes(f))).toEqual([]);
});

test("CLI: refused while the server runs; afterwards the server starts with the new key and not with the old", async () => {
  const { dir, cleanup } = makeTempDir("latchkey-rotate-");
  cleanups.push(cleanup);
  const OLD = "the-old-encryption-key-0123456789";
  const server = await startSourceServer({ cwd: dir, env: { ENCRYPTION_KEY: OLD } });
  cleanups.push(() => server.cleanup());
  const jwks = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
  const run = async (env: Record<string, string>, args: string[]) => {
    const p = Bun.spawn([...SOURCE_COMMAND, "encryption-key-rotate", ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "", ...env }, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { stdout, stderr, code };
  };
  const refused = await run({ ENCRYPTION_KEY: OLD }, ["--new-key", NEW_KEY]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("Another Latchkey server");
  await server.stop();
  expect((await run({ ENCRYPTION_KEY: OLD }, ["--new-key", "short"])).code).toBe(2);
  const ok = await run({ ENCRYPTION_KEY: OLD }, ["--new-key", NEW_KEY]);
  expect([ok.code, ok.stderr]).toEqual([0, expect.stringContaining("Set ENCRYPTION_KEY")]);
  expect(JSON.parse(ok.stdout).resealed.oidc_signing_keys).toBeGreaterThanOrEqual(1);

  const withOld = await startSourceServer({ cwd: dir, env: { ENCRYPTION_KEY: OLD }, waitUntilHealthy: false });
  cleanups.push(() => withOld.cleanup());
  expect(await withOld.exited).toBe(1);
  expect(withOld.stderr()).toContain("ENCRYPTION_KEY does not match");
  const withNew = await startSourceServer({ cwd: dir, env: { ENCRYPTION_KEY: NEW_KEY } });
  cleanups.push(() => withNew.cleanup());
  expect(await (await fetch(`${withNew.url}/.well-known/jwks.json`)).json()).toEqual(jwks);
  expect(await withNew.stop()).toBe(0);
});
