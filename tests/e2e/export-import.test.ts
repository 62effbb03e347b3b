/**
 * `latchkey export` from a running server (generated key, an uploaded picture) → `latchkey import` into an
 * empty folder → a server there serves the same user and the same picture. Garbage archives are refused.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { encodePng } from "../../src/lib/png.ts";
import { SOURCE_COMMAND, startSourceServer } from "../helpers/binary.ts";
import { makeTempDir } from "../helpers/test-deps.ts";

setDefaultTimeout(60_000);
const API_KEY = "static-api-key-for-export-tests-0123";
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
const temp = () => {
  const t = makeTempDir("latchkey-export-");
  cleanups.push(t.cleanup);
  return t.dir;
};

async function cli(args: string[], cwd: string) {
  const p = Bun.spawn([...SOURCE_COMMAND, ...args], { cwd, env: { PATH: process.env.PATH ?? "", TZ: "UTC" }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { stdout, stderr, code };
}

test("export (with key) → import into an empty folder → same users and uploads", async () => {
  const a = temp();
  const server = await startSourceServer({ cwd: a, env: { STATIC_API_KEY: API_KEY } });
  cleanups.push(() => server.cleanup());
  const created = await fetch(`${server.url}/api/users`, { method: "POST", headers: { "x-api-key": API_KEY, "content-type": "application/json" }, body: JSON.stringify({ username: "mover", email: "mover@example.com", firstName: "Mo", lastName: "Ver" }) });
  expect(created.status).toBe(201);
  const user = (await created.json()) as { id: string };
  const png = encodePng(4, 4, new Uint8Array(48).fill(200));
  const fd = new FormData();
  fd.append("file", new Blob([Buffer.from(png)], { type: "image/png" }), "me.png");
  expect((await fetch(`${server.url}/api/users/${user.id}/profile-picture`, { method: "PUT", headers: { "x-api-key": API_KEY }, body: fd })).status).toBe(204);
  const picture = new Uint8Array(await (await fetch(`${server.url}/api/users/${user.id}/profile-picture.png`)).arrayBuffer());

  const out = path.join(temp(), "move.tar.gz");
  const exported = await cli(["export", "--out", out, "--include-key"], a);
  expect([exported.code, exported.stderr]).toEqual([0, expect.stringContaining("contains the encryption key")]);
  const listing = Bun.spawnSync(["tar", "-tzf", out]).stdout.toString().trim().split("\n").sort();
  expect(listing).toEqual(["encryption.key", "latchkey.db", "manifest.json"]);
  await server.stop();

  const b = temp();
  const garbage = path.join(b, "garbage.tar.gz");
  writeFileSync(garbage, "not an archive");
  const refused = await cli(["import", garbage], b);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("is not a Latchkey export");

  const imported = await cli(["import", out], b);
  expect([imported.code, imported.stderr]).toEqual([0, imported.stderr]);
  expect(JSON.parse(imported.stdout)).toMatchObject({ keyInstalled: true, users: 1 });
  expect(existsSync(path.join(b, "data", "encryption.key"))).toBe(true);

  const second = await startSourceServer({ cwd: b, env: { STATIC_API_KEY: API_KEY } });
  cleanups.push(() => second.cleanup());
  const got = (await (await fetch(`${second.url}/api/users/${user.id}`, { headers: { "x-api-key": API_KEY } })).json()) as { username: string };
  expect(got.username).toBe("mover");
  expect(new Uint8Array(await (await fetch(`${second.url}/api/users/${user.id}/profile-picture.png`)).arrayBuffer())).toEqual(picture);
  expect(await second.stop()).toBe(0);
});
