/** /settings/apps: the apps this person may open, and the apps they have authorized (revocable). */
import { Layout } from "../../layout.tsx";
import type { PageContext } from "../../page-context.ts";
import { Csrf, EmptyState } from "../admin/admin-shell.tsx";
import { DateTime } from "../../components/date-time.tsx";
import { ClientIcon } from "../../components/client-icon.tsx";

/** An app the person may open: an OIDC client, or a protected (forward-auth) app with its `host`. */
export type LaunchableApp = { id: string; name: string; description: string; launchUrl: string | null; hasLogo: boolean; host?: string | null };
export type AuthorizedApp = { id: string; name: string; scopes: string[]; lastUsedAt: number; hasLogo: boolean };

export function MyAppsPage(p: { ctx: PageContext; apps: LaunchableApp[]; authorized: AuthorizedApp[] }): JSX.Element {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("myApps.title")}>
      <div class="page-header">
        <div>
          <h1 safe>{t("myApps.title")}</h1>
          <p class="muted" safe>{t("myApps.intro")}</p>
        </div>
      </div>
      <div class="stack">
        <section class="section" aria-labelledby="apps-title">
          <h2 id="apps-title" class="sr-only" safe>{t("myApps.appsHeading")}</h2>
          {p.apps.length === 0 ? (
            <EmptyState title={t("myApps.emptyTitle")} text={t("myApps.emptyText")} />
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
                      {a.host ? <div class="meta" safe>{a.host}</div> : <div class="meta" safe>{t("myApps.opensFromApp")}</div>}
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
  const { t } = p.ctx;
  return (
    <section class="section" id="authorized-apps" aria-labelledby="authorized-title">
      <h2 id="authorized-title" safe>{t("myApps.authorizedTitle")}</h2>
      <p class="muted small" safe>{t("myApps.authorizedIntro")}</p>
      {p.authorized.length === 0 ? (
        <p class="muted small" safe>{t("myApps.authorizedNone")}</p>
      ) : (
        <ul class="list">
          {p.authorized.map((a) => (
            <li class="list-item">
              <ClientIcon app={a} />
              <div class="grow">
                <div class="title" safe>{a.name}</div>
                <AuthorizedMeta ctx={p.ctx} app={a} />
              </div>
              <div class="actions">
                <form method="post" action={`/settings/apps/${encodeURIComponent(a.id)}/revoke`} hx-post={`/settings/apps/${encodeURIComponent(a.id)}/revoke`} hx-target="#authorized-apps" hx-swap="outerHTML" hx-confirm={t("myApps.revokeConfirm", { app: a.name })}>
                  <Csrf ctx={p.ctx} />
                  <button type="submit" class="btn btn-secondary btn-sm" safe>{t("myApps.revoke")}</button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The scopes an app holds (protocol names, not translated) and when it was last used. */
function AuthorizedMeta({ ctx, app }: { ctx: PageContext; app: AuthorizedApp }): JSX.Element {
  const safeMeta = ctx.rich("myApps.lastUsed", { scopes: app.scopes.join(", ") || "openid", when: () => String(<DateTime ctx={ctx} at={app.lastUsedAt} />) });
  return <div class="meta">{safeMeta}</div>;
}
