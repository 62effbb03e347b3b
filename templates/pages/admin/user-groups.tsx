/** Admin: user groups list (+ create form), group detail (name, members, claims, allowed clients). */
import type { PageContext } from "../../page-context.ts";
import type { Page } from "../../../src/admin/pagination.ts";
import type { UserGroupDto } from "../../../src/admin/user-groups.ts";
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

export interface GroupDetail {
  group: UserGroupDto;
  users: { id: string; username: string; name: string; email: string | null }[];
  memberIds: string[];
  clients: { id: string; name: string }[];
  allowedClientIds: string[];
  claims: { key: string; value: string }[];
}

export function GroupDetailPage(p: { ctx: PageContext; d: GroupDetail; created?: boolean }): JSX.Element {
  const g = p.d.group;
  const base = `/settings/admin/user-groups/${g.id}`;
  return (
    <AdminLayout ctx={p.ctx} title={g.friendlyName}>
      <PageHeader title={g.friendlyName} lead={`groups claim: ${g.name}`} back={{ href: "/settings/admin/user-groups", label: "User groups" }}>
        {g.ldapId ? <span class="badge badge-warning">Managed by LDAP</span> : ""}
      </PageHeader>
      {p.created ? <div class="alert alert-success" role="status">Group created. Add members and choose the apps it may use.</div> : ""}
      <div class="stack">
        <GroupForm ctx={p.ctx} id={g.id} values={{ friendlyName: g.friendlyName, name: g.name }} readOnly={g.ldapId !== null} />
        <GroupMembersForm ctx={p.ctx} id={g.id} users={p.d.users} memberIds={p.d.memberIds} readOnly={g.ldapId !== null} />
        <GroupClientsForm ctx={p.ctx} id={g.id} clients={p.d.clients} allowedIds={p.d.allowedClientIds} />
        <GroupClaimsForm ctx={p.ctx} id={g.id} claims={p.d.claims} />
        <section class="section danger-zone">
          <h2>Delete group</h2>
          <p class="muted small">Members keep their accounts but lose access granted through this group.</p>
          {g.ldapId ? <p class="muted small">Managed by LDAP: remove the group from the directory; the next sync deletes it here.</p> : (
          <form method="post" action={`${base}/delete`} hx-post={`${base}/delete`} hx-confirm={`Delete the group ${g.friendlyName}?`}>
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-danger">Delete group</button>
          </form>
          )}
        </section>
      </div>
    </AdminLayout>
  );
}

export function GroupForm(p: { ctx: PageContext; id: string; values: { friendlyName: string; name: string }; errors?: Record<string, string>; saved?: boolean; readOnly?: boolean }): JSX.Element {
  const e = p.errors ?? {};
  const action = `/settings/admin/user-groups/${p.id}`;
  return (
    <form id="group-form" class="section" method="post" action={action} hx-post={action} hx-target="#group-form" hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      <h2>Details</h2>
      {p.readOnly ? <div class="alert alert-info"><strong>Managed by LDAP.</strong> Its name, members and existence come from the directory and are read-only here; allowed apps and custom claims stay local.</div> : ""}
      {p.saved ? <div class="alert alert-success" role="status">Saved.</div> : ""}
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <div class="grid-2">
        <Field name="friendlyName" label="Friendly name" value={p.values.friendlyName} error={e.friendlyName} required maxlength={50} disabled={p.readOnly} />
        <Field name="name" label="Name" value={p.values.name} error={e.name} required maxlength={255} disabled={p.readOnly} hint="Changing it changes the groups claim apps receive." />
      </div>
      {p.readOnly ? "" : (
        <div class="form-actions">
          <button type="submit" class="btn">Save</button>
        </div>
      )}
    </form>
  );
}

export function GroupMembersForm(p: { ctx: PageContext; id: string; users: GroupDetail["users"]; memberIds: string[]; saved?: boolean; error?: string; readOnly?: boolean }): JSX.Element {
  const action = `/settings/admin/user-groups/${p.id}/members`;
  const members = new Set(p.memberIds);
  return (
    <form id="group-members" class="section" method="post" action={action} hx-post={action} hx-target="#group-members" hx-swap="outerHTML">
      <Csrf ctx={p.ctx} />
      <div class="section-header">
        <div>
          <h2>Members</h2>
          <p class="muted small" safe>{`${members.size} of ${p.users.length} users`}</p>
        </div>
      </div>
      {p.saved ? <div class="alert alert-success" role="status">Members saved.</div> : ""}
      {p.error ? <p class="error-text" safe>{p.error}</p> : ""}
      {p.readOnly ? <p class="muted small">Managed by LDAP: members come from the directory's member attribute.</p> : ""}
      <input type="hidden" name="userIds" value="" />
      <fieldset class="bare-fieldset" disabled={p.readOnly}>
      {p.users.length === 0 ? (
        <p class="muted small">No users yet.</p>
      ) : (
        <div class="check-grid">
          {p.users.map((u) => (
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
      {p.readOnly ? "" : (
        <div class="form-actions">
          <button type="submit" class="btn btn-secondary">Save members</button>
        </div>
      )}
    </form>
  );
}

export function GroupClientsForm(p: { ctx: PageContext; id: string; clients: { id: string; name: string }[]; allowedIds: string[]; saved?: boolean }): JSX.Element {
  const action = `/settings/admin/user-groups/${p.id}/clients`;
  const allowed = new Set(p.allowedIds);
  return (
    <form id="group-clients" class="section" method="post" action={action} hx-post={action} hx-target="#group-clients" hx-swap="outerHTML">
      <Csrf ctx={p.ctx} />
      <h2>Allowed apps</h2>
      <p class="muted small">Members may sign in to these OIDC clients (clients that are unrestricted admit everyone anyway).</p>
      {p.saved ? <div class="alert alert-success" role="status">Allowed apps saved.</div> : ""}
      <input type="hidden" name="oidcClientIds" value="" />
      {p.clients.length === 0 ? (
        <p class="muted small">
          No OIDC clients yet. <a href="/settings/admin/oidc-clients/new">Add one</a>.
        </p>
      ) : (
        <div class="check-grid">
          {p.clients.map((c) => (
            <label class="checkbox">
              <input type="checkbox" name="oidcClientIds" value={c.id} checked={allowed.has(c.id)} />
              <span safe>{c.name}</span>
            </label>
          ))}
        </div>
      )}
      <div class="form-actions">
        <button type="submit" class="btn btn-secondary">Save allowed apps</button>
      </div>
    </form>
  );
}

export function GroupClaimsForm(p: { ctx: PageContext; id: string; claims: { key: string; value: string }[]; errors?: Record<string, string>; saved?: boolean }): JSX.Element {
  const action = `/settings/admin/user-groups/${p.id}/claims`;
  return (
    <form id="group-claims" class="section" method="post" action={action} hx-post={action} hx-target="#group-claims" hx-swap="outerHTML">
      <Csrf ctx={p.ctx} />
      <h2>Custom claims</h2>
      <p class="muted small">Added to every member's tokens; a user's own claim with the same name wins.</p>
      {p.saved ? <div class="alert alert-success" role="status">Claims saved.</div> : ""}
      <ClaimRows ctx={p.ctx} claims={p.claims} errors={p.errors} />
      <div class="form-actions">
        <button type="submit" class="btn btn-secondary">Save claims</button>
      </div>
    </form>
  );
}
