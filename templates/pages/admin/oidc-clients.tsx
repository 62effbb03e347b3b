/**
 * Admin: OIDC clients. List; create and edit in one form with one Save (the app, callback URLs, who may
 * sign in, security, advanced protocol settings folded away); "Connect an app" first on a client's page
 * (credentials, discovery URL, endpoints, snippets); secrets and logos as their own immediate actions.
 */
import type { PageContext } from "../../page-context.ts";
import { ClientIcon } from "../../components/client-icon.tsx";
import { clientPathSegment } from "../../../src/http/client-id-param.ts";
import { DateTime } from "../../components/date-time.tsx";
import type { OidcClient } from "../../../src/oidc/clients.ts";
import type { ClientSecretInfo } from "../../../src/oidc/client-secrets.ts";
import type { BackchannelStatus } from "../../../src/oidc/backchannel-logout.ts";
import type { Page } from "../../../src/admin/pagination.ts";
import type { MessageKey } from "../../../src/i18n/catalog.ts";
import { integrationSnippets, type SnippetKind } from "../../../src/oidc/integration-snippets.ts";
import { OneSaveForm, SaveBar } from "../../components/save-bar.tsx";
import { TokenPreviewSection, type PreviewState } from "./client-preview.tsx";
import { ScimSection, type ScimSectionState } from "./client-scim.tsx";
import { FederatedSection } from "./client-federated.tsx";
import type { FederatedRow } from "../../../src/admin/oidc-client-admin.ts";
import { ApiAccessSection, type GrantCard } from "./apis.tsx";
import { AccessChoice, AdminLayout, Csrf, EmptyState, Field, FormErrors, PageHeader, Pager, Toggle } from "./admin-shell.tsx";

export type ClientListRow = { id: string; name: string; callbackURLs: string[]; isPublic: boolean; isGroupRestricted: boolean; allowedUserGroups: { friendlyName: string }[]; hasLogo: boolean; clientType: string };

const LIST = "/settings/admin/oidc-clients";

export function ClientsPage(p: { ctx: PageContext; page: Page<ClientListRow>; search: string; notice?: string }): JSX.Element {
  const { t } = p.ctx;
  return (
    <AdminLayout ctx={p.ctx} title={t("clients.title")}>
      <PageHeader title={t("clients.title")} lead={t("clients.lead")}>
        <a class="btn" href={`${LIST}/new`} safe>{t("clients.add")}</a>
      </PageHeader>
      {p.notice ? <div class="alert alert-success" role="status" safe>{p.notice}</div> : ""}
      <section class="section">
        <form class="search-bar" role="search" method="get" action={LIST} hx-get={LIST} hx-target="#client-list" hx-swap="outerHTML" hx-trigger="input changed delay:250ms from:find input, submit" hx-push-url="true">
          <label class="sr-only" for="client-search" safe>{t("clients.search")}</label>
          <input id="client-search" type="search" name="search" value={p.search} placeholder={t("clients.searchPlaceholder")} autocomplete="off" />
          <button type="submit" class="btn btn-secondary" safe>{t("clients.searchButton")}</button>
        </form>
        <ClientList ctx={p.ctx} page={p.page} search={p.search} />
      </section>
    </AdminLayout>
  );
}

export function accessBadge(ctx: PageContext, c: { isGroupRestricted: boolean; allowedUserGroups: unknown[] }): JSX.Element {
  const { t } = ctx;
  if (!c.isGroupRestricted) return <span class="badge badge-success" safe>{t("clients.badgeEveryone")}</span>;
  if (c.allowedUserGroups.length === 0) return <span class="badge badge-warning" safe>{t("clients.badgeNobody")}</span>;
  return <span class="badge badge-accent" safe>{t("clients.badgeGroups", { count: c.allowedUserGroups.length })}</span>;
}

export function ClientList({ ctx, page, search }: { ctx: PageContext; page: Page<ClientListRow>; search: string }): JSX.Element {
  const { t } = ctx;
  return (
    <div id="client-list">
      {page.data.length === 0 ? (
        <EmptyState title={search ? t("clients.emptySearchTitle") : t("clients.emptyTitle")} text={search ? t("clients.emptySearchText") : t("clients.emptyText")} />
      ) : (
        <ul class="list">
          {page.data.map((c) => (
            <li class="list-item">
              <ClientIcon app={c} />
              <div class="grow">
                <a class="title" href={`${LIST}/${clientPathSegment(c.id)}`} safe>{c.name}</a>
                <div class="meta mono" translate="no" safe>{c.id}</div>
              </div>
              <div class="actions">
                {c.clientType === "cimd" ? <span class="badge badge-accent" title={t("clients.badgeDocumentHint")} safe>{t("clients.badgeDocument")}</span> : ""}
                {c.isPublic ? <span class="badge" safe>{t("clients.badgePublic")}</span> : ""}
                {accessBadge(ctx, c)}
              </div>
            </li>
          ))}
        </ul>
      )}
      <Pager ctx={ctx} base={LIST} search={search} page={page.pagination.currentPage} totalPages={page.pagination.totalPages} totalItems={page.pagination.totalItems} target="#client-list" items={t("clients.count", { count: page.pagination.totalItems })} />
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
  /** Federated identities (edit form only; stored, or as posted). */
  federated?: FederatedRow[];
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

function UrlRows(p: { ctx: PageContext; name: string; label: string; values: string[]; error?: string; hint: string; placeholder: string }): JSX.Element {
  const { t } = p.ctx;
  const rows = p.values.length ? p.values : [""];
  const errorId = `${p.name}-error`;
  return (
    <fieldset class="fieldset">
      <legend safe>{p.label}</legend>
      <p class="hint small muted" safe>{p.hint}</p>
      <div class="url-rows" data-rows>
        {rows.map((v, i) => (
          <div class="url-row" data-row>
            <input type="url" name={p.name} value={v} placeholder={p.placeholder} aria-label={t("clients.urlRowLabel", { label: p.label, n: i + 1 })} aria-invalid={p.error ? "true" : undefined} aria-describedby={p.error ? errorId : undefined} />
            <button type="button" class="btn btn-ghost btn-sm" data-remove-row aria-label={t("clients.urlRowRemoveLabel", { label: p.label, n: i + 1 })} safe>
              {t("clients.remove")}
            </button>
          </div>
        ))}
        <template data-row-template>
          <div class="url-row" data-row>
            <input type="url" name={p.name} value="" placeholder={p.placeholder} aria-label={p.label} />
            <button type="button" class="btn btn-ghost btn-sm" data-remove-row aria-label={t("clients.urlRemove")} safe>
              {t("clients.remove")}
            </button>
          </div>
        </template>
        {p.error ? <p class="error-text" id={errorId} safe>{p.error}</p> : ""}
        <button type="button" class="btn btn-secondary btn-sm" data-add-row safe>{t("clients.urlAdd")}</button>
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
/**
 * `document`: the client is registered by its metadata document, which owns its name, callback URLs and authentication
 * (shown in DocumentSection, not editable here, as in Pocket ID); the form keeps the administrator's settings.
 */
export function ClientForm(p: {
  ctx: PageContext;
  action: string;
  values: ClientFormValues;
  groups: GroupOption[];
  creating: boolean;
  errors?: Record<string, string>;
  saved?: boolean;
  target: string;
  /** The issuer, for the federated identities' example request (edit form only). */
  appUrl?: string;
  document?: boolean;
}): JSX.Element {
  const v = p.values;
  const e = p.errors ?? {};
  const { t } = p.ctx;
  const doc = p.document === true;
  return (
    <OneSaveForm ctx={p.ctx} id="client-form" action={p.action} target={p.target} dirty={p.errors !== undefined}>
      <Csrf ctx={p.ctx} />
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <section class="section" aria-labelledby="client-app-title">
        <h2 id="client-app-title" safe>{p.creating ? t("clients.formAppTitle") : t("clients.formSettingsTitle")}</h2>
        <div class="grid-2">
          {doc ? "" : <Field ctx={p.ctx} name="name" label={t("clients.name")} value={v.name} error={e.name} required maxlength={100} placeholder={t("clients.namePlaceholder")} autofocus={p.creating} />}
          <Field ctx={p.ctx} name="launchUrl" label={t("clients.launchUrl")} type="url" value={v.launchUrl} error={e.launchUrl} placeholder="https://git.example.com" hint={t("clients.launchUrlHint")} />
        </div>
        {p.creating ? <Field ctx={p.ctx} name="id" label={t("clients.clientId")} value={v.id} error={e.id} maxlength={128} placeholder={t("clients.clientIdPlaceholder")} hint={t("clients.clientIdHint")} /> : ""}
        <Field ctx={p.ctx} name="description" label={t("clients.description")} value={v.description} error={e.description} maxlength={1000} />
        {doc ? "" : <UrlRows ctx={p.ctx} name="callbackUrl" label={t("clients.callbackUrls")} values={v.callbackUrls} error={e.callbackUrls} placeholder="https://git.example.com/user/oauth2/Latchkey/callback" hint={t("clients.callbackUrlsHint")} />}
        {doc ? "" : <UrlRows ctx={p.ctx} name="logoutCallbackUrl" label={t("clients.logoutCallbackUrls")} values={v.logoutCallbackUrls} error={e.logoutCallbackUrls} placeholder="https://git.example.com/" hint={t("clients.logoutCallbackUrlsHint")} />}
      </section>
      <AccessChoice ctx={p.ctx} ns="clients" ids={{ section: "client-groups", title: "groups-title", nobody: "nobody-allowed" }} restricted={v.access === "groups"} selected={v.allowedGroupIds} groups={p.groups} error={e.allowedGroupIds ?? e.unrestricted} />
      <section class="section" aria-labelledby="client-security-title">
        <h2 id="client-security-title" safe>{t("clients.securityTitle")}</h2>
        {doc ? "" : <Toggle name="isPublic" label={t("clients.isPublic")} checked={v.isPublic} error={e.isPublic} hint={t("clients.isPublicHint")} />}
        {doc ? "" : <Toggle name="pkceEnabled" label={t("clients.pkce")} checked={v.pkceEnabled} error={e.pkceEnabled} hint={t("clients.pkceHint")} />}
        <Toggle name="requiresReauthentication" label={t("clients.reauth")} checked={v.requiresReauthentication} hint={t("clients.reauthHint")} />
        <Toggle name="skipConsent" label={t("clients.skipConsent")} checked={v.skipConsent} hint={t("clients.skipConsentHint")} />
        <details class="advanced" data-open-if-set open={advancedIsSet(v, e)}>
          <summary>
            <span class="advanced-title" safe>{t("clients.advancedTitle")}</span>
            <span class="hint" safe>{t("clients.advancedSummary")}</span>
          </summary>
          <div class="advanced-body">
            <div class="grid-2">
              <Field ctx={p.ctx} name="accessTokenDurationMinutes" label={t("clients.accessTokenLifetime")} type="number" min="1" value={v.accessTokenDurationMinutes} error={e.accessTokenDurationMinutes} required />
              <Field ctx={p.ctx} name="refreshTokenDurationMinutes" label={t("clients.refreshTokenLifetime")} type="number" min="1" value={v.refreshTokenDurationMinutes} error={e.refreshTokenDurationMinutes} required hint={t("clients.refreshTokenLifetimeHint")} />
            </div>
            {doc ? "" : <ProtocolFieldset ctx={p.ctx} v={v} e={e} />}
          </div>
        </details>
      </section>
      {!p.creating && !doc && p.appUrl ? <FederatedSection ctx={p.ctx} clientId={v.id} isPublic={v.isPublic} appUrl={p.appUrl} rows={v.federated ?? []} errors={e} /> : ""}
      <SaveBar ctx={p.ctx} saved={p.saved} label={p.creating ? t("clients.create") : undefined} cancelHref={p.creating ? LIST : undefined} />
    </OneSaveForm>
  );
}

export function NewClientPage(p: { ctx: PageContext; values: ClientFormValues; groups: GroupOption[]; errors?: Record<string, string> }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title={p.ctx.t("clients.addTitle")}>
      <NewClientContent ctx={p.ctx} values={p.values} groups={p.groups} errors={p.errors} />
    </AdminLayout>
  );
}

export function NewClientContent(p: { ctx: PageContext; values: ClientFormValues; groups: GroupOption[]; errors?: Record<string, string> }): JSX.Element {
  const { t } = p.ctx;
  return (
    <div id="client-page">
      <PageHeader title={t("clients.addTitle")} lead={t("clients.addLead")} back={{ href: LIST, label: t("clients.title") }} />
      <ClientForm ctx={p.ctx} action={LIST} values={p.values} groups={p.groups} creating target="#client-page" errors={p.errors} />
    </div>
  );
}

export interface ClientDetail {
  client: OidcClient;
  values: ClientFormValues;
  groups: GroupOption[];
  secrets: ClientSecretInfo[];
  appUrl: string;
  backchannel?: BackchannelStatus;
  scim?: ScimSectionState;
  /** The APIs the client may use (RFC 8707), and those it could be given. */
  apiAccess?: { grants: GrantCard[]; assignable: { id: string; name: string }[]; anyApi: boolean };
}

export function ClientDetailPage(p: { ctx: PageContext; d: ClientDetail; createdSecret?: string; saved?: boolean; errors?: Record<string, string>; preview?: PreviewState }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title={p.d.client.name}>
      <ClientDetailContent ctx={p.ctx} d={p.d} createdSecret={p.createdSecret} saved={p.saved} errors={p.errors} preview={p.preview} />
    </AdminLayout>
  );
}

export function ClientDetailContent(p: { ctx: PageContext; d: ClientDetail; createdSecret?: string; saved?: boolean; errors?: Record<string, string>; preview?: PreviewState }): JSX.Element {
  const { t } = p.ctx;
  const c = p.d.client;
  const base = `${LIST}/${clientPathSegment(c.id)}`;
  const doc = c.clientType === "cimd";
  return (
    <div id="client-page">
      <PageHeader title={c.name} back={{ href: LIST, label: t("clients.title") }}>
        {doc ? <span class="badge badge-accent" safe>{t("clients.badgeDocument")}</span> : ""}
        {c.isPublic ? <span class="badge" safe>{t("clients.badgePublic")}</span> : <span class="badge" safe>{t("clients.badgeConfidential")}</span>}
        {accessBadge(p.ctx, { isGroupRestricted: !c.unrestricted, allowedUserGroups: c.allowedGroupIds })}
      </PageHeader>
      <div class="stack">
        {doc ? <DocumentSection ctx={p.ctx} client={c} /> : <IntegrationPanel ctx={p.ctx} appUrl={p.d.appUrl} client={c} createdSecret={p.createdSecret} />}
        <ClientForm ctx={p.ctx} action={base} values={p.d.values} groups={p.d.groups} creating={false} saved={p.saved} errors={p.errors} target="#client-page" appUrl={p.d.appUrl} document={doc} />
        {c.isPublic || doc ? (
          ""
        ) : c.tokenEndpointAuthMethod === "private_key_jwt" ? (
          <section class="section" id="client-secrets" aria-labelledby="secrets-title">
            <h2 id="secrets-title" safe>{t("clients.secretsTitle")}</h2>
            <p class="muted small" safe>{t("clients.secretsPrivateKeyJwt")}</p>
          </section>
        ) : (
          <SecretsSection ctx={p.ctx} clientId={c.id} secrets={p.d.secrets} federated={(p.d.values.federated ?? []).length > 0} />
        )}
        <LogoSection ctx={p.ctx} client={c} />
        {p.d.backchannel && (c.backchannelLogoutUri || p.d.backchannel.lastFailureAt || p.d.backchannel.pending) ? (
          <BackchannelSection ctx={p.ctx} uri={c.backchannelLogoutUri} status={p.d.backchannel} />
        ) : (
          ""
        )}
        {p.d.scim ? <ScimSection ctx={p.ctx} clientId={c.id} s={p.d.scim} /> : ""}
        {p.d.apiAccess ? <ApiAccessSection ctx={p.ctx} clientId={c.id} {...p.d.apiAccess} /> : ""}
        <TokenPreviewSection ctx={p.ctx} clientId={c.id} state={p.preview} />
        <section class="section danger-zone">
          <h2 safe>{t("clients.deleteTitle")}</h2>
          <p class="muted small" safe>{t("clients.deleteText")}</p>
          <form method="post" action={`${base}/delete`} hx-post={`${base}/delete`} hx-confirm={t("clients.deleteConfirm", { name: c.name })} data-leaves-page>
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-danger" safe>{t("clients.deleteButton")}</button>
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
  /** The client has federated identities: no secret is no problem. */
  federated?: boolean;
}): JSX.Element {
  const { t } = p.ctx;
  const base = `${LIST}/${p.clientId}/secrets`;
  return (
    <section class="section" id="client-secrets" aria-labelledby="secrets-title">
      <div class="section-header">
        <div>
          <h2 id="secrets-title" safe>{t("clients.secretsTitle")}</h2>
          <p class="muted small" safe>{t("clients.secretsLead")}</p>
        </div>
        <form method="post" action={base} hx-post={base} hx-target="#client-secrets" hx-swap="outerHTML">
          <Csrf ctx={p.ctx} />
          <button type="submit" class="btn btn-secondary" safe>{t("clients.secretCreate")}</button>
        </form>
      </div>
      {p.error ? <div class="alert alert-error" role="alert" safe>{p.error}</div> : ""}
      <details class="declare-secret" open={Boolean(p.valueError)}>
        <summary class="small" safe>{t("clients.secretDeclare")}</summary>
        <form method="post" action={base} hx-post={base} hx-target="#client-secrets" hx-swap="outerHTML">
          <Csrf ctx={p.ctx} />
          <Field ctx={p.ctx} name="secret" label={t("clients.secretValue")} type="password" autocomplete="off" required maxlength={512} error={p.valueError} hint={t("clients.secretValueHint")} />
          <button type="submit" class="btn btn-secondary" safe>{t("clients.secretDeclareButton")}</button>
        </form>
      </details>
      {p.created ? (
        <div class="secret-box" data-autofocus tabindex="-1" role="status">
          <p class="small">
            <strong safe>{t("clients.secretNewTitle")}</strong> <span safe>{t("clients.secretNewText")}</span>
          </p>
          <div class="copy-row">
            <code class="secret" safe>{p.created}</code>
            <button type="button" class="btn btn-secondary btn-sm" data-copy={p.created} safe>{t("clients.copy")}</button>
          </div>
        </div>
      ) : (
        ""
      )}
      {p.secrets.length === 0 ? (
        <p class="muted small" safe>{p.federated ? t("federated.secretsNone") : t("clients.secretsNone")}</p>
      ) : (
        <ul class="list">
          {p.secrets.map((s) => (
            <li class="list-item">
              <div class="grow">
                <div class="title">
                  <code safe>{`${s.prefix}••••••••`}</code> {s.expired ? <span class="badge badge-danger" safe>{t("clients.secretExpired")}</span> : ""}
                </div>
                <div class="meta">
                  <span safe>{t("clients.secretCreated")}</span> <DateTime ctx={p.ctx} at={s.createdAt} /> ·{" "}
                  {s.expiresAt ? (
                    <>
                      <span safe>{t("clients.secretExpires")}</span> <DateTime ctx={p.ctx} at={s.expiresAt} />
                    </>
                  ) : (
                    <span safe>{t("clients.secretNoExpiry")}</span>
                  )}
                </div>
              </div>
              <div class="actions">
                <form method="post" action={`${base}/${s.id}/revoke`} hx-post={`${base}/${s.id}/revoke`} hx-target="#client-secrets" hx-swap="outerHTML" hx-confirm={t("clients.secretRevokeConfirm")}>
                  <Csrf ctx={p.ctx} />
                  <button type="submit" class="btn btn-ghost btn-sm danger-text" safe>{t("clients.secretRevoke")}</button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Snippet({ ctx, text }: { ctx: PageContext; text: string }): JSX.Element {
  return (
    <div class="snippet">
      <pre><code safe>{text}</code></pre>
      <button type="button" class="btn btn-secondary btn-sm" data-copy={text} safe>{ctx.t("clients.copy")}</button>
    </div>
  );
}

const SNIPPET_TITLES: Record<SnippetKind, MessageKey> = {
  generic: "clients.snippetGeneric",
  forgejo: "clients.snippetForgejo",
  opengist: "clients.snippetOpengist",
  grafana: "clients.snippetGrafana",
  "oauth2-proxy": "clients.snippetOauth2Proxy",
};

/** The callback an app will send, and whether the client allows it yet (the snippet and the list agree). */
function CallbackNote({ ctx, kind, callback }: { ctx: PageContext; kind: SnippetKind; callback: { url: string; listed: boolean } }): JSX.Element {
  const { t } = ctx;
  const lead = kind === "forgejo" ? t("clients.callbackForgejo") : t("clients.callbackApp");
  return callback.listed ? (
    <p class="small muted snippet-note">
      <span safe>{lead}</span> <code safe>{callback.url}</code> <span class="badge badge-success" safe>{t("clients.callbackAllowed")}</span>
    </p>
  ) : (
    <div class="alert alert-warning snippet-note" role="note">
      <span safe>{lead}</span> <code safe>{callback.url}</code> <strong safe>{t("clients.callbackMissing")}</strong>
    </div>
  );
}

/** "Connect an app": the first thing on a client's page — credentials, the discovery URL, endpoints and snippets. */
export function IntegrationPanel({ ctx, appUrl, client, createdSecret }: { ctx: PageContext; appUrl: string; client: OidcClient; createdSecret?: string }): JSX.Element {
  const { t } = ctx;
  const endpoints: [MessageKey, string][] = [
    ["clients.endpointIssuer", appUrl],
    ["clients.endpointAuthorization", `${appUrl}/authorize`],
    ["clients.endpointToken", `${appUrl}/api/oidc/token`],
    ["clients.endpointUserinfo", `${appUrl}/api/oidc/userinfo`],
    ["clients.endpointJwks", `${appUrl}/.well-known/jwks.json`],
    ["clients.endpointEndSession", `${appUrl}/api/oidc/end-session`],
    ["clients.endpointIntrospection", `${appUrl}/api/oidc/introspect`],
    ["clients.endpointDevice", `${appUrl}/api/oidc/device/authorize`],
  ];
  const discovery = `${appUrl}/.well-known/openid-configuration`;
  const snippets = integrationSnippets(client, appUrl, ctx.appName);
  const safeSecretNote = ctx.rich("clients.connectSecretManage", { link: (x) => `<a href="#client-secrets">${x}</a>` });
  const secretNote = client.isPublic
    ? t("clients.connectSecretPublic")
    : client.tokenEndpointAuthMethod === "private_key_jwt"
      ? t("clients.connectSecretPrivateKeyJwt")
      : createdSecret
        ? t("clients.connectSecretAbove")
        : null;
  return (
    <section class="section" id="client-connect" aria-labelledby="integration-title">
      <h2 id="integration-title" safe>{t("clients.connectTitle")}</h2>
      <p class="muted small" safe>{t("clients.connectLead")}</p>
      {createdSecret ? (
        <div class="secret-box" data-autofocus tabindex="-1" role="status">
          <p class="small">
            <strong safe>{t("clients.createdSecretTitle")}</strong> <span safe>{t("clients.createdSecretText")}</span>
          </p>
          <div class="copy-row">
            <code class="secret" id="created-secret" safe>{createdSecret}</code>
            <button type="button" class="btn btn-secondary btn-sm" data-copy={createdSecret} safe>{t("clients.copySecret")}</button>
          </div>
        </div>
      ) : (
        ""
      )}
      <dl class="kv">
        <dt safe>{t("clients.clientId")}</dt>
        <dd><code id="client-id" safe>{client.id}</code></dd>
        <dd><button type="button" class="btn btn-secondary btn-sm" data-copy={client.id} safe>{t("clients.copy")}</button></dd>
        <dt safe>{t("clients.connectSecret")}</dt>
        <dd class="muted small">{secretNote === null ? safeSecretNote : <span safe>{secretNote}</span>}</dd>
        <dd></dd>
        <dt safe>{t("clients.connectDiscovery")}</dt>
        <dd><code safe>{discovery}</code></dd>
        <dd><button type="button" class="btn btn-secondary btn-sm" data-copy={discovery} safe>{t("clients.copy")}</button></dd>
      </dl>
      <details class="snippet-group">
        <summary safe>{t("clients.allEndpoints")}</summary>
        <dl class="kv">
          {endpoints.map(([label, url]) => (
            <>
              <dt safe>{t(label)}</dt>
              <dd><code safe>{url}</code></dd>
              <dd><button type="button" class="btn btn-ghost btn-sm" data-copy={url} safe>{t("clients.copy")}</button></dd>
            </>
          ))}
        </dl>
      </details>
      <h3 class="snippets-title" safe>{t("clients.snippetsTitle")}</h3>
      {snippets.map((sn, n) => (
        <details class="snippet-group" open={n === 0} data-snippet={sn.kind}>
          <summary safe>{t(SNIPPET_TITLES[sn.kind])}</summary>
          {sn.callback ? <CallbackNote ctx={ctx} kind={sn.kind} callback={sn.callback} /> : ""}
          <Snippet ctx={ctx} text={sn.text} />
        </details>
      ))}
    </section>
  );
}

export function LogoSection(p: { ctx: PageContext; client: OidcClient; error?: string; notice?: string }): JSX.Element {
  const { t } = p.ctx;
  const c = p.client;
  const base = `${LIST}/${clientPathSegment(c.id)}/logo`;
  const urlAction = `${LIST}/${clientPathSegment(c.id)}/logo-url`;
  const variant = (dark: boolean) => {
    const has = dark ? c.hasDarkLogo : c.hasLogo;
    const name = dark ? "dark" : "light";
    return (
      <div class={`logo-variant logo-${name}`}>
        <div class="label" safe>{dark ? t("clients.logoDark") : t("clients.logoLight")}</div>
        <div class="logo-preview">
          {has ? (
            <img src={`/api/oidc/clients/${clientPathSegment(c.id)}/logo?light=${dark ? "false" : "true"}&v=${c.updatedAt}`} alt={dark ? t("clients.logoDarkAlt") : t("clients.logoLightAlt")} width="64" height="64" />
          ) : (
            <span class="muted small" safe>{dark ? t("clients.logoDarkNone") : t("clients.logoLightNone")}</span>
          )}
        </div>
        <form class="inline-form" method="post" action={`${base}?variant=${name}`} enctype="multipart/form-data" hx-post={`${base}?variant=${name}`} hx-encoding="multipart/form-data" hx-target="#client-logo" hx-swap="outerHTML">
          <Csrf ctx={p.ctx} />
          <label class="sr-only" for={`logo-${name}`} safe>{dark ? t("clients.logoDarkFile") : t("clients.logoLightFile")}</label>
          <input id={`logo-${name}`} type="file" name="file" accept="image/png,image/jpeg,image/gif,image/webp" required />
          <button type="submit" class="btn btn-secondary btn-sm" safe>{t("clients.logoUpload")}</button>
        </form>
        <form class="inline-form" method="post" action={`${urlAction}?variant=${name}`} hx-post={`${urlAction}?variant=${name}`} hx-target="#client-logo" hx-swap="outerHTML">
          <Csrf ctx={p.ctx} />
          <label class="sr-only" for={`logo-url-${name}`} safe>{dark ? t("clients.logoDarkUrl") : t("clients.logoLightUrl")}</label>
          <input id={`logo-url-${name}`} type="url" name="logoUrl" required maxlength="2048" placeholder="https://app.example.com/logo.png" />
          <button type="submit" class="btn btn-secondary btn-sm" safe>{t("clients.logoDownload")}</button>
        </form>
        {has ? (
          <form method="post" action={`${base}/delete?variant=${name}`} hx-post={`${base}/delete?variant=${name}`} hx-target="#client-logo" hx-swap="outerHTML">
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-link small" safe>{t("clients.remove")}</button>
          </form>
        ) : (
          ""
        )}
      </div>
    );
  };
  return (
    <section class="section" id="client-logo" aria-labelledby="logo-title">
      <h2 id="logo-title" safe>{t("clients.logoTitle")}</h2>
      <p class="muted small" safe>{t("clients.logoLead")}</p>
      {p.notice ? <div class="alert alert-success" role="status" safe>{p.notice}</div> : ""}
      {p.error ? <div class="alert alert-error" role="alert" safe>{p.error}</div> : ""}
      <div class="grid-2">
        {variant(false)}
        {variant(true)}
      </div>
    </section>
  );
}

/**
 * A client registered by its Client ID Metadata Document: what the document says (read-only), when it is fetched
 * again, and a button to fetch it now.
 */
export function DocumentSection(p: { ctx: PageContext; client: OidcClient; error?: string }): JSX.Element {
  const { t } = p.ctx;
  const c = p.client;
  const action = `${LIST}/${clientPathSegment(c.id)}/refresh`;
  const list = (urls: string[]) => (urls.length === 0 ? <span class="muted" safe>{t("clients.none")}</span> : <ul class="plain">{urls.map((u) => <li><code safe>{u}</code></li>)}</ul>);
  return (
    <section class="section" id="client-document" aria-labelledby="document-title">
      <h2 id="document-title" safe>{t("clients.documentTitle")}</h2>
      <p class="muted small" safe>{t("clients.documentLead")}</p>
      {p.error ? <div class="alert alert-error" role="alert" safe>{p.error}</div> : ""}
      <dl class="kv">
        <dt safe>{t("clients.clientId")}</dt>
        <dd><code translate="no" safe>{c.id}</code></dd>
        <dt safe>{t("clients.name")}</dt>
        <dd safe>{c.name}</dd>
        <dt safe>{t("clients.callbackUrls")}</dt>
        <dd>{list(c.callbackUrls)}</dd>
        <dt safe>{t("clients.logoutCallbackUrls")}</dt>
        <dd>{list(c.logoutCallbackUrls)}</dd>
        <dt safe>{t("clients.documentAuth")}</dt>
        <dd safe>{c.isPublic ? t("clients.documentAuthNone") : t("clients.documentAuthKeys")}</dd>
        <dt safe>{t("clients.documentGrants")}</dt>
        <dd><code safe>{c.metadataGrantTypes.join(" ")}</code></dd>
        <dt safe>{t("clients.documentExpires")}</dt>
        <dd>{c.metadataExpiresAt !== null ? <DateTime ctx={p.ctx} at={c.metadataExpiresAt} /> : <span safe>{t("clients.none")}</span>}</dd>
      </dl>
      {/* The whole page is re-rendered: the name in its header may change too. */}
      <form method="post" action={action} hx-post={action} hx-target="#client-page" hx-swap="outerHTML">
        <Csrf ctx={p.ctx} />
        <button type="submit" class="btn btn-secondary" safe>{t("clients.documentRefresh")}</button>
      </form>
    </section>
  );
}

// --- protocol settings (issue 10: PAR, back-channel logout, private_key_jwt, client credentials) -----

const AUTH_METHODS: [string, MessageKey][] = [
  ["client_secret", "clients.authEither"],
  ["client_secret_basic", "clients.authBasic"],
  ["client_secret_post", "clients.authPost"],
  ["private_key_jwt", "clients.authPrivateKeyJwt"],
];

function ProtocolFieldset({ ctx, v, e }: { ctx: PageContext; v: ClientFormValues; e: Record<string, string> }): JSX.Element {
  const { t } = ctx;
  const method = AUTH_METHODS.some(([value]) => value === v.tokenEndpointAuthMethod) ? v.tokenEndpointAuthMethod : "client_secret";
  return (
    <fieldset class="fieldset">
      <legend safe>{t("clients.protocolTitle")}</legend>
      <Toggle name="requirePar" label={t("clients.requirePar")} checked={v.requirePar ?? false} error={e.requirePar} hint={t("clients.requireParHint")} />
      <Field ctx={ctx} name="backchannelLogoutUri" label={t("clients.backchannelUrl")} type="url" value={v.backchannelLogoutUri ?? ""} error={e.backchannelLogoutUri} placeholder="https://app.example.com/backchannel-logout" hint={t("clients.backchannelUrlHint")} />
      <div class="field">
        <label for="tokenEndpointAuthMethod" safe>{t("clients.authMethod")}</label>
        <select id="tokenEndpointAuthMethod" name="tokenEndpointAuthMethod" aria-invalid={e.tokenEndpointAuthMethod ? "true" : undefined}>
          {AUTH_METHODS.map(([value, label]) => (
            <option value={value} selected={value === method} safe>
              {t(label)}
            </option>
          ))}
        </select>
        {e.tokenEndpointAuthMethod ? <p class="error-text" safe>{e.tokenEndpointAuthMethod}</p> : <p class="hint" safe>{t("clients.authMethodHint")}</p>}
      </div>
      <div class="field">
        <label for="jwks" safe>{t("clients.jwks")}</label>
        <textarea id="jwks" name="jwks" class="mono" rows="4" spellcheck="false" placeholder='{"keys": [{"kty": "EC", "crv": "P-256", "x": "…", "y": "…", "kid": "…"}]}' aria-invalid={e.jwks ? "true" : undefined} safe>
          {v.jwks ?? ""}
        </textarea>
        {e.jwks ? <p class="error-text" safe>{e.jwks}</p> : <p class="hint" safe>{t("clients.jwksHint")}</p>}
      </div>
      <Field ctx={ctx} name="jwksUri" label={t("clients.jwksUri")} type="url" value={v.jwksUri ?? ""} error={e.jwksUri} placeholder="https://app.example.com/.well-known/jwks.json" />
      <Field ctx={ctx} name="credentialsScopes" label={t("clients.credentialsScopes")} value={v.credentialsScopes ?? ""} error={e.credentialsScopes} placeholder="backup:write reports:read" hint={t("clients.credentialsScopesHint")} />
    </fieldset>
  );
}

/** Delivery status of back-channel logout notices, so an unreachable logout URL does not go unnoticed. */
export function BackchannelSection({ ctx, uri, status }: { ctx: PageContext; uri: string | null; status: BackchannelStatus }): JSX.Element {
  const { t } = ctx;
  return (
    <section class="section" id="client-backchannel" aria-labelledby="backchannel-title">
      <h2 id="backchannel-title" safe>{t("clients.backchannelTitle")}</h2>
      {status.lastFailureAt !== null && (status.lastSuccessAt === null || status.lastFailureAt >= status.lastSuccessAt) ? (
        <div class="alert alert-error" role="status">
          <strong safe>{t("clients.backchannelFailed")}</strong> <DateTime ctx={ctx} at={status.lastFailureAt} />: <span safe>{status.lastError ?? ""}</span>
        </div>
      ) : (
        ""
      )}
      <dl class="kv">
        <dt safe>{t("clients.backchannelUrlShort")}</dt>
        <dd>{uri ? <code safe>{uri}</code> : <span class="muted" safe>{t("clients.none")}</span>}</dd>
        <dt safe>{t("clients.backchannelLastDelivered")}</dt>
        <dd>{status.lastSuccessAt !== null ? <DateTime ctx={ctx} at={status.lastSuccessAt} /> : <span safe>{t("clients.never")}</span>}</dd>
        <dt safe>{t("clients.backchannelLastFailure")}</dt>
        <dd>
          {status.lastFailureAt !== null ? <DateTime ctx={ctx} at={status.lastFailureAt} /> : <span safe>{t("clients.none")}</span>}
          {status.lastFailureAt !== null ? <span safe>{`: ${status.lastError ?? ""}`}</span> : ""}
        </dd>
        <dt safe>{t("clients.backchannelCounts")}</dt>
        <dd safe>{t("clients.backchannelCountsValue", { delivered: status.deliveredCount, failed: status.failedCount })}</dd>
        <dt safe>{t("clients.backchannelPending")}</dt>
        <dd safe>{ctx.formatNumber(status.pending)}</dd>
      </dl>
      <p class="muted small" safe>{t("clients.backchannelRetries")}</p>
    </section>
  );
}
