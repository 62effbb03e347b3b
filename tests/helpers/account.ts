/**
 * A person's account over HTTP, the way the pages and their passkey script do it (an AppClient with a
 * SoftAuthenticator), for the in-process account tests:
 *
 *   const { userId } = await setUpAccount(client, authr);           // first-run setup form, then a passkey
 *   await registerPasskey(client, authr, { name: "Spare key" });    // another passkey, from the account page
 *   await passkeyLogin(client, authr);                               // the sign-in ceremony (a Response)
 *
 * Ceremony overrides (`origin`, `rpId`, `counter`, `userVerified`, …) go to the authenticator; the origin is
 * the app's unless overridden. The helpers return the finishing Response: the tests assert on it.
 *
 * Against a running server (the compiled binary, `bun src/main.ts`), over fetch:
 *
 *   const cookie = await signInWithLoginLink(link);                 // a link from `latchkey one-time-access-token`
 *   await fetch(`${url}/settings/account`, { headers: { cookie } });
 */
import { expect } from "bun:test";
import type { App } from "../../src/app.ts";
import type { Deps } from "../../src/deps.ts";
import { AppClient } from "./app-client.ts";
import type { CeremonyOverrides, SoftAuthenticator } from "./soft-authenticator.ts";

type CreationOptions = Parameters<SoftAuthenticator["register"]>[0];
type RequestOptions = Parameters<SoftAuthenticator["assert"]>[0];

export interface Person {
  firstName: string;
  lastName: string;
  username: string;
  email: string;
}

export const ADA: Person = { firstName: "Ada", lastName: "Lovelace", username: "ada", email: "ada@example.com" };

/** Adds a passkey to the signed-in account (the account page's "Add passkey"): register/start, then finish. */
export async function registerPasskey(
  client: AppClient,
  authr: SoftAuthenticator,
  opts: { name?: string; overrides?: CeremonyOverrides & { origin?: string } } = {},
): Promise<Response> {
  await client.get("/settings/account");
  const start = await client.postJson("/api/webauthn/register/start", {});
  expect(start.status).toBe(200);
  const { options } = (await start.json()) as { options: CreationOptions };
  const response = authr.register(options, { origin: client.deps.config.appUrl, ...opts.overrides });
  return client.postJson("/api/webauthn/register/finish", { response, name: opts.name });
}

/** The sign-in page's passkey ceremony up to the prompt: loads /login (its CSRF token), then login/start; returns the options. */
export async function startPasskeyLogin(client: AppClient): Promise<RequestOptions> {
  await client.get("/login");
  const start = await client.postJson("/api/webauthn/login/start", {});
  expect(start.status).toBe(200);
  return ((await start.json()) as { options: RequestOptions }).options;
}

/** A whole passkey sign-in; `body` adds fields to login/finish (e.g. `redirect`). */
export async function passkeyLogin(
  client: AppClient,
  authr: SoftAuthenticator,
  opts: { overrides?: CeremonyOverrides & { origin?: string }; body?: Record<string, unknown> } = {},
): Promise<Response> {
  const options = await startPasskeyLogin(client);
  const response = authr.assert(options, { origin: client.deps.config.appUrl, ...opts.overrides });
  return client.postJson("/api/webauthn/login/finish", { response, ...opts.body });
}

/**
 * Redeems a login link the way a browser does (its page, then the form's POST /lc with the page's CSRF token);
 * returns the Cookie header of the signed-in browser (its session cookie included).
 */
export async function signInWithLoginLink(link: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const page = await fetch(link, { redirect: "manual" });
  keep(page);
  const csrf = /<meta name="csrf-token" content="([^"]*)"/.exec(await page.text())![1]!;
  const code = new URL(link).pathname.split("/").at(-1)!;
  const res = await fetch(new URL("/lc", link), {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: new URLSearchParams({ code, _csrf: csrf }).toString(),
  });
  expect([303, 302]).toContain(res.status);
  keep(res);
  expect(jar.has("latchkey_session")).toBe(true);
  return cookie();
}

/** First-run setup as the first person does it: the /setup form (they become the administrator), then their first passkey. */
export async function setUpAccount(client: AppClient, authr: SoftAuthenticator, opts: { person?: Person; passkeyName?: string } = {}): Promise<{ userId: string }> {
  const person = opts.person ?? ADA;
  await client.get("/setup");
  const res = await client.postForm("/setup", { ...person });
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe("/signup/add-passkey?setup=1");
  expect((await registerPasskey(client, authr, { name: opts.passkeyName })).status).toBe(201);
  const user = client.deps.db.query<{ id: string }, [string]>("SELECT id FROM users WHERE username = ?").get(person.username);
  return { userId: user!.id };
}

/**
 * First-run setup of a running server (the binary in a chroot, an installed package) over fetch: the /setup form,
 * then the administrator's first passkey. Resolves, once the passkey is registered (201), with the signed-in client.
 */
export async function setUpRunningServer(url: string, authr: SoftAuthenticator, person: Person = ADA): Promise<AppClient> {
  const overFetch = { handle: (req: Request) => fetch(req, { redirect: "manual" }) } as unknown as App;
  const client = new AppClient(overFetch, { config: { appUrl: url } } as unknown as Deps);
  expect((await client.get("/setup")).status).toBe(200);
  const res = await client.postForm("/setup", { ...person });
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe("/signup/add-passkey?setup=1");
  expect((await registerPasskey(client, authr)).status).toBe(201);
  return client;
}
