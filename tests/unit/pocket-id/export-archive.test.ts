/**
 * Pocket ID's export archive as an import source (src/pocket-id/export-archive.ts): an archive written by Pocket
 * ID's rules from a real v2.14 fixture (tests/helpers/pocket-id-fixture.ts buildPocketIdExportZip) imports the same
 * as the data folder it was made from; archives that are not Pocket ID exports, or that try to write outside the
 * temporary folder, are refused with nothing written.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../../../src/config.ts";
import { findUserById } from "../../../src/db/users.ts";
import { findCredentialByCredentialId } from "../../../src/db/webauthn.ts";
import { silentLog } from "../../../src/lib/log.ts";
import { verifyClientSecretOrImported } from "../../../src/oidc/client-secrets.ts";
import { unpackPocketIdExport } from "../../../src/pocket-id/export-archive.ts";
import { importPocketIdInto } from "../../../src/pocket-id/install.ts";
import { ownValue } from "../../../src/lib/own.ts";
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

/**
 * Rewrites a written ZIP in place: each entry named in `patch` gets the new name (same length) and/or the declared
 * uncompressed size, in its local and central headers alike, as a hand-made hostile archive would carry them.
 */
function patchZip(file: string, patch: Record<string, { name?: string; size?: number }>): void {
  const zip = readFileSync(file);
  const headers = [
    { signature: 0x04034b50, nameLength: 26, name: 30, size: 22 },
    { signature: 0x02014b50, nameLength: 28, name: 46, size: 24 },
  ];
  for (let i = 0; i + 4 <= zip.length; i++) {
    for (const h of headers) {
      if (zip.readUInt32LE(i) !== h.signature || i + h.name > zip.length) continue;
      const name = zip.subarray(i + h.name, i + h.name + zip.readUInt16LE(i + h.nameLength)).toString("utf8");
      const p = ownValue(patch, name);
      if (!p) continue;
      if (p.name !== undefined) zip.write(p.name, i + h.name, "utf8");
      if (p.size !== undefined) zip.writeUInt32LE(p.size, i + h.size);
    }
  }
  writeFileSync(file, zip);
}

const MIB = 1024 * 1024;
test.each([
  ["database.json given twice", { "databasX.json": bytes('{"version":1,"tables":{}}') }, { "databasX.json": { name: "database.json" } }, /holds database.json twice/],
  ["an upload given twice", { "uploads/a.png": bytes("1"), "uploads/b.png": bytes("2") }, { "uploads/b.png": { name: "uploads/a.png" } }, /holds uploads\/a.png twice/],
  ["an upload given twice under two spellings", { "uploads/a.png": bytes("1"), "uploads//a.png": bytes("2") }, {}, /holds uploads\/a.png twice/],
  ["an entry declaring more than 256 MiB", { "uploads/big.png": bytes("x") }, { "uploads/big.png": { size: 256 * MIB + 1 } }, /holds uploads\/big.png of more than 256 MiB/],
  [
    "entries declaring more than 1 GiB together",
    { "uploads/1": bytes("x"), "uploads/2": bytes("x"), "uploads/3": bytes("x"), "uploads/4": bytes("x"), "uploads/5": bytes("x") },
    Object.fromEntries(["uploads/1", "uploads/2", "uploads/3", "uploads/4", "uploads/5"].map((n) => [n, { size: 250 * MIB }])),
    /unpacks to more than 1 GiB/,
  ],
])("an archive with %s is refused, nothing imported", async (_name, extra, patch, message) => {
  const { tmp, fx, config } = await setup();
  const zip = path.join(tmp.dir, "hostile.zip");
  await buildPocketIdExportZip(fx, zip, extra);
  patchZip(zip, patch);
  expect(importPocketIdInto(config("c"), silentLog, zip, {})).rejects.toThrow(message);
  expect(existsSync(path.join(tmp.dir, "c", "latchkey.db"))).toBe(false);
});

test("an entry inflating past its declared size is cut at that size, not grown", async () => {
  const { tmp, fx } = await setup();
  const zip = path.join(tmp.dir, "liar.zip");
  await buildPocketIdExportZip(fx, zip, { "uploads/bomb.bin": new Uint8Array(8 * MIB) });
  patchZip(zip, { "uploads/bomb.bin": { size: 16 } });
  const dir = path.join(tmp.dir, "unpacked");
  await unpackPocketIdExport(zip, dir);
  expect(statSync(path.join(dir, "uploads", "bomb.bin")).size).toBe(16);
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
