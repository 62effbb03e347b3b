/**
 * createApp(deps): mounts plugins and route modules; no logic. What holds for every request around them
 * (request id, client IP, body limits, budgets, CSRF, security headers, cookies, access log) is the request
 * pipeline (src/http/plugins/request-pipeline.ts); what guards each route is declared on the route
 * (src/http/plugins/route-policy.ts). Start-up work (the first signing key, background workers) is the
 * server's (src/cli/serve.ts).
 */
import { Elysia } from "elysia";
import type { Deps } from "./deps.ts";
import { loadAssets } from "./http/assets.ts";
import { errorMapper } from "./http/plugins/errors.ts";
import { createRequestPipeline, type App } from "./http/plugins/request-pipeline.ts";
import { accountRoutes } from "./http/routes/account.ts";
import { adminRoutes } from "./http/routes/admin-index.ts";
import { auditLogRoutes } from "./http/routes/audit-log.ts";
import { authRoutes } from "./http/routes/auth.ts";
import { deviceLoginRoutes } from "./http/routes/device-login.ts";
import { emailRoutes } from "./http/routes/email.ts";
import { forwardAuthRoutes } from "./http/routes/forward-auth.ts";
import { healthRoutes } from "./http/routes/health.ts";
import { languageRoutes } from "./http/routes/language.ts";
import { staticRoutes } from "./http/routes/static.ts";
import { oidcRoutes } from "./http/routes/oidc.ts";
import { openApiRoutes } from "./http/routes/openapi.ts";
import type { DocumentedRoute } from "./http/openapi.ts";
import { webauthnApiRoutes } from "./http/routes/webauthn-api.ts";
import type { WebDeps } from "./http/web-deps.ts";

export type { App } from "./http/plugins/request-pipeline.ts";

export async function createApp(deps: Deps): Promise<App> {
  const web: WebDeps = { ...deps, assets: await loadAssets() };
  // normalize "typebox": a body is cleaned of undeclared properties with TypeBox's Value.Clean, which
  // leaves a non-object alone so the schema refuses it (`true`, exact-mirror, turned "x" into {"0": "x"}).
  const router = new Elysia({ normalize: "typebox" })
    .use(errorMapper(web))
    .use(healthRoutes(web))
    .use(staticRoutes(web))
    .use(oidcRoutes(web))
    .use(authRoutes(web))
    .use(deviceLoginRoutes(web))
    .use(languageRoutes(web))
    .use(webauthnApiRoutes(web))
    .use(accountRoutes(web))
    .use(emailRoutes(web))
    .use(auditLogRoutes(web))
    .use(adminRoutes(web))
    .use(forwardAuthRoutes(web))
    .use(openApiRoutes(web, (): readonly DocumentedRoute[] => router.routes));
  return createRequestPipeline(deps, web, router);
}
