/** Admin OIDC client list: a client's uploaded logo is its icon; without one, its initial. */
import { expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { adminWorld, apiReq, json, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import type { TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;
adminWorld((w) => ({ app, deps, f } = w));

test("the client list shows the uploaded logo, else the initial", async () => {
  const make = async (name: string) => (await json(app, apiReq(deps, f.admin.key, "POST", "/api/oidc/clients", { name, callbackURLs: ["https://app.example.com/cb"] }))).body.id as string;
  const withLogo = await make("Forgejo");
  const without = await make("Jellyfin");
  deps.db.query("UPDATE oidc_clients SET logo_light = ?, logo_light_type = 'image/png' WHERE id = ?").run(new Uint8Array([1]), withLogo);

  const html = await (await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/oidc-clients"))).text();
  expect(html).toContain(`<img class="client-logo" src="/api/oidc/clients/${withLogo}/logo"`);
  expect(html).toContain(`srcset="/api/oidc/clients/${withLogo}/logo?light=false"`);
  expect(html).not.toContain(`/api/oidc/clients/${without}/logo`);
  expect(html).toContain('<div class="icon-tile" aria-hidden="true">J</div>');
  expect(html).not.toContain('<div class="icon-tile" aria-hidden="true">F</div>');
});
