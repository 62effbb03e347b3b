import { Layout } from "../../layout.tsx";
import type { PageContext } from "../../page-context.ts";
import type { Scope } from "../../../src/oidc/scopes.ts";
import { DecisionButtons, ScopeList } from "./scope-list.tsx";
import { ClientTile, type ClientMark } from "./client-badge.tsx";

export interface ConsentPageProps {
  ctx: PageContext;
  interactionId: string;
  client: ClientMark;
  clientHost: string | null;
  scopes: Scope[];
  userLabel: string;
}

export function ConsentPage({ ctx, interactionId, client, clientHost, scopes, userLabel }: ConsentPageProps): JSX.Element {
  const clientName = client.name;
  return (
    <Layout ctx={ctx} title={`Allow ${clientName}?`} variant="card">
      <section class="card consent" aria-labelledby="consent-title">
        <div class="consent-head">
          <ClientTile client={client} />
          <div>
            <p class="eyebrow">Sign in with <span safe>{ctx.appName}</span></p>
            <h1 id="consent-title">
              Allow <span safe>{clientName}</span>?
            </h1>
          </div>
        </div>
        <p class="lead">
          <span safe>{clientName}</span>
          {clientHost ? (
            <>
              {" "}(<span safe>{clientHost}</span>)
            </>
          ) : (
            ""
          )}{" "}
          wants to use your account <strong safe>{userLabel}</strong>. It will be able to:
        </p>
        <ScopeList scopes={scopes} />
        <form method="post" action="/authorize/consent" class="consent-actions">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <input type="hidden" name="interaction" value={interactionId} />
          <DecisionButtons />
        </form>
        <p class="muted small">You can revoke this later under My apps.</p>
      </section>
    </Layout>
  );
}
