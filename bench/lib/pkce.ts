import { createHash } from "node:crypto";

/** One PKCE pair shared by every pre-generated code (RFC 7636 S256). */
export const CODE_VERIFIER = "latchkey-bench-code-verifier-0123456789-abcdefghijklmnop";
export const CODE_CHALLENGE = createHash("sha256").update(CODE_VERIFIER).digest("base64url");
export const REDIRECT_URI = "http://localhost:9/callback";
export const SCOPE = "openid email profile offline_access";
