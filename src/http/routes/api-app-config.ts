/** REST API for the application configuration (Pocket ID paths and `[{key, type, value}]` shape). */
import { Elysia, t } from "elysia";
import { readAppConfig } from "../../admin/app-config.ts";
import { configEntries, updateAppConfiguration } from "../../admin/app-config-admin.ts";
import { apiCall } from "../admin-auth.ts";
import { actorOf } from "../request-context.ts";
import { apiOperation } from "../openapi.ts";
import { jsonResponse } from "../responses.ts";
import { ConfigEntry, ConfigInput } from "../schemas/app-config.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

export function apiAppConfigRoutes(web: WebDeps) {
  const read = () => readAppConfig(web.db, { uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv });
  // Pocket ID's public list ends with these two; tracing (OpenTelemetry) does not exist here.
  const extras = () => [{ key: "uiConfigDisabled", type: "bool", value: String(web.config.uiConfigDisabled) }, { key: "tracingEnabled", type: "bool", value: "false" }];
  return new Elysia({ name: "api-app-config" })
    .use(routePolicy(web))
    // Public (the sign-in page reads it), but part of the REST API's budget.
    .get("/api/application-configuration", () => jsonResponse([...configEntries(read(), { publicOnly: true }), ...extras()]), { budget: "admin-api", response: { 200: t.Array(ConfigEntry) }, detail: apiOperation("Application configuration", "Public configuration [{key, type, value}]") })
    .get("/api/application-configuration/all", () => {
      return jsonResponse([...configEntries(read(), { publicOnly: false }), ...extras().map((e) => ({ ...e, isPublic: true }))]);
    }, { adminApi: true, budget: "admin-api", response: { 200: t.Array(ConfigEntry) }, detail: apiOperation("Application configuration", "All configuration (with isPublic)") })
    .put("/api/application-configuration", ({ request, body, principal }) => {
      apiCall(() => updateAppConfiguration(web, actorOf(request, principal), body));
      return jsonResponse([...configEntries(read(), { publicOnly: false }), ...extras().map((e) => ({ ...e, isPublic: true }))]);
    }, { adminApi: true, budget: "admin-api", body: ConfigInput, response: { 200: t.Array(ConfigEntry) }, detail: apiOperation("Application configuration", "Update configuration ({key: value}; empty resets to default; 403 with UI_CONFIG_DISABLED)") });
}
