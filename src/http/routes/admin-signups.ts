/**
 * Self sign-up: GET/POST /signup (when sign-ups are open), GET/POST /st/:token (invitation links),
 * POST /api/signup (Pocket ID's JSON endpoint), GET /api/signup/setup (204 while the first administrator can still be
 * created, else 404, as Pocket ID) and POST /api/signup/setup (Pocket ID's JSON way of creating the
 * first administrator: the rules of /setup, src/account/setup.ts). A successful sign-up starts a browser session and
 * continues at /signup/add-passkey, where the person registers their passkey.
 */
import type { MessageKey } from "../../i18n/catalog.ts";
import { Elysia } from "elysia";
import { readAppConfig } from "../../admin/app-config.ts";
import { peekSignupToken } from "../../admin/signup-tokens.ts";
import { signUp, signupMode } from "../../admin/signups.ts";
import { createInitialAdmin, isSetupAvailable, SETUP_DONE_MESSAGE } from "../../account/setup.ts";
import { toUserDto } from "../../admin/user-admin.ts";
import { AppError, fieldTexts } from "../../errors.ts";
import { SignupForm, SignupPage, SignupUnavailablePage, type SignupValues } from "../../../templates/pages/signup.tsx";
import { apiCall } from "../admin-auth.ts";
import { apiOperation } from "../openapi.ts";
import { SetupInput, SignupInput } from "../schemas/signups.ts";
import { User } from "../schemas/users.ts";
import { NoContent } from "../schemas/common.ts";
import { formOf, pageCtx } from "../admin-pages.ts";
import { homePath, startBrowserSession } from "../browser-session.ts";
import { RATE_RULES, rateLimit } from "../plugins/rate-limit.ts";
import { auditOrigin } from "../request-context.ts";
import { htmlResponse, isHtmx, jsonResponse, navigate } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

const SIGNUP_RATE = { perSeconds: 30, burst: 10 }; // Pocket ID: 2/min, burst 10
const EMPTY: SignupValues = { firstName: "", lastName: "", username: "", email: "" };

export function signupRoutes(web: WebDeps) {
  const requireEmail = () => readAppConfig(web.db, { uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv }).requireUserEmail;
  const unavailable = (request: Request, title: MessageKey, message: MessageKey, status: number) => {
    const ctx = pageCtx(web, request);
    return htmlResponse(SignupUnavailablePage({ ctx, title: ctx.t(title), message: ctx.t(message), status }), { status });
  };

  /** Shared POST handling for /signup and /st/:token. */
  const submit = (request: Request, body: unknown, token: string | null, action: string): Response => {
    rateLimit(web, request, "signup", SIGNUP_RATE);
    const f = formOf(body);
    const values: SignupValues = {
      firstName: typeof f.firstName === "string" ? f.firstName : "",
      lastName: typeof f.lastName === "string" ? f.lastName : "",
      username: typeof f.username === "string" ? f.username : "",
      email: typeof f.email === "string" ? f.email : "",
    };
    let user;
    try {
      user = signUp(web, values, token, auditOrigin(request));
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const ctx = pageCtx(web, request);
      const errors = e.code === "validation_failed" ? fieldTexts(e.fields, ctx.text) : undefined;
      const message = e.code === "validation_failed" ? undefined : ctx.text(e.text);
      const status = e.status;
      if (isHtmx(request)) return htmlResponse(SignupForm({ ctx, action, values, errors, message, requireEmail: requireEmail() }), { status: status === 422 ? 422 : status });
      return htmlResponse(SignupPage({ ctx, action, values, errors, message, requireEmail: requireEmail(), invited: token !== null }), { status });
    }
    startBrowserSession(web, request, user.id, []);
    return navigate(request, `/signup/add-passkey?redirect=${encodeURIComponent(homePath(web))}`);
  };

  return new Elysia({ name: "signups" })
    .use(routePolicy(web))
    .get("/signup", ({ request }) => {
      const mode = signupMode(web);
      if (mode !== "open") {
        return unavailable(request, "signIn.signupClosedTitle", mode === "withToken" ? "signIn.signupNeedInvite" : "signIn.signupAskAdmin", 403);
      }
      return htmlResponse(SignupPage({ ctx: pageCtx(web, request), action: "/signup", values: EMPTY, requireEmail: requireEmail(), invited: false }));
    })
    .post("/signup", ({ request, body }) => submit(request, body, null, "/signup"))
    .get("/st/:token", ({ request, params }) => {
      if (signupMode(web) === "disabled") return unavailable(request, "signIn.signupClosedTitle", "signIn.signupAskAdmin", 403);
      if (!peekSignupToken(web, params.token)) return unavailable(request, "signIn.signupExpiredTitle", "signIn.signupExpired", 410);
      const action = `/st/${encodeURIComponent(params.token)}`;
      return htmlResponse(SignupPage({ ctx: pageCtx(web, request), action, values: EMPTY, requireEmail: requireEmail(), invited: true }));
    })
    .post("/st/:token", ({ request, params, body }) => submit(request, body, params.token, `/st/${encodeURIComponent(params.token)}`))
    .post("/api/signup", ({ request, body }) => {
      rateLimit(web, request, "signup", SIGNUP_RATE);
      const user = apiCall(() => signUp(web, body, body.token || null, auditOrigin(request)));
      startBrowserSession(web, request, user.id, []);
      return jsonResponse(toUserDto(web.db, user), { status: 201 });
    }, { budget: "admin-api", body: SignupInput, response: { 201: User }, detail: apiOperation("Sign-ups", "Self sign-up (open, or withToken + token); starts a session; add a passkey next") })
    .get("/api/signup/setup", () => {
      // Pocket ID: 204 No Content while setup is available, 404 once any user exists.
      if (!isSetupAvailable(web.db)) throw AppError.notFound(SETUP_DONE_MESSAGE);
      return new Response(null, { status: 204 });
    }, { budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("Sign-ups", "Whether the first administrator can still be created: 204, or 404 once a user exists") })
    .post("/api/signup/setup", ({ request, body }) => {
      if (!isSetupAvailable(web.db)) throw AppError.conflict(SETUP_DONE_MESSAGE);
      rateLimit(web, request, "setup", RATE_RULES.setup);
      const input = { username: body.username ?? "", email: body.email || null, firstName: body.firstName ?? "", lastName: body.lastName ?? "" };
      const user = apiCall(() => createInitialAdmin(web, input, auditOrigin(request)));
      // Like /setup: signed in with amr ["otp"] until the administrator registers a passkey.
      startBrowserSession(web, request, user.id, ["otp"]);
      return jsonResponse(toUserDto(web.db, user), { status: 201 });
    }, { budget: "admin-api", body: SetupInput, response: { 201: User }, detail: apiOperation("Sign-ups", "Create the first administrator (only while there are no users); starts a session; add a passkey next") });
}
