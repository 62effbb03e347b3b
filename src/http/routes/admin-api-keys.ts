/** Admin pages: /settings/admin/api-keys (the admin's own keys) and /settings/admin/signup-tokens. */
import { Elysia } from "elysia";
import type { Session } from "../../account/sessions.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "../../admin/api-keys.ts";
import { readAppConfig } from "../../admin/app-config.ts";
import { createSignupToken, listSignupTokenDtos, removeSignupToken } from "../../admin/signup-tokens.ts";
import { listAllUserGroups } from "../../db/user-groups.ts";
import { nowSeconds } from "../../lib/clock.ts";
import {
  ApiKeyForm,
  ApiKeyList,
  ApiKeysPage,
  SignupTokenForm,
  SignupTokenList,
  SignupTokensPage,
  type ApiKeyFormValues,
} from "../../../templates/pages/admin/api-keys.tsx";
import { auditAdminChange, requireAdminPage } from "../admin-auth.ts";
import { afterChange, attempt, formOf, fragment, listOf, pageCtx } from "../admin-pages.ts";
import { htmlResponse, isHtmx, redirectResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { signupLink } from "./api-signup-tokens.ts";

export function adminApiKeyRoutes(web: WebDeps) {
  const admin = <T extends Response | Promise<Response>>(request: Request, fn: (session: Session) => T): T | Response => {
    const s = requireAdminPage(web, request);
    return s instanceof Response ? s : fn(s);
  };
  const now = () => nowSeconds(web.clock);
  const defaultForm = (): ApiKeyFormValues => ({ name: "", description: "", expiresAt: new Date((now() + 90 * 86400) * 1000).toISOString().slice(0, 10) });
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const groups = () => listAllUserGroups(web.db).map((g) => ({ id: g.id, friendlyName: g.friendly_name }));

  return new Elysia({ name: "admin-api-keys" })
    .get("/settings/admin/api-keys", ({ request }) =>
      admin(request, (s) => htmlResponse(ApiKeysPage({ ctx: pageCtx(web, request), keys: listApiKeys(web.db, s.userId), now: now(), form: defaultForm() }))),
    )
    .post("/settings/admin/api-keys", ({ request, body }) =>
      admin(request, (s) => {
        const f = formOf(body);
        const form = { name: str(f.name), description: str(f.description), expiresAt: str(f.expiresAt) };
        const ctx = pageCtx(web, request);
        const r = attempt(() => createApiKey(web, s.userId, form));
        if (!r.ok) {
          if (isHtmx(request)) return htmlResponse(ApiKeyForm({ ctx, form, errors: r.errors }), { status: 422 });
          return htmlResponse(ApiKeysPage({ ctx, keys: listApiKeys(web.db, s.userId), now: now(), form, errors: r.errors }), { status: 422 });
        }
        auditAdminChange(web, request, s, { entity: "api_key", action: "create", id: r.value.apiKey.id, changes: { name: r.value.apiKey.name, expiresAt: r.value.apiKey.expiresAt } });
        const created = { name: r.value.apiKey.name, token: r.value.token };
        // The key list is refreshed out of band so the new key appears below the form.
        const list = String(ApiKeyList({ ctx, keys: listApiKeys(web.db, s.userId), now: now() })).replace('id="api-key-list"', 'id="api-key-list" hx-swap-oob="true"');
        if (!isHtmx(request)) return htmlResponse(ApiKeysPage({ ctx, keys: listApiKeys(web.db, s.userId), now: now(), form: defaultForm(), created }));
        return htmlResponse(String(ApiKeyForm({ ctx, form: defaultForm(), created })) + list);
      }),
    )
    .post("/settings/admin/api-keys/:id/revoke", ({ request, params }) =>
      admin(request, (s) => {
        const k = revokeApiKey(web.db, s.userId, params.id);
        auditAdminChange(web, request, s, { entity: "api_key", action: "revoke", id: k.id, changes: { name: k.name } });
        return afterChange(request, "/settings/admin/api-keys", () =>
          fragment(ApiKeyList({ ctx: pageCtx(web, request), keys: listApiKeys(web.db, s.userId), now: now() }), { flash: { kind: "success", message: `Revoked “${k.name}”.` } }),
        );
      }),
    )
    .get("/settings/admin/signup-tokens", ({ request }) =>
      admin(request, () =>
        htmlResponse(
          SignupTokensPage({
            ctx: pageCtx(web, request),
            tokens: listSignupTokenDtos(web),
            groups: groups(),
            form: { ttl: "7d", usageLimit: "1", userGroupIds: [] },
            signupMode: readAppConfig(web.db, { uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv }).allowUserSignups,
          }),
        ),
      ),
    )
    .post("/settings/admin/signup-tokens", ({ request, body }) =>
      admin(request, (s) => {
        const f = formOf(body);
        const form = { ttl: str(f.ttl), usageLimit: str(f.usageLimit), userGroupIds: listOf(f.userGroupIds) };
        const ctx = pageCtx(web, request);
        const r = attempt(() => createSignupToken(web, form, s.userId));
        if (!r.ok) return htmlResponse(SignupTokenForm({ ctx, groups: groups(), form, errors: r.errors }), { status: 422 });
        auditAdminChange(web, request, s, { entity: "signup_token", action: "create", id: r.value.signupToken.id, changes: { usageLimit: r.value.signupToken.usageLimit, userGroupIds: r.value.signupToken.userGroupIds } });
        if (!isHtmx(request)) return redirectResponse("/settings/admin/signup-tokens");
        const list = String(SignupTokenList({ ctx, tokens: listSignupTokenDtos(web), groups: groups() })).replace('id="signup-list"', 'id="signup-list" hx-swap-oob="true"');
        return htmlResponse(String(SignupTokenForm({ ctx, groups: groups(), form: { ttl: "7d", usageLimit: "1", userGroupIds: [] }, created: { url: signupLink(web, r.value.token) } })) + list);
      }),
    )
    .post("/settings/admin/signup-tokens/:id/delete", ({ request, params }) =>
      admin(request, (s) => {
        removeSignupToken(web.db, params.id);
        auditAdminChange(web, request, s, { entity: "signup_token", action: "delete", id: params.id });
        return afterChange(request, "/settings/admin/signup-tokens", () =>
          fragment(SignupTokenList({ ctx: pageCtx(web, request), tokens: listSignupTokenDtos(web), groups: groups() }), { flash: { kind: "success", message: "Sign-up link deleted." } }),
        );
      }),
    );
}
