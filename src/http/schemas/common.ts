/**
 * Building blocks of the JSON API's request and response schemas (Elysia `t`, i.e. TypeBox).
 * - A schema states the shape: which fields exist, their JSON types, and caps that protect the server
 *   (string lengths, list sizes). The domain (src/admin/validation.ts style) keeps the business rules:
 *   required fields, formats, ranges, uniqueness; it reports every field problem at once.
 * - Fields accept what the domain accepts (no tightening): `null` wherever the domain reads null as
 *   absent, numeric strings where it parses them, "true"/"false" strings where it reads form values.
 * - Required-ness stays with the domain: the route's credentials are checked in its handler, after
 *   Elysia's validation, so a schema that refused `{}` would answer 400 where an unauthenticated
 *   caller gets 401 today.
 * - Unknown properties are ignored, as the domain always did (Pocket ID clients send more than Latchkey
 *   reads): Elysia's normalize drops them before the handler. Request objects (`Input`) still declare
 *   them allowed, because TypeBox's Clean keeps keys named like Object.prototype members
 *   (constructor, toString…) and a closed object would then refuse them with a 400.
 * - Queries are plain strings, uncapped: the URL is bounded already and the list reader answers a bad
 *   sort column with its own message.
 * - A schema with `$id` becomes a named component of the OpenAPI document (src/http/openapi.ts).
 * - `checkedByDomain(schema, rules)` documents a business rule (minLength, pattern…) in the OpenAPI
 *   document without checking it here, so the domain's own message answers.
 * - `error` on a schema is the field message when a value does not match it; `errorField` names a body
 *   that is a list, for its items' field names (src/http/validation-errors.ts).
 * - Caps are generous on purpose: an over-long value of normal size gets the domain's own message,
 *   reported together with the other fields' problems; the cap only stops absurd input early.
 */
import type { TProperties } from "@sinclair/typebox";
import { t, type TSchema } from "elysia";

/** A request object: declared fields, unknown ones ignored (see above). */
export const Input = <T extends TProperties>(properties: T, options: Record<string, unknown> = {}) => t.Object(properties, { additionalProperties: true, ...options });

/** Single-line text: names, usernames, ids, emails. */
export const SHORT_TEXT = 1_000;
/** Multi-line text, URLs, JSON pasted into a field. */
export const LONG_TEXT = 65_536;
/** Lists of ids, URLs, hosts. */
export const MAX_LIST = 1_000;

export const ShortText = (options: Record<string, unknown> = {}) => t.String({ maxLength: SHORT_TEXT, ...options });
export const LongText = (options: Record<string, unknown> = {}) => t.String({ maxLength: LONG_TEXT, ...options });
export const Nullable = <T extends TSchema>(schema: T, options: Record<string, unknown> = {}) => t.Union([schema, t.Null()], options);
/** An optional field the domain also reads as absent when it is null. */
export const Maybe = <T extends TSchema>(schema: T, options: Record<string, unknown> = {}) => t.Optional(Nullable(schema, options));

/** Where the OpenAPI document keeps rules that only the domain checks (src/http/openapi.ts merges them in). */
export const DOMAIN_RULES = "x-checked-by-domain";

/** Documents `rules` (JSON Schema keywords) on `schema` without validating them here: the domain does, with its own messages. */
export function checkedByDomain<T extends TSchema>(schema: T, rules: Record<string, unknown>): T {
  return { ...schema, [DOMAIN_RULES]: rules };
}

/** A list of ids (group ids, user ids, client ids). */
export const IdList = (options: Record<string, unknown> = {}) => t.Array(ShortText(), { maxItems: MAX_LIST, ...options });

/** A JSON boolean, or the form values src/admin/validation.ts `bool()` reads (null: the default). */
export const BoolLike = (options: Record<string, unknown> = {}) =>
  t.Union([t.Boolean(), checkedByDomain(t.String({ maxLength: 100 }), { enum: ["true", "false", "on", "off", "1", "0", ""] }), t.Null()], {
    error: "must be true or false",
    ...options,
  });

/** A whole number, or its decimal string (src/admin/validation.ts `int()`); the domain checks the range. Null: the default. */
export const IntLike = (options: Record<string, unknown> = {}) => t.Union([t.Number(), t.String({ maxLength: 32 }), t.Null()], { error: "must be a whole number", ...options });

/** A point in time: Unix seconds, RFC 3339, or an HTML date (src/admin/validation.ts `timestamp()`). Null: none. */
export const Timestamp = (options: Record<string, unknown> = {}) =>
  t.Union([t.String({ maxLength: 64, description: "RFC 3339, or an HTML date / datetime-local value (UTC)" }), t.Number({ description: "Unix seconds" }), t.Null()], {
    error: "must be a date",
    ...options,
  });

/** A duration: seconds, or a Go-style string such as 15m, 1h30m, 7d (src/admin/validation.ts `duration()`). Null: the default. */
export const Duration = (options: Record<string, unknown> = {}) =>
  t.Union([t.String({ maxLength: 64, examples: ["15m", "1h", "7d"] }), t.Number(), t.Null()], { error: "must be a duration such as 15m, 1h or 7d (or seconds)", ...options });

/** A body that may be omitted (or null): every field has a default. */
export const OptionalBody = <T extends TSchema>(schema: T) => t.Union([schema, t.Null(), t.Undefined()]);

/** RFC 3339 time as the API answers it (null when unset). */
export const IsoTime = t.String({ format: "date-time" });

/**
 * Pocket ID's list query: `?pagination[page]=1&pagination[limit]=20&sort[column]=name&sort[direction]=asc&search=…`
 * (src/admin/pagination.ts). Query values are strings; the list reader clamps numbers and answers an
 * unknown column or direction with its own 400, so nothing is refused here.
 */
export const ListQuery = Input({
  "pagination[page]": t.Optional(t.String({ description: "Page number, from 1" })),
  "pagination[limit]": t.Optional(t.String({ description: "Items per page, 1–100 (default 20)" })),
  "sort[column]": t.Optional(t.String({ description: "A column of this list (an unknown one is a 400 naming them)" })),
  "sort[direction]": t.Optional(t.String({ description: "asc or desc" })),
  search: t.Optional(t.String()),
  // Older spellings the list reader still takes.
  page: t.Optional(t.String({ deprecated: true })),
  limit: t.Optional(t.String({ deprecated: true })),
  sort: t.Optional(t.String({ deprecated: true })),
  direction: t.Optional(t.String({ deprecated: true })),
  q: t.Optional(t.String({ deprecated: true })),
});

/** `?light=false` picks the dark variant of an image. */
export const LightQuery = Input({ light: t.Optional(t.String({ description: "false for the dark variant" })) });

export const Pagination = t.Object(
  { totalPages: t.Integer(), totalItems: t.Integer(), currentPage: t.Integer(), itemsPerPage: t.Integer() },
  { $id: "Pagination" },
);

/** Pocket ID's page: `{data: [...], pagination}`. */
export const Paginated = <T extends TSchema>(item: T) => t.Object({ data: t.Array(item), pagination: Pagination });

/** Every error of the JSON API (src/http/plugins/errors.ts). */
export const ApiError = t.Object(
  {
    error: t.String({ examples: ["bad_request", "unauthenticated", "forbidden", "not_found"] }),
    message: t.String(),
    fields: t.Optional(t.Record(t.String(), t.String(), { description: "Field-level messages (validation errors, status 400)" })),
    requestId: t.Optional(t.String()),
  },
  { $id: "Error" },
);

/** 204: no body. */
export const NoContent = t.Undefined({ description: "Done" });

/** An upload: multipart/form-data with the file in the field `file` (PNG/JPEG/GIF/WebP, at most 2 MB, checked by content). */
export const Upload = Input({ file: t.Optional(t.File({ description: "The image (at most 2 MB)" })) });

export const CustomClaim = Input(
  { key: ShortText(), value: t.Union([LongText(), t.Number(), t.Boolean()], { error: "must be {key, value} with a string value" }) },
  { $id: "CustomClaim" },
);
/** The complete list of a user's or group's claims; its errors are named as the domain names them (customClaims[0].key). */
export const CustomClaimList = t.Array(CustomClaim, { maxItems: MAX_LIST, error: "must be a list of {key, value}", errorField: "customClaims" });

export const GroupBrief = t.Object({ id: t.String(), name: t.String(), friendlyName: t.String() });
