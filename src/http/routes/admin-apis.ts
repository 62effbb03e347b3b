/**
 * Admin pages for APIs (RFC 8707 resource servers): /settings/admin/apis[/:id] (one form: name and permissions;
 * each app's grant its own form) and the "API access" part of a client's page (adding an API from there).
 */
import { Elysia } from "elysia";
import {
  addClientToApi,
  anyApiExists,
  createApi,
  deleteApi,
  findGrantView,
  getApi,
  listApis,
  listAssignableApis,
  listAssignableClients,
  listGrantViewsOfApi,
  listGrantViewsOfClient,
  removeClientApiAccess,
  saveApiPage,
  setApiCimdAccess,
  setClientApiAccess,
  toApiDto,
  type GrantView,
} from "../../admin/apis.ts";
import { parseListQuery } from "../../admin/pagination.ts";
import type { Database } from "../../db/database.ts";
import { ApiClientsSection, ApiDetailPage, CimdAccessForm, ApiEditForm, ApiList, ApisPage, GrantForm, NewApiForm, type ApiDetail, type GrantCard, type PermissionRow } from "../../../templates/pages/admin/apis.tsx";
import { afterChange, attempt, formOf, fragment, listOf, pageCtx } from "../admin-pages.ts";
import { routePolicy } from "../plugins/route-policy.ts";
import { actorOf } from "../request-context.ts";
import { htmlResponse, isHtmx, navigate } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";

const LIST = "/settings/admin/apis";
/** Every assignable app or API fits one select. */
const ALL = parseListQuery({ "pagination[limit]": "100" });

function toCard(db: Database, v: GrantView): GrantCard {
  const api = toApiDto(db, v.api);
  return {
    api: { id: api.id, name: api.name, resource: api.resource, permissions: api.permissions },
    client: { id: v.client.id, name: v.client.name, isPublic: v.client.isPublic },
    grant: v.grant,
    cimdGranted: v.cimd.cimdGrantedAccess,
  };
}

function apiDetail(db: Database, id: string, values?: ApiDetail["values"]): ApiDetail {
  const api = toApiDto(db, getApi(db, id));
  return {
    api,
    values: values ?? { name: api.name, permissions: api.permissions.map((p) => ({ key: p.key, name: p.name, description: p.description ?? "" })) },
    cimd: { enabled: api.allowCimdClients, permissionIds: api.permissions.filter((p) => p.allowedForCimdClients).map((p) => p.id) },
    grants: listGrantViewsOfApi(db, id).map((v) => toCard(db, v)),
    assignable: listAssignableClients(db, id, ALL).data.map((c) => ({ id: c.id, name: c.name })),
  };
}

/** The client page's "API access" section (src/http/routes/admin-oidc-clients.ts renders it). */
export function clientApiAccess(db: Database, clientId: string) {
  return {
    clientId,
    grants: listGrantViewsOfClient(db, clientId).map((v) => toCard(db, v)),
    assignable: listAssignableApis(db, clientId, ALL).data.map((a) => ({ id: a.id, name: a.name })),
    anyApi: anyApiExists(db),
  };
}

/** The permission rows as posted (parallel lists); rows left wholly empty are dropped. */
function permissionRows(f: Record<string, unknown>): PermissionRow[] {
  const keys = listOrBlank(f.permissionKey);
  const names = listOrBlank(f.permissionName);
  const descriptions = listOrBlank(f.permissionDescription);
  const n = Math.max(keys.length, names.length, descriptions.length);
  const rows: PermissionRow[] = [];
  for (let i = 0; i < n; i++) rows.push({ key: keys[i] ?? "", name: names[i] ?? "", description: descriptions[i] ?? "" });
  return rows.filter((r) => r.key.trim() !== "" || r.name.trim() !== "" || r.description.trim() !== "");
}

/** Repeated form fields keep their empty values (positions must line up across the three lists). */
function listOrBlank(v: unknown): string[] {
  return (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).map((x) => (typeof x === "string" ? x : ""));
}

function grantInput(f: Record<string, unknown>) {
  return {
    userDelegatedAccess: f.userDelegatedAccess === "on",
    clientAccess: f.clientAccess === "on",
    userDelegatedPermissionIds: listOf(f.userDelegatedPermissionIds),
    clientPermissionIds: listOf(f.clientPermissionIds),
  };
}

export function adminApiRoutes(web: WebDeps) {
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const back = (from: unknown, apiId: string, clientId: string) =>
    from === "client" ? `/settings/admin/oidc-clients/${encodeURIComponent(clientId)}#client-apis` : `${LIST}/${apiId}#api-clients`;

  return new Elysia({ name: "admin-apis" })
    .use(routePolicy(web))
    .get(LIST, ({ request, query }) => {
      const q = parseListQuery(query);
      const page = listApis(web.db, q);
      const ctx = pageCtx(web, request);
      if (isHtmx(request) && request.headers.get("hx-target") === "api-list") return htmlResponse(ApiList({ ctx, page, search: q.search }));
      const notice = query.deleted ? ctx.t("apis.deleted", { name: String(query.deleted) }) : undefined;
      return htmlResponse(ApisPage({ ctx, page, search: q.search, form: { name: "", resource: "" }, notice }));
    }, { adminPage: true })
    .post(LIST, ({ request, body, session }) => {
      const f = formOf(body);
      const form = { name: str(f.name), resource: str(f.resource) };
      const r = attempt(web, request, () => createApi(web, actorOf(request, session), form));
      if (!r.ok) {
        const ctx = pageCtx(web, request);
        if (isHtmx(request)) return htmlResponse(NewApiForm({ ctx, form, errors: r.errors }), { status: 422 });
        return htmlResponse(ApisPage({ ctx, page: listApis(web.db, parseListQuery({})), search: "", form, errors: r.errors }), { status: 422 });
      }
      return navigate(request, `${LIST}/${r.value.id}?created=1`);
    }, { adminPage: true })
    .get(`${LIST}/:id`, ({ request, params, query }) =>
      htmlResponse(ApiDetailPage({ ctx: pageCtx(web, request), d: apiDetail(web.db, params.id), created: query.created === "1", saved: query.saved === "1" })),
    { adminPage: true })
    // The page's one form: name and permissions, saved together or not at all.
    .post(`${LIST}/:id`, ({ request, params, body, session }) => {
      getApi(web.db, params.id);
      const f = formOf(body);
      const values = { name: str(f.name), permissions: permissionRows(f) };
      const ctx = pageCtx(web, request);
      const r = attempt(web, request, () =>
        saveApiPage(web, actorOf(request, session), params.id, {
          name: values.name,
          permissions: values.permissions.map((p) => ({ key: p.key, name: p.name, description: p.description.trim() === "" ? null : p.description })),
        }),
      );
      if (!r.ok) {
        if (isHtmx(request)) return htmlResponse(ApiEditForm({ ctx, d: apiDetail(web.db, params.id, values), errors: r.errors }), { status: 422 });
        return htmlResponse(ApiDetailPage({ ctx, d: apiDetail(web.db, params.id, values), errors: r.errors }), { status: 422 });
      }
      const saved = apiDetail(web.db, params.id);
      // The grant forms list the permissions too: they are refreshed out of band.
      return afterChange(request, `${LIST}/${params.id}?saved=1`, () =>
        fragment(String(ApiEditForm({ ctx, d: saved, saved: true })) + String(CimdAccessForm({ ctx, d: saved, oob: true })) + String(ApiClientsSection({ ctx, d: saved, oob: true })), {
          flash: { kind: "success", message: ctx.t("apis.saved", { name: saved.api.name }) },
        }),
      );
    }, { adminPage: true })
    .post(`${LIST}/:id/cimd`, ({ request, params, body, session }) => {
      const f = formOf(body);
      const ctx = pageCtx(web, request);
      const input = { enabled: f.enabled === "on", permissionIds: listOf(f.permissionIds) };
      const r = attempt(web, request, () => setApiCimdAccess(web, actorOf(request, session), params.id, input));
      if (!r.ok) {
        const d = { ...apiDetail(web.db, params.id), cimd: input };
        return htmlResponse(isHtmx(request) ? CimdAccessForm({ ctx, d, errors: r.errors }) : ApiDetailPage({ ctx, d }), { status: 422 });
      }
      const d = apiDetail(web.db, params.id);
      // The apps list shows who the opt-in now covers: refreshed out of band.
      return afterChange(request, `${LIST}/${params.id}#api-cimd`, () =>
        fragment(String(CimdAccessForm({ ctx, d })) + String(ApiClientsSection({ ctx, d, oob: true })), {
          flash: { kind: "success", message: ctx.t("apis.cimdSaved", { api: d.api.name }) },
        }),
      );
    }, { adminPage: true })
    .post(`${LIST}/:id/delete`, ({ request, params, session }) => {
      const api = deleteApi(web, actorOf(request, session), params.id);
      return navigate(request, `${LIST}?deleted=${encodeURIComponent(api.name)}`);
    }, { adminPage: true })
    .post(`${LIST}/:id/clients`, ({ request, params, body, session }) => {
      const clientId = str(formOf(body).clientId);
      addClientToApi(web, actorOf(request, session), params.id, clientId);
      return navigate(request, `${LIST}/${params.id}#api-clients`);
    }, { adminPage: true })
    .post("/settings/admin/oidc-clients/:id/apis", ({ request, params, body, session }) => {
      const apiId = str(formOf(body).apiId);
      addClientToApi(web, actorOf(request, session), apiId, params.id);
      return navigate(request, `/settings/admin/oidc-clients/${encodeURIComponent(params.id)}#client-apis`);
    }, { adminPage: true })
    // One app's grant on one API, from either page: re-rendered in place (htmx) or back to the page.
    .post(`${LIST}/:id/clients/:clientId`, ({ request, params, body, session }) => {
      const f = formOf(body);
      const from = f.from === "client" ? "client" : "api";
      const ctx = pageCtx(web, request);
      const view = findGrantView(web.db, params.id, params.clientId);
      const r = attempt(web, request, () => setClientApiAccess(web, actorOf(request, session), params.id, params.clientId, grantInput(f)));
      if (!r.ok) {
        const card = toCard(web.db, { ...view, grant: { ...view.grant, ...grantInput(f) } });
        if (isHtmx(request)) return htmlResponse(GrantForm({ ctx, card, from, errors: r.errors }), { status: 422 });
        const d = { ...apiDetail(web.db, params.id), grantErrors: { clientId: params.clientId, errors: r.errors } };
        return htmlResponse(ApiDetailPage({ ctx, d }), { status: 422 });
      }
      return afterChange(request, back(from, params.id, params.clientId), () =>
        fragment(GrantForm({ ctx, card: toCard(web.db, findGrantView(web.db, params.id, params.clientId)), from }), {
          flash: { kind: "success", message: ctx.t("apis.grantSaved", { client: view.client.name, api: view.api.name }) },
        }),
      );
    }, { adminPage: true })
    .post(`${LIST}/:id/clients/:clientId/remove`, ({ request, params, body, session }) => {
      const from = formOf(body).from === "client" ? "client" : "api";
      removeClientApiAccess(web, actorOf(request, session), params.id, params.clientId);
      // The page again: the card goes, and the app (or API) is offered in the select once more.
      return navigate(request, back(from, params.id, params.clientId));
    }, { adminPage: true });
}
