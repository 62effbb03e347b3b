/**
 * "My apps": /settings/apps (page) and Pocket ID's JSON endpoints
 * GET /api/oidc/users/me/clients, GET /api/oidc/users/me/authorized-clients,
 * DELETE /api/oidc/users/me/authorized-clients/:clientId, GET /api/oidc/users/:id/authorized-clients (admin).
 * Revoking forgets the consent and ends that client's tokens for the person.
 * The page also lists the protected (forward-auth) apps the person may use; the JSON lists OIDC clients only (Pocket ID's shape).
 */
import { msg } from "../../i18n/message.ts";
import { Elysia } from "elysia";
import type { Database } from "../../db/database.ts";
import { isoTime } from "../../admin/pagination.ts";
import { getUser } from "../../admin/user-admin.ts";
import { isPersonActor, type PersonActor } from "../../audit/actor.ts";
import { AppError } from "../../errors.ts";
import { listAuthorizedClients, revokeAuthorizedClient } from "../../oidc/authorized-clients.ts";
import { readableConsentScopes } from "../../oidc/resources.ts";
import { isUserAllowedForClient, listClients } from "../../oidc/clients.ts";
import { listProtectedAppsOfUser } from "../../forward-auth/protected-apps.ts";
import { httpUrlProblem } from "../../oidc/redirect-uri.ts";
import { AuthorizedAppsSection, MyAppsPage, type LaunchableApp as AppTile } from "../../../templates/pages/apps/my-apps.tsx";
import { afterChange, fragment, pageCtx } from "../admin-pages.ts";
import { actorOf, auditOrigin } from "../request-context.ts";
import { apiOperation } from "../openapi.ts";
import { htmlResponse, jsonResponse } from "../responses.ts";
import { AuthorizedApp, LaunchableApp } from "../schemas/account.ts";
import { NoContent, Paginated } from "../schemas/common.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

/**
 * A launch URL stored before today's rules (or imported) is offered as a link only when it still
 * passes them: never a javascript: link, never a value the page cannot parse.
 */
function linkableLaunchUrl(url: string | null): string | null {
  return url !== null && httpUrlProblem(url) === null ? url : null;
}

export function launchableApps(db: Database, userId: string) {
  return listClients(db)
    .filter((c) => isUserAllowedForClient(db, c, userId))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" }))
    .map((c) => ({ id: c.id, name: c.name, description: c.description, launchUrl: linkableLaunchUrl(c.launchUrl), hasLogo: c.hasLogo }));
}

/** The page's tiles: OIDC clients and protected (forward-auth) apps the person may use, by name. */
function appTiles(web: WebDeps, userId: string): AppTile[] {
  const scheme = new URL(web.config.appUrl).protocol === "http:" ? "http" : "https";
  const clients: AppTile[] = launchableApps(web.db, userId);
  const protectedApps: AppTile[] = listProtectedAppsOfUser(web.db, userId, scheme).map((a) => ({
    id: a.id,
    name: a.name,
    description: "",
    launchUrl: linkableLaunchUrl(a.launchUrl),
    hasLogo: false,
    host: a.host,
  }));
  return [...clients, ...protectedApps].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" }));
}

function authorizedApps(db: Database, userId: string) {
  return listAuthorizedClients(db, userId).map((a) => ({ id: a.client.id, name: a.client.name, scopes: readableConsentScopes(a.scopes), lastUsedAt: a.lastUsedAt, hasLogo: a.client.hasLogo }));
}

const authorizedJson = (a: ReturnType<typeof authorizedApps>[number]) => ({ client: { id: a.id, name: a.name, hasLogo: a.hasLogo }, scope: a.scopes.join(" "), lastUsedAt: isoTime(a.lastUsedAt) });

export function myAppsRoutes(web: WebDeps) {
  const revoke = (actor: PersonActor, clientId: string) => {
    if (!revokeAuthorizedClient(web, actor, clientId)) throw AppError.notFound(msg("myApps.notAuthorized"));
  };
  return new Elysia({ name: "my-apps" })
    .use(routePolicy(web))
    .get("/settings/apps", ({ request, session }) => {
      return htmlResponse(MyAppsPage({ ctx: pageCtx(web, request), apps: appTiles(web, session.userId), authorized: authorizedApps(web.db, session.userId) }));
    }, { userPage: true })
    .post("/settings/apps/:clientId/revoke", ({ request, params, session }) => {
      revoke(actorOf(request, session), params.clientId);
      return afterChange(request, "/settings/apps", () => {
        const c = pageCtx(web, request);
        return fragment(AuthorizedAppsSection({ ctx: c, authorized: authorizedApps(web.db, session.userId) }), { flash: { kind: "success", message: c.t("myApps.revoked") } });
      });
    }, { userPage: true })
    .get("/api/oidc/users/me/clients", ({ principal }) => {
      const data = principal.isStatic ? [] : launchableApps(web.db, principal.userId);
      return jsonResponse({ data, pagination: { totalPages: 1, totalItems: data.length, currentPage: 1, itemsPerPage: data.length } });
    }, { userApi: true, budget: "admin-api", response: { 200: Paginated(LaunchableApp) }, detail: apiOperation("My apps", "Apps you may use (My apps)") })
    .get("/api/oidc/users/me/authorized-clients", ({ principal }) => {
      const data = principal.isStatic ? [] : authorizedApps(web.db, principal.userId).map(authorizedJson);
      return jsonResponse({ data, pagination: { totalPages: 1, totalItems: data.length, currentPage: 1, itemsPerPage: data.length } });
    }, { userApi: true, budget: "admin-api", response: { 200: Paginated(AuthorizedApp) }, detail: apiOperation("My apps", "Apps you authorized") })
    .delete("/api/oidc/users/me/authorized-clients/:clientId", ({ request, params, principal }) => {
      const actor = actorOf(request, principal);
      if (!isPersonActor(actor)) throw AppError.notFound(msg("myApps.notAuthorized"));
      revoke(actor, params.clientId);
      return new Response(null, { status: 204 });
    }, { userApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("My apps", "Revoke an app's access (ends its tokens)") })
    .get("/api/oidc/users/:id/authorized-clients", ({ params }) => {
      getUser(web.db, params.id);
      const data = authorizedApps(web.db, params.id).map(authorizedJson);
      return jsonResponse({ data, pagination: { totalPages: 1, totalItems: data.length, currentPage: 1, itemsPerPage: data.length } });
    }, { adminApi: true, budget: "admin-api", response: { 200: Paginated(AuthorizedApp) }, detail: apiOperation("My apps", "Apps a user authorized") });
}
