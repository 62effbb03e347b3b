import { Layout } from "../../layout.tsx";
import type { PageContext } from "../../page-context.ts";
import type { Text } from "../../../src/i18n/message.ts";

/**
 * Errors of the authorization and end-session endpoints that must not be redirected to the client
 * (unknown client, bad callback URL). `detail` is a technical reason for whoever set the client up,
 * shown as it is (not language: a verifier's own words about a token).
 */
export function AuthorizeErrorPage({
  ctx,
  status,
  title,
  message,
  detail,
  clientName,
  redirectUri,
}: {
  ctx: PageContext;
  status: number;
  title: Text;
  message: Text;
  detail?: string;
  clientName?: string;
  redirectUri?: string;
}): JSX.Element {
  const { t } = ctx;
  const heading = ctx.text(title);
  return (
    <Layout ctx={ctx} title={heading} variant="card">
      <section class="card" aria-labelledby="authorize-error-title">
        <p class="eyebrow" safe>{t("common.errorEyebrow", { status })}</p>
        <h1 id="authorize-error-title" safe>
          {heading}
        </h1>
        <p class="lead" safe>
          {ctx.text(message)}
        </p>
        {clientName || redirectUri ? (
          <dl class="details">
            {clientName ? (
              <>
                <dt safe>{t("oidc.applicationLabel")}</dt>
                <dd safe>{clientName}</dd>
              </>
            ) : (
              ""
            )}
            {redirectUri ? (
              <>
                <dt safe>{t("oidc.callbackRequestedLabel")}</dt>
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
        {detail ? (
          <p class="muted small">
            <span safe>{t("oidc.technicalDetail")}</span> <code safe>{detail}</code>
          </p>
        ) : (
          ""
        )}
        <p class="muted small" safe>{t("oidc.nothingShared")}</p>
      </section>
    </Layout>
  );
}
