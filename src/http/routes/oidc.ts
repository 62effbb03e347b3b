/**
 * OpenID Connect routes: thin handlers that read parameters, call one domain function and render.
 * Discovery and JWKS (both well-known paths), /authorize (+ consent), token, userinfo, introspection,
 * revocation and end-session; PAR, device authorization and the /device page (issue 10).
 * Protocol endpoints answer RFC 6749 JSON errors via OAuthError.
 * - No `t` schemas here, on purpose (unlike the JSON API, src/http/schemas/): these endpoints read their
 *   parameters by hand (src/oidc/params.ts) because RFC 6749 3.1/3.2 makes a repeated parameter an
 *   error and an unknown one ignorable, every failure must be an OAuth error naming the parameter
 *   (invalid_request, invalid_client, invalid_grant…, or a redirect to the client once it is verified),
 *   and the token, userinfo and discovery hot paths get no extra validation pass.
 * Policy (src/http/plugins/route-policy.ts): the protocol endpoints take no CSRF token (each route says
 * why) and carry the failure budgets on every method they answer; /device is a signed-in page.
 */
import { Elysia } from "elysia";
import { AppError, OAuthError } from "../../errors.ts";
import { authorize, clientResponseUrl, decideConsent, resumeAuthorization, type AuthorizeOutcome, type ClientResponse } from "../../oidc/authorize.ts";
import { discoveryBody } from "../../oidc/discovery.ts";
import { clientMetadataAllowlist } from "../../oidc/client-metadata-documents.ts";
import { endSessionRequest } from "../../oidc/end-session.ts";
import { ProtocolParamError, ProtocolParams, readFormParams, readQueryParams } from "../../oidc/params.ts";
import { msg } from "../../i18n/message.ts";
import { keySet } from "../../oidc/signing-keys.ts";
import { introspect } from "../../oidc/introspection.ts";
import { revoke } from "../../oidc/revocation.ts";
import { userinfo } from "../../oidc/userinfo.ts";
import { handleTokenRequest } from "../../oidc/token-endpoint.ts";
import { pushAuthorizationRequest } from "../../oidc/pushed-requests.ts";
import { decideDeviceAuthorization, lookupDeviceCode, startDeviceAuthorization, type DeviceLookup } from "../../oidc/device-flow.ts";
import { kickBackchannelLogout } from "../../oidc/backchannel-logout.ts";
import { reauthenticationUrl } from "../browser-session.ts";
import type { Session } from "../../account/sessions.ts";
import { rateLimit, type RateRule } from "../plugins/rate-limit.ts";
import { findConsentedScopes } from "../../oidc/authorized-clients.ts";
import { routePolicy } from "../plugins/route-policy.ts";
import { normalizeDeviceLoginCode } from "../../account/device-login.ts";
import { deviceLoginReview } from "./device-login.ts";
import { DeviceCodePage, DeviceConfirmPage, DeviceDonePage } from "../../../templates/pages/oidc/device-page.tsx";
import { findUser } from "../../admin/users.ts";
import { displayNameOf, buildPageContext } from "../page-context.ts";
import { addResponseCookie, auditOrigin, currentSession, requestMeta, SESSION_COOKIE } from "../request-context.ts";
import { clearCookie, cookieName } from "../cookies.ts";
import { htmlResponse, jsonResponse, redirectResponse } from "../responses.ts";
import { contentSecurityPolicy } from "../plugins/security-headers.ts";
import type { WebDeps } from "../web-deps.ts";
import { apiOperation } from "../openapi.ts";
import { NoContent } from "../schemas/common.ts";
import { DeviceAuthorizationInfo, DeviceCodeBody, DeviceCodeQuery } from "../schemas/oidc-device.ts";
import { consentKeys } from "../../oidc/resources.ts";
import { ConsentPage } from "../../../templates/pages/oidc/consent-page.tsx";
import { NotAllowedPage } from "../../../templates/pages/oidc/not-allowed-page.tsx";
import { AuthorizeErrorPage } from "../../../templates/pages/oidc/authorize-error-page.tsx";
import { FormPostPage } from "../../../templates/pages/oidc/form-post-page.tsx";
import { ConfirmSignOutPage, SignedOutPage } from "../../../templates/pages/oidc/signed-out-page.tsx";

/** Cross-origin access for endpoints that browser-based (public) clients call directly; no cookies involved. */
const CORS = { "Access-Control-Allow-Origin": "*" };
const PREFLIGHT = () =>
  new Response(null, {
    status: 204,
    headers: {
      ...CORS,
      "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
      "Access-Control-Allow-Headers": "Authorization, Content-Type, DPoP",
      "Access-Control-Expose-Headers": "WWW-Authenticate, DPoP-Nonce",
      "Access-Control-Max-Age": "600",
    },
  });

function withCors(response: Response): Response {
  response.headers.set("Access-Control-Allow-Origin", "*");
  return response;
}

/**
 * RFC 8628 5.1: user codes are short, so guessing is rate limited — per signed-in person and per IP
 * (10 at once, then one every 6 seconds). Only lookups of a typed code count.
 */
const DEVICE_CODE_RATE: RateRule = { perSeconds: 6, burst: 10 };

function limitDeviceCodeGuessing(web: WebDeps, request: Request, session: Session): void {
  // The IP first: a request it refuses does not spend the person's budget.
  rateLimit(web, request, "device-code-ip", DEVICE_CODE_RATE);
  rateLimit(web, request, "device-code-user", DEVICE_CODE_RATE, session.userId);
}

/**
 * The JSON device endpoints (/api/oidc/device/info and /verify) answer what the /device page would show:
 * a code that is missing or malformed 400, unknown or expired 404, a client the person may not use 403,
 * a client that wants a fresh passkey 403 reauthentication_required.
 */
function deviceOutcome(result: DeviceLookup): Extract<DeviceLookup, { kind: "confirm" | "done" }> {
  switch (result.kind) {
    case "enter":
      if (result.error?.key === "oidc.deviceCodeUnknown") throw AppError.notFound(result.error);
      throw AppError.badRequest(result.error ?? msg("oidc.deviceCodeFormat", { example: "EK7M-P3QD" }));
    case "not-allowed":
      throw AppError.forbidden();
    case "reauthenticate":
      throw new AppError("reauthentication_required", msg("oidc.deviceReauthenticate"));
    default:
      return result;
  }
}

/** What the JSON device endpoints answer besides 200/204 (deviceOutcome, limitDeviceCodeGuessing), for the OpenAPI document. */
const DEVICE_API_ERRORS = {
  errors: {
    400: "The code is missing or malformed",
    403: "The person may not use this client (allowed groups), or reauthentication_required (the client wants a fresh passkey)",
    404: "No pending device authorization has this code",
    429: "Too many guesses (per address and per person)",
  },
};

/** The code of a JSON device request: ?code= (Pocket ID), or {code} in the body. */
function deviceCodeParam(query: Record<string, unknown>, body: unknown): string | null {
  const raw = query.code ?? (body && typeof body === "object" ? (body as Record<string, unknown>).code : undefined);
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== "string" || raw.length > 40) throw AppError.badRequest(msg("oidc.deviceCodeFormat", { example: "EK7M-P3QD" }));
  return raw;
}

function formActionSource(uri: string): string {
  try {
    const u = new URL(uri);
    return u.origin !== "null" ? u.origin : u.protocol;
  } catch {
    return "'none'";
  }
}

/**
 * CSP form-action for pages whose form leads back to the application. Browsers apply form-action to
 * every redirect that follows the submission, and the application's callback often redirects on
 * (oauth2-proxy to the protected app, for instance), so web origins are allowed; the redirect URI's
 * own origin (or private-use scheme, for native apps) is named explicitly. The forms themselves are ours.
 */
function onwardFormAction(uri: string): string {
  return `'self' * ${formActionSource(uri)}`;
}

function loginUrl(path: "/login" | "/reauthenticate", interactionId: string, loginHint: string | null = null): string {
  const url = `${path}?redirect=${encodeURIComponent(`/authorize?interaction=${interactionId}`)}`;
  // OIDC Core 3.1.2.1 login_hint: prefills the username field of the sign-in page.
  return loginHint ? `${url}&login_hint=${encodeURIComponent(loginHint)}` : url;
}

export function oidcRoutes(web: WebDeps) {
  const renderClientResponse = (request: Request, response: ClientResponse): Response => {
    if (response.mode !== "form_post") return redirectResponse(clientResponseUrl(response), 303);
    const ctx = buildPageContext(web, web.assets, request);
    return htmlResponse(FormPostPage({ ctx, action: response.redirectUri, params: response.params }), {
      headers: { "Content-Security-Policy": contentSecurityPolicy({ formAction: onwardFormAction(response.redirectUri) }) },
    });
  };

  const renderOutcome = (request: Request, outcome: AuthorizeOutcome | { kind: "continue"; interactionId: string }): Response => {
    switch (outcome.kind) {
      case "client-response":
        return renderClientResponse(request, outcome.response);
      case "login":
        return redirectResponse(loginUrl("/login", outcome.interactionId, outcome.loginHint), 303);
      case "reauthenticate":
        return redirectResponse(loginUrl("/reauthenticate", outcome.interactionId), 303);
      case "continue":
        return redirectResponse(`/authorize?interaction=${outcome.interactionId}`, 303);
      case "consent": {
        const ctx = buildPageContext(web, web.assets, request);
        const user = findUser(web.db, outcome.userId);
        let clientHost: string | null = null;
        try {
          // A metadata document's client names itself: the host of its client_id URL is what was verified (the draft's
          // advice: show it, so a document cannot pass itself off as another application by its name alone).
          const c = outcome.client;
          clientHost = c.clientType === "cimd" ? new URL(c.id).host : c.launchUrl ? new URL(c.launchUrl).host : new URL(c.callbackUrls[0] ?? "").host || null;
        } catch {
          clientHost = null;
        }
        return htmlResponse(
          ConsentPage({
            ctx,
            interactionId: outcome.interactionId,
            client: outcome.client,
            clientHost,
            scopes: outcome.scopes,
            resource: outcome.resource,
            account: user ? { name: displayNameOf(user), username: user.username } : null,
          }),
          // The form's answer redirects on to the application: CSP form-action also governs redirects.
          { headers: { "Content-Security-Policy": contentSecurityPolicy({ formAction: onwardFormAction(outcome.redirectUri) }) } },
        );
      }
      case "not-allowed": {
        const ctx = buildPageContext(web, web.assets, request);
        return htmlResponse(NotAllowedPage({ ctx, client: outcome.client, noGroups: outcome.client.allowedGroupIds.length === 0 }), { status: 403 });
      }
      case "error-page": {
        const ctx = buildPageContext(web, web.assets, request);
        return htmlResponse(AuthorizeErrorPage({ ctx, ...outcome }), { status: outcome.status });
      }
    }
  };

  const authorizeHandler = async ({ request }: { request: Request }) => {
    const url = new URL(request.url);
    const session = currentSession(web, request);
    const origin = auditOrigin(request);
    let params: ProtocolParams;
    try {
      params = request.method === "POST" ? await readFormParams(request) : readQueryParams(url);
    } catch (e) {
      const message = e instanceof ProtocolParamError ? e.text : msg("oidc.requestUnreadable");
      return renderOutcome(request, { kind: "error-page", status: 400, title: msg("oidc.requestInvalidTitle"), message });
    }
    const interaction = request.method === "GET" ? url.searchParams.get("interaction") : null;
    if (interaction !== null) return renderOutcome(request, await resumeAuthorization(web, { interactionId: interaction, session, origin }));
    return renderOutcome(request, await authorize(web, { params, session, origin }));
  };

  const formParams = async (request: Request): Promise<ProtocolParams> => {
    const params = await readFormParams(request);
    // For the per-client failure budget (src/http/plugins/request-budgets.ts), read only after a failure.
    if (!web.config.disableRateLimiting) requestMeta(request).protocolParams = params;
    return params;
  };
  const optionalFormParams = async (request: Request): Promise<ProtocolParams | null> =>
    request.method === "POST" ? readFormParams(request, { required: false }) : null;

  const endSessionHandler = async ({ request }: { request: Request }) => {
    const url = new URL(request.url);
    const session = currentSession(web, request);
    const unreadable = (e: unknown) => (e instanceof ProtocolParamError ? e.text : msg("oidc.requestUnreadable"));
    const params = request.method === "POST" ? await readFormParams(request).catch(unreadable) : (() => {
      try {
        return readQueryParams(url);
      } catch (e) {
        return unreadable(e);
      }
    })();
    const ctx = () => buildPageContext(web, web.assets, request);
    if (!(params instanceof ProtocolParams)) {
      return htmlResponse(AuthorizeErrorPage({ ctx: ctx(), status: 400, title: msg("oidc.signOutInvalidTitle"), message: params }), { status: 400 });
    }
    const outcome = await endSessionRequest(web, { params, session, method: request.method === "POST" ? "POST" : "GET", origin: auditOrigin(request) });
    if ((outcome.kind === "redirect" || outcome.kind === "signed-out") && outcome.sessionEnded) {
      addResponseCookie(request, clearCookie(web.config, cookieName(web.config, SESSION_COOKIE)));
      kickBackchannelLogout(web.db);
    }
    switch (outcome.kind) {
      case "redirect":
        return redirectResponse(outcome.location, 303);
      case "sign-out-page":
        // Pocket ID: 302 to APP_URL/logout (it asks a signed-in person; src/http/routes/auth.ts).
        return redirectResponse(`${web.config.appUrl}/logout`, 302);
      case "signed-out":
        // The session is gone: render without it.
        return htmlResponse(SignedOutPage({ ctx: { ...ctx(), user: null }, clientName: outcome.clientName }));
      case "confirm": {
        const next = outcome.hidden.post_logout_redirect_uri;
        const formAction = next ? onwardFormAction(next) : undefined;
        return htmlResponse(ConfirmSignOutPage({ ctx: ctx(), clientName: outcome.clientName, hidden: outcome.hidden }), {
          headers: { "Content-Security-Policy": contentSecurityPolicy({ formAction }) },
        });
      }
      case "error-page":
        return htmlResponse(AuthorizeErrorPage({ ctx: ctx(), status: 400, title: outcome.title, message: outcome.message, detail: outcome.detail }), { status: 400 });
    }
  };

  const renderDevice = (request: Request, session: Session, result: DeviceLookup): Response => {
    const ctx = buildPageContext(web, web.assets, request);
    switch (result.kind) {
      case "enter":
        return htmlResponse(DeviceCodePage({ ctx, error: result.error, code: result.code }), { status: result.error ? 400 : 200 });
      case "not-allowed":
        return htmlResponse(NotAllowedPage({ ctx, client: result.client, noGroups: result.client.allowedGroupIds.length === 0 }), { status: 403 });
      case "reauthenticate":
        return redirectResponse(reauthenticationUrl(`/device?code=${encodeURIComponent(result.userCode)}`), 303);
      case "confirm": {
        const user = findUser(web.db, session.userId);
        return htmlResponse(
          DeviceConfirmPage({
            ctx,
            userCode: result.userCode,
            client: result.client,
            scopes: result.scopes,
            resource: result.resource,
            account: user ? { name: displayNameOf(user), username: user.username } : null,
          }),
        );
      }
      case "done":
        return htmlResponse(DeviceDonePage({ ctx, approved: result.approved, client: result.client }));
    }
  };

  /**
   * Every other method on a protocol endpoint: RFC 6749 JSON 405 with Allow, counted as a failure like any
   * other. No CSRF token either: it answers the same whatever the request carries.
   */
  const otherMethods = (...methods: string[]) => () => {
    throw new OAuthError("invalid_request", `This endpoint accepts ${methods.join(" and ")} requests only.`, 405, { Allow: [...methods, "OPTIONS"].join(", ") });
  };

  // Both bodies are strings computed once per signing key set (see keySet), with an ETag; only the Response is
  // per request, and a matching If-None-Match gets 304 without a body.
  const cachedDocument = (request: Request, body: string, etag: string, contentType: string): Response => {
    const headers = { "Content-Type": contentType, "Cache-Control": "public, max-age=300", ETag: etag, ...CORS };
    if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
    return new Response(body, { headers });
  };
  const discovery = ({ request }: { request: Request }) => {
    const d = discoveryBody(web, web.config.appUrl, web.config.internalAppUrl, clientMetadataAllowlist(web).length > 0);
    return cachedDocument(request, d.body, d.etag, "application/json; charset=utf-8");
  };
  const jwks = ({ request }: { request: Request }) => {
    const k = keySet(web);
    return cachedDocument(request, k.jwksBody, k.jwksEtag, "application/jwk-set+json; charset=utf-8");
  };

  return (
    new Elysia({ name: "oidc" })
      .use(routePolicy(web))
      .get("/.well-known/openid-configuration", discovery)
      .get("/.well-known/oauth-authorization-server", discovery)
      .options("/.well-known/openid-configuration", PREFLIGHT)
      .options("/.well-known/oauth-authorization-server", PREFLIGHT)
      .get("/.well-known/jwks.json", jwks)
      .options("/.well-known/jwks.json", PREFLIGHT)
      .get("/authorize", authorizeHandler)
      // No CSRF token: a protocol request (OIDC Core 3.1.2.1 allows POST) that by itself changes nothing
      // without the person's consent.
      .post("/authorize", authorizeHandler, { parse: "none", csrf: false })
      .post(
        "/authorize/consent",
        async ({ request }) => {
          const session = currentSession(web, request);
          if (!session) throw AppError.unauthenticated(msg("oidc.consentSessionEnded"));
          const params = await formParams(request).catch(() => {
            throw AppError.badRequest(msg("oidc.consentFormUnreadable"));
          });
          let interactionId: string | null;
          let decision: string | null;
          try {
            interactionId = params.get("interaction", 64);
            decision = params.get("decision", 8);
          } catch {
            throw AppError.badRequest(msg("oidc.consentFormInvalid"));
          }
          if (!interactionId || (decision !== "allow" && decision !== "deny")) throw AppError.badRequest(msg("oidc.consentFormInvalid"));
          return renderOutcome(request, decideConsent(web, { interactionId, session, allow: decision === "allow", origin: auditOrigin(request) }));
        },
        { parse: "none" },
      )
      .post(
        "/api/oidc/token",
        async ({ request }) => {
          const params = await formParams(request);
          const tokens = await handleTokenRequest(web, { params, authorization: request.headers.get("authorization"), origin: auditOrigin(request), dpop: request.headers.get("dpop") });
          return withCors(jsonResponse(tokens, { headers: { Pragma: "no-cache" } }));
        },
        // No CSRF token here or on introspect, revoke, PAR and device authorization: the client authenticates
        // itself (RFC 6749 2.3), and no cookie is read.
        { parse: "none", csrf: false, budget: "protocol" },
      )
      .options("/api/oidc/token", PREFLIGHT, { budget: "protocol" })
      .all("/api/oidc/token", otherMethods("POST"), { csrf: false, budget: "protocol" })
      .get(
        "/api/oidc/userinfo",
        async ({ request }) =>
          withCors(jsonResponse(await userinfo(web, { authorization: request.headers.get("authorization"), params: null, dpop: request.headers.get("dpop"), method: "GET" }))),
        { budget: "userinfo" },
      )
      .post(
        "/api/oidc/userinfo",
        async ({ request }) =>
          withCors(
            jsonResponse(
              await userinfo(web, { authorization: request.headers.get("authorization"), params: await optionalFormParams(request), dpop: request.headers.get("dpop"), method: "POST" }),
            ),
          ),
        // No CSRF token: the bearer token authenticates the request (RFC 6750), no cookie is read.
        { parse: "none", csrf: false, budget: "userinfo" },
      )
      .options("/api/oidc/userinfo", PREFLIGHT, { budget: "userinfo" })
      .all("/api/oidc/userinfo", otherMethods("GET", "POST"), { csrf: false, budget: "userinfo" })
      .post(
        "/api/oidc/introspect",
        async ({ request }) => jsonResponse(await introspect(web, { params: await formParams(request), authorization: request.headers.get("authorization") })),
        { parse: "none", csrf: false, budget: "protocol" },
      )
      .all("/api/oidc/introspect", otherMethods("POST"), { csrf: false, budget: "protocol" })
      .post(
        "/api/oidc/revoke",
        async ({ request }) => {
          await revoke(web, { params: await formParams(request), authorization: request.headers.get("authorization") });
          return withCors(new Response(null, { status: 200, headers: { "Cache-Control": "no-store" } }));
        },
        { parse: "none", csrf: false, budget: "protocol" },
      )
      .options("/api/oidc/revoke", PREFLIGHT, { budget: "protocol" })
      .all("/api/oidc/revoke", otherMethods("POST"), { csrf: false, budget: "protocol" })
      .post(
        "/api/oidc/par",
        async ({ request }) => {
          const pushed = await pushAuthorizationRequest(web, { params: await formParams(request), authorization: request.headers.get("authorization") });
          return withCors(jsonResponse(pushed, { status: 201, headers: { "Cache-Control": "no-store" } }));
        },
        { parse: "none", csrf: false, budget: "protocol" },
      )
      .options("/api/oidc/par", PREFLIGHT, { budget: "protocol" })
      .all("/api/oidc/par", otherMethods("POST"), { csrf: false, budget: "protocol" })
      .post(
        "/api/oidc/device/authorize",
        async ({ request }) => {
          const started = await startDeviceAuthorization(web, { params: await formParams(request), authorization: request.headers.get("authorization") });
          return withCors(jsonResponse(started, { headers: { "Cache-Control": "no-store" } }));
        },
        { parse: "none", csrf: false, budget: "protocol" },
      )
      .options("/api/oidc/device/authorize", PREFLIGHT, { budget: "protocol" })
      .all("/api/oidc/device/authorize", otherMethods("POST"), { csrf: false, budget: "protocol" })
      .get(
        "/device",
        ({ request, session }) => {
          // ?code= (Latchkey's links), or ?user_code= as Pocket ID names it (its QR sign-in codes among them).
          const params = new URL(request.url).searchParams;
          const code = params.get("code") ?? params.get("user_code");
          if (code) {
            // A sign-in code from another device (P…) is that flow's review page (src/http/routes/device-login.ts).
            const review = deviceLoginReview(web, request, session, code);
            if (review) return review;
            if (!normalizeDeviceLoginCode(code)) limitDeviceCodeGuessing(web, request, session);
          }
          return renderDevice(request, session, lookupDeviceCode(web, { code, session }));
        },
        // Signing in first comes back here with the code (/login?redirect=/device?code=…).
        { userPage: true },
      )
      .post(
        "/device",
        async ({ request }) => {
          const session = currentSession(web, request);
          if (!session) throw AppError.unauthenticated(msg("oidc.deviceSessionEnded"));
          const params = await formParams(request).catch(() => {
            throw AppError.badRequest(msg("oidc.deviceFormUnreadable"));
          });
          let code: string | null;
          let decision: string | null;
          try {
            code = params.get("code", 40);
            decision = params.get("decision", 8);
          } catch {
            throw AppError.badRequest(msg("oidc.deviceFormInvalid"));
          }
          if (decision !== "allow" && decision !== "deny") throw AppError.badRequest(msg("oidc.deviceFormInvalid"));
          limitDeviceCodeGuessing(web, request, session);
          return renderDevice(request, session, decideDeviceAuthorization(web, { code, session, allow: decision === "allow", origin: auditOrigin(request) }));
        },
        { parse: "none" },
      )
      // Pocket ID's JSON form of /device: the same lookup, rules, rate limits and audit.
      .get(
        "/api/oidc/device/info",
        ({ request, query, session }) => {
          const code = deviceCodeParam(query, undefined);
          if (code) limitDeviceCodeGuessing(web, request, session);
          const result = deviceOutcome(lookupDeviceCode(web, { code, session }));
          if (result.kind !== "confirm") throw AppError.notFound(msg("oidc.deviceCodeUnknown"));
          const c = result.client;
          const consented = findConsentedScopes(web.db, session.userId, c.id);
          const keys = consentKeys(result.scopes, result.resource);
          return jsonResponse({
            scope: [...result.scopes, ...(result.resource?.permissions.map((p) => p.key) ?? [])].join(" "),
            authorizationRequired: !consented || !keys.every((s) => consented.includes(s)),
            client: { id: c.id, name: c.name, description: c.description, hasLogo: c.hasLogo, hasDarkLogo: c.hasDarkLogo, launchURL: c.launchUrl, requiresReauthentication: c.requiresReauthentication, clientType: "standard" },
          }, { headers: { "Cache-Control": "no-store" } });
        },
        {
          sessionApi: true,
          query: DeviceCodeQuery,
          response: { 200: DeviceAuthorizationInfo },
          detail: apiOperation("Device authorization", "What a device asks for under a user code (OAuth 2.0 device flow)", DEVICE_API_ERRORS),
        },
      )
      .post(
        "/api/oidc/device/verify",
        ({ request, query, body, session }) => {
          const code = deviceCodeParam(query, body);
          limitDeviceCodeGuessing(web, request, session);
          deviceOutcome(decideDeviceAuthorization(web, { code, session, allow: true, origin: auditOrigin(request) }));
          return new Response(null, { status: 204 });
        },
        {
          sessionApi: true,
          query: DeviceCodeQuery,
          body: DeviceCodeBody,
          response: { 204: NoContent },
          detail: apiOperation("Device authorization", "Authorize the device that shows this user code (?code= or {code}), consenting to its scopes", DEVICE_API_ERRORS),
        },
      )
      .get("/api/oidc/end-session", endSessionHandler)
      // No CSRF token: RP-initiated logout is a cross-site request by design; without a valid id_token_hint
      // the person confirms on our own page first (src/oidc/end-session.ts).
      .post("/api/oidc/end-session", endSessionHandler, { parse: "none", csrf: false })
  );
}
