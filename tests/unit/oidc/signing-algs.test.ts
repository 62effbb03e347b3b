/**
 * Every algorithm of Pocket ID's key-rotate signs: after a rotation to it, discovery lists it, the JWKS publishes the
 * key with its `alg` (and `crv` for EC and OKP), and the code flow's ID and access tokens verify with jose against
 * that JWKS; at_hash uses the algorithm's hash; userinfo accepts what it signed.
 */
import { afterEach, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { rotateSigningKey, SIGNING_ALGS, type SigningAlg } from "../../../src/oidc/signing-keys.ts";
import { CALLBACK, makeOidcWorld, VERIFIER, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

const EXPECTED: Record<SigningAlg, { kty: string; crv?: string; modulusBytes?: number; hash: string }> = {
  RS256: { kty: "RSA", modulusBytes: 256, hash: "sha256" },
  RS384: { kty: "RSA", modulusBytes: 384, hash: "sha384" },
  RS512: { kty: "RSA", modulusBytes: 512, hash: "sha512" },
  ES256: { kty: "EC", crv: "P-256", hash: "sha256" },
  ES384: { kty: "EC", crv: "P-384", hash: "sha384" },
  ES512: { kty: "EC", crv: "P-521", hash: "sha512" },
  EdDSA: { kty: "OKP", crv: "Ed25519", hash: "sha512" },
};

test("SIGNING_ALGS are Pocket ID's seven", () => {
  expect([...SIGNING_ALGS].sort() as string[]).toEqual(Object.keys(EXPECTED).sort());
});

for (const alg of SIGNING_ALGS) {
  test(`${alg}: discovery, JWKS and the code flow's tokens verify with jose`, async () => {
    w = await makeOidcWorld();
    const { kid } = rotateSigningKey(w.deps, CLI_ACTOR, alg);
    const doc = (await (await w.call("/.well-known/openid-configuration")).json()) as { id_token_signing_alg_values_supported: string[] };
    expect(doc.id_token_signing_alg_values_supported).toEqual([alg]);
    const jwks = (await (await w.call("/.well-known/jwks.json")).json()) as JSONWebKeySet;
    const jwk = jwks.keys.find((k) => k.kid === kid)!;
    const want = EXPECTED[alg];
    expect(jwk).toMatchObject({ kid, alg, use: "sig", kty: want.kty, ...(want.crv ? { crv: want.crv } : {}) });
    expect(jwk.d).toBeUndefined();
    if (want.modulusBytes) expect(Buffer.from(jwk.n!, "base64url").length).toBe(want.modulusBytes);

    const res = await w.token({ grant_type: "authorization_code", code: await w.code({ nonce: "n-1" }), redirect_uri: CALLBACK, code_verifier: VERIFIER });
    expect(res.status).toBe(200);
    const t = (await res.json()) as { access_token: string; id_token: string };
    const keySet = createLocalJWKSet(jwks);
    const id = await jwtVerify(t.id_token, keySet, { algorithms: [alg], issuer: w.deps.config.appUrl, audience: w.client.id, currentDate: new Date(w.deps.clock.now()) });
    expect(id.protectedHeader).toMatchObject({ alg, kid });
    const digest = createHash(want.hash).update(t.access_token).digest();
    expect(id.payload.at_hash).toBe(digest.subarray(0, digest.length / 2).toString("base64url"));
    const access = await jwtVerify(t.access_token, keySet, { algorithms: [alg], issuer: w.deps.config.appUrl, currentDate: new Date(w.deps.clock.now()) });
    expect(access.protectedHeader.kid).toBe(kid);
    // Latchkey's own verification accepts it too.
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${t.access_token}` } })).status).toBe(200);
  });
}
