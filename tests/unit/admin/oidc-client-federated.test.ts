/**
 * Federated identities in the admin API, in Pocket ID's JSON (credentials.federatedIdentities on POST, PUT and
 * GET /api/oidc/clients): stored in the administrator's order, replaced when given, kept when omitted, refused
 * field by field with a precise message, never half-written; a client created with them gets no generated secret.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { listFederatedIdentities } from "../../../src/db/federated-identities.ts";
import { findClientById } from "../../../src/oidc/clients.ts";
import { FieldErrors } from "../../../src/admin/validation.ts";
import { fieldTexts } from "../../../src/errors.ts";
import { validateFederatedIdentities } from "../../../src/oidc/federated-identities.ts";
import { apiReq, json, makeAdminFixture, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let key: string;
let fixture: AdminFixture;

beforeAll(async () => {
  ({ app, deps } = await makeTestApp({ DISABLE_RATE_LIMITING: "true" }));
  fixture = makeAdminFixture(deps);
  key = fixture.admin.key;
});
afterAll(() => deps.cleanup());

const GITHUB = {
  issuer: "https://token.actions.githubusercontent.com",
  subject: "repo:octo-org/deploy:ref:refs/heads/main",
  jwks: "https://token.actions.githubusercontent.com/.well-known/jwks",
  replayProtection: true,
};
const K8S = { issuer: "https://kubernetes.default.svc.cluster.local", subject: "system:serviceaccount:ci:deployer", audience: "api://latchkey", jwks: "https://kubernetes.default.svc.cluster.local/openid/v1/jwks" };
const base = { name: "Deployer", callbackURLs: ["https://deploy.example.com/cb"] };

const call = (method: string, path: string, body?: unknown) => json(app, apiReq(deps, key, method, path, body));

test("create, read, replace and keep the list in Pocket ID's JSON; no secret is generated for a federated client", async () => {
  const created = await call("POST", "/api/oidc/clients", { ...base, id: "deployer", credentials: { federatedIdentities: [GITHUB, K8S] } });
  expect(created.status).toBe(201);
  expect(created.body.secret).toBeUndefined();
  // Pocket ID's shape: omitted fields stay omitted, replayProtection is always there.
  const expected = [GITHUB, { ...K8S, replayProtection: false }];
  expect(created.body.credentials).toEqual({ federatedIdentities: expected });
  expect((await call("GET", "/api/oidc/clients/deployer")).body.credentials).toEqual({ federatedIdentities: expected });

  // Omitted: kept.
  expect((await call("PUT", "/api/oidc/clients/deployer", { name: "Deployer 2" })).body.credentials.federatedIdentities).toEqual(expected);
  // Latchkey's top-level name, with jwksUrl, replaces; empty optional fields mean the defaults.
  const replaced = await call("PUT", "/api/oidc/clients/deployer", { federatedIdentities: [{ issuer: "https://issuer.example.com/tenant", subject: "", audience: " ", jwksUrl: "" }] });
  expect(replaced.status).toBe(200);
  expect(replaced.body.credentials.federatedIdentities).toEqual([{ issuer: "https://issuer.example.com/tenant", replayProtection: false }]);
  // Pocket ID's credentials object without federatedIdentities (its GET omits an empty list): the list empties.
  expect((await call("PUT", "/api/oidc/clients/deployer", { credentials: { secrets: [] } })).body.credentials.federatedIdentities).toEqual([]);
  expect(listFederatedIdentities(deps.db, "deployer")).toEqual([]);

  // A client created without them still gets its first secret.
  expect((await call("POST", "/api/oidc/clients", { ...base, id: "classic" })).body.secret).toBeString();
  // The OpenAPI document describes the field.
  const openapi = await call("GET", "/api/openapi.json");
  expect(JSON.stringify(openapi.body)).toContain("federatedIdentities");
});

const entry = (over: Record<string, unknown>) => ({ issuer: "https://issuer.example.com", ...over });
const REFUSALS: { name: string; list: unknown; field: string; message: string }[] = [
  { name: "not a list", list: { issuer: "https://issuer.example.com" }, field: "federatedIdentities", message: "must be a list of {issuer, subject, audience, jwks, replayProtection}" },
  { name: "an entry that is not an object", list: ["https://issuer.example.com"], field: "federatedIdentities[0]", message: "must be an object" },
  { name: "too many", list: Array.from({ length: 21 }, (_, i) => entry({ subject: `s${i}` })), field: "federatedIdentities", message: "A client can have at most 20 federated identities." },
  { name: "no issuer", list: [{ subject: "x" }], field: "federatedIdentities[0].issuer", message: "Enter the issuer: the iss claim of the tokens, such as https://token.actions.githubusercontent.com." },
  { name: "an issuer that is not a URL", list: [entry({ issuer: "token.actions.githubusercontent.com" })], field: "federatedIdentities[0].issuer", message: "The issuer must be an https URL without user name, query or fragment, such as https://token.actions.githubusercontent.com." },
  { name: "an issuer with a query", list: [entry({ issuer: "https://issuer.example.com/?tenant=1" })], field: "federatedIdentities[0].issuer", message: "The issuer must be an https URL without user name, query or fragment, such as https://token.actions.githubusercontent.com." },
  { name: "an issuer with user info", list: [entry({ issuer: "https://user@issuer.example.com" })], field: "federatedIdentities[0].issuer", message: "The issuer must be an https URL without user name, query or fragment, such as https://token.actions.githubusercontent.com." },
  { name: "an ftp issuer", list: [entry({ issuer: "ftp://issuer.example.com" })], field: "federatedIdentities[0].issuer", message: "The issuer must be an https URL without user name, query or fragment, such as https://token.actions.githubusercontent.com." },
  { name: "an issuer not in canonical form", list: [entry({ issuer: "https://Issuer.Example.com:443" })], field: "federatedIdentities[0].issuer", message: "Write the issuer exactly as tokens carry it, in canonical form: https://issuer.example.com" },
  { name: "an issuer too long", list: [entry({ issuer: `https://issuer.example.com/${"a".repeat(1010)}` })], field: "federatedIdentities[0].issuer", message: "Use at most 1024 characters." },
  { name: "a subject too long", list: [entry({ subject: "s".repeat(513) })], field: "federatedIdentities[0].subject", message: "Use at most 512 characters." },
  { name: "a subject with a line break", list: [entry({ subject: "a\nb" })], field: "federatedIdentities[0].subject", message: "Enter text without line breaks or other control characters." },
  { name: "an audience that is not text", list: [entry({ audience: 5 })], field: "federatedIdentities[0].audience", message: "must be a string" },
  { name: "a JWKS URL that is not a URL", list: [entry({ jwks: "keys.json" })], field: "federatedIdentities[0].jwks", message: "The JWKS URL must be an https URL without user name or fragment." },
  { name: "a JWKS URL with a line break in its host", list: [entry({ jwks: "https://keys.exa\nmple.com/k" })], field: "federatedIdentities[0].jwks", message: "The JWKS URL must be an https URL without user name or fragment." },
  { name: "a JWKS URL with a NUL", list: [entry({ jwks: "https://keys.example.com/k\u0000" })], field: "federatedIdentities[0].jwks", message: "The JWKS URL must be an https URL without user name or fragment." },
  { name: "a JWKS URL with a space", list: [entry({ jwks: "https://keys.example.com/my keys" })], field: "federatedIdentities[0].jwks", message: "The JWKS URL must be an https URL without user name or fragment." },
  { name: "a JWKS URL with an empty fragment", list: [entry({ jwks: "https://keys.example.com/k#" })], field: "federatedIdentities[0].jwks", message: "The JWKS URL must be an https URL without user name or fragment." },
  { name: "an issuer with dot segments", list: [entry({ issuer: "https://issuer.example.com/a/%2e%2e/t" })], field: "federatedIdentities[0].issuer", message: "Write the issuer exactly as tokens carry it, in canonical form: https://issuer.example.com/t" },
  {
    name: "a plain-http JWKS URL off loopback",
    list: [entry({ jwks: "http://issuer.example.com/keys" })],
    field: "federatedIdentities[0].jwks",
    message: "The JWKS URL must use https: its keys decide who may act as this client. Plain http is allowed only to localhost while ALLOW_INSECURE_CALLBACK_URLS is true.",
  },
  {
    name: "an http issuer without a JWKS URL (its keys would come over http)",
    list: [entry({ issuer: "http://issuer.example.com" })],
    field: "federatedIdentities[0].jwks",
    message: "The issuer uses http, so its keys would be fetched without TLS from http://issuer.example.com/.well-known/jwks.json. Enter an https JWKS URL.",
  },
  { name: "replayProtection not a boolean", list: [entry({ replayProtection: "yes" })], field: "federatedIdentities[0].replayProtection", message: "must be true or false" },
  { name: "the same issuer and subject twice", list: [entry({ subject: "x" }), entry({ subject: "x" })], field: "federatedIdentities[1].issuer", message: "Identity 1 already has this issuer and subject." },
];

test.each([
  ["https://keys.example.com", "https://keys.example.com"],
  ["https://keys.example.com/k", "https://keys.example.com/k"],
  ["HTTPS://Keys.Example.COM/k", "https://keys.example.com/k"],
  ["https:\\\\keys.example.com\\k", "https://keys.example.com/k"],
  ["https://keys.example.com/a/../k", "https://keys.example.com/k"],
  ["https://keys.example.com/a/%2E%2e/k", "https://keys.example.com/k"],
  ["https://bücher.example/k", "https://xn--bcher-kva.example/k"],
])("a JWKS URL %j is stored as it is fetched: %j", (jwks, stored) => {
  const errors = new FieldErrors();
  expect(validateFederatedIdentities(errors, [entry({ jwks })], { clientId: "c", allowInsecure: false })[0]!.jwksUrl).toBe(stored);
  expect(errors.fields).toEqual({});
});

describe("refusals", () => {
  test.each(REFUSALS)("$name", async (refusal) => {
    const { list, field, message } = refusal;
    const before = await call("POST", "/api/oidc/clients", { ...base, federatedIdentities: [GITHUB] });
    const id = before.body.id as string;
    // Half through Pocket ID's credentials object, half through the top-level name: the same rules.
    const body = REFUSALS.indexOf(refusal) % 2 ? { credentials: { federatedIdentities: list } } : { federatedIdentities: list };
    const res = await call("PUT", `/api/oidc/clients/${id}`, body);
    expect(res.status).toBe(400);
    const fields = res.body.fields as Record<string, string>;
    expect(fields[Object.hasOwn(body, "credentials") && message.startsWith("must") ? `credentials.${field}` : field]).toBe(message);
    // Nothing was written.
    expect(listFederatedIdentities(deps.db, id)).toEqual([{ issuer: GITHUB.issuer, subject: GITHUB.subject, audience: null, jwksUrl: GITHUB.jwks, replayProtection: true }]);
  });

  test("the default subject spelled out is the same identity", async () => {
    const made = await call("POST", "/api/oidc/clients", { ...base });
    const res = await call("PUT", `/api/oidc/clients/${made.body.id}`, { federatedIdentities: [entry({}), entry({ subject: made.body.id })] });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual({ "federatedIdentities[1].issuer": "Identity 1 already has this issuer and subject." });
  });

  test("the domain's rules hold without the HTTP schema (an entry that is not an object, text that is not text)", () => {
    const errors = new FieldErrors();
    validateFederatedIdentities(errors, ["https://issuer.example.com", { issuer: "https://issuer.example.com", audience: 5, replayProtection: "yes" }], { clientId: "c", allowInsecure: false });
    expect(fieldTexts(errors.fields)).toEqual({
      "federatedIdentities[0]": "Give each federated identity as an object with issuer, subject, audience, jwks and replayProtection.",
      "federatedIdentities[1].audience": "Enter text without line breaks or other control characters.",
      "federatedIdentities[1].replayProtection": "Choose yes or no.",
    });
  });

  test("a create that is refused leaves no client behind", async () => {
    const res = await call("POST", "/api/oidc/clients", { ...base, id: "refused-create", credentials: { federatedIdentities: [{ issuer: "nope" }] } });
    expect(res.status).toBe(400);
    expect(findClientById(deps.db, "refused-create")).toBeNull();
  });

  test("public clients cannot have them, either way round", async () => {
    const pub = await call("POST", "/api/oidc/clients", { ...base, isPublic: true, federatedIdentities: [GITHUB] });
    expect(pub.status).toBe(400);
    expect(pub.body.fields.federatedIdentities).toBe(
      "A public client cannot have federated identities: they authenticate confidential clients. Remove them first, or keep the client confidential.",
    );
    const fed = await call("POST", "/api/oidc/clients", { ...base, federatedIdentities: [GITHUB] });
    const made = await call("PUT", `/api/oidc/clients/${fed.body.id}`, { isPublic: true });
    expect(made.status).toBe(400);
    expect(Object.keys(made.body.fields)).toEqual(["isPublic"]);
  });
});

describe("http issuers follow ALLOW_INSECURE_CALLBACK_URLS", () => {
  test("allowed (the default): an http issuer with an https JWKS URL, or a loopback issuer", async () => {
    const res = await call("POST", "/api/oidc/clients", {
      ...base,
      federatedIdentities: [
        { issuer: "http://issuer.example.com", jwks: "https://issuer.example.com/keys" },
        { issuer: "http://127.0.0.1:8080", subject: "dev" },
      ],
    });
    expect(res.status).toBe(201);
  });

  test("refused when insecure URLs are off, loopback included", async () => {
    const strict = await makeTestApp({ DISABLE_RATE_LIMITING: "true", ALLOW_INSECURE_CALLBACK_URLS: "false" });
    try {
      const k = makeAdminFixture(strict.deps).admin.key;
      const res = await json(
        strict.app,
        apiReq(strict.deps, k, "POST", "/api/oidc/clients", { ...base, federatedIdentities: [{ issuer: "http://issuer.example.com", jwks: "https://issuer.example.com/keys" }, { issuer: "https://issuer.example.com", jwks: "http://127.0.0.1:8080/keys" }] }),
      );
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({
        "federatedIdentities[0].issuer": "The issuer must use https. Plain http is allowed only while ALLOW_INSECURE_CALLBACK_URLS is true.",
        "federatedIdentities[1].jwks": "The JWKS URL must use https: its keys decide who may act as this client. Plain http is allowed only to localhost while ALLOW_INSECURE_CALLBACK_URLS is true.",
      });
    } finally {
      strict.deps.cleanup();
    }
  });
});

describe("the client's admin page (a section of its one form)", () => {
  const page = (id: string) => `/settings/admin/oidc-clients/${id}`;
  /** The page's form as a browser sends it: the settings, then the identity rows (each field repeated per row). */
  const form = (rows: { issuer: string; subject?: string; audience?: string; jwks?: string; replay?: "on" | "off" }[], extra: Record<string, string> = {}) => ({
    name: "Deployer",
    callbackUrl: "https://deploy.example.com/cb",
    accessTokenDurationMinutes: "60",
    refreshTokenDurationMinutes: "43200",
    access: "everyone",
    fedRows: "1",
    fedIssuer: rows.map((r) => r.issuer),
    fedSubject: rows.map((r) => r.subject ?? ""),
    fedAudience: rows.map((r) => r.audience ?? ""),
    fedJwks: rows.map((r) => r.jwks ?? ""),
    fedReplayProtection: rows.map((r) => r.replay ?? "on"),
    ...extra,
  });
  const save = (id: string, body: Record<string, string | string[]>, opts: { htmx?: boolean; csrf?: boolean } = { htmx: true }) =>
    app.handle(pageReq(deps, fixture.admin, "POST", page(id), { form: body, ...opts }));

  test("the section shows the stored identities, a template row, and the examples", async () => {
    await call("POST", "/api/oidc/clients", { ...base, id: "page-client", federatedIdentities: [GITHUB] });
    const html = await (await app.handle(pageReq(deps, fixture.admin, "GET", page("page-client")))).text();
    expect(html).toContain('id="client-federated"');
    expect(html).toContain(`id="fi-0-fedIssuer" name="fedIssuer" type="text" value="${GITHUB.issuer}"`);
    expect(html).toContain(`id="fi-0-fedSubject" name="fedSubject" type="text" value="${GITHUB.subject}"`);
    // Its secrets section does not claim it cannot authenticate without a secret.
    expect(html).toContain("No secret: the client authenticates with its federated identities.");
    expect(html).toContain('<option value="on" selected>Accept each token only once</option>');
    expect(html).toContain("<template data-row-template>");
    expect(html).toContain("system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT");
  });

  test("saved with the page's one Save; replay protection per row; empty rows are no identity; all removed empties the list", async () => {
    await call("POST", "/api/oidc/clients", { ...base, id: "rows-client" });
    const saved = await save("rows-client", form([{ issuer: "https://issuer0.example.com", replay: "off" }, { issuer: "" }, { issuer: "https://issuer1.example.com", subject: "ci" }]));
    expect(saved.status).toBe(200);
    expect(listFederatedIdentities(deps.db, "rows-client")).toEqual([
      { issuer: "https://issuer0.example.com", subject: null, audience: null, jwksUrl: null, replayProtection: false },
      { issuer: "https://issuer1.example.com", subject: "ci", audience: null, jwksUrl: null, replayProtection: true },
    ]);
    expect((await save("rows-client", form([{ issuer: "" }]))).status).toBe(200);
    expect(listFederatedIdentities(deps.db, "rows-client")).toEqual([]);
  });

  test("a form without the section (an older page) leaves the stored list alone", async () => {
    await call("POST", "/api/oidc/clients", { ...base, id: "kept-client", federatedIdentities: [GITHUB] });
    const body: Record<string, string | string[]> = form([]);
    for (const k of ["fedRows", "fedIssuer", "fedSubject", "fedAudience", "fedJwks", "fedReplayProtection"]) delete body[k];
    expect((await save("kept-client", body)).status).toBe(200);
    expect(listFederatedIdentities(deps.db, "kept-client")).toHaveLength(1);
  });

  test("a refused save answers 422 with the message beside the row's field and the rows as typed; nothing stored", async () => {
    await call("POST", "/api/oidc/clients", { ...base, id: "bad-rows", federatedIdentities: [GITHUB] });
    const res = await save("bad-rows", form([{ issuer: "https://ok.example.com", jwks: "http://ok.example.com/keys" }, { issuer: "not a url" }]));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('id="fi-1-fedIssuer-error"');
    expect(html).toContain("The issuer must be an https URL without user name, query or fragment");
    expect(html).toContain('id="fi-0-fedJwks-error"');
    expect(html).toContain('value="not a url"');
    expect(listFederatedIdentities(deps.db, "bad-rows")).toHaveLength(1);
  });

  test("without the CSRF token nothing is stored", async () => {
    await call("POST", "/api/oidc/clients", { ...base, id: "csrf-client" });
    const res = await save("csrf-client", form([{ issuer: "https://issuer.example.com" }]), { htmx: true, csrf: false });
    expect(res.status).toBe(403);
    expect(listFederatedIdentities(deps.db, "csrf-client")).toEqual([]);
  });

  test("making a client public while it has identities is refused at the identities", async () => {
    await call("POST", "/api/oidc/clients", { ...base, id: "to-public", federatedIdentities: [GITHUB] });
    const res = await save("to-public", form([{ issuer: GITHUB.issuer, subject: GITHUB.subject, jwks: GITHUB.jwks }], { isPublic: "on" }));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("A public client cannot have federated identities");
    expect(findClientById(deps.db, "to-public")!.isPublic).toBe(false);
  });
});
