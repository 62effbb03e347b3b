import { Layout } from "../../layout.tsx";
import type { PageContext } from "../../page-context.ts";
import type { Scope } from "../../../src/oidc/scopes.ts";
import type { ResolvedResource } from "../../../src/oidc/resources.ts";
import { DecisionButtons, ScopeList } from "./scope-list.tsx";
import { ClientTile, type ClientMark } from "./client-badge.tsx";
import { bold } from "./rich-parts.tsx";

export interface ConsentPageProps {
  ctx: PageContext;
  interactionId: string;
  client: ClientMark;
  clientHost: string | null;
  scopes: Scope[];
  /** The API the application asks a token for (RFC 8707), with the permissions it asks, or null. */
  resource: ResolvedResource | null;
  /** The person's name and username, as the consent sentence shows them. */
  account: { name: string; username: string } | null;
}

export function ConsentPage({ ctx, interactionId, client, clientHost, scopes, resource, account }: ConsentPageProps): JSX.Element {
  const { t } = ctx;
  const clientName = client.name;
  const accountLabel = account ? t("oidc.accountLabel", account) : "";
  const safeLead = clientHost
    ? ctx.rich("oidc.consentLeadHost", { client: clientName, host: clientHost, account: accountLabel, b: bold })
    : ctx.rich("oidc.consentLead", { client: clientName, account: accountLabel, b: bold });
  return (
    <Layout ctx={ctx} title={t("oidc.consentTitle", { client: clientName })} variant="card">
      <section class="card consent" aria-labelledby="consent-title">
        <div class="consent-head">
          <ClientTile client={client} />
          <div>
            <p class="eyebrow" safe>{t("oidc.consentEyebrow", { appName: ctx.appName })}</p>
            <h1 id="consent-title" safe>
              {t("oidc.consentTitle", { client: clientName })}
            </h1>
          </div>
        </div>
        <p class="lead">{safeLead}</p>
        <ScopeList ctx={ctx} scopes={scopes} resource={resource} />
        <form method="post" action="/authorize/consent" class="consent-actions">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <input type="hidden" name="interaction" value={interactionId} />
          <DecisionButtons ctx={ctx} />
        </form>
        <p class="muted small" safe>{t("oidc.consentRevokeLater")}</p>
      </section>
    </Layout>
  );
}
