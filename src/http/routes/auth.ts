/**
 * Sign-in pages: /, /setup (and /signup/setup), /login (and Pocket ID's /login/alternative[/code]), /logout (GET asks, POST signs out), /lc (login codes),
 * /signup/add-passkey and /reauthenticate; POST /api/one-time-access-token/:token (Pocket ID's JSON form of /lc). The WebAuthn ceremonies are JSON (routes/webauthn-api.ts).
 * - /setup exists only while there are no users; afterwards it redirects to /login.
 * - ?redirect= is honoured only for local paths (safeRedirectPath).
 */
import { Elysia } from "elysia";
import { DEVICE_TOKEN_COOKIE, ONE_TIME_ACCESS_MESSAGES, redeemOneTimeAccessToken } from "../../account/one-time-access.ts";
import { toUserDto } from "../../admin/user-admin.ts";
import { createInitialAdmin, isSetupAvailable } from "../../account/setup.ts";
import { hasAppImage } from "../../admin/branding.ts";
import { hasPasskey } from "../../webauthn/passkeys.ts";
import { findSignInTarget } from "../../oidc/authorize.ts";
import { AppError, fieldTexts } from "../../errors.ts";
import { AddPasskeyPage } from "../../../templates/pages/add-passkey.tsx";
import { LoginCodePage } from "../../../templates/pages/login-code.tsx";
import { LoginPage } from "../../../templates/pages/login.tsx";
import { ReauthenticatePage } from "../../../templates/pages/reauthenticate.tsx";
import { SetupForm, SetupPage, type SetupValues } from "../../../templates/pages/setup.tsx";
import { SignOutPage } from "../../../templates/pages/sign-out.tsx";
import { appConfigOf, endBrowserSession, homePath, safeRedirectPath, startBrowserSession } from "../browser-session.ts";
import { cookieName, readCookie } from "../cookies.ts";
import { text, type Body } from "../form-fields.ts";
import { buildPageContext } from "../page-context.ts";
import { RATE_RULES, rateLimit } from "../plugins/rate-limit.ts";
import { routePolicy } from "../plugins/route-policy.ts";
import { auditOrigin, currentSession } from "../request-context.ts";
import { htmlResponse, isHtmx, jsonResponse, navigate, redirectResponse } from "../responses.ts";
import { apiOperation } from "../openapi.ts";
import { User } from "../schemas/users.ts";
import type { WebDeps } from "../web-deps.ts";

const withRedirect = (path: string, redirect: string | null) => (redirect ? `${path}?redirect=${encodeURIComponent(redirect)}` : path);

export function authRoutes(web: WebDeps) {
  const ctx = (request: Request) => buildPageContext(web, web.assets, request);

  const showSetup = ({ request }: { request: Request }) => {
    if (!isSetupAvailable(web.db)) return redirectResponse("/login");
    return htmlResponse(SetupPage({ ctx: ctx(request) }));
  };

  const submitSetup = ({ request, body }: { request: Request; body: unknown }) => {
    if (!isSetupAvailable(web.db)) return navigate(request, "/login");
    rateLimit(web, request, "setup", RATE_RULES.setup);
    const b = body as Body;
    const values: SetupValues = { firstName: text(b, "firstName"), lastName: text(b, "lastName"), username: text(b, "username"), email: text(b, "email") };
    let user;
    try {
      user = createInitialAdmin(web, { firstName: values.firstName!, lastName: values.lastName!, username: values.username!, email: values.email || null }, auditOrigin(request));
    } catch (error) {
      if (error instanceof AppError && error.code === "validation_failed") {
        const c = ctx(request);
        const props = { ctx: c, values, errors: fieldTexts(error.fields, c.text) };
        return htmlResponse(isHtmx(request) ? SetupForm(props) : SetupPage(props), { status: 422 });
      }
      throw error;
    }
    // Like Pocket ID: the first admin is signed in with amr ["otp"] until a passkey exists.
    startBrowserSession(web, request, user.id, ["otp"]);
    return navigate(request, "/signup/add-passkey?setup=1");
  };

  return new Elysia({ name: "auth" })
    .use(routePolicy(web))
    .get("/", ({ request }) => {
      if (isSetupAvailable(web.db)) return redirectResponse("/setup", 302);
      return redirectResponse(currentSession(web, request) ? homePath(web) : "/login", 302);
    })
    .get("/setup", showSetup)
    .get("/signup/setup", showSetup)
    .post("/setup", submitSetup)
    .post("/signup/setup", submitSetup)

    .get("/login", ({ request, query }) => {
      if (isSetupAvailable(web.db)) return redirectResponse("/setup", 302);
      const redirect = safeRedirectPath(query.redirect);
      if (currentSession(web, request) && query.signed_out === undefined) return redirectResponse(redirect ?? homePath(web), 302);
      const c = ctx(request);
      const notice = query.signed_out !== undefined ? c.t("signIn.signedOut") : undefined;
      const loginHint = typeof query.login_hint === "string" ? query.login_hint.slice(0, 256) : null; // OIDC login_hint, passed on by /authorize
      return htmlResponse(
        LoginPage({
          ctx: c,
          redirect,
          notice,
          loginHint,
          emailCode: appConfigOf(web).emailOneTimeAccessAsUnauthenticatedEnabled,
          brandLogo: hasAppImage(web.db, "logo-light") || hasAppImage(web.db, "logo-dark"),
          client: findSignInTarget(web, redirect),
        }),
      );
    })

    // Pocket ID's addresses for the other ways in (bookmarks, its guides): its chooser is this sign-in page (which
    // links to each way), its code form is /lc. A local ?redirect= is kept.
    .get("/login/alternative", ({ query }) => redirectResponse(withRedirect("/login", safeRedirectPath(query.redirect)), 302))
    .get("/login/alternative/code", ({ query }) => redirectResponse(withRedirect("/lc", safeRedirectPath(query.redirect)), 302))

    // Signed in: asked to confirm. Signed out: the sign-in page says so (end-session without parameters lands here).
    .get("/logout", ({ request }) => (currentSession(web, request) ? htmlResponse(SignOutPage({ ctx: ctx(request) })) : redirectResponse("/login?signed_out=1", 302)))
    .post("/logout", ({ request }) => {
      endBrowserSession(web, request);
      return navigate(request, "/login?signed_out=1");
    })

    .get("/lc", ({ request, query }) => htmlResponse(LoginCodePage({ ctx: ctx(request), redirect: safeRedirectPath(query.redirect) })))
    .get("/lc/:code", ({ request, params, query }) =>
      // Showing the prefilled form (not signing in on GET) keeps link scanners from using up the code.
      htmlResponse(LoginCodePage({ ctx: ctx(request), code: params.code.slice(0, 64), redirect: safeRedirectPath(query.redirect) })),
    )
    .post("/lc", ({ request, body }) => {
      const b = body as Body;
      const redirect = safeRedirectPath(text(b, "redirect"));
      rateLimit(web, request, "one-time-access", RATE_RULES.oneTimeAccess);
      let user;
      try {
        user = redeemOneTimeAccessToken(web, text(b, "code"), readCookie(request, cookieName(web.config, DEVICE_TOKEN_COOKIE)), auditOrigin(request));
      } catch (error) {
        if (error instanceof AppError && !isHtmx(request)) {
          return htmlResponse(LoginCodePage({ ctx: ctx(request), code: text(b, "code").slice(0, 64), redirect, error: error.message }), { status: error.status });
        }
        throw error;
      }
      startBrowserSession(web, request, user.id, ["otp"]);
      const next = redirect ?? homePath(web);
      return navigate(request, `/signup/add-passkey?redirect=${encodeURIComponent(next)}`);
    })

    // Pocket ID's JSON exchange of a login code (what its /lc page calls): the rules, rate limit and audit of POST /lc,
    // CSRF-checked like every browser POST. 200 with the user and a session (amr otp, add a passkey next); a code that
    // is unknown, used, expired or bound to another browser is 401, as in Pocket ID.
    .post("/api/one-time-access-token/:token", ({ request, params }) => {
      rateLimit(web, request, "one-time-access", RATE_RULES.oneTimeAccess);
      let user;
      try {
        user = redeemOneTimeAccessToken(web, params.token, readCookie(request, cookieName(web.config, DEVICE_TOKEN_COOKIE)), auditOrigin(request));
      } catch (error) {
        if (error instanceof AppError && error.status === 400) throw AppError.unauthenticated(ONE_TIME_ACCESS_MESSAGES.invalid);
        throw error;
      }
      startBrowserSession(web, request, user.id, ["otp"]);
      return jsonResponse(toUserDto(web.db, user));
    }, {
      budget: "admin-api",
      response: { 200: User },
      detail: apiOperation("Sign-in", "Sign in with a login code: this browser gets a session (amr otp) and the user", {
        description: "The rules of /lc: single use, unexpired, a self-requested code only in the browser that asked for it; needs the page's X-CSRF-Token.",
        errors: { 401: "The code is unknown, expired, used or not for this browser", 403: "The account is disabled", 404: null, 429: "Too many attempts from this address (1 per 10 s, burst 5)" },
      }),
    })

    .get("/signup/add-passkey", ({ request, query, session }) => {
      const next = safeRedirectPath(query.redirect) ?? homePath(web);
      const reason = query.setup !== undefined ? "setup" : session.amr.includes("otp") ? "login-code" : "none";
      return htmlResponse(AddPasskeyPage({ ctx: ctx(request), reason, next }));
    }, { userPage: true })

    .get("/reauthenticate", ({ request, query, session }) => {
      const redirect = safeRedirectPath(query.redirect) ?? homePath(web);
      return htmlResponse(ReauthenticatePage({ ctx: ctx(request), redirect, hasPasskeys: hasPasskey(web.db, session.userId) }));
    }, { userPage: true });
}
