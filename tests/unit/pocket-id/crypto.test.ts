/**
 * Pocket ID's derivations (src/pocket-id/crypto.ts), checked against the reference's test vector and against
 * values computed here another way (Python's hmac/hashlib for the fixed vectors, WebCrypto and node:crypto ciphers
 * for round trips), so a wrong hash, info string or byte order fails.
 */
import { describe, expect, test } from "bun:test";
import { createCipheriv, createDecipheriv, createHash, createHmac, generateKeyPairSync, hkdfSync, randomBytes } from "node:crypto";
import {
  checkPocketIdRefreshToken,
  decryptPocketIdBlob,
  decryptPocketIdEncryptedString,
  decryptPocketIdJwk,
  encryptPocketIdEncryptedString,
  deriveFositeGlobalSecret,
  deriveJwkKek,
  derivePocketIdKey,
  PocketIdDecryptionError,
  verifyImportedClientSecret,
} from "../../../src/pocket-id/crypto.ts";

const EK = new TextEncoder().encode("test-encryption-key");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function sealLikePocketId(key: Uint8Array, plaintext: Uint8Array): string {
  const nonce = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, nonce);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([nonce, ct, c.getAuthTag()]).toString("base64");
}

describe("key derivations", () => {
  test("DeriveKey matches the vector of Pocket ID's crypto_test.go", () => {
    expect(hex(derivePocketIdKey(EK, "custom-seed-for-derive-key-test"))).toBe("4711f51767f370cef92807634ab9b534476e7f91c1c9914fb681e9982badc646");
  });

  test("the JWK KEK is bound to the instance id (value computed with Python's hmac + sha3_256)", () => {
    const kek = deriveJwkKek(EK, "3f1d2a4e-5b6c-4d7e-8f90-a1b2c3d4e5f6");
    expect(hex(kek)).toBe("f4afc2aecf0ec3b0dc52a32d56a53377c7de429518e8e1adcc910e22c378b920");
    expect(hex(deriveJwkKek(EK, "3f1d2a4e-5b6c-4d7e-8f90-a1b2c3d4e5f7"))).not.toBe(hex(kek));
  });

  test("a trailing newline (an _FILE's) is part of the key", () => {
    const withNewline = new TextEncoder().encode("test-encryption-key\n");
    expect(hex(derivePocketIdKey(withNewline, "s"))).not.toBe(hex(derivePocketIdKey(EK, "s")));
  });

  test("the fosite global secret is HKDF-SHA256 with Pocket ID's info (Python RFC 5869 and WebCrypto agree)", async () => {
    const secret = deriveFositeGlobalSecret(EK);
    expect(hex(secret)).toBe("d01bd7dc59e0dbc0eca68ff61030ddcaabdea7b7a7d0c6182bd0776cc3a1d174");
    const ikm = await crypto.subtle.importKey("raw", EK, "HKDF", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("pocketid/fosite_global_secret") },
      ikm,
      256,
    );
    expect(hex(new Uint8Array(bits))).toBe(hex(secret));
  });

  test("an empty key is refused", () => {
    expect(() => derivePocketIdKey(new Uint8Array(0), "x")).toThrow(PocketIdDecryptionError);
    expect(() => deriveFositeGlobalSecret(new Uint8Array(0))).toThrow(PocketIdDecryptionError);
  });
});

describe("encrypted signing key", () => {
  const instanceId = "0d5e7c61-8a43-4d52-b9e4-5c2f1b7a9e03";
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...(privateKey.export({ format: "jwk" }) as Record<string, string>), kid: "Ab3dE6gH1jK", use: "sig", alg: "RS256" };
  // The KEK computed here with node:crypto directly, not with the module under test.
  const kek = createHmac("sha3-256", EK).update(`pocketid/${instanceId}/jwk-kek`).digest();
  const sealed = sealLikePocketId(kek, new TextEncoder().encode(JSON.stringify(jwk) + "\n"));

  test("decrypts the JWK Pocket ID wrote (json.Encoder's newline included)", () => {
    expect(decryptPocketIdJwk(EK, instanceId, sealed)).toEqual(jwk);
  });

  test("a wrong key, a wrong instance id, a flipped byte or a truncated value is refused", () => {
    expect(() => decryptPocketIdJwk(new TextEncoder().encode("test-encryption-key\n"), instanceId, sealed)).toThrow(PocketIdDecryptionError);
    expect(() => decryptPocketIdJwk(EK, "0d5e7c61-8a43-4d52-b9e4-5c2f1b7a9e04", sealed)).toThrow(PocketIdDecryptionError);
    const bytes = Buffer.from(sealed, "base64");
    bytes[20]! ^= 1;
    expect(() => decryptPocketIdJwk(EK, instanceId, bytes.toString("base64"))).toThrow(PocketIdDecryptionError);
    expect(() => decryptPocketIdBlob(kek, Buffer.alloc(20).toString("base64"))).toThrow(/too short/);
    expect(() => decryptPocketIdBlob(kek, "not base64!")).toThrow(/not base64/);
  });

  test("a decrypted value that is not a private JWK is refused", () => {
    const publicOnly = sealLikePocketId(kek, new TextEncoder().encode(JSON.stringify({ kty: "RSA", n: "AQAB", e: "AQAB" })));
    expect(() => decryptPocketIdJwk(EK, instanceId, publicOnly)).toThrow(/not a private JWK/);
  });
});

describe("refresh tokens", () => {
  const secret = deriveFositeGlobalSecret(EK);
  const random = new Uint8Array(Array.from({ length: 32 }, (_, i) => i));
  // HMAC-SHA-512/256(secret, bytes 0..31), computed with Python's hmac + sha512_256.
  const signature = Buffer.from("b422f685314bdfa54cc3398680502840c928ad4e453ddc01f48ccc967809afd4", "hex").toString("base64url");
  const token = `pocket_id_rt_${Buffer.from(random).toString("base64url")}.${signature}`;

  test("a token fosite issued is accepted and yields its stored signature", () => {
    expect(checkPocketIdRefreshToken(secret, token)).toBe(signature);
  });

  test.each([
    ["another secret", () => checkPocketIdRefreshToken(deriveFositeGlobalSecret(new TextEncoder().encode("another-encryption-key")), token)],
    ["another prefix", () => checkPocketIdRefreshToken(secret, token.replace("pocket_id_rt_", "pocket_id_ac_"))],
    ["a changed random part", () => checkPocketIdRefreshToken(secret, token.replace("pocket_id_rt_A", "pocket_id_rt_B"))],
    ["a signature alone", () => checkPocketIdRefreshToken(secret, `pocket_id_rt_.${signature}`)],
    ["three parts", () => checkPocketIdRefreshToken(secret, `${token}.x`)],
    ["padding", () => checkPocketIdRefreshToken(secret, `${token}=`)],
    ["a Latchkey token", () => checkPocketIdRefreshToken(secret, "q3Jx9Yb2m0T8uWc1LrKs4Nf7Zp6Ea5Hd2Vg0Bi9OtSw")],
  ])("%s is refused", (_name, run) => {
    expect(run()).toBeNull();
  });
});

describe("imported client secrets", () => {
  const secret = "Kq2ZL9xr8VbN4mTf7Wc1Ys6Hd3Jp0Ga5";

  test("sha256: lowercase hex of the UTF-8 secret", async () => {
    const hash = createHash("sha256").update(secret).digest("hex");
    expect(await verifyImportedClientSecret("sha256", hash, secret)).toBe(true);
    expect(await verifyImportedClientSecret("sha256", hash, secret + "x")).toBe(false);
    expect(await verifyImportedClientSecret("sha256", hash.toUpperCase(), secret)).toBe(false);
    expect(await verifyImportedClientSecret("sha256", hash, "")).toBe(false);
  });

  test("bcrypt cost 10, in Go's $2a$ spelling", async () => {
    const hash = (await Bun.password.hash(secret, { algorithm: "bcrypt", cost: 10 })).replace(/^\$2b\$/, "$2a$");
    expect(hash.startsWith("$2a$10$")).toBe(true);
    expect(await verifyImportedClientSecret("bcrypt", hash, secret)).toBe(true);
    expect(await verifyImportedClientSecret("bcrypt", hash, secret.slice(1))).toBe(false);
    expect(await verifyImportedClientSecret("bcrypt", "$2a$10$short", secret)).toBe(false);
  });
});

describe("EncryptedString (SCIM tokens)", () => {
  // Pocket ID: HKDF-SHA256(ENCRYPTION_KEY, no salt, info "pocketid/encrypted_string"), AES-256-GCM with AAD
  // "encrypted_string", base64 std of nonce ‖ ciphertext ‖ tag (model/types/encrypted_string.go).
  const key = Buffer.from(hkdfSync("sha256", EK, Buffer.alloc(0), "pocketid/encrypted_string", 32));

  test("opens what Pocket ID writes, and writes what node:crypto opens the same way", () => {
    const nonce = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", key, nonce);
    c.setAAD(Buffer.from("encrypted_string"));
    const stored = Buffer.concat([nonce, c.update("bearer-tøken", "utf8"), c.final(), c.getAuthTag()]).toString("base64");
    expect(decryptPocketIdEncryptedString(EK, stored)).toBe("bearer-tøken");

    const written = Buffer.from(encryptPocketIdEncryptedString(EK, "another token", randomBytes(12)), "base64");
    const d = createDecipheriv("aes-256-gcm", key, written.subarray(0, 12));
    d.setAAD(Buffer.from("encrypted_string"));
    d.setAuthTag(written.subarray(written.length - 16));
    expect(Buffer.concat([d.update(written.subarray(12, written.length - 16)), d.final()]).toString("utf8")).toBe("another token");
  });

  test('"" is the empty value both ways; another key, no AAD or an altered byte does not open', () => {
    expect(decryptPocketIdEncryptedString(EK, "")).toBe("");
    expect(encryptPocketIdEncryptedString(EK, "", randomBytes(12))).toBe("");
    const stored = encryptPocketIdEncryptedString(EK, "secret", randomBytes(12));
    expect(() => decryptPocketIdEncryptedString(new TextEncoder().encode("other-encryption-key"), stored)).toThrow(PocketIdDecryptionError);
    expect(() => decryptPocketIdBlob(key, stored)).toThrow(PocketIdDecryptionError);
    const bytes = Buffer.from(stored, "base64");
    bytes[14]! ^= 1;
    expect(() => decryptPocketIdEncryptedString(EK, bytes.toString("base64"))).toThrow(PocketIdDecryptionError);
  });
});
