/** Admin: protected apps (forward-auth) — list, add, detail (settings, allowed groups, proxy snippets, delete). */
import type { PageContext } from "../../page-context.ts";
import { IDENTITY_HEADERS, type ProtectedApp } from "../../../src/forward-auth/protected-apps.ts";
import { caddySnippet, nginxSnippet, SNIPPET_TRUST, traefikSnippet, type ProxyKind } from "../../../src/forward-auth/proxy-snippets.ts";
import { AdminLayout, Csrf, EmptyState, Field, FormErrors, GroupCheckboxes, PageHeader, Toggle } from "./admin-shell.tsx";

const BASE = "/settings/admin/protected-apps";

export interface ProtectedAppFormValues {
  name: string;
  hosts: string;
  pathPrefix: string;
  reauthMaxAgeMinutes: string;
  passHeaders: string[];
}

export function formValuesOf(app: ProtectedApp): ProtectedAppFormValues {
  return {
    name: app.name,
    hosts: app.hosts.join("\n"),
    pathPrefix: app.pathPrefix,
    reauthMaxAgeMinutes: app.reauthMaxAgeMinutes === null ? "" : String(app.reauthMaxAgeMinutes),
    passHeaders: app.passHeaders,
  };
}

export const EMPTY_FORM: ProtectedAppFormValues = { name: "", hosts: "", pathPrefix: "/", reauthMaxAgeMinutes: "", passHeaders: [...IDENTITY_HEADERS] };

export type ProtectedAppRow = ProtectedApp & { allowedGroupNames: string[] };

function accessBadge(a: { isGroupRestricted: boolean; allowedGroupNames: string[] }): JSX.Element {
  if (!a.isGroupRestricted) return <span class="badge badge-success">Everyone</span>;
  if (a.allowedGroupNames.length === 0) return <span class="badge badge-warning">Nobody yet</span>;
  return <span class="badge badge-accent" safe>{a.allowedGroupNames.join(", ")}</span>;
}

export function ProtectedAppsPage(p: { ctx: PageContext; apps: ProtectedAppRow[]; notice?: string }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title="Protected apps">
      <PageHeader title="Protected apps" lead="Apps without a login of their own, guarded by your reverse proxy and a passkey (forward-auth).">
        <a class="btn" href={`${BASE}/new`}>Add protected app</a>
      </PageHeader>
      {p.notice ? <div class="alert alert-success" role="status" safe>{p.notice}</div> : ""}
      <section class="section">
        {p.apps.length === 0 ? (
          <EmptyState title="No protected apps yet" text="Add one, then paste the Caddy, Traefik or nginx snippet from its page into your proxy." />
        ) : (
          <div class="table-wrap">
            <table class="fa-table">
              <thead>
                <tr>
                  <th scope="col">App</th>
                  <th scope="col">Addresses</th>
                  <th scope="col">Who may use it</th>
                </tr>
              </thead>
              <tbody>
                {p.apps.map((a) => (
                  <tr>
                    <td>
                      <a class="title" href={`${BASE}/${a.id}`} safe>{a.name}</a>
                      {a.reauthMaxAgeMinutes !== null ? <span class="fa-note" safe>{`Passkey again after ${a.reauthMaxAgeMinutes} min`}</span> : ""}
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
                    <td>{accessBadge(a)}</td>
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

export function ProtectedAppForm(p: { ctx: PageContext; action: string; values: ProtectedAppFormValues; creating: boolean; errors?: Record<string, string>; saved?: boolean; target: string }): JSX.Element {
  const v = p.values;
  const e = p.errors ?? {};
  const pass = new Set(v.passHeaders);
  return (
    <form id="protected-app-form" class="section" method="post" action={p.action} hx-post={p.action} hx-target={p.target} hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      <h2>{p.creating ? "App" : "Settings"}</h2>
      {p.saved ? <div class="alert alert-success" role="status" data-autofocus tabindex="-1">Saved.</div> : ""}
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <Field name="name" label="Name" value={v.name} error={e.name} required maxlength={80} placeholder="Home Assistant" autofocus={p.creating} />
      <div class="field">
        <label for="f-hosts">Hosts</label>
        <textarea id="f-hosts" name="hosts" rows="3" spellcheck="false" autocapitalize="off" placeholder={"ha.example.com\n*.media.example.com"} aria-invalid={e.hosts ? "true" : undefined} aria-describedby="f-hosts-hint" safe>
          {v.hosts}
        </textarea>
        {e.hosts ? <p class="error-text" safe>{e.hosts}</p> : ""}
        <p class="hint" id="f-hosts-hint">One per line. A host may carry a port (app.example.com:8443) or start with *. for every subdomain.</p>
      </div>
      <div class="grid-2">
        <Field name="pathPrefix" label="Path prefix" value={v.pathPrefix} error={e.pathPrefix} required maxlength={200} placeholder="/" hint="Only this path and below are protected; / for the whole site." />
        <Field name="reauthMaxAgeMinutes" label="Ask for the passkey again after (minutes)" type="number" min="1" value={v.reauthMaxAgeMinutes} error={e.reauthMaxAgeMinutes} hint="Leave empty to accept any signed-in session." />
      </div>
      <fieldset class="fieldset">
        <legend>Identity headers passed to the app</legend>
        <input type="hidden" name="passHeaders" value="" />
        <div class="check-grid">
          {IDENTITY_HEADERS.map((h) => (
            <Toggle name="passHeaders" value={h} label={h} checked={pass.has(h)} hint={HEADER_HINTS[h]} />
          ))}
        </div>
        {e.passHeaders ? <p class="error-text" safe>{e.passHeaders}</p> : ""}
      </fieldset>
      <div class="form-actions">
        {p.creating ? <a class="btn btn-secondary" href={BASE}>Cancel</a> : ""}
        <button type="submit" class="btn">{p.creating ? "Save" : "Save changes"}</button>
      </div>
    </form>
  );
}

const HEADER_HINTS: Record<string, string> = {
  "Remote-User": "The username",
  "Remote-Groups": "Group names, comma-separated",
  "Remote-Email": "The email address",
  "Remote-Name": "The display name",
};

export function NewProtectedAppPage(p: { ctx: PageContext; values: ProtectedAppFormValues; errors?: Record<string, string> }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title="Add protected app">
      <NewProtectedAppContent ctx={p.ctx} values={p.values} errors={p.errors} />
    </AdminLayout>
  );
}

export function NewProtectedAppContent(p: { ctx: PageContext; values: ProtectedAppFormValues; errors?: Record<string, string> }): JSX.Element {
  return (
    <div id="protected-app-page">
      <PageHeader title="Add protected app" lead="Restricted by default: choose the groups that may use it after saving." back={{ href: BASE, label: "Protected apps" }} />
      <ProtectedAppForm ctx={p.ctx} action={BASE} values={p.values} creating target="#protected-app-page" errors={p.errors} />
    </div>
  );
}

export interface ProtectedAppDetail {
  app: ProtectedApp;
  allowedGroupIds: string[];
  groups: { id: string; name: string; friendlyName: string }[];
  appUrl: string;
  upstream: string;
  /** TRUST_PROXY is unset: every snippet's headers would be ignored. */
  trustProxyUnset: boolean;
}

export function ProtectedAppDetailPage(p: { ctx: PageContext; d: ProtectedAppDetail; created?: boolean }): JSX.Element {
  const a = p.d.app;
  return (
    <AdminLayout ctx={p.ctx} title={a.name}>
      <PageHeader title={a.name} lead={a.hosts.join(", ")} back={{ href: BASE, label: "Protected apps" }} />
      {p.created ? (
        <div class="alert alert-success" role="status">
          App added. Choose who may use it, then paste the snippet for your proxy.
        </div>
      ) : (
        ""
      )}
      <div class="stack">
        <ProtectedAppForm ctx={p.ctx} action={`${BASE}/${a.id}`} values={formValuesOf(a)} creating={false} target="#protected-app-form" />
        <AppGroupsSection ctx={p.ctx} app={a} allowedGroupIds={p.d.allowedGroupIds} groups={p.d.groups} />
        <ProxySnippets d={p.d} />
        <section class="section danger-zone">
          <h2>Delete protected app</h2>
          <p class="muted small">The proxy then refuses every request for these hosts until you add them again or remove the forward-auth rule.</p>
          <form method="post" action={`${BASE}/${a.id}/delete`} hx-post={`${BASE}/${a.id}/delete`} hx-confirm={`Delete the protected app ${a.name}?`}>
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-danger">Delete app</button>
          </form>
        </section>
      </div>
    </AdminLayout>
  );
}

export function AppGroupsSection(p: { ctx: PageContext; app: ProtectedApp; allowedGroupIds: string[]; groups: ProtectedAppDetail["groups"]; saved?: string }): JSX.Element {
  const base = `${BASE}/${p.app.id}`;
  const allowed = new Set(p.allowedGroupIds);
  const unrestricted = !p.app.isGroupRestricted;
  return (
    <section class="section" id="app-groups" aria-labelledby="app-groups-title">
      <div class="section-header">
        <div>
          <h2 id="app-groups-title">Who may use it</h2>
          <p class="muted small">Signed-in people outside these groups get a “no access” page.</p>
        </div>
        {unrestricted ? (
          <form method="post" action={`${base}/restrict`} hx-post={`${base}/restrict`} hx-target="#app-groups" hx-swap="outerHTML">
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-secondary">Restrict to groups</button>
          </form>
        ) : (
          <form method="post" action={`${base}/unrestrict`} hx-post={`${base}/unrestrict`} hx-target="#app-groups" hx-swap="outerHTML" hx-confirm="Let everyone with an account use this app?">
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-secondary">Unrestrict</button>
          </form>
        )}
      </div>
      {p.saved ? <div class="alert alert-success" role="status" safe>{p.saved}</div> : ""}
      {unrestricted ? (
        <div class="alert alert-info" role="status">
          <strong>Unrestricted.</strong> Everyone with an account may use this app.
        </div>
      ) : (
        <>
          {allowed.size === 0 ? (
            <div class="alert alert-warning" role="status">
              <strong>Nobody can use this app yet.</strong> Choose the groups that may use it, or click Unrestrict to admit everyone.
            </div>
          ) : (
            ""
          )}
          <form method="post" action={`${base}/groups`} hx-post={`${base}/groups`} hx-target="#app-groups" hx-swap="outerHTML">
            <Csrf ctx={p.ctx} />
            <input type="hidden" name="userGroupIds" value="" />
            {p.groups.length === 0 ? (
              <p class="muted small">
                No groups yet. <a href="/settings/admin/user-groups">Create a group</a>, or unrestrict the app.
              </p>
            ) : (
              <>
                <GroupCheckboxes groups={p.groups} selected={allowed} />
                <div class="form-actions">
                  <button type="submit" class="btn btn-secondary">Save allowed groups</button>
                </div>
              </>
            )}
          </form>
        </>
      )}
    </section>
  );
}

function Snippet({ text }: { text: string }): JSX.Element {
  return (
    <div class="snippet">
      <pre><code safe>{text}</code></pre>
      <button type="button" class="btn btn-secondary btn-sm" data-copy={text}>Copy</button>
    </div>
  );
}

/** Which URL the snippet calls, which headers Latchkey then believes and from whom. */
function TrustNote({ kind, appId }: { kind: ProxyKind; appId: string }): JSX.Element {
  const t = SNIPPET_TRUST[kind];
  return (
    <dl class="fa-trust" data-trust={kind}>
      <dt>Latchkey URL</dt>
      <dd>
        <code safe>{t.url(appId)}</code> answers for this app only; no header can switch it to another app.
      </dd>
      <dt>Trusted headers</dt>
      <dd safe>{t.headers}</dd>
      <dt>From whom</dt>
      <dd safe>{t.from}.</dd>
    </dl>
  );
}

export function ProxySnippets({ d }: { d: ProtectedAppDetail }): JSX.Element {
  const input = { appId: d.app.id, appUrl: d.appUrl, upstream: d.upstream, hosts: d.app.hosts, pathPrefix: d.app.pathPrefix, passHeaders: d.app.passHeaders };
  const groups: { kind: ProxyKind; title: string; text: string }[] = [
    { kind: "caddy", title: "Caddy (Caddyfile)", text: caddySnippet(input) },
    { kind: "traefik", title: "Traefik (Docker labels)", text: traefikSnippet(input) },
    { kind: "nginx", title: "nginx (auth_request)", text: nginxSnippet(input) },
  ];
  return (
    <section class="section fa-snippets" aria-labelledby="proxy-title">
      <h2 id="proxy-title">Proxy configuration</h2>
      <p class="muted small">
        Replace <code safe>{d.upstream}</code> with the address your proxy uses to reach Latchkey and <code>app:8080</code> with the app. Latchkey must list the proxy in{" "}
        <code>TRUST_PROXY</code>, or it ignores the proxy's headers. The proxy sends every request for these hosts; Latchkey guards{" "}
        {d.app.pathPrefix === "/" ? (
          "all of them"
        ) : (
          <>
            <code safe>{d.app.pathPrefix}</code> and below
          </>
        )}
        .
      </p>
      {d.trustProxyUnset ? (
        <div class="alert alert-warning" role="status">
          <strong>TRUST_PROXY is not set.</strong> Latchkey refuses every forward-auth request until it lists your proxy's address.
        </div>
      ) : (
        ""
      )}
      {groups.map((g, n) => (
        <details class="snippet-group" open={n === 0}>
          <summary safe>{g.title}</summary>
          <TrustNote kind={g.kind} appId={d.app.id} />
          <Snippet text={g.text} />
        </details>
      ))}
    </section>
  );
}
