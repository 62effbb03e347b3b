/**
 * Which language and time zone a request is answered in.
 * - Language: the signed-in person's own setting (users.locale), then the language picker's cookie,
 *   then Accept-Language, then English. The pseudo-locale answers only in a test app that allows it.
 * - Time zone: the browser's, which static/js/app.js stores in a cookie; UTC until it has.
 */
import type { Deps } from "../deps.ts";
import { DEFAULT_LOCALE, matchLocale, negotiateLocale, PSEUDO_LOCALE, type DisplayLocale } from "../i18n/locales.ts";
import { cookieName, readCookie } from "./cookies.ts";

export const LOCALE_COOKIE = "latchkey_locale";
export const TIME_ZONE_COOKIE = "latchkey_tz";

export function requestLocale(deps: Deps, request: Request, userLocale: string | null | undefined): DisplayLocale {
  if (deps.pseudoLocale && (request.headers.get("accept-language") ?? "").trim() === PSEUDO_LOCALE) return PSEUDO_LOCALE;
  return matchLocale(userLocale) ?? matchLocale(readCookie(request, cookieName(deps.config, LOCALE_COOKIE))) ?? negotiateLocale(request.headers.get("accept-language")) ?? DEFAULT_LOCALE;
}

const validZones = new Map<string, boolean>();

/** The viewer's IANA time zone from the cookie app.js sets, when it is one this runtime knows; else UTC. */
export function requestTimeZone(deps: Deps, request: Request): string {
  const raw = readCookie(request, cookieName(deps.config, TIME_ZONE_COOKIE));
  if (!raw || raw.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(raw)) return "UTC";
  let ok = validZones.get(raw);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: raw });
      ok = true;
    } catch {
      ok = false;
    }
    if (validZones.size < 1000) validZones.set(raw, ok);
  }
  return ok ? raw : "UTC";
}
