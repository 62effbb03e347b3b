import type { MessageKey } from "../../src/i18n/catalog.ts";
import type { PageContext } from "../page-context.ts";

/** What static/src/passkey.ts may say, by the name it uses. */
const PASSKEY_SCRIPT_MESSAGES = {
  rateLimited: "passkeys.jsRateLimited",
  serverError: "passkeys.jsServerError",
  alreadyRegistered: "passkeys.jsAlreadyRegistered",
  wrongAddress: "passkeys.jsWrongAddress",
  timedOut: "passkeys.jsTimedOut",
  cancelledSignIn: "passkeys.jsCancelledSignIn",
  cancelled: "passkeys.jsCancelled",
  noResidentKey: "passkeys.jsNoResidentKey",
  noUserVerification: "passkeys.jsNoUserVerification",
  offline: "passkeys.jsOffline",
  unknown: "passkeys.jsUnknown",
  unsupported: "passkeys.jsUnsupported",
} as const satisfies Record<string, MessageKey>;

export type PasskeyScriptMessage = keyof typeof PASSKEY_SCRIPT_MESSAGES;

/**
 * The passkey script's sentences in the page's language, as a JSON data block (#passkey-messages): the
 * CSP forbids inline executable script, not data. "<" is written as \u003c so no text can close the element.
 */
export function PasskeyMessages({ ctx }: { ctx: PageContext }): JSX.Element {
  const messages: Record<string, string> = {};
  for (const [name, key] of Object.entries(PASSKEY_SCRIPT_MESSAGES)) messages[name] = ctx.t(key);
  const safeJson = JSON.stringify(messages).replace(/</g, "\\u003c");
  return (
    <script type="application/json" id="passkey-messages">
      {safeJson}
    </script>
  );
}
