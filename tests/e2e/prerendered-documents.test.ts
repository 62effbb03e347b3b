/**
 * Discovery and JWKS are Bun.serve static routes (src/http/prerendered.ts): the same document and headers as
 * the dynamic route, 304 and HEAD answered natively, other methods still reach the app, and a key rotation —
 * in this process or from another connection (the CLI) — replaces them within a couple of seconds.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { openDatabase } from "../../src/db/open.ts";
import { rotateSigningKey } from "../../src/oidc/signing-keys.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const PATHS = ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/.well-known/jwks.json"];

async function servedKids(): Promise<string[]> {
  const body = (await (await fetch(server.url + "/.well-known/jwks.json")).json()) as { keys: { kid: string }[] };
  return body.keys.map((k) => k.kid).sort();
}

async function waitForKids(expected: string[]): Promise<string[]> {
  let kids: string[] = [];
  for (let i = 0; i < 60; i++) {
    kids = await servedKids();
    if (JSON.stringify(kids) === JSON.stringify([...expected].sort())) break;
    await Bun.sleep(100);
  }
  return kids;
}

test("served statically: the dynamic route's body and headers, without a request id", async () => {
  for (const path of PATHS) {
    const served = await fetch(server.url + path);
    const dynamic = await server.app.handle(new Request(server.url + path));
    expect(served.status).toBe(200);
    expect(await served.text()).toBe(await dynamic.text());
    for (const name of ["content-type", "etag", "cache-control", "access-control-allow-origin", "content-security-policy", "x-content-type-options", "x-frame-options"]) {
      expect(served.headers.get(name)).toBe(dynamic.headers.get(name));
    }
    expect(dynamic.headers.get("x-request-id")).toBeTruthy();
    // The proof that Bun answered without running the app: no request id.
    expect(served.headers.get("x-request-id")).toBeNull();
  }
});

test("If-None-Match gets 304 without a body; HEAD gets the headers; a query string does not matter", async () => {
  for (const path of PATHS) {
    const etag = (await fetch(server.url + path)).headers.get("etag")!;
    const notModified = await fetch(server.url + path, { headers: { "If-None-Match": etag } });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe("");
    expect(notModified.headers.get("etag")).toBe(etag);
    const stale = await fetch(server.url + path, { headers: { "If-None-Match": '"stale"' } });
    expect(stale.status).toBe(200);
    const head = await fetch(server.url + path, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(etag);
    expect(await head.text()).toBe("");
    expect((await fetch(server.url + path + "?x=1")).headers.get("etag")).toBe(etag);
  }
});

test("other methods still reach the app: the CORS preflight, and 404 for a POST", async () => {
  const preflight = await fetch(server.url + "/.well-known/jwks.json", { method: "OPTIONS", headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" } });
  expect(preflight.status).toBeLessThan(300);
  expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
  expect(preflight.headers.get("x-request-id")).toBeTruthy();
  const post = await fetch(server.url + "/.well-known/openid-configuration", { method: "POST" });
  expect(post.status).toBeGreaterThanOrEqual(400);
  expect(post.status).toBeLessThan(500);
  expect(post.headers.get("x-request-id")).toBeTruthy();
});

test("a rotation in this process, then one from another connection, replaces the documents", async () => {
  const initial = await servedKids();
  expect(initial.length).toBe(1);
  const first = initial[0]!;
  const before = await (await fetch(server.url + "/.well-known/openid-configuration")).json() as { id_token_signing_alg_values_supported: string[] };
  expect(before.id_token_signing_alg_values_supported).toEqual(["RS256"]);

  const inProcess = rotateSigningKey(server.deps, CLI_ACTOR, "ES256");
  expect(await waitForKids([inProcess.kid, first])).toEqual([inProcess.kid, first].sort());

  const other = openDatabase(server.deps.config.dbPath);
  const cli = rotateSigningKey({ ...server.deps, db: other }, CLI_ACTOR, "ES256");
  other.close();
  expect(await waitForKids([cli.kid, inProcess.kid, first])).toEqual([cli.kid, inProcess.kid, first].sort());

  const after = await (await fetch(server.url + "/.well-known/openid-configuration")).json() as { id_token_signing_alg_values_supported: string[] };
  expect(after.id_token_signing_alg_values_supported).toEqual(["ES256"]);
}, 20_000);
