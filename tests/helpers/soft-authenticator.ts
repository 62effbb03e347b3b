/**
 * A software WebAuthn authenticator for attack tests: real ES256 credentials (node:crypto), real
 * CBOR (the @simplewebauthn/server helpers' encoder), real signatures — and every field overridable,
 * so tests can forge exactly one thing: the origin, the RP id, the challenge, the counter, the
 * user handle, the UV/backup flags.
 *
 *   const authr = new SoftAuthenticator();
 *   const reg = authr.register(creationOptions, { origin: "http://localhost:1411" });   // RegistrationResponseJSON
 *   const assertion = authr.assert(requestOptions, { origin: "http://localhost:1411" }); // AuthenticationResponseJSON
 *   authr.assert(options, { origin, rpId: "evil.example" })      // wrong RP id
 *   authr.assert(options, { origin, counter: 0 })                 // pin the signature counter
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";

const b64u = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | Buffer | string) => createHash("sha256").update(data).digest();

export interface SoftCredential {
  id: string;
  privateKey: KeyObject;
  publicKeyCose: Uint8Array;
  userHandle: string;
  rpId: string;
  counter: number;
}

export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  challenge?: string;
  type?: string;
  userVerified?: boolean;
  backupEligible?: boolean;
  backedUp?: boolean;
  /** Assertion only: signature counter to report (default: previous + 1). */
  counter?: number;
  /** Assertion only: user handle to send (default: the credential's). null sends none. */
  userHandle?: string | null;
  /** Assertion only: which credential to use (default: the first for the RP id). */
  credentialId?: string;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  constructor(readonly aaguid = "00000000-0000-0000-0000-000000000000", readonly defaults: { backupEligible?: boolean; backedUp?: boolean } = {}) {}

  private flags(o: CeremonyOverrides, attested: boolean): number {
    let f = 0x01; // UP
    if (o.userVerified ?? true) f |= 0x04;
    if (o.backupEligible ?? this.defaults.backupEligible) f |= 0x08;
    if (o.backedUp ?? this.defaults.backedUp) f |= 0x10;
    if (attested) f |= 0x40;
    return f;
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  register(options: PublicKeyCredentialCreationOptionsJSON, o: CeremonyOverrides & { origin: string }): RegistrationResponseJSON {
    const rpId = o.rpId ?? options.rp.id ?? new URL(o.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, "base64url")],
        [-3, Buffer.from(jwk.y!, "base64url")],
      ]),
    );
    const credId = crypto.getRandomValues(new Uint8Array(32));
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(credId.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(o, true)]),
      Buffer.alloc(4), // counter 0
      Buffer.from(this.aaguid.replace(/-/g, ""), "hex"),
      idLen,
      credId,
      Buffer.from(cose),
    ]);
    const attestationObject = isoCBOR.encode(new Map<string, string | Uint8Array | Map<string, number>>([["fmt", "none"], ["attStmt", new Map<string, number>()], ["authData", new Uint8Array(authData)]]));
    const clientDataJSON = this.clientData(o.type ?? "webauthn.create", o.challenge ?? options.challenge, o.origin);
    const id = b64u(credId);
    this.credentials.push({ id, privateKey, publicKeyCose: cose, userHandle: options.user.id, rpId, counter: 0 });
    return {
      id,
      rawId: id,
      type: "public-key",
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ["internal"] },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  assert(options: PublicKeyCredentialRequestOptionsJSON, o: CeremonyOverrides & { origin: string }): AuthenticationResponseJSON {
    const cred = o.credentialId ? this.credentials.find((c) => c.id === o.credentialId) : this.credentials[0];
    if (!cred) throw new Error("SoftAuthenticator: no such credential");
    const rpId = o.rpId ?? options.rpId ?? cred.rpId;
    cred.counter = o.counter ?? cred.counter + 1;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(cred.counter);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([this.flags(o, false)]), counter]);
    const clientDataJSON = this.clientData(o.type ?? "webauthn.get", o.challenge ?? options.challenge, o.origin);
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), cred.privateKey);
    const userHandle = o.userHandle === undefined ? cred.userHandle : o.userHandle;
    return {
      id: cred.id,
      rawId: cred.id,
      type: "public-key",
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }
}
