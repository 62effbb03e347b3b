import { describe, expect, test } from "bun:test";
import { createSealedBox, DecryptionError } from "../../../src/lib/sealed-box.ts";
import { cryptoRandom } from "../../../src/lib/random.ts";
import { decodeBase64Url, encodeBase64Url } from "../../../src/lib/base64url.ts";

const key = (s: string) => new TextEncoder().encode(s);
const box = createSealedBox(key("master-key-0123456789abcdef"), cryptoRandom);
const WRONG_KEY_MESSAGE = "Cannot decrypt stored data: ENCRYPTION_KEY is not the key this data was written with (or the data was altered)";

describe("sealed box", () => {
  test("round trip of text and bytes, in the versioned format", () => {
    const sealed = box.seal("smtp-password", "hunter2 — ünïcode");
    expect(sealed).toMatch(/^lk1\.[A-Za-z0-9_-]+$/);
    expect(box.openText("smtp-password", sealed)).toBe("hunter2 — ünïcode");
    const bytes = new Uint8Array([0, 1, 2, 255]);
    expect(box.open("signing-key", box.seal("signing-key", bytes))).toEqual(bytes);
    expect(box.openText("x", box.seal("x", ""))).toBe("");
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
    const other = createSealedBox(key("another-key-0123456789abcdef"), cryptoRandom);
    expect(() => other.openText("p", box.seal("p", "secret"))).toThrow(new DecryptionError(WRONG_KEY_MESSAGE));
  });

  test("unknown format and truncated values are refused clearly", () => {
    expect(() => box.openText("p", "plaintext")).toThrow(new DecryptionError("Unsupported sealed value format (expected lk1.…)"));
    expect(() => box.openText("p", "lk1.AAAA")).toThrow(new DecryptionError("Sealed value is truncated or corrupt"));
  });
});
