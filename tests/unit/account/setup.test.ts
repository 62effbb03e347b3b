/** First-run setup (/setup, /signup/setup): the first administrator is created like every other user. */
import { afterEach, describe, expect, test } from "bun:test";
import { AppClient } from "../../helpers/app-client.ts";
import { ADA } from "../../helpers/account.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";

let current: TestDeps[] = [];
afterEach(() => {
  for (const d of current) d.cleanup();
  current = [];
});

async function setUpAdmin(env: Record<string, string>, path = "/setup") {
  const { app, deps } = await makeTestApp(env);
  current.push(deps);
  const client = new AppClient(app, deps);
  await client.get(path);
  const res = await client.postForm(path, { ...ADA });
  expect(res.status).toBe(303);
  return deps.db.query<{ email_verified: number; is_admin: number }, [string]>("SELECT email_verified, is_admin FROM users WHERE username = ?").get(ADA.username)!;
}

describe("initial administrator", () => {
  test.each([
    ["EMAILS_VERIFIED=true", { UI_CONFIG_DISABLED: "true", EMAILS_VERIFIED: "true" }, "/setup", 1],
    ["EMAILS_VERIFIED=true via /signup/setup", { UI_CONFIG_DISABLED: "true", EMAILS_VERIFIED: "true" }, "/signup/setup", 1],
    ["EMAILS_VERIFIED=false", { UI_CONFIG_DISABLED: "true", EMAILS_VERIFIED: "false" }, "/setup", 0],
    ["the stored default (off)", {}, "/setup", 0],
  ])("email_verified follows emailsVerified (%s)", async (_name, env, path, verified) => {
    expect(await setUpAdmin(env, path)).toEqual({ email_verified: verified, is_admin: 1 });
  });
});
