/**
 * Two error families, one mapper (src/http/plugins/errors.ts):
 * - OAuthError: protocol wire errors (RFC 6749 5.2 / OIDC Core 3.1.2.6), JSON on protocol endpoints.
 * - AppError: UI/API errors with a stable code and a safe, human message.
 * Anything else is a 500 with a request id in the log and no detail on the wire.
 */
import { msg, type Text } from "./i18n/message.ts";
import { englishText } from "./i18n/translator.ts";

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "invalid_target"
  | "access_denied"
  | "server_error"
  | "temporarily_unavailable"
  | "login_required"
  | "consent_required"
  | "interaction_required"
  | "account_selection_required"
  | "invalid_token"
  | "insufficient_scope"
  | "invalid_request_uri"
  | "invalid_request_object"
  | "request_not_supported"
  | "request_uri_not_supported"
  | "authorization_pending"
  | "slow_down"
  | "expired_token"
  | "invalid_dpop_proof";

export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status: number = 400,
    /** Extra headers, e.g. WWW-Authenticate on 401. */
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${description}`);
    this.name = "OAuthError";
  }

  static invalidRequest(description: string) {
    return new OAuthError("invalid_request", description);
  }
  static invalidClient(description: string, scheme: "Basic" | "Bearer" = "Basic") {
    return new OAuthError("invalid_client", description, 401, { "WWW-Authenticate": `${scheme} realm="latchkey"` });
  }
  static invalidGrant(description: string) {
    return new OAuthError("invalid_grant", description);
  }
  static unauthorizedClient(description: string) {
    return new OAuthError("unauthorized_client", description);
  }
  static unsupportedGrantType(description: string) {
    return new OAuthError("unsupported_grant_type", description);
  }
  static unsupportedResponseType(description: string) {
    return new OAuthError("unsupported_response_type", description);
  }
  static invalidScope(description: string) {
    return new OAuthError("invalid_scope", description);
  }

  /** RFC 8707 2: the requested resource is invalid, missing, unknown, or malformed. */
  static invalidTarget(description: string) {
    return new OAuthError("invalid_target", description);
  }
  static accessDenied(description: string) {
    return new OAuthError("access_denied", description, 403);
  }
  static loginRequired(description: string) {
    return new OAuthError("login_required", description);
  }
  static consentRequired(description: string) {
    return new OAuthError("consent_required", description);
  }
  /**
   * 429 on a protocol endpoint. RFC 6749 4.1.2.1 / 11.4 registers `temporarily_unavailable` ("unable
   * to handle the request due to a temporary overloading") and generic clients treat it as retryable;
   * `slow_down` is not used because RFC 8628 3.5 gives it a device-polling meaning (add 5 s to the
   * interval) that a token, introspection or PAR client would not act on. Retry-After says when.
   */
  static rateLimited(retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    return new OAuthError("temporarily_unavailable", `Too many failed requests; retry after ${seconds} seconds.`, 429, { "Retry-After": String(seconds) });
  }
  static invalidToken(description: string) {
    return new OAuthError("invalid_token", description, 401, {
      "WWW-Authenticate": `Bearer error="invalid_token", error_description="${description.replace(/["\\]/g, "")}"`,
    });
  }
}

export type AppErrorCode =
  | "bad_request"
  | "validation_failed"
  | "unauthenticated"
  | "forbidden"
  | "csrf_failed"
  | "not_found"
  | "conflict"
  | "gone"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "passkey_failed"
  | "reauthentication_required"
  | "device_login_expired"
  | "device_login_denied"
  | "internal_error"
  | "upstream_failed"
  | "service_unavailable";

const APP_ERROR_STATUS: Record<AppErrorCode, number> = {
  bad_request: 400,
  validation_failed: 422,
  unauthenticated: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  passkey_failed: 400,
  reauthentication_required: 403,
  // Pocket ID's answers to a sign-in request from another device (src/account/device-login.ts).
  device_login_expired: 401,
  device_login_denied: 403,
  internal_error: 500,
  // A server Latchkey calls on an administrator's request failed (a SCIM sync): its words are in the message.
  upstream_failed: 502,
  service_unavailable: 503,
};

export class AppError extends Error {
  readonly status: number;
  /** What to show the person: a catalogue Message (shown in the viewer's language) or a plain string. `message` is its English. */
  readonly text: Text;
  constructor(
    readonly code: AppErrorCode,
    /** Safe to show to the person. */
    text: Text,
    /** Field-level messages for validation failures. */
    readonly fields: Record<string, Text> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(englishText(text));
    this.name = "AppError";
    this.text = text;
    this.status = APP_ERROR_STATUS[code];
  }

  static badRequest(message: Text) {
    return new AppError("bad_request", message);
  }
  static validation(message: Text, fields: Record<string, Text> = {}) {
    return new AppError("validation_failed", message, fields);
  }
  static unauthenticated(message: Text = msg("common.errorSignIn")) {
    return new AppError("unauthenticated", message);
  }
  static forbidden(message: Text = msg("common.errorForbidden")) {
    return new AppError("forbidden", message);
  }
  static notFound(message: Text = msg("common.errorNotFound")) {
    return new AppError("not_found", message);
  }
  static conflict(message: Text) {
    return new AppError("conflict", message);
  }
  static passkey(message: Text) {
    return new AppError("passkey_failed", message);
  }
  static rateLimited(retryAfterSeconds: number) {
    return new AppError("rate_limited", msg("common.errorRateLimited"), {}, {
      "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

/** An error's field messages in one language (English for logs, the CLI and callers that asked for none). */
export function fieldTexts(fields: Record<string, Text>, text: (t: Text) => string = englishText): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) out[name] = text(value);
  return out;
}

/**
 * The database (PostgreSQL, or the network to it) cannot answer now: not a fault of the request. The error
 * mapper answers 503 with Retry-After; the connection dials again by itself (src/db/postgres/connection.ts).
 */
export class DatabaseUnavailableError extends Error {
  constructor(
    message: string,
    /** SQLSTATE (28P01, 3D000…) or Bun's ERR_POSTGRES_* code, when PostgreSQL or the client said why. */
    readonly code?: string,
  ) {
    super(message);
    this.name = "DatabaseUnavailableError";
  }
}

