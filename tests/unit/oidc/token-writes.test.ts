/**
 * The token endpoint signs first, then writes a grant's rows in one transaction: concurrent uses of one
 * code or refresh token still produce exactly one answer with tokens, and a lost race leaves no rows.
 */
import { afterEach, expect, test } from "bun:test";
import { CALLBACK, makeOidcWorld, VERIFIER, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

const exchange = (code: string) => ({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER });
const count = (table: string) => w.deps.db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n;
/** Live access tokens: each grant carries its current one (migration 0012). */
const accessTokens = () => w.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM oidc_grants WHERE access_jti IS NOT NULL").get()!.n;

test("a code exchanged twice at once: the replay revokes the grant, also when it lands while the first is signing", async () => {
  w = await makeOidcWorld();
  const code = await w.code();
  const [a, b] = await Promise.all([w.token(exchange(code)), w.token(exchange(code))]);
  // The replay is always refused. The first answer either came before the replay (its tokens are then
  // revoked) or lost its grant while signing (refused: nothing is issued from a revoked grant).
  const statuses = [a.status, b.status].sort();
  expect(statuses[1]).toBe(400);
  expect([200, 400]).toContain(statuses[0]!);
  for (const r of [a, b]) {
    const body = (await r.json()) as { refresh_token?: string; error?: string };
    if (r.status === 200) expect((await w.token({ grant_type: "refresh_token", refresh_token: body.refresh_token! })).status).toBe(400);
    else expect(body.error).toBe("invalid_grant");
  }
  // No half-written grant survives: the grant and all of its rows are gone.
  expect(count("oidc_grants")).toBe(0);
  expect(accessTokens()).toBe(0);
  expect(count("oidc_refresh_tokens")).toBe(0);
});

test("one code exchange writes the grant, one access token and one refresh token together", async () => {
  w = await makeOidcWorld();
  expect((await w.token(exchange(await w.code()))).status).toBe(200);
  expect([count("oidc_grants"), accessTokens(), count("oidc_refresh_tokens")]).toEqual([1, 1, 1]);
});

test("a refresh token used twice at once: one rotation wins, the other loses and revokes the family", async () => {
  w = await makeOidcWorld();
  const first = (await (await w.token(exchange(await w.code()))).json()) as { refresh_token: string };
  const [a, b] = await Promise.all([
    w.token({ grant_type: "refresh_token", refresh_token: first.refresh_token }),
    w.token({ grant_type: "refresh_token", refresh_token: first.refresh_token }),
  ]);
  expect([a.status, b.status].sort()).toEqual([200, 400]);
  const loser = (await (a.status === 400 ? a : b).json()) as { error: string; error_description: string };
  expect(loser.error).toBe("invalid_grant");
  expect(loser.error_description).toContain("already used");
  expect(count("oidc_grants")).toBe(0);
  expect(count("oidc_refresh_tokens")).toBe(0);
  expect(accessTokens()).toBe(0);
});
