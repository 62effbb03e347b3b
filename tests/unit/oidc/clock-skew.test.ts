/**
 * Clock skew for incoming JWTs is explicit and small: a client whose clock is up to 30 s off (ahead or
 * behind) is accepted; one 45 s off is refused. Tested by shifting the server's FixedClock against
 * assertions stamped with the client's idea of "now".
 */
import { afterEach, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { makeOidcWorld, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

const SKEW_ALLOWED = 30;

async function keyWorld(): Promise<CryptoKey> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
  w = await makeOidcWorld({ tokenEndpointAuthMethod: "private_key_jwt", jwks: JSON.stringify({ keys: [jwk] }), credentialsScopes: ["s"] });
  return privateKey;
}

/** An assertion from a client whose clock reads `clientNow` (seconds), valid for 60 s from then. */
function assertion(key: CryptoKey, clientNow: number, lifetime = 60): Promise<string> {
  return new SignJWT({ iss: w.client.id, sub: w.client.id, aud: w.deps.config.appUrl, jti: crypto.randomUUID(), iat: clientNow, nbf: clientNow, exp: clientNow + lifetime })
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .sign(key);
}

const send = (jwt: string) =>
  w.token({ grant_type: "client_credentials", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: jwt }, { basic: null });

test("a client clock ahead by up to the allowance is accepted (nbf in the near future); further ahead is refused", async () => {
  const key = await keyWorld();
  const now = Math.floor(w.deps.clock.now() / 1000);
  expect((await send(await assertion(key, now + SKEW_ALLOWED - 5))).status).toBe(200);
  const ahead = await send(await assertion(key, now + 45));
  expect(ahead.status).toBe(401);
  expect(((await ahead.json()) as { error: string }).error).toBe("invalid_client");
});

test("an assertion expired by less than the allowance is accepted; by more, refused as expired", async () => {
  const key = await keyWorld();
  const made = await assertion(key, Math.floor(w.deps.clock.now() / 1000), 10);
  const late = await assertion(key, Math.floor(w.deps.clock.now() / 1000), 10);
  w.deps.clock.advance(10 + SKEW_ALLOWED - 5); // the server's clock runs 25 s past exp
  expect((await send(made)).status).toBe(200);
  w.deps.clock.advance(20); // now 45 s past exp
  const res = await send(late);
  expect(res.status).toBe(401);
  expect(((await res.json()) as { error_description: string }).error_description).toContain("expired");
});
