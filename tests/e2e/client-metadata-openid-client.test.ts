/**
 * A relying party that identifies itself by the URL of its Client ID Metadata Document, played by npm openid-client v6
 * over real HTTP: discovery says documents are supported, the document is served over TLS by a loopback server
 * (tests/helpers/document-host.ts, admitted by the injected address policy), the person consents once, and the
 * code flow (public client, PKCE) ends in verified tokens, userinfo and a refresh.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as client from "openid-client";
import { recordConsent } from "../../src/oidc/authorized-clients.ts";
import { findClientById } from "../../src/oidc/clients.ts";
import { nowSeconds } from "../../src/lib/clock.ts";
import { insertTestUser, signIn } from "../helpers/oidc-fixtures.ts";
import { startDocumentHost, type DocumentHost } from "../helpers/document-host.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
let host: DocumentHost;
let cookie: string;
let userId: string;

beforeAll(async () => {
  host = await startDocumentHost();
  // The allowlist from the environment (UI_CONFIG_DISABLED, as Pocket ID): discovery is rendered with it from the start.
  server = await startTestServer({ UI_CONFIG_DISABLED: "true", CIMD_URL_ALLOWLIST: JSON.stringify([host.url("mcp.test", "/oauth/**")]) });
  server.app.web.outbound = host.policy;
  const user = insertTestUser(server.deps, { username: "alice", email: "alice@example.com" });
  userId = user.id;
  cookie = signIn(server.deps, user.id).cookie;
});
afterAll(async () => {
  await server.stop();
  await host.stop();
});

test("openid-client signs in with a client_id that is the URL of its metadata document", async () => {
  const clientId = host.url("mcp.test", "/oauth/client-metadata.json");
  const redirectUri = "http://127.0.0.1:33418/callback";
  host.serve("/oauth/client-metadata.json", () =>
    Response.json({
      client_id: clientId,
      client_name: "MCP Inspector",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    }),
  );

  const config = await client.discovery(new URL(server.url), clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
  expect(config.serverMetadata().client_id_metadata_document_supported).toBe(true);
  client.enableNonRepudiationChecks(config);

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid profile email",
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
  // First visit: the document is fetched and the person is asked (a document's client never skips consent).
  const consentPage = await fetch(url, { redirect: "manual", headers: { cookie } });
  expect(consentPage.status).toBe(200);
  expect(await consentPage.text()).toContain("MCP Inspector");
  expect(findClientById(server.deps.db, clientId)!.clientType).toBe("cimd");
  recordConsent(server.deps.db, { userId, clientId, scopes: ["openid", "profile", "email"], now: nowSeconds(server.deps.clock) });

  const res = await fetch(url, { redirect: "manual", headers: { cookie } });
  expect(res.status).toBe(303);
  const callback = new URL(res.headers.get("location")!);
  expect(callback.searchParams.get("iss")).toBe(server.url);
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
  const claims = tokens.claims()!;
  expect(claims.sub).toBe(userId);
  expect(claims.aud).toBe(clientId);
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  expect(info.email).toBe("alice@example.com");
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
  expect(refreshed.access_token).toBeTruthy();
  expect(host.requests.get("/oauth/client-metadata.json")).toBe(1); // fresh for an hour: stored, not fetched again
});
