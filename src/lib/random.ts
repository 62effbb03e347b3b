/** The one source of secrets: crypto.getRandomValues. Injected as `Random` so tests can reason about it. */
import { encodeBase64Url } from "./base64url.ts";

export interface Random {
  bytes(n: number): Uint8Array;
}

export const cryptoRandom: Random = {
  bytes(n: number): Uint8Array {
    return crypto.getRandomValues(new Uint8Array(n));
  },
};

/** A URL-safe random token with `bytes` bytes of entropy (default 32 = 256 bits). */
export function randomToken(random: Random, bytes = 32): string {
  return encodeBase64Url(random.bytes(bytes));
}

/** RFC 4122 version 4 UUID from injected randomness. */
export function randomUuid(random: Random): string {
  const b = random.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A random string over `alphabet` without modulo bias (rejection sampling).
 * Used for user-typed codes, which avoid ambiguous characters.
 */
export function randomString(random: Random, length: number, alphabet: string): string {
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    for (const byte of random.bytes(length * 2)) {
      if (byte < limit) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Upper-case letters and digits without 0/O, 1/I/L: easy to read aloud and type. */
export const UNAMBIGUOUS_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
