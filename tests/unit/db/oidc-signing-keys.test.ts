/**
 * src/db/oidc-signing-keys.ts maps rows to typed values (issue 21 step 1): camelCase, alg typed, the public JWK
 * kept as the JSON text the JWKS serves verbatim, null for not found, one current key at a time.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import {
  findCurrentSigningKey,
  findSigningKeyByKid,
  insertCurrentSigningKeyIfNone,
  listPublishedSigningKeys,
  retireCurrentSigningKey,
} from "../../../src/db/oidc-signing-keys.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
beforeEach(() => {
  deps = makeTestDeps();
});
afterEach(() => deps.cleanup());

test("keys read back as values; a retired one stays published until its window closes", () => {
  expect(findCurrentSigningKey(deps.db)).toBeNull();
  const k1 = { kid: "k1", alg: "ES256" as const, publicJwk: '{"kid":"k1"}', privateJwkSealed: "sealed-1", createdAt: 10 };
  expect(insertCurrentSigningKeyIfNone(deps.db, k1)).toBe(true);
  expect(insertCurrentSigningKeyIfNone(deps.db, { ...k1, kid: "k2" })).toBe(false);
  expect(findCurrentSigningKey(deps.db)).toEqual({ ...k1, retiredAt: null, retireAfter: null });

  retireCurrentSigningKey(deps.db, 20, 100);
  const k2 = { kid: "k2", alg: "EdDSA" as const, publicJwk: '{"kid":"k2"}', privateJwkSealed: "sealed-2", createdAt: 20 };
  expect(insertCurrentSigningKeyIfNone(deps.db, k2)).toBe(true);
  expect(findSigningKeyByKid(deps.db, "k1")).toEqual({ ...k1, retiredAt: 20, retireAfter: 100 });
  expect(findSigningKeyByKid(deps.db, "k3")).toBeNull();
  expect(listPublishedSigningKeys(deps.db, 99).map((k) => [k.kid, k.publicJwk])).toEqual([
    ["k2", '{"kid":"k2"}'],
    ["k1", '{"kid":"k1"}'],
  ]);
  expect(listPublishedSigningKeys(deps.db, 100).map((k) => k.kid)).toEqual(["k2"]);
});
