import type { Deps } from "../deps.ts";
import { readAppConfig } from "../admin/app-config.ts";
import { findUser } from "../admin/users.ts";
import { translatorFor, type Translator } from "../i18n/translator.ts";
import { nowSeconds } from "../lib/clock.ts";
import { safeLocalPath } from "../lib/local-path.ts";
import type { PageContext, PageUser } from "../../templates/page-context.ts";
import type { AssetRegistry } from "./assets.ts";
import { cookieName } from "./cookies.ts";
import { requestLocale, requestTimeZone, TIME_ZONE_COOKIE } from "./locale.ts";
import { csrfTokenFor, currentSession } from "./request-context.ts";

export function displayNameOf(u: { firstName: string; lastName: string; displayName: string; username: string }): string {
  return u.displayName || [u.firstName, u.lastName].filter(Boolean).join(" ") || u.username;
}

export function buildPageContext(deps: Deps, assets: AssetRegistry, request: Request): PageContext {
  const session = currentSession(deps, request);
  const user = session ? findUser(deps.db, session.userId) : null;
  const appConfig = readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
  const pageUser: PageUser | null = user ? { id: user.id, username: user.username, displayName: displayNameOf(user), isAdmin: user.isAdmin, locale: user.locale } : null;
  return pageContextFor(deps, assets, request, { appName: appConfig.appName, csrfToken: csrfTokenFor(deps, request), user: pageUser });
}

/**
 * This page's path and query for a form that comes back to it (the language picker): a `redirect`
 * parameter that is not a local path is left out, so a hostile value is never carried into the page.
 */
function returnPathOf(url: URL): string {
  const params = new URLSearchParams(url.search);
  for (const value of params.getAll("redirect")) {
    if (safeLocalPath(value) === null) {
      params.delete("redirect");
      break;
    }
  }
  const query = params.toString();
  return query ? `${url.pathname}?${query}` : url.pathname;
}

/** The request's translator, for answers that are not whole pages (a form's field messages, an error). */
export function requestTranslator(deps: Deps, request: Request): Translator {
  const session = currentSession(deps, request);
  const user = session ? findUser(deps.db, session.userId) : null;
  return translatorFor(requestLocale(deps, request, user?.locale));
}

/** The page context from what is already known (the error page builds one even when the database fails). */
export function pageContextFor(deps: Deps, assets: AssetRegistry, request: Request, known: { appName: string; csrfToken: string; user: PageUser | null }): PageContext {
  const url = new URL(request.url);
  const i18n = translatorFor(requestLocale(deps, request, known.user?.locale));
  return {
    ...known,
    currentPath: url.pathname,
    currentUrl: returnPathOf(url),
    asset: (name) => assets.url(name),
    locale: i18n.locale,
    t: i18n.t,
    rich: i18n.rich,
    text: i18n.text,
    formatNumber: i18n.formatNumber,
    i18n,
    timeZone: requestTimeZone(deps, request),
    timeZoneCookie: cookieName(deps.config, TIME_ZONE_COOKIE),
    now: nowSeconds(deps.clock),
  };
}
