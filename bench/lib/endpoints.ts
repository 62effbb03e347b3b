/**
 * The endpoints measured on both sides. Each one is probed with a real request first; `prepare`
 * returns the wrk load, or the reason the endpoint cannot be measured yet ("n/a").
 */
import { CODE_VERIFIER, REDIRECT_URI } from "./pkce.ts";
import { pool } from "./pool.ts";
import { exchangeCode, type Side } from "./sides.ts";
import type { WrkTarget } from "./wrk.ts";

export interface Load {
  target: WrkTarget;
  /** Mints the single-use values for one run of `n` requests. */
  values?: (n: number) => Promise<string[]>;
}

export interface EndpointDef {
  key: string;
  label: string;
  /** Returns the load, or the reason it cannot be measured on this side. */
  prepare(side: Side): Promise<Load | { na: string }>;
}

const form = (side: Side) => ({ Authorization: side.basicAuth, "Content-Type": "application/x-www-form-urlencoded" });

async function probe(url: string, init: RequestInit, check: (status: number, body: string) => string | null): Promise<string | null> {
  try {
    const res = await fetch(url, init);
    const body = await res.text();
    return check(res.status, body);
  } catch (e) {
    return `unreachable: ${e instanceof Error ? e.message : String(e)}`;
  }
}

const expectJson = (field: string) => (status: number, body: string) => {
  if (status !== 200) return `${status} ${body.slice(0, 100)}`;
  try {
    return field in (JSON.parse(body) as object) ? null : `no "${field}" in answer`;
  } catch {
    return "answer is not JSON";
  }
};

/** Number of JWS in a token response (access token when it is a JWT, ID token): the signatures it costs. */
function signaturesIn(tokenResponse: Record<string, unknown>): number {
  let n = 0;
  for (const k of ["access_token", "id_token"]) {
    const v = tokenResponse[k];
    if (typeof v === "string" && v.split(".").length === 3 && v.startsWith("eyJ")) n++;
  }
  return n;
}

export const signatureCount = new Map<string, number>();

/** A user-bound access token for userinfo and introspection (from one code exchange). */
const accessTokens = new Map<Side, string>();
export async function accessTokenFor(side: Side): Promise<string | { na: string }> {
  const known = accessTokens.get(side);
  if (known) return known;
  if (!side.endpoints.token) return { na: "no token endpoint" };
  try {
    const [code] = await side.mintCodes(1);
    const t = await exchangeCode(side, code!);
    if (typeof t.access_token !== "string") return { na: "token response without access_token" };
    accessTokens.set(side, t.access_token);
    return t.access_token;
  } catch (e) {
    return { na: `no access token: ${firstLine(e)}` };
  }
}

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 140);
}

export const ENDPOINTS: EndpointDef[] = [
  {
    key: "discovery",
    label: "GET discovery",
    async prepare(side) {
      const url = side.endpoints.discovery;
      const bad = await probe(url, {}, expectJson("issuer"));
      return bad ? { na: `not implemented yet (${bad})` } : { target: { url } };
    },
  },
  {
    key: "jwks",
    label: "GET JWKS",
    async prepare(side) {
      const url = side.endpoints.jwks;
      if (!url) return { na: "no jwks_uri" };
      const bad = await probe(url, {}, expectJson("keys"));
      return bad ? { na: `not implemented yet (${bad})` } : { target: { url } };
    },
  },
  {
    key: "token_cc",
    label: "POST token client_credentials",
    async prepare(side) {
      const url = side.endpoints.token;
      if (!url) return { na: "no token endpoint" };
      const body = "grant_type=client_credentials";
      let sigs = 0;
      const bad = await probe(url, { method: "POST", headers: form(side), body }, (s, b) => {
        const r = expectJson("access_token")(s, b);
        if (!r) sigs = signaturesIn(JSON.parse(b) as Record<string, unknown>);
        return r;
      });
      if (bad) return { na: `not implemented yet (${bad})` };
      signatureCount.set(`${side.name}:token_cc`, sigs);
      return { target: { url, method: "POST", headers: form(side), body } };
    },
  },
  {
    key: "token_ac",
    label: "POST token authorization_code+PKCE",
    async prepare(side) {
      const url = side.endpoints.token;
      if (!url) return { na: "no token endpoint" };
      try {
        const [code] = await side.mintCodes(1);
        const t = await exchangeCode(side, code!);
        if (typeof t.refresh_token !== "string") return { na: "no refresh_token in the code exchange answer" };
        signatureCount.set(`${side.name}:token_ac`, signaturesIn(t));
      } catch (e) {
        return { na: `not implemented yet (${firstLine(e)})` };
      }
      const body = new URLSearchParams({ grant_type: "authorization_code", redirect_uri: REDIRECT_URI, code_verifier: CODE_VERIFIER }).toString() + "&code=";
      return { target: { url, method: "POST", headers: form(side), body }, values: (n) => side.mintCodes(n) };
    },
  },
  {
    key: "token_refresh",
    label: "POST token refresh_token (rotation)",
    async prepare(side) {
      const url = side.endpoints.token;
      if (!url) return { na: "no token endpoint" };
      const mintRefresh = async (n: number) => {
        const codes = await side.mintCodes(n);
        return await pool(codes.length, 16, async (i) => {
          const t = await exchangeCode(side, codes[i]!);
          return String(t.refresh_token);
        });
      };
      try {
        const [rt] = await mintRefresh(1);
        const res = await fetch(url, { method: "POST", headers: form(side), body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(rt!)}` });
        const text = await res.text();
        if (res.status !== 200) return { na: `not implemented yet (${res.status} ${text.slice(0, 100)})` };
        const j = JSON.parse(text) as Record<string, unknown>;
        if (typeof j.refresh_token !== "string" || j.refresh_token === rt) return { na: "refresh token not rotated" };
        signatureCount.set(`${side.name}:token_refresh`, signaturesIn(j));
      } catch (e) {
        return { na: `not implemented yet (${firstLine(e)})` };
      }
      return { target: { url, method: "POST", headers: form(side), body: "grant_type=refresh_token&refresh_token=" }, values: mintRefresh };
    },
  },
  {
    key: "userinfo",
    label: "GET userinfo",
    async prepare(side) {
      const url = side.endpoints.userinfo;
      if (!url) return { na: "no userinfo endpoint" };
      const at = await accessTokenFor(side);
      if (typeof at !== "string") return at;
      const headers = { Authorization: `Bearer ${at}` };
      const bad = await probe(url, { headers }, expectJson("sub"));
      return bad ? { na: `not implemented yet (${bad})` } : { target: { url, headers } };
    },
  },
  {
    key: "introspect",
    label: "POST introspection",
    async prepare(side) {
      const url = side.endpoints.introspect;
      if (!url) return { na: "no introspection endpoint" };
      const at = await accessTokenFor(side);
      if (typeof at !== "string") return at;
      const body = `token=${encodeURIComponent(at)}`;
      const bad = await probe(url, { method: "POST", headers: form(side), body }, (s, b) => {
        const r = expectJson("active")(s, b);
        if (r) return r;
        return (JSON.parse(b) as { active: boolean }).active ? null : "active:false for a live token";
      });
      return bad ? { na: `not implemented yet (${bad})` } : { target: { url, method: "POST", headers: form(side), body } };
    },
  },
];

