/** Hashing helpers (src/lib/hash.ts) against published SHA-256 test vectors (FIPS 180-2). */
import { expect, test } from "bun:test";
import { hashToken, safeEqual, sha256 } from "../../../src/lib/hash.ts";

test("hashToken is the lower-case hex SHA-256 of the token's UTF-8 bytes", () => {
  expect(hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  expect(hashToken("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Non-ASCII input is hashed as UTF-8 ("é" is c3 a9).
  expect(hashToken("é")).toBe(Buffer.from(sha256(new Uint8Array([0xc3, 0xa9]))).toString("hex"));
});

test("sha256 returns the 32 raw bytes, for strings and byte arrays alike", () => {
  const digest = sha256("abc");
  expect(digest).toBeInstanceOf(Uint8Array);
  expect(Buffer.from(digest).toString("hex")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  expect(Buffer.from(sha256(new TextEncoder().encode("abc"))).equals(Buffer.from(digest))).toBe(true);
});

test("safeEqual compares whole strings", () => {
  expect(safeEqual("secret", "secret")).toBe(true);
  expect(safeEqual("secret", "secreT")).toBe(false);
  expect(safeEqual("secret", "secret-longer")).toBe(false);
  expect(safeEqual("", "")).toBe(true);
});
