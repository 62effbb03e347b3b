/**
 * The page a proxy shows for a forward-auth refusal. It is served on the protected app's own host,
 * so every URL in it is absolute (Latchkey's APP_URL) and the route sends a CSP that allows exactly that.
 */
export function ForwardAuthDeniedPage(p: {
  appName: string;
  latchkeyUrl: string;
  cssUrl: string;
  title: string;
  message: string;
  username?: string;
  status: number;
}): JSX.Element {
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <meta name="robots" content="noindex" />
          <title safe>{`${p.title} · ${p.appName}`}</title>
          <link rel="stylesheet" href={p.cssUrl} />
        </head>
        <body class="layout-card">
          <main id="main" class="card-shell">
            <section class="card" aria-labelledby="denied-title">
              <p class="eyebrow" safe>{`Error ${p.status}`}</p>
              <h1 id="denied-title" safe>{p.title}</h1>
              <p class="lead" safe>{p.message}</p>
              {p.username ? (
                <p class="muted small">
                  Signed in as <strong safe>{p.username}</strong>. Ask an administrator to add you to a group that may use this app.
                </p>
              ) : (
                ""
              )}
              <p class="row">
                <a class="btn btn-secondary" href={`${p.latchkeyUrl}/settings/apps`}>
                  Your apps
                </a>
                {p.username ? (
                  <a class="btn btn-ghost" href={`${p.latchkeyUrl}/logout`}>
                    Use another account
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
