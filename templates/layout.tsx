import type { Children } from "@kitajs/html";
import type { PageContext } from "./page-context.ts";
import { LanguagePicker } from "./components/language-picker.tsx";

// htmx reads its configuration from this meta tag at load: no eval, no inline styles, same-origin only,
// and 4xx answers are swapped (422 re-renders a form; the server retargets other errors to #flash).
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[4]..", swap: true, error: false },
    { code: "[5]..", swap: true, error: true },
  ],
});

export interface LayoutProps {
  ctx: PageContext;
  title: string;
  /** Narrow centred card (sign-in, setup) instead of the settings shell. */
  variant?: "card" | "app";
  /** Extra static scripts (by asset name), e.g. passkey.js. */
  scripts?: string[];
  children?: Children;
}

export function Layout({ ctx, title, variant = "app", scripts = [], children }: LayoutProps): JSX.Element {
  const csrfHeaders = JSON.stringify({ "X-CSRF-Token": ctx.csrfToken });
  const { t } = ctx;
  return (
    <>
      {"<!doctype html>"}
      <html lang={ctx.i18n.lang} data-tz={ctx.timeZone} data-tz-cookie={ctx.timeZoneCookie} data-copied={t("common.copied")}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <meta name="csrf-token" content={ctx.csrfToken} />
          <meta name="htmx-config" content={HTMX_CONFIG} />
          <title safe>{t("common.titleSuffix", { title, appName: ctx.appName })}</title>
          <link rel="icon" href={ctx.asset("favicon.svg")} type="image/svg+xml" />
          {/* An uploaded favicon (Administration → Configuration) wins: browsers use the last icon. */}
          <link rel="icon" href="/branding/favicon" />
          <link rel="stylesheet" href={ctx.asset("app.css")} />
          <link rel="stylesheet" href="/branding.css" />
          <script src={ctx.asset("htmx.min.js")} defer></script>
          <script src={ctx.asset("app.js")} defer></script>
          {scripts.map((s) => (
            <script src={ctx.asset(s)} defer></script>
          ))}
        </head>
        <body hx-headers={csrfHeaders} class={`layout-${variant}`}>
          {variant === "app" && ctx.user ? <AppHeader ctx={ctx} /> : ""}
          <main id="main" class={variant === "card" ? "card-shell" : "app-shell"}>
            <div id="flash" role="status" aria-live="polite"></div>
            {children}
          </main>
          {variant === "card" ? (
            <footer class="card-footer">
              <LanguagePicker ctx={ctx} compact />
            </footer>
          ) : (
            ""
          )}
        </body>
      </html>
    </>
  );
}

function AppHeader({ ctx }: { ctx: PageContext }): JSX.Element {
  const { t } = ctx;
  const link = (href: string, label: string) => (
    <a href={href} class={ctx.currentPath.startsWith(href) ? "nav-link active" : "nav-link"} aria-current={ctx.currentPath.startsWith(href) ? "page" : undefined} safe>
      {label}
    </a>
  );
  return (
    <header class="topbar">
      <a class="brand" href="/settings/account">
        <picture>
          <source srcset="/branding/logo?light=false" media="(prefers-color-scheme: dark)" />
          <img src="/branding/logo" alt="" width="24" height="24" />
        </picture>
        <span data-brand-name safe>{ctx.appName}</span>
      </a>
      {/* A menu on phones (a <details>: no script needed); the stylesheet shows the links inline when they fit. */}
      <details class="nav-menu">
        <summary class="menu-toggle">
          <span class="menu-toggle-label" safe>{t("common.menu")}</span>
        </summary>
        <nav class="nav" aria-label={t("common.mainNavigation")}>
          {link("/settings/account", t("common.navAccount"))}
          {link("/settings/apps", t("common.navApps"))}
          {link("/settings/audit-log", t("common.navActivity"))}
          {ctx.user?.isAdmin ? link("/settings/admin", t("common.navAdministration")) : ""}
        </nav>
      </details>
      <form method="post" action="/logout" class="signout">
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        <span class="who" safe>{ctx.user?.displayName}</span>
        <button type="submit" class="btn btn-ghost btn-sm" safe>
          {t("common.signOut")}
        </button>
      </form>
    </header>
  );
}
