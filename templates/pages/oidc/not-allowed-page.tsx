import { Layout } from "../../layout.tsx";
import type { PageContext } from "../../page-context.ts";
import { ClientTile, type ClientMark } from "./client-badge.tsx";

/** `noGroups`: the client has no allowed groups and is not unrestricted, so it admits nobody yet. */
export function NotAllowedPage({ ctx, client, noGroups = false }: { ctx: PageContext; client: ClientMark; noGroups?: boolean }): JSX.Element {
  const clientName = client.name;
  return (
    <Layout ctx={ctx} title="Not allowed" variant="card">
      <section class="card" aria-labelledby="not-allowed-title">
        <ClientTile client={client} />
        <p class="eyebrow">Error 403</p>
        <h1 id="not-allowed-title">You are not allowed to access this service</h1>
        {noGroups ? (
          <p class="lead">
            Nobody may use <strong safe>{clientName}</strong> yet: an administrator has to choose which groups may use it, or open it
            to everyone.
          </p>
        ) : (
          <p class="lead">
            Your account is not in a group that may use <strong safe>{clientName}</strong>. If you need access, ask an administrator to
            add you to one of its allowed groups.
          </p>
        )}
        <div class="row">
          <a class="btn btn-secondary" href="/settings/account">
            Go to my account
          </a>
        </div>
      </section>
    </Layout>
  );
}
