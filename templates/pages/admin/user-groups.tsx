/** Admin: user groups list (+ create form), group detail (name, members, claims, allowed clients). */
import type { PageContext } from "../../page-context.ts";
import type { Page } from "../../../src/admin/pagination.ts";
import type { UserGroupDto } from "../../../src/admin/user-groups.ts";
import { SaveBar } from "../../components/save-bar.tsx";
import { AdminLayout, ClaimRows, Csrf, EmptyState, Field, FormErrors, PageHeader, Pager } from "./admin-shell.tsx";

type GroupRow = UserGroupDto & { userCount: number };

export function GroupsPage(p: { ctx: PageContext; page: Page<GroupRow>; search: string; form: { friendlyName: string; name: string }; errors?: Record<string, string>; notice?: string }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title="User groups">
      <PageHeader title="User groups" lead="Groups decide who may use which app; their names are sent in the groups claim." />
      {p.notice ? <div class="alert alert-success" role="status" safe>{p.notice}</div> : ""}
      <div class="stack">
        <NewGroupForm ctx={p.ctx} form={p.form} errors={p.errors} />
        <section class="section">
          <form class="search-bar" role="search" method="get" action="/settings/admin/user-groups" hx-get="/settings/admin/user-groups" hx-target="#group-list" hx-swap="outerHTML" hx-trigger="input changed delay:250ms from:find input, submit" hx-push-url="true">
            <label class="sr-only" for="group-search">Search groups</label>
            <input id="group-search" type="search" name="search" value={p.search} placeholder="Search groups" autocomplete="off" />
            <button type="submit" class="btn btn-secondary">Search</button>
          </form>
          <GroupList ctx={p.ctx} page={p.page} search={p.search} />
        </section>
      </div>
    </AdminLayout>
  );
}

export function NewGroupForm(p: { ctx: PageContext; form: { friendlyName: string; name: string }; errors?: Record<string, string> }): JSX.Element {
  const e = p.errors ?? {};
  return (
    <form id="new-group" class="section" method="post" action="/settings/admin/user-groups" hx-post="/settings/admin/user-groups" hx-target="#new-group" hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      <h2>Add group</h2>
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <div class="grid-2">
        <Field name="friendlyName" label="Friendly name" value={p.form.friendlyName} error={e.friendlyName} required maxlength={50} placeholder="Family" />
        <Field name="name" label="Name" value={p.form.name} error={e.name} maxlength={255} placeholder="family" hint="Sent in the groups claim; derived from the friendly name when empty." />
      </div>
      <div class="form-actions">
        <button type="submit" class="btn">Create group</button>
      </div>
    </form>
  );
}

export function GroupList({ ctx, page, search }: { ctx: PageContext; page: Page<GroupRow>; search: string }): JSX.Element {
  return (
    <div id="group-list">
      {page.data.length === 0 ? (
        <EmptyState title={search ? "No matching groups" : "No groups yet"} text={search ? "Try another name." : "Create a group above, then add people and choose the apps it may use."} />
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Name (claim)</th>
                <th scope="col">Members</th>
              </tr>
            </thead>
            <tbody>
              {page.data.map((g) => (
                <tr>
                  <td>
                    <a href={`/settings/admin/user-groups/${g.id}`} class="title" safe>{g.friendlyName}</a>
                    {g.ldapId ? <span class="badge badge-warning" title="Managed by LDAP">LDAP</span> : ""}
                  </td>
                  <td>
                    <code safe>{g.name}</code>
                  </td>
                  <td safe>{String(g.userCount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager ctx={ctx} base="/settings/admin/user-groups" search={search} page={page.pagination.currentPage} totalPages={page.pagination.totalPages} totalItems={page.pagination.totalItems} target="#group-list" />
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
  return (
    <AdminLayout ctx={p.ctx} title={g.friendlyName}>
      <PageHeader title={g.friendlyName} lead={`groups claim: ${g.name}`} back={{ href: BASE, label: "User groups" }}>
        {g.ldapId ? <span class="badge badge-warning">Managed by LDAP</span> : ""}
      </PageHeader>
      {p.created ? <div class="alert alert-success" role="status">Group created. Add members and choose the apps it may use, then save.</div> : ""}
      <GroupEditForm ctx={p.ctx} d={p.d} saved={p.saved} />
      <section class="section danger-zone">
        <h2>Delete group</h2>
        <p class="muted small">Members keep their accounts but lose access granted through this group.</p>
        {g.ldapId ? <p class="muted small">Managed by LDAP: remove the group from the directory; the next sync deletes it here.</p> : (
        <form method="post" action={`${BASE}/${g.id}/delete`} hx-post={`${BASE}/${g.id}/delete`} hx-confirm={`Delete the group ${g.friendlyName}?`} data-leaves-page>
          <Csrf ctx={p.ctx} />
          <button type="submit" class="btn btn-danger">Delete group</button>
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
  return (
    <form
      id="group-form"
      class="edit-form"
      method="post"
      action={action}
      hx-post={action}
      hx-target="#group-form"
      hx-swap="outerHTML"
      novalidate
      data-unsaved-guard
      data-unsaved-message="You have unsaved changes on this page. Leave without saving?"
      data-dirty-initially={p.errors ? "true" : undefined}
    >
      <Csrf ctx={p.ctx} />
      <FormErrors errors={p.errors} />
      <section class="section" aria-labelledby="group-details-title">
        <h2 id="group-details-title">Details</h2>
        {readOnly ? <div class="alert alert-info"><strong>Managed by LDAP.</strong> Its name, members and existence come from the directory and are read-only here; allowed apps and custom claims stay local.</div> : ""}
        <div class="grid-2">
          <Field name="friendlyName" label="Friendly name" value={v.friendlyName} error={e.friendlyName} required maxlength={50} disabled={readOnly} />
          <Field name="name" label="Name" value={v.name} error={e.name} required maxlength={255} disabled={readOnly} hint="Changing it changes the groups claim apps receive." />
        </div>
      </section>
      <section class="section" aria-labelledby="group-members-title">
        <div class="section-header">
          <div>
            <h2 id="group-members-title">Members</h2>
            <p class="muted small" safe>{`${members.size} of ${p.d.users.length} users`}</p>
          </div>
        </div>
        {readOnly ? <p class="muted small">Managed by LDAP: members come from the directory's member attribute.</p> : ""}
        {e.userIds ? <p class="error-text" safe>{e.userIds}</p> : ""}
        <fieldset class="bare-fieldset" disabled={readOnly}>
          <legend class="sr-only">Members</legend>
          {p.d.users.length === 0 ? (
            <p class="muted small">
              No users yet. <a href="/settings/admin/users">Add people</a> first.
            </p>
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
        <h2 id="group-apps-title">Allowed apps</h2>
        <p class="muted small">Members may use the apps ticked here. Apps open to everyone admit them anyway.</p>
        <AppChecklist title="OIDC clients" name="oidcClientIds" apps={p.d.clients} selected={v.oidcClientIds} error={e.oidcClientIds} empty={{ text: "No OIDC clients yet.", link: "Add one", href: "/settings/admin/oidc-clients/new" }} />
        <AppChecklist title="Protected apps (forward-auth)" name="protectedAppIds" apps={p.d.protectedApps} selected={v.protectedAppIds} error={e.protectedAppIds} empty={{ text: "No protected apps yet.", link: "Add one", href: "/settings/admin/protected-apps/new" }} />
      </section>
      <section class="section" aria-labelledby="group-claims-title">
        <h2 id="group-claims-title">Custom claims</h2>
        <p class="muted small">Added to every member's tokens; a user's own claim with the same name wins.</p>
        <ClaimRows claims={v.claims} errors={p.errors} />
      </section>
      <SaveBar saved={p.saved} />
    </form>
  );
}

function AppChecklist(p: { title: string; name: string; apps: GroupApp[]; selected: string[]; error?: string; empty: { text: string; link: string; href: string } }): JSX.Element {
  const selected = new Set(p.selected);
  return (
    <fieldset class="fieldset">
      <legend safe>{p.title}</legend>
      {p.apps.length === 0 ? (
        <p class="muted small">
          <span safe>{p.empty.text}</span> <a href={p.empty.href} safe>{p.empty.link}</a>
        </p>
      ) : (
        <div class="check-grid">
          {p.apps.map((a) => (
            <label class="checkbox">
              <input type="checkbox" name={p.name} value={a.id} checked={selected.has(a.id)} />
              <span>
                <span safe>{a.name}</span>
                {a.unrestricted ? <span class="hint">Open to everyone</span> : ""}
              </span>
            </label>
          ))}
        </div>
      )}
      {p.error ? <p class="error-text" safe>{p.error}</p> : ""}
    </fieldset>
  );
}
