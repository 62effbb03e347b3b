/**
 * The account page /settings/account: passkeys (list, rename, delete), profile, sessions.
 * - Everything is a signed-in page (`userPage`); anonymous visitors go to /login?redirect=… .
 * - htmx requests get the re-rendered fragment; validation failures answer 422 with the form.
 * - Deleting the last passkey needs the explicit confirmation page (confirm=delete-last-passkey).
 * - A new passkey is named at …/passkeys/:id/name (the browser goes there after registering); that form
 *   saves through the rename route (added=1), which continues at its local `redirect`: the account page
 *   says "Passkey “…” added." (?added=<id>, looked up among the person's own passkeys), another page
 *   gets the confirmation page with a link on.
 */
import { msg } from "../../i18n/message.ts";
import { Elysia } from "elysia";
import { endOwnSession, listSessions, signOutEverywhere } from "../../account/user-sessions.ts";
import { countApiKeysOfUser } from "../../admin/api-keys.ts";
import { deletePasskey, findPasskey, listPasskeys, renamePasskey } from "../../webauthn/passkeys.ts";
import type { Session } from "../../account/sessions.ts";
import { canEditOwnProfile, findUser, updateOwnProfile } from "../../admin/users.ts";
import type { User } from "../../db/users.ts";
import { AppError, fieldTexts } from "../../errors.ts";
import { hasProfilePicture, resetProfilePicture, saveProfilePicture } from "../../admin/profile-pictures.ts";
import { ProfilePictureSection } from "../../../templates/components/profile-picture.tsx";
import { uploadedFile } from "./api-profile-pictures.ts";
import { nowSeconds } from "../../lib/clock.ts";
import {
  AccountPage,
  DeletePasskeyPage,
  PasskeyItem,
  PasskeyRenameForm,
  PasskeySection,
  ProfileForm,
  SessionsSection,
  type ProfileValues,
} from "../../../templates/pages/account.tsx";
import { NamePasskeyPage, PasskeyAddedPage } from "../../../templates/pages/add-passkey.tsx";
import { appConfigOf, endBrowserSession, forgetBrowserSession, safeRedirectPath } from "../browser-session.ts";
import { routePolicy } from "../plugins/route-policy.ts";
import { buildPageContext } from "../page-context.ts";
import { actorOf } from "../request-context.ts";
import { htmlResponse, isHtmx, navigate, redirectResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { text } from "../form-fields.ts";

function profileValues(u: User): ProfileValues {
  return { firstName: u.firstName, lastName: u.lastName, displayName: u.displayName, username: u.username, email: u.email ?? "" };
}

export function accountRoutes(web: WebDeps) {
  const ctx = (request: Request) => buildPageContext(web, web.assets, request);
  const canEdit = (user: User) => canEditOwnProfile(web, user);
  const now = () => nowSeconds(web.clock);

  /** The signed-in person's row (a session outliving its user is refused). */
  const userOf = (session: Session): User => {
    const user = findUser(web.db, session.userId);
    if (!user) throw AppError.unauthenticated();
    return user;
  };

  const passkeySection = (request: Request, userId: string) =>
    htmlResponse(PasskeySection({ ctx: ctx(request), passkeys: listPasskeys(web.db, userId), now: now() }));

  /** Own picture changes follow the same rule as profile edits (allowOwnAccountEdit, not directory-managed). */
  const pictureSection = (request: Request, userId: string, extra: { error?: string; notice?: string } = {}) =>
    ProfilePictureSection({ ctx: ctx(request), userId, base: "/settings/account", hasPicture: hasProfilePicture(web.db, userId), ...extra });
  const afterPictureChange = (request: Request, userId: string, notice: string) =>
    isHtmx(request) ? htmlResponse(pictureSection(request, userId, { notice })) : redirectResponse("/settings/account#profile-picture");

  return new Elysia({ name: "account" })
    .use(routePolicy(web))
    .post("/settings/account/picture", async ({ request, body, session }) => {
      const user = userOf(session);
      if (!canEdit(user)) throw AppError.forbidden(msg("account.profileManagedError"));
      try {
        await saveProfilePicture(web, user.id, await uploadedFile(body));
      } catch (e) {
        if (!(e instanceof AppError) || e.status >= 500) throw e;
        return htmlResponse(pictureSection(request, user.id, { error: ctx(request).text(e.text) }), { status: 422 });
      }
      return afterPictureChange(request, user.id, ctx(request).t("account.pictureUpdated"));
    }, { userPage: true, bodyLimit: "upload" })
    .post("/settings/account/picture/delete", ({ request, session }) => {
      const user = userOf(session);
      if (!canEdit(user)) throw AppError.forbidden(msg("account.profileManagedError"));
      resetProfilePicture(web.db, user.id);
      return afterPictureChange(request, user.id, ctx(request).t("account.pictureReset"));
    }, { userPage: true })
    .get("/settings", () => redirectResponse("/settings/account", 302))
    .get("/settings/account", ({ request, query, session }) => {
      const user = userOf(session);
      const sessions = listSessions(web.db, user.id, now(), session.id);
      const passkeys = listPasskeys(web.db, user.id);
      return htmlResponse(
        AccountPage({
          ctx: ctx(request),
          now: now(),
          passkeys,
          addedPasskey: typeof query.added === "string" ? passkeys.find((p) => p.id === query.added) : undefined,
          profile: profileValues(user),
          canEditProfile: canEdit(user),
          sessions,
          apiKeyCount: countApiKeysOfUser(web.db, user.id),
          signedInWithCode: session.amr.includes("otp") && !session.amr.includes("phr"),
          emailVerification: appConfigOf(web).emailVerificationEnabled ? { verified: user.emailVerified } : undefined,
          userId: user.id,
          hasPicture: hasProfilePicture(web.db, user.id),
        }),
      );
    }, { userPage: true })

    .post("/settings/account/profile", ({ request, body, session }) => {
      const user = userOf(session);
      if (!canEdit(user)) throw AppError.forbidden(msg("account.profileManagedError"));
      const values: ProfileValues = {
        firstName: text(body, "firstName"),
        lastName: text(body, "lastName"),
        displayName: text(body, "displayName"),
        username: text(body, "username"),
        email: text(body, "email"),
      };
      let updated;
      try {
        updated = updateOwnProfile(web, user, { ...values, email: values.email || null });
      } catch (error) {
        if (error instanceof AppError && error.code === "validation_failed") {
          const c = ctx(request);
          return htmlResponse(ProfileForm({ ctx: c, values, canEdit: true, errors: fieldTexts(error.fields, c.text) }), { status: 422 });
        }
        throw error;
      }
      if (!isHtmx(request)) return redirectResponse("/settings/account");
      const emailVerification = appConfigOf(web).emailVerificationEnabled ? { verified: updated.emailVerified } : undefined;
      return htmlResponse(ProfileForm({ ctx: ctx(request), values: profileValues(updated), canEdit: true, saved: true, emailVerification }));
    }, { userPage: true })

    .get("/settings/account/passkeys/:id", ({ request, params, session }) => {
      const user = userOf(session);
      const passkeys = listPasskeys(web.db, user.id);
      const pk = findPasskey(web.db, user.id, params.id);
      return htmlResponse(PasskeyItem({ ctx: ctx(request), passkey: pk, now: now(), isLast: passkeys.length === 1 }));
    }, { userPage: true })
    .get("/settings/account/passkeys/:id/rename", ({ request, params, session }) => {
      const user = userOf(session);
      return htmlResponse(PasskeyRenameForm({ ctx: ctx(request), passkey: findPasskey(web.db, user.id, params.id) }));
    }, { userPage: true })
    .get("/settings/account/passkeys/:id/name", ({ request, params, query, session }) => {
      const user = userOf(session);
      return htmlResponse(NamePasskeyPage({ ctx: ctx(request), passkey: findPasskey(web.db, user.id, params.id), redirect: safeRedirectPath(query.redirect) }));
    }, { userPage: true })
    .post("/settings/account/passkeys/:id/rename", ({ request, params, body, session }) => {
      const user = userOf(session);
      const name = text(body, "name");
      // The naming step right after registration (NamePasskeyPage) rather than the list's inline form.
      const added = text(body, "added") === "1";
      const redirect = safeRedirectPath(text(body, "redirect"));
      let renamed;
      try {
        renamed = renamePasskey(web, actorOf(request, session), params.id, name);
      } catch (error) {
        if (error instanceof AppError && error.code === "validation_failed") {
          const pk = findPasskey(web.db, user.id, params.id);
          const c = ctx(request);
          const message = error.fields.name === undefined ? undefined : c.text(error.fields.name);
          const form = added
            ? NamePasskeyPage({ ctx: c, passkey: pk, value: name, error: message, redirect })
            : PasskeyRenameForm({ ctx: c, passkey: pk, value: name, error: message });
          return htmlResponse(form, { status: 422 });
        }
        throw error;
      }
      if (added) {
        const next = redirect ?? "/settings/account";
        if (next === "/settings/account") return redirectResponse(`/settings/account?added=${encodeURIComponent(renamed.id)}`);
        return htmlResponse(PasskeyAddedPage({ ctx: ctx(request), passkey: renamed, next }));
      }
      if (!isHtmx(request)) return redirectResponse("/settings/account");
      const isLast = listPasskeys(web.db, user.id).length === 1;
      return htmlResponse(PasskeyItem({ ctx: ctx(request), passkey: renamed, now: now(), isLast }));
    }, { userPage: true })
    .get("/settings/account/passkeys/:id/delete", ({ request, params, session }) => {
      const user = userOf(session);
      return htmlResponse(DeletePasskeyPage({ ctx: ctx(request), passkey: findPasskey(web.db, user.id, params.id), isLast: listPasskeys(web.db, user.id).length === 1 }));
    }, { userPage: true })
    .post("/settings/account/passkeys/:id/delete", ({ request, params, body, session }) => {
      const user = userOf(session);
      const confirmLast = text(body, "confirm") === "delete-last-passkey";
      deletePasskey(web, actorOf(request, session), params.id, { confirmLast });
      return isHtmx(request) ? passkeySection(request, user.id) : redirectResponse("/settings/account");
    }, { userPage: true })

    .post("/settings/account/sessions/:id/end", ({ request, params, session }) => {
      const user = userOf(session);
      if (params.id === session.id) {
        endBrowserSession(web, request);
        return navigate(request, "/login?signed_out=1");
      }
      endOwnSession(web, actorOf(request, session), params.id);
      if (!isHtmx(request)) return redirectResponse("/settings/account");
      return htmlResponse(SessionsSection({ ctx: ctx(request), sessions: listSessions(web.db, user.id, now(), session.id), now: now(), apiKeyCount: countApiKeysOfUser(web.db, user.id) }));
    }, { userPage: true })
    .post("/settings/account/sessions/end-all", ({ request, body, session }) => {
      signOutEverywhere(web, actorOf(request, session), { revokeApiKeys: text(body, "revokeApiKeys") === "on" });
      forgetBrowserSession(web, request);
      return navigate(request, "/login?signed_out=1");
    }, { userPage: true });
}
