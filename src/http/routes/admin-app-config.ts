/** Admin page: /settings/admin/application-configuration (read-only with UI_CONFIG_DISABLED=true). */
import { Elysia } from "elysia";
import type { Session } from "../../account/sessions.ts";
import { readAppConfig } from "../../admin/app-config.ts";
import { updateAppConfigFromInput } from "../../admin/app-config-admin.ts";
import { claimsFromForm } from "../../admin/custom-claims.ts";
import { listAllUserGroups } from "../../db/user-groups.ts";
import { AppConfigForm, AppConfigPage } from "../../../templates/pages/admin/app-config.tsx";
import { auditAdminChange, requireAdminPage } from "../admin-auth.ts";
import { afterChange, attempt, checked, formOf, fragment, listOf, pageCtx } from "../admin-pages.ts";
import { htmlResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";

const BOOL_KEYS = ["disableAnimations", "allowOwnAccountEdit", "requireUserEmail", "emailsVerified", "webauthnAllowSyncedPasskeys"] as const;
const TEXT_KEYS = ["appName", "sessionDuration", "homePageUrl", "accentColor", "allowUserSignups", "webauthnUserVerification", "webauthnAuthenticatorAttachment"] as const;

export function adminAppConfigRoutes(web: WebDeps) {
  const read = () => readAppConfig(web.db, { uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv });
  const groups = () => listAllUserGroups(web.db).map((g) => ({ id: g.id, friendlyName: g.friendly_name }));
  const admin = (request: Request, fn: (session: Session) => Response): Response => {
    const s = requireAdminPage(web, request);
    return s instanceof Response ? s : fn(s);
  };
  const path = "/settings/admin/application-configuration";

  return new Elysia({ name: "admin-app-config" })
    .get(path, ({ request }) => admin(request, () => htmlResponse(AppConfigPage({ ctx: pageCtx(web, request), config: read(), groups: groups(), readOnly: web.config.uiConfigDisabled }))))
    .post(path, ({ request, body }) =>
      admin(request, (session) => {
        const f = formOf(body);
        // Unchecked boxes are absent from a form: every rendered toggle is sent explicitly.
        const input: Record<string, unknown> = {};
        for (const k of TEXT_KEYS) if (typeof f[k] === "string") input[k] = f[k];
        for (const k of BOOL_KEYS) input[k] = checked(f[k]);
        input.signupDefaultUserGroupIDs = listOf(f.signupDefaultUserGroupIDs);
        input.signupDefaultCustomClaims = claimsFromForm(f).filter((c) => c.key.trim() !== "" || c.value.trim() !== "");
        const ctx = pageCtx(web, request);
        const r = attempt(() => updateAppConfigFromInput({ db: web.db, clock: web.clock, uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv }, input));
        if (!r.ok) {
          const shown = { ...read(), ...(input as object), sessionDuration: String(input.sessionDuration ?? "") } as never;
          return htmlResponse(AppConfigForm({ ctx, config: shown, groups: groups(), readOnly: false, errors: r.errors }), { status: 422 });
        }
        auditAdminChange(web, request, session, { entity: "application_configuration", action: "update", id: "application-configuration", changes: { keys: r.value } });
        return afterChange(request, path, () =>
          fragment(AppConfigForm({ ctx: pageCtx(web, request), config: read(), groups: groups(), readOnly: false, saved: true }), { flash: { kind: "success", message: "Configuration saved." } }),
        );
      }),
    );
}
