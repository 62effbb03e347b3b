/**
 * Admin pages for users: /settings/admin/users (list, search, pagination as htmx partials),
 * /settings/admin/users/new, /settings/admin/users/:id (profile, groups, login link, picture,
 * custom claims, passkeys, sessions, delete). Admin session + CSRF (global); every change audited.
 */
import { Elysia } from "elysia";
import { listSessions } from "../../account/user-sessions.ts";
import { claimsFromForm, getCustomClaims, setCustomClaims } from "../../admin/custom-claims.ts";
import { parseListQuery } from "../../admin/pagination.ts";
import {
  createLoginCode,
  createUserAsAdmin,
  deleteUserAsAdmin,
  deleteUserPasskey,
  getUser,
  listUsers,
  listUserPasskeys,
  revokeAllUserSessions,
  revokeUserSession,
  toUserDto,
  updateUserAsAdmin,
} from "../../admin/user-admin.ts";
import { duration, FieldErrors } from "../../admin/validation.ts";
import { hasProfilePicture, resetProfilePictureOfUser, setProfilePictureOfUser } from "../../admin/profile-pictures.ts";
import { AppError } from "../../errors.ts";
import { uploadedFile } from "./api-profile-pictures.ts";
import { listGroupChoices } from "../../admin/user-groups.ts";
import type { User } from "../../db/users.ts";
import { nowSeconds } from "../../lib/clock.ts";
import type { Session } from "../../account/sessions.ts";
import {
  LoginCodeSection,
  NewUserPage,
  ProfilePictureSection,
  UserClaimsSection,
  UserDetailPage,
  UserForm,
  UserList,
  UserPasskeysSection,
  UserSessionsSection,
  UsersPage,
  type UserDetailData,
  type UserFormValues,
} from "../../../templates/pages/admin/users.tsx";
import { appConfigOf } from "../browser-session.ts";
import { actorOf } from "../request-context.ts";
import { afterChange, attempt, checked, formOf, fragment, listOf, pageCtx } from "../admin-pages.ts";
import { htmlResponse, isHtmx, navigate, redirectResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

function valuesOf(u: User, groupIds: string[]): UserFormValues {
  return {
    username: u.username,
    email: u.email ?? "",
    firstName: u.firstName,
    lastName: u.lastName,
    displayName: u.displayName,
    isAdmin: u.isAdmin,
    disabled: u.disabled,
    emailVerified: u.emailVerified,
    userGroupIds: groupIds,
  };
}

function valuesFromForm(form: Record<string, unknown>): UserFormValues {
  const s = (k: string) => (typeof form[k] === "string" ? (form[k] as string) : "");
  return {
    username: s("username"),
    email: s("email"),
    firstName: s("firstName"),
    lastName: s("lastName"),
    displayName: s("displayName"),
    isAdmin: checked(form.isAdmin),
    disabled: checked(form.disabled),
    emailVerified: checked(form.emailVerified),
    userGroupIds: listOf(form.userGroupIds),
  };
}

export function adminUserRoutes(web: WebDeps) {
  const groups = () => listGroupChoices(web.db);
  const now = () => nowSeconds(web.clock);

  const detailData = (id: string, session: Session): UserDetailData => {
    const user = toUserDto(web.db, getUser(web.db, id));
    return {
      user,
      values: valuesOf(getUser(web.db, id), user.userGroups.map((g) => g.id)),
      groups: groups(),
      passkeys: listUserPasskeys(web.db, id),
      sessions: sessionsOf(id),
      claims: getCustomClaims(web.db, { userId: id }),
      isSelf: session.userId === id,
      hasPicture: hasProfilePicture(web.db, id),
      emailLoginCode: appConfigOf(web).emailOneTimeAccessAsAdminEnabled,
    };
  };
  const sessionsOf = (id: string) => listSessions(web.db, id, now());

  return new Elysia({ name: "admin-users" })
    .use(routePolicy(web))
    .get("/settings/admin", () => redirectResponse("/settings/admin/users", 302))
    .get("/settings/admin/users", ({ request, query }) => {
      const q = parseListQuery(query);
      const page = listUsers(web.db, q);
      const ctx = pageCtx(web, request);
      if (isHtmx(request) && request.headers.get("hx-target") === "user-list") return htmlResponse(UserList({ ctx, page, search: q.search }));
      const notice = query.deleted ? ctx.t("users.noticeDeleted", { username: String(query.deleted) }) : undefined;
      return htmlResponse(UsersPage({ ctx, page, search: q.search, notice }));
    }, { adminPage: true })
    .get(
      "/settings/admin/users/new",
      ({ request }) =>
        htmlResponse(
          NewUserPage({
            ctx: pageCtx(web, request),
            groups: groups(),
            values: { username: "", email: "", firstName: "", lastName: "", displayName: "", isAdmin: false, disabled: false, emailVerified: false, userGroupIds: [] },
          }),
        ),
      { adminPage: true },
    )
    .post("/settings/admin/users", ({ request, body, session }) => {
      const form = formOf(body);
      const values = valuesFromForm(form);
      const r = attempt(web, request, () => createUserAsAdmin(web, actorOf(request, session), values));
      if (!r.ok) {
        const ctx = pageCtx(web, request);
        if (isHtmx(request)) return htmlResponse(UserForm({ ctx, action: "/settings/admin/users", values, groups: groups(), errors: r.errors, submitLabel: ctx.t("users.create") }), { status: 422 });
        return htmlResponse(NewUserPage({ ctx, values, groups: groups(), errors: r.errors }), { status: 422 });
      }
      return navigate(request, `/settings/admin/users/${r.value.id}?created=1`);
    }, { adminPage: true })
    .get(
      "/settings/admin/users/:id",
      ({ request, params, query, session }) => htmlResponse(UserDetailPage({ ctx: pageCtx(web, request), d: detailData(params.id, session), created: query.created === "1" })),
      { adminPage: true },
    )
    .post("/settings/admin/users/:id", ({ request, params, body, session }) => {
      getUser(web.db, params.id);
      const values = valuesFromForm(formOf(body));
      const r = attempt(web, request, () => updateUserAsAdmin(web, actorOf(request, session), params.id, values));
      const ctx = pageCtx(web, request);
      const action = `/settings/admin/users/${params.id}`;
      if (!r.ok) return htmlResponse(UserForm({ ctx, action, values, groups: groups(), errors: r.errors, submitLabel: ctx.t("users.saveChanges") }), { status: 422 });
      return afterChange(request, action, () =>
        fragment(UserForm({ ctx, action, values: valuesOf(r.value.after, values.userGroupIds), groups: groups(), submitLabel: ctx.t("users.saveChanges"), saved: true }), {
          flash: { kind: "success", message: ctx.t("users.flashSaved", { username: r.value.after.username }) },
        }),
      );
    }, { adminPage: true })
    .post("/settings/admin/users/:id/delete", ({ request, params, session }) => {
      const row = deleteUserAsAdmin(web, actorOf(request, session), params.id);
      return navigate(request, `/settings/admin/users?deleted=${encodeURIComponent(row.username)}`);
    }, { adminPage: true })
    .post("/settings/admin/users/:id/login-code", ({ request, params, body, session }) => {
      const user = getUser(web.db, params.id);
      const errors = new FieldErrors();
      const ttl = duration(errors, formOf(body), "ttl", { fallback: 3600, min: 60, max: 30 * 86400 });
      errors.throwIfAny();
      const { token, expiresAt } = createLoginCode(web, actorOf(request, session), user.id, ttl);
      const code = { token, expiresAt, url: `${web.config.appUrl}/lc/${token}` };
      // A plain form post cannot show the code after a redirect: render the page with it.
      if (!isHtmx(request)) return htmlResponse(UserDetailPage({ ctx: pageCtx(web, request), d: detailData(user.id, session), code }));
      return htmlResponse(LoginCodeSection({ ctx: pageCtx(web, request), userId: user.id, code }));
    }, { adminPage: true })
    .post("/settings/admin/users/:id/picture", async ({ request, params, body, session }) => {
      getUser(web.db, params.id);
      const ctx = pageCtx(web, request);
      try {
        await setProfilePictureOfUser(web, actorOf(request, session), params.id, await uploadedFile(body));
      } catch (e) {
        if (!(e instanceof AppError) || e.status >= 500) throw e;
        return htmlResponse(ProfilePictureSection({ ctx, userId: params.id, hasPicture: hasProfilePicture(web.db, params.id), error: ctx.text(e.text) }), { status: 422 });
      }
      return afterChange(request, `/settings/admin/users/${params.id}`, () => htmlResponse(ProfilePictureSection({ ctx, userId: params.id, hasPicture: true, notice: ctx.t("users.pictureUpdated") })));
    }, { adminPage: true, bodyLimit: "upload" })
    .post("/settings/admin/users/:id/picture/delete", ({ request, params, session }) => {
      getUser(web.db, params.id);
      resetProfilePictureOfUser(web, actorOf(request, session), params.id);
      const ctx = pageCtx(web, request);
      return afterChange(request, `/settings/admin/users/${params.id}`, () =>
        htmlResponse(ProfilePictureSection({ ctx, userId: params.id, hasPicture: false, notice: ctx.t("users.pictureReset") })),
      );
    }, { adminPage: true })
    .post("/settings/admin/users/:id/claims", ({ request, params, body, session }) => {
      getUser(web.db, params.id);
      const claims = claimsFromForm(formOf(body));
      const ctx = pageCtx(web, request);
      const r = attempt(web, request, () => setCustomClaims(web, actorOf(request, session), { userId: params.id }, claims));
      if (!r.ok) return htmlResponse(UserClaimsSection({ ctx, userId: params.id, claims, errors: r.errors }), { status: 422 });
      return afterChange(request, `/settings/admin/users/${params.id}`, () => htmlResponse(UserClaimsSection({ ctx, userId: params.id, claims: r.value, saved: true })));
    }, { adminPage: true })
    .post("/settings/admin/users/:id/passkeys/:credentialId/delete", ({ request, params, session }) => {
      const row = deleteUserPasskey(web, actorOf(request, session), params.id, params.credentialId);
      const ctx = pageCtx(web, request);
      return afterChange(request, `/settings/admin/users/${params.id}`, () =>
        fragment(UserPasskeysSection({ ctx, userId: params.id, passkeys: listUserPasskeys(web.db, params.id) }), {
          flash: { kind: "success", message: ctx.t("users.flashPasskeyDeleted", { name: row.name }) },
        }),
      );
    }, { adminPage: true })
    .post("/settings/admin/users/:id/sessions/:sessionId/revoke", ({ request, params, session }) => {
      revokeUserSession(web, actorOf(request, session), params.id, params.sessionId);
      const ctx = pageCtx(web, request);
      return afterChange(request, `/settings/admin/users/${params.id}`, () =>
        fragment(UserSessionsSection({ ctx, userId: params.id, sessions: sessionsOf(params.id) }), { flash: { kind: "success", message: ctx.t("users.flashSessionEnded") } }),
      );
    }, { adminPage: true })
    .post("/settings/admin/users/:id/sessions/revoke-all", ({ request, params, session }) => {
      const n = revokeAllUserSessions(web, actorOf(request, session), params.id);
      const ctx = pageCtx(web, request);
      return afterChange(request, `/settings/admin/users/${params.id}`, () =>
        fragment(UserSessionsSection({ ctx, userId: params.id, sessions: sessionsOf(params.id) }), { flash: { kind: "success", message: ctx.t("users.flashSessionsEnded", { count: n }) } }),
      );
    }, { adminPage: true });
}
