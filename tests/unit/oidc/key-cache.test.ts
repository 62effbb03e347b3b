/**
 * The cached signing key set follows rotations done by this process and by another connection (the CLI, another
 * instance): the signing_keys change version, bumped by triggers with every change, is checked once a second.
 */
import { afterEach, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { decodeProtectedHeader } from "jose";
import { openSecondConnection } from "../../helpers/two-instances.ts";
import { readChangeVersion } from "../../../src/db/change-versions.ts";
import { deleteExpiredSigningKeys } from "../../../src/db/oidc-signing-keys.ts";
import { insertTestUser } from "../../helpers/oidc-fixtures.ts";
import { ensureSigningKey, KEY_SET_CHECK_MS, keySet, publishedJwks, rotateSigningKey, signJwt, verifyOwnJwt } from "../../../src/oidc/signing-keys.ts";
import { makeTestApp, makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
afterEach(() => deps?.cleanup());

test("a rotation committed by another connection is seen by the next signature and JWKS", async () => {
  deps = makeTestDeps();
  const first = ensureSigningKey(deps);
  const a = await signJwt(deps, { iss: "x" });
  expect(a.kid).toBe(first);
  const cachedVersion = keySet(deps).version;
  expect(keySet(deps).version).toBe(cachedVersion); // no change, no reload

  // The `key-rotate` CLI: another process, another connection to the same file.
  const other = openSecondConnection(deps);
  const r = rotateSigningKey({ ...deps, db: other }, CLI_ACTOR, "ES256");
  other.close();
  // Looked for at most once per KEY_SET_CHECK_MS; until then the old key still signs (and stays published).
  expect((await signJwt(deps, { iss: "x" })).kid).toBe(first);
  deps.clock.advanceMs(KEY_SET_CHECK_MS + 50);

  const b = await signJwt(deps, { iss: "x" });
  expect(b.kid).toBe(r.kid);
  expect(b.alg).toBe("ES256");
  expect(decodeProtectedHeader(b.jwt).kid).toBe(r.kid);
  expect(publishedJwks(deps).keys.map((k) => k.kid)).toEqual([r.kid, first]);
  // Both tokens verify: the old key stays published.
  expect((await verifyOwnJwt(deps, a.jwt, { issuer: "x", ignoreExpiry: true })).payload.iss).toBe("x");
  expect((await verifyOwnJwt(deps, b.jwt, { issuer: "x", ignoreExpiry: true })).payload.iss).toBe("x");
});

test("every insert, update and delete of a signing key bumps the change version in its own transaction; a statement that changes none does not", () => {
  deps = makeTestDeps();
  const v0 = readChangeVersion(deps.db, "signing_keys");
  ensureSigningKey(deps); // insert
  expect(readChangeVersion(deps.db, "signing_keys")).toBe(v0 + 1);
  const r = rotateSigningKey(deps, CLI_ACTOR, "ES256"); // retire (update) + insert
  expect(readChangeVersion(deps.db, "signing_keys")).toBe(v0 + 3);
  expect(deleteExpiredSigningKeys(deps.db, Math.floor(deps.clock.now() / 1000))).toBe(0);
  expect(readChangeVersion(deps.db, "signing_keys")).toBe(v0 + 3);
  expect(deleteExpiredSigningKeys(deps.db, r.retiredUntil!)).toBe(1); // delete
  expect(readChangeVersion(deps.db, "signing_keys")).toBe(v0 + 4);
  // A rolled-back change leaves the version as it was.
  expect(() =>
    deps.db.transaction(() => {
      rotateSigningKey(deps, CLI_ACTOR, "ES256");
      throw new Error("abort");
    })(),
  ).toThrow("abort");
  expect(readChangeVersion(deps.db, "signing_keys")).toBe(v0 + 4);
});

test("the change version is read at most once per KEY_SET_CHECK_MS: signatures and JWKS in between run no statement", async () => {
  deps = makeTestDeps();
  ensureSigningKey(deps);
  let statements = 0;
  const db = new Proxy(deps.db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === "query" || prop === "prepare") return (...args: unknown[]) => (statements++, (value as (...a: unknown[]) => unknown).apply(target, args));
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const counted = { ...deps, db };
  keySet(counted); // the first load
  const afterLoad = statements;
  for (let i = 0; i < 100; i++) {
    await signJwt(counted, { iss: "x" });
    publishedJwks(counted);
    deps.clock.advanceMs(5);
  }
  expect(statements).toBe(afterLoad);
  deps.clock.advanceMs(KEY_SET_CHECK_MS);
  keySet(counted);
  keySet(counted);
  expect(statements).toBe(afterLoad + 1);
});

test("another connection's commits that do not touch the keys do not reload the set", () => {
  deps = makeTestDeps();
  ensureSigningKey(deps);
  const cached = keySet(deps).version;
  const other = openSecondConnection(deps);
  insertTestUser({ ...deps, db: other }, { username: "elsewhere" });
  other.close();
  deps.clock.advanceMs(KEY_SET_CHECK_MS + 50);
  expect(keySet(deps).version).toBe(cached);
});

test("a retired key leaves the cached JWKS when its window closes", async () => {
  deps = makeTestDeps();
  const first = ensureSigningKey(deps);
  const a = await signJwt(deps, { iss: "x" });
  const r = rotateSigningKey(deps, CLI_ACTOR, "ES256");
  expect(publishedJwks(deps).keys.map((k) => k.kid)).toEqual([r.kid, first]);
  deps.clock.advance(r.retiredUntil! - Math.floor(deps.clock.now() / 1000) - 1);
  expect(publishedJwks(deps).keys.map((k) => k.kid)).toEqual([r.kid, first]);
  deps.clock.advance(1);
  expect(publishedJwks(deps).keys.map((k) => k.kid)).toEqual([r.kid]);
  await expect(verifyOwnJwt(deps, a.jwt, { issuer: "x", ignoreExpiry: true })).rejects.toThrow("not signed by a current key");
});

test("discovery and JWKS carry an ETag; a matching If-None-Match gets 304; a rotation changes both tags", async () => {
  const built = await makeTestApp();
  deps = built.deps;
  const get = (path: string, etag?: string) =>
    built.app.handle(new Request(deps.config.appUrl + path, { headers: etag ? { "If-None-Match": etag } : {} }));
  const tags: string[] = [];
  for (const path of ["/.well-known/openid-configuration", "/.well-known/jwks.json"]) {
    const first = await get(path);
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-z]+"$/);
    expect(first.headers.get("cache-control")).toBe("public, max-age=300");
    const again = await get(path, etag);
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("etag")).toBe(etag);
    expect((await get(path, '"other"')).status).toBe(200);
    tags.push(etag);
  }
  rotateSigningKey(deps, CLI_ACTOR, "ES256");
  for (const [i, path] of ["/.well-known/openid-configuration", "/.well-known/jwks.json"].entries()) {
    const after = await get(path, tags[i]);
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(tags[i]);
  }
});
