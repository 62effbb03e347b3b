/**
 * Pocket ID's derivations and encodings, needed to carry its secrets over (reference: pocket-id-storage.md §2.4,
 * §2.9, §3.2, §3.4). Pure functions over node:crypto; no I/O.
 * - ENCRYPTION_KEY is used as raw bytes (no base64 decoding, no trimming: an _FILE's trailing newline counts).
 * - JWK KEK = HMAC-SHA3-256(ENCRYPTION_KEY, "pocketid/<instanceId>/jwk-kek").
 * - Encrypted signing key (v2 kv row, v1.6+ `jwt_private_key.json.enc`): base64 std of nonce(12) ‖ ct ‖ tag(16),
 *   AES-256-GCM, no AAD; the plaintext is the private JWK as JSON (plus a newline).
 * - fosite global secret = HKDF-SHA256(ENCRYPTION_KEY, no salt, info "pocketid/fosite_global_secret", 32 bytes).
 * - EncryptedString columns (SCIM tokens): base64 std of nonce(12) ‖ ct ‖ tag(16), AES-256-GCM, AAD
 *   "encrypted_string", key HKDF-SHA256(ENCRYPTION_KEY, no salt, info "pocketid/encrypted_string", 32 bytes);
 *   "" is an empty value, stored unencrypted.
 * - Refresh token = "pocket_id_rt_" + b64url(random) + "." + b64url(HMAC-SHA-512/256(secret, random)), no padding;
 *   Pocket ID stores the part after the dot (the signature).
 * - Client secrets: `sha256` = lowercase hex SHA-256 of the secret (compared in constant time); `bcrypt` = a bcrypt
 *   hash (cost 10) of the secret.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { JWK } from "jose";

export const POCKET_ID_REFRESH_TOKEN_PREFIX = "pocket_id_rt_";
const GCM_NONCE_BYTES = 12;
const GCM_TAG_BYTES = 16;
/** Pocket ID refuses a shorter ENCRYPTION_KEY. */
export const MIN_POCKET_ID_KEY_BYTES = 16;

export class PocketIdDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PocketIdDecryptionError";
  }
}

/** Pocket ID's DeriveKey: HMAC-SHA3-256 keyed with the master key over a seed string. */
export function derivePocketIdKey(encryptionKey: Uint8Array, seed: string): Uint8Array {
  if (encryptionKey.length === 0) throw new PocketIdDecryptionError("The Pocket ID encryption key is empty.");
  return new Uint8Array(createHmac("sha3-256", encryptionKey).update(seed, "utf8").digest());
}

/** The key-encryption key of the signing key, bound to the instance id. */
export function deriveJwkKek(encryptionKey: Uint8Array, instanceId: string): Uint8Array {
  return derivePocketIdKey(encryptionKey, `pocketid/${instanceId}/jwk-kek`);
}

/** Opens nonce ‖ ciphertext ‖ tag (base64 std) with AES-256-GCM and no AAD (or `aad`). */
export function decryptPocketIdBlob(key: Uint8Array, base64: string, aad?: string): Uint8Array {
  if (key.length !== 32) throw new PocketIdDecryptionError("An AES-256-GCM key must be 32 bytes.");
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new PocketIdDecryptionError("The encrypted value is not base64.");
  const blob = Buffer.from(text, "base64");
  if (blob.length < GCM_NONCE_BYTES + GCM_TAG_BYTES) throw new PocketIdDecryptionError("The encrypted value is too short.");
  const nonce = blob.subarray(0, GCM_NONCE_BYTES);
  const tag = blob.subarray(blob.length - GCM_TAG_BYTES);
  const ciphertext = blob.subarray(GCM_NONCE_BYTES, blob.length - GCM_TAG_BYTES);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    if (aad !== undefined) decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(tag);
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  } catch {
    throw new PocketIdDecryptionError("The value does not decrypt with this key (wrong ENCRYPTION_KEY bytes or instance id).");
  }
}

/** Parses a private JWK (plaintext file or decrypted value); requires kty and a private part. */
export function parsePocketIdJwk(text: string): JWK {
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw new PocketIdDecryptionError("The signing key is not JSON.");
  }
  if (!jwk || typeof jwk !== "object" || Array.isArray(jwk)) throw new PocketIdDecryptionError("The signing key is not a JWK object.");
  const k = jwk as JWK;
  if (typeof k.kty !== "string" || typeof k.d !== "string") throw new PocketIdDecryptionError("The signing key is not a private JWK.");
  return k;
}

/** Decrypts Pocket ID's encrypted signing key (kv `jwt_private_key.json` or the `.json.enc` file). */
export function decryptPocketIdJwk(encryptionKey: Uint8Array, instanceId: string, base64: string): JWK {
  const plain = decryptPocketIdBlob(deriveJwkKek(encryptionKey, instanceId), base64);
  return parsePocketIdJwk(new TextDecoder().decode(plain));
}

/**
 * The other direction (export --format pocket-id): the private JWK as Pocket ID stores it in kv
 * `jwt_private_key.json`: JSON plus a newline, sealed with AES-256-GCM under the instance's KEK, no AAD, as
 * base64 std of nonce(12) ‖ ciphertext ‖ tag(16). The 12-byte nonce is the caller's (random).
 */
export function encryptPocketIdJwk(encryptionKey: Uint8Array, instanceId: string, jwk: JWK, nonce: Uint8Array): string {
  if (nonce.length !== GCM_NONCE_BYTES) throw new PocketIdDecryptionError("An AES-256-GCM nonce must be 12 bytes.");
  const cipher = createCipheriv("aes-256-gcm", deriveJwkKek(encryptionKey, instanceId), nonce);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(jwk) + "\n", "utf8"), cipher.final()]);
  return Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString("base64");
}

/** fosite's global HMAC secret for refresh tokens and codes. */
export function deriveFositeGlobalSecret(encryptionKey: Uint8Array): Uint8Array {
  if (encryptionKey.length === 0) throw new PocketIdDecryptionError("The Pocket ID encryption key is empty.");
  return new Uint8Array(hkdfSync("sha256", encryptionKey, new Uint8Array(0), "pocketid/fosite_global_secret", 32));
}

const ENCRYPTED_STRING_AAD = "encrypted_string";

function encryptedStringKey(encryptionKey: Uint8Array): Uint8Array {
  if (encryptionKey.length === 0) throw new PocketIdDecryptionError("The Pocket ID encryption key is empty.");
  return new Uint8Array(hkdfSync("sha256", encryptionKey, new Uint8Array(0), "pocketid/encrypted_string", 32));
}

/** Opens one of Pocket ID's EncryptedString values (a SCIM token); "" is the empty value. */
export function decryptPocketIdEncryptedString(encryptionKey: Uint8Array, stored: string): string {
  if (stored === "") return "";
  return new TextDecoder("utf-8", { fatal: true }).decode(decryptPocketIdBlob(encryptedStringKey(encryptionKey), stored, ENCRYPTED_STRING_AAD));
}

/** The other direction (export --format pocket-id); the 12-byte nonce is the caller's (random). */
export function encryptPocketIdEncryptedString(encryptionKey: Uint8Array, plaintext: string, nonce: Uint8Array): string {
  if (plaintext === "") return "";
  if (nonce.length !== GCM_NONCE_BYTES) throw new PocketIdDecryptionError("An AES-256-GCM nonce must be 12 bytes.");
  const cipher = createCipheriv("aes-256-gcm", encryptedStringKey(encryptionKey), nonce);
  cipher.setAAD(Buffer.from(ENCRYPTED_STRING_AAD, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString("base64");
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Checks a presented Pocket ID refresh token against the fosite secret; returns its signature (the key Pocket ID
 * stored in `oauth2_sessions.key`) when the HMAC matches, else null.
 */
export function checkPocketIdRefreshToken(globalSecret: Uint8Array, token: string): string | null {
  if (typeof token !== "string" || !token.startsWith(POCKET_ID_REFRESH_TOKEN_PREFIX) || token.length > 512) return null;
  const parts = token.slice(POCKET_ID_REFRESH_TOKEN_PREFIX.length).split(".");
  if (parts.length !== 2) return null;
  const [randomPart, signature] = parts as [string, string];
  if (!B64URL.test(randomPart) || !B64URL.test(signature)) return null;
  // fosite signs with the first 32 bytes of the global secret.
  const expected = createHmac("sha512-256", globalSecret.subarray(0, 32)).update(Buffer.from(randomPart, "base64url")).digest();
  const presented = Buffer.from(signature, "base64url");
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
  // Only the canonical encoding is accepted (base64url decoding ignores trailing bits).
  if (presented.toString("base64url") !== signature) return null;
  return signature;
}

export type ImportedSecretAlg = "sha256" | "bcrypt";

/** Verifies a client secret against a hash imported from Pocket ID. */
export async function verifyImportedClientSecret(alg: ImportedSecretAlg, hash: string, secret: string): Promise<boolean> {
  if (typeof secret !== "string" || secret.length === 0) return false;
  if (alg === "sha256") {
    if (!/^[0-9a-f]{64}$/.test(hash)) return false;
    const presented = createHash("sha256").update(secret, "utf8").digest();
    return timingSafeEqual(presented, Buffer.from(hash, "hex"));
  }
  if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return false;
  // bcrypt reads at most 72 bytes; Go's bcrypt refuses longer secrets outright, so they never matched.
  if (Buffer.byteLength(secret, "utf8") > 72) return false;
  try {
    return await Bun.password.verify(secret, hash, "bcrypt");
  } catch {
    return false;
  }
}
