/**
 * Pocket ID's version endpoints, in its shape:
 * - GET /api/version/current (a signed-in person or an API key, as Pocket ID): {"currentVersion": "<version>"}.
 * - GET /api/version/latest (anyone): {"latestVersion": ""}, what Pocket ID answers with its version check
 *   turned off. Latchkey never calls out for it: it is meant to run where it cannot reach the internet, so a
 *   check could only fail or wait, and an anonymous endpoint that fetches on request is a way to make the
 *   server talk to the outside. An empty latestVersion makes Pocket ID-style clients show no update notice.
 */
import { Elysia, t } from "elysia";
import { VERSION } from "../../version.ts";
import { apiOperation } from "../openapi.ts";
import { jsonResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

export function apiVersionRoutes(web: WebDeps) {
  return new Elysia({ name: "api-version" })
    .use(routePolicy(web))
    .get("/api/version/current", () => jsonResponse({ currentVersion: VERSION }, { headers: { "Cache-Control": "private, max-age=300" } }), {
      userApi: true,
      budget: "admin-api",
      response: { 200: t.Object({ currentVersion: t.String() }, { $id: "CurrentVersion" }) },
      detail: apiOperation("Version", "The running version"),
    })
    .get("/api/version/latest", () => jsonResponse({ latestVersion: "" }, { headers: { "Cache-Control": "public, max-age=300" } }), {
      budget: "admin-api",
      response: { 200: t.Object({ latestVersion: t.String() }, { $id: "LatestVersion" }) },
      detail: apiOperation("Version", "Always empty: Latchkey does not look for releases (it runs offline and never calls out)"),
    });
}
