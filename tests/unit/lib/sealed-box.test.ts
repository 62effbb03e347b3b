import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import {
  classifyMasterKey,
  createSealedBox,
  DecryptionError,
  newKdfParams,
  parseKdfParams,
  SCRYPT_DEFAULTS,
  serializeKdfParams,
} from "../../../src/lib/sealed-box.ts";
import { cryptoRandom } from "../../../src/lib/random.ts";
import { decodeBase64Url, encodeBase64Url } from "../../../src/lib/base64url.ts";
import { legacySeal } from "../../helpers/legacy-seal.ts";

const key = (s: string) => new TextEncoder().encode(s);
const RANDOM_KEY = "q3Jx9Yb2m0T8uWc1LrKs4Nf7Zp6Ea5Hd2Vg0Bi9OtSw=";
const box = createSealedBox(key(RANDOM_KEY), cryptoRandom);
const WRONG_KEY_MESSAGE = "Cannot decrypt stored data: ENCRYPTION_KEY is not the key this data was written with (or the data was altered)";

// scrypt costs ~0.5 s per box: the passphrase boxes are made once for the whole file.
const PASSPHRASE = "correct horse battery staple 2026";
const kdf = newKdfParams(cryptoRandom);
const slow = createSealedBox(key(PASSPHRASE), cryptoRandom, { kdf });
const slowOtherSalt = createSealedBox(key(PASSPHRASE), cryptoRandom, { kdf: newKdfParams(cryptoRandom) });
const slowWrongKey = createSealedBox(key("correct horse battery staple 2027"), cryptoRandom, { kdf });

describe("classifyMasterKey: which keys skip the slow KDF", () => {
  const b64 = (bytes: Buffer) => bytes.toString("base64");
  const random32 = randomBytes(32);
  const cases: [string, string, "random" | "passphrase"][] = [
    ["openssl rand -base64 32 (padded)", b64(random32), "random"],
    ["base64 without padding", b64(random32).replace(/=+$/, ""), "random"],
    ["base64url", random32.toString("base64url"), "random"],
    ["openssl rand -hex 32", random32.toString("hex"), "random"],
    ["upper-case hex", random32.toString("hex").toUpperCase(), "random"],
    ["48 random bytes (base64): not 32, so the slow path", b64(randomBytes(48)), "passphrase"],
    ["64 random bytes (hex): not 32, so the slow path", randomBytes(64).toString("hex"), "passphrase"],
    ["the test suite's key", RANDOM_KEY, "random"],
    ["a passphrase", PASSPHRASE, "passphrase"],
    ["the old test key", "test-encryption-key-0123456789abcdef", "passphrase"],
    ["16 characters", "abcdefghijklmnop", "passphrase"],
    ["base64 of a typed 32-character sentence", Buffer.from("my secret passphrase is 32 chars").toString("base64"), "passphrase"],
    ["hex of 32 zero bytes", "00".repeat(32), "passphrase"],
    ["hex of a repeated 8-byte pattern", "0123456789abcdef".repeat(4), "passphrase"],
    ["base64 of 31 random bytes", b64(randomBytes(31)), "passphrase"],
    ["base64 of 65 random bytes", b64(randomBytes(65)), "passphrase"],
    ["base64 with a trailing newline", b64(random32) + "\n", "passphrase"],
    ["base64 with a space inside", b64(random32).slice(0, 20) + " " + b64(random32).slice(20), "passphrase"],
    ["base64 mixing both alphabets", "+_" + b64(random32).slice(2), "passphrase"],
    ["non-canonical base64 (stray trailing bits)", b64(random32).slice(0, 42) + "B=", "passphrase"],
    ["wrong padding", b64(random32).replace(/=$/, "==="), "passphrase"],
    ["odd-length hex", random32.toString("hex").slice(1), "passphrase"],
    ["63 hex digits plus a letter g (base64 of 48 bytes)", random32.toString("hex").slice(0, 63) + "g", "passphrase"],
    // Canonical base64 of 32 bytes that pass the byte checks: only the character count catches these.
    ["43 letters of dictionary words", "CorrectHorseBatteryStapleCorrectHorseBattes", "passphrase"],
    ["43 letters of dictionary words with a pad", "CorrectHorseBatteryStapleCorrectHorseBattes=", "passphrase"],
    ["a 43-character word run with digits", "Password1Password2Password3Password4Passwos", "passphrase"],
    ["base64 of 32 bytes with two pads", b64(random32).replace(/=$/, "=="), "passphrase"],
    ["unicode", "ключ-шифрования-ключ-шифрования", "passphrase"],
  ];
  test.each(cases)("%s → %s", (_name, text, kind) => {
    expect(classifyMasterKey(key(text))).toBe(kind);
  });
});

describe("sealed box, random key (lk1, no slow KDF)", () => {
  test("round trip of text and bytes, in the versioned format", () => {
    expect(box.format).toBe("lk1.");
    const sealed = box.seal("smtp-password", "hunter2 — ünïcode");
    expect(sealed).toMatch(/^lk1\.[A-Za-z0-9_-]+$/);
    expect(box.openText("smtp-password", sealed)).toBe("hunter2 — ünïcode");
    const bytes = new Uint8Array([0, 1, 2, 255]);
    expect(box.open("signing-key", box.seal("signing-key", bytes))).toEqual(bytes);
    expect(box.openText("x", box.seal("x", ""))).toBe("");
    expect(box.needsReseal(sealed)).toBe(false);
  });

  test("unchanged from before: values sealed by the previous release open", () => {
    expect(box.openText("p", legacySeal(RANDOM_KEY, "p", "old value"))).toBe("old value");
  });

  test("a random nonce per value: sealing twice gives different text", () => {
    expect(box.seal("p", "same")).not.toBe(box.seal("p", "same"));
  });

  test("purpose separation: a value sealed for one purpose does not open as another", () => {
    const sealed = box.seal("smtp-password", "secret");
    expect(() => box.openText("ldap-password", sealed)).toThrow(new DecryptionError(WRONG_KEY_MESSAGE));
  });

  test("tampering with any byte is detected", () => {
    const sealed = box.seal("p", "secret value");
    const raw = decodeBase64Url(sealed.slice(4))!;
    for (const i of [0, 12, raw.length - 1]) {
      const copy = new Uint8Array(raw);
      copy[i]! ^= 1;
      expect(() => box.openText("p", "lk1." + encodeBase64Url(copy))).toThrow(DecryptionError);
    }
  });

  test("a wrong key gives the clear error", () => {
    const other = createSealedBox(key(randomBytes(32).toString("base64")), cryptoRandom);
    expect(() => other.openText("p", box.seal("p", "secret"))).toThrow(new DecryptionError(WRONG_KEY_MESSAGE));
  });

  test("unknown format and truncated values are refused clearly", () => {
    expect(() => box.openText("p", "plaintext")).toThrow(new DecryptionError("Unsupported sealed value format (expected one of lk1. lk2.…)"));
    expect(() => box.openText("p", "lk1.AAAA")).toThrow(new DecryptionError("Sealed value is truncated or corrupt"));
  });

  test("an lk2 value without a KDF record fails cleanly (no crash, no guess)", () => {
    expect(() => box.openText("p", slow.seal("p", "x"))).toThrow(DecryptionError);
  });
});

describe("sealed box, passphrase key (lk2 over scrypt)", () => {
  test("needs the installation's KDF record", () => {
    expect(() => createSealedBox(key(PASSPHRASE), cryptoRandom)).toThrow("needs this installation's key-derivation record");
  });

  test("seals lk2 and opens it again", () => {
    expect(slow.format).toBe("lk2.");
    const sealed = slow.seal("smtp-password", "hunter2");
    expect(sealed).toMatch(/^lk2\.[A-Za-z0-9_-]+$/);
    expect(slow.openText("smtp-password", sealed)).toBe("hunter2");
    expect(slow.needsReseal(sealed)).toBe(false);
  });

  test("an old-derivation (lk1) value opens, and is marked for re-sealing", () => {
    const old = legacySeal(PASSPHRASE, "app-config:smtpPassword", "smtp-secret");
    expect(slow.openText("app-config:smtpPassword", old)).toBe("smtp-secret");
    expect(slow.needsReseal(old)).toBe(true);
    const resealed = slow.seal("app-config:smtpPassword", slow.open("app-config:smtpPassword", old));
    expect(resealed.startsWith("lk2.")).toBe(true);
    expect(slow.openText("app-config:smtpPassword", resealed)).toBe("smtp-secret");
  });

  test("the salt matters: the same passphrase with another installation's salt opens nothing", () => {
    expect(() => slowOtherSalt.openText("p", slow.seal("p", "x"))).toThrow(new DecryptionError(WRONG_KEY_MESSAGE));
  });

  test("a wrong passphrase fails cleanly", () => {
    expect(() => slowWrongKey.openText("p", slow.seal("p", "x"))).toThrow(new DecryptionError(WRONG_KEY_MESSAGE));
    expect(() => slowWrongKey.openText("p", legacySeal(PASSPHRASE, "p", "x"))).toThrow(new DecryptionError(WRONG_KEY_MESSAGE));
  });

  test.each([
    ["lk2 relabelled lk1", (v: string) => "lk1." + v.slice(4)],
    ["lk1 relabelled lk2", (_v: string) => "lk2." + legacySeal(PASSPHRASE, "p", "x").slice(4)],
    ["an unknown version lk3", (v: string) => "lk3." + v.slice(4)],
    ["a version digit 0", (v: string) => "lk0." + v.slice(4)],
    ["upper-case LK2", (v: string) => "LK2." + v.slice(4)],
    ["no separator", (v: string) => "lk2" + v.slice(4)],
    ["a doubled prefix", (v: string) => "lk2." + v],
    ["empty body", (_v: string) => "lk2."],
  ])("tampered version: %s → DecryptionError", (_name, tamper) => {
    const sealed = slow.seal("p", "x");
    expect(() => slow.openText("p", tamper(sealed))).toThrow(DecryptionError);
  });

  test("a random-key box given the record opens lk2 values left from a passphrase (after a rotation)", () => {
    const withRecord = createSealedBox(key(PASSPHRASE + "!"), cryptoRandom, { kdf });
    expect(withRecord.format).toBe("lk2."); // still a passphrase: the record is used eagerly
    const randomWithRecord = createSealedBox(key(RANDOM_KEY), cryptoRandom, { kdf });
    expect(randomWithRecord.format).toBe("lk1.");
    expect(randomWithRecord.needsReseal(slow.seal("p", "x"))).toBe(true);
  });
});

describe("the stored KDF record", () => {
  test("round trip; defaults are OWASP's scrypt (N=2^17, r=8, p=1) with a 16-byte salt", () => {
    const p = newKdfParams(cryptoRandom);
    expect(p).toMatchObject({ alg: "scrypt", ...SCRYPT_DEFAULTS });
    expect(p.salt.length).toBe(16);
    expect(parseKdfParams(serializeKdfParams(p))).toEqual(p);
    expect(newKdfParams(cryptoRandom).salt).not.toEqual(p.salt);
  });

  const salt = encodeBase64Url(randomBytes(16));
  test.each([
    ["not JSON", "scrypt"],
    ["another algorithm", JSON.stringify({ alg: "pbkdf2", N: 131072, r: 8, p: 1, salt })],
    ["N below 2^17", JSON.stringify({ alg: "scrypt", N: 65536, r: 8, p: 1, salt })],
    ["N not a power of two", JSON.stringify({ alg: "scrypt", N: 131073, r: 8, p: 1, salt })],
    ["N absurdly large", JSON.stringify({ alg: "scrypt", N: 2 ** 30, r: 8, p: 1, salt })],
    ["r below 8", JSON.stringify({ alg: "scrypt", N: 131072, r: 4, p: 1, salt })],
    ["p zero", JSON.stringify({ alg: "scrypt", N: 131072, r: 8, p: 0, salt })],
    ["a short salt", JSON.stringify({ alg: "scrypt", N: 131072, r: 8, p: 1, salt: encodeBase64Url(randomBytes(8)) })],
    ["no salt", JSON.stringify({ alg: "scrypt", N: 131072, r: 8, p: 1 })],
    ["N as text", JSON.stringify({ alg: "scrypt", N: "131072", r: 8, p: 1, salt })],
  ])("refuses %s", (_name, text) => {
    expect(() => parseKdfParams(text)).toThrow();
  });
});
