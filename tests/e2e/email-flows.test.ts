/**
 * Email flows through the real routes with a software passkey and a real SMTP server on loopback:
 * the new-device notice on a passkey sign-in (with the GeoLite location), not on a repeat; a failing
 * SMTP server does not break the sign-in.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { App } from "../../src/app.ts";
import { updateAppConfigFromInput } from "../../src/admin/app-config-admin.ts";
import { createGeolocator } from "../../src/audit/geolocation.ts";
import { silentLog } from "../../src/lib/log.ts";
import { flushEmailOutbox, stopEmailWorker } from "../../src/mail/outbox.ts";
import { listOutboxMessages } from "../../src/db/email.ts";
import { passkeyLogin, setUpAccount } from "../helpers/account.ts";
import { AppClient } from "../helpers/app-client.ts";
import { buildTestCityDb } from "../helpers/mmdb-writer.ts";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.ts";
import { SoftAuthenticator } from "../helpers/soft-authenticator.ts";
import { createTestApp, makeTestDeps, type TestDeps } from "../helpers/test-deps.ts";

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

class Browser extends AppClient {
  constructor(app: App, deps: TestDeps, ip: string, readonly ua: string) {
    super(app, deps, ip);
  }
  override request(p: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("user-agent", this.ua);
    return super.request(p, { ...init, headers });
  }
}

let deps: TestDeps;
let app: App;
let sink: SmtpSink;
const authr = new SoftAuthenticator();

beforeAll(async () => {
  deps = makeTestDeps({ DISABLE_RATE_LIMITING: "true" });
  const file = path.join(deps.dir, "GeoLite2-City.mmdb");
  writeFileSync(file, buildTestCityDb());
  deps.geo = createGeolocator({ path: file, log: silentLog });
  app = await createTestApp(deps);
  sink = await startSmtpSink();
  await setUpAccount(new Browser(app, deps, "81.2.69.142", FIREFOX), authr, { passkeyName: "Laptop" });
  updateAppConfigFromInput(
    { db: deps.db, clock: deps.clock, uiConfigDisabled: false, env: {}, box: deps.box },
    { smtpHost: "127.0.0.1", smtpPort: String(sink.port), smtpFrom: "latchkey@example.com", emailLoginNotificationEnabled: "true" },
  );
});
afterAll(async () => {
  stopEmailWorker(deps.db);
  await sink.close();
  deps.cleanup();
});

describe("new-device sign-in notification (passkey sign-in through the routes)", () => {
  test("first sign-in from a browser + IP: one email naming device, IP, location and time; a repeat sends none", async () => {
    const laptop = new Browser(app, deps, "81.2.69.142", FIREFOX);
    const res = await passkeyLogin(laptop, authr);
    expect(res.status).toBe(200);
    await flushEmailOutbox(deps);
    expect(sink.messages.length).toBe(1);
    const m = sink.messages[0]!;
    expect(m.to).toEqual(["ada@example.com"]);
    expect(m.subject).toBe("New device login with Latchkey");
    expect(m.text).toContain("Device: Firefox 133 on Linux");
    expect(m.text).toContain("IP address: 81.2.69.142");
    expect(m.text).toContain("Approximate location: London, United Kingdom");
    expect(m.text).toContain("Time: Saturday, November 28, 2026 at 12:00:00 PM UTC");
    expect(m.html).toContain("London, United Kingdom");

    expect((await passkeyLogin(new Browser(app, deps, "81.2.69.142", FIREFOX), authr)).status).toBe(200);
    await flushEmailOutbox(deps);
    expect(sink.messages.length).toBe(1);
  });

  test("another browser or network is new again", async () => {
    expect((await passkeyLogin(new Browser(app, deps, "81.2.69.142", SAFARI), authr)).status).toBe(200);
    await flushEmailOutbox(deps);
    expect(sink.messages.length).toBe(2);
    expect(sink.messages[1]!.text).toContain("Device: Safari 17.4 on iOS 17.4");
  });

  test("an SMTP server that refuses everything does not break the sign-in", async () => {
    sink.failWith({ code: 554, message: "Transaction failed" });
    const res = await passkeyLogin(new Browser(app, deps, "203.0.113.50", FIREFOX), authr);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { redirect: string }).redirect).toBe("/settings/account");
    await flushEmailOutbox(deps);
    expect(listOutboxMessages(deps.db)[0]!.lastError).toContain("554 Transaction failed");
    sink.failWith(null);
  });
});
