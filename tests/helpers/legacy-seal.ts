/**
 * A value as Latchkey sealed it before the slow KDF existed (format lk1: HKDF-SHA256 straight from the
 * ENCRYPTION_KEY text, AES-256-GCM, AAD = purpose), to build "old" databases in tests. Written with
 * node:crypto directly so it cannot drift with src/lib/sealed-box.ts.
 */
import { createCipheriv, hkdfSync, randomBytes } from "node:crypto";
import { encodeBase64Url } from "../../src/lib/base64url.ts";

export function legacySeal(masterKeyText: string, purpose: string, text: string): string {
  const key = Buffer.from(hkdfSync("sha256", new TextEncoder().encode(masterKeyText), new Uint8Array(0), `latchkey/${purpose}`, 32));
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(purpose, "utf8"));
  const body = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return "lk1." + encodeBase64Url(Buffer.concat([nonce, body, cipher.getAuthTag()]));
}
