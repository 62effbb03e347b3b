/**
 * Email routes (issue 7):
 * - GET/POST /login/alternative/email (and JSON POST /api/one-time-access-email) — "Email me a login code" (toggle emailOneTimeAccessAsUnauthenticatedEnabled).
 *   The answer is the same page whether or not the address exists; the code is bound to this
 *   browser's device-token cookie; rate limited per IP and per address.
 * - GET /verify-email?token= shows a button; POST /verify-email consumes the token (single use).
 * - POST /settings/account/email/verification — send a new verification link to myself.
 * - Pocket ID's JSON pair (session + CSRF, or X-API-Key): POST /api/users/me/send-email-verification (204; 409 without
 *   an address; as Pocket ID, not gated by emailVerificationEnabled, which only decides the automatic link and the
 *   account page's button) and POST /api/users/me/verify-email {token} (204; 400 unless the token is the caller's,
 *   unexpired and unused, and the address unchanged). Rate limits per IP as Pocket ID: 2/10 min burst 1 and 1/10 s burst 5.
 * - POST /api/users/:id/one-time-access-email (admin API) and /settings/admin/users/:id/login-code-email (page).
 * - POST /api/application-configuration/test-email and /settings/admin/application-configuration/test-email.
 */
import { Elysia } from "elysia";
import { DEVICE_TOKEN_COOKIE } from "../../account/one-time-access.ts";
import { emailLoginCodeAsAdmin, getUser } from "../../admin/user-admin.ts";
import { findUser, findUserByEmail } from "../../admin/users.ts";
import { duration, FieldErrors } from "../../admin/validation.ts";
import { AppError } from "../../errors.ts";
import { msg } from "../../i18n/message.ts";
import { randomToken } from "../../lib/random.ts";
import { ADMIN_EMAILED_CODE_TTL_SECONDS, emailLoginCode, SELF_REQUESTED_CODE_TTL_SECONDS, sendTestEmail, startEmailVerification, verifyEmailAddress } from "../../mail/emails.ts";
import { EmailLoginPage, EmailLoginSentPage } from "../../../templates/pages/email-login.tsx";
import { EmailVerificationStatus, VerifyEmailPage } from "../../../templates/pages/verify-email.tsx";
import { EmailLoginCodeSection, EmailTestSection } from "../../../templates/pages/admin/email-settings.tsx";
import { apiCall, asApiError } from "../admin-auth.ts";
import { pageCtx } from "../admin-pages.ts";
import { appConfigOf, safeRedirectPath } from "../browser-session.ts";
import { cookieName, readCookie, serializeCookie } from "../cookies.ts";
import { text } from "../form-fields.ts";
import { apiOperation } from "../openapi.ts";
import { bucketsFor, RATE_RULES, rateLimit } from "../plugins/rate-limit.ts";
import { actorOf, addResponseCookie, auditOrigin } from "../request-context.ts";
import { htmlResponse, isHtmx, redirectResponse } from "../responses.ts";
import { EmailLoginCodeRequest, EmailVerificationInput } from "../schemas/account.ts";
import { NoContent } from "../schemas/common.ts";
import { Ttl } from "../schemas/users.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

export function emailRoutes(web: WebDeps) {
  const ctx = (request: Request) => pageCtx(web, request);

  /** The browser's device token (reused while valid, so earlier codes keep working), set for 15 minutes. */
  const deviceTokenFor = (request: Request): string => {
    const name = cookieName(web.config, DEVICE_TOKEN_COOKIE);
    const existing = readCookie(request, name);
    const token = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : randomToken(web.random, 32);
    addResponseCookie(request, serializeCookie(web.config, name, token, { maxAge: SELF_REQUESTED_CODE_TTL_SECONDS, sameSite: "Lax" }));
    return token;
  };

  const selfServiceEnabled = () => {
    if (!appConfigOf(web).emailOneTimeAccessAsUnauthenticatedEnabled) throw AppError.notFound(msg("signIn.emailNotEnabled"));
  };

  /**
   * Rate limits per IP (429), then — only if the address is an account's — emails a code bound to this
   * browser, at most RATE_RULES.emailLoginCodePerAddress per account. That limit is silent (same answer,
   * no mail): a 429 would tell accounts from strangers, and only real accounts get a bucket, so made-up
   * addresses cannot fill the store.
   */
  const requestEmailedCode = (request: Request, email: string, redirect: string | null): void => {
    rateLimit(web, request, "email-login-code-ip", RATE_RULES.emailLoginCodePerIp);
    // Identical response (and cookie) whether or not the address exists: no account enumeration.
    const deviceToken = deviceTokenFor(request);
    const user = findUserByEmail(web.db, email);
    if (!user || !underAddressLimit(user.id)) return;
    emailLoginCode(web, user, { ttlSeconds: SELF_REQUESTED_CODE_TTL_SECONDS, deviceToken, redirect, origin: auditOrigin(request), requestedBy: "user" });
  };
  const underAddressLimit = (userId: string): boolean =>
    web.config.disableRateLimiting || bucketsFor(web).store("email-login-code-account", RATE_RULES.emailLoginCodePerAddress).take(userId) === 0;

  return new Elysia({ name: "email" })
    .use(routePolicy(web))
    .get("/login/alternative/email", ({ request, query }) => {
      selfServiceEnabled();
      return htmlResponse(EmailLoginPage({ ctx: ctx(request), redirect: safeRedirectPath(query.redirect) }));
    })
    .post("/login/alternative/email", ({ request, body }) => {
      selfServiceEnabled();
      const redirect = safeRedirectPath(text(body, "redirect"));
      const email = text(body, "email").trim().toLowerCase();
      if (!EMAIL_SHAPE.test(email) || email.length > 254) {
        const c = ctx(request);
        return htmlResponse(EmailLoginPage({ ctx: c, redirect, email: email.slice(0, 254), error: c.t("signIn.emailInvalid") }), { status: 422 });
      }
      requestEmailedCode(request, email, redirect);
      return htmlResponse(EmailLoginSentPage({ ctx: ctx(request), redirect }));
    })
    // Pocket ID's JSON form of the same request: always 204 for a well-formed address.
    .post("/api/one-time-access-email", ({ request, body }) => {
      selfServiceEnabled();
      const email = (body.email ?? "").trim().toLowerCase();
      // JSON API validation failures are 400 (Pocket ID compatible), as in the admin API.
      if (!EMAIL_SHAPE.test(email) || email.length > 254) throw asApiError(AppError.validation(msg("signIn.emailApiInvalid"), { email: msg("signIn.emailInvalid") }));
      requestEmailedCode(request, email, safeRedirectPath(body.redirectPath));
      return new Response(null, { status: 204 });
    }, { budget: "admin-api", body: EmailLoginCodeRequest, response: { 204: NoContent }, detail: apiOperation("Application configuration", "Email me a login code ({email, redirectPath}); 204 whether or not the address exists; the code works only in this browser") })

    .get("/verify-email", ({ request, query }) => htmlResponse(VerifyEmailPage({ ctx: ctx(request), token: String(query.token ?? "").slice(0, 128) })))
    .post("/verify-email", ({ request, body }) => {
      try {
        const user = verifyEmailAddress(web, text(body, "token"));
        return htmlResponse(VerifyEmailPage({ ctx: ctx(request), token: "", verifiedEmail: user.email ?? "" }));
      } catch (error) {
        if (error instanceof AppError && error.status < 500) {
          const c = ctx(request);
          return htmlResponse(VerifyEmailPage({ ctx: c, token: "", error: c.text(error.text) }), { status: error.status });
        }
        throw error;
      }
    })
    .post("/settings/account/email/verification", ({ request, session }) => {
      const user = findUser(web.db, session.userId);
      if (!user?.email) throw AppError.badRequest(msg("account.verifyNoEmail"));
      if (user.emailVerified) throw AppError.badRequest(msg("account.verifyAlready"));
      if (!appConfigOf(web).emailVerificationEnabled) throw AppError.forbidden(msg("account.verifyOff"));
      rateLimit(web, request, "email-verification", RATE_RULES.emailLoginCodePerAddress, user.id);
      if (!startEmailVerification(web, user)) throw AppError.badRequest(msg("account.verifyNoMail"));
      if (!isHtmx(request)) return redirectResponse("/settings/account");
      const c = ctx(request);
      return htmlResponse(EmailVerificationStatus({ ctx: c, email: user.email, verified: false, enabled: true, notice: c.t("account.verificationSent", { email: user.email }) }));
    }, { userPage: true })

    .post("/api/users/me/send-email-verification", ({ request, principal }) => {
      rateLimit(web, request, "send-email-verification", RATE_RULES.sendEmailVerification);
      const user = principal.isStatic ? null : findUser(web.db, principal.userId);
      if (!user) throw AppError.notFound(msg("users.errNotFound"));
      if (!user.email) throw AppError.conflict(msg("account.verifyNoEmail"));
      if (!startEmailVerification(web, user)) throw AppError.badRequest(msg("account.verifyNoMail"));
      return new Response(null, { status: 204 });
    }, { userApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("Users", "Email yourself a link (valid 24 hours, single use) that verifies your address; 409 without an address") })
    .post("/api/users/me/verify-email", ({ request, body, principal }) => {
      rateLimit(web, request, "verify-email", RATE_RULES.verifyEmail);
      if (principal.isStatic) throw AppError.notFound(msg("users.errNotFound"));
      verifyEmailAddress(web, (body.token ?? "").trim(), principal.userId);
      return new Response(null, { status: 204 });
    }, { userApi: true, budget: "admin-api", body: EmailVerificationInput, response: { 204: NoContent }, detail: apiOperation("Users", "Verify your address with the token from the emailed link ({token}); 400 if it is not yours, expired or used") })

    .post("/api/users/:id/one-time-access-email", ({ request, params, body, principal }) => {
      const errors = new FieldErrors();
      const ttl = duration(errors, body ?? {}, "ttl", { fallback: ADMIN_EMAILED_CODE_TTL_SECONDS, min: 60, max: 7 * 86400 });
      apiCall(() => errors.throwIfAny());
      emailLoginCodeAsAdmin(web, actorOf(request, principal), params.id, ttl);
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", body: Ttl, response: { 204: NoContent }, detail: apiOperation("Users", "Email the user a login code ({ttl}, default 1h; 403 unless emailOneTimeAccessAsAdminEnabled)") })
    .post("/settings/admin/users/:id/login-code-email", ({ request, params, session }) => {
      let notice: { kind: "success" | "error"; message: string };
      const user = getUser(web.db, params.id);
      const c = ctx(request);
      try {
        emailLoginCodeAsAdmin(web, actorOf(request, session), user.id, ADMIN_EMAILED_CODE_TTL_SECONDS);
        notice = { kind: "success", message: c.t("emailSettings.codeSent", { email: user.email ?? "" }) };
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        notice = { kind: "error", message: c.text(error.text) };
      }
      if (!isHtmx(request)) return redirectResponse(`/settings/admin/users/${encodeURIComponent(user.id)}`);
      return htmlResponse(EmailLoginCodeSection({ ctx: c, userId: user.id, email: user.email, notice }));
    }, { adminPage: true })

    .post("/api/application-configuration/test-email", async ({ principal }) => {
      const me = principal.userId ? findUser(web.db, principal.userId) : null;
      const to = me?.email;
      if (!to) throw AppError.badRequest(msg("emailSettings.errNoAddress"));
      const r = await sendTestEmail(web, to, { locale: me?.locale });
      if (!r.ok) throw AppError.badRequest(r.error);
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("Application configuration", "Send a test email to the caller's address (204; 400 with the SMTP server's error in plain words)") })
    .post("/settings/admin/application-configuration/test-email", async ({ request, session }) => {
      const me = findUser(web.db, session.userId);
      const to = me?.email ?? null;
      const outcome = to ? await sendTestEmail(web, to, { locale: me?.locale }).then((r) => (r.ok ? { ok: true as const, to } : r)) : { ok: false as const, error: msg("emailSettings.errNoAddress") };
      if (!isHtmx(request)) return redirectResponse("/settings/admin/application-configuration");
      return htmlResponse(EmailTestSection({ ctx: ctx(request), adminEmail: to, outcome }));
    }, { adminPage: true });
}

