/**
 * The OpenAPI 3.1 document of the JSON API, generated from the mounted routes: every route whose
 * options carry a `detail` made by `apiOperation()` appears, with the `body`, `query`, `params` and
 * `response` schemas Elysia validates it with (src/http/schemas/).
 * - A schema with `$id` becomes `#/components/schemas/<$id>`; the same name must mean the same schema.
 * - Who may call an operation (security, `x-latchkey-access`) is the sign-in the route declares
 *   (`adminApi`, `userApi`, `sessionApi`: src/http/plugins/route-policy.ts), never written twice.
 * - Error answers are derived, not declared: 400 when the route has a body schema, 401 unless public,
 *   403 for administrator-only routes and user routes that refuse API keys (a `sessionApi` route answers a key
 *   with 401: it looks only at the session cookie), 404 when the path has an id; others
 *   (a list's 400 for an unknown sort column, a 409) are named in `apiOperation(…, { errors })`, where
 *   null drops a derived answer that does not happen (a path token that is not an id has no 404).
 * - What only the domain checks (`checkedByDomain`) is documented; Elysia's bookkeeping (the
 *   `additionalProperties: false` it adds while compiling, a file's placeholder default) is not, so the
 *   document is the same whichever routes have already served a request.
 */
import type { TSchema } from "elysia";
import { Kind } from "@sinclair/typebox";
import { policyOf, type RoutePolicy } from "./plugins/route-policy.ts";
import { ApiError, DOMAIN_RULES } from "./schemas/common.ts";

/** Who may call an operation: an administrator, any signed-in user (key or session), a browser session only, anyone. */
export type Access = "admin" | "user" | "session" | "public";

const ACCESS = "x-latchkey-access";

/** What a route documents about itself; who may call it is read from its declared sign-in (route-policy.ts). */
export interface OperationDetail {
  summary: string;
  tags: string[];
  description?: string;
  /** Extra answers (status → why), e.g. 409; null drops a derived one (a path token that is not an id: no 404). */
  "x-latchkey-errors"?: Record<string, string | null>;
}

const SECURITY: Record<Access, Record<string, string[]>[]> = {
  admin: [{ apiKey: [] }, { session: [] }],
  user: [{ apiKey: [] }, { session: [] }],
  session: [{ session: [] }],
  public: [],
};

/** The extra answer of a sortable list (src/admin/pagination.ts). */
export const LIST_ERRORS = { 400: "Unknown sort column or direction (the message names the accepted ones)" };

const ADMIN_DESCRIPTION = "Requires an administrator (API key of an admin user, STATIC_API_KEY, or an admin browser session with X-CSRF-Token).";

/** The `detail` of a documented route: what it does. Who may call it is its declared sign-in (accessOf). */
export function apiOperation(tag: string, summary: string, more: { description?: string; errors?: Record<string, string | null> } = {}): OperationDetail {
  return {
    summary,
    tags: [tag],
    ...(more.description ? { description: more.description } : {}),
    ...(more.errors ? { "x-latchkey-errors": more.errors } : {}),
  };
}

/** Who may call a route, from the sign-in its options declare (src/http/plugins/route-policy.ts). */
function accessOf(policy: RoutePolicy): Access {
  switch (policy.auth) {
    case "admin-api":
      return "admin";
    case "user-api":
      return policy.allowApiKey === false ? "session" : "user";
    case undefined:
      return "public";
    default:
      return "session";
  }
}

/** What the generator reads of a mounted route (Elysia's `app.routes` entries). */
export interface DocumentedRoute {
  method: string;
  path: string;
  hooks?: { body?: unknown; query?: unknown; params?: unknown; response?: unknown; detail?: unknown } | null;
}

type Json = Record<string, unknown>;

const isSchema = (v: unknown): v is TSchema => typeof v === "object" && v !== null && Kind in v;
const isEmpty = (s: TSchema) => s[Kind] === "Undefined" || s[Kind] === "Void";

export function buildOpenApiDocument(routes: readonly DocumentedRoute[], info: { appUrl: string; version: string }) {
  const components: Record<string, Json> = {};
  const emit = schemaEmitter(components);
  const errorRef = emit(ApiError);
  const err = (description: string) => ({ description, content: { "application/json": { schema: errorRef } } });
  const paths: Record<string, Record<string, Json>> = {};

  for (const route of routes) {
    const detail = route.hooks?.detail as (OperationDetail & { hide?: boolean }) | undefined;
    if (!detail || detail.hide || !detail.summary) continue;
    const hooks = route.hooks!;
    const policy = policyOf(hooks);
    const access = accessOf(policy);
    const path = route.path.replace(/:(\w+)/g, "{$1}");
    const pathNames = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const paramSchemas = (isSchema(hooks.params) ? (hooks.params as { properties?: Record<string, TSchema> }).properties : undefined) ?? {};

    const parameters: Json[] = pathNames.map((name) => ({ name, in: "path", required: true, schema: paramSchemas[name] ? emit(paramSchemas[name]) : { type: "string" } }));
    if (isSchema(hooks.query)) {
      const q = hooks.query as TSchema & { properties?: Record<string, TSchema>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        const { description, deprecated, ...rest } = emit(schema) as Json;
        parameters.push({
          name,
          in: "query",
          required: (q.required ?? []).includes(name),
          ...(description ? { description } : {}),
          ...(deprecated ? { deprecated: true } : {}),
          schema: rest,
        });
      }
    }

    let requestBody: Json | undefined;
    if (isSchema(hooks.body)) {
      const { schema, optional } = unwrapOptionalBody(hooks.body);
      const type = hasFile(schema) ? "multipart/form-data" : "application/json";
      requestBody = { required: !optional, content: { [type]: { schema: emit(schema) } } };
    }

    const responses: Record<string, Json> = {};
    for (const [status, schema] of responseSchemas(hooks.response)) {
      responses[status] = isEmpty(schema) ? { description: schema.description ?? "Done" } : { description: status === "201" ? "Created" : "OK", content: { "application/json": { schema: emit(schema) } } };
    }
    if (Object.keys(responses).length === 0) responses["200"] = { description: "OK" };
    if (requestBody) responses["400"] = err("Validation failed (field messages in `fields`)");
    if (access !== "public") responses["401"] = err(policy.auth === "session-api" ? "No browser session (an API key does not count here)" : "No or invalid credentials (unknown or expired API key)");
    if (access === "admin") responses["403"] = err("Not an administrator");
    if (access === "session" && policy.auth === "user-api") responses["403"] = err("API keys are refused here: sign in with a browser");
    if (pathNames.length) responses["404"] = err("Unknown id");
    for (const [status, why] of Object.entries(detail["x-latchkey-errors"] ?? {})) {
      if (why === null) delete responses[status];
      else responses[status] = err(why);
    }

    const { "x-latchkey-errors": _errors, hide: _hide, ...described } = detail;
    const operation = {
      ...described,
      ...(!described.description && access === "admin" ? { description: ADMIN_DESCRIPTION } : {}),
      security: SECURITY[access],
      [ACCESS]: access,
    };
    (paths[path] ??= {})[route.method.toLowerCase()] = { ...operation, parameters, ...(requestBody ? { requestBody } : {}), responses };
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "Latchkey admin API",
      version: info.version,
      description: "Pocket ID-compatible administration API. Authenticate with the X-API-Key header (create keys under Administration → API keys, or set STATIC_API_KEY).",
    },
    servers: [{ url: info.appUrl }],
    components: {
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        session: { type: "apiKey", in: "cookie", name: "latchkey_session", description: "Browser session; unsafe methods also need the X-CSRF-Token header." },
      },
      schemas: components,
    },
    paths,
  };
}

/** A body that may be omitted is declared as `schema | null | undefined` (OptionalBody). */
function unwrapOptionalBody(body: TSchema): { schema: TSchema; optional: boolean } {
  const anyOf = (body as { anyOf?: TSchema[] }).anyOf;
  if (Array.isArray(anyOf)) {
    const rest = anyOf.filter((s) => !isEmpty(s) && s[Kind] !== "Null");
    if (rest.length === 1 && rest.length < anyOf.length) return { schema: rest[0]!, optional: true };
  }
  return { schema: body, optional: false };
}

function hasFile(schema: TSchema): boolean {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  return Object.values(properties).some((p) => p[Kind] === "File" || p[Kind] === "Files");
}

/** Elysia keeps `response` as one schema (status 200) or a map of status → schema. */
function responseSchemas(response: unknown): [string, TSchema][] {
  if (isSchema(response)) return [["200", response]];
  if (typeof response !== "object" || response === null) return [];
  return Object.entries(response).filter((e): e is [string, TSchema] => isSchema(e[1]));
}

/** JSON Schema of a TypeBox schema, with named schemas ($id) moved to `components`. */
function schemaEmitter(components: Record<string, Json>) {
  const emitted = new Map<string, string>();
  const emit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(emit);
    if (typeof node !== "object" || node === null) return node;
    const source = node as Json;
    const id = typeof source.$id === "string" && isSchema(source) ? source.$id : null;
    const schema = isSchema(source);
    const out: Json = {};
    for (const [key, value] of Object.entries(source)) {
      if (schema) {
        // Our own annotations (field messages, rules only the domain checks) are not JSON Schema.
        if (key === "$id" || key === "error" || key === "errorField" || key === DOMAIN_RULES) continue;
        // Added by Elysia when it compiles the route (normalize): extra properties are dropped, not refused.
        if (key === "additionalProperties" && value === false) continue;
        if (key === "default" && value === "File" && source.format === "binary") continue;
      }
      if (key === "anyOf" && Array.isArray(value)) {
        out.anyOf = value.filter((s) => !(isSchema(s) && isEmpty(s))).map(emit);
        continue;
      }
      out[key] = emit(value);
    }
    if (schema && typeof source[DOMAIN_RULES] === "object") Object.assign(out, source[DOMAIN_RULES]);
    if (id === null) return out;
    const text = JSON.stringify(out);
    const seen = emitted.get(id);
    if (seen === undefined) {
      emitted.set(id, text);
      components[id] = out;
    } else if (seen !== text) {
      throw new Error(`Two different schemas are named ${id}`);
    }
    return { $ref: `#/components/schemas/${id}` };
  };
  return (schema: TSchema) => emit(schema) as Json;
}
