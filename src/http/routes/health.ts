import { Elysia } from "elysia";
import { isHealthy } from "../../maintenance/health.ts";
import type { WebDeps } from "../web-deps.ts";

/** GET|HEAD /healthz: 204 when the database answers, 503 otherwise. Not logged, not rate limited. */
export function healthRoutes(deps: WebDeps) {
  const check = () => new Response(null, { status: isHealthy(deps.db) ? 204 : 503, headers: { "Cache-Control": "no-store" } });
  return new Elysia({ name: "health" }).get("/healthz", check).head("/healthz", check);
}
