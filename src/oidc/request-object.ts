/**
 * Request objects (OpenID Connect Core 6.1, `request=`) as Pocket ID accepts them: unsigned only.
 * - The object is a JWT with alg "none" and an empty signature, decoded by jose's UnsecuredJWT, which also
 *   checks exp and nbf against our clock. A signed or encrypted object is refused (invalid_request_object):
 *   discovery's request_object_signing_alg_values_supported is ["none"].
 * - It must not carry request or request_uri itself; its client_id and response_type, when present, must
 *   equal the OAuth parameters (OIDC Core 6.1).
 * - Its parameters replace the query's; the scope is the union of both (the object's first). JSON numbers and
 *   booleans become their text, objects and arrays their JSON. The JWT's own claims (iss, aud, exp, nbf, iat,
 *   jti) are not authorization parameters and are dropped.
 */
import { decodeProtectedHeader, UnsecuredJWT } from "jose";

/** The longest request object read, at /authorize and in a push alike (longer: invalid_request, "too long"). */
export const REQUEST_OBJECT_MAX_LENGTH = 16 * 1024;

/** The JWT's own claims: about the object, not parameters of the request. */
const JWT_CLAIMS = new Set(["iss", "aud", "exp", "nbf", "iat", "jti"]);

export type RequestObjectResult =
  | { ok: true; params: Record<string, string> }
  | { ok: false; description: string };

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/**
 * Merges the unsigned request object `jwt` into `query` (the OAuth parameters sent beside it).
 * `nowSeconds` is the clock the object's exp and nbf are checked against.
 */
export function mergeRequestObject(jwt: string, query: Record<string, string>, nowSeconds: number): RequestObjectResult {
  const parts = jwt.split(".");
  if (parts.length === 5) return { ok: false, description: "Encrypted request objects are not supported; send an unsigned one (alg none)." };
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(jwt).alg;
  } catch {
    return { ok: false, description: "The request object is not a JWT." };
  }
  if (alg !== "none") {
    return { ok: false, description: `The request object is signed with ${String(alg).slice(0, 16)}, but this server only supports unsigned request objects (alg none).` };
  }
  let payload: Record<string, unknown>;
  try {
    payload = UnsecuredJWT.decode(jwt, { currentDate: new Date(nowSeconds * 1000) }).payload;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_JWT_EXPIRED") return { ok: false, description: "The request object has expired (exp)." };
    if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") return { ok: false, description: "The request object's claims could not be validated (nbf or a claim's type)." };
    return { ok: false, description: "The request object is not a valid unsigned JWT (alg none with an empty signature)." };
  }
  if ("request" in payload || "request_uri" in payload) {
    return { ok: false, description: "A request object must not contain request or request_uri." };
  }
  for (const name of ["client_id", "response_type"]) {
    if (name in payload && query[name] !== undefined && text(payload[name]) !== query[name]) {
      return { ok: false, description: `The request object's ${name} does not match the ${name} parameter.` };
    }
  }
  const merged: Record<string, string> = { ...query };
  for (const [name, value] of Object.entries(payload)) {
    if (JWT_CLAIMS.has(name)) continue;
    const v = text(value);
    if (v === null) continue;
    merged[name] = v;
  }
  const scopes = (merged.scope ?? "").split(" ").filter(Boolean);
  for (const s of (query.scope ?? "").split(" ").filter(Boolean)) if (!scopes.includes(s)) scopes.push(s);
  if (scopes.length > 0) merged.scope = scopes.join(" ");
  delete merged.request;
  return { ok: true, params: merged };
}
