/**
 * A workload authenticates with a federated client assertion through npm openid-client v6, over real HTTP:
 * openid-client's custom client authentication (a ClientAuth function) puts the workload's token in the body as
 * client_assertion, as a Kubernetes or GitHub Actions job would. The token's issuer is a real HTTP server on
 * loopback publishing the keys (Bun.serve). client_credentials, then introspection and revocation, each
 * authenticated by a fresh assertion; a replayed one is refused through the library (401 invalid_client).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import * as client from "openid-client";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const SUBJECT = "repo:octo-org/deploy:ref:refs/heads/main";

let server: TestServer;
let issuerServer: ReturnType<typeof Bun.serve>;
let issuer: string;
let signingKey: CryptoKey;

beforeAll(async () => {
  server = await startTestServer();
  const pair = await generateKeyPair("RS256");
  signingKey = pair.privateKey;
  const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "ci-1", alg: "RS256", use: "sig" }] };
  issuerServer = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => (new URL(request.url).pathname === "/.well-known/jwks" ? Response.json(jwks) : new Response("not found", { status: 404 })),
  });
  issuer = `http://127.0.0.1:${issuerServer.port}`;
  // GitHub Actions' shape: a repository subject and the JWKS at /.well-known/jwks (not jwks.json).
  createClient(server.deps, CLI_ACTOR, {
    id: "deployer",
    name: "Deployer",
    callbackUrls: ["https://deploy.example.com/cb"],
    credentialsScopes: ["deploy:run"],
    federatedIdentities: [{ issuer, subject: SUBJECT, jwks: `${issuer}/.well-known/jwks`, replayProtection: true }],
  });
});
afterAll(async () => {
  issuerServer.stop(true);
  await server.stop();
});

/** The workload's token, as its platform would mint it. */
function workloadToken(jti: string = crypto.randomUUID()): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ repository: "octo-org/deploy" })
    .setProtectedHeader({ alg: "RS256", kid: "ci-1", typ: "JWT" })
    .setIssuer(issuer)
    .setSubject(SUBJECT)
    .setAudience(server.url)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .setJti(jti)
    .sign(signingKey);
}

/** openid-client's custom client authentication: the token goes in the body as a jwt-bearer client assertion. */
function federatedAuth(tokens: string[]): client.ClientAuth {
  return (_as, metadata, body) => {
    body.set("client_id", metadata.client_id);
    body.set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    body.set("client_assertion", tokens.shift()!);
  };
}

test("client_credentials, introspection and revocation through openid-client with a federated assertion", async () => {
  const tokens = [await workloadToken(), await workloadToken(), await workloadToken(), await workloadToken()];
  const config = await client.discovery(new URL(server.url), "deployer", {}, federatedAuth(tokens), { execute: [client.allowInsecureRequests] });
  const granted = await client.clientCredentialsGrant(config, { scope: "deploy:run" });
  expect(granted.token_type).toBe("bearer");
  expect(granted.scope).toBe("deploy:run");
  const introspected = await client.tokenIntrospection(config, granted.access_token);
  expect(introspected.active).toBe(true);
  expect(introspected.client_id).toBe("deployer");
  await client.tokenRevocation(config, granted.access_token);
  expect((await client.tokenIntrospection(config, granted.access_token)).active).toBe(false);
});

test("a replayed assertion is refused through the library as invalid_client", async () => {
  const jti = crypto.randomUUID();
  const token = await workloadToken(jti);
  const config = await client.discovery(new URL(server.url), "deployer", {}, federatedAuth([token, token]), { execute: [client.allowInsecureRequests] });
  await client.clientCredentialsGrant(config);
  const refused = await client.clientCredentialsGrant(config).catch((e: unknown) => e);
  // 401 with a WWW-Authenticate challenge (RFC 6749 5.2), which the library surfaces as such; the body is RFC 6749's.
  expect(refused).toBeInstanceOf(client.WWWAuthenticateChallengeError);
  const challenge = refused as client.WWWAuthenticateChallengeError;
  expect(challenge.status).toBe(401);
  expect(challenge.cause[0]!.scheme).toBe("basic");
  expect(await challenge.response.json()).toEqual({ error: "invalid_client", error_description: "The client assertion was already used (replayed jti)." });
});
