/**
 * Admin: protected apps (forward-auth) — list; add and edit in one form with one Save (settings and who
 * may use it); proxy snippets; delete.
 */
import type { PageContext } from "../../page-context.ts";
import type { MessageKey } from "../../../src/i18n/catalog.ts";
import { IDENTITY_HEADERS, type ProtectedApp } from "../../../src/forward-auth/protected-apps.ts";
import { caddySnippet, nginxSnippet, SNIPPET_TRUST, traefikSnippet, type ProxyKind } from "../../../src/forward-auth/proxy-snippets.ts";
import { OneSaveForm, SaveBar } from "../../components/save-bar.tsx";
import { AccessChoice, AdminLayout, Csrf, EmptyState, Field, FormErrors, PageHeader, Toggle } from "./admin-shell.tsx";

const BASE = "/settings/admin/protected-apps";

export interface ProtectedAppFormValues {
  name: string;
  hosts: string;
  pathPrefix: string;
  reauthMaxAgeMinutes: string;
  passHeaders: string[];
  /** Who may use it: everyone with an account, or only members of `allowedGroupIds`. */
  access: "everyone" | "groups";
  allowedGroupIds: string[];
}

export function formValuesOf(app: ProtectedApp, allowedGroupIds: string[]): ProtectedAppFormValues {
  return {
    name: app.name,
    hosts: app.hosts.join("\n"),
    pathPrefix: app.pathPrefix,
    reauthMaxAgeMinutes: app.reauthMaxAgeMinutes === null ? "" : String(app.reauthMaxAgeMinutes),
    passHeaders: app.passHeaders,
    access: app.isGroupRestricted ? "groups" : "everyone",
    allowedGroupIds,
  };
}

export const EMPTY_FORM: ProtectedAppFormValues = { name: "", hosts: "", pathPrefix: "/", reauthMaxAgeMinutes: "", passHeaders: [...IDENTITY_HEADERS], access: "groups", allowedGroupIds: [] };

export type ProtectedAppRow = ProtectedApp & { allowedGroupNames: string[] };

type GroupOption = { id: string; name: string; friendlyName: string };

function accessBadge(ctx: PageContext, a: { isGroupRestricted: boolean; allowedGroupNames: string[] }): JSX.Element {
  const { t } = ctx;
  if (!a.isGroupRestricted) return <span class="badge badge-success" safe>{t("protectedApps.badgeEveryone")}</span>;
  if (a.allowedGroupNames.length === 0) return <span class="badge badge-warning" safe>{t("protectedApps.badgeNobody")}</span>;
  return <span class="badge badge-accent" safe>{a.allowedGroupNames.join(", ")}</span>;
}

export function ProtectedAppsPage(p: { ctx: PageContext; apps: ProtectedAppRow[]; notice?: string }): JSX.Element {
  const { t } = p.ctx;
  return (
    <AdminLayout ctx={p.ctx} title={t("protectedApps.title")}>
      <PageHeader title={t("protectedApps.title")} lead={t("protectedApps.lead")}>
        <a class="btn" href={`${BASE}/new`} safe>{t("protectedApps.add")}</a>
      </PageHeader>
      {p.notice ? <div class="alert alert-success" role="status" safe>{p.notice}</div> : ""}
      <section class="section">
        {p.apps.length === 0 ? (
          <EmptyState title={t("protectedApps.emptyTitle")} text={t("protectedApps.emptyText")} />
        ) : (
          <div class="table-wrap">
            <table class="fa-table">
              <thead>
                <tr>
                  <th scope="col" safe>{t("protectedApps.columnApp")}</th>
                  <th scope="col" safe>{t("protectedApps.columnAddresses")}</th>
                  <th scope="col" safe>{t("protectedApps.columnAccess")}</th>
                </tr>
              </thead>
              <tbody>
                {p.apps.map((a) => (
                  <tr>
                    <td>
                      <a class="title" href={`${BASE}/${a.id}`} safe>{a.name}</a>
                      {a.reauthMaxAgeMinutes !== null ? <span class="fa-note" safe>{t("protectedApps.reauthNote", { minutes: a.reauthMaxAgeMinutes })}</span> : ""}
                    </td>
                    <td>
                      <ul class="fa-hosts">
                        {a.hosts.map((h) => (
                          <li>
                            <code safe>{a.pathPrefix === "/" ? h : `${h}${a.pathPrefix}`}</code>
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>{accessBadge(p.ctx, a)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </AdminLayout>
  );
}

const HEADER_HINTS: Record<string, MessageKey> = {
  "Remote-User": "protectedApps.headerUser",
  "Remote-Groups": "protectedApps.headerGroups",
  "Remote-Email": "protectedApps.headerEmail",
  "Remote-Name": "protectedApps.headerName",
};

/** The app's one form with one Save (add and edit): its addresses, what it receives, and who may use it. */
export function ProtectedAppForm(p: { ctx: PageContext; action: string; values: ProtectedAppFormValues; groups: GroupOption[]; creating: boolean; errors?: Record<string, string>; saved?: boolean; target: string }): JSX.Element {
  const { t } = p.ctx;
  const v = p.values;
  const e = p.errors ?? {};
  const pass = new Set(v.passHeaders);
  return (
    <OneSaveForm ctx={p.ctx} id="protected-app-form" action={p.action} target={p.target} dirty={p.errors !== undefined}>
      <Csrf ctx={p.ctx} />
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <section class="section" aria-labelledby="fa-app-title">
        <h2 id="fa-app-title" safe>{p.creating ? t("protectedApps.formAppTitle") : t("protectedApps.formSettingsTitle")}</h2>
        <Field ctx={p.ctx} name="name" label={t("protectedApps.name")} value={v.name} error={e.name} required maxlength={80} placeholder={t("protectedApps.namePlaceholder")} autofocus={p.creating} />
        <div class="field">
          <label for="f-hosts" safe>{t("protectedApps.hosts")}</label>
          <textarea id="f-hosts" name="hosts" rows="3" spellcheck="false" autocapitalize="off" placeholder={"ha.example.com\n*.media.example.com"} aria-invalid={e.hosts ? "true" : undefined} aria-describedby="f-hosts-hint" safe>
            {v.hosts}
          </textarea>
          {e.hosts ? <p class="error-text" safe>{e.hosts}</p> : ""}
          <p class="hint" id="f-hosts-hint" safe>{t("protectedApps.hostsHint")}</p>
        </div>
        <div class="grid-2">
          <Field ctx={p.ctx} name="pathPrefix" label={t("protectedApps.pathPrefix")} value={v.pathPrefix} error={e.pathPrefix} required maxlength={200} placeholder="/" hint={t("protectedApps.pathPrefixHint")} />
          <Field ctx={p.ctx} name="reauthMaxAgeMinutes" label={t("protectedApps.reauth")} type="number" min="1" value={v.reauthMaxAgeMinutes} error={e.reauthMaxAgeMinutes} hint={t("protectedApps.reauthHint")} />
        </div>
        <fieldset class="fieldset">
          <legend safe>{t("protectedApps.headersTitle")}</legend>
          <input type="hidden" name="passHeaders" value="" />
          <div class="check-grid">
            {IDENTITY_HEADERS.map((h) => (
              <Toggle name="passHeaders" value={h} label={h} checked={pass.has(h)} hint={t(HEADER_HINTS[h]!)} />
            ))}
          </div>
          {e.passHeaders ? <p class="error-text" safe>{e.passHeaders}</p> : ""}
        </fieldset>
      </section>
      <AccessChoice ctx={p.ctx} ns="protectedApps" ids={{ section: "app-groups", title: "app-groups-title", nobody: "app-nobody-allowed" }} restricted={v.access === "groups"} selected={v.allowedGroupIds} groups={p.groups} error={e.userGroupIds ?? e.isGroupRestricted} />
      <SaveBar ctx={p.ctx} saved={p.saved} label={p.creating ? t("protectedApps.create") : undefined} cancelHref={p.creating ? BASE : undefined} />
    </OneSaveForm>
  );
}

export function NewProtectedAppPage(p: { ctx: PageContext; values: ProtectedAppFormValues; groups: GroupOption[]; errors?: Record<string, string> }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title={p.ctx.t("protectedApps.addTitle")}>
      <NewProtectedAppContent ctx={p.ctx} values={p.values} groups={p.groups} errors={p.errors} />
    </AdminLayout>
  );
}

export function NewProtectedAppContent(p: { ctx: PageContext; values: ProtectedAppFormValues; groups: GroupOption[]; errors?: Record<string, string> }): JSX.Element {
  const { t } = p.ctx;
  return (
    <div id="protected-app-page">
      <PageHeader title={t("protectedApps.addTitle")} lead={t("protectedApps.addLead")} back={{ href: BASE, label: t("protectedApps.title") }} />
      <ProtectedAppForm ctx={p.ctx} action={BASE} values={p.values} groups={p.groups} creating target="#protected-app-page" errors={p.errors} />
    </div>
  );
}

export interface ProtectedAppDetail {
  app: ProtectedApp;
  values: ProtectedAppFormValues;
  groups: GroupOption[];
  appUrl: string;
  upstream: string;
  /** TRUST_PROXY is unset: every snippet's headers would be ignored. */
  trustProxyUnset: boolean;
}

export function ProtectedAppDetailPage(p: { ctx: PageContext; d: ProtectedAppDetail; created?: boolean; saved?: boolean; errors?: Record<string, string> }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title={p.d.app.name}>
      <ProtectedAppDetailContent {...p} />
    </AdminLayout>
  );
}

/** The page below the navigation, re-rendered as a whole after a save (the snippets follow the settings). */
export function ProtectedAppDetailContent(p: { ctx: PageContext; d: ProtectedAppDetail; created?: boolean; saved?: boolean; errors?: Record<string, string> }): JSX.Element {
  const { t } = p.ctx;
  const a = p.d.app;
  return (
    <div id="protected-app-page">
      <PageHeader title={a.name} lead={a.hosts.join(", ")} back={{ href: BASE, label: t("protectedApps.title") }} />
      {p.created ? (
        <div class="alert alert-success" role="status" safe>
          {t("protectedApps.created")}
        </div>
      ) : (
        ""
      )}
      <div class="stack">
        <ProxySnippets ctx={p.ctx} d={p.d} />
        <ProtectedAppForm ctx={p.ctx} action={`${BASE}/${a.id}`} values={p.d.values} groups={p.d.groups} creating={false} saved={p.saved} errors={p.errors} target="#protected-app-page" />
        <section class="section danger-zone">
          <h2 safe>{t("protectedApps.deleteTitle")}</h2>
          <p class="muted small" safe>{t("protectedApps.deleteText")}</p>
          <form method="post" action={`${BASE}/${a.id}/delete`} hx-post={`${BASE}/${a.id}/delete`} hx-confirm={t("protectedApps.deleteConfirm", { name: a.name })} data-leaves-page>
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-danger" safe>{t("protectedApps.deleteButton")}</button>
          </form>
        </section>
      </div>
    </div>
  );
}

function Snippet({ ctx, text }: { ctx: PageContext; text: string }): JSX.Element {
  return (
    <div class="snippet">
      <pre><code safe>{text}</code></pre>
      <button type="button" class="btn btn-secondary btn-sm" data-copy={text} safe>{ctx.t("protectedApps.copy")}</button>
    </div>
  );
}

const TRUST_TEXT: Record<ProxyKind, { headers: MessageKey; from: MessageKey }> = {
  caddy: { headers: "protectedApps.trustHeadersForwarded", from: "protectedApps.trustFromCaddy" },
  traefik: { headers: "protectedApps.trustHeadersForwarded", from: "protectedApps.trustFromTraefik" },
  nginx: { headers: "protectedApps.trustHeadersOriginal", from: "protectedApps.trustFromNginx" },
};

/** Which URL the snippet calls, which headers Latchkey then believes and from whom. */
function TrustNote({ ctx, kind, appId }: { ctx: PageContext; kind: ProxyKind; appId: string }): JSX.Element {
  const { t } = ctx;
  const url = SNIPPET_TRUST[kind].url(appId);
  const safeUrlNote = ctx.rich("protectedApps.trustUrlNote", { url: (x) => `<code>${x}</code>`, path: url });
  return (
    <dl class="fa-trust" data-trust={kind}>
      <dt safe>{t("protectedApps.trustUrl")}</dt>
      <dd>{safeUrlNote}</dd>
      <dt safe>{t("protectedApps.trustHeaders")}</dt>
      <dd safe>{t(TRUST_TEXT[kind].headers)}</dd>
      <dt safe>{t("protectedApps.trustFrom")}</dt>
      <dd safe>{t(TRUST_TEXT[kind].from)}</dd>
    </dl>
  );
}

export function ProxySnippets({ ctx, d }: { ctx: PageContext; d: ProtectedAppDetail }): JSX.Element {
  const { t } = ctx;
  const input = { appId: d.app.id, appUrl: d.appUrl, upstream: d.upstream, hosts: d.app.hosts, pathPrefix: d.app.pathPrefix, passHeaders: d.app.passHeaders };
  const groups: { kind: ProxyKind; title: MessageKey; text: string }[] = [
    { kind: "caddy", title: "protectedApps.snippetCaddy", text: caddySnippet(input) },
    { kind: "traefik", title: "protectedApps.snippetTraefik", text: traefikSnippet(input) },
    { kind: "nginx", title: "protectedApps.snippetNginx", text: nginxSnippet(input) },
  ];
  const code = (x: string) => `<code>${x}</code>`;
  const safeLead = ctx.rich(d.app.pathPrefix === "/" ? "protectedApps.proxyLeadAll" : "protectedApps.proxyLeadPrefix", {
    upstream: d.upstream,
    prefix: d.app.pathPrefix,
    code,
    up: code,
    pre: code,
  });
  const safeTrustWarning = ctx.rich("protectedApps.trustProxyUnset", { strong: (x) => `<strong>${x}</strong>` });
  return (
    <section class="section fa-snippets" aria-labelledby="proxy-title">
      <h2 id="proxy-title" safe>{t("protectedApps.proxyTitle")}</h2>
      <p class="muted small">{safeLead}</p>
      {d.trustProxyUnset ? (
        <div class="alert alert-warning" role="status">
          {safeTrustWarning}
        </div>
      ) : (
        ""
      )}
      {groups.map((g, n) => (
        <details class="snippet-group" open={n === 0}>
          <summary safe>{t(g.title)}</summary>
          <TrustNote ctx={ctx} kind={g.kind} appId={d.app.id} />
          <Snippet ctx={ctx} text={g.text} />
        </details>
      ))}
    </section>
  );
}
