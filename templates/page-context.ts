import type { DisplayLocale } from "../src/i18n/locales.ts";
import type { Translator } from "../src/i18n/translator.ts";

/** What every page needs from the request: branding, the CSRF token, the signed-in user, asset URLs, the viewer's language. */
export interface PageUser {
  id: string;
  username: string;
  displayName: string;
  isAdmin: boolean;
  /** The person's own language setting (a tag as stored), or null. */
  locale: string | null;
}

export interface PageContext {
  appName: string;
  csrfToken: string;
  user: PageUser | null;
  currentPath: string;
  /** Path and query of the page, for forms that come back to it (the language picker). */
  currentUrl: string;
  asset: (name: string) => string;
  /** The language the page is in. */
  locale: DisplayLocale;
  /** Catalogue text (plain: put it in a `safe` element or an attribute). */
  t: Translator["t"];
  /** Catalogue HTML for a sentence with markup inside; its text is escaped. */
  rich: Translator["rich"];
  /** What the domain said (a Message or a plain string), in the page's language. */
  text: Translator["text"];
  formatNumber: Translator["formatNumber"];
  i18n: Translator;
  /** The IANA time zone dates are shown in. */
  timeZone: string;
  /** The cookie static/js/app.js keeps the browser's time zone in. */
  timeZoneCookie: string;
  /** Now, in Unix seconds (for "5 minutes ago"). */
  now: number;
}
