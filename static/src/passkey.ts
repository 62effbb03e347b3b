/**
 * The WebAuthn glue: one small script on @simplewebauthn/browser, wired by data- attributes (no inline script).
 * - [data-passkey-login]      sign in with a discoverable passkey; also passkey autofill on an
 *                              input with autocomplete="… webauthn" where the browser supports it.
 * - [data-passkey-register]   create a passkey for the signed-in person, then name it (the server's
 *                              naming page, which continues at data-redirect).
 * - [data-passkey-reauth]     confirm a sensitive action with a fresh assertion. With
 *                              data-resubmit="<form id>" the form is submitted again afterwards (in
 *                              place: the server answered it with "confirm it's you" and kept the values).
 * Each button may carry data-redirect (where to go afterwards; the server re-checks it is a local path).
 * Errors are shown in #passkey-error as human sentences, in the page's language: the server renders them
 * into the page as a JSON data block (#passkey-messages, templates/components/passkey-messages.tsx).
 */
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
} from "@simplewebauthn/browser";

class ServerError extends Error {}

type MessageName =
  | "rateLimited"
  | "serverError"
  | "alreadyRegistered"
  | "wrongAddress"
  | "timedOut"
  | "cancelledSignIn"
  | "cancelled"
  | "noResidentKey"
  | "noUserVerification"
  | "offline"
  | "unknown"
  | "unsupported";

let messages: Partial<Record<MessageName, string>> | null = null;

/** One of the page's sentences for the script (read once from #passkey-messages). */
function say(name: MessageName): string {
  if (!messages) {
    try {
      messages = JSON.parse(document.getElementById("passkey-messages")?.textContent ?? "{}") as Partial<Record<MessageName, string>>;
    } catch {
      messages = {};
    }
  }
  return messages[name] ?? messages.unknown ?? name;
}

function csrfToken(): string {
  return document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
}

async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(body),
  });
  let data: Record<string, unknown> = {};
  try {
    data = await res.json();
  } catch {
    // empty or non-JSON body
  }
  if (!res.ok) {
    const fallback = res.status === 429 ? say("rateLimited") : say("serverError");
    throw new ServerError(typeof data.message === "string" ? data.message : fallback);
  }
  return data as T;
}

/** A sentence for the person, or null when there is nothing to say (they aborted on purpose). */
function humanMessage(error: unknown, startedAt: number, timeoutMs: number, kind: "login" | "register" | "reauth"): string | null {
  if (error instanceof ServerError) return error.message;
  const name = (error as { name?: string })?.name ?? "";
  const code = (error as { code?: string })?.code ?? "";
  if (code === "ERROR_CEREMONY_ABORTED" || name === "AbortError") return null;
  if (code === "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED" || name === "InvalidStateError") {
    return say("alreadyRegistered");
  }
  if (code === "ERROR_INVALID_DOMAIN" || code === "ERROR_INVALID_RP_ID" || name === "SecurityError") {
    return say("wrongAddress");
  }
  if (name === "NotAllowedError") {
    return Date.now() - startedAt >= timeoutMs - 1000
      ? say("timedOut")
      : kind === "login"
        ? say("cancelledSignIn")
        : say("cancelled");
  }
  if (name === "NotSupportedError" || code === "ERROR_AUTHENTICATOR_MISSING_DISCOVERABLE_CREDENTIAL_SUPPORT") {
    return say("noResidentKey");
  }
  if (code === "ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT") {
    return say("noUserVerification");
  }
  if (error instanceof TypeError) return say("offline");
  return say("unknown");
}

function showError(message: string | null): void {
  const box = document.getElementById("passkey-error");
  if (!box) {
    if (message) window.alert(message);
    return;
  }
  box.textContent = message ?? "";
  box.hidden = !message;
  if (message) box.scrollIntoView({ block: "nearest" });
}

function setBusy(button: HTMLElement | null, busy: boolean): void {
  if (!button) return;
  if (busy) button.setAttribute("aria-busy", "true");
  else button.removeAttribute("aria-busy");
  (button as HTMLButtonElement).disabled = busy;
}

function go(target: string | null | undefined): void {
  if (target) window.location.assign(target);
  else window.location.reload();
}

type Options = { options: Parameters<typeof startAuthentication>[0]["optionsJSON"] };
type RegOptions = { options: Parameters<typeof startRegistration>[0]["optionsJSON"] };

async function signIn(button: HTMLElement | null, redirect: string, autofill: boolean): Promise<void> {
  const startedAt = Date.now();
  let timeout = 60000;
  // Whether the person picked a passkey: until then autofill is only waiting in the background.
  let chosen = !autofill;
  try {
    if (!autofill) {
      showError(null);
      setBusy(button, true);
    }
    const { options } = await postJson<Options>("/api/webauthn/login/start");
    timeout = options.timeout ?? timeout;
    const response = await startAuthentication({ optionsJSON: options, useBrowserAutofill: autofill });
    chosen = true;
    setBusy(button, true);
    const result = await postJson<{ redirect: string }>("/api/webauthn/login/finish", { response, redirect: redirect || undefined });
    go(result.redirect);
  } catch (error) {
    setBusy(button, false);
    // Autofill runs in the background; only report problems with a passkey the person actually chose
    // (a refused or rate-limited start is silent: the button still works and says what is wrong).
    if (!chosen) return;
    showError(humanMessage(error, startedAt, timeout, "login"));
  }
}

async function register(button: HTMLElement, redirect: string): Promise<void> {
  const startedAt = Date.now();
  let timeout = 60000;
  showError(null);
  setBusy(button, true);
  try {
    const { options } = await postJson<RegOptions>("/api/webauthn/register/start");
    timeout = options.timeout ?? timeout;
    const response = await startRegistration({ optionsJSON: options });
    const result = await postJson<{ redirect: string | null; nameUrl?: string }>("/api/webauthn/register/finish", { response, redirect: redirect || undefined });
    // Next: name the new passkey (the server's page), which then continues at the redirect.
    go(result.nameUrl ?? result.redirect);
  } catch (error) {
    setBusy(button, false);
    showError(humanMessage(error, startedAt, timeout, "register"));
  }
}

async function reauthenticate(button: HTMLElement, redirect: string, resubmit: HTMLFormElement | null): Promise<void> {
  const startedAt = Date.now();
  let timeout = 60000;
  showError(null);
  setBusy(button, true);
  try {
    const { options } = await postJson<Options>("/api/webauthn/reauthenticate/start");
    timeout = options.timeout ?? timeout;
    const response = await startAuthentication({ optionsJSON: options });
    const result = await postJson<{ redirect: string }>("/api/webauthn/reauthenticate/finish", { response, redirect: redirect || undefined });
    if (resubmit) resubmit.requestSubmit();
    else go(result.redirect);
  } catch (error) {
    setBusy(button, false);
    showError(humanMessage(error, startedAt, timeout, "reauth"));
  }
}

function init(): void {
  const supported = browserSupportsWebAuthn();
  if (!supported && document.querySelector("[data-passkey-login],[data-passkey-register],[data-passkey-reauth]")) {
    showError(say("unsupported"));
  }

  document.addEventListener("click", (event) => {
    const target = event.target as Element | null;
    const login = target?.closest<HTMLElement>("[data-passkey-login]");
    if (login) {
      event.preventDefault();
      WebAuthnAbortService.cancelCeremony();
      void signIn(login, login.dataset.redirect ?? "", false);
      return;
    }
    const reg = target?.closest<HTMLElement>("[data-passkey-register]");
    if (reg) {
      event.preventDefault();
      void register(reg, reg.dataset.redirect ?? "");
      return;
    }
    const reauth = target?.closest<HTMLElement>("[data-passkey-reauth]");
    if (reauth) {
      event.preventDefault();
      const form = reauth.dataset.resubmit ? document.getElementById(reauth.dataset.resubmit) : null;
      void reauthenticate(reauth, reauth.dataset.redirect ?? "", form instanceof HTMLFormElement ? form : null);
    }
  });

  // Pressing Enter in the username field starts the same sign-in as the button.
  document.querySelectorAll<HTMLFormElement>("[data-passkey-login-form]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = form.querySelector<HTMLElement>("[data-passkey-login]");
      WebAuthnAbortService.cancelCeremony();
      void signIn(button, form.dataset.redirect ?? "", false);
    });
  });

  const autofillInput = document.querySelector('input[autocomplete~="webauthn"]');
  const loginForm = document.querySelector<HTMLElement>("[data-passkey-login-form]");
  if (supported && autofillInput && loginForm) {
    void browserSupportsWebAuthnAutofill().then((ok) => {
      if (ok) void signIn(loginForm.querySelector("[data-passkey-login]"), loginForm.dataset.redirect ?? "", true);
    });
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
