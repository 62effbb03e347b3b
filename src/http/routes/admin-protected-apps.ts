/** Admin pages for protected apps (forward-auth): /settings/admin/protected-apps[/new|/:id]. */
import { Elysia } from "elysia";
import { listGroupBriefs } from "../../db/protected-apps.ts";
import {
  createProtectedApp,
  deleteProtectedApp,
  getAllowedGroupIds,
  getProtectedApp,
  listProtectedApps,
  setAllowedGroups,
  setProtectedAppRestricted,
  updateProtectedApp,
  type ProtectedAppInput,
} from "../../forward-auth/protected-apps.ts";
import {
  AppGroupsSection,
  EMPTY_FORM,
  NewProtectedAppContent,
  NewProtectedAppPage,
  ProtectedAppDetailPage,
  ProtectedAppForm,
  ProtectedAppsPage,
  type ProtectedAppFormValues,
} from "../../../templates/pages/admin/protected-apps.tsx";
import { actorOf } from "../request-context.ts";
import { afterChange, attempt, formOf, listOf, pageCtx } from "../admin-pages.ts";
import { htmlResponse, isHtmx, navigate } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

const BASE = "/settings/admin/protected-apps";

export function adminProtectedAppRoutes(web: WebDeps) {
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const groups = () => listGroupBriefs(web.db).map((g) => ({ id: g.id, name: g.name, friendlyName: g.friendly_name }));
  const formValues = (body: unknown): ProtectedAppFormValues => {
    const f = formOf(body);
    return { name: str(f.name), hosts: str(f.hosts), pathPrefix: str(f.pathPrefix), reauthMaxAgeMinutes: str(f.reauthMaxAgeMinutes), passHeaders: listOf(f.passHeaders) };
  };
  const inputOf = (v: ProtectedAppFormValues): ProtectedAppInput => ({ ...v, reauthMaxAgeMinutes: v.reauthMaxAgeMinutes.trim() });
  const detail = (request: Request, id: string, created = false) =>
    htmlResponse(
      ProtectedAppDetailPage({
        ctx: pageCtx(web, request),
        created,
        d: { app: getProtectedApp(web.db, id), allowedGroupIds: getAllowedGroupIds(web.db, id), groups: groups(), appUrl: web.config.appUrl, upstream: `latchkey:${web.config.port}`, trustProxyUnset: web.config.trustProxy.kind === "none" },
      }),
    );
  const groupsSection = (request: Request, id: string, saved: string) =>
    htmlResponse(AppGroupsSection({ ctx: pageCtx(web, request), app: getProtectedApp(web.db, id), allowedGroupIds: getAllowedGroupIds(web.db, id), groups: groups(), saved }));

  return new Elysia({ name: "admin-protected-apps" })
    .use(routePolicy(web))
    .get(BASE, ({ request, query }) => {
      const names = new Map(groups().map((g) => [g.id, g.friendlyName]));
      const apps = listProtectedApps(web.db).map((a) => ({ ...a, allowedGroupNames: getAllowedGroupIds(web.db, a.id).map((id) => names.get(id) ?? id) }));
      const notice = query.deleted ? `Deleted the protected app ${String(query.deleted)}.` : undefined;
      return htmlResponse(ProtectedAppsPage({ ctx: pageCtx(web, request), apps, notice }));
    }, { adminPage: true })
    .get(`${BASE}/new`, ({ request }) => htmlResponse(NewProtectedAppPage({ ctx: pageCtx(web, request), values: EMPTY_FORM })), { adminPage: true })
    .post(BASE, ({ request, body, session }) => {
      const values = formValues(body);
      const r = attempt(web, request, () => createProtectedApp(web, actorOf(request, session), inputOf(values)));
      if (!r.ok) {
        const ctx = pageCtx(web, request);
        return htmlResponse(isHtmx(request) ? NewProtectedAppContent({ ctx, values, errors: r.errors }) : NewProtectedAppPage({ ctx, values, errors: r.errors }), { status: 422 });
      }
      return navigate(request, `${BASE}/${r.value.id}?created=1`);
    }, { adminPage: true })
    .get(`${BASE}/:id`, ({ request, params, query }) => detail(request, params.id, query.created === "1"), { adminPage: true })
    .post(`${BASE}/:id`, ({ request, params, body, session }) => {
      getProtectedApp(web.db, params.id);
      const values = formValues(body);
      const ctx = pageCtx(web, request);
      const action = `${BASE}/${params.id}`;
      const r = attempt(web, request, () => updateProtectedApp(web, actorOf(request, session), params.id, inputOf(values)));
      if (!r.ok) return htmlResponse(ProtectedAppForm({ ctx, action, values, creating: false, errors: r.errors, target: "#protected-app-form" }), { status: 422 });
      // The snippets on the page depend on hosts and headers: a full reload keeps them in step.
      return isHtmx(request) ? new Response(null, { status: 204, headers: { "HX-Refresh": "true" } }) : afterChange(request, action, () => detail(request, params.id));
    }, { adminPage: true })
    .post(`${BASE}/:id/groups`, ({ request, params, body, session }) => {
      setAllowedGroups(web, actorOf(request, session), params.id, listOf(formOf(body).userGroupIds));
      return afterChange(request, `${BASE}/${params.id}`, () => groupsSection(request, params.id, "Allowed groups saved."));
    }, { adminPage: true })
    .post(`${BASE}/:id/restrict`, ({ request, params, session }) => {
      setProtectedAppRestricted(web, actorOf(request, session), params.id, true);
      return afterChange(request, `${BASE}/${params.id}`, () => groupsSection(request, params.id, "Restricted to the chosen groups."));
    }, { adminPage: true })
    .post(`${BASE}/:id/unrestrict`, ({ request, params, session }) => {
      setProtectedAppRestricted(web, actorOf(request, session), params.id, false);
      return afterChange(request, `${BASE}/${params.id}`, () => groupsSection(request, params.id, "Everyone with an account may use this app now."));
    }, { adminPage: true })
    .post(`${BASE}/:id/delete`, ({ request, params, session }) => {
      const app = deleteProtectedApp(web, actorOf(request, session), params.id);
      return navigate(request, `${BASE}?deleted=${encodeURIComponent(app.name)}`);
    }, { adminPage: true });
}
