/** Admin pages for user groups: /settings/admin/user-groups[/:id] (details, members, allowed apps, claims). */
import { Elysia } from "elysia";
import { claimsFromForm, getCustomClaims, setCustomClaims } from "../../admin/custom-claims.ts";
import { parseListQuery } from "../../admin/pagination.ts";
import {
  createUserGroup,
  deleteUserGroup,
  getGroupAllowedClientIds,
  getGroupMemberIds,
  getUserGroup,
  listUserGroups,
  setGroupAllowedClients,
  setGroupMembers,
  toUserGroupDto,
  updateUserGroup,
} from "../../admin/user-groups.ts";
import { listAllUsersBrief } from "../../db/user-admin.ts";
import { listClientIdAndNames } from "../../db/user-groups.ts";
import { displayNameOf } from "../page-context.ts";
import {
  GroupClaimsForm,
  GroupClientsForm,
  GroupDetailPage,
  GroupForm,
  GroupList,
  GroupMembersForm,
  GroupsPage,
  NewGroupForm,
} from "../../../templates/pages/admin/user-groups.tsx";
import { actorOf } from "../request-context.ts";
import { afterChange, attempt, formOf, fragment, listOf, pageCtx } from "../admin-pages.ts";
import { htmlResponse, isHtmx, navigate } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

export function adminUserGroupRoutes(web: WebDeps) {
  const users = () => listAllUsersBrief(web.db).map((u) => ({ id: u.id, username: u.username, name: displayNameOf(u), email: u.email }));
  const base = (id: string) => `/settings/admin/user-groups/${id}`;
  const str = (v: unknown) => (typeof v === "string" ? v : "");

  return new Elysia({ name: "admin-user-groups" })
    .use(routePolicy(web))
    .get("/settings/admin/user-groups", ({ request, query }) => {
      const q = parseListQuery(query);
      const page = listUserGroups(web.db, q);
      if (isHtmx(request) && request.headers.get("hx-target") === "group-list") return htmlResponse(GroupList({ ctx: pageCtx(web, request), page, search: q.search }));
      const notice = query.deleted ? `Deleted the group ${String(query.deleted)}.` : undefined;
      return htmlResponse(GroupsPage({ ctx: pageCtx(web, request), page, search: q.search, form: { friendlyName: "", name: "" }, notice }));
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
      return htmlResponse(
        GroupDetailPage({
          ctx: pageCtx(web, request),
          created: query.created === "1",
          d: {
            group: toUserGroupDto(web.db, g),
            users: users(),
            memberIds: getGroupMemberIds(web.db, g.id),
            clients: listClientIdAndNames(web.db),
            allowedClientIds: getGroupAllowedClientIds(web.db, g.id),
            claims: getCustomClaims(web.db, { groupId: g.id }),
          },
        }),
      );
    }, { adminPage: true })
    .post("/settings/admin/user-groups/:id", ({ request, params, body, session }) => {
      getUserGroup(web.db, params.id);
      const f = formOf(body);
      const values = { friendlyName: str(f.friendlyName), name: str(f.name) };
      const ctx = pageCtx(web, request);
      const r = attempt(web, request, () => updateUserGroup(web, actorOf(request, session), params.id, values));
      if (!r.ok) return htmlResponse(GroupForm({ ctx, id: params.id, values, errors: r.errors }), { status: 422 });
      return afterChange(request, base(params.id), () =>
        htmlResponse(GroupForm({ ctx, id: params.id, values: { friendlyName: r.value.after.friendly_name, name: r.value.after.name }, saved: true })),
      );
    }, { adminPage: true })
    .post("/settings/admin/user-groups/:id/members", ({ request, params, body, session }) => {
      const ids = listOf(formOf(body).userIds);
      const ctx = pageCtx(web, request);
      const r = attempt(web, request, () => setGroupMembers(web, actorOf(request, session), params.id, { userIds: ids }));
      if (!r.ok) return htmlResponse(GroupMembersForm({ ctx, id: params.id, users: users(), memberIds: ids, error: Object.values(r.errors)[0] }), { status: 422 });
      return afterChange(request, base(params.id), () => fragment(GroupMembersForm({ ctx, id: params.id, users: users(), memberIds: r.value, saved: true })));
    }, { adminPage: true })
    .post("/settings/admin/user-groups/:id/clients", ({ request, params, body, session }) => {
      const ids = listOf(formOf(body).oidcClientIds);
      const r = setGroupAllowedClients(web, actorOf(request, session), params.id, { oidcClientIds: ids });
      return afterChange(request, base(params.id), () =>
        htmlResponse(GroupClientsForm({ ctx: pageCtx(web, request), id: params.id, clients: listClientIdAndNames(web.db), allowedIds: r, saved: true })),
      );
    }, { adminPage: true })
    .post("/settings/admin/user-groups/:id/claims", ({ request, params, body, session }) => {
      getUserGroup(web.db, params.id);
      const claims = claimsFromForm(formOf(body));
      const ctx = pageCtx(web, request);
      const r = attempt(web, request, () => setCustomClaims(web, actorOf(request, session), { groupId: params.id }, claims));
      if (!r.ok) return htmlResponse(GroupClaimsForm({ ctx, id: params.id, claims, errors: r.errors }), { status: 422 });
      return afterChange(request, base(params.id), () => htmlResponse(GroupClaimsForm({ ctx, id: params.id, claims: r.value, saved: true })));
    }, { adminPage: true })
    .post("/settings/admin/user-groups/:id/delete", ({ request, params, session }) => {
      const row = deleteUserGroup(web, actorOf(request, session), params.id);
      return navigate(request, `/settings/admin/user-groups?deleted=${encodeURIComponent(row.friendly_name)}`);
    }, { adminPage: true });
}
