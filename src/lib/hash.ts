import { timingSafeEqual } from "node:crypto";

// Bun's one-shot SHA-256 (BoringSSL underneath): the token endpoint hashes three secrets per request, and
// node:crypto's createHash object costs three times as much per call.

/** SHA-256 hex of a bearer secret: how session tokens, codes, refresh tokens and API keys are stored. */
export function hashToken(token: string): string {
  return Bun.SHA256.hash(token, "hex");
}

/** S256 PKCE transform and at_hash building block. */
export function sha256(data: string | Uint8Array): Uint8Array {
  return Bun.SHA256.hash(data) as Uint8Array;
}

/** Constant-time comparison of two strings. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, "utf8");
  const bb = Buffer.from(b, "utf8");
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
