/**
 * Email defaults: the default port, 587, pairs with STARTTLS (issue 20, problem 6). An unset mode follows the
 * port; a stored or given mode (SMTP_TLS, Pocket ID's name) is never overridden.
 */
import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { buildAppConfig } from "../../../src/admin/app-config.ts";
import { upsertAppConfigEntries } from "../../../src/db/app-config.ts";
import { adminWorld, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import type { TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;

adminWorld((w) => ({ app, deps, f } = w));

const configPage = async () => (await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/application-configuration"))).text();

describe("SMTP encryption defaults", () => {
  test("a fresh installation offers port 587 with STARTTLS selected", async () => {
    const html = await configPage();
    expect(html).toMatch(/<input id="f-smtpPort" name="smtpPort" type="number" value="587"/);
    expect(html).toContain('<option value="starttls" selected>STARTTLS</option>');
    expect(html).toContain('<option value="none">None</option>');
  });

  test("a stored mode is kept as it was saved, even with port 587", async () => {
    upsertAppConfigEntries(deps.db, [{ key: "smtpPort", value: "587" }, { key: "smtpTls", value: "none" }], 0);
    const html = await configPage();
    expect(html).toContain('<option value="none" selected>None</option>');
    expect(html).toContain('<option value="starttls">STARTTLS</option>');
  });

  test("from the environment (UI_CONFIG_DISABLED): an unset SMTP_TLS follows SMTP_PORT; a set one wins", () => {
    const tls = (env: Record<string, string>) => buildAppConfig(env, true).config.smtpTls;
    expect(tls({})).toBe("starttls");
    expect(tls({ SMTP_PORT: "587" })).toBe("starttls");
    expect(tls({ SMTP_PORT: "465" })).toBe("tls");
    expect(tls({ SMTP_PORT: "25" })).toBe("none"); // Pocket ID's default for a plain relay
    expect(tls({ SMTP_PORT: "587", SMTP_TLS: "none" })).toBe("none");
    expect(tls({ SMTP_PORT: "25", SMTP_TLS: "starttls" })).toBe("starttls");
    expect(buildAppConfig({ smtpPort: "2525" }, false).config.smtpTls).toBe("none");
  });
});
