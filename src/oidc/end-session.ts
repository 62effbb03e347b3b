/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).
 * - id_token_hint must be an ID token issued here (src/oidc/id-token-hint.ts: signature by a published key,
 *   issuer, typ and claims that no access or logout token has); expired ID tokens are accepted.
 * - The client comes from the hint's aud or client_id (they must agree).
 * - post_logout_redirect_uri must match one of the client's logout callback URLs (same matching as
 *   redirect URIs); otherwise our error page — never a redirect to an unverified URI. `state` is echoed.
 * - A valid hint for the signed-in user ends the session and revokes the refresh tokens of that sign-in.
 *   Without one, the person is asked to confirm (a bare GET must not sign anyone out).
 * - Without any parameter, the browser is sent to the sign-out page (APP_URL/logout, 302), as Pocket ID does:
 *   there a signed-in person confirms, and a signed-out one is told so.
 */
import type { Database } from "../db/database.ts";
import type { Session } from "../account/sessions.ts";
import { endSession } from "../account/sessions.ts";
import { recordAuditEvent, type AuditOrigin } from "../audit/audit-log.ts";
import type { Config } from "../config.ts";
import { deleteGrantsOfSession } from "../db/oidc-grants.ts";
import { safeEqual } from "../lib/hash.ts";
import type { Clock } from "../lib/clock.ts";
import type { Random } from "../lib/random.ts";
import { findClientById, type OidcClient } from "./clients.ts";
import { ProtocolParamError, type ProtocolParams } from "./params.ts";
import { msg, type Message } from "../i18n/message.ts";
import { matchRedirectUri } from "./redirect-uri.ts";
import { IdTokenHintInvalid, verifyIdTokenHint, type IdTokenHint } from "./id-token-hint.ts";

export interface EndSessionDeps {
  db: Database;
  clock: Clock;
  random: Random;
  config: Config;
}

export type EndSessionOutcome =
  | { kind: "redirect"; location: string; sessionEnded: boolean }
  /** No parameters: Pocket ID's answer, a redirect to the app's own sign-out page. */
  | { kind: "sign-out-page" }
  | { kind: "signed-out"; clientName: string | null; sessionEnded: boolean }
  | { kind: "confirm"; clientName: string | null; hidden: Record<string, string> }
  /** `detail`: a verifier's technical reason (English), shown as code for whoever set the client up. */
  | { kind: "error-page"; title: Message; message: Message; detail?: string };

function invalid(message: Message, detail?: string): EndSessionOutcome {
  return { kind: "error-page", title: msg("oidc.signOutInvalidTitle"), message, ...(detail ? { detail } : {}) };
}

export async function endSessionRequest(
  deps: EndSessionDeps,
  input: { params: ProtocolParams; session: Session | null; method: "GET" | "POST"; origin?: AuditOrigin },
): Promise<EndSessionOutcome> {
  const { params, session } = input;
  let hintRaw: string | null;
  let clientIdParam: string | null;
  let postLogout: string | null;
  let state: string | null;
  let confirm: string | null;
  let csrf: string | null;
  try {
    hintRaw = params.get("id_token_hint", 16_384);
    clientIdParam = params.get("client_id", 256);
    postLogout = params.get("post_logout_redirect_uri", 2048);
    state = params.get("state", 2048);
    confirm = params.get("confirm", 8);
    csrf = params.get("_csrf", 128);
  } catch (e) {
    if (e instanceof ProtocolParamError) return invalid(e.text);
    throw e;
  }
  if (!hintRaw && !clientIdParam && !postLogout && !state && !confirm && !csrf) return { kind: "sign-out-page" };

  // 1. The hint.
  let hint: IdTokenHint | null = null;
  if (hintRaw) {
    try {
      hint = await verifyIdTokenHint(deps, hintRaw);
    } catch (e) {
      if (!(e instanceof IdTokenHintInvalid)) throw e;
      return invalid(msg("oidc.signOutHintInvalid"), e.message);
    }
  }

  // 2. The client.
  let client: OidcClient | null = null;
  if (clientIdParam && hint && !hint.aud.includes(clientIdParam)) return invalid(msg("oidc.signOutClientMismatch"));
  const clientId = clientIdParam ?? hint?.aud[0] ?? null;
  if (clientId) {
    client = findClientById(deps.db, clientId);
    if (!client) return invalid(msg("oidc.signOutUnknownClient"));
  }

  // 3. Where to go afterwards.
  let location: string | null = null;
  if (postLogout) {
    if (!client) return invalid(msg("oidc.signOutNeedsClient"));
    if (!matchRedirectUri(client.logoutCallbackUrls, postLogout)) {
      return invalid(msg("oidc.signOutBadRedirect", { client: client.name }));
    }
    location = state ? `${postLogout}${postLogout.includes("?") ? "&" : "?"}${new URLSearchParams({ state }).toString()}` : postLogout;
  }

  // 4. Whether to end the session now.
  let sessionEnded = false;
  const confirmed = input.method === "POST" && confirm === "yes" && session !== null && csrf !== null && safeEqual(csrf, session.csrfToken);
  if (session) {
    const hintMatches = hint !== null && hint.sub === session.userId;
    if (!hintMatches && !confirmed) {
      const hidden: Record<string, string> = {};
      if (clientId) hidden.client_id = clientId;
      if (postLogout) hidden.post_logout_redirect_uri = postLogout;
      if (state) hidden.state = state;
      return { kind: "confirm", clientName: client?.name ?? null, hidden };
    }
    endSession(deps.db, session.id);
    deleteGrantsOfSession(deps.db, session.id, hintMatches ? (client?.id ?? null) : null);
    recordAuditEvent(deps, "SIGN_OUT", { userId: session.userId, origin: input.origin, data: client ? { clientName: client.name } : {} });
    sessionEnded = true;
  }
  // The refresh tokens of the sign-in named by the hint go too, even when that browser session is already gone.
  if (hint?.sid && client) deleteGrantsOfSession(deps.db, hint.sid, client.id);

  if (location) return { kind: "redirect", location, sessionEnded };
  return { kind: "signed-out", clientName: client?.name ?? null, sessionEnded };
}
