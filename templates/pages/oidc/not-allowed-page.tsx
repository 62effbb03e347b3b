import { Layout } from "../../layout.tsx";
import type { PageContext } from "../../page-context.ts";
import { ClientTile, type ClientMark } from "./client-badge.tsx";
import { bold } from "./rich-parts.tsx";

/** `noGroups`: the client has no allowed groups and is not unrestricted, so it admits nobody yet. */
export function NotAllowedPage({ ctx, client, noGroups = false }: { ctx: PageContext; client: ClientMark; noGroups?: boolean }): JSX.Element {
  const { t } = ctx;
  const safeLead = ctx.rich(noGroups ? "oidc.notAllowedNoGroups" : "oidc.notAllowedNotInGroup", { client: client.name, b: bold });
  return (
    <Layout ctx={ctx} title={t("oidc.notAllowedTitle")} variant="card">
      <section class="card" aria-labelledby="not-allowed-title">
        <ClientTile client={client} />
        <p class="eyebrow" safe>{t("common.errorEyebrow", { status: 403 })}</p>
        <h1 id="not-allowed-title" safe>{t("oidc.notAllowedHeading")}</h1>
        <p class="lead">{safeLead}</p>
        <div class="row">
          <a class="btn btn-secondary" href="/settings/account" safe>
            {t("oidc.goToAccount")}
          </a>
        </div>
      </section>
    </Layout>
  );
}
