/**
 * Admin: APIs (RFC 8707 resource servers). The list (+ create form); an API's page (one form: name and
 * permissions; then the apps with access, each app's grant its own small form; delete); and the "API access"
 * section of a client's page, built from the same grant form.
 */
import type { PageContext } from "../../page-context.ts";
import type { Page } from "../../../src/admin/pagination.ts";
import type { ApiDto } from "../../../src/admin/apis.ts";
import type { ClientApiGrant } from "../../../src/db/apis.ts";
import { OneSaveForm, SaveBar } from "../../components/save-bar.tsx";
import { AdminLayout, Csrf, EmptyState, Field, FormErrors, PageHeader, Pager } from "./admin-shell.tsx";

const LIST = "/settings/admin/apis";

export type ApiFormValues = { name: string; resource: string };

export function ApisPage(p: { ctx: PageContext; page: Page<ApiDto>; search: string; form: ApiFormValues; errors?: Record<string, string>; notice?: string }): JSX.Element {
  const { t } = p.ctx;
  return (
    <AdminLayout ctx={p.ctx} title={t("apis.title")}>
      <PageHeader title={t("apis.title")} lead={t("apis.lead")} />
      {p.notice ? <div class="alert alert-success" role="status" safe>{p.notice}</div> : ""}
      <div class="stack">
        <NewApiForm ctx={p.ctx} form={p.form} errors={p.errors} />
        <section class="section">
          <form class="search-bar" role="search" method="get" action={LIST} hx-get={LIST} hx-target="#api-list" hx-swap="outerHTML" hx-trigger="input changed delay:250ms from:find input, submit" hx-push-url="true">
            <label class="sr-only" for="api-search" safe>{t("apis.search")}</label>
            <input id="api-search" type="search" name="search" value={p.search} placeholder={t("apis.search")} autocomplete="off" />
            <button type="submit" class="btn btn-secondary" safe>{t("apis.searchButton")}</button>
          </form>
          <ApiList ctx={p.ctx} page={p.page} search={p.search} />
        </section>
      </div>
    </AdminLayout>
  );
}

export function NewApiForm(p: { ctx: PageContext; form: ApiFormValues; errors?: Record<string, string> }): JSX.Element {
  const e = p.errors ?? {};
  const { t } = p.ctx;
  return (
    <form id="new-api" class="section" method="post" action={LIST} hx-post={LIST} hx-target="#new-api" hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      <h2 safe>{t("apis.addTitle")}</h2>
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <div class="grid-2">
        <Field ctx={p.ctx} name="name" label={t("apis.name")} value={p.form.name} error={e.name} required maxlength={50} placeholder={t("apis.namePlaceholder")} />
        <Field ctx={p.ctx} name="resource" label={t("apis.resource")} value={p.form.resource} error={e.resource} required maxlength={350} placeholder="https://photos.example.com/api" hint={t("apis.resourceHint")} />
      </div>
      <div class="form-actions">
        <button type="submit" class="btn" safe>{t("apis.create")}</button>
      </div>
    </form>
  );
}

export function ApiList({ ctx, page, search }: { ctx: PageContext; page: Page<ApiDto>; search: string }): JSX.Element {
  const { t } = ctx;
  return (
    <div id="api-list">
      {page.data.length === 0 ? (
        <EmptyState title={search ? t("apis.emptySearchTitle") : t("apis.emptyTitle")} text={search ? t("apis.emptySearchText") : t("apis.emptyText")} />
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col" safe>{t("apis.columnApi")}</th>
                <th scope="col" safe>{t("apis.columnResource")}</th>
                <th scope="col" safe>{t("apis.columnPermissions")}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.map((a) => (
                <tr>
                  <td>
                    <a href={`${LIST}/${a.id}`} class="title" safe>{a.name}</a>
                  </td>
                  <td>
                    <code safe>{a.resource}</code>
                  </td>
                  <td safe>{ctx.formatNumber(a.permissions.length)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager ctx={ctx} base={LIST} search={search} page={page.pagination.currentPage} totalPages={page.pagination.totalPages} totalItems={page.pagination.totalItems} target="#api-list" items={t("apis.count", { count: page.pagination.totalItems })} />
    </div>
  );
}

// --- one API ---------------------------------------------------------------------------------------

export type PermissionRow = { key: string; name: string; description: string };

/** A client's grant on an API, with what a card needs to show it. */
export interface GrantCard {
  api: { id: string; name: string; resource: string; permissions: { id: string; key: string; name: string }[] };
  client: { id: string; name: string; isPublic: boolean };
  grant: ClientApiGrant;
  /** Whether Pocket ID's metadata-document opt-in (set on the API) also opens the API to this client. */
  cimdGranted: boolean;
}

export interface ApiDetail {
  api: ApiDto;
  /** What the form shows: the stored values, or what was submitted when it was refused. */
  values: { name: string; permissions: PermissionRow[] };
  grants: GrantCard[];
  /** Apps without a grant yet. */
  assignable: { id: string; name: string }[];
  /** Pocket ID's opt-in for apps registered from a Client ID Metadata Document. */
  cimd: { enabled: boolean; permissionIds: string[] };
  /** A grant form that was refused (a form posted without htmx): its problems. */
  grantErrors?: { clientId: string; errors: Record<string, string> };
}

export function ApiDetailPage(p: { ctx: PageContext; d: ApiDetail; created?: boolean; saved?: boolean; errors?: Record<string, string> }): JSX.Element {
  const a = p.d.api;
  const { t } = p.ctx;
  return (
    <AdminLayout ctx={p.ctx} title={a.name}>
      <PageHeader title={a.name} lead={a.resource} back={{ href: LIST, label: t("apis.title") }} />
      {p.created ? <div class="alert alert-success" role="status" safe>{t("apis.created")}</div> : ""}
      <div class="stack">
        <ApiEditForm ctx={p.ctx} d={p.d} saved={p.saved} errors={p.errors} />
        <CimdAccessForm ctx={p.ctx} d={p.d} />
        <ApiClientsSection ctx={p.ctx} d={p.d} />
        <section class="section danger-zone">
          <h2 safe>{t("apis.deleteTitle")}</h2>
          <p class="muted small" safe>{t("apis.deleteText")}</p>
          <form method="post" action={`${LIST}/${a.id}/delete`} hx-post={`${LIST}/${a.id}/delete`} hx-confirm={t("apis.deleteConfirm", { name: a.name })} data-leaves-page>
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-danger" safe>{t("apis.deleteButton")}</button>
          </form>
        </section>
      </div>
    </AdminLayout>
  );
}

/** The API's one form: its name and its permissions, saved together (or, on any problem, nothing is). */
export function ApiEditForm(p: { ctx: PageContext; d: ApiDetail; errors?: Record<string, string>; saved?: boolean }): JSX.Element {
  const a = p.d.api;
  const v = p.d.values;
  const e = p.errors ?? {};
  const { t } = p.ctx;
  return (
    <OneSaveForm ctx={p.ctx} id="api-form" action={`${LIST}/${a.id}`} target="#api-form" dirty={p.errors !== undefined}>
      <Csrf ctx={p.ctx} />
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <section class="section" aria-labelledby="api-details-title">
        <h2 id="api-details-title" safe>{t("apis.detailsTitle")}</h2>
        <div class="grid-2">
          <Field ctx={p.ctx} name="name" label={t("apis.name")} value={v.name} error={e.name} required maxlength={50} />
          <div class="field">
            <span class="label" safe>{t("apis.resourceFixed")}</span>
            <p class="mono wrap-anywhere" safe>{a.resource}</p>
          </div>
        </div>
      </section>
      <section class="section" aria-labelledby="api-permissions-title">
        <h2 id="api-permissions-title" safe>{t("apis.permissionsTitle")}</h2>
        <p class="muted small" safe>{t("apis.permissionsLead")}</p>
        <PermissionRows ctx={p.ctx} rows={v.permissions} errors={e} />
      </section>
      <SaveBar ctx={p.ctx} saved={p.saved} />
    </OneSaveForm>
  );
}

/** Editable permission rows (added and removed by admin.js, as the custom claim rows are). */
function PermissionRows({ ctx, rows, errors }: { ctx: PageContext; rows: PermissionRow[]; errors: Record<string, string> }): JSX.Element {
  const { t } = ctx;
  const shown = rows.length ? rows : [{ key: "", name: "", description: "" }];
  const rowErrors = (i: number) => ["key", "name", "description"].map((f) => errors[`permissions[${i}].${f}`]).filter((m): m is string => m !== undefined);
  return (
    <div class="claims permissions" data-rows>
      <div class="claim-head permission-head" aria-hidden="true">
        <span safe>{t("apis.permissionKey")}</span>
        <span safe>{t("apis.permissionName")}</span>
        <span safe>{t("apis.permissionDescription")}</span>
        <span></span>
      </div>
      {shown.map((r, i) => (
        <>
          <div class="claim-row permission-row" data-row>
            <input type="text" name="permissionKey" value={r.key} aria-label={t("apis.permissionKeyOf", { n: i + 1 })} placeholder="photos:read" maxlength="128" aria-invalid={errors[`permissions[${i}].key`] ? "true" : undefined} />
            <input type="text" name="permissionName" value={r.name} aria-label={t("apis.permissionNameOf", { n: i + 1 })} placeholder={t("apis.permissionNamePlaceholder")} maxlength="50" aria-invalid={errors[`permissions[${i}].name`] ? "true" : undefined} />
            <input type="text" name="permissionDescription" value={r.description} aria-label={t("apis.permissionDescriptionOf", { n: i + 1 })} placeholder={t("apis.permissionDescriptionPlaceholder")} maxlength="200" aria-invalid={errors[`permissions[${i}].description`] ? "true" : undefined} />
            <button type="button" class="btn btn-ghost btn-sm" data-remove-row aria-label={t("apis.permissionRemoveOf", { n: i + 1 })} safe>{t("apis.permissionRemove")}</button>
          </div>
          {rowErrors(i).map((m) => (
            <p class="error-text" safe>{t("apis.permissionProblem", { n: i + 1, problem: m })}</p>
          ))}
        </>
      ))}
      <template data-row-template>
        <div class="claim-row permission-row" data-row>
          <input type="text" name="permissionKey" value="" aria-label={t("apis.permissionKeyNew")} placeholder="photos:read" maxlength="128" />
          <input type="text" name="permissionName" value="" aria-label={t("apis.permissionNameNew")} placeholder={t("apis.permissionNamePlaceholder")} maxlength="50" />
          <input type="text" name="permissionDescription" value="" aria-label={t("apis.permissionDescriptionNew")} placeholder={t("apis.permissionDescriptionPlaceholder")} maxlength="200" />
          <button type="button" class="btn btn-ghost btn-sm" data-remove-row aria-label={t("apis.permissionRemoveNew")} safe>{t("apis.permissionRemove")}</button>
        </div>
      </template>
      {errors.permissions ? <p class="error-text" safe>{errors.permissions}</p> : ""}
      <p class="muted small" safe>{t("apis.permissionKeyHint")}</p>
      <button type="button" class="btn btn-secondary btn-sm" data-add-row safe>{t("apis.permissionAdd")}</button>
    </div>
  );
}

/** The apps with access, each with its grant form; `oob` when it rides along an htmx answer. */
export function ApiClientsSection(p: { ctx: PageContext; d: ApiDetail; oob?: boolean }): JSX.Element {
  const { t } = p.ctx;
  const a = p.d.api;
  return (
    <section class="section" id="api-clients" aria-labelledby="api-clients-title" hx-swap-oob={p.oob ? "true" : undefined}>
      <h2 id="api-clients-title" safe>{t("apis.clientsTitle")}</h2>
      <p class="muted small" safe>{t("apis.clientsLead")}</p>
      {p.d.grants.length === 0 ? <p class="muted small" safe>{t("apis.noClients")}</p> : ""}
      <div class="stack grant-cards">
        {p.d.grants.map((g) => (
          <GrantForm ctx={p.ctx} card={g} from="api" errors={p.d.grantErrors?.clientId === g.client.id ? p.d.grantErrors.errors : undefined} />
        ))}
      </div>
      <AddForm
        ctx={p.ctx}
        action={`${LIST}/${a.id}/clients`}
        name="clientId"
        label={t("apis.addClient")}
        button={t("apis.addClientButton")}
        options={p.d.assignable}
        empty={t("apis.noAssignableClients")}
      />
    </section>
  );
}

/** A select and a button that give one more app (or API) access; answers with the page again. */
function AddForm(p: { ctx: PageContext; action: string; name: string; label: string; button: string; options: { id: string; name: string }[]; empty: string }): JSX.Element {
  if (p.options.length === 0) return <p class="muted small" safe>{p.empty}</p>;
  const id = `f-add-${p.name}`;
  return (
    <form class="add-grant" method="post" action={p.action} hx-post={p.action}>
      <Csrf ctx={p.ctx} />
      <label for={id} safe>{p.label}</label>
      <div class="row">
        <select id={id} name={p.name}>
          {p.options.map((o) => (
            <option value={o.id} safe>{o.name}</option>
          ))}
        </select>
        <button type="submit" class="btn btn-secondary" safe>{p.button}</button>
      </div>
    </form>
  );
}

/** One checkbox per permission (its name, and its scope beneath), posted as `name`. */
function PermissionChecks(p: { name: string; permissions: { id: string; key: string; name: string }[]; selected: Set<string> }): JSX.Element {
  return (
    <>
      {p.permissions.map((perm) => (
        <label class="checkbox">
          <input type="checkbox" name={p.name} value={perm.id} checked={p.selected.has(perm.id)} />
          <span>
            <span safe>{perm.name}</span>
            <span class="hint mono" safe>{perm.key}</span>
          </span>
        </label>
      ))}
    </>
  );
}

export function grantFormId(apiId: string, clientId: string): string {
  return `grant-${apiId}-${clientId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/**
 * What one app may do with one API, as its own form: for people (access, permissions) and for the app itself
 * (client_credentials: access, permissions; not for a public app). Saved or removed in place.
 */
export function GrantForm(p: { ctx: PageContext; card: GrantCard; from: "api" | "client"; errors?: Record<string, string> }): JSX.Element {
  const { t } = p.ctx;
  const { api, client, grant } = p.card;
  const id = grantFormId(api.id, client.id);
  const action = `${LIST}/${api.id}/clients/${encodeURIComponent(client.id)}`;
  const e = p.errors ?? {};
  const user = new Set(grant.userDelegatedPermissionIds);
  const own = new Set(grant.clientPermissionIds);
  const title = p.from === "api" ? client.name : api.name;
  const href = p.from === "api" ? `/settings/admin/oidc-clients/${encodeURIComponent(client.id)}` : `${LIST}/${api.id}`;
  return (
    <form id={id} class="grant-card" method="post" action={action} hx-post={action} hx-target={`#${id}`} hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      <input type="hidden" name="from" value={p.from} />
      <div class="grant-head">
        <a href={href} class="title" safe>{title}</a>
        {p.from === "client" ? <code class="small" safe>{api.resource}</code> : client.isPublic ? <span class="badge" safe>{t("clients.badgePublic")}</span> : ""}
      </div>
      <FormErrors ctx={p.ctx} errors={p.errors} />
      {p.card.cimdGranted ? <p class="muted small" safe>{t("apis.cimdGrantedNote")}</p> : ""}
      <div class="grid-2">
        <fieldset class="fieldset">
          <legend safe>{t("apis.userDelegated")}</legend>
          <p class="hint" safe>{t("apis.userDelegatedHint")}</p>
          <label class="checkbox">
            <input type="checkbox" name="userDelegatedAccess" value="on" checked={grant.userDelegatedAccess} />
            <span safe>{t("apis.mayRequest")}</span>
          </label>
          <PermissionChecks name="userDelegatedPermissionIds" permissions={api.permissions} selected={user} />
          {e.userDelegatedPermissionIds ? <p class="error-text" safe>{e.userDelegatedPermissionIds}</p> : ""}
        </fieldset>
        <fieldset class="fieldset" disabled={client.isPublic}>
          <legend safe>{t("apis.clientAccessTitle")}</legend>
          <p class="hint" safe>{client.isPublic ? t("apis.publicNoClientAccess") : t("apis.clientAccessHint")}</p>
          <label class="checkbox">
            <input type="checkbox" name="clientAccess" value="on" checked={grant.clientAccess} />
            <span safe>{t("apis.mayRequest")}</span>
          </label>
          <PermissionChecks name="clientPermissionIds" permissions={api.permissions} selected={own} />
          {e.clientAccess || e.clientPermissionIds ? <p class="error-text" safe>{e.clientAccess ?? e.clientPermissionIds}</p> : ""}
        </fieldset>
      </div>
      {api.permissions.length === 0 ? <p class="muted small" safe>{t("apis.noPermissions")}</p> : ""}
      <div class="form-actions">
        <button
          type="submit"
          class="btn btn-ghost"
          formaction={`${action}/remove`}
          hx-post={`${action}/remove`}
          hx-confirm={t("apis.removeGrantConfirm", { client: client.name, api: api.name })}
          safe
        >
          {t("apis.removeGrant")}
        </button>
        <button type="submit" class="btn btn-secondary" safe>{t("apis.saveGrant")}</button>
      </div>
    </form>
  );
}

/**
 * Pocket ID's opt-in for apps that register themselves from a Client ID Metadata Document: on, every such app may
 * request people's tokens for the API with the ticked permissions (kept while off). Its own small form.
 */
export function CimdAccessForm(p: { ctx: PageContext; d: ApiDetail; oob?: boolean; errors?: Record<string, string> }): JSX.Element {
  const { t } = p.ctx;
  const a = p.d.api;
  const action = `${LIST}/${a.id}/cimd`;
  const selected = new Set(p.d.cimd.permissionIds);
  return (
    <form id="api-cimd" class="section" method="post" action={action} hx-post={action} hx-target="#api-cimd" hx-swap="outerHTML" hx-swap-oob={p.oob ? "true" : undefined} novalidate>
      <Csrf ctx={p.ctx} />
      <h2 safe>{t("apis.cimdTitle")}</h2>
      <p class="muted small" safe>{t("apis.cimdLead")}</p>
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <label class="checkbox">
        <input type="checkbox" name="enabled" value="on" checked={p.d.cimd.enabled} />
        <span safe>{t("apis.cimdEnabled")}</span>
      </label>
      {a.permissions.length ? (
        <fieldset class="fieldset">
          <legend safe>{t("apis.permissionsTitle")}</legend>
          <div class="check-grid">
            <PermissionChecks name="permissionIds" permissions={a.permissions} selected={selected} />
          </div>
        </fieldset>
      ) : (
        ""
      )}
      {p.errors?.permissionIds ? <p class="error-text" safe>{p.errors.permissionIds}</p> : ""}
      <div class="form-actions">
        <button type="submit" class="btn btn-secondary" safe>{t("apis.cimdSave")}</button>
      </div>
    </form>
  );
}

/** The client page's "API access" section: a grant form per API, and a way to add one. */
export function ApiAccessSection(p: { ctx: PageContext; clientId: string; grants: GrantCard[]; assignable: { id: string; name: string }[]; anyApi: boolean }): JSX.Element {
  const { t } = p.ctx;
  const safeNoApis = p.ctx.rich("apis.noApisYet", { link: (x) => `<a href="${LIST}">${x}</a>` });
  return (
    <section class="section" id="client-apis" aria-labelledby="client-apis-title">
      <h2 id="client-apis-title" safe>{t("apis.accessTitle")}</h2>
      <p class="muted small" safe>{t("apis.accessLead")}</p>
      {p.grants.length === 0 ? <p class="muted small" safe>{t("apis.accessNone")}</p> : ""}
      <div class="stack grant-cards">
        {p.grants.map((g) => (
          <GrantForm ctx={p.ctx} card={g} from="client" />
        ))}
      </div>
      {p.anyApi ? (
        <AddForm
          ctx={p.ctx}
          action={`/settings/admin/oidc-clients/${encodeURIComponent(p.clientId)}/apis`}
          name="apiId"
          label={t("apis.addApi")}
          button={t("apis.addApiButton")}
          options={p.assignable}
          empty={t("apis.noAssignableApis")}
        />
      ) : (
        <p class="muted small">{safeNoApis}</p>
      )}
    </section>
  );
}
