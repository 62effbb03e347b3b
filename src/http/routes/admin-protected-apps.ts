/** Admin pages for protected apps (forward-auth): /settings/admin/protected-apps[/new|/:id]; one form per page. */
import { Elysia } from "elysia";
import {
  createProtectedApp,
  deleteProtectedApp,
  getAllowedGroupIds,
  getProtectedApp,
  listGroupChoices,
  listProtectedApps,
  saveProtectedAppPage,
  type ProtectedAppInput,
} from "../../forward-auth/protected-apps.ts";
import {
  EMPTY_FORM,
  formValuesOf,
  NewProtectedAppContent,
  NewProtectedAppPage,
  ProtectedAppDetailContent,
  ProtectedAppDetailPage,
  ProtectedAppForm,
  ProtectedAppsPage,
  type ProtectedAppFormValues,
} from "../../../templates/pages/admin/protected-apps.tsx";
import { actorOf } from "../request-context.ts";
import { afterChange, attempt, fragment, formOf, listOf, pageCtx } from "../admin-pages.ts";
import { htmlResponse, isHtmx, navigate } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

const BASE = "/settings/admin/protected-apps";

export function adminProtectedAppRoutes(web: WebDeps) {
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const groups = () => listGroupChoices(web.db);
  const formValues = (body: unknown): ProtectedAppFormValues => {
    const f = formOf(body);
    return {
      name: str(f.name),
      hosts: str(f.hosts),
      pathPrefix: str(f.pathPrefix),
      reauthMaxAgeMinutes: str(f.reauthMaxAgeMinutes),
      passHeaders: listOf(f.passHeaders),
      // A form without the radio (older clients, scripts) keeps the app restricted: the safe default.
      access: f.access === "everyone" ? "everyone" : "groups",
      allowedGroupIds: listOf(f.userGroupIds),
    };
  };
  const inputOf = (v: ProtectedAppFormValues): ProtectedAppInput => ({
    name: v.name,
    hosts: v.hosts,
    pathPrefix: v.pathPrefix,
    reauthMaxAgeMinutes: v.reauthMaxAgeMinutes.trim(),
    passHeaders: v.passHeaders,
    isGroupRestricted: v.access === "groups",
  });
  const detail = (id: string, values?: ProtectedAppFormValues) => {
    const app = getProtectedApp(web.db, id);
    return {
      app,
      values: values ?? formValuesOf(app, getAllowedGroupIds(web.db, id)),
      groups: groups(),
      appUrl: web.config.appUrl,
      upstream: `latchkey:${web.config.port}`,
      trustProxyUnset: web.config.trustProxy.kind === "none",
    };
  };

  return new Elysia({ name: "admin-protected-apps" })
    .use(routePolicy(web))
    .get(BASE, ({ request, query }) => {
      const names = new Map(groups().map((g) => [g.id, g.friendlyName]));
      const apps = listProtectedApps(web.db).map((a) => ({ ...a, allowedGroupNames: getAllowedGroupIds(web.db, a.id).map((id) => names.get(id) ?? id) }));
      const ctx = pageCtx(web, request);
      const notice = query.deleted ? ctx.t("protectedApps.deleted", { name: String(query.deleted) }) : undefined;
      return htmlResponse(ProtectedAppsPage({ ctx, apps, notice }));
    }, { adminPage: true })
    .get(`${BASE}/new`, ({ request }) => htmlResponse(NewProtectedAppPage({ ctx: pageCtx(web, request), values: EMPTY_FORM, groups: groups() })), { adminPage: true })
    .post(BASE, ({ request, body, session }) => {
      const values = formValues(body);
      const r = attempt(web, request, () => createProtectedApp(web, actorOf(request, session), inputOf(values), values.allowedGroupIds));
      if (!r.ok) {
        const ctx = pageCtx(web, request);
        const p = { ctx, values, groups: groups(), errors: r.errors };
        return htmlResponse(isHtmx(request) ? NewProtectedAppContent(p) : NewProtectedAppPage(p), { status: 422 });
      }
      return navigate(request, `${BASE}/${r.value.id}?created=1`);
    }, { adminPage: true })
    .get(`${BASE}/:id`, ({ request, params, query }) =>
      htmlResponse(ProtectedAppDetailPage({ ctx: pageCtx(web, request), created: query.created === "1", saved: query.saved === "1", d: detail(params.id) })), { adminPage: true })
    // The page's one form: settings and who may use it, saved together. The snippets depend on hosts and
    // headers, so the whole page is re-rendered from what is stored; a refusal re-renders the form.
    .post(`${BASE}/:id`, ({ request, params, body, session }) => {
      getProtectedApp(web.db, params.id);
      const values = formValues(body);
      const ctx = pageCtx(web, request);
      const r = attempt(web, request, () => saveProtectedAppPage(web, actorOf(request, session), params.id, inputOf(values), values.allowedGroupIds));
      if (!r.ok) {
        const d = detail(params.id, values);
        if (isHtmx(request)) return htmlResponse(ProtectedAppForm({ ctx, action: `${BASE}/${params.id}`, values, groups: d.groups, creating: false, errors: r.errors, target: "#protected-app-page" }), { status: 422, headers: { "HX-Retarget": "#protected-app-form", "HX-Reswap": "outerHTML" } });
        return htmlResponse(ProtectedAppDetailPage({ ctx, d, errors: r.errors }), { status: 422 });
      }
      return afterChange(request, `${BASE}/${params.id}?saved=1`, () =>
        fragment(ProtectedAppDetailContent({ ctx, d: detail(params.id), saved: true }), { flash: { kind: "success", message: ctx.t("protectedApps.saved", { name: r.value.name }) } }),
      );
    }, { adminPage: true })
    .post(`${BASE}/:id/delete`, ({ request, params, session }) => {
      const app = deleteProtectedApp(web, actorOf(request, session), params.id);
      return navigate(request, `${BASE}?deleted=${encodeURIComponent(app.name)}`);
    }, { adminPage: true });
}
