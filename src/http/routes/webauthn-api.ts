/**
 * WebAuthn ceremonies as JSON (Pocket ID's paths under /api/webauthn), called by static/src/passkey.ts.
 * - Every POST carries the page's CSRF token (X-CSRF-Token), checked by the request pipeline.
 * - Sign-in finishes spend the passkey failure budget (`budget: "passkey"`); registration, re-authentication
 *   and the own-passkey routes need the browser session (`sessionApi`).
 * - `…/start` stores a challenge row and binds it to this browser with a 60 s cookie; `…/finish`
 *   consumes exactly that row, so a replayed, expired or foreign challenge fails.
 * - Sign-in creates a session with amr ["phr"] (src/account/passkey-sign-in.ts audits it);
 *   re-authentication refreshes the session's authentication time and hands the browser a 3-minute
 *   single-use re-authentication token (cookie) for one sensitive action, e.g. creating an API key.
 */
import { msg } from "../../i18n/message.ts";
import { requestTranslator } from "../page-context.ts";
import { Elysia, t } from "elysia";
import { deletePasskey, isRegisteredPasskey, listPasskeys, renamePasskey, type PasskeyView } from "../../webauthn/passkeys.ts";
import { issueReauthenticationToken } from "../../account/reauthentication.ts";
import { recordReauthentication } from "../../account/sessions.ts";
import { findUser } from "../../admin/users.ts";
import { AppError } from "../../errors.ts";
import { signInWithPasskey } from "../../account/passkey-sign-in.ts";
import { finishPasskeyAssertion, startPasskeyAssertion } from "../../webauthn/authentication.ts";
import { authenticatorName } from "../../webauthn/authenticator-names.ts";
import { finishPasskeyRegistration, startPasskeyRegistration } from "../../webauthn/registration.ts";
import { endBrowserSession, homePath, safeRedirectPath, setCeremonyCookie, setReauthenticationCookie, attachBrowserSession, createBrowserSession, takeCeremonyCookie } from "../browser-session.ts";
import { RATE_RULES, rateLimit } from "../plugins/rate-limit.ts";
import { routePolicy } from "../plugins/route-policy.ts";
import { actorOf, auditOrigin, requestMeta } from "../request-context.ts";
import { jsonResponse } from "../responses.ts";
import { apiOperation } from "../openapi.ts";
import { NoContent } from "../schemas/common.ts";
import { OwnPasskey, PasskeyCeremonyFinish, PasskeyCeremonyStart, PasskeyContinue, PasskeyDeleteQuery, PasskeyRename } from "../schemas/account.ts";
import type { WebDeps } from "../web-deps.ts";

/** Pocket ID's passkey DTO (camelCase, RFC 3339 times), plus what the account page shows. */
function passkeyDto(p: PasskeyView) {
  return {
    id: p.id,
    name: p.name,
    createdAt: new Date(p.createdAt * 1000).toISOString(),
    lastUsedAt: p.lastUsedAt ? new Date(p.lastUsedAt * 1000).toISOString() : null,
    backupEligible: p.synced,
    backupState: p.backedUp,
    provider: p.provider,
  };
}

// The library checks the shape of the response itself; here it only has to be an object.
function responseOf(body: { response?: unknown }): any {
  const r = body.response;
  if (!r || typeof r !== "object") throw AppError.badRequest(msg("passkeys.errorNoResponse"));
  return r;
}

function redirectOf(body: { redirect?: string | null }): string | null {
  return safeRedirectPath(body.redirect);
}

/** The per-passkey failure budget counts only passkeys that exist (src/http/plugins/request-budgets.ts). */
function noteFailedPasskey(web: WebDeps, request: Request, response: { id?: unknown }, error: unknown): void {
  if (!(error instanceof AppError)) return;
  if (typeof response.id === "string" && response.id && isRegisteredPasskey(web.db, response.id)) requestMeta(request).failedCredentialId = response.id;
}

export function webauthnApiRoutes(web: WebDeps) {
  return new Elysia({ name: "webauthn-api" })
    .use(routePolicy(web))
    .post("/api/webauthn/login/start", async ({ request }) => {
      rateLimit(web, request, "webauthn-login", RATE_RULES.webauthnLogin);
      const { challengeId, options } = await startPasskeyAssertion(web, { purpose: "login" });
      setCeremonyCookie(web, request, challengeId);
      return jsonResponse({ options });
    }, { response: { 200: PasskeyCeremonyStart }, detail: apiOperation("Passkeys", "Begin a passkey sign-in (discoverable credentials)", { errors: { 429: "Too many sign-ins from this address" } }) })
    .post("/api/webauthn/login/finish", async ({ request, body }) => {
      const response = responseOf(body);
      const { session } = await signInWithPasskey(web, {
        challengeId: takeCeremonyCookie(web, request),
        response,
        origin: auditOrigin(request),
        startSession: (user) => createBrowserSession(web, request, user.id, ["phr"]),
      }).catch((error: unknown) => {
        noteFailedPasskey(web, request, response, error);
        throw error;
      });
      attachBrowserSession(web, request, session);
      return jsonResponse({ redirect: redirectOf(body) ?? homePath(web) });
    }, {
      budget: "passkey",
      body: PasskeyCeremonyFinish,
      response: { 200: PasskeyContinue },
      detail: apiOperation("Passkeys", "Finish a passkey sign-in: this browser gets a session (amr phr)", {
        errors: { 400: "No passkey response, or it does not verify (unknown passkey, wrong challenge or origin, replayed)", 403: "The account is disabled", 429: "Too many failed passkeys" },
      }),
    })

    .post("/api/webauthn/register/start", async ({ request, session }) => {
      const user = findUser(web.db, session.userId);
      if (!user) throw AppError.unauthenticated();
      const { challengeId, options } = await startPasskeyRegistration(web, user);
      setCeremonyCookie(web, request, challengeId);
      return jsonResponse({ options });
    }, { sessionApi: true, response: { 200: PasskeyCeremonyStart }, detail: apiOperation("Passkeys", "Begin adding a passkey to your account") })
    .post("/api/webauthn/register/finish", async ({ request, body, session }) => {
      const row = await finishPasskeyRegistration(web, actorOf(request, session), {
        challengeId: takeCeremonyCookie(web, request),
        response: responseOf(body),
        name: body.name ?? undefined,
        userAgent: request.headers.get("user-agent"),
        language: requestTranslator(web, request).text,
      });
      const redirect = redirectOf(body);
      // The browser continues at the naming step (passkeys otherwise all look alike), then at `redirect`.
      const nameUrl = `/settings/account/passkeys/${encodeURIComponent(row.id)}/name${redirect ? `?redirect=${encodeURIComponent(redirect)}` : ""}`;
      return jsonResponse(
        { passkey: { id: row.id, name: row.name, provider: authenticatorName(row.aaguid), synced: row.backupEligible }, redirect, nameUrl },
        { status: 201 },
      );
    }, {
      sessionApi: true,
      body: PasskeyCeremonyFinish,
      response: {
        201: t.Object({
          passkey: t.Object({ id: t.String(), name: t.String(), provider: t.Union([t.String(), t.Null()]), synced: t.Boolean() }),
          redirect: t.Union([t.String(), t.Null()]),
          nameUrl: t.String({ description: "The page that names the new passkey, then continues at redirect" }),
        }),
      },
      detail: apiOperation("Passkeys", "Finish adding a passkey (optional name)", { errors: { 400: "No passkey response, or it does not verify (or this authenticator already holds one of yours)" } }),
    })

    .post("/api/webauthn/reauthenticate/start", async ({ request, session }) => {
      rateLimit(web, request, "reauthenticate", RATE_RULES.reauthenticate);
      const { challengeId, options } = await startPasskeyAssertion(web, { purpose: "reauthenticate", userId: session.userId });
      setCeremonyCookie(web, request, challengeId);
      return jsonResponse({ options });
    }, { sessionApi: true, response: { 200: PasskeyCeremonyStart }, detail: apiOperation("Passkeys", "Begin re-authenticating with one of your passkeys", { errors: { 429: "Too many attempts from this address" } }) })
    .post("/api/webauthn/reauthenticate/finish", async ({ request, body, session }) => {
      const { user } = await finishPasskeyAssertion(web, {
        challengeId: takeCeremonyCookie(web, request),
        purpose: "reauthenticate",
        response: responseOf(body),
        origin: auditOrigin(request),
      });
      if (user.id !== session.userId) throw AppError.passkey(msg("passkeys.errorNotYours"));
      recordReauthentication(web, session);
      setReauthenticationCookie(web, request, issueReauthenticationToken(web, session));
      return jsonResponse({ redirect: redirectOf(body) ?? homePath(web) });
    }, {
      sessionApi: true,
      body: PasskeyCeremonyFinish,
      response: { 200: PasskeyContinue },
      detail: apiOperation("Passkeys", "Finish re-authenticating: a single-use proof (cookie, 3 minutes) for one sensitive action", {
        errors: { 400: "No passkey response, it does not verify, or the passkey is not yours" },
      }),
    })

    // Own passkeys as JSON (Pocket ID: /api/webauthn/credentials). Cookie sessions only.
    .get("/api/webauthn/credentials", ({ session }) => jsonResponse(listPasskeys(web.db, session.userId).map(passkeyDto)), {
      sessionApi: true,
      response: { 200: t.Array(OwnPasskey) },
      detail: apiOperation("Passkeys", "Your passkeys"),
    })
    .patch("/api/webauthn/credentials/:id", ({ request, params, body, session }) => {
      const name = body.name;
      if (name === undefined) throw AppError.badRequest(msg("passkeys.errorNameMissing"));
      try {
        return jsonResponse(passkeyDto(renamePasskey(web, actorOf(request, session), params.id, name)));
      } catch (error) {
        if (error instanceof AppError && error.code === "validation_failed") throw new AppError("bad_request", error.text, error.fields);
        throw error;
      }
    }, { sessionApi: true, body: PasskeyRename, response: { 200: OwnPasskey }, detail: apiOperation("Passkeys", "Rename one of your passkeys ({name})") })
    .delete("/api/webauthn/credentials/:id", ({ request, params, query, session }) => {
      deletePasskey(web, actorOf(request, session), params.id, { confirmLast: query.confirmLast === "true" });
      return new Response(null, { status: 204 });
    }, {
      sessionApi: true,
      query: PasskeyDeleteQuery,
      response: { 204: NoContent },
      detail: apiOperation("Passkeys", "Delete one of your passkeys", { errors: { 409: "It is your last passkey: repeat with ?confirmLast=true" } }),
    })

    .post("/api/webauthn/logout", ({ request }) => {
      endBrowserSession(web, request);
      return new Response(null, { status: 204 });
    }, { response: { 204: NoContent }, detail: apiOperation("Sign-in", "Sign this browser out (its session ends; 204 also without one)") });
}
