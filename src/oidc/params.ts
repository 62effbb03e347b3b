/**
 * Protocol parameters from a query string or an application/x-www-form-urlencoded body.
 * - RFC 6749 3.1 / 3.2: a parameter sent more than once is an invalid_request.
 * - Values must be valid UTF-8 and below a size limit; empty values count as absent (RFC 6749 3.1).
 * - The body is read as bytes and decoded strictly, so malformed input is a 400, never a 500.
 */
import { OAuthError } from "../errors.ts";
import { msg, type Message } from "../i18n/message.ts";

/**
 * A request whose parameters cannot be read: invalid_request on the wire (its English description,
 * as RFC 6749 clients expect), and `text` for a page that shows the person why (/authorize, end-session).
 */
export class ProtocolParamError extends OAuthError {
  constructor(description: string, readonly text: Message) {
    super("invalid_request", description);
  }
}

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_VALUE_LENGTH = 8 * 1024;

export class ProtocolParams {
  private constructor(private readonly values: Map<string, string[]>) {}

  static fromSearchParams(search: URLSearchParams): ProtocolParams {
    const map = new Map<string, string[]>();
    for (const [k, v] of search) {
      if (k.includes("\uFFFD") || v.includes("\uFFFD")) throw new ProtocolParamError("Parameters must be valid UTF-8.", msg("oidc.paramNotUtf8"));
      const list = map.get(k);
      if (list) list.push(v);
      else map.set(k, [v]);
    }
    return new ProtocolParams(map);
  }

  static fromRecord(record: Record<string, string>): ProtocolParams {
    return new ProtocolParams(new Map(Object.entries(record).map(([k, v]) => [k, [v]])));
  }

  static empty(): ProtocolParams {
    return new ProtocolParams(new Map());
  }

  /** The single value of `name`, or null when absent or empty. Throws invalid_request when repeated or oversized. */
  get(name: string, maxLength = MAX_VALUE_LENGTH): string | null {
    const list = this.values.get(name);
    if (!list || list.length === 0) return null;
    if (list.length > 1) throw new ProtocolParamError(`The ${name} parameter was given more than once.`, msg("oidc.paramRepeated", { name }));
    const v = list[0]!;
    if (v.length > maxLength) throw new ProtocolParamError(`The ${name} parameter is too long (at most ${maxLength} characters).`, msg("oidc.paramTooLong", { name, max: maxLength }));
    return v === "" ? null : v;
  }

  /** Every value sent for `name`, unchecked (for parameters that have their own rule on repetition). */
  all(name: string): string[] {
    return [...(this.values.get(name) ?? [])];
  }

  /** The names of every parameter sent (values unchecked). */
  names(): string[] {
    return [...this.values.keys()];
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  /** Every single-valued, non-empty parameter (for storing an authorization request). */
  toRecord(names: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const n of names) {
      const v = this.get(n);
      if (v !== null) out[n] = v;
    }
    return out;
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads a form-encoded body. Wrong content type, oversize or non-UTF-8 bodies are invalid_request. */
export async function readFormParams(request: Request, opts: { required?: boolean } = {}): Promise<ProtocolParams> {
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  const length = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(length) && length > MAX_BODY_BYTES) throw new ProtocolParamError("The request body is too large.", msg("oidc.bodyTooLarge"));
  if (!type.startsWith("application/x-www-form-urlencoded")) {
    if (opts.required !== false || (type && length > 0)) {
      throw new ProtocolParamError("The request body must be application/x-www-form-urlencoded.", msg("oidc.bodyNotForm", { type: "application/x-www-form-urlencoded" }));
    }
    return ProtocolParams.empty();
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await request.arrayBuffer());
  } catch {
    throw new ProtocolParamError("The request body could not be read.", msg("oidc.bodyUnreadable"));
  }
  if (bytes.length > MAX_BODY_BYTES) throw new ProtocolParamError("The request body is too large.", msg("oidc.bodyTooLarge"));
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new ProtocolParamError("The request body must be valid UTF-8.", msg("oidc.bodyNotUtf8"));
  }
  // Percent-encoded bytes must also decode to UTF-8 (URLSearchParams would silently substitute U+FFFD).
  for (const part of text.split("&")) {
    try {
      decodeURIComponent(part.replace(/\+/g, " "));
    } catch {
      throw new ProtocolParamError("The request body is not valid form encoding (bad percent-escape or non-UTF-8).", msg("oidc.bodyBadEncoding"));
    }
  }
  return ProtocolParams.fromSearchParams(new URLSearchParams(text));
}

/** Query parameters of a URL, with the same strictness. */
export function readQueryParams(url: URL): ProtocolParams {
  const raw = url.search.slice(1);
  for (const part of raw.split("&")) {
    try {
      decodeURIComponent(part.replace(/\+/g, " "));
    } catch {
      throw new ProtocolParamError("The query string is not valid (bad percent-escape or non-UTF-8).", msg("oidc.queryBadEncoding"));
    }
  }
  if (raw.length > MAX_BODY_BYTES) throw new ProtocolParamError("The query string is too long.", msg("oidc.queryTooLong"));
  return ProtocolParams.fromSearchParams(url.searchParams);
}
