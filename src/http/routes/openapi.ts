/**
 * GET /api/openapi.json: the OpenAPI document of the JSON API, generated once from the mounted routes'
 * schemas (src/http/openapi.ts) on the first request and served from memory after.
 */
import { Elysia } from "elysia";
import { VERSION } from "../../version.ts";
import { apiOperation, buildOpenApiDocument, type DocumentedRoute } from "../openapi.ts";
import type { WebDeps } from "../web-deps.ts";

/** `routes` reads the application's mounted routes (all of them are mounted before the first request). */
export function openApiRoutes(web: WebDeps, routes: () => readonly DocumentedRoute[]) {
  let cached: string | null = null;
  return new Elysia({ name: "api-openapi" }).get(
    "/api/openapi.json",
    () => {
      cached ??= JSON.stringify(buildOpenApiDocument(routes(), { appUrl: web.config.appUrl, version: VERSION }));
      return new Response(cached, { headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache" } });
    },
    { detail: apiOperation("Meta", "This document") },
  );
}
