/**
 * PKCE is S256 only (issue 17, finding 9; OAuth 2.1): /authorize and PAR refuse plain, a missing method
 * and anything else with invalid_request, sent back to the verified redirect_uri (with state and iss) or
 * as a JSON 400 at PAR; discovery advertises S256 alone.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CALLBACK, CHALLENGE, makeOidcWorld, VERIFIER, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

const CLIENTS = [
  { name: "public", input: { isPublic: true } },
  { name: "confidential", input: {} },
  { name: "pkce-enabled", input: { pkceEnabled: true } },
];

/** [code_challenge_method, code_challenge, expected description fragment] */
const REFUSED: [string, string, string][] = [
  ["plain", VERIFIER, "must be S256; plain is not accepted"],
  ["plain", CHALLENGE, "must be S256; plain is not accepted"],
  ["PLAIN", VERIFIER, "must be S256"],
  ["Plain", VERIFIER, "must be S256"],
  ["s256", CHALLENGE, "must be S256"],
  ["S256 ", CHALLENGE, "must be S256"],
  ["S384", CHALLENGE, "must be S256"],
  ["S512", CHALLENGE, "must be S256"],
  ["none", CHALLENGE, "must be S256"],
  ["", VERIFIER, "code_challenge_method is required and must be S256"],
  ["", CHALLENGE, "code_challenge_method is required and must be S256"],
];

describe("/authorize", () => {
  for (const c of CLIENTS) {
    test(`${c.name} client: every non-S256 method → invalid_request at the callback, in each response mode`, async () => {
      w = await makeOidcWorld(c.input);
      for (const [method, challenge, text] of REFUSED) {
        for (const mode of ["query", "fragment"]) {
          const res = await w.authorizeLocation({ code_challenge_method: method, code_challenge: challenge, response_mode: mode });
          expect([method, mode, res.status]).toEqual([method, mode, 303]);
          const location = new URL(res.headers.get("location")!);
          expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
          const p = mode === "query" ? location.searchParams : new URLSearchParams(location.hash.slice(1));
          expect([method, mode, p.get("error"), p.get("state"), p.get("iss"), p.get("code")]).toEqual([method, mode, "invalid_request", "st4te", "http://localhost:1411", null]);
          expect(p.get("error_description")).toContain(text);
        }
        const post = await w.authorizeLocation({ code_challenge_method: method, code_challenge: challenge, response_mode: "form_post" });
        expect([method, post.status]).toEqual([method, 200]);
        const html = await post.text();
        expect(html).toContain(`action="${CALLBACK}"`);
        expect(html).toContain('name="error" value="invalid_request"');
      }
      // S256 works and the code exchanges with the verifier.
      const code = await w.code();
      const body: Record<string, string> = { grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER };
      if (c.name === "public") body.client_id = w.client.id;
      const res = await w.token(body, c.name === "public" ? { basic: null } : {});
      expect(res.status).toBe(200);
    });
  }
});

describe("PAR", () => {
  test("a pushed request with a non-S256 method → 400 invalid_request JSON, nothing stored", async () => {
    w = await makeOidcWorld();
    for (const [method, challenge, text] of REFUSED) {
      const form = new URLSearchParams({ client_id: w.client.id, redirect_uri: CALLBACK, response_type: "code", scope: "openid", state: "s", code_challenge: challenge });
      if (method) form.set("code_challenge_method", method);
      const res = await w.call("/api/oidc/par", { method: "POST", headers: { authorization: w.basic, "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
      expect([method, res.status, res.headers.get("cache-control")]).toEqual([method, 400, "no-store"]);
      const body = (await res.json()) as { error: string; error_description: string };
      expect([method, body.error]).toEqual([method, "invalid_request"]);
      expect(body.error_description).toContain(text);
    }
    expect(w.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM oidc_pushed_requests").get()!.n).toBe(0);
  });
});

test("discovery advertises S256 only", async () => {
  w = await makeOidcWorld();
  const doc = (await (await w.call("/.well-known/openid-configuration")).json()) as Record<string, unknown>;
  expect(doc.code_challenge_methods_supported).toEqual(["S256"]);
});
