/**
 * The audit log over HTTP (Pocket ID paths):
 * - GET /settings/audit-log: the signed-in person's own events (htmx swaps #audit-list on paging);
 * - GET /settings/audit-log/global (+ .csv): everyone's, filtered; administrators only (403 otherwise);
 * - GET /api/audit-logs (own), /api/audit-logs/all (admin, filters), /api/audit-logs/export (admin CSV),
 *   /api/audit-logs/filters/client-names and /filters/users (admin) — session or X-API-Key.
 * - The page's user and app filters are menus while the log names at most FILTER_OPTION_LIMIT of
 *   them, text fields beyond (a menu of a million users is neither fast nor usable).
 */
import { Elysia, t } from "elysia";
import {
  auditCsv,
  auditEntryDto,
  auditFilterChoices,
  listAuditedClientNames,
  listAuditedUsers,
  listAuditEntries,
  parseAuditQuery,
  resolveUserFilter,
  type AuditPage,
} from "../../audit/audit-queries.ts";
import { EVENT_TITLES } from "../../audit/event-labels.ts";
import { nowSeconds } from "../../lib/clock.ts";
import { AuditList, exportHrefOf, GlobalAuditLogPage, OwnAuditLogPage, type FilterOptions } from "../../../templates/pages/audit-log.tsx";
import { apiCall } from "../admin-auth.ts";
import { apiOperation } from "../openapi.ts";
import { AuditLogFilterQuery, AuditLogPage, AuditLogPageQuery } from "../schemas/audit-log.ts";
import { buildPageContext } from "../page-context.ts";
import { routePolicy } from "../plugins/route-policy.ts";
import { htmlResponse, isHtmx, jsonResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import type { PageContext } from "../../../templates/page-context.ts";
import { ownValue } from "../../lib/own.ts";

function pageJson(p: AuditPage) {
  return {
    data: p.entries.map(auditEntryDto),
    pagination: { totalPages: p.totalPages, totalItems: p.totalItems, currentPage: p.page, itemsPerPage: p.limit },
  };
}

/** Above this many users (or apps) in the log, the page's filter is a text field instead of a menu. */
export const FILTER_OPTION_LIMIT = 100;

export function auditLogRoutes(web: WebDeps) {
  const ctx = (request: Request) => buildPageContext(web, web.assets, request);

  const filterOptions = (pageContext: PageContext): FilterOptions => {
    const { eventNames, users, clients } = auditFilterChoices(web.db, FILTER_OPTION_LIMIT);
    return {
      users,
      // In the viewer's words, in their alphabetical order.
      events: eventNames
        .map((e) => {
          const title = ownValue(EVENT_TITLES, e);
          return { value: e, label: title ? pageContext.t(title) : e };
        })
        .sort((a, b) => a.label.localeCompare(b.label, pageContext.i18n.lang)),
      clients,
    };
  };

  /** The query's filter with a username resolved to its id (the admin filters take either). */
  const adminQuery = (query: Record<string, unknown>) => {
    const q = parseAuditQuery(query);
    const { filter, user } = resolveUserFilter(web.db, q.filter);
    return { ...q, filter, user };
  };

  const csvResponse = (query: Record<string, unknown>): Response => {
    const { filter } = adminQuery(query);
    const day = new Date(nowSeconds(web.clock) * 1000).toISOString().slice(0, 10);
    return new Response(auditCsv(web.db, filter), {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="audit-log-${day}.csv"`,
        "Cache-Control": "no-store",
      },
    });
  };

  return new Elysia({ name: "audit-log" })
    .use(routePolicy(web))
    .get("/settings/audit-log", ({ request, query, session }) => {
      const { page, limit } = parseAuditQuery({ page: query.page });
      const result = listAuditEntries(web.db, { userId: session.userId }, page, limit);
      const pageContext = ctx(request);
      if (isHtmx(request)) return htmlResponse(AuditList({ ctx: pageContext, base: "/settings/audit-log", page: result, values: {}, showUser: false }));
      return htmlResponse(OwnAuditLogPage({ ctx: pageContext, page: result }));
    }, { userPage: true })
    .get("/settings/audit-log/global", ({ request, query }) => {
      const q = adminQuery(query);
      const result = listAuditEntries(web.db, q.filter, q.page, q.limit);
      const filtered = Object.values(q.values).some(Boolean);
      const pageContext = ctx(request);
      if (isHtmx(request)) {
        return htmlResponse(AuditList({ ctx: pageContext, base: "/settings/audit-log/global", page: result, values: q.values, showUser: true, exportHref: exportHrefOf(q.values), filtered }));
      }
      return htmlResponse(GlobalAuditLogPage({ ctx: pageContext, page: result, values: q.values, user: q.user, options: filterOptions(pageContext) }));
    }, { adminPage: true })
    .get("/settings/audit-log/global.csv", ({ query }) => csvResponse(query), { adminPage: true })
    .get("/api/audit-logs", ({ query, principal }) => {
      const { page, limit } = apiCall(() => parseAuditQuery({ page: query["pagination[page]"] ?? query.page, limit: query["pagination[limit]"] ?? query.limit }));
      return jsonResponse(pageJson(listAuditEntries(web.db, { userId: principal.userId }, page, limit)));
    }, { userApi: true, budget: "admin-api", query: AuditLogPageQuery, response: { 200: AuditLogPage }, detail: apiOperation("Audit log", "Your own audit log, newest first") })
    .get("/api/audit-logs/all", ({ query }) => {
      const q = apiCall(() => adminQuery(query));
      return jsonResponse(pageJson(listAuditEntries(web.db, q.filter, q.page, q.limit)));
    }, { adminApi: true, budget: "admin-api", query: AuditLogFilterQuery, response: { 200: AuditLogPage }, detail: apiOperation("Audit log", "Everyone's audit log, newest first, filtered", { errors: { 400: "An unknown event name, an over-long IP address or an unreadable day (field messages in `fields`)" } }) })
    .get("/api/audit-logs/export", ({ query }) => apiCall(() => csvResponse(query)), {
      adminApi: true,
      budget: "admin-api",
      query: AuditLogFilterQuery,
      detail: apiOperation("Audit log", "Everyone's audit log as CSV (text/csv), filtered as the list", { errors: { 400: "An unknown event name, an over-long IP address or an unreadable day (field messages in `fields`)" } }),
    })
    .get("/api/audit-logs/filters/client-names", () => jsonResponse(listAuditedClientNames(web.db)), {
      adminApi: true,
      budget: "admin-api",
      response: { 200: t.Array(t.String()) },
      detail: apiOperation("Audit log", "The application names that occur in the audit log (for the filter)"),
    })
    .get("/api/audit-logs/filters/users", () => jsonResponse(listAuditedUsers(web.db)), {
      adminApi: true,
      budget: "admin-api",
      response: { 200: t.Array(t.Object({ id: t.String(), username: t.String(), displayName: t.String() })) },
      detail: apiOperation("Audit log", "The users that occur in the audit log (for the filter)"),
    });
}
