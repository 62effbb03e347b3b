/** The one source of secrets: crypto.getRandomValues. Injected as `Random` so tests can reason about it. */
import { encodeBase64Url } from "./base64url.ts";
import type { Clock } from "./clock.ts";

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

/** RFC 9562 version 4 UUID from injected randomness. */
export function randomUuid(random: Random): string {
  const b = random.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return formatUuid(b);
}

/**
 * RFC 9562 version 7 UUID: 48 bits of Unix milliseconds, then 74 random bits. For rows written at a high
 * rate (grants, access tokens): their keys then sort by time, so each new index entry lands on the
 * rightmost B-tree page that the previous one dirtied, instead of on a random page of an ever larger index.
 * The creation time it reveals is already in the token (iat); the 74 random bits keep it unguessable.
 */
export function timeOrderedUuid(clock: Clock, random: Random): string {
  const b = random.bytes(16);
  const ms = Math.max(0, Math.floor(clock.now()));
  const high = Math.floor(ms / 2 ** 16);
  b[0] = (high >>> 24) & 0xff;
  b[1] = (high >>> 16) & 0xff;
  b[2] = (high >>> 8) & 0xff;
  b[3] = high & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return formatUuid(b);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function formatUuid(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    s += HEX[b[i]!];
  }
  return s;
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
