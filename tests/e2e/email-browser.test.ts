/**
 * Email flows in Chromium against a real SMTP server: "Email me a login code" used in the browser
 * that asked and refused in another; the verification link followed in the browser.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { updateAppConfigFromInput } from "../../src/admin/app-config-admin.ts";
import { createUser } from "../../src/admin/users.ts";
import { findUserById } from "../../src/db/users.ts";
import { stopEmailWorker } from "../../src/mail/outbox.ts";
import { launchBrowser, type TestBrowser } from "../helpers/browser.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.ts";

let server: TestServer;
let sink: SmtpSink;
let browser: TestBrowser;
let bobId: string;

beforeAll(async () => {
  server = await startTestServer();
  sink = await startSmtpSink();
  const d = server.deps;
  createUser(d, { username: "admin", email: "admin@example.com", firstName: "Admin", lastName: "", isAdmin: true });
  bobId = createUser(d, { username: "bob", email: "bob@example.com", firstName: "Bob", lastName: "" }).id;
  updateAppConfigFromInput(
    { db: d.db, clock: d.clock, uiConfigDisabled: false, env: {}, box: d.box },
    { smtpHost: "127.0.0.1", smtpPort: String(sink.port), smtpFrom: "latchkey@example.com", emailOneTimeAccessAsUnauthenticatedEnabled: "true", emailVerificationEnabled: "true" },
  );
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  stopEmailWorker(server.deps.db);
  await sink.close();
  await server.stop();
});

const codeOf = (text: string) => /^ {4}([A-Z0-9]+)\r?$/m.exec(text)![1]!;

test("a login code requested by email works in the asking browser only; then the new address is verified by its link", async () => {
  const mine = await browser.newPage();
  await mine.goto(`${server.url}/login`);
  await mine.getByRole("link", { name: "Email me a login code" }).click();
  await mine.getByLabel("Email address").fill("bob@example.com");
  await mine.getByRole("button", { name: "Send login code" }).click();
  await mine.getByRole("heading", { name: "Check your email" }).waitFor();
  const [m] = await sink.waitForMessages(1);
  const code = codeOf(m!.text);

  // Another browser (no device cookie) is refused, and the refusal does not use the code up.
  const other = await browser.newPage();
  await other.goto(`${server.url}/lc`);
  await other.locator("#login-code").fill(code);
  await other.getByRole("button", { name: "Sign in" }).click();
  await other.getByText("This login code is not valid").waitFor();

  await mine.locator("#login-code").fill(code.toLowerCase());
  await mine.getByRole("button", { name: "Sign in" }).click();
  await mine.waitForURL(/\/signup\/add-passkey/);

  // Change the address on the account page: a verification link arrives; following it verifies.
  await mine.goto(`${server.url}/settings/account`);
  await mine.getByLabel("Email").fill("bob.new@example.com");
  await mine.getByRole("button", { name: "Save profile" }).click();
  await mine.getByText("Email not verified").waitFor();
  const [, v] = await sink.waitForMessages(2);
  expect(v!.to).toEqual(["bob.new@example.com"]);
  const link = /http:\/\/\S+\/verify-email\?token=\S+/.exec(v!.text)![0];
  await mine.goto(link);
  await mine.getByRole("button", { name: "Verify email address" }).click();
  await mine.getByText("bob.new@example.com is verified").waitFor();
  expect(findUserById(server.deps.db, bobId)!.emailVerified).toBe(true);
  await mine.goto(`${server.url}/settings/account`);
  await mine.getByText("Email verified").waitFor();
  await mine.screenshot({ path: `${server.deps.dir}/account.png` });
}, 60_000);
