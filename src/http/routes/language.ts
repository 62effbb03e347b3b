/**
 * The language picker's form (templates/components/language-picker.tsx), on the sign-in and account
 * pages: the choice is kept in a cookie for this browser and, for a signed-in person, on their account
 * (so emails and other browsers follow it). Answers with a redirect back to the page it came from
 * (a local path only).
 */
import { Elysia } from "elysia";
import { parseLanguageChoice, setOwnLanguage } from "../../account/language.ts";
import { safeLocalPath } from "../../lib/local-path.ts";
import { cookieName, serializeCookie } from "../cookies.ts";
import { text } from "../form-fields.ts";
import { LOCALE_COOKIE } from "../locale.ts";
import { routePolicy } from "../plugins/route-policy.ts";
import { addResponseCookie, currentSession } from "../request-context.ts";
import { navigate } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";

const ONE_YEAR = 365 * 86400;

export function languageRoutes(web: WebDeps) {
  return new Elysia({ name: "language" })
    .use(routePolicy(web))
    .post("/language", ({ request, body }) => {
      const locale = parseLanguageChoice(text(body, "locale"));
      const session = currentSession(web, request);
      if (session) setOwnLanguage(web, session.userId, locale);
      addResponseCookie(request, serializeCookie(web.config, cookieName(web.config, LOCALE_COOKIE), locale, { maxAge: ONE_YEAR }));
      return navigate(request, safeLocalPath(text(body, "returnTo")) ?? "/");
    });
}
