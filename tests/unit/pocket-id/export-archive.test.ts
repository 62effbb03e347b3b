/**
 * Pocket ID's export archive as an import source (src/pocket-id/export-archive.ts): an archive written by Pocket
 * ID's rules from a real v2.14 fixture (tests/helpers/pocket-id-fixture.ts buildPocketIdExportZip) imports the same
 * as the data folder it was made from; archives that are not Pocket ID exports, or that try to write outside the
 * temporary folder, are refused with nothing written.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../../../src/config.ts";
import { findUserById } from "../../../src/db/users.ts";
import { findCredentialByCredentialId } from "../../../src/db/webauthn.ts";
import { silentLog } from "../../../src/lib/log.ts";
import { verifyClientSecretOrImported } from "../../../src/oidc/client-secrets.ts";
import { importPocketIdInto } from "../../../src/pocket-id/install.ts";
import { openRuntime } from "../../../src/runtime.ts";
import { buildPocketIdDataFolder, buildPocketIdExportZip } from "../../helpers/pocket-id-fixture.ts";
import { makeTempDir, TEST_ENCRYPTION_KEY } from "../../helpers/test-deps.ts";

const PID_KEY = "pocket-id-encryption-key-0123456789";
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function setup() {
  const tmp = makeTempDir();
  cleanups.push(tmp.cleanup);
  const fx = await buildPocketIdDataFolder({ layout: "v2.14", dataDir: path.join(tmp.dir, "pid"), encryptionKey: PID_KEY, appUrl: "http://localhost:1411", now: Math.floor(Date.now() / 1000) });
  const config = (name: string) =>
    loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, POCKET_ID_ENCRYPTION_KEY: PID_KEY, DB_CONNECTION_STRING: path.join(tmp.dir, name, "latchkey.db") }, tmp.dir);
  return { tmp, fx, config };
}

test("an export archive imports exactly what its data folder does", async () => {
  const { tmp, fx, config } = await setup();
  const zip = path.join(tmp.dir, "pocket-id-export.zip");
  await buildPocketIdExportZip(fx, zip);
  const fromFolder = await importPocketIdInto(config("a"), silentLog, fx.dataDir, { withAuditLog: true });
  const fromZip = await importPocketIdInto(config("b"), silentLog, zip, { withAuditLog: true });
  expect(fromZip.source.dbFile).toBe(zip);
  expect(fromZip.counts).toEqual(fromFolder.counts);
  expect(fromZip.kid).toBe(fx.signingJwk.kid!);
  const rt = openRuntime(config("b"), silentLog);
  try {
    expect(findUserById(rt.db, fx.alice.id)).toMatchObject({ username: "alice", emailVerified: true, isAdmin: true });
    expect(findCredentialByCredentialId(rt.db, fx.passkey.id)).toMatchObject({ backupEligible: true, transports: ["hybrid", "internal"] });
    expect(await verifyClientSecretOrImported(rt, fx.bcryptClient.id, fx.bcryptClient.secret!)).toBe(true);
    expect(await verifyClientSecretOrImported(rt, "immich", fx.sha256Client!.secret!)).toBe(true);
  } finally {
    rt.close();
  }
});

const bytes = (text: string) => new TextEncoder().encode(text);
test.each([
  ["an entry escaping the folder", { "uploads/../../evil.txt": bytes("x") }, /unsafe path/],
  ["a dot segment after an empty one", { "uploads//../../evil.txt": bytes("x") }, /unsafe path/],
  ["a backslash traversal", { "uploads/..\\..\\evil.txt": bytes("x") }, /unsafe path/],
  ["a single-dot segment", { "uploads/./../evil.txt": bytes("x") }, /unsafe path/],
  ["a NUL in a name", { "uploads/a\u0000/../../evil.txt": bytes("x") }, /unsafe path/],
])("an archive with %s is refused", async (_name, extra, message) => {
  const { tmp, fx, config } = await setup();
  const zip = path.join(tmp.dir, "hostile.zip");
  await buildPocketIdExportZip(fx, zip, extra);
  expect(importPocketIdInto(config("c"), silentLog, zip, {})).rejects.toThrow(message);
  expect(existsSync(path.join(tmp.dir, "c", "latchkey.db"))).toBe(false);
  expect(existsSync(path.join(tmp.dir, "evil.txt"))).toBe(false);
});

test("a ZIP that is not a Pocket ID export is refused", async () => {
  const { tmp, config } = await setup();
  const { zipSync } = await import("fflate");
  const zip = path.join(tmp.dir, "other.zip");
  writeFileSync(zip, zipSync({ "readme.txt": new TextEncoder().encode("hello") }));
  expect(importPocketIdInto(config("d"), silentLog, zip, {})).rejects.toThrow(/no database.json/);
  writeFileSync(zip, zipSync({ "database.json": new TextEncoder().encode('{"tables":{}}') }));
  expect(importPocketIdInto(config("d"), silentLog, zip, {})).rejects.toThrow(/not a Pocket ID export/);
  expect(existsSync(path.join(tmp.dir, "d", "latchkey.db"))).toBe(false);
});

test("table names in database.json that are prototype names or not identifiers are passed over, not a crash", async () => {
  const { tmp, config } = await setup();
  const { zipSync } = await import("fflate");
  const zip = path.join(tmp.dir, "proto.zip");
  const doc = { provider: "sqlite", version: 20260814120000, tables: { constructor: [], __proto__: [], toString: [{}], "users; DROP TABLE x": [] } };
  writeFileSync(zip, zipSync({ "database.json": bytes(JSON.stringify(doc).replace('"tables":{', '"tables":{"__proto__":[],')) }));
  // Whatever the verdict on such an archive, it is a clear refusal or an import, never a TypeError.
  const outcome = await importPocketIdInto(config("e"), silentLog, zip, {}).then(
    () => "imported",
    (e: Error) => e.constructor.name,
  );
  expect(outcome).not.toBe("TypeError");
  expect(["imported", "PocketIdImportError"]).toContain(outcome);
});
