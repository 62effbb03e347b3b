/**
 * A SCIM 2.0 client for one service provider (RFC 7644), as the sync engine (./sync.ts) uses it.
 * - Every request carries `Authorization: Bearer <token>` (when the provider has one), `Accept` and, with a body,
 *   `Content-Type: application/scim+json`.
 * - Retried with exponential backoff (honouring Retry-After, capped): network errors, time-outs, 429 and 5xx.
 *   Anything else is answered at once: 2xx, or an error the caller handles (404 on a PUT/DELETE, 405/501 on a
 *   DELETE) or reports (other 4xx, with the server's SCIM `detail`).
 * - 401 and 403 are fatal (`ScimError.fatal`): the token is wrong for every resource, the sync stops; so is a
 *   server still unreachable after the retries.
 * - Redirects are not followed: the bearer token goes to the configured endpoint only.
 * - Each request has its own time limit; the caller bounds the whole sync.
 * - Errors name the method, path and status, never the token; a server's text is cut short and stripped of
 *   control characters.
 * - An answer's body is read up to MAX_RESPONSE_BYTES; a larger one is that request's failure, not memory spent.
 */
import { readAtMost } from "../lib/bounded-read.ts";


/** The fetch this client uses (injected: tests and the server pass their own). */
export type ScimFetch = (url: string, init: RequestInit) => Promise<Response>;

export const SCIM_CONTENT_TYPE = "application/scim+json";
export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

export interface ScimClientOptions {
  fetch: ScimFetch;
  /** The base URL (no trailing slash); resource paths are appended ("/Users"). */
  endpoint: string;
  token: string | null;
  /** Waits between attempts (injected so tests need not wait). */
  sleep: (ms: number) => Promise<void>;
  /** The current time in milliseconds (a Retry-After date is counted from it; default Date.now). */
  now?: () => number;
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** First backoff delay (default 500 ms), doubled per retry, at most maxDelayMs (default 30 s, also Retry-After's cap). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-request time limit (default 30 s). */
  requestTimeoutMs?: number;
}

export class ScimError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or null for a network error or time-out. */
    readonly status: number | null,
    /** The whole sync should stop (the token is refused). */
    readonly fatal = false,
  ) {
    super(message);
    this.name = "ScimError";
  }
}

export interface ScimResponse {
  status: number;
  /** The JSON object answered, or null (no body, not JSON, not an object). */
  body: Record<string, unknown> | null;
  text: string;
}

const MAX_DETAIL = 300;
/** The largest answer read (a filtered listing or one resource is far smaller). */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** A server's words, safe for a status line: no control characters, at most MAX_DETAIL characters. */
export function cleanText(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return flat.length > MAX_DETAIL ? `${flat.slice(0, MAX_DETAIL)}…` : flat;
}

/** RFC 7644 3.12: an error body's detail (or scimType), else the start of whatever the server sent. */
function errorDetail(body: Record<string, unknown> | null, raw: string): string {
  if (body) {
    const detail = typeof body.detail === "string" ? body.detail : "";
    const type = typeof body.scimType === "string" ? body.scimType : "";
    if (detail || type) return cleanText([type, detail].filter(Boolean).join(": "));
  }
  return cleanText(raw);
}

/** A filter's string literal (RFC 7644 3.4.2.2: a JSON string). */
export function filterValue(value: string): string {
  return JSON.stringify(value);
}

function retryAfterMs(header: string | null, nowMs: number): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

export interface ScimClient {
  /** One request, retried as the file header says; resolves with any status that is not retried, or throws ScimError. */
  request(method: string, path: string, body?: unknown): Promise<ScimResponse>;
}

export function createScimClient(o: ScimClientOptions): ScimClient {
  const retries = o.retries ?? 3;
  const base = o.baseDelayMs ?? 500;
  const max = o.maxDelayMs ?? 30_000;
  const timeout = o.requestTimeoutMs ?? 30_000;

  const once = async (method: string, path: string, payload: string | undefined): Promise<{ res: Response | null; error: string | null }> => {
    const headers: Record<string, string> = { Accept: SCIM_CONTENT_TYPE };
    if (payload !== undefined) headers["Content-Type"] = SCIM_CONTENT_TYPE;
    if (o.token) headers.Authorization = `Bearer ${o.token}`;
    try {
      const res = await o.fetch(o.endpoint + path, { method, headers, body: payload, redirect: "manual", signal: AbortSignal.timeout(timeout) });
      return { res, error: null };
    } catch (e) {
      const name = e instanceof Error ? e.name : "";
      return { res: null, error: name === "TimeoutError" || name === "AbortError" ? `no answer within ${Math.round(timeout / 1000)} s` : `cannot connect (${cleanText(e instanceof Error ? e.message : String(e))})` };
    }
  };

  return {
    async request(method, path, body) {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const what = `${method} ${path.split("?")[0]}`;
      for (let attempt = 0; ; attempt++) {
        const { res, error } = await once(method, path, payload);
        const status = res?.status ?? null;
        const retryable = res === null || status === 429 || status! >= 500;
        if (!retryable) {
          const bytes = res!.body ? await readAtMost(res!.body, MAX_RESPONSE_BYTES) : new Uint8Array();
          if (bytes === null) throw new ScimError(`${what}: HTTP ${status}: the answer is larger than ${MAX_RESPONSE_BYTES} bytes`, status);
          const raw = new TextDecoder().decode(bytes);
          let json: Record<string, unknown> | null = null;
          try {
            const parsed: unknown = raw ? JSON.parse(raw) : null;
            if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
          } catch {
            json = null;
          }
          if (status! >= 300 && status! < 400) {
            throw new ScimError(`${what}: HTTP ${status} redirect to ${cleanText(res!.headers.get("location") ?? "?")}; set the endpoint to the final URL`, status);
          }
          if (status === 401 || status === 403) {
            throw new ScimError(`${what}: HTTP ${status}: the SCIM server refused the token${json || raw ? ` (${errorDetail(json, raw)})` : ""}`, status, true);
          }
          return { status: status!, body: json, text: raw };
        }
        const reason = res ? `HTTP ${status}${errorDetailSafe(res)}` : error!;
        if (attempt >= retries) {
          if (res) await res.body?.cancel();
          // Unreachable is unreachable for every resource: the sync stops rather than wait out each one.
          throw new ScimError(`${what}: ${reason} (after ${retries + 1} attempts)`, status, res === null);
        }
        const asked = res ? retryAfterMs(res.headers.get("retry-after"), (o.now ?? Date.now)()) : null;
        if (res) await res.body?.cancel();
        await o.sleep(Math.min(max, asked ?? base * 2 ** attempt));
      }
    },
  };
}

/** The status text of a retried answer (its body is not read). */
function errorDetailSafe(res: Response): string {
  return res.statusText ? ` ${cleanText(res.statusText)}` : "";
}

/** A failed answer as a ScimError ("POST /Users: HTTP 400: detail"). */
export function scimFailure(method: string, path: string, r: ScimResponse): ScimError {
  const detail = errorDetail(r.body, r.text);
  return new ScimError(`${method} ${path.split("?")[0]}: HTTP ${r.status}${detail ? `: ${detail}` : ""}`, r.status);
}
