/**
 * Bad input never breaks it: property-based fuzzing of every mounted route through app.handle.
 *
 * - Routes come from the app itself (app.routes), so a new route is fuzzed without editing this file.
 * - Each case picks a route, fills its path parameters, and sends random and boundary values as a
 *   signed-in admin (session cookie + CSRF, or API key), a member, or nobody: JSON (random, deeply
 *   nested, duplicate keys), forms with duplicate parameters, multipart, invalid UTF-8, wrong content
 *   types, malformed JWTs and Basic credentials, base64url edge cases, WebAuthn-shaped payloads with CBOR junk.
 * - Every answer must be < 500 and arrive within REQUEST_TIMEOUT_MS; oversized bodies must get 413.
 * - Fixed seed and bounded runs in CI; the longer run is `FUZZ_RUNS=20000 bun test tests/fuzz`
 *   (FUZZ_SEED=<n> picks another seed; a failure prints the seed and path to replay it).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import fc from "fast-check";
import { createSession } from "../../src/account/sessions.ts";
import { mintApiKey } from "../../src/admin/api-keys.ts";
import { createUser } from "../../src/admin/users.ts";
import type { App } from "../../src/app.ts";
import { cookieName } from "../../src/http/cookies.ts";
import { DEFAULT_BODY_LIMIT } from "../../src/http/plugins/request-limits.ts";
import { SESSION_COOKIE } from "../../src/http/request-context.ts";
import { nowSeconds } from "../../src/lib/clock.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { insertTestGroup, insertTestUser } from "../helpers/oidc-fixtures.ts";
import { makeTestApp, type TestDeps } from "../helpers/test-deps.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const REQUEST_TIMEOUT_MS = 5_000;

let app: App;
let deps: TestDeps;
let counter = 0;

/** Ids of real rows, so fuzzed requests also reach the checks behind "not found". */
const realIds: string[] = [];

beforeAll(async () => {
  ({ app, deps } = await makeTestApp({ DISABLE_RATE_LIMITING: "true" }));
  const { client } = createClient(deps, CLI_ACTOR, { name: "Fuzz app", callbackUrls: ["https://app.example/cb"], unrestricted: true, skipConsent: true });
  const group = insertTestGroup(deps, "fuzzers");
  const user = insertTestUser(deps, { username: "fuzz-target" });
  realIds.push(client.id, group.id, user.id);
});
afterAll(() => deps.cleanup());

interface Identity {
  cookie?: string;
  csrf?: string;
  apiKey?: string;
}

/** A fresh actor per case: a fuzzed request may sign it out, disable it or delete its key. */
function makeActor(kind: "admin" | "member" | "anonymous" | "apiKey"): Identity {
  if (kind === "anonymous") return {};
  const n = ++counter;
  const user = createUser(deps, { username: `fuzz${n}`, email: `fuzz${n}@example.com`, firstName: "Fuzz", lastName: String(n), isAdmin: kind !== "member" });
  if (kind === "apiKey") return { apiKey: mintApiKey(deps, user.id, { name: `key ${n}`, expiresAt: nowSeconds(deps.clock) + 86400 }).token };
  const { token, session } = createSession(deps, { userId: user.id, amr: ["phr"], durationMinutes: 600 });
  return { cookie: `${cookieName(deps.config, SESSION_COOKIE)}=${token}`, csrf: session.csrfToken };
}

async function send(request: Request): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
  });
  try {
    const res = await Promise.race([app.handle(request, "198.51.100.9"), timeout]);
    await Promise.race([res.arrayBuffer(), timeout]);
    return res;
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- value generators

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

const base64urlEdge = fc.constantFrom("", "=", "==", "A", "AA", "AAA", "A===", "-_-_", "+/+/", "%%%", "AAAA====", "a.b", "\u00e9\u00e9", " ", "AA\nAA");
const malformedJwt = fc.oneof(
  fc.constantFrom("", ".", "..", "...", "a.b", "a.b.c", "e30.e30.", "e30.e30.e30", "eyJhbGciOiJub25lIn0.e30.", "x".repeat(9000)),
  fc.tuple(fc.jsonValue(), fc.jsonValue(), fc.uint8Array({ maxLength: 80 })).map(([h, p, s]) => `${enc(h)}.${enc(p)}.${b64u(s)}`),
  fc.record({ alg: fc.constantFrom("none", "HS256", "RS256", "ES256", "EdDSA", "PS256", "x"), kid: fc.string(), typ: fc.string() }).chain((h) =>
    fc.record({ iss: fc.string(), sub: fc.string(), aud: fc.oneof(fc.string(), fc.array(fc.string())), exp: fc.oneof(fc.integer(), fc.double(), fc.string()), iat: fc.integer(), jti: fc.string() }, { requiredKeys: [] })
      .map((p) => `${enc(h)}.${enc(p)}.${b64u(new Uint8Array(64))}`),
  ),
);
/** Bytes that look like CBOR maps, arrays, tags and truncated lengths. */
const cborJunk = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.tuple(fc.constantFrom(0xa1, 0xa3, 0xa5, 0xbf, 0x9f, 0x5a, 0x7b, 0xd8, 0xff, 0x1b, 0xfb), fc.uint8Array({ maxLength: 60 })).map(([h, t]) => Uint8Array.from([h, ...t])),
);
const boundaryNumber = fc.constantFrom(0, -1, 1, 2 ** 31, -(2 ** 31), 2 ** 53, -(2 ** 53), 1e308, -1e308, Number.MIN_VALUE, 0.5);
const weirdString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", " ", "\u0000", "\ud800", "\uffff", "../../etc/passwd", "%00", "%", "%zz", "null", "true", "[]", "{}", "<script>", "' OR 1=1 --", "a".repeat(10_000), "javascript:alert(1)", "http://", "https://evil.example/cb", "ÿ".repeat(300)),
  base64urlEdge,
  malformedJwt,
);
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: weirdString },
  { weight: 1, arbitrary: boundaryNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 1, arbitrary: fc.array(weirdString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Names the routes read, so random values reach the checks behind the first ones. */
const FIELD_NAMES = [
  "client_id", "client_secret", "grant_type", "code", "code_verifier", "redirect_uri", "refresh_token", "scope", "response_type",
  "state", "nonce", "prompt", "max_age", "id_token_hint", "post_logout_redirect_uri", "client_assertion", "client_assertion_type",
  "token", "token_type_hint", "request_uri", "request", "device_code", "user_code", "code_challenge", "code_challenge_method",
  "username", "email", "firstName", "lastName", "displayName", "isAdmin", "disabled", "locale", "name", "description",
  "callbackURLs", "logoutCallbackURLs", "isPublic", "pkceEnabled", "userGroupIds", "userIds", "friendlyName", "key", "value",
  "expiresAt", "ttl", "usageLimit", "redirect", "id", "rawId", "type", "response", "_csrf", "appName", "sessionDuration",
  "page", "limit", "sort", "search", "credentialID", "customClaims", "accentColor", "emailsVerified", "allowUserSignups",
];
const fieldName = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELD_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
const fieldsArb = fc.array(fc.tuple(fieldName, weirdValue), { maxLength: 8 });

/** A WebAuthn credential response with every part replaceable by junk. */
const webauthnPayload = fc.record({
  id: fc.oneof(base64urlEdge, fc.uint8Array({ maxLength: 64 }).map(b64u), weirdString),
  rawId: fc.oneof(base64urlEdge, fc.uint8Array({ maxLength: 64 }).map(b64u)),
  type: fc.constantFrom("public-key", "", "password", 1),
  response: fc.oneof(
    fc.record({
      clientDataJSON: fc.oneof(
        base64urlEdge,
        cborJunk.map(b64u),
        fc.record({ type: fc.constantFrom("webauthn.get", "webauthn.create", "x"), challenge: fc.oneof(base64urlEdge, fc.string()), origin: fc.constantFrom("http://localhost:1411", "https://evil.example", "") }, { requiredKeys: [] }).map(enc),
      ),
      attestationObject: fc.oneof(base64urlEdge, cborJunk.map(b64u)),
      authenticatorData: fc.oneof(base64urlEdge, cborJunk.map(b64u), fc.uint8Array({ minLength: 37, maxLength: 80 }).map(b64u)),
      signature: fc.oneof(base64urlEdge, fc.uint8Array({ maxLength: 80 }).map(b64u)),
      userHandle: fc.oneof(base64urlEdge, fc.constant(null), weirdString),
      transports: fc.oneof(fc.array(fc.string()), fc.string()),
    }, { requiredKeys: [] }),
    weirdValue,
  ),
  clientExtensionResults: fc.oneof(fc.constant({}), weirdValue),
  authenticatorAttachment: fc.constantFrom("platform", "cross-platform", "x"),
  redirect: weirdString,
  name: weirdString,
}, { requiredKeys: [] });

type BodyKind =
  | { kind: "none" }
  | { kind: "json"; value: unknown }
  | { kind: "jsonText"; text: string }
  | { kind: "form"; fields: [string, unknown][] }
  | { kind: "multipart"; fields: [string, unknown][]; file: Uint8Array | null }
  | { kind: "bytes"; bytes: Uint8Array; contentType: string };

const deepJson = fc.integer({ min: 100, max: 20_000 }).chain((depth) => fc.constantFrom(`${"[".repeat(depth)}${"]".repeat(depth)}`, `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`));
const invalidUtf8 = fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom([0xff], [0xfe, 0xff], [0xc3, 0x28], [0xe2, 0x82], [0xf0, 0x28, 0x8c, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf])).map(
  ([prefix, bad]) => Uint8Array.from([...Buffer.from(prefix), ...bad, ...Buffer.from("=x&a=%ff%fe")]),
);

const bodyArb: fc.Arbitrary<BodyKind> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 3, arbitrary: fieldsArb.map((f) => ({ kind: "json" as const, value: Object.fromEntries(f) })) },
  { weight: 2, arbitrary: webauthnPayload.map((value) => ({ kind: "json" as const, value })) },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => ({ kind: "json" as const, value })) },
  { weight: 1, arbitrary: deepJson.map((text) => ({ kind: "jsonText" as const, text })) },
  { weight: 1, arbitrary: fc.constantFrom("{", "{\"a\":1,\"a\":2}", "[1,2,", "\"\\ud800\"", "1e99999", "{\"__proto__\":{\"isAdmin\":true}}", "nul").map((text) => ({ kind: "jsonText" as const, text })) },
  { weight: 4, arbitrary: fieldsArb.map((fields) => ({ kind: "form" as const, fields })) },
  { weight: 1, arbitrary: fc.tuple(fieldsArb, fc.option(cborJunk)).map(([fields, file]) => ({ kind: "multipart" as const, fields, file })) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.oneof(invalidUtf8, cborJunk, fc.uint8Array({ maxLength: 300 })), fc.constantFrom("application/json", "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=x", "text/plain", "application/octet-stream", "application/cbor", "image/png", "", "application/json; charset=utf-16", "application/jwt", "*/*;;"))
      .map(([bytes, contentType]) => ({ kind: "bytes" as const, bytes, contentType })),
  },
);

/** encodeURIComponent that turns lone surrogates into the invalid UTF-8 a raw client could send. */
const pct = (v: string) => {
  try {
    return encodeURIComponent(v);
  } catch {
    return `${encodeURIComponent(v.toWellFormed())}%ED%A0%80`;
  }
};
const scalar = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v) ?? "");

/** Path parameter values: random text, traversal, bad percent-encoding, real-looking ids. */
const paramValue = fc.oneof(
  fc.string({ maxLength: 30 }).map(pct),
  fc.constantFrom("me", "0", "-1", "..", "%2e%2e", "%", "%ff", "%c3%28", "a%00b", "x".repeat(3000), "00000000-0000-0000-0000-000000000000", "favicon", "logo", "background", "logo-dark"),
  fc.uuid(),
  fc.nat().map((i) => realIds[i % Math.max(1, realIds.length)] ?? "x"),
);
const queryArb = fc.array(fc.tuple(fieldName, weirdString), { maxLength: 6 }).map((pairs) => {
  // Duplicate parameters on purpose: the first pair repeats.
  const all = pairs.length ? [...pairs, pairs[0]!] : pairs;
  return all.map(([k, v]) => `${pct(k)}=${pct(v).replace(/%25/g, "%")}`).join("&");
});
const headerArb = fc.record({
  authorization: fc.option(fc.oneof(malformedJwt.map((t) => `Bearer ${t}`), base64urlEdge.map((b) => `Basic ${b}`), fc.string().map((s) => `Basic ${Buffer.from(s).toString("base64")}`), weirdString.map((s) => s.replace(/[\r\n\0]/g, ""))), { nil: undefined }),
  accept: fc.constantFrom("application/json", "text/html", "*/*", ""),
  htmx: fc.boolean(),
  wrongCsrf: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  forwardedFor: fc.option(fc.constantFrom("1.2.3.4", "::1", "garbage", "1.1.1.1, 2.2.2.2", ""), { nil: undefined }),
});

type HeaderValues = typeof headerArb extends fc.Arbitrary<infer T> ? T : never;

interface RouteSpec {
  method: string;
  path: string;
}

function buildRequest(route: RouteSpec, params: string[], query: string, body: BodyKind, who: Identity, h: HeaderValues): Request {
  let i = 0;
  const path = route.path.replace(/:[A-Za-z_]+\??|\*/g, () => params[i++ % Math.max(params.length, 1)] ?? "x");
  const method = route.method === "ALL" ? "POST" : route.method;
  const headers = new Headers();
  if (h.accept) headers.set("accept", h.accept);
  if (h.htmx) headers.set("hx-request", "true");
  // Header values are bytes on the wire: keep what a client could send (Latin-1 without controls).
  const wire = (v: string) => v.replace(/[^\x20-\x7e\x80-\xff\t]/g, "");
  if (h.authorization) headers.set("authorization", wire(h.authorization));
  if (h.forwardedFor !== undefined) headers.set("x-forwarded-for", h.forwardedFor);
  if (who.cookie) headers.set("cookie", who.cookie);
  if (who.csrf && method !== "GET") headers.set("x-csrf-token", h.wrongCsrf ? "wrong" : who.csrf);
  if (who.apiKey) headers.set("x-api-key", who.apiKey);
  let payload: BodyInit | undefined;
  if (method !== "GET" && method !== "HEAD") {
    switch (body.kind) {
      case "none":
        break;
      case "json":
        headers.set("content-type", "application/json");
        payload = JSON.stringify(body.value) ?? "null";
        break;
      case "jsonText":
        headers.set("content-type", "application/json");
        payload = body.text;
        break;
      case "form": {
        headers.set("content-type", "application/x-www-form-urlencoded");
        payload = body.fields.map(([k, v]) => `${pct(k)}=${pct(scalar(v))}`).join("&");
        break;
      }
      case "multipart": {
        const fd = new FormData();
        for (const [k, v] of body.fields) fd.append(k, scalar(v));
        if (body.file) fd.append("file", new Blob([Buffer.from(body.file)], { type: "image/png" }), "x.png");
        payload = fd;
        break;
      }
      case "bytes":
        if (body.contentType) headers.set("content-type", body.contentType);
        payload = Buffer.from(body.bytes);
        break;
    }
  }
  return new Request(`${deps.config.appUrl}${path}${query ? `?${query}` : ""}`, { method, headers, body: payload, redirect: "manual" });
}

describe("fuzz: every route answers bad input with a clear 4xx", () => {
  test(`random requests (seed ${SEED}, ${RUNS} runs)`, async () => {
    const routes = app.routes.filter((r) => r.method !== "OPTIONS");
    expect(routes.length).toBeGreaterThan(50);
    const failures: string[] = [];
    const stats = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(paramValue, { minLength: 1, maxLength: 3 }),
        queryArb,
        bodyArb,
        fc.constantFrom("admin", "member", "anonymous", "apiKey") as fc.Arbitrary<"admin" | "member" | "anonymous" | "apiKey">,
        headerArb,
        async (route, params, query, body, who, headers) => {
          const request = buildRequest(route, params, query, body, makeActor(who), headers);
          const desc = `${request.method} ${request.url.slice(0, 200)} as ${who}, body ${body.kind}`;
          let res: Response;
          try {
            res = await send(request);
          } catch (e) {
            failures.push(`${desc}: ${(e as Error).message}`);
            throw e;
          }
          if (process.env.FUZZ_STATS) stats.set(`${res.status}`, (stats.get(`${res.status}`) ?? 0) + 1);
          if (res.status >= 500) {
            failures.push(`${desc}: ${res.status}`);
            throw new Error(`${desc} answered ${res.status}`);
          }
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    if (process.env.FUZZ_STATS) console.log(Object.fromEntries([...stats].sort()));
    expect(failures).toEqual([]);
  }, 120_000);

  test("WebAuthn ceremonies: malformed responses after a real start", async () => {
    const ceremonies = ["login", "register", "reauthenticate"];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ceremonies), webauthnPayload, async (ceremony, payload) => {
        const who = makeActor("admin");
        const headers = { cookie: who.cookie!, "x-csrf-token": who.csrf!, "content-type": "application/json", accept: "application/json" };
        const start = await send(new Request(`${deps.config.appUrl}/api/webauthn/${ceremony}/start`, { method: "POST", headers, body: "{}" }));
        expect(start.status).toBe(200);
        const ceremonyCookie = start.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
        const res = await send(new Request(`${deps.config.appUrl}/api/webauthn/${ceremony}/finish`, {
          method: "POST",
          headers: { ...headers, cookie: `${who.cookie}; ${ceremonyCookie}` },
          body: JSON.stringify(payload),
        }));
        if (res.status >= 500 || res.status < 400) throw new Error(`${ceremony}/finish answered ${res.status} to ${JSON.stringify(payload).slice(0, 300)}`);
      }),
      { seed: SEED, numRuns: Math.max(100, Math.floor(RUNS / 5)) },
    );
  }, 60_000);

  test("oversized bodies get 413, declared or streamed, on every route that takes one", async () => {
    const big = new Uint8Array(DEFAULT_BODY_LIMIT + 1).fill(0x61);
    const who = makeActor("admin");
    const bodyRoutes = app.routes.filter((r) => ["POST", "PUT", "PATCH", "DELETE"].includes(r.method) && !/picture|logo|images/.test(r.path));
    expect(bodyRoutes.length).toBeGreaterThan(20);
    for (const route of bodyRoutes) {
      const path = route.path.replace(/:[A-Za-z_]+|\*/g, "x");
      const headers = { cookie: who.cookie!, "x-csrf-token": who.csrf!, "content-type": "application/json" };
      const declared = await send(new Request(deps.config.appUrl + path, { method: route.method, headers: { ...headers, "content-length": String(big.length) }, body: big }));
      expect([route.path, declared.status]).toEqual([route.path, 413]);
      const streamed = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < 5; i++) c.enqueue(big.subarray(0, 300 * 1024));
          c.close();
        },
      });
      const chunked = await send(new Request(deps.config.appUrl + path, { method: route.method, headers, body: streamed }));
      expect([route.path, chunked.status]).toEqual([route.path, 413]);
    }
    // Uploads have a larger cap (a 2 MiB picture plus multipart overhead) but still one.
    const upload = await send(new Request(deps.config.appUrl + "/api/users/me/profile-picture", { method: "PUT", headers: { cookie: who.cookie!, "x-csrf-token": who.csrf!, "content-length": String(4 * 1024 * 1024) }, body: new Uint8Array(4 * 1024 * 1024) }));
    expect(upload.status).toBe(413);
    expect(((await app.handle(new Request(deps.config.appUrl + "/api/users", { method: "POST", headers: { "x-api-key": "x", "content-type": "application/json", "content-length": "abc" }, body: "{}" }))).status)).toBe(400);
  }, 60_000);

  test("found by the fuzzer: undecodable path parameters answer 400 (Elysia passed them on as null)", async () => {
    for (const path of ["/lc/%ff", "/api/users/%c3%28", "/api/oidc/clients/%E0%A4%A/meta"]) {
      const res = await send(new Request(deps.config.appUrl + path, { headers: { accept: "application/json" } }));
      expect([path, res.status]).toEqual([path, 400]);
    }
  });

  test("prototype names in every parameter of every route answer below 500 (issue 17, finding 7)", async () => {
    // A request string used as a key into an object literal finds Object.prototype's members.
    const names = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "__defineGetter__", "prototype"];
    const listParams = ["sort[column]", "sort[direction]", "filters[event]", "filters[userId]", "filters[clientName]", "filters[ipAddress]", "pagination[page]", "pagination[limit]", "light", "event", "user", "client", "ip", "from", "to"];
    const routes = app.routes.filter((r) => r.method !== "OPTIONS");
    const failures: string[] = [];
    const check = async (request: Request, what: string) => {
      const res = await send(request);
      if (res.status >= 500) failures.push(`${request.method} ${request.url.slice(0, 160)} (${what}): ${res.status}`);
    };
    for (const route of routes) {
      const who = makeActor(route.path.startsWith("/api/") ? "apiKey" : "admin");
      const h: HeaderValues = { authorization: undefined, accept: "", htmx: false, wrongCsrf: false, forwardedFor: undefined };
      for (const name of names) {
        const fields: [string, unknown][] = [...FIELD_NAMES, ...listParams].map((k) => [k, name]);
        // Everything at once: path parameters, every query parameter, and the value as a body key.
        const query = fields.map(([k]) => `${encodeURIComponent(k)}=${encodeURIComponent(name)}`).join("&");
        const form: BodyKind = { kind: "form", fields: [...fields, [name, name]] };
        const jsonBody: BodyKind = { kind: "json", value: JSON.parse(`{${JSON.stringify(name)}: ${JSON.stringify(name)}, ${fields.map(([k]) => `${JSON.stringify(k)}: ${JSON.stringify(name)}`).join(", ")}}`) };
        await check(buildRequest(route, [name], query, jsonBody, who, h), `${name}: everywhere, JSON`);
        await check(buildRequest(route, [name], query, form, who, h), `${name}: everywhere, form`);
        // One parameter at a time, so an early 400 on one does not hide a lookup behind it.
        if (route.method === "GET") {
          for (const k of listParams) await check(buildRequest(route, ["x"], `${encodeURIComponent(k)}=${encodeURIComponent(name)}`, { kind: "none" }, who, h), `${name} as ${k}`);
        } else {
          await check(buildRequest(route, ["x"], "", { kind: "json", value: JSON.parse(`{${JSON.stringify(name)}: {}}`) }, who, h), `${name} as a JSON key`);
          await check(buildRequest(route, ["x"], "", { kind: "json", value: [{ key: name, value: name }] }, who, h), `${name} as a claim key`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 240_000);

  test("oversized and odd headers get an answer below 500", async () => {
    const who = makeActor("admin");
    const cases: Record<string, string>[] = [
      { cookie: `${who.cookie}; ${"junk=" + "x".repeat(64 * 1024)}` },
      { cookie: "a=b; ".repeat(5000) + who.cookie },
      { cookie: `${cookieName(deps.config, SESSION_COOKIE)}=%ff%fe; x=%` },
      { authorization: "Bearer " + "a".repeat(100_000) },
      { authorization: "Basic " + "=".repeat(1000) },
      { "x-forwarded-for": "1.1.1.1, ".repeat(5000) },
      { accept: "text/html;q=0.5, ".repeat(2000) },
      { "x-api-key": "k".repeat(50_000) },
      { "hx-request": "true", "hx-current-url": "%%%".repeat(1000) },
    ];
    for (const path of ["/", "/login", "/settings/account", "/api/users", "/authorize?client_id=x", "/api/oidc/userinfo", "/settings/admin/users"]) {
      for (const headers of cases) {
        const res = await send(new Request(deps.config.appUrl + path, { headers }));
        expect([path, Object.keys(headers)[0], res.status < 500]).toEqual([path, Object.keys(headers)[0], true]);
      }
    }
  }, 60_000);
});
