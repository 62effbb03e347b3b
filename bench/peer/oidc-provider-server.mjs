/**
 * The peer: npm `oidc-provider` v9 with its in-memory adapter, run on Node (not Bun).
 *
 * - Same grants as Latchkey: authorization_code + PKCE (S256), refresh_token (rotated on every use, as
 *   Pocket ID does), client_credentials, userinfo, introspection; one confidential client
 *   (client_secret_basic).
 * - Signing key of the algorithm given in ALG (ES256 default, or RS256), generated with node:crypto.
 * - client_credentials access tokens are JWTs signed with that key (via resource indicators), like ours;
 *   authorization_code access tokens stay opaque (oidc-provider only accepts opaque tokens at userinfo).
 * - Its own in-memory adapter, with the store sized up: the stock one keeps only the 1,000 most recent
 *   entries, so a run of thousands of codes would evict the grants still in use.
 * - Bench-only side door POST /__bench/codes?n=N mints N authorization codes straight into the store
 *   (one saved Grant, the same PKCE challenge for all): the load then measures the token endpoint alone,
 *   not the interaction pages.
 *
 * Env: PORT, ALG, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, CODE_CHALLENGE. Prints "ready <port>" on stdout.
 */
import { createServer } from "node:http";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import Provider from "oidc-provider";
import MemoryAdapter from "oidc-provider/lib/adapters/memory_adapter.js";
import LRU from "oidc-provider/lib/helpers/lru.js";

const port = Number(process.env.PORT ?? 0);
const alg = process.env.ALG ?? "ES256";
const clientId = process.env.CLIENT_ID ?? "bench";
const clientSecret = process.env.CLIENT_SECRET ?? "bench-secret-0123456789abcdefghijklmnop";
const redirectUri = process.env.REDIRECT_URI ?? "http://localhost:9/callback";
const codeChallenge = process.env.CODE_CHALLENGE ?? "";
const issuer = `http://localhost:${port}`;

const pair = alg === "RS256"
  ? generateKeyPairSync("rsa", { modulusLength: 2048 })
  : generateKeyPairSync("ec", { namedCurve: "P-256" });
const jwk = { ...pair.privateKey.export({ format: "jwk" }), kid: randomUUID(), use: "sig", alg };

const accounts = new Map();
function accountFor(id) {
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        email: `${id}@example.test`,
        email_verified: true,
        name: "Bench User",
        given_name: "Bench",
        family_name: "User",
        preferred_username: id,
      };
    },
  };
}

const API = "urn:latchkey:bench:api";
const store = new LRU({ maxSize: 10_000_000 });
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token", "client_credentials"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: alg,
    },
  ],
  jwks: { keys: [jwk] },
  adapter: (model) => new MemoryAdapter(model, store),
  findAccount: async (_ctx, id) => accounts.get(id) ?? accountFor(id),
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name", "preferred_username"],
  },
  scopes: ["openid", "offline_access", "email", "profile", "api"],
  pkce: { required: () => true },
  rotateRefreshToken: () => true,
  ttl: { AccessToken: 3600, AuthorizationCode: 600, ClientCredentials: 3600, Grant: 14 * 86400, IdToken: 3600, RefreshToken: 30 * 86400 },
  cookies: { keys: ["bench-cookie-key-0123456789"] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    userinfo: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx) => (ctx.oidc.params?.grant_type === "client_credentials" ? API : undefined),
      useGrantedResource: () => false,
      getResourceServerInfo: () => ({ scope: "api", accessTokenFormat: "jwt", jwt: { sign: { alg } } }),
    },
  },
});
provider.on("server_error", (_ctx, err) => console.error("peer server_error", err));

async function mintCodes(n) {
  const client = await provider.Client.find(clientId);
  const accountId = "bench-user";
  const now = Math.floor(Date.now() / 1000);
  const out = [];
  for (let i = 0; i < n; i++) {
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope("openid email profile offline_access");
    const grantId = await grant.save();
    const code = new provider.AuthorizationCode({
      accountId,
      client,
      grantId,
      redirectUri,
      scope: "openid email profile offline_access",
      codeChallenge,
      codeChallengeMethod: "S256",
      authTime: now,
      expiresWithSession: false,
    });
    out.push(await code.save());
  }
  return out;
}

const callback = provider.callback();
const server = createServer((req, res) => {
  if (req.url?.startsWith("/__bench/codes")) {
    const n = Math.min(500_000, Number(new URL(req.url, issuer).searchParams.get("n") ?? "1"));
    mintCodes(n).then(
      (codes) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(codes.join("\n"));
      },
      (err) => {
        res.writeHead(500);
        res.end(String(err?.stack ?? err));
      },
    );
    return;
  }
  callback(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`ready ${server.address().port}\n`);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
