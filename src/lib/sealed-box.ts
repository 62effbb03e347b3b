/**
 * Encryption at rest.
 *
 * - One master key (ENCRYPTION_KEY); a purpose-specific 256-bit key per use is derived with HKDF-SHA256
 *   (info = "latchkey/<purpose>"), so a value sealed for one purpose cannot be opened as another.
 * - AES-256-GCM, random 96-bit nonce per value, the purpose as additional authenticated data.
 * - Versioned text format: "lk1." + base64url(nonce || ciphertext || tag).
 */
import { createCipheriv, createDecipheriv, hkdfSync } from "node:crypto";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";
import type { Random } from "./random.ts";

const VERSION = "lk1.";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

export interface SealedBox {
  seal(purpose: string, plaintext: string | Uint8Array): string;
  open(purpose: string, sealed: string): Uint8Array;
  openText(purpose: string, sealed: string): string;
}

export function createSealedBox(masterKey: Uint8Array, random: Random): SealedBox {
  const keys = new Map<string, Buffer>();
  const keyFor = (purpose: string): Buffer => {
    let key = keys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync("sha256", masterKey, new Uint8Array(0), `latchkey/${purpose}`, 32));
      keys.set(purpose, key);
    }
    return key;
  };

  const open = (purpose: string, sealed: string): Uint8Array => {
    if (!sealed.startsWith(VERSION)) throw new DecryptionError(`Unsupported sealed value format (expected ${VERSION}…)`);
    const raw = decodeBase64Url(sealed.slice(VERSION.length));
    if (!raw || raw.length < NONCE_BYTES + TAG_BYTES) throw new DecryptionError("Sealed value is truncated or corrupt");
    const nonce = raw.subarray(0, NONCE_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const body = raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", keyFor(purpose), nonce);
    decipher.setAAD(Buffer.from(purpose, "utf8"));
    decipher.setAuthTag(tag);
    try {
      return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
    } catch {
      throw new DecryptionError(
        "Cannot decrypt stored data: ENCRYPTION_KEY is not the key this data was written with (or the data was altered)",
      );
    }
  };

  return {
    seal(purpose, plaintext) {
      const nonce = random.bytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", keyFor(purpose), nonce);
      cipher.setAAD(Buffer.from(purpose, "utf8"));
      const data = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
      const body = Buffer.concat([cipher.update(data), cipher.final()]);
      return VERSION + encodeBase64Url(Buffer.concat([nonce, body, cipher.getAuthTag()]));
    },
    open,
    openText(purpose, sealed) {
      return new TextDecoder().decode(open(purpose, sealed));
    },
  };
}
