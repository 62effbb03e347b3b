/**
 * Elysia's VALIDATION error (a request that does not match its route's `t` schema) as the API's own
 * validation answer: 400 `bad_request`, "Please correct the highlighted fields.", and `fields` naming
 * each field in the domain's style (`customClaims[0].key`, "must be a string"), exactly as a
 * FieldErrors failure from src/admin/validation.ts reaches the wire through `asApiError`.
 * - Never Elysia's own message (a JSON dump of the schema and the value) and never the value itself.
 * - One message per field, the first problem found; at most MAX_FIELDS fields.
 * - A body that is not an object (or not a list) at all: "Send a JSON object." with `fields.body`.
 * - A union (string or null, number or string…) is reported through the one alternative of the
 *   value's JSON type when there is exactly one, so an over-long string says so.
 * - A response that does not match its schema is our bug: a 500 (logged), never a 400.
 */
import { Kind, type TSchema } from "@sinclair/typebox";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { AppError } from "../errors.ts";

const MAX_FIELDS = 20;
const SUMMARY = "Please correct the highlighted fields.";
/** A body of the wrong kind altogether (not an object, not a list), as opposed to one that is too long. */
const WRONG_TYPE = new Set<ValueErrorType>([ValueErrorType.Object, ValueErrorType.Array, ValueErrorType.Union]);

interface ElysiaValidationError {
  type?: string;
  all?: ValueError[];
  validator?: { schema?: { errorField?: unknown } };
}

/** The AppError for a failed schema check, or null when the failure is not the request's fault. */
export function validationAppError(error: unknown): AppError | null {
  const e = error as ElysiaValidationError;
  if (e.type === "response") return null;
  const fields: Record<string, string> = {};
  let root: string | null = null;
  // A body that is a list names its items after the field the domain uses (customClaims[0].key).
  const rootField = typeof e.validator?.schema?.errorField === "string" ? e.validator.schema.errorField : e.type === "body" || !e.type ? "body" : e.type;
  for (const found of Array.isArray(e.all) ? e.all : []) {
    for (const leaf of leafErrors(found)) {
      const field = fieldName(leaf.path, rootField);
      if (Object.hasOwn(fields, field)) continue;
      fields[field] = fieldMessage(leaf);
      if (leaf.path === "" && e.type === "body" && WRONG_TYPE.has(leaf.type)) root = describe(leaf.schema);
      if (Object.keys(fields).length >= MAX_FIELDS) break;
    }
    if (Object.keys(fields).length >= MAX_FIELDS) break;
  }
  if (Object.keys(fields).length === 0) fields[rootField] = "is not valid";
  const message = root === "an object" ? "Send a JSON object." : root?.startsWith("a list") ? "Send a JSON list." : SUMMARY;
  return new AppError("bad_request", message, fields);
}

/** A union error stands for its one alternative of the value's JSON type, when there is exactly one. */
function* leafErrors(error: ValueError): Generator<ValueError> {
  if (error.type === ValueErrorType.Union) {
    const variants = ((error.schema as { anyOf?: TSchema[] }).anyOf ?? []) as TSchema[];
    const matching = variants.flatMap((v, i) => (jsonTypeOf(v) === jsonTypeOfValue(error.value) && !("const" in v) ? [i] : []));
    if (matching.length === 1) {
      const inner = [...(error.errors[matching[0]!] ?? [])];
      if (inner.length) {
        for (const e of inner) yield* leafErrors(e);
        return;
      }
    }
  }
  yield error;
}

function hasOwnError(schema: unknown): boolean {
  return typeof (schema as { error?: unknown }).error === "string";
}

function jsonTypeOf(schema: TSchema): string {
  if (schema[Kind] === "File" || schema[Kind] === "Files") return "file";
  const type = (schema as { type?: unknown }).type;
  return type === "integer" ? "number" : typeof type === "string" ? type : "unknown";
}

function jsonTypeOfValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof Blob) return "file";
  return typeof value === "bigint" ? "number" : typeof value;
}

/** JSON pointer → the domain's field names: "/customClaims/0/key" → "customClaims[0].key"; "" → the root's name. */
function fieldName(path: string, root: string): string {
  if (path === "") return root;
  let out = "";
  for (const raw of path.slice(1).split("/")) {
    const part = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    out += /^\d+$/.test(part) ? `${out === "" ? root : ""}[${part}]` : out === "" ? part : `.${part}`;
  }
  return out;
}

function fieldMessage(error: ValueError): string {
  const s = error.schema as Record<string, unknown>;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return "is required";
    case ValueErrorType.ObjectAdditionalProperties:
      return "is not allowed";
    case ValueErrorType.StringMaxLength:
      return `must be at most ${s.maxLength} characters`;
    case ValueErrorType.StringMinLength:
      return `must be at least ${s.minLength} characters`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${s.maxItems} items`;
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${s.minItems} items`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `must be at most ${s.maximum}`;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `must be at least ${s.minimum}`;
  }
  if (hasOwnError(s)) return s.error as string;
  if (error.type === ValueErrorType.StringPattern || error.type === ValueErrorType.StringFormat) return "is not in the expected format";
  return `must be ${describe(error.schema)}`;
}

/** "a string", "true or false", "a list of strings", "a string or a number"… */
function describe(schema: TSchema): string {
  if (hasOwnError(schema)) return String((schema as { error: string }).error).replace(/^must be /, "");
  const s = schema as Record<string, unknown> & TSchema;
  if ("const" in s) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) {
    const members = (s.anyOf as TSchema[]).filter((m) => (m as { type?: unknown }).type !== "null" && m[Kind] !== "Undefined");
    if (members.length > 0 && members.every((m) => "const" in m)) return `one of: ${members.map((m) => String((m as unknown as { const: unknown }).const)).join(", ")}`;
    return [...new Set(members.map(describe))].join(" or ");
  }
  if (s[Kind] === "File" || s[Kind] === "Files") return "a file";
  switch (s.type) {
    case "string":
      return "a string";
    case "boolean":
      return "true or false";
    case "integer":
      return "a whole number";
    case "number":
      return "a number";
    case "array": {
      const items = s.items as TSchema | undefined;
      return items && (items as { type?: unknown }).type === "string" ? "a list of strings" : "a list";
    }
    case "object":
      return "an object";
    case "null":
      return "null";
  }
  return "valid";
}
