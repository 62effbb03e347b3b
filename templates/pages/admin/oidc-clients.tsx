/**
 * Admin: OIDC clients. List, create (secret shown once after create), edit (callback URL rows),
 * allowed user groups with Unrestrict, secrets, and an integration panel with every endpoint URL.
 */
import type { PageContext } from "../../page-context.ts";
import { ClientIcon } from "../../components/client-icon.tsx";
import type { OidcClient } from "../../../src/oidc/clients.ts";
import type { ClientSecretInfo } from "../../../src/oidc/client-secrets.ts";
import type { BackchannelStatus } from "../../../src/oidc/backchannel-logout.ts";
import type { Page } from "../../../src/admin/pagination.ts";
import { integrationSnippets, type SnippetKind } from "../../../src/oidc/integration-snippets.ts";
import { SaveBar } from "../../components/save-bar.tsx";
import { AdminLayout, Csrf, EmptyState, Field, formatDateTime, FormErrors, GroupCheckboxes, PageHeader, Pager, Toggle } from "./admin-shell.tsx";

export type ClientListRow = { id: string; name: string; callbackURLs: string[]; isPublic: boolean; isGroupRestricted: boolean; allowedUserGroups: { friendlyName: string }[]; hasLogo: boolean };

export function ClientsPage(p: { ctx: PageContext; page: Page<ClientListRow>; search: string; notice?: string }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title="OIDC clients">
      <PageHeader title="OIDC clients" lead="The apps that sign people in with this server.">
        <a class="btn" href="/settings/admin/oidc-clients/new">Add OIDC client</a>
      </PageHeader>
      {p.notice ? <div class="alert alert-success" role="status" safe>{p.notice}</div> : ""}
      <section class="section">
        <form class="search-bar" role="search" method="get" action="/settings/admin/oidc-clients" hx-get="/settings/admin/oidc-clients" hx-target="#client-list" hx-swap="outerHTML" hx-trigger="input changed delay:250ms from:find input, submit" hx-push-url="true">
          <label class="sr-only" for="client-search">Search clients</label>
          <input id="client-search" type="search" name="search" value={p.search} placeholder="Search by name or client id" autocomplete="off" />
          <button type="submit" class="btn btn-secondary">Search</button>
        </form>
        <ClientList ctx={p.ctx} page={p.page} search={p.search} />
      </section>
    </AdminLayout>
  );
}

export function accessBadge(c: { isGroupRestricted: boolean; allowedUserGroups: unknown[] }): JSX.Element {
  if (!c.isGroupRestricted) return <span class="badge badge-success">Everyone</span>;
  if (c.allowedUserGroups.length === 0) return <span class="badge badge-warning">Nobody yet</span>;
  return <span class="badge badge-accent" safe>{`${c.allowedUserGroups.length} group${c.allowedUserGroups.length === 1 ? "" : "s"}`}</span>;
}

export function ClientList({ ctx, page, search }: { ctx: PageContext; page: Page<ClientListRow>; search: string }): JSX.Element {
  return (
    <div id="client-list">
      {page.data.length === 0 ? (
        <EmptyState title={search ? "No matching clients" : "No OIDC clients yet"} text={search ? "Try another name." : "Add the first app with “Add OIDC client”."} />
      ) : (
        <ul class="list">
          {page.data.map((c) => (
            <li class="list-item">
              <ClientIcon app={c} />
              <div class="grow">
                <a class="title" href={`/settings/admin/oidc-clients/${c.id}`} safe>{c.name}</a>
                <div class="meta mono" safe>{c.id}</div>
              </div>
              <div class="actions">
                {c.isPublic ? <span class="badge">Public</span> : ""}
                {accessBadge(c)}
              </div>
            </li>
          ))}
        </ul>
      )}
      <Pager ctx={ctx} base="/settings/admin/oidc-clients" search={search} page={page.pagination.currentPage} totalPages={page.pagination.totalPages} totalItems={page.pagination.totalItems} target="#client-list" />
    </div>
  );
}

export interface ClientFormValues {
  id: string;
  name: string;
  description: string;
  launchUrl: string;
  callbackUrls: string[];
  logoutCallbackUrls: string[];
  isPublic: boolean;
  pkceEnabled: boolean;
  requiresReauthentication: boolean;
  skipConsent: boolean;
  accessTokenDurationMinutes: string;
  refreshTokenDurationMinutes: string;
  /** Protocol settings (issue 10); absent = defaults. */
  requirePar?: boolean;
  backchannelLogoutUri?: string;
  tokenEndpointAuthMethod?: string;
  jwks?: string;
  jwksUri?: string;
  credentialsScopes?: string;
  /** Who may sign in: everyone with an account, or only members of `allowedGroupIds`. */
  access: "everyone" | "groups";
  allowedGroupIds: string[];
}

export const EMPTY_CLIENT: ClientFormValues = {
  id: "",
  name: "",
  description: "",
  launchUrl: "",
  callbackUrls: [],
  logoutCallbackUrls: [],
  isPublic: false,
  pkceEnabled: true,
  requiresReauthentication: false,
  skipConsent: false,
  accessTokenDurationMinutes: "60",
  refreshTokenDurationMinutes: "43200",
  access: "groups",
  allowedGroupIds: [],
};

function UrlRows(p: { name: string; label: string; values: string[]; error?: string; hint: string; placeholder: string }): JSX.Element {
  const rows = p.values.length ? p.values : [""];
  return (
    <fieldset class="fieldset">
      <legend safe>{p.label}</legend>
      <p class="hint small muted" safe>{p.hint}</p>
      <div class="url-rows" data-rows>
        {rows.map((v, i) => (
          <div class="url-row" data-row>
            <input type="url" name={p.name} value={v} placeholder={p.placeholder} aria-label={`${p.label} ${i + 1}`} aria-invalid={p.error ? "true" : undefined} />
            <button type="button" class="btn btn-ghost btn-sm" data-remove-row aria-label={`Remove ${p.label} ${i + 1}`}>Remove</button>
          </div>
        ))}
        <template data-row-template>
          <div class="url-row" data-row>
            <input type="url" name={p.name} value="" placeholder={p.placeholder} aria-label={p.label} />
            <button type="button" class="btn btn-ghost btn-sm" data-remove-row aria-label="Remove URL">Remove</button>
          </div>
        </template>
        {p.error ? <p class="error-text" safe>{p.error}</p> : ""}
        <button type="button" class="btn btn-secondary btn-sm" data-add-row>Add URL</button>
      </div>
    </fieldset>
  );
}

type GroupOption = { id: string; name: string; friendlyName: string };

/** Advanced settings hold a value other than the default (or an error): the section opens by itself. */
function advancedIsSet(v: ClientFormValues, e: Record<string, string>): boolean {
  const fields = ["requirePar", "backchannelLogoutUri", "tokenEndpointAuthMethod", "jwks", "jwksUri", "credentialsScopes", "accessTokenDurationMinutes", "refreshTokenDurationMinutes"];
  if (fields.some((f) => e[f])) return true;
  return (
    Boolean(v.requirePar) ||
    Boolean(v.backchannelLogoutUri) ||
    (v.tokenEndpointAuthMethod !== undefined && v.tokenEndpointAuthMethod !== "" && v.tokenEndpointAuthMethod !== "client_secret") ||
    Boolean(v.jwks) ||
    Boolean(v.jwksUri) ||
    Boolean(v.credentialsScopes) ||
    v.accessTokenDurationMinutes !== EMPTY_CLIENT.accessTokenDurationMinutes ||
    v.refreshTokenDurationMinutes !== EMPTY_CLIENT.refreshTokenDurationMinutes
  );
}

/**
 * The client's one form with one Save (create and edit): the app, its callback URLs, who may sign in,
 * security, and advanced protocol settings collapsed unless one of them is set or refused.
 */
export function ClientForm(p: { ctx: PageContext; action: string; values: ClientFormValues; groups: GroupOption[]; creating: boolean; errors?: Record<string, string>; saved?: boolean; target: string }): JSX.Element {
  const v = p.values;
  const e = p.errors ?? {};
  return (
    <form
      id="client-form"
      class="edit-form"
      method="post"
      action={p.action}
      hx-post={p.action}
      hx-target={p.target}
      hx-swap="outerHTML"
      novalidate
      data-unsaved-guard
      data-unsaved-message={p.ctx.t("saveBar.unsavedConfirm")}
      data-dirty-initially={p.errors ? "true" : undefined}
    >
      <Csrf ctx={p.ctx} />
      <FormErrors errors={p.errors} />
      <section class="section" aria-labelledby="client-app-title">
        <h2 id="client-app-title">{p.creating ? "App" : "Settings"}</h2>
        <div class="grid-2">
          <Field name="name" label="Name" value={v.name} error={e.name} required maxlength={100} placeholder="Forgejo" autofocus={p.creating} />
          <Field name="launchUrl" label="Client launch URL" type="url" value={v.launchUrl} error={e.launchUrl} placeholder="https://git.example.com" hint="The app's address, linked from My apps." />
        </div>
        {p.creating ? <Field name="id" label="Client ID" value={v.id} error={e.id} maxlength={128} placeholder="generated" hint="Leave empty for a random id; or 2–128 letters, digits, . _ -" /> : ""}
        <Field name="description" label="Description" value={v.description} error={e.description} maxlength={1000} />
        <UrlRows name="callbackUrl" label="Callback URLs" values={v.callbackUrls} error={e.callbackUrls} placeholder="https://git.example.com/user/oauth2/Latchkey/callback" hint="Where the app receives the sign-in result; its documentation names it. Wildcards: * for part of one subdomain label (https://*.example.com/cb), a port or one path segment; ** for any number of path segments." />
        <UrlRows name="logoutCallbackUrl" label="Logout callback URLs" values={v.logoutCallbackUrls} error={e.logoutCallbackUrls} placeholder="https://git.example.com/" hint="Allowed post_logout_redirect_uri values (optional)." />
      </section>
      <AccessSection values={v} groups={p.groups} error={e.allowedGroupIds ?? e.unrestricted} />
      <section class="section" aria-labelledby="client-security-title">
        <h2 id="client-security-title">Security</h2>
        <Toggle name="isPublic" label="Public client" checked={v.isPublic} error={e.isPublic} hint="For apps that cannot keep a secret (single-page or mobile apps): no client secret, PKCE required." />
        <Toggle name="pkceEnabled" label="PKCE" checked={v.pkceEnabled} error={e.pkceEnabled} hint="Require a code challenge (S256). Turn off only if the app does not support it." />
        <Toggle name="requiresReauthentication" label="Requires re-authentication" checked={v.requiresReauthentication} hint="Ask for the passkey on every sign-in to this app." />
        <Toggle name="skipConsent" label="Skip consent" checked={v.skipConsent} hint="Do not ask people to approve the requested scopes." />
        <details class="advanced" data-open-if-set open={advancedIsSet(v, e)}>
          <summary>
            <span class="advanced-title">Advanced settings</span>
            <span class="hint">Token lifetimes, PAR, back-channel logout, client authentication (private_key_jwt, JWK Set), client credentials</span>
          </summary>
          <div class="advanced-body">
            <div class="grid-2">
              <Field name="accessTokenDurationMinutes" label="Access token lifetime (minutes)" type="number" min="1" value={v.accessTokenDurationMinutes} error={e.accessTokenDurationMinutes} required />
              <Field name="refreshTokenDurationMinutes" label="Refresh token lifetime (minutes)" type="number" min="1" value={v.refreshTokenDurationMinutes} error={e.refreshTokenDurationMinutes} required hint="43200 minutes = 30 days." />
            </div>
            <ProtocolFieldset v={v} e={e} />
          </div>
        </details>
      </section>
      <SaveBar ctx={p.ctx} saved={p.saved} label={p.creating ? "Create client" : undefined} cancelHref={p.creating ? "/settings/admin/oidc-clients" : undefined} />
    </form>
  );
}

/** Who may sign in: part of the client's one form (a radio, and the groups when restricted). */
function AccessSection(p: { values: ClientFormValues; groups: GroupOption[]; error?: string }): JSX.Element {
  const v = p.values;
  const selected = new Set(v.allowedGroupIds);
  const restricted = v.access === "groups";
  return (
    <section class="section" id="client-groups" aria-labelledby="groups-title">
      <h2 id="groups-title">Who may sign in</h2>
      <fieldset class="fieldset">
        <legend class="sr-only">Who may sign in</legend>
        <label class="checkbox">
          <input type="radio" name="access" value="groups" checked={restricted} />
          <span>
            <span>Only members of the groups below</span>
            <span class="hint">Recommended. People outside them see a “not allowed” page.</span>
          </span>
        </label>
        <label class="checkbox">
          <input type="radio" name="access" value="everyone" checked={!restricted} />
          <span>
            <span>Everyone with an account</span>
            <span class="hint">The groups below are kept for when you restrict the app again.</span>
          </span>
        </label>
      </fieldset>
      {restricted && selected.size === 0 ? (
        <div class="alert alert-warning" role="status" id="nobody-allowed">
          <strong>Nobody can sign in to this app yet.</strong> Choose the groups that may use it, or admit everyone.
        </div>
      ) : (
        ""
      )}
      <fieldset class="fieldset">
        <legend>Allowed user groups</legend>
        {p.groups.length === 0 ? (
          <p class="muted small">
            No groups yet. <a href="/settings/admin/user-groups">Create a group</a>, or admit everyone.
          </p>
        ) : (
          <GroupCheckboxes groups={p.groups} selected={selected} />
        )}
        {p.error ? <p class="error-text" safe>{p.error}</p> : ""}
      </fieldset>
    </section>
  );
}

export function NewClientPage(p: { ctx: PageContext; values: ClientFormValues; groups: GroupOption[]; errors?: Record<string, string> }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title="Add OIDC client">
      <NewClientContent ctx={p.ctx} values={p.values} groups={p.groups} errors={p.errors} />
    </AdminLayout>
  );
}

export function NewClientContent(p: { ctx: PageContext; values: ClientFormValues; groups: GroupOption[]; errors?: Record<string, string> }): JSX.Element {
  return (
    <div id="client-page">
      <PageHeader title="Add OIDC client" lead="Name the app and paste its callback URL. After saving you get the client ID, the secret and the settings to paste into the app." back={{ href: "/settings/admin/oidc-clients", label: "OIDC clients" }} />
      <ClientForm ctx={p.ctx} action="/settings/admin/oidc-clients" values={p.values} groups={p.groups} creating target="#client-page" errors={p.errors} />
    </div>
  );
}

export interface ClientDetail {
  client: OidcClient;
  values: ClientFormValues;
  groups: { id: string; name: string; friendlyName: string }[];
  secrets: ClientSecretInfo[];
  appUrl: string;
  backchannel?: BackchannelStatus;
}

export function ClientDetailPage(p: { ctx: PageContext; d: ClientDetail; createdSecret?: string; saved?: boolean; errors?: Record<string, string> }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title={p.d.client.name}>
      <ClientDetailContent ctx={p.ctx} d={p.d} createdSecret={p.createdSecret} saved={p.saved} errors={p.errors} />
    </AdminLayout>
  );
}

export function ClientDetailContent(p: { ctx: PageContext; d: ClientDetail; createdSecret?: string; saved?: boolean; errors?: Record<string, string> }): JSX.Element {
  const c = p.d.client;
  const base = `/settings/admin/oidc-clients/${c.id}`;
  return (
    <div id="client-page">
      <PageHeader title={c.name} back={{ href: "/settings/admin/oidc-clients", label: "OIDC clients" }}>
        {c.isPublic ? <span class="badge">Public</span> : <span class="badge">Confidential</span>}
        {accessBadge({ isGroupRestricted: !c.unrestricted, allowedUserGroups: c.allowedGroupIds })}
      </PageHeader>
      <div class="stack">
        <IntegrationPanel appUrl={p.d.appUrl} providerName={p.ctx.appName} client={c} createdSecret={p.createdSecret} />
        <ClientForm ctx={p.ctx} action={base} values={p.d.values} groups={p.d.groups} creating={false} saved={p.saved} errors={p.errors} target="#client-page" />
        {c.isPublic ? (
          ""
        ) : c.tokenEndpointAuthMethod === "private_key_jwt" ? (
          <section class="section" id="client-secrets" aria-labelledby="secrets-title">
            <h2 id="secrets-title">Client secrets</h2>
            <p class="muted small">This client authenticates with private_key_jwt, so it has no secrets (switching to it deleted them).</p>
          </section>
        ) : (
          <SecretsSection ctx={p.ctx} clientId={c.id} secrets={p.d.secrets} />
        )}
        <LogoSection ctx={p.ctx} client={c} />
        {p.d.backchannel && (c.backchannelLogoutUri || p.d.backchannel.lastFailureAt || p.d.backchannel.pending) ? (
          <BackchannelSection uri={c.backchannelLogoutUri} status={p.d.backchannel} />
        ) : (
          ""
        )}
        <section class="section danger-zone">
          <h2>Delete client</h2>
          <p class="muted small">The app can no longer sign anyone in; its tokens and consents are deleted.</p>
          <form method="post" action={`${base}/delete`} hx-post={`${base}/delete`} hx-confirm={`Delete the client ${c.name}?`} data-leaves-page>
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-danger">Delete client</button>
          </form>
        </section>
      </div>
    </div>
  );
}

export function SecretsSection(p: {
  ctx: PageContext;
  clientId: string;
  secrets: ClientSecretInfo[];
  created?: string;
  error?: string;
  /** The problem with a value the admin typed (the value itself is never rendered back). */
  valueError?: string;
}): JSX.Element {
  const base = `/settings/admin/oidc-clients/${p.clientId}/secrets`;
  return (
    <section class="section" id="client-secrets" aria-labelledby="secrets-title">
      <div class="section-header">
        <div>
          <h2 id="secrets-title">Client secrets</h2>
          <p class="muted small">Several secrets can be live at once, so you can rotate without downtime.</p>
        </div>
        <form method="post" action={base} hx-post={base} hx-target="#client-secrets" hx-swap="outerHTML">
          <Csrf ctx={p.ctx} />
          <button type="submit" class="btn btn-secondary">Create secret</button>
        </form>
      </div>
      {p.error ? <div class="alert alert-error" role="alert" safe>{p.error}</div> : ""}
      <details class="declare-secret" open={Boolean(p.valueError)}>
        <summary class="small">Use a value you already have</summary>
        <form method="post" action={base} hx-post={base} hx-target="#client-secrets" hx-swap="outerHTML">
          <Csrf ctx={p.ctx} />
          <Field
            name="secret"
            label="Secret value"
            type="password"
            autocomplete="off"
            required
            maxlength={512}
            error={p.valueError}
            hint="For a secret the app is already configured with. 32–512 printable ASCII characters without spaces (! to ~), since apps send it in a Basic header and in form bodies. Stored only as a hash; not shown again."
          />
          <button type="submit" class="btn btn-secondary">Add this secret</button>
        </form>
      </details>
      {p.created ? (
        <div class="secret-box" data-autofocus tabindex="-1" role="status">
          <p class="small"><strong>New secret — copy it now.</strong> It will not be shown again.</p>
          <div class="copy-row">
            <code class="secret" safe>{p.created}</code>
            <button type="button" class="btn btn-secondary btn-sm" data-copy={p.created}>Copy</button>
          </div>
        </div>
      ) : (
        ""
      )}
      {p.secrets.length === 0 ? (
        <p class="muted small">No secret: the app cannot authenticate until you create one.</p>
      ) : (
        <ul class="list">
          {p.secrets.map((s) => (
            <li class="list-item">
              <div class="grow">
                <div class="title"><code safe>{`${s.prefix}••••••••`}</code> {s.expired ? <span class="badge badge-danger">Expired</span> : ""}</div>
                <div class="meta">
                  Created <span safe>{formatDateTime(s.createdAt)}</span> · <span>{s.expiresAt ? `expires ${formatDateTime(s.expiresAt)}` : "no expiry"}</span>
                </div>
              </div>
              <div class="actions">
                <form method="post" action={`${base}/${s.id}/revoke`} hx-post={`${base}/${s.id}/revoke`} hx-target="#client-secrets" hx-swap="outerHTML" hx-confirm="Revoke this secret? Apps using it can no longer sign in.">
                  <Csrf ctx={p.ctx} />
                  <button type="submit" class="btn btn-ghost btn-sm danger-text">Revoke</button>
                </form>
              </div>
            </li>
          ))}
        </ul>
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

const SNIPPET_TITLES: Record<SnippetKind, string> = {
  generic: "Environment variables (generic)",
  forgejo: "Forgejo / Gitea (Site administration → Authentication sources)",
  opengist: "OpenGist (environment)",
  grafana: "Grafana (environment)",
  "oauth2-proxy": "oauth2-proxy",
};

/** The callback an app will send, and whether the client allows it yet (the snippet and the list agree). */
function CallbackNote({ kind, callback }: { kind: SnippetKind; callback: { url: string; listed: boolean } }): JSX.Element {
  const lead = kind === "forgejo" ? "The authentication name is part of the callback URL Forgejo sends:" : "The app sends this callback URL:";
  return callback.listed ? (
    <p class="small muted snippet-note">
      <span>{lead}</span> <code safe>{callback.url}</code> <span class="badge badge-success">Allowed</span>
    </p>
  ) : (
    <div class="alert alert-warning snippet-note" role="note">
      <span>{lead}</span> <code safe>{callback.url}</code>. <strong>Add it to the callback URLs below</strong>, or sign-in is refused.
    </div>
  );
}

/** "Connect an app": the first thing on a client's page — credentials, the discovery URL, endpoints and snippets. */
export function IntegrationPanel({ appUrl, providerName, client, createdSecret }: { appUrl: string; providerName: string; client: OidcClient; createdSecret?: string }): JSX.Element {
  const endpoints: [string, string][] = [
    ["Issuer", appUrl],
    ["Authorization", `${appUrl}/authorize`],
    ["Token", `${appUrl}/api/oidc/token`],
    ["Userinfo", `${appUrl}/api/oidc/userinfo`],
    ["JWKS", `${appUrl}/.well-known/jwks.json`],
    ["End session (logout)", `${appUrl}/api/oidc/end-session`],
    ["Introspection", `${appUrl}/api/oidc/introspect`],
    ["Device authorization", `${appUrl}/api/oidc/device/authorize`],
  ];
  const discovery = `${appUrl}/.well-known/openid-configuration`;
  const snippets = integrationSnippets(client, appUrl, providerName);
  return (
    <section class="section" id="client-connect" aria-labelledby="integration-title">
      <h2 id="integration-title">Connect an app</h2>
      <p class="muted small">Most apps only need the discovery URL, the client ID and the secret.</p>
      {createdSecret ? (
        <div class="secret-box" data-autofocus tabindex="-1" role="status">
          <p class="small">
            <strong>Client created. Copy the secret now:</strong> it is stored only as a hash and will not be shown again.
          </p>
          <div class="copy-row">
            <code class="secret" id="created-secret" safe>{createdSecret}</code>
            <button type="button" class="btn btn-secondary btn-sm" data-copy={createdSecret}>Copy secret</button>
          </div>
        </div>
      ) : (
        ""
      )}
      <dl class="kv">
        <dt>Client ID</dt>
        <dd><code id="client-id" safe>{client.id}</code></dd>
        <dd><button type="button" class="btn btn-secondary btn-sm" data-copy={client.id}>Copy</button></dd>
        <dt>Client secret</dt>
        <dd class="muted small">{client.isPublic ? "None: a public client has no secret." : client.tokenEndpointAuthMethod === "private_key_jwt" ? "None: this client signs its requests with its private key." : createdSecret ? "Shown above, once." : <>Shown once when created; manage them under <a href="#client-secrets">Client secrets</a>.</>}</dd>
        <dd></dd>
        <dt>Discovery URL</dt>
        <dd><code safe>{discovery}</code></dd>
        <dd><button type="button" class="btn btn-secondary btn-sm" data-copy={discovery}>Copy</button></dd>
      </dl>
      <details class="snippet-group">
        <summary>All endpoints</summary>
        <dl class="kv">
          {endpoints.map(([label, url]) => (
            <>
              <dt safe>{label}</dt>
              <dd><code safe>{url}</code></dd>
              <dd><button type="button" class="btn btn-ghost btn-sm" data-copy={url}>Copy</button></dd>
            </>
          ))}
        </dl>
      </details>
      <h3 class="snippets-title">Snippets</h3>
      {snippets.map((sn, n) => (
        <details class="snippet-group" open={n === 0} data-snippet={sn.kind}>
          <summary safe>{SNIPPET_TITLES[sn.kind]}</summary>
          {sn.callback ? <CallbackNote kind={sn.kind} callback={sn.callback} /> : ""}
          <Snippet text={sn.text} />
        </details>
      ))}
    </section>
  );
}

export function LogoSection(p: { ctx: PageContext; client: OidcClient; error?: string; notice?: string }): JSX.Element {
  const c = p.client;
  const base = `/settings/admin/oidc-clients/${c.id}/logo`;
  const variant = (dark: boolean) => {
    const has = dark ? c.hasDarkLogo : c.hasLogo;
    const name = dark ? "dark" : "light";
    return (
      <div class={`logo-variant logo-${name}`}>
        <div class="label">{dark ? "Dark mode" : "Light mode"}</div>
        <div class="logo-preview">
          {has ? <img src={`/api/oidc/clients/${encodeURIComponent(c.id)}/logo?light=${dark ? "false" : "true"}&v=${c.updatedAt}`} alt={`${name} logo`} width="64" height="64" /> : <span class="muted small">{dark ? "Uses the light logo" : "No logo"}</span>}
        </div>
        <form class="inline-form" method="post" action={`${base}?variant=${name}`} enctype="multipart/form-data" hx-post={`${base}?variant=${name}`} hx-encoding="multipart/form-data" hx-target="#client-logo" hx-swap="outerHTML">
          <Csrf ctx={p.ctx} />
          <label class="sr-only" for={`logo-${name}`}>{dark ? "Dark logo file" : "Light logo file"}</label>
          <input id={`logo-${name}`} type="file" name="file" accept="image/png,image/jpeg,image/gif,image/webp" required />
          <button type="submit" class="btn btn-secondary btn-sm">Upload</button>
        </form>
        {has ? (
          <form method="post" action={`${base}/delete?variant=${name}`} hx-post={`${base}/delete?variant=${name}`} hx-target="#client-logo" hx-swap="outerHTML">
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-link small">Remove</button>
          </form>
        ) : (
          ""
        )}
      </div>
    );
  };
  return (
    <section class="section" id="client-logo" aria-labelledby="logo-title">
      <h2 id="logo-title">Logo</h2>
      <p class="muted small">Shown on the consent page and in My apps. PNG, JPEG, GIF or WebP, up to 2 MB.</p>
      {p.notice ? <div class="alert alert-success" role="status" safe>{p.notice}</div> : ""}
      {p.error ? <div class="alert alert-error" role="alert" safe>{p.error}</div> : ""}
      <div class="grid-2">
        {variant(false)}
        {variant(true)}
      </div>
    </section>
  );
}

// --- protocol settings (issue 10: PAR, back-channel logout, private_key_jwt, client credentials) -----

const AUTH_METHODS: [string, string][] = [
  ["client_secret", "Client secret, in a Basic header or the form body"],
  ["client_secret_basic", "Client secret in a Basic header only (client_secret_basic)"],
  ["client_secret_post", "Client secret in the form body only (client_secret_post)"],
  ["private_key_jwt", "Signed JWT with the client's private key (private_key_jwt; the client's secrets are deleted)"],
];

function ProtocolFieldset({ v, e }: { v: ClientFormValues; e: Record<string, string> }): JSX.Element {
  const method = AUTH_METHODS.some(([value]) => value === v.tokenEndpointAuthMethod) ? v.tokenEndpointAuthMethod : "client_secret";
  return (
    <fieldset class="fieldset">
      <legend>Protocol</legend>
      <Toggle name="requirePar" label="Require pushed authorization requests (PAR)" checked={v.requirePar ?? false} error={e.requirePar} hint="Accept only sign-in requests pushed to the PAR endpoint first (RFC 9126)." />
      <Field name="backchannelLogoutUri" label="Back-channel logout URL" type="url" value={v.backchannelLogoutUri ?? ""} error={e.backchannelLogoutUri} placeholder="https://app.example.com/backchannel-logout" hint="Receives a signed logout token when a person signs out here (optional)." />
      <div class="field">
        <label for="tokenEndpointAuthMethod">Client authentication</label>
        <select id="tokenEndpointAuthMethod" name="tokenEndpointAuthMethod" aria-invalid={e.tokenEndpointAuthMethod ? "true" : undefined}>
          {AUTH_METHODS.map(([value, label]) => (
            <option value={value} selected={value === method} safe>
              {label}
            </option>
          ))}
        </select>
        {e.tokenEndpointAuthMethod ? <p class="error-text" safe>{e.tokenEndpointAuthMethod}</p> : <p class="hint">Confidential clients only. private_key_jwt needs the public keys below.</p>}
      </div>
      <div class="field">
        <label for="jwks">Public keys (JWK Set)</label>
        <textarea id="jwks" name="jwks" class="mono" rows="4" spellcheck="false" placeholder='{"keys": [{"kty": "EC", "crv": "P-256", "x": "…", "y": "…", "kid": "…"}]}' aria-invalid={e.jwks ? "true" : undefined} safe>
          {v.jwks ?? ""}
        </textarea>
        {e.jwks ? <p class="error-text" safe>{e.jwks}</p> : <p class="hint">For private_key_jwt: paste the public keys, or give a JWKS URL instead.</p>}
      </div>
      <Field name="jwksUri" label="JWKS URL" type="url" value={v.jwksUri ?? ""} error={e.jwksUri} placeholder="https://app.example.com/.well-known/jwks.json" />
      <Field name="credentialsScopes" label="Client credentials scopes" value={v.credentialsScopes ?? ""} error={e.credentialsScopes} placeholder="backup:write reports:read" hint="Scopes this client may obtain for itself with the client_credentials grant, separated by spaces. Empty: none." />
    </fieldset>
  );
}

/** Delivery status of back-channel logout notices, so an unreachable logout URL does not go unnoticed. */
export function BackchannelSection({ uri, status }: { uri: string | null; status: BackchannelStatus }): JSX.Element {
  return (
    <section class="section" id="client-backchannel" aria-labelledby="backchannel-title">
      <h2 id="backchannel-title">Back-channel logout</h2>
      {status.lastFailureAt !== null && (status.lastSuccessAt === null || status.lastFailureAt >= status.lastSuccessAt) ? (
        <div class="alert alert-error" role="status">
          <strong>The last delivery failed</strong> (<span safe>{formatDateTime(status.lastFailureAt)}</span>): <span safe>{status.lastError ?? ""}</span>
        </div>
      ) : (
        ""
      )}
      <dl class="kv">
        <dt>Logout URL</dt>
        <dd>{uri ? <code safe>{uri}</code> : <span class="muted">none</span>}</dd>
        <dt>Last delivered</dt>
        <dd>{status.lastSuccessAt !== null ? formatDateTime(status.lastSuccessAt) : "never"}</dd>
        <dt>Last failure</dt>
        <dd>
          {status.lastFailureAt !== null ? formatDateTime(status.lastFailureAt) : "none"}
          {status.lastFailureAt !== null ? <span safe>{`: ${status.lastError ?? ""}`}</span> : ""}
        </dd>
        <dt>Delivered / given up</dt>
        <dd safe>{`${status.deliveredCount} / ${status.failedCount}`}</dd>
        <dt>Waiting for retry</dt>
        <dd safe>{String(status.pending)}</dd>
      </dl>
      <p class="muted small">Failed deliveries are retried after 10 s, 30 s, 90 s and 270 s, then dropped.</p>
    </section>
  );
}
