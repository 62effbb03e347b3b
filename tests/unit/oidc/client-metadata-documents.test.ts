/**
 * Client ID Metadata Documents through app.handle, with the documents on a real loopback HTTPS server
 * (tests/helpers/document-host.ts): the allowlist, every document rule, caching and refetching, consent
 * revocation, the grant types, discovery — and the attacks: not allowlisted, private addresses under the production
 * policy, a client_id mismatch, oversize, slow, wrong type, redirects, an unlisted redirect_uri, plain http.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { updateAppConfig } from "../../../src/admin/app-config.ts";
import { findConsentedScopes, recordConsent } from "../../../src/oidc/authorized-clients.ts";
import { findClientById } from "../../../src/oidc/clients.ts";
import { ClientMetadataRefused, clientIdUrlProblem, freshnessSeconds, parseClientMetadataDocument } from "../../../src/oidc/client-metadata-documents.ts";
import { productionOutboundPolicy } from "../../../src/lib/outbound-fetch.ts";
import { nowSeconds } from "../../../src/lib/clock.ts";
import { CHALLENGE, makeOidcWorld, VERIFIER, type OidcWorld } from "../../helpers/oidc-flow.ts";
import { startDocumentHost, type DocumentHost } from "../../helpers/document-host.ts";

const REDIRECT = "https://app.example.com/cb";
let host: DocumentHost;
let w: OidcWorld;
let n = 0;

beforeAll(async () => {
  host = await startDocumentHost({ timeoutMs: 400 });
});
afterAll(() => host.stop());
afterEach(() => w?.cleanup());

/** A fresh path on the host (so request counts are the test's own) with its client_id URL. */
function newDocumentUrl(): { path: string; id: string } {
  const path = `/clients/c${++n}.json`;
  return { path, id: host.url("app.test", path) };
}

function document(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { client_id: id, client_name: "Doc App", redirect_uris: [REDIRECT], token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"], ...over };
}

async function world(allowlist: string[] = [host.url("app.test", "/clients/**")]): Promise<OidcWorld> {
  w = await makeOidcWorld();
  w.app.web.outbound = host.policy;
  updateAppConfig(w.deps.db, { cimdUrlAllowlist: allowlist }, nowSeconds(w.deps.clock));
  return w;
}

function authorize(clientId: string, over: Record<string, string> = {}): Promise<Response> {
  return w.authorizeLocation({ client_id: clientId, redirect_uri: REDIRECT, ...over });
}

async function expectRefused(res: Response, text: string) {
  expect(res.status).toBe(400);
  expect(res.headers.get("location")).toBeNull();
  const body = await res.text();
  expect(body).toContain("Unknown application");
  expect(body).toContain(text);
}

/** The first /authorize registers the client from its document and asks for consent; the person allows it. */
async function registerAndConsent(clientId: string) {
  const res = await authorize(clientId);
  expect(res.status).toBe(200);
  recordConsent(w.deps.db, { userId: w.user.id, clientId, scopes: ["openid", "profile", "email", "groups"], now: nowSeconds(w.deps.clock) });
}

async function codeFor(clientId: string): Promise<string> {
  const res = await authorize(clientId);
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get("location")!);
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  return location.searchParams.get("code")!;
}

describe("a document on the allowlist", () => {
  test("is fetched, stored as a cimd client (public, PKCE, unrestricted, consent asked) and used for a whole code flow", async () => {
    await world();
    const { path, id } = newDocumentUrl();
    host.serve(path, () => Response.json(document(id)));
    const first = await authorize(id);
    expect(first.status).toBe(200); // the consent page: never skipped for a document's client
    const consentPage = await first.text();
    expect(consentPage).toContain("Doc App");
    expect(consentPage).toContain(`app.test:${host.port}`); // the verified host of the client_id URL, not a name it chose
    const client = findClientById(w.deps.db, id)!;
    expect(client).toMatchObject({ clientType: "cimd", name: "Doc App", callbackUrls: [REDIRECT], isPublic: true, pkceEnabled: true, unrestricted: true, skipConsent: false, metadataGrantTypes: ["authorization_code", "refresh_token"] });
    expect(client.metadataExpiresAt).toBe(nowSeconds(w.deps.clock) + 3600);
    recordConsent(w.deps.db, { userId: w.user.id, clientId: id, scopes: ["openid", "profile", "email", "groups"], now: nowSeconds(w.deps.clock) });
    const code = await codeFor(id);
    const token = await w.token({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, client_id: id, code_verifier: VERIFIER }, { basic: null });
    expect(token.status).toBe(200);
    const tokens = (await token.json()) as { refresh_token: string; id_token: string };
    const refreshed = await w.token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: id }, { basic: null });
    expect(refreshed.status).toBe(200);
    expect(host.requests.get(path)).toBe(1); // every later step used the stored document
  });

  test("is used from storage while fresh, fetched again once stale, and a failed refetch refuses the client", async () => {
    await world();
    const { path, id } = newDocumentUrl();
    let name = "First";
    host.serve(path, () => Response.json(document(id, { client_name: name }), { headers: { "cache-control": "max-age=600" } }));
    await registerAndConsent(id);
    await codeFor(id);
    w.deps.clock.advance(599);
    await codeFor(id);
    expect(host.requests.get(path)).toBe(1);
    name = "Second";
    w.deps.clock.advance(1);
    await codeFor(id);
    expect(host.requests.get(path)).toBe(2);
    expect(findClientById(w.deps.db, id)!.name).toBe("Second");
    host.serve(path, () => new Response("gone", { status: 500 }));
    w.deps.clock.advance(600);
    await expectRefused(await authorize(id), "answered 500");
  });

  test("a changed redirect_uris revokes every consent to the client; a changed name does not", async () => {
    await world();
    const { path, id } = newDocumentUrl();
    let doc = document(id);
    host.serve(path, () => Response.json(doc, { headers: { "cache-control": "no-store" } }));
    await registerAndConsent(id);
    doc = document(id, { client_name: "Renamed" });
    await codeFor(id);
    expect(findClientById(w.deps.db, id)!.name).toBe("Renamed");
    expect(findConsentedScopes(w.deps.db, w.user.id, id)).not.toBeNull();
    doc = document(id, { redirect_uris: [REDIRECT, "https://app.example.com/other"] });
    const res = await authorize(id);
    expect(res.status).toBe(200); // asked again
    expect(findConsentedScopes(w.deps.db, w.user.id, id)).toBeNull();
    expect(host.requests.get(path)).toBe(3); // no-store: fetched on every use
  });

  test("a client whose URL left the allowlist is refused, though its document is still fresh", async () => {
    await world();
    const { path, id } = newDocumentUrl();
    host.serve(path, () => Response.json(document(id)));
    await registerAndConsent(id);
    await codeFor(id);
    updateAppConfig(w.deps.db, { cimdUrlAllowlist: [host.url("other.test", "/**")] }, nowSeconds(w.deps.clock));
    await expectRefused(await authorize(id), "not on the server");
    const token = await w.token({ grant_type: "refresh_token", refresh_token: "x", client_id: id }, { basic: null });
    expect(token.status).toBe(401);
    expect(((await token.json()) as { error: string }).error).toBe("invalid_client");
  });

  test("a redirect_uri the document does not list is refused on our page", async () => {
    await world();
    const { path, id } = newDocumentUrl();
    host.serve(path, () => Response.json(document(id)));
    const res = await authorize(id, { redirect_uri: "https://evil.example.com/cb" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("Invalid callback URL");
  });

  test("grant types it did not declare: no refresh token is issued, and the grant is unauthorized_client", async () => {
    await world();
    const { path, id } = newDocumentUrl();
    host.serve(path, () => Response.json(document(id, { grant_types: ["authorization_code", "client_credentials", "implicit"] })));
    await registerAndConsent(id);
    const code = await codeFor(id);
    expect(findClientById(w.deps.db, id)!.metadataGrantTypes).toEqual(["authorization_code"]); // unknown ones dropped
    const token = await w.token({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, client_id: id, code_verifier: VERIFIER }, { basic: null });
    expect(token.status).toBe(200);
    const tokens = (await token.json()) as { refresh_token?: string; access_token: string };
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeUndefined(); // it did not declare refresh_token: none is issued
    const refreshed = await w.token({ grant_type: "refresh_token", refresh_token: "anything", client_id: id }, { basic: null });
    expect(refreshed.status).toBe(400);
    expect(await refreshed.json()).toMatchObject({ error: "unauthorized_client" });
  });

  test("device_code only: /authorize answers unauthorized_client to the verified redirect URI", async () => {
    await world();
    const { path, id } = newDocumentUrl();
    host.serve(path, () => Response.json(document(id, { grant_types: ["urn:ietf:params:oauth:grant-type:device_code"] })));
    const res = await authorize(id);
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("unauthorized_client");
  });

  test("a public document's client cannot authenticate with a secret", async () => {
    await world();
    const { path, id } = newDocumentUrl();
    host.serve(path, () => Response.json(document(id)));
    const res = await w.token({ grant_type: "authorization_code", code: "x", redirect_uri: REDIRECT, client_id: id, client_secret: "guess" }, { basic: null });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "invalid_client" });
  });
});

describe("refused before any fetch", () => {
  test("not on the allowlist (and an empty allowlist turns the feature off)", async () => {
    await world([host.url("other.test", "/**")]);
    const { path, id } = newDocumentUrl();
    host.serve(path, () => Response.json(document(id)));
    await expectRefused(await authorize(id), "not on the server");
    updateAppConfig(w.deps.db, { cimdUrlAllowlist: [] }, nowSeconds(w.deps.clock));
    await expectRefused(await authorize(id), "not on the server");
    expect(host.requests.get(path)).toBeUndefined();
    expect(findClientById(w.deps.db, id)).toBeNull();
  });

  test.each([
    ["plain http (not a client identifier URL: an unknown client)", (port: number) => `http://app.test:${port}/clients/x.json`, "Unknown application"],
    ["a query", (port: number) => `https://app.test:${port}/clients/x.json?a=1`, "must not have a query"],
    ["a fragment", (port: number) => `https://app.test:${port}/clients/x.json#f`, "must not have a fragment"],
    ["credentials", (port: number) => `https://u:p@app.test:${port}/clients/x.json`, "credentials"],
    ["a dot segment", (port: number) => `https://app.test:${port}/clients/../x.json`, "dot segment"],
    ["no path", (port: number) => `https://app.test:${port}`, "must have a path"],
    ["an upper-case host", (port: number) => `https://APP.test:${port}/clients/x.json`, "canonical"],
  ])("a client_id URL with %s", async (_name, make, text) => {
    await world(["*"]);
    await expectRefused(await authorize(make(host.port)), text);
    expect(host.requests.get("/clients/x.json")).toBeUndefined();
  });
});

describe("the fetch is refused", () => {
  test.each([
    ["client_id differs from the URL", (id: string) => Response.json(document(id, { client_id: `${id}x` })), "client_id is not the URL"],
    ["no client_id", (id: string) => Response.json(document(id, { client_id: undefined })), "has no client_id"],
    ["larger than 5 KiB", (id: string) => Response.json(document(id, { client_name: "x".repeat(50), contacts: ["y".repeat(6000)] })), "larger than 5120 bytes"],
    ["wrong content type", (id: string) => new Response(JSON.stringify(document(id)), { headers: { "content-type": "text/html" } }), "text/html"],
    ["not JSON", () => new Response("{oops", { headers: { "content-type": "application/json" } }), "not valid JSON"],
    ["a redirect (even to a public host)", () => Response.redirect("https://example.com/client.json", 302), "redirect"],
    ["a redirect to cloud metadata", () => Response.redirect("http://169.254.169.254/latest/meta-data/", 307), "redirect"],
    ["status 404", () => new Response("no", { status: 404 }), "answered 404"],
    ["a client secret", (id: string) => Response.json(document(id, { client_secret: "s" })), "client secret"],
    ["client_secret_basic", (id: string) => Response.json(document(id, { token_endpoint_auth_method: "client_secret_basic" })), "not supported for metadata documents"],
    ["no token_endpoint_auth_method", (id: string) => Response.json(document(id, { token_endpoint_auth_method: undefined })), "must set token_endpoint_auth_method"],
    ["private_key_jwt without keys", (id: string) => Response.json(document(id, { token_endpoint_auth_method: "private_key_jwt" })), "requires jwks or jwks_uri"],
    ["a private key in jwks", (id: string) => Response.json(document(id, { token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } })), "private or symmetric"],
    ["response_type token", (id: string) => Response.json(document(id, { response_types: ["code", "token"] })), "only code"],
    ["no redirect_uris", (id: string) => Response.json(document(id, { redirect_uris: [] })), "must list redirect_uris"],
    ["a wildcard redirect_uri", (id: string) => Response.json(document(id, { redirect_uris: ["https://*.example.com/cb"] })), "wildcard"],
    ["a javascript: redirect_uri", (id: string) => Response.json(document(id, { redirect_uris: ["javascript:alert(1)"] })), "javascript"],
    ["only refresh_token", (id: string) => Response.json(document(id, { grant_types: ["refresh_token"] })), "authorization_code or device_code"],
  ])("%s", async (_name, respond, text) => {
    await world();
    const { path, id } = newDocumentUrl();
    host.serve(path, () => respond(id));
    await expectRefused(await authorize(id), text);
    expect(findClientById(w.deps.db, id)).toBeNull();
  });

  test("a server that does not answer in time (the deadline is the policy's, shortened for the test)", async () => {
    await world();
    const { path, id } = newDocumentUrl();
    const never = new Promise<Response>(() => {});
    host.serve(path, () => never);
    await expectRefused(await authorize(id), "did not answer in time");
  });

  test("with the production policy: a host resolving to loopback is refused without connecting", async () => {
    await world(["*"]);
    w.app.web.outbound = undefined; // production: system DNS, public addresses only, system CAs
    const path = "/clients/prod.json";
    host.serve(path, () => Response.json(document(`https://localhost:${host.port}${path}`)));
    await expectRefused(await authorize(`https://localhost:${host.port}${path}`), "not public (127.0.0.1)");
    await expectRefused(await authorize(`https://127.0.0.1:${host.port}${path}`), "not public (127.0.0.1)");
    await expectRefused(await authorize(`https://[::1]:${host.port}${path}`), "not public (::1)");
    expect(host.requests.get(path)).toBeUndefined();
  });

  test.each([["169.254.169.254"], ["10.0.0.7"], ["100.100.100.200"], ["fd00:ec2::254"], ["::ffff:192.168.1.1"], ["64:ff9b::a00:1"]])(
    "with the production address rules: a name resolving to %s is refused",
    async (address) => {
      await world(["*"]);
      w.app.web.outbound = { ...productionOutboundPolicy(), resolve: async () => ["93.184.215.14", address] };
      await expectRefused(await authorize("https://rebind.example/clients/a.json"), "not public");
    },
  );
});

describe("private_key_jwt documents", () => {
  test("keys from jwks_uri are fetched through the same fetcher and stored with the document", async () => {
    await world();
    const { path, id } = newDocumentUrl();
    const jwks = { keys: [{ kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", kid: "k1" }] };
    host.serve("/keys/jwks.json", () => Response.json(jwks));
    host.serve(path, () => Response.json(document(id, { token_endpoint_auth_method: "private_key_jwt", jwks_uri: host.url("app.test", "/keys/jwks.json") })));
    await authorize(id);
    const client = findClientById(w.deps.db, id)!;
    expect(client).toMatchObject({ isPublic: false, tokenEndpointAuthMethod: "private_key_jwt", jwksUri: null });
    expect(JSON.parse(client.jwks!)).toEqual(jwks);
  });

  test("a private_key_jwt document's client authenticates at the token endpoint with an assertion signed by its key", async () => {
    await world();
    const { path, id } = newDocumentUrl();
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "doc-key", alg: "ES256" };
    host.serve("/keys/pkj.json", () => Response.json({ keys: [jwk] }));
    host.serve(path, () => Response.json(document(id, { token_endpoint_auth_method: "private_key_jwt", jwks_uri: host.url("app.test", "/keys/pkj.json") })));
    await registerAndConsent(id);
    const code = await codeFor(id);
    const assertion = (jti: string) =>
      new SignJWT({ jti })
        .setProtectedHeader({ alg: "ES256", kid: "doc-key" })
        .setIssuer(id)
        .setSubject(id)
        .setAudience(`${w.deps.config.appUrl}/api/oidc/token`)
        .setIssuedAt(nowSeconds(w.deps.clock))
        .setExpirationTime(nowSeconds(w.deps.clock) + 60)
        .sign(privateKey);
    const bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    const noAssertion = await w.token({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, client_id: id, code_verifier: VERIFIER }, { basic: null });
    expect(noAssertion.status).toBe(401);
    const res = await w.token({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: VERIFIER, client_assertion_type: bearer, client_assertion: await assertion("a1") }, { basic: null });
    expect(res.status).toBe(200);
    const { privateKey: otherKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ jti: "a2" }).setProtectedHeader({ alg: "ES256", kid: "doc-key" }).setIssuer(id).setSubject(id).setAudience(`${w.deps.config.appUrl}/api/oidc/token`).setExpirationTime(nowSeconds(w.deps.clock) + 60).sign(otherKey);
    const refused = await w.token({ grant_type: "refresh_token", refresh_token: "x", client_assertion_type: bearer, client_assertion: forged }, { basic: null });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: "invalid_client" });
  });

  test("a jwks_uri on a private address is refused with the document", async () => {
    await world();
    const { path, id } = newDocumentUrl();
    host.serve(path, () => Response.json(document(id, { token_endpoint_auth_method: "private_key_jwt", jwks_uri: "https://169.254.169.254/keys" })));
    await expectRefused(await authorize(id), "jwks_uri could not be used");
  });
});

describe("discovery", () => {
  test("client_id_metadata_document_supported is true exactly when the allowlist is not empty", async () => {
    await world([]);
    const off = (await (await w.call("/.well-known/openid-configuration")).json()) as Record<string, unknown>;
    expect(off.client_id_metadata_document_supported).toBe(false);
    updateAppConfig(w.deps.db, { cimdUrlAllowlist: ["https://apps.example.com/**"] }, nowSeconds(w.deps.clock));
    const on = (await (await w.call("/.well-known/openid-configuration")).json()) as Record<string, unknown>;
    expect(on.client_id_metadata_document_supported).toBe(true);
  });
});

describe("rules without the network", () => {
  const id = "https://app.example.com/client.json";
  const body = (doc: unknown) => new TextEncoder().encode(JSON.stringify(doc));

  test("grant_types default to authorization_code; the name defaults to the URL's host", () => {
    const parsed = parseClientMetadataDocument(id, body({ client_id: id, redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" }));
    expect(parsed.metadata).toMatchObject({ name: "app.example.com", grantTypes: ["authorization_code"], isPublic: true });
  });

  test("hostile client_id URLs: each is refused for its precise reason, or accepted only in canonical form", () => {
    const long = `https://app.example.com/${"a".repeat(232)}`; // 256 characters: the limit
    const table: [string, string | null][] = [
      ["https://app.example.com/client.json", null],
      ["https://app.example.com:8443/client.json", null],
      ["https://xn--bcher-kva.example/client.json", null],
      ["https://app.example.com/a/../client.json", "dot segment"],
      ["https://app.example.com/%2e%2e/client.json", "dot segment"],
      ["https://app.example.com/a/%2E/client.json", "dot segment"],
      ["https://app.example.com/client.json/.", "dot segment"],
      ["https://app.example.com//client.json", "empty path segment"],
      ["https://app.example.com\\client.json", "not allowed"],
      ["https://app.example.com/a\\client.json", "not allowed"],
      ["https://app.example.com/client json", "not allowed"],
      [" https://app.example.com/client.json", "not allowed"],
      ["https://app.example.com/client.json\n", "not allowed"],
      ["https://bücher.example/client.json", "not allowed"],
      ["https://u@app.example.com/client.json", "credentials"],
      ["https://u:p@app.example.com/client.json", "credentials"],
      ["https://app.example.com:443/client.json", "canonical"],
      ["https://APP.example.com/client.json", "canonical"],
      ["https://app.example.com./client.json", "trailing dot"],
      ["https://0x7f.1/client.json", "canonical"],
      ["https://[0:0::1]/client.json", "canonical"],
      ["https:app.example.com/client.json", "canonical"],
      ["https:/app.example.com/client.json", "canonical"],
      ["https://app.example.com", "must have a path"],
      ["https://app.example.com/client.json?", "query"],
      ["https://app.example.com/client.json#", "fragment"],
      ["https://", "not a URL"],
      [long, null],
      [`${long}a`, "longer than 256"],
      [`https://app.example.com/${"a".repeat(100_000)}`, "longer than 256"],
    ];
    for (const [url, expected] of table) {
      const problem = clientIdUrlProblem(url);
      if (expected === null) expect({ url, problem }).toEqual({ url, problem: null });
      else expect({ url, problem }).toEqual({ url, problem: expect.stringContaining(expected) });
    }
  });

  test("hostile documents: wrong types, duplicate keys, __proto__, disguised names, private keys", () => {
    const ok = { client_id: id, redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" };
    const raw = (text: string) => parseClientMetadataDocument(id, new TextEncoder().encode(text));
    const refused: [string, () => unknown, string][] = [
      ["not JSON", () => raw("{"), "not valid JSON"],
      ["not UTF-8", () => parseClientMetadataDocument(id, new Uint8Array([0x7b, 0xff, 0x7d])), "not valid JSON"],
      ["an array", () => raw("[]"), "not a JSON object"],
      ["null", () => raw("null"), "not a JSON object"],
      ["client_id as a number", () => raw(JSON.stringify({ ...ok, client_id: 1 })), "no client_id"],
      ["client_id another URL", () => raw(JSON.stringify({ ...ok, client_id: `${id}/` })), "not the URL"],
      ["client_id only inside __proto__", () => raw(`{"__proto__":{"client_id":"${id}"},"redirect_uris":["${REDIRECT}"],"token_endpoint_auth_method":"none"}`), "no client_id"],
      ["the last of duplicate client_ids another URL", () => raw(`{"client_id":"${id}","client_id":"https://evil.example/c","redirect_uris":["${REDIRECT}"],"token_endpoint_auth_method":"none"}`), "not the URL"],
      ["a client secret", () => raw(JSON.stringify({ ...ok, client_secret: "s" })), "client secret"],
      ["no auth method", () => raw(JSON.stringify({ ...ok, token_endpoint_auth_method: undefined })), "must set token_endpoint_auth_method"],
      ["client_secret_basic", () => raw(JSON.stringify({ ...ok, token_endpoint_auth_method: "client_secret_basic" })), "not supported"],
      ["redirect_uris a string", () => raw(JSON.stringify({ ...ok, redirect_uris: REDIRECT })), "list of strings"],
      ["redirect_uris with a number", () => raw(JSON.stringify({ ...ok, redirect_uris: [REDIRECT, 1] })), "list of strings"],
      ["redirect_uris an object", () => raw(JSON.stringify({ ...ok, redirect_uris: { 0: REDIRECT, length: 1 } })), "list of strings"],
      ["redirect_uris empty", () => raw(JSON.stringify({ ...ok, redirect_uris: [] })), "must list redirect_uris"],
      ["51 redirect_uris", () => raw(JSON.stringify({ ...ok, redirect_uris: Array.from({ length: 51 }, (_, i) => `${REDIRECT}${i}`) })), "more than 50"],
      ["a javascript: redirect", () => raw(JSON.stringify({ ...ok, redirect_uris: ["javascript:alert(1)"] })), "javascript"],
      ["a wildcard redirect", () => raw(JSON.stringify({ ...ok, redirect_uris: ["https://*.example.com/cb"] })), "wildcard"],
      ["a wildcard logout URI", () => raw(JSON.stringify({ ...ok, post_logout_redirect_uris: ["https://app.example.com/*"] })), "wildcard"],
      ["grant_types a string", () => raw(JSON.stringify({ ...ok, grant_types: "authorization_code" })), "list of strings"],
      ["only implicit", () => raw(JSON.stringify({ ...ok, grant_types: ["implicit"] })), "authorization_code or device_code"],
      ["response type token", () => raw(JSON.stringify({ ...ok, response_types: ["code", "token"] })), "only code"],
      ["client_name a number", () => raw(JSON.stringify({ ...ok, client_name: 5 })), "must be a string"],
      ["client_name too long", () => raw(JSON.stringify({ ...ok, client_name: "x".repeat(101) })), "longer than 100"],
      ["client_name with a NUL", () => raw(JSON.stringify({ ...ok, client_name: "Doc\u0000App" })), "control or bidirectional"],
      ["client_name with a right-to-left override", () => raw(JSON.stringify({ ...ok, client_name: "Doc \u202eppA" })), "control or bidirectional"],
      ["client_name with an isolate", () => raw(JSON.stringify({ ...ok, client_name: "Doc \u2067App" })), "control or bidirectional"],
      ["jwks and jwks_uri", () => raw(JSON.stringify({ ...ok, token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [{ kty: "EC" }] }, jwks_uri: "https://app.example.com/jwks" })), "both"],
      ["private_key_jwt without keys", () => raw(JSON.stringify({ ...ok, token_endpoint_auth_method: "private_key_jwt" })), "requires jwks"],
      ["a symmetric key", () => raw(JSON.stringify({ ...ok, token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } })), "private or symmetric"],
      ["an RSA private key", () => raw(JSON.stringify({ ...ok, token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [{ kty: "RSA", n: "AQAB", e: "AQAB", d: "AQAB" }] } })), "private or symmetric"],
      ["keys not a list", () => raw(JSON.stringify({ ...ok, token_endpoint_auth_method: "private_key_jwt", jwks: { keys: "x" } })), "1 to 20 keys"],
      ["21 keys", () => raw(JSON.stringify({ ...ok, token_endpoint_auth_method: "private_key_jwt", jwks: { keys: new Array(21).fill({ kty: "EC" }) } })), "1 to 20 keys"],
      ["a key without kty", () => raw(JSON.stringify({ ...ok, token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [{ crv: "P-256" }] } })), "without kty"],
      ["jwks_uri a number", () => raw(JSON.stringify({ ...ok, jwks_uri: 5 })), "must be a string"],
    ];
    for (const [name, parse, text] of refused) {
      let reason = "accepted";
      try {
        parse();
      } catch (e) {
        reason = e instanceof ClientMetadataRefused ? e.reason : `threw ${String(e)}`;
      }
      expect({ name, reason }).toEqual({ name, reason: expect.stringContaining(text) });
    }
    // The last of duplicate keys counts (JSON.parse), so a trailing correct client_id is the one compared.
    expect(raw(`{"client_id":"https://evil.example/c","client_id":"${id}","redirect_uris":["${REDIRECT}"],"token_endpoint_auth_method":"none"}`).metadata.callbackUrls).toEqual([REDIRECT]);
    // A __proto__ member stays an ordinary member: it changes neither the object's prototype nor what is read.
    const proto = raw(`{"client_id":"${id}","redirect_uris":["${REDIRECT}"],"token_endpoint_auth_method":"none","__proto__":{"isPublic":false,"client_name":"Admin"}}`);
    expect(proto.metadata).toMatchObject({ name: "app.example.com", isPublic: true });
    expect(({} as Record<string, unknown>).isPublic).toBeUndefined();
  });

  test.each([
    [{ "cache-control": "max-age=120" }, 120],
    [{ "cache-control": "s-maxage=60, max-age=120" }, 60],
    [{ "cache-control": "max-age=9999999" }, 86400],
    [{ "cache-control": "no-store" }, 0],
    [{ "cache-control": "no-cache, max-age=100" }, 0],
    [{ "cache-control": "max-age=120", age: "100" }, 20],
    [{ "cache-control": "max-age=-5" }, 3600],
    [{}, 3600],
    [{ date: "Sat, 28 Nov 2026 12:00:00 GMT", expires: "Sat, 28 Nov 2026 12:10:00 GMT" }, 600],
    [{ date: "Sat, 28 Nov 2026 12:00:00 GMT", expires: "Sat, 28 Nov 2026 11:00:00 GMT" }, 0],
  ])("cache headers %j: fresh for %d s", (headers, expected) => {
    expect(freshnessSeconds(new Headers(headers as Record<string, string>), Date.UTC(2026, 10, 28, 12, 0, 0) / 1000)).toBe(expected);
  });
});
