/**
 * Declarative client secrets through the admin API (issue 18, item 4), as Pocket ID v2.12+ allows:
 * POST /api/oidc/clients/:id/secrets {secret?, expiresAt?}. Everything goes through app.handle with a real
 * SQLite file and the real logger writing into an array.
 * - A given value (32–512 printable ASCII characters, no spaces) then authenticates a real token request
 *   by client_secret_basic and client_secret_post, like a generated one.
 * - Every refusal answers an exact status and body, writes no row and never repeats the value.
 * - At most 20 secrets per client, given or generated; an expiry ends a given secret like any other.
 * - The value is never stored in clear, never echoed in the answer, the audit log or the log lines.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { exportJWK, generateKeyPair } from "jose";
import type { App } from "../../../src/app.ts";
import { createLog } from "../../../src/lib/log.ts";
import { isoTime } from "../../../src/admin/pagination.ts";
import { nowSeconds } from "../../../src/lib/clock.ts";
import { verifyClientSecret } from "../../../src/oidc/client-secrets.ts";
import { apiReq, json, makeAdminFixture, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { basicAuth, CALLBACK } from "../../helpers/oidc-flow.ts";
import { createTestApp, makeTestDeps, req, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
let app: App;
let f: AdminFixture;
let lines: string[];

/** 45 characters with every character that needs form-encoding in a Basic header or a form body. */
const GIVEN = "Decl4red+secret%20with:colons&amp=equals/~!*'";
/** 40 characters a client may send in a Basic header with or without form-encoding. */
const PLAIN = "gitops-managed-secret_0123456789.abcdefgh";

beforeEach(async () => {
  deps = makeTestDeps({ DISABLE_RATE_LIMITING: "true" });
  lines = [];
  deps.log = createLog({ level: "debug", json: true, write: (line) => void lines.push(line) });
  app = await createTestApp(deps);
  f = makeAdminFixture(deps);
  const signer = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(signer.publicKey)), kid: "k1", alg: "ES256" };
  for (const body of [
    { id: "machine", name: "Machine", callbackURLs: [CALLBACK], isGroupRestricted: false, credentialsScopes: ["x"] },
    { id: "other", name: "Other", callbackURLs: [CALLBACK], isGroupRestricted: false, credentialsScopes: ["x"] },
    { id: "spa", name: "SPA", callbackURLs: [CALLBACK], isGroupRestricted: false, isPublic: true },
    { id: "signed", name: "Signed", callbackURLs: [CALLBACK], isGroupRestricted: false, tokenEndpointAuthMethod: "private_key_jwt", jwks: { keys: [jwk] } },
  ]) {
    const r = await call("POST", "/api/oidc/clients", body);
    expect(r.status).toBe(201);
  }
});

const call = (method: string, path: string, body?: unknown) => json(app, apiReq(deps, f.admin.key, method, path, body));
const addSecret = (clientId: string, body: unknown) => call("POST", `/api/oidc/clients/${clientId}/secrets`, body);

/** A client_credentials token request authenticated with `secret` by Basic (RFC 6749 2.3.1 form-encoded) or post. */
async function token(clientId: string, secret: string, way: "basic" | "post" | "basic-raw") {
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (way === "basic") headers.authorization = basicAuth(clientId, secret);
  else if (way === "basic-raw") headers.authorization = "Basic " + btoa(`${clientId}:${secret}`);
  else {
    form.set("client_id", clientId);
    form.set("client_secret", secret);
  }
  return json(app, req(deps, "/api/oidc/token", { method: "POST", headers, body: form.toString() }));
}

function secretRows(clientId: string) {
  return deps.db.query<Record<string, unknown>, [string]>("SELECT * FROM oidc_client_secrets WHERE client_id = ?").all(clientId);
}

/** The value appears nowhere we keep or print: secret rows, audit rows, log lines. */
function expectNowhere(value: string) {
  const stored = JSON.stringify(deps.db.query("SELECT * FROM oidc_client_secrets").all());
  const audited = JSON.stringify(deps.db.query("SELECT * FROM audit_logs").all());
  expect(stored).not.toContain(value);
  expect(audited).not.toContain(value);
  expect(lines.join("\n")).not.toContain(value);
  // Not even percent- or form-encoded.
  for (const text of [stored, audited, lines.join("\n")]) {
    expect(text).not.toContain(encodeURIComponent(value));
    expect(text).not.toContain(new URLSearchParams({ v: value }).toString().slice(2));
  }
}

describe("POST /api/oidc/clients/:id/secrets with a given value", () => {
  test("201 answered as Pocket ID does (the value in `secret`, once); it then authenticates by Basic and post, like a generated one", async () => {
    const before = nowSeconds(deps.clock);
    const r = await addSecret("machine", { secret: GIVEN });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: r.body.id, prefix: "Decl", createdAt: isoTime(before), expiresAt: null, expired: false, isActive: true, secret: GIVEN });
    const { secret: _shownOnce, ...listed } = r.body;
    expect(r.body.id).toMatch(/^[0-9a-f-]{36}$/);
    // Stored as "sha256:<hex>" of the value, as generated secrets are.
    const row = secretRows("machine").find((s) => s.id === r.body.id)!;
    expect(row.hash).toBe(`sha256:${new Bun.CryptoHasher("sha256").update(GIVEN).digest("hex")}`);
    expect(row.prefix).toBe("Decl");

    for (const way of ["basic", "post"] as const) {
      const t = await token("machine", GIVEN, way);
      expect(t.status).toBe(200);
      expect(t.body.token_type).toBe("Bearer");
      expect(typeof t.body.access_token).toBe("string");
      const wrong = await token("machine", GIVEN.slice(0, -1) + "?", way);
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe("invalid_client");
    }
    // Secrets of only unreserved characters also work for clients that skip RFC 6749's form-encoding.
    expect((await addSecret("other", { secret: PLAIN })).status).toBe(201);
    expect((await token("other", PLAIN, "basic-raw")).status).toBe(200);
    // And the other client's given value is not this one's.
    expect((await token("machine", PLAIN, "post")).status).toBe(401);

    // The list shows it like any other secret; no value anywhere.
    const list = await call("GET", "/api/oidc/clients/machine/secrets");
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(2);
    expect(list.body[1]).toEqual(listed);
    expect(list.body.every((s: Record<string, unknown>) => !("secret" in s))).toBe(true);

    // Audited as a created secret, naming it by id and prefix.
    const audit = deps.db
      .query<{ data: string }, []>("SELECT data FROM audit_logs WHERE event = 'ADMIN_CHANGE' ORDER BY rowid")
      .all()
      .map((a) => JSON.parse(a.data))
      .filter((d) => d.action === "create_secret" && d.id === "machine");
    expect(audit).toEqual([{ entity: "oidc_client", action: "create_secret", id: "machine", changes: { secretId: r.body.id, prefix: "Decl", declared: true }, via: audit[0].via }]);
    expectNowhere(GIVEN);
    expectNowhere(PLAIN);
  });

  test("without a value (absent, null or empty, as in Pocket ID) a secret is generated and shown once", async () => {
    for (const body of [{}, { secret: null }, { secret: "" }, null]) {
      const r = await addSecret("machine", body ?? undefined);
      expect(r.status).toBe(201);
      expect(r.body.secret).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(r.body.prefix).toBe(r.body.secret.slice(0, 4));
      expect((await token("machine", r.body.secret, "basic")).status).toBe(200);
    }
    const audit = deps.db.query<{ data: string }, []>("SELECT data FROM audit_logs WHERE data LIKE '%create_secret%'").all();
    expect(audit.map((a) => JSON.parse(a.data).changes.declared)).toEqual([false, false, false, false]);
  });

  test("every refusal: exact status and body, no row written, the value never repeated", async () => {
    await addSecret("machine", { secret: GIVEN });
    await addSecret("other", { secret: PLAIN });
    const existingId = secretRows("machine").find((s) => s.prefix === "Decl")!.id;
    const past = isoTime(nowSeconds(deps.clock) - 1);
    const charset = (n: number) =>
      `Use only printable ASCII characters without spaces (“!” to “~”): character ${n} is not one. ` +
      "Apps send the secret in a Basic header and in form bodies, where other characters are not carried reliably.";
    const bad = (message: string, fields: Record<string, string> = { secret: message }) => ({ error: "bad_request", message, fields });
    const cases: [name: string, client: string, body: Record<string, unknown>, status: number, answer: unknown][] = [
      ["31 characters", "machine", { secret: "a".repeat(31) }, 400, bad("Use at least 32 characters for the secret (this one has 31).")],
      ["1 character", "machine", { secret: "a" }, 400, bad("Use at least 32 characters for the secret (this one has 1).")],
      ["513 characters", "machine", { secret: "a".repeat(513) }, 400, bad("Use at most 512 characters for the secret (this one has 513).")],
      ["a space", "machine", { secret: "a".repeat(20) + " " + "b".repeat(20) }, 400, bad(charset(21))],
      ["a leading space", "machine", { secret: " " + "b".repeat(40) }, 400, bad(charset(1))],
      ["a tab", "machine", { secret: "a".repeat(32) + "\t" }, 400, bad(charset(33))],
      ["a newline", "machine", { secret: "a".repeat(32) + "\n" }, 400, bad(charset(33))],
      ["a NUL", "machine", { secret: "\u0000" + "a".repeat(32) }, 400, bad(charset(1))],
      ["DEL", "machine", { secret: "a".repeat(32) + "\u007f" }, 400, bad(charset(33))],
      ["non-ASCII", "machine", { secret: "pässwörd-".repeat(4) }, 400, bad(charset(2))],
      ["an emoji", "machine", { secret: "a".repeat(31) + "🔑" }, 400, bad(charset(32))],
      ["a number", "machine", { secret: 12345678901234567890123456789012 }, 400, bad("Please correct the highlighted fields.", { secret: "must be a string" })],
      ["an object", "machine", { secret: { value: "x".repeat(40) } }, 400, bad("Please correct the highlighted fields.", { secret: "must be a string" })],
      ["an expiry in the past", "machine", { secret: "c".repeat(40), expiresAt: past }, 400, bad("Please correct the highlighted fields.", { expiresAt: "Choose an expiry in the future." })],
      [
        "a bad value and a past expiry",
        "machine",
        { secret: "short", expiresAt: past },
        400,
        bad("Please correct the highlighted fields.", { secret: "Use at least 32 characters for the secret (this one has 5).", expiresAt: "Choose an expiry in the future." }),
      ],
      ["a public client", "spa", { secret: "d".repeat(40) }, 400, bad("Public clients have no secrets.")],
      [
        "a private_key_jwt client",
        "signed",
        { secret: "d".repeat(40) },
        400,
        bad("This client authenticates with private_key_jwt and cannot use a secret. Change its client authentication to a secret method first."),
      ],
      ["an unknown client", "nobody", { secret: "d".repeat(40) }, 404, { error: "not_found", message: "No such OIDC client." }],
      [
        "the value of a live secret of this client",
        "machine",
        { secret: GIVEN },
        409,
        { error: "conflict", message: `This value is already a live secret of this client (secret ${existingId}); the existing secret keeps working.` },
      ],
      ["the value of another client's secret", "machine", { secret: PLAIN }, 409, { error: "conflict", message: "This value is already the secret of another client. Every client needs its own secret." }],
    ];
    for (const [name, client, body, status, answer] of cases) {
      const before = deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM oidc_client_secrets").get()!.n;
      const r = await addSecret(client, body);
      expect({ name, status: r.status, body: r.body }).toEqual({ name, status, body: answer });
      expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM oidc_client_secrets").get()!.n).toBe(before);
      if (typeof body.secret === "string" && body.secret.length >= 5) expect(JSON.stringify(r.body)).not.toContain(body.secret);
    }
    // The refused values never reached a log line either.
    for (const [, , body] of cases) if (typeof body.secret === "string" && body.secret.length >= 32) expect(lines.join("\n")).not.toContain(body.secret);
    // Only a member's key: 403 before anything is looked at.
    const member = await json(app, apiReq(deps, f.member.key, "POST", "/api/oidc/clients/machine/secrets", { secret: "e".repeat(40) }));
    expect(member.status).toBe(403);
  });

  test("at most 20 secrets per client, given or generated; revoking one makes room", async () => {
    // "machine" has its generated first secret; 19 given ones fill it.
    expect(secretRows("machine")).toHaveLength(1);
    const values = Array.from({ length: 19 }, (_, i) => `automation-secret-${String(i).padStart(2, "0")}-0123456789abcdef`);
    for (const secret of values) expect((await addSecret("machine", { secret })).status).toBe(201);
    const limit = { error: "bad_request", message: "A client can have at most 20 secrets. Revoke one first.", fields: { secret: "A client can have at most 20 secrets. Revoke one first." } };
    for (const body of [{ secret: "one-too-many-0123456789abcdefghijkl" }, {}]) {
      const r = await addSecret("machine", body);
      expect({ status: r.status, body: r.body }).toEqual({ status: 400, body: limit });
    }
    expect(secretRows("machine")).toHaveLength(20);
    // Every one of the 19 authenticates.
    for (const secret of values) expect((await token("machine", secret, "post")).status).toBe(200);
    const list = await call("GET", "/api/oidc/clients/machine/secrets");
    expect((await call("DELETE", `/api/oidc/clients/machine/secrets/${list.body[5].id}`)).status).toBe(204);
    expect((await token("machine", values[4]!, "post")).status).toBe(401);
    expect((await addSecret("machine", { secret: "one-too-many-0123456789abcdefghijkl" })).status).toBe(201);
  });

  test("expiry: a given secret works until expiresAt, is then listed expired, and its value is refused until revoked", async () => {
    const expiresAt = nowSeconds(deps.clock) + 3600;
    const r = await addSecret("machine", { secret: GIVEN, expiresAt: isoTime(expiresAt) });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ prefix: "Decl", expiresAt: isoTime(expiresAt), expired: false, isActive: true });
    deps.clock.advance(3599);
    expect((await token("machine", GIVEN, "basic")).status).toBe(200);
    deps.clock.advance(1);
    for (const way of ["basic", "post"] as const) {
      const t = await token("machine", GIVEN, way);
      expect(t.status).toBe(401);
      expect(t.body.error).toBe("invalid_client");
    }
    const listed = (await call("GET", "/api/oidc/clients/machine/secrets")).body.find((s: { id: string }) => s.id === r.body.id);
    const { secret: _shownOnce, ...created } = r.body;
    expect(listed).toEqual({ ...created, expired: true, isActive: false });
    const again = await addSecret("machine", { secret: GIVEN });
    expect({ status: again.status, body: again.body }).toEqual({
      status: 409,
      body: { error: "conflict", message: `This value is an expired secret of this client (secret ${r.body.id}). Revoke that secret first to reuse the value.` },
    });
    expect((await call("DELETE", `/api/oidc/clients/machine/secrets/${r.body.id}`)).status).toBe(204);
    const renewed = await addSecret("machine", { secret: GIVEN });
    expect(renewed.status).toBe(201);
    expect((await token("machine", GIVEN, "post")).status).toBe(200);
    expectNowhere(GIVEN);
  });
});

describe("the admin page's \"Use a value you already have\" form (same domain function)", () => {
  const page = "/settings/admin/oidc-clients/machine/secrets";
  const post = (form: Record<string, string>, htmx = true) => app.handle(pageReq(deps, f.admin, "POST", page, { htmx, form }));

  test("adds the given value, shows only its prefix, and refuses bad values at the field without rendering them back", async () => {
    const detail = await (await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/oidc-clients/machine"))).text();
    expect(detail).toContain('<input id="f-secret" name="secret" type="password"');

    const ok = await post({ secret: GIVEN });
    expect(ok.status).toBe(200);
    const okHtml = await ok.text();
    expect(okHtml).toContain("Secret Decl•••••••• added.");
    expect(okHtml).not.toContain(GIVEN);
    expect(okHtml).not.toContain('class="secret"');
    expect(verifyClientSecret(deps, "machine", GIVEN)).toBe(true);
    expect((await token("machine", GIVEN, "basic")).status).toBe(200);

    const refusals: [form: Record<string, string>, message: string][] = [
      [{ secret: "short-value" }, "Use at least 32 characters for the secret (this one has 11)."],
      [{ secret: "with space ".repeat(4) }, "character 5 is not one."],
      [{ secret: GIVEN }, "This value is already a live secret of this client"],
    ];
    for (const [form, message] of refusals) {
      const before = secretRows("machine").length;
      const r = await post(form);
      expect(r.status).toBe(422);
      const html = await r.text();
      expect(html).toContain(message.replace(/"/g, "&quot;"));
      expect(html).toContain('<details class="declare-secret" open>');
      expect(html).not.toContain(form.secret!.trim());
      expect(secretRows("machine").length).toBe(before);
    }
    // Without htmx: back to the client page (the secret list shows the prefix).
    const plain = await post({ secret: PLAIN }, false);
    expect(plain.status).toBe(303);
    expect(plain.headers.get("location")).toBe("/settings/admin/oidc-clients/machine");
    // The button without a value still generates and shows the secret once.
    const generated = await (await post({})).text();
    expect(generated).toMatch(/<code class="secret">[A-Za-z0-9]{32}<\/code>/);
    const audit = deps.db.query<{ data: string }, []>("SELECT data FROM audit_logs WHERE data LIKE '%create_secret%' ORDER BY rowid").all();
    expect(audit.map((a) => JSON.parse(a.data).changes.declared)).toEqual([true, true, false]);
    expectNowhere(GIVEN);
    expectNowhere(PLAIN);
  });
});

