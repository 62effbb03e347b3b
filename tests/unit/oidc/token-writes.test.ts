/**
 * The token endpoint signs first, then writes a grant's rows in one transaction: concurrent uses of one
 * code or refresh token still produce exactly one answer with tokens, and a lost race leaves no rows.
 */
import { afterEach, expect, test } from "bun:test";
import { commitSoon } from "../../../src/db/group-commit.ts";
import { consumeAuthorizationCode, insertGrantWithAccessToken, insertRefreshToken, useRefreshToken, type Grant } from "../../../src/db/oidc-grants.ts";
import { ConsumedMeanwhile } from "../../../src/oidc/issue-tokens.ts";
import { nowSeconds } from "../../../src/lib/clock.ts";
import { hashToken } from "../../../src/lib/hash.ts";
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

test("in one group-commit batch, two uses of one code or of one refresh token: exactly one wins, the other writes nothing", async () => {
  w = await makeOidcWorld();
  const db = w.deps.db;
  const codeHash = hashToken(await w.code());
  const now = nowSeconds(w.deps.clock);
  const grant = (id: string): Grant => ({ id, clientId: w.client.id, userId: w.user.id, sessionId: w.sessionId, scope: "openid", authTime: now, amr: ["webauthn"], createdAt: now, resource: null });
  const refresh = (tokenHash: string, grantId: string) => ({ tokenHash, grantId, clientId: w.client.id, scope: "openid", createdAt: now, expiresAt: now + 600, dpopJkt: null });
  // The token endpoint's writes (issue-tokens.ts): consume, then write the grant and its tokens; queued in one turn,
  // so they share one transaction.
  const exchange = (id: string) => () => {
    if (!consumeAuthorizationCode(db, codeHash, w.client.id, id, now)) throw new ConsumedMeanwhile();
    insertGrantWithAccessToken(db, grant(id), { jti: `jti-${id}`, grantId: id, clientId: w.client.id, userId: w.user.id, scope: "openid", createdAt: now, expiresAt: now + 60 });
    insertRefreshToken(db, refresh(`rt-${id}`, id));
    return id;
  };
  const exchanges = await Promise.allSettled([commitSoon(db, exchange("g1")), commitSoon(db, exchange("g2"))]);
  expect(exchanges.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
  expect((exchanges[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConsumedMeanwhile);
  expect(db.query("SELECT id FROM oidc_grants").all()).toEqual([{ id: "g1" }]);
  expect(db.query("SELECT token_hash FROM oidc_refresh_tokens").all()).toEqual([{ token_hash: "rt-g1" }]);

  const rotate = (next: string) => () => {
    if (!useRefreshToken(db, "rt-g1", now)) throw new ConsumedMeanwhile();
    insertRefreshToken(db, refresh(next, "g1"));
  };
  const rotations = await Promise.allSettled([commitSoon(db, rotate("rt-a")), commitSoon(db, rotate("rt-b"))]);
  expect(rotations.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
  expect((rotations[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConsumedMeanwhile);
  expect(db.query("SELECT token_hash, used_at FROM oidc_refresh_tokens ORDER BY token_hash").all()).toEqual([
    { token_hash: "rt-a", used_at: null },
    { token_hash: "rt-g1", used_at: now },
  ]);
});
