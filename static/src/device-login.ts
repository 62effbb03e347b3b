/**
 * "Sign in with another device" (templates/pages/device-login.tsx): waits for the approval, then continues.
 * - POSTs the exchange URL (#device-login[data-exchange]) with the page's CSRF token; the server holds each call up
 *   to 25 s. 200: this browser is signed in, go to data-redirect. 202: nothing decided yet, ask again after
 *   data-interval seconds. 401 / 403: expired or denied: the server's sentence is shown with "Start again".
 * - A network failure, 429 or a 5xx is passing: ask again after the interval (Retry-After when longer).
 * No inline script: loaded from our origin under script-src 'self'.
 */
function csrfToken(): string {
  return document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function stop(root: HTMLElement, message: string): void {
  const error = document.getElementById("device-login-error");
  if (error) {
    error.textContent = message;
    error.hidden = false;
  }
  root.hidden = true;
  const restart = document.getElementById("device-login-restart");
  if (restart) restart.hidden = false;
}

async function waitForApproval(root: HTMLElement): Promise<void> {
  const url = root.dataset.exchange ?? "";
  const interval = Math.max(1, Number(root.dataset.interval) || 3) * 1000;
  const redirect = root.dataset.redirect || "/";
  for (;;) {
    await sleep(interval);
    let res: Response;
    try {
      res = await fetch(url, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json", "X-CSRF-Token": csrfToken() } });
    } catch {
      continue;
    }
    if (res.status === 200) {
      window.location.assign(redirect);
      return;
    }
    if (res.status === 202) continue;
    if (res.status === 401 || res.status === 403) {
      let message = "";
      try {
        const body = (await res.json()) as { message?: unknown };
        if (typeof body.message === "string") message = body.message;
      } catch {
        // no JSON body
      }
      stop(root, message || res.statusText);
      return;
    }
    const retryAfter = Number(res.headers.get("retry-after")) * 1000;
    if (retryAfter > interval) await sleep(retryAfter - interval);
  }
}

function init(): void {
  const root = document.getElementById("device-login");
  if (root?.dataset.exchange) void waitForApproval(root);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
