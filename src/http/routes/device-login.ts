/**
 * Sign in with another device (Pocket ID v2.12, src/account/device-login.ts has the rules):
 * - POST /api/device-login/requests (anyone; 201 {id,userCode,verificationUri,verificationUriComplete,expiresAt,interval})
 *   and GET /login/alternative/device (the page: QR code, code, expiry) create a request and hand this browser the
 *   device token cookie (device_login_token, `__Secure-` on https; Path = the request's exchange URL, 15 minutes).
 * - POST /api/device-login/requests/:id/exchange (anyone holding that cookie): the long poll; 200 + the Pocket ID user
 *   DTO and a new session (amr ["otp"]), 202 while pending, 401 device_login_expired, 403 device_login_denied.
 * - POST /api/device-login/verification {code} and …/verification/decision {code, decision} (browser session):
 *   what asks, then approve (with a passkey proof ≤ 60 s) or deny (204). The /device page shows the same for a
 *   sign-in code (src/http/routes/oidc.ts hands it over) and decides with POST /device/sign-in.
 * - Rate limits per client IP, as Pocket ID: create 1/10 s burst 5, exchange 1/2 s burst 10, verification (both,
 *   and the /device page for a sign-in code) 1/10 s burst 5. Every POST carries the page's CSRF token.
 */
import { Elysia } from "elysia";
import {
  createDeviceLoginRequest,
  decideDeviceLogin,
  DEVICE_LOGIN_COOKIE_SECONDS,
  exchangeDeviceLogin,
  formatDeviceLoginCode,
  inspectDeviceLoginRequest,
  isPendingDeviceLoginCode,
  normalizeDeviceLoginCode,
  type DeviceLoginDecision,
  type DeviceLoginInfo,
} from "../../account/device-login.ts";
import type { Session } from "../../account/sessions.ts";
import { isSetupAvailable } from "../../account/setup.ts";
import { toUserDto } from "../../admin/user-admin.ts";
import { findUser } from "../../admin/users.ts";
import { AppError } from "../../errors.ts";
import { msg } from "../../i18n/message.ts";
import { DeviceLoginDonePage, DeviceLoginPage, DeviceLoginReviewPage } from "../../../templates/pages/device-login.tsx";
import { clearReauthenticationCookie, homePath, readReauthenticationCookie, safeRedirectPath, startBrowserSession } from "../browser-session.ts";
import { clearCookie, pathCookieName, readCookie, serializeCookie } from "../cookies.ts";
import { text, type Body } from "../form-fields.ts";
import { buildPageContext, displayNameOf, requestTranslator } from "../page-context.ts";
import { RATE_RULES, rateLimit } from "../plugins/rate-limit.ts";
import { routePolicy } from "../plugins/route-policy.ts";
import { addResponseCookie, auditOrigin, currentSession } from "../request-context.ts";
import { htmlResponse, jsonResponse, redirectResponse } from "../responses.ts";
import { apiOperation } from "../openapi.ts";
import { NoContent } from "../schemas/common.ts";
import { DeviceLoginDecisionInput, DeviceLoginInfo as DeviceLoginInfoSchema, DeviceLoginRequestCreated, DeviceLoginVerification, Pending } from "../schemas/device-login.ts";
import { User } from "../schemas/users.ts";
import type { WebDeps } from "../web-deps.ts";

export const DEVICE_LOGIN_COOKIE = "device_login_token";

const NO_STORE = { "Cache-Control": "no-store" };

export function exchangePath(id: string): string {
  return `/api/device-login/requests/${encodeURIComponent(id)}/exchange`;
}

const isoTime = (seconds: number) => new Date(seconds * 1000).toISOString();

/** Creates a request for this browser (rate limited) and hands it the device token cookie. */
function beginDeviceLogin(web: WebDeps, request: Request) {
  rateLimit(web, request, "device-login-create", RATE_RULES.deviceLoginCreate);
  const { request: created, deviceToken } = createDeviceLoginRequest(web, auditOrigin(request));
  addResponseCookie(
    request,
    serializeCookie(web.config, pathCookieName(web.config, DEVICE_LOGIN_COOKIE), deviceToken, {
      maxAge: DEVICE_LOGIN_COOKIE_SECONDS,
      sameSite: "Strict",
      path: exchangePath(created.id),
    }),
  );
  return created;
}

function limitVerification(web: WebDeps, request: Request): void {
  rateLimit(web, request, "device-login-verification", RATE_RULES.deviceLoginVerification);
}

function decisionOf(value: unknown): DeviceLoginDecision {
  if (value === "approve" || value === "deny") return value;
  throw AppError.badRequest(msg("signIn.deviceLoginDecisionInvalid"));
}

/** Decides, spending (or, when refused, dropping) the browser's re-authentication cookie. */
function decide(web: WebDeps, request: Request, session: Session, code: string | null | undefined, decision: DeviceLoginDecision): void {
  try {
    decideDeviceLogin(web, { code, decision, session, reauthenticationToken: readReauthenticationCookie(web, request) });
  } catch (e) {
    if (e instanceof AppError && e.code === "reauthentication_required") clearReauthenticationCookie(web, request);
    throw e;
  }
  if (decision === "approve") clearReauthenticationCookie(web, request);
}

function locationOf(info: DeviceLoginInfo): string | null {
  const parts = [info.city, info.country].filter((p): p is string => !!p);
  return parts.length ? parts.join(", ") : null;
}

/**
 * The /device page for a sign-in code (Pocket ID's QR code names /device?user_code=P…): null when `code` cannot be
 * one or names no pending request, so the OIDC device flow has it. A code of the sign-in form spends the
 * verification budget before anything is looked up.
 */
export function deviceLoginReview(web: WebDeps, request: Request, session: Session, code: string): Response | null {
  if (!normalizeDeviceLoginCode(code)) return null;
  limitVerification(web, request);
  if (!isPendingDeviceLoginCode(web, code)) return null;
  const info = inspectDeviceLoginRequest(web, code);
  const user = findUser(web.db, session.userId);
  const ctx = buildPageContext(web, web.assets, request);
  return htmlResponse(
    DeviceLoginReviewPage({
      ctx,
      userCode: formatDeviceLoginCode(info.userCode),
      device: info.device,
      ipAddress: info.ipAddress,
      location: locationOf(info),
      account: user ? ctx.t("oidc.accountLabel", { name: displayNameOf(user), username: user.username }) : "",
    }),
    { headers: NO_STORE },
  );
}

export function deviceLoginRoutes(web: WebDeps) {
  return new Elysia({ name: "device-login" })
    .use(routePolicy(web))
    .get("/login/alternative/device", ({ request, query }) => {
      if (isSetupAvailable(web.db)) return redirectResponse("/setup", 302);
      const redirect = safeRedirectPath(query.redirect);
      if (currentSession(web, request)) return redirectResponse(redirect ?? homePath(web), 302);
      const created = beginDeviceLogin(web, request);
      return htmlResponse(
        DeviceLoginPage({
          ctx: buildPageContext(web, web.assets, request),
          userCode: formatDeviceLoginCode(created.userCode),
          verificationUri: created.verificationUri,
          verificationUriComplete: created.verificationUriComplete,
          expiresAt: created.expiresAt,
          interval: created.interval,
          exchangeUrl: exchangePath(created.id),
          redirect: redirect ?? "",
        }),
        { headers: NO_STORE },
      );
    })
    .post("/device/sign-in", ({ request, body }) => {
      const session = currentSession(web, request);
      if (!session) throw AppError.unauthenticated(msg("oidc.deviceSessionEnded"));
      const b = body as Body;
      const decision = decisionOf(text(b, "decision"));
      limitVerification(web, request);
      decide(web, request, session, text(b, "code"), decision);
      return htmlResponse(DeviceLoginDonePage({ ctx: buildPageContext(web, web.assets, request), approved: decision === "approve" }), { headers: NO_STORE });
    })

    .post("/api/device-login/requests", ({ request }) => {
      const created = beginDeviceLogin(web, request);
      return jsonResponse({ ...created, expiresAt: isoTime(created.expiresAt) }, { status: 201, headers: NO_STORE });
    }, {
      response: { 201: DeviceLoginRequestCreated },
      detail: apiOperation("Sign in with another device", "Ask to be signed in from another device: a code for it, and the device token cookie (this browser only) for the exchange", { errors: { 429: "Too many requests from this address (1 per 10 s, burst 5)" } }),
    })
    .post("/api/device-login/requests/:id/exchange", async ({ request, params }) => {
      rateLimit(web, request, "device-login-exchange", RATE_RULES.deviceLoginExchange);
      const cookie = pathCookieName(web.config, DEVICE_LOGIN_COOKIE);
      // The wait ends early when the browser goes away or the server begins to stop.
      const signal = web.stopping ? AbortSignal.any([request.signal, web.stopping]) : request.signal;
      const outcome = await exchangeDeviceLogin(web, { id: params.id, deviceToken: readCookie(request, cookie), origin: auditOrigin(request), signal });
      if (outcome.status === "pending") return new Response(null, { status: 202, headers: NO_STORE });
      startBrowserSession(web, request, outcome.user.id, ["otp"]);
      addResponseCookie(request, clearCookie(web.config, cookie, exchangePath(params.id)));
      return jsonResponse(toUserDto(web.db, outcome.user), { headers: NO_STORE });
    }, {
      response: { 200: User, 202: Pending },
      detail: apiOperation("Sign in with another device", "Wait (up to 25 s) for the decision; once approved, this browser is signed in (session cookie) and gets the user", {
        description: "Needs the device token cookie the request was created with, and the page's X-CSRF-Token. Single use: of concurrent exchanges of one approval exactly one answers 200.",
        errors: { 401: "device_login_expired: unknown, expired or already exchanged, or not this browser's request", 403: "device_login_denied, or the approving user is disabled", 404: null, 429: "Too many requests from this address (1 per 2 s, burst 10)" },
      }),
    })
    .post("/api/device-login/verification", ({ request, body }) => {
      limitVerification(web, request);
      const info = inspectDeviceLoginRequest(web, body.code);
      return jsonResponse(
        {
          userCode: info.userCode,
          device: requestTranslator(web, request).text(info.device),
          ipAddress: info.ipAddress ?? "",
          country: info.country ?? "",
          city: info.city ?? "",
          expiresAt: isoTime(info.expiresAt),
        },
        { headers: NO_STORE },
      );
    }, {
      sessionApi: true,
      body: DeviceLoginVerification,
      response: { 200: DeviceLoginInfoSchema },
      detail: apiOperation("Sign in with another device", "What asks to be signed in under a code: device, IP address, location", {
        errors: { 401: "No browser session, or device_login_expired: no pending request has this code", 429: "Too many requests from this address (1 per 10 s, burst 5)" },
      }),
    })
    .post("/api/device-login/verification/decision", ({ request, body, session }) => {
      const decision = decisionOf(body.decision);
      limitVerification(web, request);
      decide(web, request, session, body.code, decision);
      return new Response(null, { status: 204 });
    }, {
      sessionApi: true,
      body: DeviceLoginDecisionInput,
      response: { 204: NoContent },
      detail: apiOperation("Sign in with another device", "Approve (signing that device in as you) or deny a request", {
        description: "Approving needs a passkey proof younger than a minute (POST /api/webauthn/reauthenticate/finish first); denying does not. A request is decided once.",
        errors: { 401: "No browser session, or device_login_expired: no pending request has this code", 403: "reauthentication_required: approving without a fresh passkey proof", 429: "Too many requests from this address (1 per 10 s, burst 5)" },
      }),
    });
}
