/**
 * A fixture signing key for in-process test apps, so each app build does not generate an RSA key (~0.1 s each).
 * - One RSA-2048 pair is generated per test process, on first use, and never written anywhere: no private key
 *   lives in the repository.
 * - Each app gets it under its own random kid, stored through installImportedSigningKey, which writes the row
 *   exactly as a first start does (public JWK with kid/alg/use in clear, private JWK sealed with the app's box):
 *   apart from the key material, the database and the JWKS look as after `ensureSigningKey`.
 * - Tests of key generation and rotation do not use it: they build their app with `createApp` directly or
 *   call `ensureSigningKey` / `rotateSigningKey`, which still generate.
 */
import { generateKeyPairSync } from "node:crypto";
import type { JWK } from "jose";
import { installImportedSigningKey, type KeyDeps } from "../../src/oidc/signing-keys.ts";
import { findCurrentSigningKey } from "../../src/db/oidc-signing-keys.ts";
import { randomToken } from "../../src/lib/random.ts";

let pair: { publicJwk: JWK; privateJwk: JWK } | null = null;

function fixtureKeyPair(): { publicJwk: JWK; privateJwk: JWK } {
  if (!pair) {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    pair = { publicJwk: publicKey.export({ format: "jwk" }) as JWK, privateJwk: privateKey.export({ format: "jwk" }) as JWK };
  }
  return pair;
}

/** Makes the fixture key the current signing key of a database that has none yet; returns its kid. */
export function installFixtureSigningKey(deps: KeyDeps): string {
  if (findCurrentSigningKey(deps.db)) throw new Error("the database already has a signing key");
  // The kid is drawn as src/oidc/signing-keys.ts draws it for a generated key.
  const kid = randomToken(deps.random, 8);
  installImportedSigningKey(deps, { kid, alg: "RS256", ...fixtureKeyPair() });
  return kid;
}
