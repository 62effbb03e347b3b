/**
 * The pages of sign-in flows speak the browser's language (Accept-Language; English without one),
 * while what goes to a client on the wire (error_description, RFC 6749) stays English whatever the
 * browser asks for.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CALLBACK, CHALLENGE, makeOidcWorld, type OidcWorld } from "../../helpers/oidc-flow.ts";

let w: OidcWorld;
afterEach(() => w?.cleanup());

const authorizeQuery = (w: OidcWorld, extra: Record<string, string> = {}) =>
  new URLSearchParams({
    client_id: w.client.id,
    redirect_uri: CALLBACK,
    response_type: "code",
    scope: "openid profile email groups",
    state: "st4te",
    code_challenge: CHALLENGE,
    code_challenge_method: "S256",
    ...extra,
  });

async function page(w: OidcWorld, path: string, language: string | null, cookie: string | null = w.cookie): Promise<{ status: number; html: string }> {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (language) headers["accept-language"] = language;
  const res = await w.call(path, { headers });
  return { status: res.status, html: await res.text() };
}

describe("consent", () => {
  test.each([
    ["de-DE,de;q=0.9,en;q=0.5", "de", ">Test App zulassen?</h1>", "Ihre E-Mail-Adresse sehen", ">Zulassen</button>"],
    ["ja", "ja", ">Test App を許可しますか？</h1>", "メールアドレスの表示", ">許可</button>"],
    ["fr-CA", "fr", ">Autoriser Test App\u00a0?</h1>", "Voir votre adresse e-mail", ">Autoriser</button>"],
    [null, "en", ">Allow Test App?</h1>", "See your email address", ">Allow</button>"],
  ])("Accept-Language %p → %s", async (language, lang, heading, scope, button) => {
    w = await makeOidcWorld({}, { consent: true });
    const { status, html } = await page(w, `/authorize?${authorizeQuery(w)}`, language);
    expect(status).toBe(200);
    expect(html).toContain(`<html lang="${lang}"`);
    expect(html).toContain(heading);
    expect(html).toContain(scope);
    expect(html).toContain(button);
  });

  test("the person's name and the client's name are escaped inside the translated sentence", async () => {
    w = await makeOidcWorld({ name: "<img src=x>" }, { consent: true });
    const { html } = await page(w, `/authorize?${authorizeQuery(w)}`, "de");
    expect(html).toContain("<strong>&lt;img src=x&gt;</strong> (app.example.com) möchte Ihr Konto <strong>");
    expect(html).not.toContain("<img src=x>");
  });
});

describe("error pages and what the client receives", () => {
  test("an unknown client, in German", async () => {
    w = await makeOidcWorld();
    const { status, html } = await page(w, `/authorize?${authorizeQuery(w, { client_id: "nope" })}`, "de");
    expect(status).toBe(400);
    expect(html).toContain("Unbekannte Anwendung");
    expect(html).toContain("Es wurde nichts an die Anwendung weitergegeben.");
  });

  test("an unregistered callback URL, in Japanese, names the application and the URL", async () => {
    w = await makeOidcWorld();
    const { status, html } = await page(w, `/authorize?${authorizeQuery(w, { redirect_uri: "https://evil.example.com/cb" })}`, "ja");
    expect(status).toBe(400);
    expect(html).toContain("無効なコールバック URL");
    expect(html).toContain("<dd>Test App</dd>");
    expect(html).toContain("<code>https://evil.example.com/cb</code>");
  });

  test("a repeated parameter, in Polish, names the parameter", async () => {
    w = await makeOidcWorld();
    const { status, html } = await page(w, `/authorize?${authorizeQuery(w)}&client_id=again`, "pl");
    expect(status).toBe(400);
    expect(html).toContain("Parametr client_id został podany więcej niż raz.");
  });

  test("error_description sent back to the client stays English for a German browser", async () => {
    w = await makeOidcWorld();
    const res = await w.call(`/authorize?${authorizeQuery(w, { scope: "profile" })}`, { headers: { cookie: w.cookie, "accept-language": "de" } });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!);
    expect(location.searchParams.get("error")).toBe("invalid_scope");
    expect(location.searchParams.get("error_description")).toBe("The scope must include openid.");
  });

  test("a pushed request's error_description stays English, parameter errors included", async () => {
    w = await makeOidcWorld();
    const push = (body: string) =>
      w.call("/api/oidc/par", { method: "POST", headers: { authorization: w.basic, "content-type": "application/x-www-form-urlencoded", "accept-language": "ja" }, body });
    const repeated = await push(`${authorizeQuery(w)}&redirect_uri=${encodeURIComponent(CALLBACK)}`);
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toEqual({ error: "invalid_request", error_description: "The redirect_uri parameter was given more than once." });
    const unregistered = await push(authorizeQuery(w, { redirect_uri: "https://evil.example.com/cb" }).toString());
    expect(((await unregistered.json()) as { error_description: string }).error_description).toStartWith("The callback URL this application asked for is not registered");
  });

  test("sign-out: an unknown client, in Spanish; a verifier's reason stays as technical detail", async () => {
    w = await makeOidcWorld();
    const unknown = await page(w, "/api/oidc/end-session?client_id=nope", "es", null);
    expect(unknown.status).toBe(400);
    expect(unknown.html).toContain("Solicitud de cierre de sesión no válida");
    expect(unknown.html).toContain("La aplicación que le ha enviado aquí no está registrada.");
    const badHint = await page(w, "/api/oidc/end-session?id_token_hint=not.a.token", "es", null);
    expect(badHint.status).toBe(400);
    expect(badHint.html).toContain("El id_token_hint no es un token de ID emitido aquí.");
    expect(badHint.html).toMatch(/Detalle técnico:<\/span> <code>[^<]+<\/code>/);
  });

  test("signed out of a client, in Dutch", async () => {
    w = await makeOidcWorld();
    const { status, html } = await page(w, `/api/oidc/end-session?client_id=${w.client.id}`, "nl", null);
    expect(status).toBe(200);
    expect(html).toContain("U bent afgemeld bij <strong>Test App</strong> en bij Latchkey.");
  });
});

describe("/device", () => {
  test("a code of the wrong shape, in Japanese; an unknown one, in Italian", async () => {
    w = await makeOidcWorld();
    const shape = await page(w, "/device?code=nope", "ja");
    expect(shape.status).toBe(400);
    expect(shape.html).toContain("コードは EK7M-P3QD のような 8 文字の英数字です。");
    const unknown = await page(w, "/device?code=BCDF-GHJK", "it");
    expect(unknown.status).toBe(400);
    expect(unknown.html).toContain("Il codice non è valido o è scaduto.");
  });

  test("approving a device, in German", async () => {
    w = await makeOidcWorld({ isPublic: true });
    const started = await w.call("/api/oidc/device/authorize", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: w.client.id, scope: "openid email" }).toString(),
    });
    const { user_code } = (await started.json()) as { user_code: string };
    const { status, html } = await page(w, `/device?code=${user_code}`, "de");
    expect(status).toBe(200);
    expect(html).toContain(">Test App verbinden?</h1>");
    expect(html).toContain(`Ein Gerät mit dem Code <strong class="device-code">${user_code}</strong> möchte Ihr Konto`);
    expect(html).toContain("Ihre E-Mail-Adresse sehen");
  });
});

describe("forward auth", () => {
  test("the refusal page on the app's host speaks the browser's language", async () => {
    w = await makeOidcWorld();
    const ja = await page(w, "/api/forward-auth/verify", "ja", null);
    expect(ja.status).toBe(403);
    expect(ja.html).toContain('<html lang="ja">');
    expect(ja.html).toContain("保護されたアドレスではありません");
    expect(ja.html).toContain("エラー 403");
    const en = await page(w, "/api/forward-auth/verify", null, null);
    expect(en.html).toContain('<html lang="en">');
    expect(en.html).toContain("Not a protected address");
  });

  test("Latchkey's own forward-auth page, in Portuguese", async () => {
    w = await makeOidcWorld();
    const { status, html } = await page(w, "/api/forward-auth/start", "pt-BR", null);
    expect(status).toBe(400);
    expect(html).toContain("Este link de login está desatualizado");
  });
});
