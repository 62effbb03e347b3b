/** Helpers to drive the OIDC endpoints in-process with app.handle (no network). */
import type { App } from "../../src/app.ts";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { type ClientInput } from "../../src/oidc/client-input.ts";
import { type OidcClient } from "../../src/oidc/clients.ts";
import { encodeBase64Url } from "../../src/lib/base64url.ts";
import { sha256 } from "../../src/lib/hash.ts";
import { makeTestApp, type TestDeps } from "./test-deps.ts";
import { insertTestUser, signIn } from "./oidc-fixtures.ts";
import type { User } from "../../src/db/users.ts";

export const CALLBACK = "https://app.example.com/callback";
export const VERIFIER = "verifier-0123456789-0123456789-0123456789-abcdef";
export const CHALLENGE = encodeBase64Url(sha256(VERIFIER));

export interface OidcWorld {
  app: App;
  deps: TestDeps;
  user: User;
  cookie: string;
  sessionId: string;
  client: OidcClient;
  secret: string;
  basic: string;
  call(path: string, init?: RequestInit): Promise<Response>;
  /** Runs /authorize with a signed-in session (consent pre-approved unless told otherwise); returns the Location. */
  authorizeLocation(params?: Record<string, string>, opts?: { cookie?: string | null }): Promise<Response>;
  code(params?: Record<string, string>): Promise<string>;
  token(body: Record<string, string>, opts?: { basic?: string | null }): Promise<Response>;
  cleanup(): void;
}

export function basicAuth(id: string, secret: string): string {
  return "Basic " + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64");
}

export async function makeOidcWorld(clientInput: Partial<ClientInput> = {}, opts: { consent?: boolean; env?: Record<string, string> } = {}): Promise<OidcWorld> {
  const { app, deps } = await makeTestApp(opts.env);
  const user = insertTestUser(deps, { username: "alice" });
  const { cookie, sessionId } = signIn(deps, user.id);
  const { client, secret } = createClient(deps, CLI_ACTOR, { name: "Test App", callbackUrls: [CALLBACK], unrestricted: true, skipConsent: opts.consent !== true, ...clientInput });
  const call = (path: string, init: RequestInit = {}) => app.handle(new Request(deps.config.appUrl + path, init));
  const world: OidcWorld = {
    app,
    deps,
    user,
    cookie,
    sessionId,
    client,
    secret: secret?.secret ?? "",
    basic: secret ? basicAuth(client.id, secret.secret) : "",
    call,
    async authorizeLocation(params = {}, o = {}) {
      const q = new URLSearchParams({
        client_id: client.id,
        redirect_uri: CALLBACK,
        response_type: "code",
        scope: "openid profile email groups",
        state: "st4te",
        nonce: "n0nce",
        code_challenge: CHALLENGE,
        code_challenge_method: "S256",
        ...params,
      });
      for (const [k, v] of Object.entries(params)) if (v === "") q.delete(k);
      const c = o.cookie === undefined ? cookie : o.cookie;
      return call(`/authorize?${q}`, { headers: c ? { cookie: c } : {} });
    },
    async code(params = {}) {
      const res = await world.authorizeLocation(params);
      const location = res.headers.get("location");
      if (res.status !== 303 || !location) throw new Error(`expected a redirect, got ${res.status}: ${await res.text()}`);
      const code = new URL(location).searchParams.get("code");
      if (!code) throw new Error(`no code in ${location}`);
      return code;
    },
    token(body, o = {}) {
      const basic = o.basic === undefined ? world.basic : o.basic;
      const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
      if (basic) headers.authorization = basic;
      return call("/api/oidc/token", { method: "POST", headers, body: new URLSearchParams(body).toString() });
    },
    cleanup: () => deps.cleanup(),
  };
  return world;
}
