/**
 * Admin pages: /settings/admin/api-keys (the admin's own keys) and /settings/admin/signup-tokens.
 * Creating a key needs a passkey proof (src/admin/api-keys.ts): without one the form comes back (403)
 * with the entered values and a "Confirm with your passkey" button that re-authenticates in place and
 * submits the form again (static/src/passkey.ts, data-passkey-reauth + data-resubmit).
 */
import { Elysia } from "elysia";
import { apiKeyMaxLifetimeDays, createApiKey, listApiKeys, revokeApiKey } from "../../admin/api-keys.ts";
import { signupMode } from "../../admin/signups.ts";
import { createSignupToken, listSignupTokenDtos, removeSignupToken } from "../../admin/signup-tokens.ts";
import { listGroupChoices } from "../../admin/user-groups.ts";
import { hasPasskey } from "../../webauthn/passkeys.ts";
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
import { AppError } from "../../errors.ts";
import { clearReauthenticationCookie, readReauthenticationCookie } from "../browser-session.ts";
import { actorOf, auditOrigin } from "../request-context.ts";
import { afterChange, attempt, formOf, fragment, listOf, pageCtx } from "../admin-pages.ts";
import { htmlResponse, isHtmx, redirectResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { signupLink } from "./api-signup-tokens.ts";
import { routePolicy } from "../plugins/route-policy.ts";

export function adminApiKeyRoutes(web: WebDeps) {
  const now = () => nowSeconds(web.clock);
  const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);
  const maxDays = () => apiKeyMaxLifetimeDays(web);
  const defaultForm = (): ApiKeyFormValues => ({ name: "", description: "", expiresAt: day(now() + Math.min(90, maxDays()) * 86400) });
  const limits = () => ({ maxDays: maxDays(), minDate: day(now() + 86400), maxDate: day(now() + maxDays() * 86400) });
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const groups = () => listGroupChoices(web.db);

  return new Elysia({ name: "admin-api-keys" })
    .use(routePolicy(web))
    .get(
      "/settings/admin/api-keys",
      ({ request, session }) => htmlResponse(ApiKeysPage({ ctx: pageCtx(web, request), keys: listApiKeys(web.db, session.userId), now: now(), form: defaultForm(), limits: limits() })),
      { adminPage: true },
    )
    .post("/settings/admin/api-keys", ({ request, body, session }) => {
      const f = formOf(body);
      const form = { name: str(f.name), description: str(f.description), expiresAt: str(f.expiresAt) };
      const ctx = pageCtx(web, request);
      const requester = { session: session, reauthenticationToken: readReauthenticationCookie(web, request), origin: auditOrigin(request) };
      let r: ReturnType<typeof attempt<ReturnType<typeof createApiKey>>>;
      try {
        r = attempt(web, request, () => createApiKey(web, requester, form));
      } catch (e) {
        if (!(e instanceof AppError) || e.code !== "reauthentication_required") throw e;
        clearReauthenticationCookie(web, request);
        // Offer the passkey check in place; the form keeps what was typed and is sent again afterwards.
        const reauth = { hasPasskeys: hasPasskey(web.db, session.userId) };
        if (isHtmx(request)) return htmlResponse(ApiKeyForm({ ctx, form, limits: limits(), reauth }), { status: 403 });
        return htmlResponse(ApiKeysPage({ ctx, keys: listApiKeys(web.db, session.userId), now: now(), form, limits: limits(), reauth }), { status: 403 });
      }
      if (!r.ok) {
        if (isHtmx(request)) return htmlResponse(ApiKeyForm({ ctx, form, limits: limits(), errors: r.errors }), { status: 422 });
        return htmlResponse(ApiKeysPage({ ctx, keys: listApiKeys(web.db, session.userId), now: now(), form, limits: limits(), errors: r.errors }), { status: 422 });
      }
      clearReauthenticationCookie(web, request);
      const created = { name: r.value.apiKey.name, token: r.value.token };
      // The key list is refreshed out of band so the new key appears below the form.
      const list = String(ApiKeyList({ ctx, keys: listApiKeys(web.db, session.userId), now: now() })).replace('id="api-key-list"', 'id="api-key-list" hx-swap-oob="true"');
      if (!isHtmx(request)) return htmlResponse(ApiKeysPage({ ctx, keys: listApiKeys(web.db, session.userId), now: now(), form: defaultForm(), limits: limits(), created }));
      return htmlResponse(String(ApiKeyForm({ ctx, form: defaultForm(), limits: limits(), created })) + list);
    }, { adminPage: true })
    .post("/settings/admin/api-keys/:id/revoke", ({ request, params, session }) => {
      const k = revokeApiKey(web, actorOf(request, session), params.id);
      const ctx = pageCtx(web, request);
      return afterChange(request, "/settings/admin/api-keys", () =>
        fragment(ApiKeyList({ ctx, keys: listApiKeys(web.db, session.userId), now: now() }), { flash: { kind: "success", message: ctx.t("apiKeys.flashRevoked", { name: k.name }) } }),
      );
    }, { adminPage: true })
    .get(
      "/settings/admin/signup-tokens",
      ({ request }) =>
        htmlResponse(
          SignupTokensPage({
            ctx: pageCtx(web, request),
            tokens: listSignupTokenDtos(web),
            groups: groups(),
            form: { ttl: "7d", usageLimit: "1", userGroupIds: [] },
            signupMode: signupMode(web),
          }),
        ),
      { adminPage: true },
    )
    .post("/settings/admin/signup-tokens", ({ request, body, session }) => {
      const f = formOf(body);
      const form = { ttl: str(f.ttl), usageLimit: str(f.usageLimit), userGroupIds: listOf(f.userGroupIds) };
      const ctx = pageCtx(web, request);
      const r = attempt(web, request, () => createSignupToken(web, actorOf(request, session), form));
      if (!r.ok) return htmlResponse(SignupTokenForm({ ctx, groups: groups(), form, errors: r.errors }), { status: 422 });
      if (!isHtmx(request)) return redirectResponse("/settings/admin/signup-tokens");
      const list = String(SignupTokenList({ ctx, tokens: listSignupTokenDtos(web), groups: groups(), signupMode: signupMode(web) })).replace('id="signup-list"', 'id="signup-list" hx-swap-oob="true"');
      return htmlResponse(String(SignupTokenForm({ ctx, groups: groups(), form: { ttl: "7d", usageLimit: "1", userGroupIds: [] }, created: { url: signupLink(web, r.value.token) } })) + list);
    }, { adminPage: true })
    .post("/settings/admin/signup-tokens/:id/delete", ({ request, params, session }) => {
      removeSignupToken(web, actorOf(request, session), params.id);
      const ctx = pageCtx(web, request);
      return afterChange(request, "/settings/admin/signup-tokens", () =>
        fragment(SignupTokenList({ ctx, tokens: listSignupTokenDtos(web), groups: groups(), signupMode: signupMode(web) }), { flash: { kind: "success", message: ctx.t("signups.flashDeleted") } }),
      );
    }, { adminPage: true });
}
