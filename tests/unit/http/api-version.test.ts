/** /api/version/current and /api/version/latest: Pocket ID's shape, answered offline without calling out. */
import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import pkg from "../../../package.json" with { type: "json" };
import { adminWorld, apiReq, json, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import type { TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;
adminWorld((w) => ({ app, deps, f } = w), { per: "file" });

describe("/api/version", () => {
  test("current: the running version to a signed-in person or an API key; anonymous → 401", async () => {
    const byKey = await json(app, apiReq(deps, f.member.key, "GET", "/api/version/current"));
    expect(byKey.status).toBe(200);
    expect(byKey.body).toEqual({ currentVersion: pkg.version });
    expect((await json(app, pageReq(deps, f.member, "GET", "/api/version/current"))).body).toEqual({ currentVersion: pkg.version });
    expect((await json(app, apiReq(deps, null, "GET", "/api/version/current"))).status).toBe(401);
  });

  test("latest: answered at once with an empty latestVersion, to anyone, without any outbound request", async () => {
    const realFetch = globalThis.fetch;
    let calls = 0;
    globalThis.fetch = Object.assign((...args: Parameters<typeof fetch>) => {
      calls++;
      return realFetch(...args);
    }, realFetch);
    try {
      const r = await json(app, apiReq(deps, null, "GET", "/api/version/latest"));
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ latestVersion: "" });
      expect(r.headers.get("cache-control")).toBe("public, max-age=300");
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(calls).toBe(0);
  });
});
