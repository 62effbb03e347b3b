/** Raw single-thread rates measured in this process (Bun): jose signing and @simplewebauthn verification. */
import { SignJWT, generateKeyPair } from "jose";
import { verifyAuthenticationResponse } from "@simplewebauthn/server";
import { assert, createSoftPasskey } from "./authenticator.ts";

async function ratePerSecond(fn: () => Promise<unknown>, seconds: number): Promise<number> {
  for (let i = 0; i < 50; i++) await fn(); // warm-up
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let n = 0;
  while (performance.now() < end) {
    await fn();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

export async function joseSignRate(alg: "ES256" | "RS256", seconds = 2): Promise<number> {
  const { privateKey } = await generateKeyPair(alg, { extractable: false });
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: "3f0c6f5e-6a3b-4a53-9d51-3c1a2b0e9f11", email: "bench@example.test", name: "Bench User", nonce: "n-0S6_WzA2Mj" };
  return await ratePerSecond(
    () =>
      new SignJWT(claims)
        .setProtectedHeader({ alg, kid: "bench", typ: "JWT" })
        .setIssuer("http://localhost:1411")
        .setAudience("bench-client")
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(privateKey),
    seconds,
  );
}

export async function webauthnVerifyRate(seconds = 2): Promise<number> {
  const origin = "http://localhost:1411";
  const passkey = createSoftPasskey();
  const challenge = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const response = assert(passkey, { challenge, origin, rpId: "localhost" });
  return await ratePerSecond(async () => {
    const r = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: "localhost",
      credential: { id: passkey.credentialIdB64u, publicKey: passkey.cosePublicKey, counter: 0 },
      requireUserVerification: true,
    });
    if (!r.verified) throw new Error("assertion did not verify");
  }, seconds);
}

if (import.meta.main) {
  console.log("jose ES256 sign/s", Math.round(await joseSignRate("ES256")));
  console.log("jose RS256 sign/s", Math.round(await joseSignRate("RS256")));
  console.log("simplewebauthn verify/s", Math.round(await webauthnVerifyRate()));
}
