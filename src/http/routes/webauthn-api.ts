/**
 * WebAuthn ceremonies as JSON (Pocket ID's paths under /api/webauthn), called by static/src/passkey.ts.
 * - Every POST carries the page's CSRF token (X-CSRF-Token), checked in src/app.ts.
 * - `…/start` stores a challenge row and binds it to this browser with a 60 s cookie; `…/finish`
 *   consumes exactly that row, so a replayed, expired or foreign challenge fails.
 * - Sign-in creates a session with amr ["phr"] (SIGN_IN audit); registration audits PASSKEY_ADDED;
 *   re-authentication refreshes the session's authentication time and hands the browser a 3-minute
 *   single-use re-authentication token (cookie) for one sensitive action, e.g. creating an API key.
 */
import { Elysia } from "elysia";
import { deletePasskey, listPasskeys, renamePasskey, type PasskeyView } from "../../webauthn/passkeys.ts";
import { issueReauthenticationToken } from "../../account/reauthentication.ts";
import { recordReauthentication } from "../../account/sessions.ts";
import { recordAuditEvent } from "../../audit/audit-log.ts";
import { findUserById } from "../../db/users.ts";
import { isNewSignInDevice, notifyNewDeviceSignIn } from "../../mail/emails.ts";
import { findCredentialByCredentialId } from "../../db/webauthn.ts";
import { AppError } from "../../errors.ts";
import { finishPasskeyAssertion, startPasskeyAssertion } from "../../webauthn/authentication.ts";
import { authenticatorName } from "../../webauthn/authenticator-names.ts";
import { finishPasskeyRegistration, startPasskeyRegistration } from "../../webauthn/registration.ts";
import { endBrowserSession, homePath, safeRedirectPath, setCeremonyCookie, setReauthenticationCookie, startBrowserSession, takeCeremonyCookie } from "../browser-session.ts";
import { RATE_RULES, rateLimit } from "../plugins/rate-limit.ts";
import { auditOrigin, currentSession, requestMeta } from "../request-context.ts";
import { jsonResponse } from "../responses.ts";
import { PasskeyCeremonyFinish, PasskeyDeleteQuery, PasskeyRename } from "../schemas/account.ts";
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
  if (!r || typeof r !== "object") throw AppError.badRequest("The request must contain the passkey response.");
  return r;
}

function redirectOf(body: { redirect?: string | null }): string | null {
  return safeRedirectPath(body.redirect);
}

/**
 * SIGN_IN_FAILED, with the reason shown to the person, when the assertion names a known passkey:
 * the owner sees attempts on their account; anonymous noise (no such passkey) is not recorded.
 */
function auditFailedSignIn(web: WebDeps, request: Request, response: { id?: unknown }, error: unknown): void {
  if (!(error instanceof AppError)) return;
  const owner = typeof response.id === "string" && response.id ? findCredentialByCredentialId(web.db, response.id) : null;
  if (!owner) return;
  // The per-passkey failure budget counts only passkeys that exist (src/http/plugins/request-budgets.ts).
  requestMeta(request).failedCredentialId = owner.credential_id;
  recordAuditEvent(web, "SIGN_IN_FAILED", {
    userId: owner.user_id,
    origin: auditOrigin(request),
    data: { passkeyName: owner.name, reason: error.message, code: error.code },
  });
}

export function webauthnApiRoutes(web: WebDeps) {
  const requireSession = (request: Request) => {
    const session = currentSession(web, request);
    if (!session) throw AppError.unauthenticated();
    return session;
  };

  return new Elysia({ name: "webauthn-api" })
    .post("/api/webauthn/login/start", async ({ request }) => {
      rateLimit(web, request, "webauthn-login", RATE_RULES.webauthnLogin);
      const { challengeId, options } = await startPasskeyAssertion(web, { purpose: "login" });
      setCeremonyCookie(web, request, challengeId);
      return jsonResponse({ options });
    })
    .post("/api/webauthn/login/finish", async ({ request, body }) => {
      const response = responseOf(body);
      const { user, credential } = await finishPasskeyAssertion(web, {
        challengeId: takeCeremonyCookie(web, request),
        purpose: "login",
        response,
        origin: auditOrigin(request),
      }).catch((error: unknown) => {
        auditFailedSignIn(web, request, response, error);
        throw error;
      });
      startBrowserSession(web, request, user.id, ["phr"]);
      // Checked before this sign-in is recorded: "new" means no earlier sign-in from this IP + browser.
      const newDevice = isNewSignInDevice(web, user.id, auditOrigin(request));
      recordAuditEvent(web, "SIGN_IN", { userId: user.id, origin: auditOrigin(request), data: { passkeyName: credential.name } });
      if (newDevice) notifyNewDeviceSignIn(web, user, auditOrigin(request));
      return jsonResponse({ redirect: redirectOf(body) ?? homePath(web) });
    }, { body: PasskeyCeremonyFinish })

    .post("/api/webauthn/register/start", async ({ request }) => {
      const session = requireSession(request);
      const user = findUserById(web.db, session.userId);
      if (!user) throw AppError.unauthenticated();
      const { challengeId, options } = await startPasskeyRegistration(web, user);
      setCeremonyCookie(web, request, challengeId);
      return jsonResponse({ options });
    })
    .post("/api/webauthn/register/finish", async ({ request, body }) => {
      const session = requireSession(request);
      const row = await finishPasskeyRegistration(web, {
        challengeId: takeCeremonyCookie(web, request),
        userId: session.userId,
        response: responseOf(body),
        name: body.name ?? undefined,
      });
      recordAuditEvent(web, "PASSKEY_ADDED", { userId: session.userId, origin: auditOrigin(request), data: { credentialID: row.credential_id, passkeyName: row.name } });
      return jsonResponse(
        { passkey: { id: row.id, name: row.name, provider: authenticatorName(row.aaguid), synced: row.backup_eligible === 1 }, redirect: redirectOf(body) },
        { status: 201 },
      );
    }, { body: PasskeyCeremonyFinish })

    .post("/api/webauthn/reauthenticate/start", async ({ request }) => {
      const session = requireSession(request);
      rateLimit(web, request, "reauthenticate", RATE_RULES.reauthenticate);
      const { challengeId, options } = await startPasskeyAssertion(web, { purpose: "reauthenticate", userId: session.userId });
      setCeremonyCookie(web, request, challengeId);
      return jsonResponse({ options });
    })
    .post("/api/webauthn/reauthenticate/finish", async ({ request, body }) => {
      const session = requireSession(request);
      const { user } = await finishPasskeyAssertion(web, {
        challengeId: takeCeremonyCookie(web, request),
        purpose: "reauthenticate",
        response: responseOf(body),
        origin: auditOrigin(request),
      });
      if (user.id !== session.userId) throw AppError.passkey("This passkey belongs to a different account. Use one of your own passkeys.");
      recordReauthentication(web, session);
      setReauthenticationCookie(web, request, issueReauthenticationToken(web, session));
      return jsonResponse({ redirect: redirectOf(body) ?? homePath(web) });
    }, { body: PasskeyCeremonyFinish })

    // Own passkeys as JSON (Pocket ID: /api/webauthn/credentials). Cookie sessions only.
    .get("/api/webauthn/credentials", ({ request }) => jsonResponse(listPasskeys(web.db, requireSession(request).userId).map(passkeyDto)))
    .patch("/api/webauthn/credentials/:id", ({ request, params, body }) => {
      const session = requireSession(request);
      const name = body.name;
      if (name === undefined) throw AppError.badRequest("name: a string is required.");
      try {
        return jsonResponse(passkeyDto(renamePasskey(web, session.userId, params.id, name, auditOrigin(request))));
      } catch (error) {
        if (error instanceof AppError && error.code === "validation_failed") throw new AppError("bad_request", error.message, error.fields);
        throw error;
      }
    }, { body: PasskeyRename })
    .delete("/api/webauthn/credentials/:id", ({ request, params, query }) => {
      const session = requireSession(request);
      deletePasskey(web, session.userId, params.id, { confirmLast: query.confirmLast === "true", origin: auditOrigin(request) });
      return new Response(null, { status: 204 });
    }, { query: PasskeyDeleteQuery })

    .post("/api/webauthn/logout", ({ request }) => {
      const ended = endBrowserSession(web, request);
      if (ended) recordAuditEvent(web, "SIGN_OUT", { userId: ended.userId, origin: auditOrigin(request) });
      return new Response(null, { status: 204 });
    });
}
