/**
 * Secrets in request URLs never reach the log (issue 17, finding 8).
 * Real requests to every secret-bearing route go through app.handle with the real logger writing into
 * an array (text and JSON formats); each test asserts the secret is absent from every line, that the
 * line says REDACTED where it was, and that harmless parameters (state, client_id) stay readable.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createOneTimeAccessToken } from "../../../src/account/one-time-access.ts";
import { createSignupToken } from "../../../src/admin/signup-tokens.ts";
import type { App } from "../../../src/app.ts";
import { createLog } from "../../../src/lib/log.ts";
import { redactPath, redactQuery, redactText, redactUrlText, REDACTED } from "../../../src/lib/redact.ts";
import { insertTestUser } from "../../helpers/oidc-fixtures.ts";
import { createTestApp, makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";
import { startTestServer } from "../../helpers/server.ts";
import { rawHttp } from "../../helpers/raw-http.ts";

let deps: TestDeps;
let app: App;
let lines: string[];

async function setup(json: boolean) {
  deps = makeTestDeps({ DISABLE_RATE_LIMITING: "true" });
  lines = [];
  deps.log = createLog({ level: "debug", json, write: (line) => void lines.push(line) });
  app = await createTestApp(deps);
}

/** Sends the request, then returns the access-log line(s) it produced. */
async function logged(pathAndQuery: string, init: RequestInit = {}): Promise<string[]> {
  const before = lines.length;
  const res = await app.handle(new Request(deps.config.appUrl + pathAndQuery, { redirect: "manual", ...init }), "192.0.2.1");
  await res.arrayBuffer();
  expect(res.status).toBeLessThan(500);
  return lines.slice(before);
}

const SECRET = "S3CRETVALUE9";

for (const json of [false, true]) {
  describe(`access log (${json ? "JSON" : "text"} format)`, () => {
    beforeEach(() => setup(json));
    afterEach(() => deps.cleanup());

    test("a real login code in /lc/<code>, every spelling of the path, with and without a redirect", async () => {
      const user = insertTestUser(deps, { username: "lc-user" });
      const { token } = createOneTimeAccessToken(deps, user.id, 3600);
      const paths = [
        `/lc/${token}`,
        `/lc/${token}?redirect=%2Fsettings`,
        `/lc/${token}/`,
        `//lc/${token}`,
        `/LC/${token}`,
        `/l%63/${token}`,
        `/lc/${token}/extra`,
        `/lc/%2F${token}`,
        `/api/one-time-access-token/${token}`,
        `/login?redirect=${encodeURIComponent(`/lc/${token}`)}`,
      ];
      for (const path of paths) {
        const out = await logged(path);
        expect([path, out.length]).toEqual([path, 1]);
        expect([path, out[0]!.includes(token)]).toEqual([path, false]);
        expect([path, out[0]!.includes(REDACTED)]).toEqual([path, true]);
      }
      // POST /lc carries the code in the body, which is never logged; the line is still there.
      const post = await logged("/lc", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `code=${token}` });
      expect(post.join("\n")).not.toContain(token);
    });

    test("a real sign-up token in /st/<token>", async () => {
      const { token } = createSignupToken(deps, CLI_ACTOR, {});
      for (const path of [`/st/${token}`, `/st/${encodeURIComponent(token)}?x=1`, `/ST/${token}`]) {
        const out = await logged(path);
        expect([path, out.join("\n").includes(token)]).toEqual([path, false]);
        expect(out[0]!.toLowerCase()).toContain("/st/redacted");
      }
    });

    test("secret query parameters on the routes that take them; state and client_id stay readable", async () => {
      const cases: [string, string][] = [
        ["/verify-email?token=", "token"],
        ["/device?code=", "code"],
        ["/device?user_code=", "user_code"],
        ["/signup?token=", "token"],
        [`/api/forward-auth/callback?state=keepme&code=`, "code"],
        [`/authorize?client_id=cid1&state=keepme&login_hint=`, "login_hint"],
        [`/authorize?client_id=cid1&state=keepme&id_token_hint=`, "id_token_hint"],
        [`/authorize?client_id=cid1&request=`, "request"],
        [`/api/oidc/end-session?state=keepme&id_token_hint=`, "id_token_hint"],
        [`/api/oidc/userinfo?access_token=`, "access_token"],
        [`/api/oidc/token?grant_type=refresh_token&refresh_token=`, "refresh_token"],
        [`/api/oidc/token?client_id=cid1&client_secret=`, "client_secret"],
        [`/api/oidc/token?code_verifier=`, "code_verifier"],
        [`/api/oidc/introspect?token=`, "token"],
        [`/api/users?api_key=`, "api_key"],
        [`/login?redirect=${encodeURIComponent("/device?code=")}`, "nested code"],
        [`/login?redirect=${encodeURIComponent("/authorize?client_id=cid1&state=keepme&id_token_hint=")}`, "nested hint"],
        [`/authorize?client_id=cid1&redirect_uri=${encodeURIComponent("https://app.example/cb?token=")}`, "token inside redirect_uri"],
        ["/verify-email?TOKEN=", "upper-case name"],
        ["/verify-email?my_access_token=", "any *_token"],
        ["/settings?x=1#access_token=", "fragment (never sent, but a client may)"],
      ];
      for (const [prefix, what] of cases) {
        const out = await logged(`${prefix}${SECRET}`);
        const text = out.join("\n");
        expect([what, text.includes(SECRET)]).toEqual([what, false]);
        if (!prefix.includes("#")) expect([what, text.includes(REDACTED)]).toEqual([what, true]);
        if (prefix.includes("state=keepme")) expect([what, text.includes("keepme")]).toEqual([what, true]);
        if (prefix.startsWith("/authorize?client_id=cid1")) expect([what, text.includes("cid1")]).toEqual([what, true]);
      }
    });

    test("the access line keeps method, path, status and the redacted query", async () => {
      const out = await logged(`/device?code=${SECRET}&state=s1`);
      if (json) {
        const line = JSON.parse(out[0]!);
        expect(line).toMatchObject({ msg: "request", method: "GET", path: "/device", query: `code=${REDACTED}&state=s1`, ip: "192.0.2.1" });
      } else {
        expect(out[0]).toMatch(/ INFO  request id=\S+ method=GET path=\/device query=code=REDACTED&state=s1 status=\d+ ms=\S+ ip=192\.0\.2\.1$/);
      }
    });

    test("any log line: secret paths, parameters and fields named like secrets are withheld", () => {
      deps.log.error(`fetch of https://id.example/lc/${SECRET}?code=${SECRET} failed`, {
        url: `/st/${SECRET}`,
        token: SECRET,
        client_secret: SECRET,
        nested: { refresh_token: SECRET, list: [`/verify-email?token=${SECRET}`] },
        error: new Error(`at /api/oidc/token?refresh_token=${SECRET}`),
        state: "visible",
      });
      const text = lines.join("\n");
      expect(text).not.toContain(SECRET);
      expect(text).toContain("visible");
    });
  });
}

describe("request targets the router could read differently from the log", () => {
  test("HTTP/1.0 without Host, a short Host, absolute-form: the login code is served or refused, never a 500, never logged", async () => {
    const server = await startTestServer({ DISABLE_RATE_LIMITING: "true" });
    const logLines: string[] = [];
    // The app reads deps.log at each request: the access log of this listener goes to logLines.
    server.deps.log = createLog({ level: "debug", json: false, write: (line) => void logLines.push(line) });
    try {
      const user = insertTestUser(server.deps, { username: "lc-raw" });
      const send = (head: string): Promise<string> => rawHttp("127.0.0.1", server.port, head);
      const heads = (token: string) => [
        `GET /lc/${token} HTTP/1.0\r\n\r\n`,
        `GET /lc/${token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        `GET /ab/lc/${token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        `GET /lc/${token} HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n`,
        `GET http://x/lc/${token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        `GET http://evil.example/lc/${token} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
      ];
      for (const head of heads("TOKEN")) {
        const { token } = createOneTimeAccessToken(server.deps, user.id, 3600);
        const response = await send(head.replace("TOKEN", token));
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1]);
        expect([head, status < 500, logLines.some((l) => l.includes(token)), logLines.at(-1)?.includes(REDACTED)]).toEqual([head, true, false, true]);
      }
    } finally {
      await server.stop();
    }
  });
});

describe("redaction rules (table)", () => {
  test("paths", () => {
    const table: [string, string][] = [
      ["/lc/ABC", "/lc/REDACTED"],
      ["/lc/ABC/def", "/lc/REDACTED/REDACTED"],
      ["//lc//ABC", "//lc//REDACTED"],
      ["/Lc/ABC", "/Lc/REDACTED"],
      ["/%6C%63/ABC", "/%6C%63/REDACTED"],
      ["/st/tok", "/st/REDACTED"],
      ["/api/one-time-access-token/tok", "/api/one-time-access-token/REDACTED"],
      ["/lc", "/lc"],
      ["/lc/", "/lc/"],
      ["/settings/account", "/settings/account"],
      ["/api/users/lc/x", "/api/users/lc/x"],
      ["/static/st.css", "/static/st.css"],
      // Another reader's path: an encoded slash, a path parameter, "?", "\\", double encoding.
      ["/lc%2FABC", "/REDACTED"],
      ["/lc%2fABC", "/REDACTED"],
      ["/lc;x/ABC", "/REDACTED"],
      ["/lc%3BABC/x", "/REDACTED"],
      ["/lc%3FABC", "/REDACTED"],
      ["/lc\\ABC", "/REDACTED"],
      ["/%256Cc/ABC", "/REDACTED"],
      ["/st%2FABC", "/REDACTED"],
      ["/api%2Fone-time-access-token%2FABC", "/REDACTED"],
      ["/lcx/ABC", "/lcx/ABC"],
    ];
    for (const [input, want] of table) expect([input, redactPath(input)]).toEqual([input, want]);
  });

  test("queries", () => {
    const table: [string, string][] = [
      ["code=a&state=b", "code=REDACTED&state=b"],
      ["state=b", "state=b"],
      ["code_challenge=abc&code_challenge_method=S256", "code_challenge=abc&code_challenge_method=S256"],
      ["device_code=x&user_code=y&login_code=z", "device_code=REDACTED&user_code=REDACTED&login_code=REDACTED"],
      ["client_assertion=x&client_assertion_type=jwt-bearer", "client_assertion=REDACTED&client_assertion_type=jwt-bearer"],
      ["token=x&token_type_hint=refresh_token", "token=REDACTED&token_type_hint=refresh_token"],
      ["Token=x", "Token=REDACTED"],
      ["code=%ZZ", "code=REDACTED"],
      ["x=%ZZ", "x=REDACTED"],
      ["redirect=%2Flc%2FABC", `redirect=${encodeURIComponent("/lc/REDACTED")}`],
      ["redirect=%2Fdevice%3Fcode%3DX", `redirect=${encodeURIComponent("/device?code=REDACTED")}`],
      ["flag", "flag"],
      // Names some parser reads as a secret one; ";" as a separator; a bare "code=…" name; nested pairs.
      ["CODE=a&Code=b&cOdE=c", "CODE=REDACTED&Code=REDACTED&cOdE=REDACTED"],
      ["code%5B%5D=a&code[0]=b&code+=c&code%00=d&code%20=e&%63ode=f", "code%5B%5D=REDACTED&code%5B0%5D=REDACTED&code%20=REDACTED&code%00=REDACTED&code%20=REDACTED&code=REDACTED"],
      ["authcode=a&authorization_code=b&zipcode=c", "authcode=REDACTED&authorization_code=REDACTED&zipcode=REDACTED"],
      ["jwt=a&bearer=b&session=c&session_id=d&credential=e&private_key=f&passcode=g", "jwt=REDACTED&bearer=REDACTED&session=REDACTED&session_id=REDACTED&credential=REDACTED&private_key=REDACTED&passcode=REDACTED"],
      ["x=1;code=a", "x=1&code=REDACTED"],
      ["code%3DABC", "code%3DREDACTED"],
      ["x=1%26code%3DABC", `x=${encodeURIComponent("1&code=REDACTED")}`],
      ["foo=%2Flc%2FABC", `foo=${encodeURIComponent("/lc/REDACTED")}`],
      ["returnTo=https%3A%2F%2Fx%2Fcb%3Fcode%3DABC", `returnTo=${encodeURIComponent("https://x/cb?code=REDACTED")}`],
      ["redirect=%252Flc%252FABC", "redirect=REDACTED"],
      ["next=%252Fdevice%253Fcode%253DABC", "next=REDACTED"],
      ["x=code%253DABC", "x=REDACTED"],
      ["state=%7B%22a%22%3A1%7D&scope=openid+email&client_id=cid", `state=${encodeURIComponent('{"a":1}')}&scope=openid%20email&client_id=cid`],
    ];
    for (const [input, want] of table) expect([input, redactQuery(input)]).toEqual([input, want]);
    expect(redactUrlText(`https://rp.example/cb?code=X&state=s#id_token=Y`)).toBe("https://rp.example/cb?code=REDACTED&state=s#REDACTED");
  });

  test("free text", () => {
    expect(redactText("GET /lc/ABCDEF failed")).toBe("GET /lc/REDACTED failed");
    expect(redactText('url "https://x/cb?state=1&code=abc"')).toBe('url "https://x/cb?state=1&code=REDACTED"');
    expect(redactText("client_secret=abc refresh_token=def scope=openid")).toBe("client_secret=REDACTED refresh_token=REDACTED scope=openid");
    expect(redactText("the first/last name")).toBe("the first/last name");
    expect(redactText("GET /login?redirect=%2Flc%2FABCDEF&x=1")).toBe(`GET /login?redirect=${encodeURIComponent("/lc/REDACTED")}&x=1`);
    expect(redactText("next=%2Fdevice%3Fcode%3DWXYZ")).toBe(`next=${encodeURIComponent("/device?code=REDACTED")}`);
    expect(redactText("redirect=%E0%A4%A")).toBe("redirect=REDACTED");
    // Encoded or odd separators and parameter names in free text (an error message quoting a raw target).
    for (const text of ["GET /lc%2FABCDEF failed", "x /lc;x/ABCDEF y", "at %2Flc%2FABCDEF", "GET /st%252FABCDEF", "fetch /api%2Fone-time-access-token%2FABCDEF", "GET /LC%2fABCDEF", "?code[]=ABCDEF&x=1", "&%63ode=ABCDEF", "code+=ABCDEF", "x;Code=ABCDEF"]) {
      expect([text, redactText(text).includes("ABCDEF")]).toEqual([text, false]);
    }
  });

  test("JSON members in free text (an admin API body quoted in an error string)", () => {
    const table: [string, string][] = [
      ['body {"secret":"Decl4red+secret%20with:colons&amp=equals","expiresAt":null}', 'body {"secret":"REDACTED","expiresAt":null}'],
      ['{"secret" : "with \\"quote\\" inside", "name": "Forgejo"}', '{"secret" : "REDACTED", "name": "Forgejo"}'],
      ['{"client_secret":"abc","client_id":"forgejo"}', '{"client_secret":"REDACTED","client_id":"forgejo"}'],
      ['{"refresh_token":"abc","token_type":"Bearer"}', '{"refresh_token":"REDACTED","token_type":"Bearer"}'],
      ['{"prefix":"Decl","declared":true}', '{"prefix":"Decl","declared":true}'],
    ];
    for (const [input, want] of table) expect([input, redactText(input)]).toEqual([input, want]);
  });
});
