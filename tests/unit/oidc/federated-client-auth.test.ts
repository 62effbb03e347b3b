/**
 * Federated client assertions (Pocket ID's federated client credentials) at the token, introspection and
 * revocation endpoints. The issuer is a real HTTP server on loopback (Bun.serve) publishing a JWK Set of
 * keys generated here; the assertions are signed with them.
 * Rules attacked: issuer, subject (default the client id), audience (default APP_URL) and the keys of the
 * matching identity; exp required, exp/nbf/iat with 30 s leeway; asymmetric algorithms only; jti once per issuer
 * when replay protection is on; one client's assertion is not another's; an unreachable key set is
 * invalid_client, never a 500; refusals before verification do not say which part of the configuration failed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CompactSign, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload } from "jose";
import type { App } from "../../../src/app.ts";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { replaceFederatedIdentities } from "../../../src/db/federated-identities.ts";
import { JWT_BEARER_ASSERTION } from "../../../src/oidc/client-auth.ts";
import { makeTestApp, req, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let issuer: string;
let jwksRequests = 0;
let ecKey: CryptoKey;
let rsaKey: CryptoKey;
let strangerKey: CryptoKey;
let publicJwks: { keys: Record<string, unknown>[] };
const servers: ReturnType<typeof Bun.serve>[] = [];

const K8S_SUBJECT = "system:serviceaccount:ci:deployer";
const CUSTOM_AUDIENCE = "api://latchkey";

/** A JWK Set server on loopback; `paths` are the URLs it answers with the set. */
function serveJwks(jwks: () => unknown, paths: string[], count?: () => void) {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const url = new URL(request.url);
      if (!paths.includes(url.pathname)) return new Response("not found", { status: 404 });
      count?.();
      return Response.json(jwks());
    },
  });
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
}

beforeAll(async () => {
  ({ app, deps } = await makeTestApp({ DISABLE_RATE_LIMITING: "true" }));
  const ec = await generateKeyPair("ES256");
  const rsa = await generateKeyPair("RS256");
  strangerKey = (await generateKeyPair("ES256")).privateKey;
  ecKey = ec.privateKey;
  rsaKey = rsa.privateKey;
  publicJwks = {
    keys: [
      { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" },
      { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
    ],
  };
  issuer = serveJwks(() => publicJwks, ["/.well-known/jwks.json", "/openid/v1/jwks"], () => jwksRequests++);
  const make = (id: string, federatedIdentities: unknown[], extra: Record<string, unknown> = {}) =>
    createClient(deps, CLI_ACTOR, { id, name: id, callbackUrls: ["https://app.example.com/cb"], unrestricted: true, credentialsScopes: ["jobs:run"], federatedIdentities, ...extra });
  make("fed-a", [{ issuer, replayProtection: true }]);
  make("fed-b", [{ issuer, replayProtection: true }]);
  make("fed-k8s", [{ issuer, subject: K8S_SUBJECT, audience: CUSTOM_AUDIENCE, jwks: `${issuer}/openid/v1/jwks` }]);
  make("plain", [], { id: "plain" });
});
afterAll(() => {
  for (const s of servers) s.stop(true);
  deps.cleanup();
});

const now = () => Math.floor(deps.clock.now() / 1000);

async function assertion(claims: JWTPayload, opts: { kid?: string; alg?: "ES256" | "RS256"; key?: CryptoKey } = {}): Promise<string> {
  const alg = opts.alg ?? "ES256";
  const key = opts.key ?? (alg === "ES256" ? ecKey : rsaKey);
  return new SignJWT({ iss: issuer, sub: "fed-a", aud: deps.config.appUrl, iat: now(), exp: now() + 300, jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg, kid: opts.kid ?? (alg === "ES256" ? "ec-1" : "rsa-1"), typ: "JWT" })
    .sign(key);
}

function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  return app.handle(
    req(deps, path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(form).toString() }),
  );
}

const tokenRequest = (jwt: string, clientId?: string) =>
  post("/api/oidc/token", { grant_type: "client_credentials", client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: jwt, ...(clientId ? { client_id: clientId } : {}) });

async function expectInvalidClient(res: Response, description: string, scheme = "Basic") {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toBe(`${scheme} realm="latchkey"`);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(await res.json()).toEqual({ error: "invalid_client", error_description: description });
}

const NOT_ACCEPTED = "The client assertion was not accepted.";
/** An assertion whose issuer is not one of the client's identities is judged as private_key_jwt. */
const PRIVATE_KEY_JWT_NOT_SET_UP = "This client is not set up for private_key_jwt; authenticate with its client secret.";

/** A JWT signed with the EC key over exactly this payload text (duplicate members and all). */
const signRaw = (payload: string) => new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: "ES256", kid: "ec-1", typ: "JWT" }).sign(ecKey);

describe("token endpoint, client_credentials", () => {
  test("an assertion from the client's issuer, with client_id, gets a token", async () => {
    const res = await tokenRequest(await assertion({}), "fed-a");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.token_type).toBe("Bearer");
    expect(body.scope).toBe("jobs:run");
  });

  test("without client_id the assertion's sub names the client (Pocket ID); RS256 keys of the set work too", async () => {
    const res = await tokenRequest(await assertion({}, { alg: "RS256" }));
    expect(res.status).toBe(200);
  });

  test("a configured subject, audience and JWKS URL (a Kubernetes service-account token); reusable without replay protection", async () => {
    const jwt = await assertion({ sub: K8S_SUBJECT, aud: [CUSTOM_AUDIENCE, "other"], jti: undefined });
    expect((await tokenRequest(jwt, "fed-k8s")).status).toBe(200);
    expect((await tokenRequest(jwt, "fed-k8s")).status).toBe(200);
  });

  test("replay protection: the same jti is accepted once, for any client of that issuer", async () => {
    const jti = crypto.randomUUID();
    expect((await tokenRequest(await assertion({ jti }), "fed-a")).status).toBe(200);
    await expectInvalidClient(await tokenRequest(await assertion({ jti }), "fed-a"), "The client assertion was already used (replayed jti).");
    await expectInvalidClient(await tokenRequest(await assertion({ jti, sub: "fed-b" }), "fed-b"), "The client assertion was already used (replayed jti).");
  });

  test("replay protection needs a jti", async () => {
    await expectInvalidClient(await tokenRequest(await assertion({ jti: undefined }), "fed-a"), "The client assertion must carry a jti claim (replay protection is on for this identity).");
  });

  const ATTACKS: { name: string; make: () => Promise<string>; clientId?: string; description: string }[] = [
    { name: "wrong subject", make: () => assertion({ sub: "someone-else" }), clientId: "fed-a", description: NOT_ACCEPTED },
    { name: "subject of the default when a subject is configured", make: () => assertion({ sub: "fed-k8s", aud: CUSTOM_AUDIENCE }), clientId: "fed-k8s", description: NOT_ACCEPTED },
    { name: "wrong audience", make: () => assertion({ aud: "https://elsewhere.example.com" }), clientId: "fed-a", description: NOT_ACCEPTED },
    { name: "APP_URL as audience when another is configured", make: () => assertion({ sub: K8S_SUBJECT }), clientId: "fed-k8s", description: NOT_ACCEPTED },
    { name: "expired (beyond the 30 s leeway)", make: () => assertion({ iat: now() - 600, exp: now() - 31 }), clientId: "fed-a", description: "The client assertion has expired." },
    { name: "no exp", make: () => assertion({ exp: undefined }), clientId: "fed-a", description: "The client assertion must carry an exp claim." },
    { name: "nbf in the future", make: () => assertion({ nbf: now() + 120 }), clientId: "fed-a", description: "The client assertion is not valid yet (nbf)." },
    { name: "iat in the future", make: () => assertion({ iat: now() + 120, exp: now() + 600 }), clientId: "fed-a", description: "The client assertion is not valid yet (iat)." },
    { name: "signed by a key not in the set (its kid)", make: () => assertion({}, { key: strangerKey }), clientId: "fed-a", description: NOT_ACCEPTED },
    { name: "signed by a key not in the set (unknown kid)", make: () => assertion({}, { key: strangerKey, kid: "other" }), clientId: "fed-a", description: NOT_ACCEPTED },
    {
      name: "alg none",
      make: async () => new UnsecuredJWT({ iss: issuer, sub: "fed-a", aud: deps.config.appUrl, exp: now() + 60, jti: crypto.randomUUID() }).encode(),
      clientId: "fed-a",
      description: "The client assertion must be signed with an asymmetric algorithm (RS*, PS*, ES* or EdDSA).",
    },
    {
      name: "HS256 keyed with the public JWK Set",
      make: () =>
        new SignJWT({ iss: issuer, sub: "fed-a", aud: deps.config.appUrl, exp: now() + 60, jti: crypto.randomUUID() })
          .setProtectedHeader({ alg: "HS256", kid: "ec-1" })
          .sign(new TextEncoder().encode(JSON.stringify(publicJwks))),
      clientId: "fed-a",
      description: "The client assertion must be signed with an asymmetric algorithm (RS*, PS*, ES* or EdDSA).",
    },
    { name: "client A's assertion presented as client B", make: () => assertion({}), clientId: "fed-b", description: NOT_ACCEPTED },
    { name: "an unknown client named by sub", make: () => assertion({ sub: "nobody" }), description: "Unknown client or invalid client assertion." },
    // Hostile claims.
    { name: "an aud array without the audience", make: () => assertion({ aud: ["https://elsewhere.example.com", `${deps.config.appUrl}/`] }), clientId: "fed-a", description: NOT_ACCEPTED },
    { name: "an empty aud array", make: () => assertion({ aud: [] }), clientId: "fed-a", description: NOT_ACCEPTED },
    { name: "no aud", make: () => assertion({ aud: undefined }), clientId: "fed-a", description: NOT_ACCEPTED },
    { name: "a jti that is a number", make: () => assertion({ jti: 7 as unknown as string }), clientId: "fed-a", description: "The client assertion must carry a jti claim (replay protection is on for this identity)." },
    { name: "an empty jti", make: () => assertion({ jti: "" }), clientId: "fed-a", description: "The client assertion must carry a jti claim (replay protection is on for this identity)." },
    { name: "a huge jti", make: () => assertion({ jti: "j".repeat(257) }), clientId: "fed-a", description: "The client assertion's jti must be at most 256 characters." },
    { name: "a sub that is an array holding the client id", make: () => assertion({ sub: ["fed-a"] as unknown as string }), clientId: "fed-a", description: NOT_ACCEPTED },
    { name: "the issuer with a trailing slash (compared as text)", make: () => assertion({ iss: `${issuer}/` }), clientId: "fed-a", description: PRIVATE_KEY_JWT_NOT_SET_UP },
    { name: "an issuer that is a number", make: () => assertion({ iss: 7 as unknown as string }), clientId: "fed-a", description: PRIVATE_KEY_JWT_NOT_SET_UP },
    {
      name: "a duplicated aud: the last one counts, for the client lookup and the verification alike",
      make: () => signRaw(`{"iss":${JSON.stringify(issuer)},"sub":"fed-a","aud":${JSON.stringify(deps.config.appUrl)},"exp":${now() + 60},"jti":"${crypto.randomUUID()}","aud":"https://elsewhere.example.com"}`),
      clientId: "fed-a",
      description: NOT_ACCEPTED,
    },
    {
      name: "a duplicated iss: the last one counts (not the client's issuer here)",
      make: () => signRaw(`{"iss":${JSON.stringify(issuer)},"sub":"fed-a","aud":${JSON.stringify(deps.config.appUrl)},"exp":${now() + 60},"jti":"${crypto.randomUUID()}","iss":"https://elsewhere.example.com"}`),
      clientId: "fed-a",
      description: PRIVATE_KEY_JWT_NOT_SET_UP,
    },
  ];
  test.each(ATTACKS)("refused: $name", async ({ make, clientId, description }) => {
    await expectInvalidClient(await tokenRequest(await make(), clientId), description);
  });

  test("another issuer is not federated for the client: the assertion is judged as private_key_jwt and refused", async () => {
    const res = await tokenRequest(await assertion({ iss: "https://other-issuer.example.com" }), "fed-a");
    expect(res.status).toBe(401);
    expect((await res.json()).error).toBe("invalid_client");
  });

  test("a client with no federated identities cannot be reached with an assertion from the issuer", async () => {
    const res = await tokenRequest(await assertion({ sub: "plain" }), "plain");
    expect(res.status).toBe(401);
    expect((await res.json()).error).toBe("invalid_client");
  });

  test("a federated client keeps its secret method (the secret given at creation)", async () => {
    const { secret } = createClient(deps, CLI_ACTOR, { id: "fed-secret", name: "fed-secret", callbackUrls: ["https://app.example.com/cb"], credentialsScopes: ["jobs:run"], federatedIdentities: [{ issuer }] }, { secret: "s".repeat(40) });
    expect(secret?.secret).toBe("s".repeat(40));
    const res = await post("/api/oidc/token", { grant_type: "client_credentials", client_id: "fed-secret", client_secret: "s".repeat(40) });
    expect(res.status).toBe(200);
  });
});

describe("key sets", () => {
  test("fetched once and cached across assertions", async () => {
    let count = 0;
    const iss = serveJwks(() => publicJwks, ["/.well-known/jwks.json"], () => count++);
    createClient(deps, CLI_ACTOR, { id: "fed-cache", name: "fed-cache", callbackUrls: ["https://app.example.com/cb"], credentialsScopes: ["jobs:run"], federatedIdentities: [{ issuer: iss }] });
    expect((await tokenRequest(await assertion({ iss, sub: "fed-cache" }))).status).toBe(200);
    expect((await tokenRequest(await assertion({ iss, sub: "fed-cache" }))).status).toBe(200);
    expect(count).toBe(1);
  });

  test("an issuer whose key set server is down: invalid_client, not a 500", async () => {
    const down = serveJwks(() => publicJwks, ["/.well-known/jwks.json"]);
    servers.at(-1)!.stop(true);
    createClient(deps, CLI_ACTOR, { id: "fed-down", name: "fed-down", callbackUrls: ["https://app.example.com/cb"], credentialsScopes: ["jobs:run"], federatedIdentities: [{ issuer: down }] });
    await expectInvalidClient(await tokenRequest(await assertion({ iss: down, sub: "fed-down" })), "The client assertion could not be verified at this time; try again later.");
  });

  test("a key set that is not JSON, or not found: invalid_client", async () => {
    const broken = serveJwks(() => "not a key set", ["/.well-known/jwks.json"]);
    createClient(deps, CLI_ACTOR, { id: "fed-broken", name: "fed-broken", callbackUrls: ["https://app.example.com/cb"], credentialsScopes: ["jobs:run"], federatedIdentities: [{ issuer: broken }, { issuer: `${broken}/missing`, subject: "x" }] });
    await expectInvalidClient(await tokenRequest(await assertion({ iss: broken, sub: "fed-broken" })), "The client assertion could not be verified at this time; try again later.");
    await expectInvalidClient(await tokenRequest(await assertion({ iss: `${broken}/missing`, sub: "x" }), "fed-broken"), "The client assertion could not be verified at this time; try again later.");
  });

  test("a stored plain-http JWKS URL off loopback is never fetched", async () => {
    let fetched = 0;
    serveJwks(() => publicJwks, ["/.well-known/jwks.json"], () => fetched++);
    createClient(deps, CLI_ACTOR, { id: "fed-http", name: "fed-http", callbackUrls: ["https://app.example.com/cb"], credentialsScopes: ["jobs:run"] });
    // Written past the admin rules, as an older or hand-edited database might hold it.
    replaceFederatedIdentities(deps.db, "fed-http", [{ issuer: "http://issuer.example.com", subject: null, audience: null, jwksUrl: null, replayProtection: false }]);
    await expectInvalidClient(await tokenRequest(await assertion({ iss: "http://issuer.example.com", sub: "fed-http" })), NOT_ACCEPTED);
    expect(fetched).toBe(0);
  });
});

describe("introspection and revocation", () => {
  async function clientToken(): Promise<string> {
    const res = await tokenRequest(await assertion({}), "fed-a");
    return (await res.json()).access_token;
  }

  test("introspection with the assertion as Bearer and client_id (Pocket ID), or as client_assertion", async () => {
    const token = await clientToken();
    const bearer = await post("/api/oidc/introspect", { token, client_id: "fed-a" }, { authorization: `Bearer ${await assertion({})}` });
    expect(bearer.status).toBe(200);
    expect(await bearer.json()).toMatchObject({ active: true, client_id: "fed-a" });
    const form = await post("/api/oidc/introspect", { token, client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: await assertion({}) });
    expect(await form.json()).toMatchObject({ active: true, client_id: "fed-a" });
    // Another federated client may not see fed-a's token.
    const other = await post("/api/oidc/introspect", { token, client_id: "fed-b" }, { authorization: `Bearer ${await assertion({ sub: "fed-b" })}` });
    expect(await other.json()).toEqual({ active: false });
  });

  test("introspection refuses a bad Bearer assertion with WWW-Authenticate: Bearer", async () => {
    const token = await clientToken();
    await expectInvalidClient(await post("/api/oidc/introspect", { token, client_id: "fed-a" }, { authorization: `Bearer ${await assertion({ aud: "https://elsewhere.example.com" })}` }), NOT_ACCEPTED, "Bearer");
    const jti = crypto.randomUUID();
    expect((await post("/api/oidc/introspect", { token, client_id: "fed-a" }, { authorization: `Bearer ${await assertion({ jti })}` })).status).toBe(200);
    await expectInvalidClient(await post("/api/oidc/introspect", { token, client_id: "fed-a" }, { authorization: `Bearer ${await assertion({ jti })}` }), "The client assertion was already used (replayed jti).", "Bearer");
  });

  test("revocation authenticated by an assertion", async () => {
    const token = await clientToken();
    const res = await post("/api/oidc/revoke", { token, client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: await assertion({}) });
    expect(res.status).toBe(200);
    const after = await post("/api/oidc/introspect", { token, client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: await assertion({}) });
    expect(await after.json()).toEqual({ active: false });
  });

  test("PAR and device authorization accept the assertion too", async () => {
    const par = await post("/api/oidc/par", {
      client_assertion_type: JWT_BEARER_ASSERTION,
      client_assertion: await assertion({}),
      response_type: "code",
      redirect_uri: "https://app.example.com/cb",
      scope: "openid",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    });
    expect(par.status).toBe(201);
    const device = await post("/api/oidc/device/authorize", { client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: await assertion({}), scope: "openid" });
    expect(device.status).toBe(200);
  });
});
