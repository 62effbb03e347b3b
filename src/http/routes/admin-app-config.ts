/** Admin page: /settings/admin/application-configuration (read-only with UI_CONFIG_DISABLED=true). */
import { Elysia } from "elysia";
import { readAppConfig } from "../../admin/app-config.ts";
import { updateAppConfiguration } from "../../admin/app-config-admin.ts";
import { claimsFromForm } from "../../admin/custom-claims.ts";
import { listGroupChoices } from "../../admin/user-groups.ts";
import { findUser } from "../../admin/users.ts";
import { AppConfigForm, AppConfigPage, BrandingSection } from "../../../templates/pages/admin/app-config.tsx";
import { appImageVersions, brandingCssVersion, currentBrandingCss, isAppImageName, removeAppImage, uploadAppImage } from "../../admin/branding.ts";
import { AppError } from "../../errors.ts";
import { msg } from "../../i18n/message.ts";
import { uploadedFile } from "./api-profile-pictures.ts";
import { actorOf } from "../request-context.ts";
import { afterChange, attempt, checked, formOf, listOf, pageCtx } from "../admin-pages.ts";
import { htmlResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

const BOOL_KEYS = [
  "disableAnimations", "allowOwnAccountEdit", "requireUserEmail", "emailsVerified", "webauthnAllowSyncedPasskeys",
  "smtpSkipCertVerify", "emailVerificationEnabled", "emailLoginNotificationEnabled", "emailOneTimeAccessAsAdminEnabled", "emailOneTimeAccessAsUnauthenticatedEnabled", "emailApiKeyExpirationEnabled",
] as const;
const TEXT_KEYS = ["appName", "sessionDuration", "apiKeyMaxLifetimeDays", "homePageUrl", "accentColor", "allowUserSignups", "webauthnUserVerification", "webauthnAuthenticatorAttachment", "smtpHost", "smtpPort", "smtpFrom", "smtpUser", "smtpTls"] as const;

export function adminAppConfigRoutes(web: WebDeps) {
  const read = () => readAppConfig(web.db, { uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv });
  const groups = () => listGroupChoices(web.db);
  const path = "/settings/admin/application-configuration";
  const images = () => appImageVersions(web.db);
  const imageName = (v: string) => {
    if (!isAppImageName(v)) throw AppError.notFound(msg("appConfig.errNoSuchImage"));
    return v;
  };

  return new Elysia({ name: "admin-app-config" })
    .use(routePolicy(web))
    .get(
      path,
      ({ request, session }) =>
        htmlResponse(AppConfigPage({ ctx: pageCtx(web, request), config: read(), groups: groups(), readOnly: web.config.uiConfigDisabled, images: images(), adminEmail: findUser(web.db, session.userId)?.email ?? null })),
      { adminPage: true },
    )
    .post(`${path}/images/:name`, async ({ request, params, body, session }) => {
      const name = imageName(params.name);
      const ctx = pageCtx(web, request);
      try {
        await uploadAppImage(web, actorOf(request, session), name, await uploadedFile(body));
      } catch (e) {
        if (!(e instanceof AppError) || e.status >= 500) throw e;
        return htmlResponse(BrandingSection({ ctx, images: images(), error: ctx.text(e.text) }), { status: 422 });
      }
      return afterChange(request, path, () => htmlResponse(BrandingSection({ ctx, images: images(), notice: ctx.t("appConfig.imageUpdated") })));
    }, { adminPage: true, bodyLimit: "upload" })
    .post(`${path}/images/:name/delete`, ({ request, params, session }) => {
      const name = imageName(params.name);
      removeAppImage(web, actorOf(request, session), name);
      return afterChange(request, path, () => {
        const ctx = pageCtx(web, request);
        return htmlResponse(BrandingSection({ ctx, images: images(), notice: ctx.t("appConfig.imageRemoved") }));
      });
    }, { adminPage: true })
    .post(path, ({ request, body, session }) => {
      const f = formOf(body);
      // Unchecked boxes are absent from a form: every rendered toggle is sent explicitly.
      const input: Record<string, unknown> = {};
      for (const k of TEXT_KEYS) if (typeof f[k] === "string") input[k] = f[k];
      for (const k of BOOL_KEYS) input[k] = checked(f[k]);
      input.signupDefaultUserGroupIDs = listOf(f.signupDefaultUserGroupIDs);
      // One URL pattern per line (blank lines ignored); none turns client metadata documents off.
      if (typeof f.cimdUrlAllowlist === "string") input.cimdUrlAllowlist = f.cimdUrlAllowlist.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      input.signupDefaultCustomClaims = claimsFromForm(f).filter((c) => c.key.trim() !== "" || c.value.trim() !== "");
      // The SMTP password is never shown: empty keeps the stored one, the checkbox clears it.
      if (checked(f.smtpPasswordClear)) input.smtpPassword = "";
      else if (typeof f.smtpPassword === "string" && f.smtpPassword !== "") input.smtpPassword = f.smtpPassword;
      const ctx = pageCtx(web, request);
      const r = attempt(web, request, () => updateAppConfiguration(web, actorOf(request, session), input));
      if (!r.ok) {
        const shown = { ...read(), ...(input as object), smtpPassword: read().smtpPassword, sessionDuration: String(input.sessionDuration ?? ""), apiKeyMaxLifetimeDays: String(input.apiKeyMaxLifetimeDays ?? "") } as never;
        return htmlResponse(AppConfigForm({ ctx, config: shown, groups: groups(), readOnly: false, errors: r.errors }), { status: 422 });
      }
      // One confirmation, in the form (focused); the page then shows the new name and accent without a reload.
      const saved = read();
      const brandingVersion = brandingCssVersion(currentBrandingCss(web.db, saved));
      return afterChange(request, path, () => htmlResponse(AppConfigForm({ ctx: pageCtx(web, request), config: saved, groups: groups(), readOnly: false, saved: { appName: saved.appName, brandingVersion } })));
    }, { adminPage: true });
}
