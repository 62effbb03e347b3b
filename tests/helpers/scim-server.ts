/**
 * A small SCIM 2.0 service provider (RFC 7643/7644) on loopback, for the SCIM provisioning tests:
 * /Users and /Groups with POST, GET (one, or a list with `filter=<attr> eq "<value>"` on userName, displayName or
 * externalId), PUT (replace), PATCH (replace/add/remove by simple path, or a value object), DELETE; the Bearer
 * token is checked on every request (401 with a SCIM error otherwise); userName is unique, case-insensitively
 * (409 uniqueness). Tests can queue failures (`failNext`: answered before anything else), refuse DELETE (405),
 * and read every request and the stored resources.
 */
import { afterAll, beforeAll, beforeEach } from "bun:test";
import type { Server } from "bun";

/** The token the server accepts until a test changes it. */
export const SCIM_TEST_TOKEN = "scim-test-token-0123456789";

export type ScimResource = Record<string, unknown> & { id: string };

export interface ScimRequestLog {
  method: string;
  path: string;
  authorization: string | null;
  contentType: string | null;
  body: unknown;
}

export interface ScimTestServer {
  url: string;
  /** The base URL the provider is configured with (…/scim/v2). */
  endpoint: string;
  users: Map<string, ScimResource>;
  groups: Map<string, ScimResource>;
  requests: ScimRequestLog[];
  /** The token it accepts (change it to make the configured one wrong). */
  token: string;
  /** Answers to give before handling anything, in order (e.g. [503, 503]); a number is a status, a function a Response. */
  failNext: (number | (() => Response))[];
  /** Refuse DELETE with 405 (servers that only deactivate). */
  refuseDelete: boolean;
  /** Answer each request this many milliseconds late (a slow server, so syncs overlap). */
  delayMs: number;
  userByName(userName: string): ScimResource | undefined;
  groupByName(displayName: string): ScimResource | undefined;
  stop(): Promise<void>;
}

const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";

const scim = (status: number, body: unknown) => new Response(body === null ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/scim+json" } });
const scimError = (status: number, detail: string, scimType?: string) => scim(status, { schemas: [ERROR_SCHEMA], status: String(status), detail, ...(scimType ? { scimType } : {}) });

export async function startScimServer(opts: { token?: string } = {}): Promise<ScimTestServer> {
  let seq = 0;
  const state = {
    users: new Map<string, ScimResource>(),
    groups: new Map<string, ScimResource>(),
    requests: [] as ScimRequestLog[],
    token: opts.token ?? SCIM_TEST_TOKEN,
    failNext: [] as (number | (() => Response))[],
    refuseDelete: false,
    delayMs: 0,
  };

  const storeOf = (type: string) => (type === "Users" ? state.users : state.groups);
  const validate = (type: string, body: any, selfId: string | null): Response | null => {
    if (!body || typeof body !== "object") return scimError(400, "The body must be a JSON object", "invalidSyntax");
    if (!Array.isArray(body.schemas) || !body.schemas.includes(type === "Users" ? USER_SCHEMA : GROUP_SCHEMA)) return scimError(400, "schemas lacks the core schema", "invalidValue");
    if (type === "Users") {
      if (typeof body.userName !== "string" || !body.userName) return scimError(400, "userName is required", "invalidValue");
      for (const u of state.users.values()) {
        if (u.id !== selfId && String(u.userName).toLowerCase() === body.userName.toLowerCase()) return scimError(409, `userName ${body.userName} is taken`, "uniqueness");
      }
    } else {
      if (typeof body.displayName !== "string" || !body.displayName) return scimError(400, "displayName is required", "invalidValue");
      for (const m of body.members ?? []) if (!state.users.has(m.value)) return scimError(400, `member ${m.value} is not a user here`, "invalidValue");
    }
    return null;
  };
  const withMeta = (type: string, id: string, body: Record<string, unknown>): ScimResource => ({
    ...body,
    id,
    meta: { resourceType: type === "Users" ? "User" : "Group", location: `/scim/v2/${type}/${id}` },
  });

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = await request.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    state.requests.push({
      method: request.method,
      path: url.pathname + url.search,
      authorization: request.headers.get("authorization"),
      contentType: request.headers.get("content-type"),
      body,
    });
    if (state.delayMs > 0) await Bun.sleep(state.delayMs);
    const failure = state.failNext.shift();
    if (failure !== undefined) return typeof failure === "number" ? scimError(failure, `injected ${failure}`) : failure();
    if (request.headers.get("authorization") !== `Bearer ${state.token}`) return scimError(401, "Bearer token missing or invalid");
    const m = /^\/scim\/v2\/(Users|Groups)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return scimError(404, "No such endpoint");
    const type = m[1]!;
    const id = m[2] === undefined ? null : decodeURIComponent(m[2]);
    const store = storeOf(type);
    const b = body as any;

    if (id === null) {
      if (request.method === "GET") {
        let all = [...store.values()];
        const filter = url.searchParams.get("filter");
        if (filter !== null) {
          const f = /^(userName|displayName|externalId) eq "((?:[^"\\]|\\.)*)"$/.exec(filter);
          if (!f) return scimError(400, `Unsupported filter ${filter}`, "invalidFilter");
          const value = JSON.parse(`"${f[2]}"`) as string;
          const caseExact = f[1] === "externalId";
          all = all.filter((r) => (caseExact ? r[f[1]!] === value : String(r[f[1]!] ?? "").toLowerCase() === value.toLowerCase()));
        }
        return scim(200, { schemas: [LIST_SCHEMA], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all });
      }
      if (request.method === "POST") {
        const bad = validate(type, b, null);
        if (bad) return bad;
        const newId = `${type === "Users" ? "u" : "g"}-${++seq}`;
        const { id: _ignored, ...rest } = b;
        const r = withMeta(type, newId, rest);
        store.set(newId, r);
        return scim(201, r);
      }
      return scimError(405, "Method not allowed");
    }

    const current = store.get(id);
    if (!current) return scimError(404, `${type} ${id} not found`);
    switch (request.method) {
      case "GET":
        return scim(200, current);
      case "PUT": {
        const bad = validate(type, b, id);
        if (bad) return bad;
        const { id: _ignored, meta: _meta, ...rest } = b;
        const r = withMeta(type, id, rest);
        store.set(id, r);
        return scim(200, r);
      }
      case "PATCH": {
        if (!b || !Array.isArray(b.Operations)) return scimError(400, "Operations required", "invalidSyntax");
        const next: Record<string, unknown> = { ...current };
        for (const op of b.Operations) {
          const kind = String(op.op).toLowerCase();
          if (op.path === undefined && kind !== "remove" && op.value && typeof op.value === "object") Object.assign(next, op.value);
          else if (kind === "remove") delete next[op.path];
          else next[op.path] = op.value;
        }
        store.set(id, next as ScimResource);
        return scim(200, next);
      }
      case "DELETE":
        if (state.refuseDelete) return scimError(405, "Deleting is not supported: deactivate instead");
        store.delete(id);
        if (type === "Users") {
          for (const g of state.groups.values()) g.members = ((g.members as { value: string }[]) ?? []).filter((mm) => mm.value !== id);
        }
        return new Response(null, { status: 204 });
      default:
        return scimError(405, "Method not allowed");
    }
  };

  const server: Server<undefined> = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handle });
  const url = `http://127.0.0.1:${server.port}`;
  return Object.assign(state, {
    url,
    endpoint: `${url}/scim/v2`,
    userByName: (userName: string) => [...state.users.values()].find((u) => String(u.userName).toLowerCase() === userName.toLowerCase()),
    groupByName: (displayName: string) => [...state.groups.values()].find((g) => g.displayName === displayName),
    stop: async () => {
      await server.stop(true);
    },
  });
}

/** One server for the file, started before its tests, emptied and given back its token and manners before each. */
export function scimServerForFile(assign: (server: ScimTestServer) => void): void {
  let server: ScimTestServer;
  beforeAll(async () => {
    server = await startScimServer();
    assign(server);
  });
  beforeEach(() => {
    server.users.clear();
    server.groups.clear();
    server.requests.length = 0;
    server.failNext.length = 0;
    server.refuseDelete = false;
    server.delayMs = 0;
    server.token = SCIM_TEST_TOKEN;
  });
  afterAll(() => server.stop());
}
