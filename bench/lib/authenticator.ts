/**
 * A software passkey for the benchmark: a P-256 key from node:crypto, real authenticatorData and
 * clientDataJSON, DER signatures from node:crypto, the COSE public key encoded with cbor2.
 * Nothing cryptographic is hand-written here; the byte layouts follow WebAuthn L3 §6.1 / §7.2.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { encode } from "cbor2";

const b64u = (b: Uint8Array | Buffer) => Buffer.from(b).toString("base64url");

export interface SoftPasskey {
  credentialId: Uint8Array;
  credentialIdB64u: string;
  /** COSE_Key (EC2, P-256, ES256) as stored by relying parties. */
  cosePublicKey: Uint8Array<ArrayBuffer>;
  privateKey: KeyObject;
  userHandle: string | null;
  counter: number;
  /**
   * Always report signature counter 0, as synced passkeys do: concurrent ceremonies with one passkey
   * would otherwise reach the server out of order and be refused as a counter regression.
   */
  counterless?: boolean;
}

export function createSoftPasskey(userHandle: string | null = null): SoftPasskey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  // RFC 9053 §7.1.1: kty 2 (EC2), alg -7 (ES256), crv 1 (P-256), x, y.
  const cose = encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x!, "base64url"))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, "base64url"))],
    ]),
  );
  const credentialId = new Uint8Array(randomBytes(32));
  return { credentialId, credentialIdB64u: b64u(credentialId), cosePublicKey: new Uint8Array(cose), privateKey, userHandle, counter: 0 };
}

export interface AssertionJSON {
  id: string;
  rawId: string;
  type: "public-key";
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string };
  clientExtensionResults: Record<string, never>;
  authenticatorAttachment: "platform";
}

/** navigator.credentials.get() for `challenge` (base64url) at `origin`, as the JSON a browser would post. */
export function assert(passkey: SoftPasskey, opts: { challenge: string; origin: string; rpId: string }): AssertionJSON {
  const clientDataJSON = Buffer.from(JSON.stringify({ type: "webauthn.get", challenge: opts.challenge, origin: opts.origin, crossOrigin: false }));
  if (!passkey.counterless) passkey.counter += 1;
  const rpIdHash = createHash("sha256").update(opts.rpId).digest();
  const flags = Buffer.from([0x05]); // UP | UV
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(passkey.counter);
  const authenticatorData = Buffer.concat([rpIdHash, flags, counter]);
  const clientDataHash = createHash("sha256").update(clientDataJSON).digest();
  const signature = sign("sha256", Buffer.concat([authenticatorData, clientDataHash]), { key: passkey.privateKey, dsaEncoding: "der" });
  const response: AssertionJSON["response"] = {
    clientDataJSON: b64u(clientDataJSON),
    authenticatorData: b64u(authenticatorData),
    signature: b64u(signature),
  };
  if (passkey.userHandle !== null) response.userHandle = b64u(Buffer.from(passkey.userHandle));
  return {
    id: passkey.credentialIdB64u,
    rawId: passkey.credentialIdB64u,
    type: "public-key",
    response,
    clientExtensionResults: {},
    authenticatorAttachment: "platform",
  };
}
