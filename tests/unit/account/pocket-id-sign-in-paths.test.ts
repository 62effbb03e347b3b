/** Pocket ID's addresses for the other ways of signing in: /login/alternative (its chooser) and /login/alternative/code. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { makeTestApp, req, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
beforeAll(async () => {
  ({ app, deps } = await makeTestApp());
});
afterAll(() => deps.cleanup());

const get = (path: string) => app.handle(req(deps, path));

describe("Pocket ID's sign-in paths", () => {
  test("/login/alternative/code leads to the login-code form, keeping a local redirect", async () => {
    const plain = await get("/login/alternative/code");
    expect(plain.status).toBe(302);
    expect(plain.headers.get("location")).toBe("/lc");
    const kept = await get("/login/alternative/code?redirect=%2Fauthorize%3Finteraction%3Dabc");
    expect(kept.headers.get("location")).toBe("/lc?redirect=%2Fauthorize%3Finteraction%3Dabc");
    const page = await get(kept.headers.get("location")!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('action="/lc"');
  });

  test("/login/alternative leads to the sign-in page, which links to every way in", async () => {
    const res = await get("/login/alternative?redirect=/settings/apps");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?redirect=%2Fsettings%2Fapps");
  });

  test("a redirect to another site is dropped, never passed on", async () => {
    for (const path of ["/login/alternative/code", "/login/alternative"]) {
      for (const target of ["https://evil.example/x", "//evil.example/x", "/\\evil.example"]) {
        const res = await get(`${path}?redirect=${encodeURIComponent(target)}`);
        expect(res.status).toBe(302);
        expect(res.headers.get("location")).toBe(path.endsWith("code") ? "/lc" : "/login");
      }
    }
  });
});
