/**
 * The administrator's token preview (Pocket ID's GET /api/oidc/clients/:id/preview/:userId?scopes=…), through
 * app.handle with a real SQLite file.
 * - It shows what a real sign-in signs: the claims of the ID token, access token and userinfo answer of a real
 *   authorization-code flow for the same user and scopes, but for the per-sign-in values (times, jti, at_hash,
 *   nonce, sid).
 * - Without openid: no ID token and no userinfo answer (null); unknown scopes dropped, none known refused (400).
 * - Refused: a member's key (403), no credentials (401), an unknown client or user (404), a disabled user or one
 *   outside the client's allowed groups (403, with the reason). Nothing is written.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { mintApiKey } from "../../../src/admin/api-keys.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { createUser } from "../../../src/admin/users.ts";
import { nowSeconds } from "../../../src/lib/clock.ts";
import { apiReq, json } from "../../helpers/admin-fixture.ts";
import { CALLBACK, makeOidcWorld, VERIFIER, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
let adminKey: string;
let memberKey: string;

beforeEach(async () => {
  w = await makeOidcWorld({}, { env: { DISABLE_RATE_LIMITING: "true" } });
  const day = nowSeconds(w.deps.clock) + 86400;
  const root = createUser(w.deps, { username: "root", email: "root@example.com", firstName: "Root", lastName: "Admin", isAdmin: true });
  const bob = createUser(w.deps, { username: "bob", email: "bob@example.com", firstName: "Bob", lastName: "Member" });
  adminKey = mintApiKey(w.deps, root.id, { name: "admin", expiresAt: day }).token;
  memberKey = mintApiKey(w.deps, bob.id, { name: "member", expiresAt: day }).token;
  // Alice has a group and claims of her own, so the profile, email and groups scopes have something to show.
  const group = await call("POST", "/api/user-groups", { name: "staff", friendlyName: "Staff" });
  expect(group.status).toBe(201);
  expect((await call("PUT", `/api/user-groups/${group.body.id}/users`, { userIds: [w.user.id] })).status).toBe(200);
  expect((await call("PUT", `/api/custom-claims/user/${w.user.id}`, [{ key: "department", value: "ops" }])).status).toBe(200);
});
afterEach(() => w.cleanup());

const call = (method: string, path: string, body?: unknown, key: string | null = adminKey) => json(w.app, apiReq(w.deps, key, method, path, body));
const preview = (scopes: string | null, clientId = w.client.id, userId = w.user.id, key: string | null = adminKey) =>
  call("GET", `/api/oidc/clients/${encodeURIComponent(clientId)}/preview/${encodeURIComponent(userId)}${scopes === null ? "" : `?scopes=${encodeURIComponent(scopes)}`}`, undefined, key);

/** A claim set without the values that differ per sign-in. */
function stable(claims: Record<string, unknown>): Record<string, unknown> {
  const { iat, exp, auth_time, jti, at_hash, nonce, sid, ...rest } = claims;
  return rest;
}

describe("what a real sign-in signs", () => {
  test("the ID token, access token and userinfo claims of a real code flow, for the same scopes", async () => {
    const scope = "openid profile email groups";
    const code = await w.code({ scope });
    const tokens = (await (await w.token({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER })).json()) as Record<string, string>;
    const realUserinfo = await (await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
    const grantsBefore = w.deps.db.query<{ n: number }, []>("SELECT count(*) AS n FROM oidc_grants").get()!.n;

    const r = await preview(scope);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["accessToken", "idToken", "userInfo"]);
    expect(stable(r.body.idToken)).toEqual(stable(decodeJwt(tokens.id_token!)));
    expect(stable(r.body.accessToken)).toEqual(stable(decodeJwt(tokens.access_token!)));
    expect(r.body.userInfo).toEqual(realUserinfo);
    expect(r.body.idToken.department).toBe("ops");
    expect(r.body.idToken.groups).toEqual(["staff"]);
    expect(r.body.idToken.amr).toEqual(["phr"]);
    // Times of a sign-in happening now, lifetimes as the client's.
    const now = nowSeconds(w.deps.clock);
    expect(r.body.accessToken.iat).toBe(now);
    expect(r.body.accessToken.exp).toBe(now + w.client.accessTokenDurationMinutes * 60);
    // Nothing was signed into a grant or stored.
    expect(w.deps.db.query<{ n: number }, []>("SELECT count(*) AS n FROM oidc_grants").get()!.n).toBe(grantsBefore);
  });

  test("without openid: an access token only; unknown scopes dropped; commas accepted", async () => {
    const r = await preview("profile nonsense");
    expect(r.status).toBe(200);
    expect(r.body.idToken).toBeNull();
    expect(r.body.userInfo).toBeNull();
    expect(r.body.accessToken.scope).toBe("profile");
    expect(r.body.accessToken.sub).toBe(w.user.id);
    const commas = await preview("openid,email");
    expect(commas.status).toBe(200);
    expect(commas.body.accessToken.scope).toBe("openid email");
    expect(commas.body.idToken.email).toBe(w.user.email);
    expect(commas.body.idToken.name).toBeUndefined();
  });
});

describe("refusals", () => {
  test("no known scope: 400 naming the scopes", async () => {
    for (const scopes of [null, "", "nonsense other"]) {
      const r = await preview(scopes);
      expect(r.status).toBe(400);
      expect(r.body.message).toBe("Name the scopes to preview (space-separated), at least one of: openid profile email groups offline_access.");
    }
  });

  test("a member's key 403, no credentials 401", async () => {
    expect((await preview("openid", w.client.id, w.user.id, memberKey)).status).toBe(403);
    expect((await preview("openid", w.client.id, w.user.id, null)).status).toBe(401);
  });

  test("an unknown client or user: 404", async () => {
    const client = await preview("openid", "no-such-client");
    expect(client.status).toBe(404);
    expect(client.body.message).toBe("No such OIDC client.");
    const user = await preview("openid", w.client.id, "00000000-0000-4000-8000-000000000000");
    expect(user.status).toBe(404);
  });

  test("a disabled user, or one outside the client's allowed groups: 403 with the reason", async () => {
    const { client: restricted } = createClient(w.deps, CLI_ACTOR, { name: "Restricted", callbackUrls: [CALLBACK], unrestricted: false });
    const outside = await preview("openid", restricted.id);
    expect(outside.status).toBe(403);
    expect(outside.body.message).toBe("This user is not in a group allowed to use this application: it would refuse them at sign-in.");

    expect((await call("PUT", `/api/users/${w.user.id}`, { username: w.user.username, email: w.user.email, firstName: "Alice", lastName: "A", disabled: true })).status).toBe(200);
    const disabled = await preview("openid");
    expect(disabled.status).toBe(403);
    expect(disabled.body.message).toBe("This user's account is disabled: no application receives tokens for them.");
  });
});
