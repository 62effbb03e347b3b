/** Admin pages for user groups: /settings/admin/user-groups[/:id] (one form: details, members, allowed apps, claims). */
import { Elysia } from "elysia";
import { claimsFromForm, getCustomClaims } from "../../admin/custom-claims.ts";
import { parseListQuery } from "../../admin/pagination.ts";
import {
  createUserGroup,
  deleteUserGroup,
  getGroupAllowedClientIds,
  getGroupMemberIds,
  getUserGroup,
  listUserGroups,
  saveUserGroupPage,
  toUserGroupDto,
} from "../../admin/user-groups.ts";
import { listUserChoices } from "../../admin/user-admin.ts";
import { getGroupAllowedProtectedAppIds, listProtectedApps } from "../../forward-auth/protected-apps.ts";
import { listClients } from "../../oidc/clients.ts";
import { displayNameOf } from "../page-context.ts";
import { GroupDetailPage, GroupEditForm, GroupList, GroupsPage, NewGroupForm, type GroupFormValues } from "../../../templates/pages/admin/user-groups.tsx";
import { actorOf } from "../request-context.ts";
import { afterChange, attempt, formOf, fragment, listOf, pageCtx } from "../admin-pages.ts";
import { htmlResponse, isHtmx, navigate } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

export function adminUserGroupRoutes(web: WebDeps) {
  const users = () => listUserChoices(web.db).map((u) => ({ id: u.id, username: u.username, name: displayNameOf(u), email: u.email }));
  const base = (id: string) => `/settings/admin/user-groups/${id}`;
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const detail = (id: string, values: GroupFormValues) => ({
    group: toUserGroupDto(web.db, getUserGroup(web.db, id)),
    users: users(),
    clients: listClients(web.db).map((c) => ({ id: c.id, name: c.name, unrestricted: c.unrestricted })),
    protectedApps: listProtectedApps(web.db).map((a) => ({ id: a.id, name: a.name, unrestricted: !a.isGroupRestricted })),
    values,
  });

  return new Elysia({ name: "admin-user-groups" })
    .use(routePolicy(web))
    .get("/settings/admin/user-groups", ({ request, query }) => {
      const q = parseListQuery(query);
      const page = listUserGroups(web.db, q);
      if (isHtmx(request) && request.headers.get("hx-target") === "group-list") return htmlResponse(GroupList({ ctx: pageCtx(web, request), page, search: q.search }));
      const ctx = pageCtx(web, request);
      const notice = query.deleted ? ctx.t("groups.deleted", { name: String(query.deleted) }) : undefined;
      return htmlResponse(GroupsPage({ ctx, page, search: q.search, form: { friendlyName: "", name: "" }, notice }));
    }, { adminPage: true })
    .post("/settings/admin/user-groups", ({ request, body, session }) => {
      const f = formOf(body);
      const form = { friendlyName: str(f.friendlyName), name: str(f.name) };
      const r = attempt(web, request, () => createUserGroup(web, actorOf(request, session), form));
      if (!r.ok) {
        const ctx = pageCtx(web, request);
        if (isHtmx(request)) return htmlResponse(NewGroupForm({ ctx, form, errors: r.errors }), { status: 422 });
        return htmlResponse(GroupsPage({ ctx, page: listUserGroups(web.db, parseListQuery({})), search: "", form, errors: r.errors }), { status: 422 });
      }
      return navigate(request, `${base(r.value.id)}?created=1`);
    }, { adminPage: true })
    .get("/settings/admin/user-groups/:id", ({ request, params, query }) => {
      const g = getUserGroup(web.db, params.id);
      const values: GroupFormValues = {
        friendlyName: g.friendlyName,
        name: g.name,
        userIds: getGroupMemberIds(web.db, g.id),
        oidcClientIds: getGroupAllowedClientIds(web.db, g.id),
        protectedAppIds: getGroupAllowedProtectedAppIds(web.db, g.id),
        claims: getCustomClaims(web.db, { groupId: g.id }),
      };
      return htmlResponse(GroupDetailPage({ ctx: pageCtx(web, request), created: query.created === "1", saved: query.saved === "1", d: detail(g.id, values) }));
    }, { adminPage: true })
    // The page's one form: details, members, allowed apps and claims, saved together or not at all.
    .post("/settings/admin/user-groups/:id", ({ request, params, body, session }) => {
      const g = getUserGroup(web.db, params.id);
      const f = formOf(body);
      const submitted: GroupFormValues = {
        // A directory-managed group's disabled fields are not posted: show the stored ones.
        friendlyName: g.ldapId ? g.friendlyName : str(f.friendlyName),
        name: g.ldapId ? g.name : str(f.name),
        userIds: g.ldapId ? getGroupMemberIds(web.db, g.id) : listOf(f.userIds),
        oidcClientIds: listOf(f.oidcClientIds),
        protectedAppIds: listOf(f.protectedAppIds),
        claims: claimsFromForm(f),
      };
      const ctx = pageCtx(web, request);
      const r = attempt(web, request, () => saveUserGroupPage(web, actorOf(request, session), g.id, { ...submitted, customClaims: submitted.claims }));
      if (!r.ok) {
        if (isHtmx(request)) return htmlResponse(GroupEditForm({ ctx, d: detail(g.id, submitted), errors: r.errors }), { status: 422 });
        return htmlResponse(GroupDetailPage({ ctx, d: detail(g.id, submitted) }), { status: 422 });
      }
      const saved = getUserGroup(web.db, g.id);
      // Re-rendered from what is now stored, so the page shows exactly what was saved.
      return afterChange(request, `${base(g.id)}?saved=1`, () =>
        fragment(
          GroupEditForm({
            ctx,
            saved: true,
            d: detail(g.id, {
              friendlyName: saved.friendlyName,
              name: saved.name,
              userIds: getGroupMemberIds(web.db, g.id),
              oidcClientIds: getGroupAllowedClientIds(web.db, g.id),
              protectedAppIds: getGroupAllowedProtectedAppIds(web.db, g.id),
              claims: getCustomClaims(web.db, { groupId: g.id }),
            }),
          }),
          { flash: { kind: "success", message: ctx.t("groups.saved", { name: saved.friendlyName }) } },
        ),
      );
    }, { adminPage: true })
    .post("/settings/admin/user-groups/:id/delete", ({ request, params, session }) => {
      const row = deleteUserGroup(web, actorOf(request, session), params.id);
      return navigate(request, `/settings/admin/user-groups?deleted=${encodeURIComponent(row.friendlyName)}`);
    }, { adminPage: true });
}
