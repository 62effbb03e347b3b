import { Layout } from "../../layout.tsx";
import type { PageContext } from "../../page-context.ts";

/** Errors of the authorization endpoint that must not be redirected to the client (unknown client, bad callback URL). */
export function AuthorizeErrorPage({
  ctx,
  status,
  title,
  message,
  clientName,
  redirectUri,
}: {
  ctx: PageContext;
  status: number;
  title: string;
  message: string;
  clientName?: string;
  redirectUri?: string;
}): JSX.Element {
  return (
    <Layout ctx={ctx} title={title} variant="card">
      <section class="card" aria-labelledby="authorize-error-title">
        <p class="eyebrow">Error <span safe>{String(status)}</span></p>
        <h1 id="authorize-error-title" safe>
          {title}
        </h1>
        <p class="lead" safe>
          {message}
        </p>
        {clientName || redirectUri ? (
          <dl class="details">
            {clientName ? (
              <>
                <dt>Application</dt>
                <dd safe>{clientName}</dd>
              </>
            ) : (
              ""
            )}
            {redirectUri ? (
              <>
                <dt>Callback URL requested</dt>
                <dd>
                  <code safe>{redirectUri}</code>
                </dd>
              </>
            ) : (
              ""
            )}
          </dl>
        ) : (
          ""
        )}
        <p class="muted small">Nothing was shared with the application.</p>
      </section>
    </Layout>
  );
}
