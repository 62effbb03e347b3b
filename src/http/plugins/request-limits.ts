/**
 * Limits every request meets before any route sees it (the request pipeline runs them before the router).
 * - The path must be valid percent-encoded UTF-8 (400): Elysia turns an undecodable parameter into null,
 *   which no route expects.
 * - Body size limits (413 payload_too_large):
 * - Uploads (pictures, logos, branding images: ≤ 2 MiB files; routes that declare `bodyLimit: "upload"`) may
 *   send 3 MiB of multipart; everything else 1 MiB, a path no route serves included.
 * - A declared Content-Length over the cap is refused without reading a byte.
 * - A body without Content-Length (chunked, or built in-process) is read up to the cap and refused past it,
 *   so a client cannot stream an unbounded body into a JSON or form parser.
 * Bun.serve's maxRequestBodySize (src/cli/serve.ts) is the outer wall; this is the per-route one.
 */
import { readAtMost } from "../../lib/bounded-read.ts";
import { AppError } from "../../errors.ts";
import { msg } from "../../i18n/message.ts";
import type { RoutePolicy } from "./route-policy.ts";

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const UPLOAD_BODY_LIMIT = 3 * 1024 * 1024;

export function payloadTooLarge(limit: number): AppError {
  return new AppError("payload_too_large", msg("common.errorTooLargeLimit", { kib: Math.floor(limit / 1024) }));
}

/** Throws 400 when the path is not valid percent-encoded UTF-8. */
export function checkRequestPath(pathname: string): void {
  try {
    decodeURIComponent(pathname);
  } catch {
    throw AppError.badRequest(msg("common.errorPercentEncoding"));
  }
}

/**
 * Returns the request unchanged when its body is within its route's limit (or it has none), a buffered copy
 * when its length was not declared; throws 413 otherwise.
 */
export async function enforceBodyLimit(request: Request, declared: RoutePolicy["bodyLimit"]): Promise<Request> {
  if (request.body === null || request.method === "GET" || request.method === "HEAD") return request;
  const limit = declared === "upload" ? UPLOAD_BODY_LIMIT : DEFAULT_BODY_LIMIT;
  const length = request.headers.get("content-length");
  if (length !== null) {
    const n = Number(length);
    if (!/^\d+$/.test(length.trim())) throw AppError.badRequest(msg("common.errorContentLength"));
    if (n > limit) throw payloadTooLarge(limit);
    return request;
  }
  const body = await readAtMost(request.body, limit);
  if (!body) throw payloadTooLarge(limit);
  return new Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal });
}
