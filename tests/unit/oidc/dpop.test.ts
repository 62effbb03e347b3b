/** DPoP (RFC 9449): proofs at the token endpoint and userinfo, key binding of access and refresh tokens. */
import { afterEach, describe, expect, test } from "bun:test";
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { encodeBase64Url } from "../../../src/lib/base64url.ts";
import { sha256 } from "../../../src/lib/hash.ts";
import { CALLBACK, makeOidcWorld, VERIFIER, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newKey(): Promise<Key> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  return { privateKey, jwk: await exportJWK(publicKey) };
}

async function proof(key: Key, htm: string, htu: string, over: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(w.deps.clock.now() / 1000);
  return new SignJWT({ htm, htu, iat: now, jti: crypto.randomUUID(), ...over }).setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: key.jwk }).sign(key.privateKey);
}

const tokenUrl = () => `${w.deps.config.appUrl}/api/oidc/token`;
const userinfoUrl = () => `${w.deps.config.appUrl}/api/oidc/userinfo`;

async function tokenWith(body: Record<string, string>, dpop: string | null) {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (dpop) headers.dpop = dpop;
  return w.call("/api/oidc/token", { method: "POST", headers, body: new URLSearchParams({ client_id: w.client.id, ...body }).toString() });
}

async function errorOf(res: Response) {
  return { status: res.status, error: ((await res.json()) as { error: string }).error };
}

describe("DPoP", () => {
  test("code grant with a proof: DPoP token bound to the key; userinfo needs the DPoP scheme and a matching proof", async () => {
    w = await makeOidcWorld({ isPublic: true });
    const key = await newKey();
    const code = await w.code();
    const res = await tokenWith({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER }, await proof(key, "POST", tokenUrl()));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string; refresh_token: string };
    expect(body.token_type).toBe("DPoP");
    const jkt = await calculateJwkThumbprint(key.jwk);
    expect((decodeJwt(body.access_token).cnf as { jkt: string }).jkt).toBe(jkt);
    const ath = encodeBase64Url(sha256(body.access_token));

    const ok = await w.call("/api/oidc/userinfo", { headers: { authorization: `DPoP ${body.access_token}`, dpop: await proof(key, "GET", userinfoUrl(), { ath }) } });
    expect(ok.status).toBe(200);
    // As a bearer token: refused.
    const bearer = await w.call("/api/oidc/userinfo", { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get("www-authenticate")).toStartWith("DPoP ");
    // A proof for another URL, another method, without ath, replayed, or from another key.
    const cases: [string, Promise<string>][] = [
      ["htu", proof(key, "GET", `${w.deps.config.appUrl}/api/oidc/introspect`, { ath })],
      ["htm", proof(key, "POST", userinfoUrl(), { ath })],
      ["ath", proof(key, "GET", userinfoUrl())],
    ];
    for (const [, p] of cases) {
      const r = await w.call("/api/oidc/userinfo", { headers: { authorization: `DPoP ${body.access_token}`, dpop: await p } });
      expect(await errorOf(r)).toEqual({ status: 401, error: "invalid_dpop_proof" });
    }
    const once = await proof(key, "GET", userinfoUrl(), { ath });
    expect((await w.call("/api/oidc/userinfo", { headers: { authorization: `DPoP ${body.access_token}`, dpop: once } })).status).toBe(200);
    expect(await errorOf(await w.call("/api/oidc/userinfo", { headers: { authorization: `DPoP ${body.access_token}`, dpop: once } }))).toEqual({
      status: 401,
      error: "invalid_dpop_proof",
    });
    const other = await newKey();
    expect(
      await errorOf(await w.call("/api/oidc/userinfo", { headers: { authorization: `DPoP ${body.access_token}`, dpop: await proof(other, "GET", userinfoUrl(), { ath }) } })),
    ).toEqual({ status: 401, error: "invalid_token" });

    // The refresh token is bound: no proof, or another key → invalid_grant; the right key rotates it.
    expect(await errorOf(await tokenWith({ grant_type: "refresh_token", refresh_token: body.refresh_token }, null))).toEqual({ status: 400, error: "invalid_grant" });
    expect(await errorOf(await tokenWith({ grant_type: "refresh_token", refresh_token: body.refresh_token }, await proof(other, "POST", tokenUrl())))).toEqual({
      status: 400,
      error: "invalid_grant",
    });
    const refreshed = await tokenWith({ grant_type: "refresh_token", refresh_token: body.refresh_token }, await proof(key, "POST", tokenUrl()));
    expect(refreshed.status).toBe(200);
    expect(((await refreshed.json()) as { token_type: string }).token_type).toBe("DPoP");
  });

  test("bad proofs at the token endpoint are invalid_dpop_proof", async () => {
    w = await makeOidcWorld({ isPublic: true });
    const key = await newKey();
    const now = Math.floor(w.deps.clock.now() / 1000);
    const bad: Promise<string>[] = [
      proof(key, "POST", `${w.deps.config.appUrl}/api/oidc/userinfo`),
      proof(key, "GET", tokenUrl()),
      proof(key, "POST", tokenUrl(), { iat: now - 600 }),
      proof(key, "POST", tokenUrl(), { jti: undefined }),
      new SignJWT({ htm: "POST", htu: tokenUrl(), iat: now, jti: "x" }).setProtectedHeader({ alg: "ES256", typ: "JWT", jwk: key.jwk }).sign(key.privateKey),
      Promise.resolve("not.a.jwt"),
    ];
    for (const p of bad) {
      const code = await w.code();
      const res = await tokenWith({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER }, await p);
      expect(await errorOf(res)).toEqual({ status: 400, error: "invalid_dpop_proof" });
    }
    // A proof signed by a key other than the one in its header.
    const other = await newKey();
    const forged = await new SignJWT({ htm: "POST", htu: tokenUrl(), iat: now, jti: "y" }).setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: key.jwk }).sign(other.privateKey);
    const code = await w.code();
    expect(await errorOf(await tokenWith({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER }, forged))).toEqual({
      status: 400,
      error: "invalid_dpop_proof",
    });
  });
});
