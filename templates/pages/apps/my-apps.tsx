/** /settings/apps: the apps this person may open, and the apps they have authorized (revocable). */
import { Layout } from "../../layout.tsx";
import type { PageContext } from "../../page-context.ts";
import { Csrf, EmptyState, formatDay } from "../admin/admin-shell.tsx";
import { ClientIcon } from "../../components/client-icon.tsx";

/** An app the person may open: an OIDC client, or a protected (forward-auth) app with its `host`. */
export type LaunchableApp = { id: string; name: string; description: string; launchUrl: string | null; hasLogo: boolean; host?: string | null };
export type AuthorizedApp = { id: string; name: string; scopes: string[]; lastUsedAt: number; hasLogo: boolean };

export function MyAppsPage(p: { ctx: PageContext; apps: LaunchableApp[]; authorized: AuthorizedApp[] }): JSX.Element {
  return (
    <Layout ctx={p.ctx} title="My apps">
      <div class="page-header">
        <div>
          <h1>My apps</h1>
          <p class="muted">The applications you can sign in to with your passkey.</p>
        </div>
      </div>
      <div class="stack">
        <section class="section" aria-labelledby="apps-title">
          <h2 id="apps-title" class="sr-only">Apps</h2>
          {p.apps.length === 0 ? (
            <EmptyState title="No apps yet" text="Your administrator has not given you access to any application." />
          ) : (
            <div class="app-grid">
              {p.apps.map((a) =>
                a.launchUrl ? (
                  <a class="app-card" href={a.launchUrl} rel="noopener noreferrer" target="_blank">
                    <ClientIcon app={a} />
                    <div>
                      <div class="title" safe>{a.name}</div>
                      <div class="meta" safe>{a.description || new URL(a.launchUrl).host}</div>
                    </div>
                  </a>
                ) : (
                  <div class="app-card">
                    <ClientIcon app={a} />
                    <div>
                      <div class="title" safe>{a.name}</div>
                      {a.host ? <div class="meta" safe>{a.host}</div> : <div class="meta">Opens from the app itself</div>}
                    </div>
                  </div>
                ),
              )}
            </div>
          )}
        </section>
        <AuthorizedAppsSection ctx={p.ctx} authorized={p.authorized} />
      </div>
    </Layout>
  );
}

export function AuthorizedAppsSection(p: { ctx: PageContext; authorized: AuthorizedApp[] }): JSX.Element {
  return (
    <section class="section" id="authorized-apps" aria-labelledby="authorized-title">
      <h2 id="authorized-title">Authorized apps</h2>
      <p class="muted small">Apps you allowed to see your account. Revoking signs the app out and it will ask again next time.</p>
      {p.authorized.length === 0 ? (
        <p class="muted small">You have not authorized any app yet.</p>
      ) : (
        <ul class="list">
          {p.authorized.map((a) => (
            <li class="list-item">
              <ClientIcon app={a} />
              <div class="grow">
                <div class="title" safe>{a.name}</div>
                <div class="meta" safe>{`${a.scopes.join(", ") || "openid"} · last used ${formatDay(a.lastUsedAt)}`}</div>
              </div>
              <div class="actions">
                <form method="post" action={`/settings/apps/${encodeURIComponent(a.id)}/revoke`} hx-post={`/settings/apps/${encodeURIComponent(a.id)}/revoke`} hx-target="#authorized-apps" hx-swap="outerHTML" hx-confirm={`Revoke access for ${a.name}? You will be signed out of it.`}>
                  <Csrf ctx={p.ctx} />
                  <button type="submit" class="btn btn-secondary btn-sm">Revoke access</button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
