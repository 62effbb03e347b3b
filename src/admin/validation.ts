/**
 * Small input checks shared by the admin domain. Every failure names its field, so the JSON API can
 * answer 400 with field messages and the htmx forms can re-render with the message beside the input.
 */
import { AppError } from "../errors.ts";
import { msg, type Message, type Text } from "../i18n/message.ts";

export class FieldErrors {
  readonly fields: Record<string, Text> = {};
  add(field: string, message: Text): void {
    if (!Object.hasOwn(this.fields, field)) this.fields[field] = message;
  }
  get empty(): boolean {
    return Object.keys(this.fields).length === 0;
  }
  /** Throws a validation AppError listing every field problem (no-op when there is none). */
  throwIfAny(summary: Text = msg("validation.summary")): void {
    if (!this.empty) throw AppError.validation(summary, this.fields);
  }
}

/**
 * Runs one part of a page's save, adding a validation failure's field messages to `errors` (its summary under "_"
 * when it names no field) instead of throwing, so every part's problems are reported together.
 */
export function collectFieldErrors(errors: FieldErrors, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== "validation_failed") throw e;
    for (const [field, message] of Object.entries(e.fields)) errors.add(field, message);
    if (Object.keys(e.fields).length === 0) errors.add("_", e.text);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A trimmed string field; `undefined`/`null` become "" (or the fallback). Non-strings are errors. */
export function str(errors: FieldErrors, input: Record<string, unknown>, field: string, opts: { required?: boolean; max?: number; min?: number; fallback?: string } = {}): string {
  const raw = input[field];
  if (raw === undefined || raw === null) {
    if (opts.required) errors.add(field, msg("validation.required"));
    return opts.fallback ?? "";
  }
  if (typeof raw !== "string") {
    errors.add(field, msg("validation.notText"));
    return opts.fallback ?? "";
  }
  const v = raw.trim();
  if (opts.required && v === "") errors.add(field, msg("validation.required"));
  else if (opts.min !== undefined && v.length < opts.min) errors.add(field, msg("validation.tooShort", { min: opts.min }));
  else if (opts.max !== undefined && v.length > opts.max) errors.add(field, msg("validation.tooLong", { max: opts.max }));
  return v;
}

/** A boolean field: JSON booleans, or HTML form values ("on", "true", "1"). Missing → fallback. */
export function bool(errors: FieldErrors, input: Record<string, unknown>, field: string, fallback = false): boolean {
  const raw = input[field];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw === "boolean") return raw;
  if (raw === "on" || raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0" || raw === "off" || raw === "") return false;
  errors.add(field, msg("validation.notBoolean"));
  return fallback;
}

/** An integer field within [min, max]; accepts numbers and numeric strings. */
export function int(errors: FieldErrors, input: Record<string, unknown>, field: string, opts: { min: number; max: number; fallback: number; required?: boolean }): number {
  const raw = input[field];
  if (raw === undefined || raw === null || raw === "") {
    if (opts.required) errors.add(field, msg("validation.required"));
    return opts.fallback;
  }
  const n = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(n)) {
    errors.add(field, msg("validation.notInteger"));
    return opts.fallback;
  }
  if (n < opts.min || n > opts.max) {
    errors.add(field, msg("validation.outOfRange", { min: opts.min, max: opts.max }));
    return opts.fallback;
  }
  return n;
}

/** A list of strings: a JSON array, a single string, or repeated form fields. */
export function strList(errors: FieldErrors, input: Record<string, unknown>, field: string): string[] {
  const raw = input[field];
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  if (!list.every((x) => typeof x === "string")) {
    errors.add(field, msg("validation.notList"));
    return [];
  }
  return [...new Set((list as string[]).map((s) => s.trim()).filter(Boolean))];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function isEmail(v: string): boolean {
  return v.length <= 254 && EMAIL.test(v);
}

/** Pocket ID's username rule. */
export const USERNAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9_.@-]*[a-zA-Z0-9])?$/;

/**
 * A timestamp in Unix seconds from a JSON number (seconds), an ISO 8601 string (Pocket ID sends
 * `expiresAt` as RFC 3339), or an HTML date / datetime-local value (taken as UTC).
 */
export function timestamp(errors: FieldErrors, input: Record<string, unknown>, field: string, opts: { required?: boolean } = {}): number | null {
  const raw = input[field];
  if (raw === undefined || raw === null || raw === "") {
    if (opts.required) errors.add(field, msg("validation.required"));
    return null;
  }
  if (typeof raw === "number" && Number.isFinite(raw)) return Math.floor(raw);
  if (typeof raw === "string") {
    let s = raw.trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += "T00:00:00Z";
    else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(s)) s += "Z";
    const ms = Date.parse(s);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  errors.add(field, msg("validation.notDate"));
  return null;
}

/** Reserved claim names come from the token issuer (src/oidc/claims.ts): one list, refused here at input. */
export { RESERVED_CLAIMS } from "../oidc/claims.ts";
import { RESERVED_CLAIMS } from "../oidc/claims.ts";

export function claimList(errors: FieldErrors, raw: unknown, field = "customClaims"): { key: string; value: string }[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    errors.add(field, msg("validation.claimsNotList"));
    return [];
  }
  const out: { key: string; value: string }[] = [];
  const seen = new Set<string>();
  raw.forEach((c, i) => {
    if (!isRecord(c) || typeof c.key !== "string" || (typeof c.value !== "string" && typeof c.value !== "number" && typeof c.value !== "boolean")) {
      errors.add(`${field}[${i}]`, msg("validation.claimNotPair"));
      return;
    }
    const key = c.key.trim();
    const value = String(c.value);
    if (key === "" && value.trim() === "") return; // an empty form row
    if (!/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(key)) errors.add(`${field}[${i}].key`, msg("validation.claimKeyPattern"));
    // A JSON member named __proto__ is read back by JavaScript clients (and our own claim building) as the object's prototype.
    else if (key === "__proto__") errors.add(`${field}[${i}].key`, msg("validation.claimKeyProto"));
    else if (RESERVED_CLAIMS.has(key)) errors.add(`${field}[${i}].key`, msg("validation.claimKeyReserved", { key }));
    else if (seen.has(key)) errors.add(`${field}[${i}].key`, msg("validation.claimKeyTwice", { key }));
    else if (value.length > 1000) errors.add(`${field}[${i}].value`, msg("validation.claimValueTooLong"));
    else {
      seen.add(key);
      out.push({ key, value });
    }
  });
  return out;
}

/**
 * A duration in seconds: a JSON number of seconds, or a Go-style duration string as Pocket ID sends
 * ("15m", "1h30m", "24h", "7d" is accepted too). Bounded to [min, max] seconds.
 */
export function duration(errors: FieldErrors, input: Record<string, unknown>, field: string, opts: { fallback: number; min: number; max: number }): number {
  const raw = input[field];
  if (raw === undefined || raw === null || raw === "") return opts.fallback;
  let seconds = NaN;
  if (typeof raw === "number") seconds = raw;
  else if (typeof raw === "string") {
    const s = raw.trim();
    if (/^\d+$/.test(s)) seconds = Number(s);
    else if (/^(\d+(\.\d+)?(d|h|m|s))+$/.test(s)) {
      seconds = 0;
      for (const m of s.matchAll(/(\d+(?:\.\d+)?)(d|h|m|s)/g)) seconds += Number(m[1]) * { d: 86400, h: 3600, m: 60, s: 1 }[m[2] as "d" | "h" | "m" | "s"];
    }
  }
  if (!Number.isFinite(seconds)) {
    errors.add(field, msg("validation.notDuration"));
    return opts.fallback;
  }
  seconds = Math.floor(seconds);
  if (seconds < opts.min || seconds > opts.max) {
    errors.add(field, msg("validation.durationRange", { min: durationText(opts.min), max: durationText(opts.max) }));
    return opts.fallback;
  }
  return seconds;
}

/** A duration as words in any language: "15 minutes", "7 days". */
export function durationText(seconds: number): Message {
  if (seconds % 86400 === 0) return msg("validation.durationDays", { n: seconds / 86400 });
  if (seconds % 3600 === 0) return msg("validation.durationHours", { n: seconds / 3600 });
  if (seconds % 60 === 0) return msg("validation.durationMinutes", { n: seconds / 60 });
  return msg("validation.durationSeconds", { n: seconds });
}

export function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? "" : "s"}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? "" : "s"}`;
  return `${seconds} seconds`;
}
