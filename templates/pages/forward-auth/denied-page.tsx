import type { Text } from "../../../src/i18n/message.ts";
import type { Translator } from "../../../src/i18n/translator.ts";

/**
 * The page a proxy shows for a forward-auth refusal. It is served on the protected app's own host,
 * so every URL in it is absolute (Latchkey's APP_URL) and the route sends a CSP that allows exactly that.
 * It speaks the language the browser asks for (the proxy passes Accept-Language on; Latchkey's own
 * cookies do not reach this host).
 */
export function ForwardAuthDeniedPage(p: {
  i18n: Translator;
  appName: string;
  latchkeyUrl: string;
  cssUrl: string;
  title: Text;
  message: Text;
  username?: string;
  status: number;
}): JSX.Element {
  const { t } = p.i18n;
  const title = p.i18n.text(p.title);
  const safeSignedInAs = p.username ? p.i18n.rich("forwardAuth.signedInAs", { username: p.username, b: (text) => `<strong>${text}</strong>` }) : "";
  return (
    <>
      {"<!doctype html>"}
      <html lang={p.i18n.lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <meta name="robots" content="noindex" />
          <title safe>{t("common.titleSuffix", { title, appName: p.appName })}</title>
          <link rel="stylesheet" href={p.cssUrl} />
        </head>
        <body class="layout-card">
          <main id="main" class="card-shell">
            <section class="card" aria-labelledby="denied-title">
              <p class="eyebrow" safe>{t("common.errorEyebrow", { status: p.status })}</p>
              <h1 id="denied-title" safe>{title}</h1>
              <p class="lead" safe>{p.i18n.text(p.message)}</p>
              {p.username ? <p class="muted small">{safeSignedInAs}</p> : ""}
              <p class="row">
                <a class="btn btn-secondary" href={`${p.latchkeyUrl}/settings/apps`} safe>
                  {t("forwardAuth.yourApps")}
                </a>
                {p.username ? (
                  <a class="btn btn-ghost" href={`${p.latchkeyUrl}/logout`} safe>
                    {t("forwardAuth.useAnotherAccount")}
                  </a>
                ) : (
                  ""
                )}
              </p>
            </section>
          </main>
        </body>
      </html>
    </>
  );
}
