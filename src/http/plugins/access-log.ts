/**
 * The access log: one line per request, written when its answer is final.
 * - id, method, path, query, status, time (ms, one decimal) and client IP.
 * - Secret path segments and query values never reach the log (src/lib/redact.ts).
 * - Not for /healthz or /static/: probes and assets would drown everything else.
 */
import type { Log } from "../../lib/log.ts";
import { redactRequestTarget } from "../../lib/redact.ts";
import type { RequestMeta } from "../request-context.ts";

export function logRequest(log: Log, request: Request, url: URL, status: number, meta: RequestMeta): void {
  if (url.pathname === "/healthz" || url.pathname.startsWith("/static/")) return;
  log.info("request", {
    id: meta.id,
    method: request.method,
    ...redactRequestTarget(url),
    status,
    ms: Math.round((performance.now() - meta.startedAt) * 10) / 10,
    ip: meta.ip ?? "-",
  });
}
