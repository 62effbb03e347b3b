/**
 * Encryption at rest with ENCRYPTION_KEY.
 *
 * - How the root key is derived depends on what ENCRYPTION_KEY is (classifyMasterKey):
 *   "random"     — exactly 32 bytes written canonically as 64 hex digits, or as 43 base64 characters
 *                  (standard or URL alphabet, optionally with one "=" pad), where the 32 bytes look
 *                  random (not all printable ASCII, at least 16 distinct byte values) and a base64 text
 *                  uses at least 20 distinct characters. `openssl rand -base64 32`, `openssl rand -hex 32`
 *                  and the generated data/encryption.key are random keys. The root is the value itself;
 *                  nothing slow runs (cold start stays fast).
 *   "passphrase" — anything else (also longer random keys: they only start slower). The root is
 *                  scrypt(value, salt, N=2^17, r=8, p=1, 32 bytes), computed once when the box is made
 *                  (~0.5 s), so each guess at a stolen database costs the same.
 *                  The salt is 16 random bytes per installation, stored beside the data (kv
 *                  "encryption_kdf", see src/runtime.ts) with the parameters.
 * - Per purpose, a 256-bit key = HKDF-SHA256(root, info "latchkey/<purpose>"), so a value sealed for one
 *   purpose cannot be opened as another. AES-256-GCM, random 96-bit nonce per value.
 * - Formats, named by a prefix; open() reads every known format, seal() writes the box's current one:
 *     "lk1." + base64url(nonce || ciphertext || tag)   root = the key as given; AAD = purpose
 *     "lk2." + base64url(nonce || ciphertext || tag)   root = scrypt(key, salt); AAD = "lk2." + purpose
 *   A passphrase box opens lk1 values (written before this derivation existed) so they can be re-sealed
 *   as lk2 (src/backup/key-rotation.ts resealToCurrentFormat, run at start-up). An unknown prefix, a
 *   prefix swapped for another, or any altered byte fails with DecryptionError.
 * - Further formats (e.g. values sealed by another product's derivation, for imports) go in FORMATS.
 */
import { createCipheriv, createDecipheriv, hkdfSync, scryptSync } from "node:crypto";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";
import type { Random } from "./random.ts";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export type SealedFormat = "lk1." | "lk2.";
export const SEALED_FORMATS: readonly SealedFormat[] = ["lk1.", "lk2."];

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

// ---------------------------------------------------------------------------------------------------
// Classifying ENCRYPTION_KEY

export type MasterKeyKind = "random" | "passphrase";

const HEX_32 = /^[0-9a-fA-F]{64}$/;
const BASE64_32 = /^[A-Za-z0-9+/]{43}=?$/;
const BASE64URL_32 = /^[A-Za-z0-9_-]{43}=?$/;

/** The 32 bytes a canonical hex or base64/base64url text stands for, or null. */
function decode32(text: string): Uint8Array | null {
  if (HEX_32.test(text)) return new Uint8Array(Buffer.from(text, "hex"));
  const std = BASE64_32.test(text);
  if (!std && !BASE64URL_32.test(text)) return null;
  const unpadded = text.replace(/=$/, "");
  const bytes = Buffer.from(unpadded, std ? "base64" : "base64url");
  // Canonical only: the bytes must encode back to the same characters (no stray trailing bits).
  if (bytes.length !== 32 || bytes.toString(std ? "base64" : "base64url").replace(/=+$/, "") !== unpadded) return null;
  return new Uint8Array(bytes);
}

/**
 * "random" when the key is 32 canonically encoded bytes that look random (see the file header);
 * otherwise "passphrase". A false "passphrase" only costs a slower start; a false "random" would skip
 * the slow KDF, hence the checks: base64 of a typed sentence is all printable ASCII; a repeated pattern
 * has few distinct bytes (32 random bytes have about 30; fewer than 16 has odds below 10^-20); a
 * 43-letter run of dictionary words read as base64 uses few distinct characters (a random one uses
 * about 31; fewer than 20 has odds around 10^-7).
 */
export function classifyMasterKey(master: Uint8Array): MasterKeyKind {
  const text = new TextDecoder().decode(master);
  const bytes = decode32(text);
  if (!bytes) return "passphrase";
  if (bytes.every((b) => b >= 0x20 && b <= 0x7e)) return "passphrase";
  if (new Set(bytes).size < 16) return "passphrase";
  if (!HEX_32.test(text) && new Set(text.replace(/=$/, "")).size < 20) return "passphrase";
  return "random";
}

// ---------------------------------------------------------------------------------------------------
// The slow KDF and its stored parameters

export interface KdfParams {
  alg: "scrypt";
  /** CPU/memory cost (a power of two). */
  N: number;
  r: number;
  p: number;
  salt: Uint8Array;
}

/** OWASP's scrypt recommendation (N=2^17, r=8, p=1: 128 MiB, ~0.5 s); never accepted lower. */
export const SCRYPT_DEFAULTS = { N: 2 ** 17, r: 8, p: 1 } as const;
const SALT_BYTES = 16;

export function newKdfParams(random: Random): KdfParams {
  return { alg: "scrypt", ...SCRYPT_DEFAULTS, salt: random.bytes(SALT_BYTES) };
}

export function serializeKdfParams(p: KdfParams): string {
  return JSON.stringify({ alg: p.alg, N: p.N, r: p.r, p: p.p, salt: encodeBase64Url(p.salt) });
}

/** Parses a stored record; throws on anything unexpected or weaker than SCRYPT_DEFAULTS. */
export function parseKdfParams(text: string): KdfParams {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error("the stored key-derivation record is not valid JSON");
  }
  const salt = typeof v.salt === "string" ? decodeBase64Url(v.salt) : null;
  const int = (x: unknown, min: number, max: number) => typeof x === "number" && Number.isInteger(x) && x >= min && x <= max;
  if (
    v.alg !== "scrypt" ||
    !int(v.N, SCRYPT_DEFAULTS.N, 2 ** 20) ||
    ((v.N as number) & ((v.N as number) - 1)) !== 0 ||
    !int(v.r, SCRYPT_DEFAULTS.r, 32) ||
    !int(v.p, SCRYPT_DEFAULTS.p, 16) ||
    !salt ||
    salt.length < SALT_BYTES ||
    salt.length > 64
  ) {
    throw new Error("the stored key-derivation record is malformed or weaker than allowed (scrypt, N ≥ 2^17, r ≥ 8, p ≥ 1, salt ≥ 16 bytes)");
  }
  return { alg: "scrypt", N: v.N as number, r: v.r as number, p: v.p as number, salt };
}

function scryptRoot(master: Uint8Array, p: KdfParams): Buffer {
  // maxmem: scrypt needs 128·N·r bytes (+ a margin), beyond Node's 32 MiB default.
  return scryptSync(master, p.salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 128 * p.N * p.r * p.p + 32 * 1024 * 1024 });
}

// ---------------------------------------------------------------------------------------------------
// The box

export interface SealedBox {
  /** The format seal() writes: lk1 for a random key, lk2 for a passphrase. */
  readonly format: SealedFormat;
  /** The KDF record this box derives lk2 keys with (null: a random key with no record). */
  readonly kdf: KdfParams | null;
  seal(purpose: string, plaintext: string | Uint8Array): string;
  open(purpose: string, sealed: string): Uint8Array;
  openText(purpose: string, sealed: string): string;
  /** True for a value in another known format than `format` (it should be re-sealed). */
  needsReseal(sealed: string): boolean;
}

const WRONG_KEY = "Cannot decrypt stored data: ENCRYPTION_KEY is not the key this data was written with (or the data was altered)";

/**
 * A box for `masterKey`. A passphrase key needs `kdf` (the installation's record; the scrypt root is
 * derived here, once). A random key may be given the record too, to open lk2 values left from a
 * passphrase it replaced (derived lazily, only if such a value is met).
 */
export function createSealedBox(masterKey: Uint8Array, random: Random, opts: { kdf?: KdfParams | null } = {}): SealedBox {
  const kind = classifyMasterKey(masterKey);
  const kdf = opts.kdf ?? null;
  if (kind === "passphrase" && !kdf) throw new Error("A passphrase ENCRYPTION_KEY needs this installation's key-derivation record (salt)");
  let slowRoot: Buffer | null = kind === "passphrase" ? scryptRoot(masterKey, kdf!) : null;
  const rootFor = (format: SealedFormat): Uint8Array => {
    if (format === "lk1.") return masterKey;
    if (!slowRoot) {
      if (!kdf) throw new DecryptionError("Cannot decrypt stored data: it was sealed with a passphrase-derived key, and this database holds no key-derivation record");
      slowRoot = scryptRoot(masterKey, kdf);
    }
    return slowRoot;
  };
  const keys = new Map<string, Buffer>();
  const keyFor = (format: SealedFormat, purpose: string): Buffer => {
    const id = `${format}${purpose}`;
    let key = keys.get(id);
    if (!key) {
      key = Buffer.from(hkdfSync("sha256", rootFor(format), new Uint8Array(0), `latchkey/${purpose}`, 32));
      keys.set(id, key);
    }
    return key;
  };
  const aad = (format: SealedFormat, purpose: string) => Buffer.from(format === "lk1." ? purpose : `${format}${purpose}`, "utf8");
  const formatOf = (sealed: string): SealedFormat | null => SEALED_FORMATS.find((f) => sealed.startsWith(f)) ?? null;
  const current: SealedFormat = kind === "random" ? "lk1." : "lk2.";

  const open = (purpose: string, sealed: string): Uint8Array => {
    const format = formatOf(sealed);
    if (!format) throw new DecryptionError(`Unsupported sealed value format (expected one of ${SEALED_FORMATS.join(" ")}…)`);
    const raw = decodeBase64Url(sealed.slice(format.length));
    if (!raw || raw.length < NONCE_BYTES + TAG_BYTES) throw new DecryptionError("Sealed value is truncated or corrupt");
    const nonce = raw.subarray(0, NONCE_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const body = raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", keyFor(format, purpose), nonce);
    decipher.setAAD(aad(format, purpose));
    decipher.setAuthTag(tag);
    try {
      return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
    } catch {
      throw new DecryptionError(WRONG_KEY);
    }
  };

  return {
    format: current,
    kdf,
    seal(purpose, plaintext) {
      const nonce = random.bytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", keyFor(current, purpose), nonce);
      cipher.setAAD(aad(current, purpose));
      const data = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
      const body = Buffer.concat([cipher.update(data), cipher.final()]);
      return current + encodeBase64Url(Buffer.concat([nonce, body, cipher.getAuthTag()]));
    },
    open,
    openText(purpose, sealed) {
      return new TextDecoder().decode(open(purpose, sealed));
    },
    needsReseal(sealed) {
      const format = formatOf(sealed);
      return format !== null && format !== current;
    },
  };
}
