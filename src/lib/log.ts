/**
 * The one logger. Every line passes through redactText (src/lib/redact.ts): whatever a caller puts in
 * a message or a field, a one-time code in a path or a `token=` value is not written in clear.
 */
import type { LogLevel } from "../config.ts";
import { isSecretParam, REDACTED, redactText } from "./redact.ts";

export interface Log {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLog(options: { level: LogLevel; json: boolean; write?: (line: string) => void }): Log {
  const write = options.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const emit = (level: LogLevel, rawMsg: string, rawFields: Record<string, unknown> = {}) => {
    if (ORDER[level] < ORDER[options.level]) return;
    const time = new Date().toISOString();
    const msg = redactText(rawMsg);
    const fields = redactValue(rawFields) as Record<string, unknown>;
    if (options.json) {
      write(JSON.stringify({ time, level, msg, ...fields }));
    } else {
      const extra = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`)
        .join(" ");
      write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? " " + extra : ""}`);
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

/** Strings anywhere in a field value, redacted; other values as they are. */
function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Error) return redactText(value.stack ?? value.message);
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  // A field named like a secret (token, client_secret, code, …) is withheld whatever its value.
  for (const [k, v] of Object.entries(value)) out[k] = isSecretParam(k) ? REDACTED : redactValue(v, depth + 1);
  return out;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
