/**
 * The provider against npm openid-client v6 (a certified relying-party library), over real HTTP.
 * The four client shapes of the seed blog post, configured verbatim with id.example.com → APP_URL:
 * Forgejo and OpenGist (discovery URL), Linkding (explicit endpoints, preferred_username), Coder (issuer
 * URL, exact issuer check). The person is signed in with a session created directly (the browser
 * passkey ceremony has its own e2e test).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import * as client from "openid-client";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { insertTestUser, signIn } from "../helpers/oidc-fixtures.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
let cookie: string;
let userId: string;

beforeAll(async () => {
  server = await startTestServer();
  const user = insertTestUser(server.deps, { username: "alice", email: "alice@example.com" });
  userId = user.id;
  cookie = signIn(server.deps, user.id).cookie;
});
afterAll(async () => {
  await server.stop();
});

const insecure = { execute: [client.allowInsecureRequests] };

/** Plays the browser: follows the authorization URL with the session cookie up to the client's callback. */
async function browse(url: URL): Promise<URL> {
  const res = await fetch(url, { redirect: "manual", headers: { cookie } });
  expect(res.status).toBe(303);
  return new URL(res.headers.get("location")!);
}

async function codeFlow(config: client.Configuration, redirectUri: string, scope: string) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
  const callback = await browse(url);
  expect(callback.searchParams.get("iss")).toBe(server.url);
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
  return tokens;
}

function newClient(input: Parameters<typeof createClient>[2]) {
  const { client: c, secret } = createClient(server.deps, CLI_ACTOR, { unrestricted: true, skipConsent: true, ...input });
  return { id: c.id, secret: secret?.secret ?? "" };
}

describe("seed client shapes", () => {
  test("Forgejo: discovery URL, client_secret_basic, PKCE, openid email profile", async () => {
    const callback = "https://git.example.com/user/oauth2/Pocket/callback";
    const c = newClient({ name: "Forgejo", launchUrl: "https://git.example.com", callbackUrls: [callback], pkceEnabled: true });
    const config = await client.discovery(new URL(`${server.url}/.well-known/openid-configuration`), c.id, c.secret, client.ClientSecretBasic(c.secret), insecure);
    client.enableNonRepudiationChecks(config); // verify the ID token signature against the JWKS
    const tokens = await codeFlow(config, callback, "openid email profile");
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(userId);
    expect(claims.email).toBe("alice@example.com");
    expect(claims.preferred_username).toBe("alice");
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info.email).toBe("alice@example.com");
  });

  test("OpenGist: discovery URL, default client_secret_post", async () => {
    const callback = "http://opengist.example.com/oauth/openid-connect/callback";
    const c = newClient({ name: "OpenGist", callbackUrls: [callback] });
    const config = await client.discovery(new URL(`${server.url}/.well-known/openid-configuration`), c.id, c.secret, undefined, insecure);
    const tokens = await codeFlow(config, callback, "openid email profile");
    expect(tokens.claims()!.preferred_username).toBe("alice");
    expect(tokens.refresh_token).toBeTruthy();
  });

  test("Linkding: explicit endpoints, reads preferred_username from userinfo", async () => {
    const callback = "https://linkding.example.com/oidc/callback/";
    const c = newClient({ name: "Linkding", callbackUrls: [callback] });
    // OIDC_OP_AUTHORIZATION_ENDPOINT / TOKEN / USER / JWKS, exactly as in the post.
    const config = new client.Configuration(
      {
        issuer: server.url,
        authorization_endpoint: `${server.url}/authorize`,
        token_endpoint: `${server.url}/api/oidc/token`,
        userinfo_endpoint: `${server.url}/api/oidc/userinfo`,
        jwks_uri: `${server.url}/.well-known/jwks.json`,
      },
      c.id,
      c.secret,
      client.ClientSecretPost(c.secret),
    );
    client.allowInsecureRequests(config);
    client.enableNonRepudiationChecks(config);
    const tokens = await codeFlow(config, callback, "openid email profile");
    const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(info.preferred_username).toBe("alice"); // OIDC_USERNAME_CLAIM: preferred_username
  });

  test("Coder: issuer URL only, the issuer string matches exactly", async () => {
    const callback = "https://coder.example.com/api/v2/users/oidc/callback";
    const c = newClient({ name: "Coder", callbackUrls: [callback] });
    // CODER_OIDC_ISSUER_URL: "https://id.example.com" — no trailing slash, no path.
    const config = await client.discovery(new URL(server.url), c.id, c.secret, undefined, insecure);
    expect(config.serverMetadata().issuer).toBe(server.url);
    const raw = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(raw.issuer).toBe(server.url); // go-oidc compares this string byte for byte
    const tokens = await codeFlow(config, callback, "openid profile email");
    expect(tokens.claims()!.iss).toBe(server.url);
    expect(tokens.claims()!.email_verified).toBe(true);
  });
});

describe("full lifecycle", () => {
  test("public client: none + PKCE, refresh rotation, introspection denied, revocation, end-session URL", async () => {
    const callback = "http://127.0.0.1/callback";
    const c = newClient({ name: "SPA", isPublic: true, callbackUrls: [callback], logoutCallbackUrls: ["http://127.0.0.1/bye"] });
    const config = await client.discovery(new URL(server.url), c.id, undefined, client.None(), insecure);
    client.enableNonRepudiationChecks(config);
    const tokens = await codeFlow(config, "http://127.0.0.1:53100/callback", "openid profile groups");
    expect(tokens.claims()!.groups).toEqual([]);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    // The family is gone after the replay.
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });

    const again = await codeFlow(config, "http://127.0.0.1:53100/callback", "openid profile");
    await client.tokenRevocation(config, again.refresh_token!);
    await expect(client.refreshTokenGrant(config, again.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });

    const endUrl = client.buildEndSessionUrl(config, { id_token_hint: again.id_token!, post_logout_redirect_uri: "http://127.0.0.1/bye", state: "s1" });
    expect(endUrl.href.startsWith(`${server.url}/api/oidc/end-session?`)).toBe(true);
    const res = await fetch(endUrl, { redirect: "manual", headers: { cookie } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("http://127.0.0.1/bye?state=s1");
  });

  test("confidential client: introspection and userinfo via POST", async () => {
    const callback = "https://app.example.com/cb";
    const c = newClient({ name: "API", callbackUrls: [callback] });
    const config = await client.discovery(new URL(server.url), c.id, c.secret, client.ClientSecretBasic(c.secret), insecure);
    // A new session: the previous test signed the shared one out.
    cookie = signIn(server.deps, userId).cookie;
    const tokens = await codeFlow(config, callback, "openid email");
    const intro = await client.tokenIntrospection(config, tokens.access_token);
    expect(intro.active).toBe(true);
    expect(intro.client_id).toBe(c.id);
    expect(intro.sub).toBe(userId);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const intro2 = await client.tokenIntrospection(config, tokens.access_token);
    expect(intro2.active).toBe(false); // rotation revoked the previous access token
    const info = await client.fetchUserInfo(config, refreshed.access_token, tokens.claims()!.sub);
    expect(info.email).toBe("alice@example.com");
  });
});
