/** Admin: user groups list (+ create form), group detail (one form: name, members, allowed apps, claims). */
import type { PageContext } from "../../page-context.ts";
import type { Page } from "../../../src/admin/pagination.ts";
import type { UserGroupDto } from "../../../src/admin/user-groups.ts";
import { OneSaveForm, SaveBar } from "../../components/save-bar.tsx";
import { AdminLayout, ClaimRows, Csrf, EmptyState, Field, FormErrors, PageHeader, Pager } from "./admin-shell.tsx";

type GroupRow = UserGroupDto & { userCount: number };

export function GroupsPage(p: { ctx: PageContext; page: Page<GroupRow>; search: string; form: { friendlyName: string; name: string }; errors?: Record<string, string>; notice?: string }): JSX.Element {
  const { t } = p.ctx;
  return (
    <AdminLayout ctx={p.ctx} title={t("groups.title")}>
      <PageHeader title={t("groups.title")} lead={t("groups.lead")} />
      {p.notice ? <div class="alert alert-success" role="status" safe>{p.notice}</div> : ""}
      <div class="stack">
        <NewGroupForm ctx={p.ctx} form={p.form} errors={p.errors} />
        <section class="section">
          <form class="search-bar" role="search" method="get" action="/settings/admin/user-groups" hx-get="/settings/admin/user-groups" hx-target="#group-list" hx-swap="outerHTML" hx-trigger="input changed delay:250ms from:find input, submit" hx-push-url="true">
            <label class="sr-only" for="group-search" safe>{t("groups.search")}</label>
            <input id="group-search" type="search" name="search" value={p.search} placeholder={t("groups.search")} autocomplete="off" />
            <button type="submit" class="btn btn-secondary" safe>{t("groups.searchButton")}</button>
          </form>
          <GroupList ctx={p.ctx} page={p.page} search={p.search} />
        </section>
      </div>
    </AdminLayout>
  );
}

export function NewGroupForm(p: { ctx: PageContext; form: { friendlyName: string; name: string }; errors?: Record<string, string> }): JSX.Element {
  const e = p.errors ?? {};
  const { t } = p.ctx;
  return (
    <form id="new-group" class="section" method="post" action="/settings/admin/user-groups" hx-post="/settings/admin/user-groups" hx-target="#new-group" hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      <h2 safe>{t("groups.addTitle")}</h2>
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <div class="grid-2">
        <Field ctx={p.ctx} name="friendlyName" label={t("groups.friendlyName")} value={p.form.friendlyName} error={e.friendlyName} required maxlength={50} placeholder={t("groups.friendlyNamePlaceholder")} />
        <Field ctx={p.ctx} name="name" label={t("groups.name")} value={p.form.name} error={e.name} maxlength={255} placeholder={t("groups.namePlaceholder")} hint={t("groups.nameHintNew")} />
      </div>
      <div class="form-actions">
        <button type="submit" class="btn" safe>{t("groups.create")}</button>
      </div>
    </form>
  );
}

export function GroupList({ ctx, page, search }: { ctx: PageContext; page: Page<GroupRow>; search: string }): JSX.Element {
  const { t } = ctx;
  return (
    <div id="group-list">
      {page.data.length === 0 ? (
        <EmptyState title={search ? t("groups.emptySearchTitle") : t("groups.emptyTitle")} text={search ? t("groups.emptySearchText") : t("groups.emptyText")} />
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col" safe>{t("groups.columnGroup")}</th>
                <th scope="col" safe>{t("groups.columnName")}</th>
                <th scope="col" safe>{t("groups.columnMembers")}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.map((g) => (
                <tr>
                  <td>
                    <a href={`/settings/admin/user-groups/${g.id}`} class="title" safe>{g.friendlyName}</a>
                    {g.ldapId ? <span class="badge badge-warning" title={t("groups.managedByLdap")} safe>{t("groups.ldapBadge")}</span> : ""}
                  </td>
                  <td>
                    <code safe>{g.name}</code>
                  </td>
                  <td safe>{ctx.formatNumber(g.userCount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager ctx={ctx} base="/settings/admin/user-groups" search={search} page={page.pagination.currentPage} totalPages={page.pagination.totalPages} totalItems={page.pagination.totalItems} target="#group-list" items={t("groups.count", { count: page.pagination.totalItems })} />
    </div>
  );
}

/** An app a group may be allowed to use; `unrestricted` apps admit everyone anyway. */
export type GroupApp = { id: string; name: string; unrestricted: boolean };

export interface GroupDetail {
  group: UserGroupDto;
  users: { id: string; username: string; name: string; email: string | null }[];
  clients: GroupApp[];
  protectedApps: GroupApp[];
  /** What the form shows: the stored values, or what was submitted when it was refused. */
  values: GroupFormValues;
}

export interface GroupFormValues {
  friendlyName: string;
  name: string;
  userIds: string[];
  oidcClientIds: string[];
  protectedAppIds: string[];
  claims: { key: string; value: string }[];
}

const BASE = "/settings/admin/user-groups";

export function GroupDetailPage(p: { ctx: PageContext; d: GroupDetail; created?: boolean; saved?: boolean }): JSX.Element {
  const g = p.d.group;
  const { t } = p.ctx;
  return (
    <AdminLayout ctx={p.ctx} title={g.friendlyName}>
      <PageHeader title={g.friendlyName} lead={t("groups.claimLead", { name: g.name })} back={{ href: BASE, label: t("groups.title") }}>
        {g.ldapId ? <span class="badge badge-warning" safe>{t("groups.managedByLdap")}</span> : ""}
      </PageHeader>
      {p.created ? <div class="alert alert-success" role="status" safe>{t("groups.created")}</div> : ""}
      <GroupEditForm ctx={p.ctx} d={p.d} saved={p.saved} />
      <section class="section danger-zone">
        <h2 safe>{t("groups.deleteTitle")}</h2>
        <p class="muted small" safe>{t("groups.deleteText")}</p>
        {g.ldapId ? <p class="muted small" safe>{t("groups.deleteLdap")}</p> : (
        <form method="post" action={`${BASE}/${g.id}/delete`} hx-post={`${BASE}/${g.id}/delete`} hx-confirm={t("groups.deleteConfirm", { name: g.friendlyName })} data-leaves-page>
          <Csrf ctx={p.ctx} />
          <button type="submit" class="btn btn-danger" safe>{t("groups.deleteButton")}</button>
        </form>
        )}
      </section>
    </AdminLayout>
  );
}

/**
 * The whole group page in one form with one Save: details, members, allowed apps and claims are
 * saved together (or, on any problem, nothing is). admin.js warns before leaving with unsaved changes.
 */
export function GroupEditForm(p: { ctx: PageContext; d: GroupDetail; errors?: Record<string, string>; saved?: boolean }): JSX.Element {
  const g = p.d.group;
  const v = p.d.values;
  const e = p.errors ?? {};
  const readOnly = g.ldapId !== null;
  const action = `${BASE}/${g.id}`;
  const members = new Set(v.userIds);
  const { t } = p.ctx;
  // Catalogue HTML: ctx.rich escapes the message's text; the tags are ours.
  const safeLdapNote = p.ctx.rich("groups.ldapReadOnly", { strong: (x) => `<strong>${x}</strong>` });
  const safeNoUsers = p.ctx.rich("groups.noUsers", { link: (x) => `<a href="/settings/admin/users">${x}</a>` });
  // admin.js keeps the number in step with the ticked boxes (data-count-of names the checkboxes).
  const safeMemberCount = p.ctx.rich("groups.membersCount", { count: members.size, total: p.d.users.length, n: (x) => `<span data-count-of="userIds">${x}</span>` });
  return (
    <OneSaveForm ctx={p.ctx} id="group-form" action={action} target="#group-form" dirty={p.errors !== undefined}>
      <Csrf ctx={p.ctx} />
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <section class="section" aria-labelledby="group-details-title">
        <h2 id="group-details-title" safe>{t("groups.detailsTitle")}</h2>
        {readOnly ? <div class="alert alert-info">{safeLdapNote}</div> : ""}
        <div class="grid-2">
          <Field ctx={p.ctx} name="friendlyName" label={t("groups.friendlyName")} value={v.friendlyName} error={e.friendlyName} required maxlength={50} disabled={readOnly} />
          <Field ctx={p.ctx} name="name" label={t("groups.name")} value={v.name} error={e.name} required maxlength={255} disabled={readOnly} hint={t("groups.nameHint")} />
        </div>
      </section>
      <section class="section" aria-labelledby="group-members-title">
        <div class="section-header">
          <div>
            <h2 id="group-members-title" safe>{t("groups.membersTitle")}</h2>
            <p class="muted small">{safeMemberCount}</p>
          </div>
        </div>
        {readOnly ? <p class="muted small" safe>{t("groups.membersLdap")}</p> : ""}
        {e.userIds ? <p class="error-text" safe>{e.userIds}</p> : ""}
        <fieldset class="bare-fieldset" disabled={readOnly}>
          <legend class="sr-only" safe>{t("groups.membersTitle")}</legend>
          {p.d.users.length === 0 ? (
            <p class="muted small">{safeNoUsers}</p>
          ) : (
            <div class="check-grid">
              {p.d.users.map((u) => (
                <label class="checkbox">
                  <input type="checkbox" name="userIds" value={u.id} checked={members.has(u.id)} />
                  <span>
                    <span safe>{u.name}</span>
                    <span class="hint mono" safe>{`@${u.username}`}</span>
                  </span>
                </label>
              ))}
            </div>
          )}
        </fieldset>
      </section>
      <section class="section" aria-labelledby="group-apps-title">
        <h2 id="group-apps-title" safe>{t("groups.appsTitle")}</h2>
        <p class="muted small" safe>{t("groups.appsLead")}</p>
        <AppChecklist ctx={p.ctx} title={t("groups.appsOidc")} name="oidcClientIds" apps={p.d.clients} selected={v.oidcClientIds} error={e.oidcClientIds} safeEmpty={p.ctx.rich("groups.noClients", { link: (x) => `<a href="/settings/admin/oidc-clients/new">${x}</a>` })} />
        <AppChecklist ctx={p.ctx} title={t("groups.appsProtected")} name="protectedAppIds" apps={p.d.protectedApps} selected={v.protectedAppIds} error={e.protectedAppIds} safeEmpty={p.ctx.rich("groups.noProtectedApps", { link: (x) => `<a href="/settings/admin/protected-apps/new">${x}</a>` })} />
      </section>
      <section class="section" aria-labelledby="group-claims-title">
        <h2 id="group-claims-title" safe>{t("groups.claimsTitle")}</h2>
        <p class="muted small" safe>{t("groups.claimsLead")}</p>
        <ClaimRows ctx={p.ctx} claims={v.claims} errors={p.errors} />
      </section>
      <SaveBar ctx={p.ctx} saved={p.saved} />
    </OneSaveForm>
  );
}

/** `safeEmpty` is catalogue HTML (from ctx.rich: its text is escaped). */
function AppChecklist(p: { ctx: PageContext; title: string; name: string; apps: GroupApp[]; selected: string[]; error?: string; safeEmpty: string }): JSX.Element {
  const safeEmpty = p.safeEmpty;
  const selected = new Set(p.selected);
  return (
    <fieldset class="fieldset">
      <legend safe>{p.title}</legend>
      {p.apps.length === 0 ? (
        <p class="muted small">{safeEmpty}</p>
      ) : (
        <div class="check-grid">
          {p.apps.map((a) => (
            <label class="checkbox">
              <input type="checkbox" name={p.name} value={a.id} checked={selected.has(a.id)} />
              <span>
                <span safe>{a.name}</span>
                {a.unrestricted ? <span class="hint" safe>{p.ctx.t("groups.openToEveryone")}</span> : ""}
              </span>
            </label>
          ))}
        </div>
      )}
      {p.error ? <p class="error-text" safe>{p.error}</p> : ""}
    </fieldset>
  );
}
