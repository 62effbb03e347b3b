/** Admin: the user list (search + pagination refresh only #user-list), create form, user detail. */
import type { PageContext } from "../../page-context.ts";
import type { SessionView } from "../../../src/account/user-sessions.ts";
import type { UserDto } from "../../../src/admin/user-admin.ts";
import type { Page } from "../../../src/admin/pagination.ts";
import { AdminLayout, ClaimRows, Csrf, EmptyState, Field, formatDateTime, FormErrors, GroupCheckboxes, PageHeader, Pager, Toggle } from "./admin-shell.tsx";
import { EmailLoginCodeSection } from "./email-settings.tsx";
import { ProfilePictureSection as SharedProfilePictureSection } from "../../components/profile-picture.tsx";

export interface UserFormValues {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  displayName: string;
  isAdmin: boolean;
  disabled: boolean;
  emailVerified: boolean;
  userGroupIds: string[];
}

export type GroupOption = { id: string; name: string; friendlyName: string };

export function UsersPage(p: { ctx: PageContext; page: Page<UserDto>; search: string; notice?: string }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title="Users">
      <PageHeader title="Users" lead="Everyone who can sign in, their groups and their access.">
        <a class="btn btn-secondary" href="/settings/admin/signup-tokens">Sign-up links</a>
        <a class="btn" href="/settings/admin/users/new">Add user</a>
      </PageHeader>
      {p.notice ? (
        <div class="alert alert-success" role="status">
          <span safe>{p.notice}</span>
        </div>
      ) : (
        ""
      )}
      <section class="section">
        <form class="search-bar" role="search" method="get" action="/settings/admin/users" hx-get="/settings/admin/users" hx-target="#user-list" hx-swap="outerHTML" hx-trigger="input changed delay:250ms from:find input, submit" hx-push-url="true">
          <label class="sr-only" for="user-search">Search users</label>
          <input id="user-search" type="search" name="search" value={p.search} placeholder="Search by name, username or email" autocomplete="off" />
          <button type="submit" class="btn btn-secondary">Search</button>
        </form>
        <UserList page={p.page} search={p.search} />
      </section>
    </AdminLayout>
  );
}

export function UserList({ page, search }: { page: Page<UserDto>; search: string }): JSX.Element {
  return (
    <div id="user-list" class="user-list">
      {page.data.length === 0 ? (
        <EmptyState title={search ? "No matching users" : "No users yet"} text={search ? "Try another name, username or email." : "Add the first user with the button above."} />
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" class="hide-sm">Email</th>
                <th scope="col" class="hide-sm">Groups</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {page.data.map((u) => (
                <tr>
                  <td>
                    <a class="user-cell" href={`/settings/admin/users/${u.id}`}>
                      <img class="avatar" src={`/api/users/${u.id}/profile-picture`} alt="" width="32" height="32" loading="lazy" />
                      <span>
                        <span class="title" safe>{u.displayName || u.username}</span>
                        <span class="meta mono" safe>{`@${u.username}`}</span>
                      </span>
                    </a>
                  </td>
                  <td class="hide-sm" safe>{u.email ?? "—"}</td>
                  <td class="hide-sm">
                    {u.userGroups.length
                      ? u.userGroups.map((g) => (
                          <span class="badge" safe>{g.friendlyName}</span>
                        ))
                      : <span class="muted">—</span>}
                  </td>
                  <td>
                    <div class="row tight">
                      {u.ldapId ? <span class="badge badge-warning" title="Managed by LDAP">LDAP</span> : ""}
                      {u.isAdmin ? <span class="badge badge-accent">Admin</span> : ""}
                      {u.disabled ? <span class="badge badge-danger">Disabled</span> : <span class="badge badge-success">Active</span>}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager base="/settings/admin/users" search={search} page={page.pagination.currentPage} totalPages={page.pagination.totalPages} totalItems={page.pagination.totalItems} target="#user-list" noun="user" />
    </div>
  );
}

export function NewUserPage(p: { ctx: PageContext; values: UserFormValues; groups: GroupOption[]; errors?: Record<string, string> }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title="Add user">
      <PageHeader title="Add user" lead="The person signs in with a passkey: after saving, create a login link for them to register one." back={{ href: "/settings/admin/users", label: "Users" }} />
      <UserForm ctx={p.ctx} action="/settings/admin/users" values={p.values} groups={p.groups} errors={p.errors} submitLabel="Create user" />
    </AdminLayout>
  );
}

export function UserForm(p: { ctx: PageContext; action: string; values: UserFormValues; groups: GroupOption[]; errors?: Record<string, string>; submitLabel: string; saved?: boolean; readOnly?: boolean }): JSX.Element {
  const e = p.errors ?? {};
  const selected = new Set(p.values.userGroupIds);
  return (
    <form id="user-form" class="section" method="post" action={p.action} hx-post={p.action} hx-target="#user-form" hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      <h2>Profile</h2>
      {p.readOnly ? (
        <div class="alert alert-info" role="status">
          <strong>Managed by LDAP.</strong> Profile, administrator flag and directory groups come from the directory and are read-only here; passkeys, login links, sessions and custom claims stay local.
        </div>
      ) : (
        ""
      )}
      {p.saved ? <div class="alert alert-success" role="status" data-autofocus tabindex="-1">Saved.</div> : ""}
      <FormErrors errors={p.errors} />
      <fieldset class="bare-fieldset" disabled={p.readOnly}>
      <div class="grid-2">
        <Field name="firstName" label="First name" value={p.values.firstName} error={e.firstName} required maxlength={50} />
        <Field name="lastName" label="Last name" value={p.values.lastName} error={e.lastName} maxlength={50} />
        <Field name="username" label="Username" value={p.values.username} error={e.username} required maxlength={50} hint="Letters, digits and _ . @ -; sent as preferred_username." />
        <Field name="email" label="Email" type="email" value={p.values.email} error={e.email} maxlength={254} />
        <Field name="displayName" label="Display name" value={p.values.displayName} error={e.displayName} maxlength={100} hint="Defaults to first and last name." />
      </div>
      <fieldset class="fieldset">
        <legend>Access</legend>
        <Toggle name="isAdmin" label="Administrator" checked={p.values.isAdmin} hint="Can manage users, groups, clients and settings." error={e.isAdmin} />
        <Toggle name="disabled" label="Disabled" checked={p.values.disabled} hint="Cannot sign in; existing sessions end immediately." />
        <Toggle name="emailVerified" label="Email verified" checked={p.values.emailVerified} hint="Sent as email_verified to clients." />
      </fieldset>
      <fieldset class="fieldset">
        <legend>Groups</legend>
        <input type="hidden" name="userGroupIds" value="" />
        {p.groups.length === 0 ? (
          <p class="muted small">
            No groups yet. <a href="/settings/admin/user-groups">Create one</a> to restrict which apps people may use.
          </p>
        ) : (
          <GroupCheckboxes groups={p.groups} selected={selected} />
        )}
        {e.userGroupIds ? <p class="error-text" safe>{e.userGroupIds}</p> : ""}
      </fieldset>
      </fieldset>
      {p.readOnly ? "" : (
        <div class="form-actions">
          <button type="submit" class="btn" safe>{p.submitLabel}</button>
        </div>
      )}
    </form>
  );
}

export interface UserDetailData {
  user: UserDto;
  values: UserFormValues;
  groups: GroupOption[];
  passkeys: { id: string; name: string; createdAt: string | null; lastUsedAt: string | null; backupEligible: boolean }[];
  sessions: SessionView[];
  claims: { key: string; value: string }[];
  isSelf: boolean;
  hasPicture: boolean;
  /** Admins may email login codes (emailOneTimeAccessAsAdminEnabled). */
  emailLoginCode?: boolean;
}

export function UserDetailPage(p: { ctx: PageContext; d: UserDetailData; created?: boolean; code?: { token: string; url: string; expiresAt: number } }): JSX.Element {
  const u = p.d.user;
  const base = `/settings/admin/users/${u.id}`;
  return (
    <AdminLayout ctx={p.ctx} title={u.displayName || u.username}>
      <PageHeader title={u.displayName || u.username} lead={`@${u.username}`} back={{ href: "/settings/admin/users", label: "Users" }}>
        {u.ldapId ? <span class="badge badge-warning">Managed by LDAP</span> : ""}
        {u.isAdmin ? <span class="badge badge-accent">Admin</span> : ""}
        {u.disabled ? <span class="badge badge-danger">Disabled</span> : <span class="badge badge-success">Active</span>}
      </PageHeader>
      {p.created ? (
        <div class="alert alert-success" role="status">
          <strong>User created.</strong>
          Create a login link below and send it to them: they will sign in once with it and register a passkey.
        </div>
      ) : (
        ""
      )}
      <div class="stack">
        <UserForm ctx={p.ctx} action={base} values={p.d.values} groups={p.d.groups} submitLabel="Save changes" readOnly={u.ldapId !== null} />
        <LoginCodeSection ctx={p.ctx} userId={u.id} code={p.code} />
        {p.d.emailLoginCode ? <EmailLoginCodeSection ctx={p.ctx} userId={u.id} email={u.email || null} /> : ""}
        <ProfilePictureSection ctx={p.ctx} userId={u.id} hasPicture={p.d.hasPicture} />
        <UserClaimsSection ctx={p.ctx} userId={u.id} claims={p.d.claims} />
        <UserPasskeysSection ctx={p.ctx} userId={u.id} passkeys={p.d.passkeys} />
        <UserSessionsSection ctx={p.ctx} userId={u.id} sessions={p.d.sessions} />
        <section class="section danger-zone" aria-labelledby="danger-title">
          <h2 id="danger-title">Delete user</h2>
          <p class="muted small">Deletes the account with its passkeys, sessions and consents. This cannot be undone.</p>
          {p.d.isSelf || u.ldapId ? (
            <p class="muted small">{u.ldapId ? "Managed by LDAP: remove the user from the directory; the next sync disables or deletes the account." : "You cannot delete your own account here."}</p>
          ) : (
            <form method="post" action={`${base}/delete`} hx-post={`${base}/delete`} hx-confirm={`Delete ${u.username}? This cannot be undone.`}>
              <Csrf ctx={p.ctx} />
              <button type="submit" class="btn btn-danger">Delete user</button>
            </form>
          )}
        </section>
      </div>
    </AdminLayout>
  );
}

export function LoginCodeSection(p: { ctx: PageContext; userId: string; code?: { token: string; url: string; expiresAt: number } }): JSX.Element {
  const base = `/settings/admin/users/${p.userId}`;
  return (
    <section class="section" id="login-code" aria-labelledby="login-code-title">
      <div class="section-header">
        <div>
          <h2 id="login-code-title">Login link</h2>
          <p class="muted small">A single-use code to sign in without a passkey, e.g. to register a first or replacement passkey.</p>
        </div>
      </div>
      {p.code ? (
        <div class="secret-box" data-autofocus tabindex="-1">
          <p class="small muted">Share this with the user. It works once and expires <span safe>{formatDateTime(p.code.expiresAt)}</span>; it will not be shown again.</p>
          <div class="copy-row">
            <code class="secret" safe>{p.code.url}</code>
            <button type="button" class="btn btn-secondary btn-sm" data-copy={p.code.url}>Copy link</button>
          </div>
          <div class="copy-row">
            <code class="secret" safe>{p.code.token}</code>
            <button type="button" class="btn btn-secondary btn-sm" data-copy={p.code.token}>Copy code</button>
          </div>
        </div>
      ) : (
        ""
      )}
      <form class="inline-form" method="post" action={`${base}/login-code`} hx-post={`${base}/login-code`} hx-target="#login-code" hx-swap="outerHTML">
        <Csrf ctx={p.ctx} />
        <label for="ttl">Valid for</label>
        <select id="ttl" name="ttl">
          <option value="15m">15 minutes</option>
          <option value="1h" selected>1 hour</option>
          <option value="24h">1 day</option>
          <option value="168h">7 days</option>
        </select>
        <button type="submit" class="btn btn-secondary">{p.code ? "Create another" : "Create login link"}</button>
      </form>
    </section>
  );
}

export function ProfilePictureSection(p: { ctx: PageContext; userId: string; hasPicture: boolean; error?: string; notice?: string }): JSX.Element {
  return <SharedProfilePictureSection {...p} base={`/settings/admin/users/${p.userId}`} />;
}

export function UserClaimsSection(p: { ctx: PageContext; userId: string; claims: { key: string; value: string }[]; errors?: Record<string, string>; saved?: boolean }): JSX.Element {
  const action = `/settings/admin/users/${p.userId}/claims`;
  return (
    <form id="user-claims" class="section" method="post" action={action} hx-post={action} hx-target="#user-claims" hx-swap="outerHTML">
      <Csrf ctx={p.ctx} />
      <h2>Custom claims</h2>
      <p class="muted small">Extra claims in this user's ID token and userinfo (scope profile). They override group claims with the same name.</p>
      {p.saved ? <div class="alert alert-success" role="status">Claims saved.</div> : ""}
      <ClaimRows claims={p.claims} errors={p.errors} />
      <div class="form-actions">
        <button type="submit" class="btn btn-secondary">Save claims</button>
      </div>
    </form>
  );
}

export function UserPasskeysSection(p: { ctx: PageContext; userId: string; passkeys: UserDetailData["passkeys"] }): JSX.Element {
  return (
    <section class="section" id="user-passkeys" aria-labelledby="user-passkeys-title">
      <h2 id="user-passkeys-title">Passkeys</h2>
      {p.passkeys.length === 0 ? (
        <p class="muted small">No passkey registered. The user needs a login link to add one.</p>
      ) : (
        <ul class="list">
          {p.passkeys.map((k) => (
            <li class="list-item">
              <div class="grow">
                <div class="title" safe>{k.name}</div>
                <div class="meta">
                  Added <span safe>{(k.createdAt ?? "").slice(0, 10)}</span> · {k.lastUsedAt ? <span safe>{`last used ${k.lastUsedAt.slice(0, 10)}`}</span> : "never used"}
                  {k.backupEligible ? " · synced" : ""}
                </div>
              </div>
              <div class="actions">
                <form method="post" action={`/settings/admin/users/${p.userId}/passkeys/${k.id}/delete`} hx-post={`/settings/admin/users/${p.userId}/passkeys/${k.id}/delete`} hx-target="#user-passkeys" hx-swap="outerHTML" hx-confirm={`Delete the passkey “${k.name}”?`}>
                  <Csrf ctx={p.ctx} />
                  <button type="submit" class="btn btn-ghost btn-sm danger-text">Delete</button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function UserSessionsSection(p: { ctx: PageContext; userId: string; sessions: UserDetailData["sessions"] }): JSX.Element {
  const base = `/settings/admin/users/${p.userId}/sessions`;
  return (
    <section class="section" id="user-sessions" aria-labelledby="user-sessions-title">
      <div class="section-header">
        <h2 id="user-sessions-title">Sessions</h2>
        {p.sessions.length > 1 ? (
          <form method="post" action={`${base}/revoke-all`} hx-post={`${base}/revoke-all`} hx-target="#user-sessions" hx-swap="outerHTML" hx-confirm="Sign this user out everywhere?">
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-secondary btn-sm">Revoke all</button>
          </form>
        ) : (
          ""
        )}
      </div>
      {p.sessions.length === 0 ? (
        <p class="muted small">Not signed in anywhere.</p>
      ) : (
        <ul class="list">
          {p.sessions.map((s) => (
            <li class="list-item">
              <div class="grow">
                <div class="title" safe>{s.device}</div>
                <div class="meta">
                  <span safe>{s.ip ?? "unknown IP"}</span> · last seen <span safe>{formatDateTime(s.lastSeenAt)}</span>
                </div>
              </div>
              <div class="actions">
                <form method="post" action={`${base}/${s.id}/revoke`} hx-post={`${base}/${s.id}/revoke`} hx-target="#user-sessions" hx-swap="outerHTML" hx-confirm="End this session?">
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
