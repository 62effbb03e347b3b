/** Admin: the user list (search + pagination refresh only #user-list), create form, user detail. */
import { dateSentence } from "../../components/date-time.tsx";
import type { PageContext } from "../../page-context.ts";
import type { SessionView } from "../../../src/account/user-sessions.ts";
import type { UserDto } from "../../../src/admin/user-admin.ts";
import type { Page } from "../../../src/admin/pagination.ts";
import { AdminLayout, ClaimRows, Csrf, EmptyState, Field, FormErrors, GroupCheckboxes, PageHeader, Pager, Toggle } from "./admin-shell.tsx";
import { deviceLabelMessage } from "../../../src/audit/user-agent.ts";
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
  const { t } = p.ctx;
  return (
    <AdminLayout ctx={p.ctx} title={t("users.title")}>
      <PageHeader title={t("users.title")} lead={t("users.lead")}>
        <a class="btn btn-secondary" href="/settings/admin/signup-tokens" safe>{t("admin.navSignupLinks")}</a>
        <a class="btn" href="/settings/admin/users/new" safe>{t("users.add")}</a>
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
          <label class="sr-only" for="user-search" safe>{t("users.searchLabel")}</label>
          <input id="user-search" type="search" name="search" value={p.search} placeholder={t("users.searchPlaceholder")} autocomplete="off" />
          <button type="submit" class="btn btn-secondary" safe>{t("users.search")}</button>
        </form>
        <UserList ctx={p.ctx} page={p.page} search={p.search} />
      </section>
    </AdminLayout>
  );
}

export function UserList({ ctx, page, search }: { ctx: PageContext; page: Page<UserDto>; search: string }): JSX.Element {
  const { t } = ctx;
  return (
    <div id="user-list" class="user-list">
      {page.data.length === 0 ? (
        <EmptyState title={search ? t("users.emptySearchTitle") : t("users.emptyTitle")} text={search ? t("users.emptySearchText") : t("users.emptyText")} />
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col" safe>{t("users.colName")}</th>
                <th scope="col" class="hide-sm" safe>{t("users.colEmail")}</th>
                <th scope="col" class="hide-sm" safe>{t("users.colGroups")}</th>
                <th scope="col" safe>{t("users.colStatus")}</th>
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
                      <StatusBadges ctx={ctx} user={u} />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager ctx={ctx} base="/settings/admin/users" search={search} page={page.pagination.currentPage} totalPages={page.pagination.totalPages} totalItems={page.pagination.totalItems} target="#user-list" items={t("users.count", { count: page.pagination.totalItems })} />
    </div>
  );
}

/** LDAP, Admin, and Disabled or Active: the same badges in the list and on the user's page. */
function StatusBadges({ ctx, user, long = false }: { ctx: PageContext; user: UserDto; long?: boolean }): JSX.Element {
  const { t } = ctx;
  return (
    <>
      {user.ldapId ? (
        long ? <span class="badge badge-warning" safe>{t("users.managedByLdap")}</span> : <span class="badge badge-warning" title={t("users.managedByLdap")} translate="no">LDAP</span>
      ) : (
        ""
      )}
      {user.isAdmin ? <span class="badge badge-accent" safe>{t("users.badgeAdmin")}</span> : ""}
      {user.disabled ? <span class="badge badge-danger" safe>{t("users.badgeDisabled")}</span> : <span class="badge badge-success" safe>{t("users.badgeActive")}</span>}
    </>
  );
}

export function NewUserPage(p: { ctx: PageContext; values: UserFormValues; groups: GroupOption[]; errors?: Record<string, string> }): JSX.Element {
  const { t } = p.ctx;
  return (
    <AdminLayout ctx={p.ctx} title={t("users.add")}>
      <PageHeader title={t("users.add")} lead={t("users.newLead")} back={{ href: "/settings/admin/users", label: t("users.title") }} />
      <UserForm ctx={p.ctx} action="/settings/admin/users" values={p.values} groups={p.groups} errors={p.errors} submitLabel={t("users.create")} />
    </AdminLayout>
  );
}

export function UserForm(p: { ctx: PageContext; action: string; values: UserFormValues; groups: GroupOption[]; errors?: Record<string, string>; submitLabel: string; saved?: boolean; readOnly?: boolean }): JSX.Element {
  const { t } = p.ctx;
  const e = p.errors ?? {};
  const selected = new Set(p.values.userGroupIds);
  const safeNoGroups = p.ctx.rich("users.noGroups", { link: (text) => `<a href="/settings/admin/user-groups">${text}</a>` });
  return (
    <form id="user-form" class="section" method="post" action={p.action} hx-post={p.action} hx-target="#user-form" hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      <h2 safe>{t("users.profile")}</h2>
      {p.readOnly ? (
        <div class="alert alert-info" role="status">
          <strong safe>{t("users.ldapTitle")}</strong> <span safe>{t("users.ldapText")}</span>
        </div>
      ) : (
        ""
      )}
      {p.saved ? <div class="alert alert-success" role="status" data-autofocus tabindex="-1" safe>{t("users.saved")}</div> : ""}
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <fieldset class="bare-fieldset" disabled={p.readOnly}>
      <div class="grid-2">
        <Field ctx={p.ctx} name="firstName" label={t("users.firstName")} value={p.values.firstName} error={e.firstName} required maxlength={50} />
        <Field ctx={p.ctx} name="lastName" label={t("users.lastName")} value={p.values.lastName} error={e.lastName} maxlength={50} />
        <Field ctx={p.ctx} name="username" label={t("users.username")} value={p.values.username} error={e.username} required maxlength={50} hint={t("users.usernameHint")} />
        <Field ctx={p.ctx} name="email" label={t("users.email")} type="email" value={p.values.email} error={e.email} maxlength={254} />
        <Field ctx={p.ctx} name="displayName" label={t("users.displayName")} value={p.values.displayName} error={e.displayName} maxlength={100} hint={t("users.displayNameHint")} />
      </div>
      <fieldset class="fieldset">
        <legend safe>{t("users.access")}</legend>
        <Toggle name="isAdmin" label={t("users.isAdmin")} checked={p.values.isAdmin} hint={t("users.isAdminHint")} error={e.isAdmin} />
        <Toggle name="disabled" label={t("users.disabled")} checked={p.values.disabled} hint={t("users.disabledHint")} error={e.disabled} />
        <Toggle name="emailVerified" label={t("users.emailVerified")} checked={p.values.emailVerified} hint={t("users.emailVerifiedHint")} error={e.emailVerified} />
      </fieldset>
      <fieldset class="fieldset">
        <legend safe>{t("users.groups")}</legend>
        <input type="hidden" name="userGroupIds" value="" />
        {p.groups.length === 0 ? (
          <p class="muted small">
            {safeNoGroups}
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
  const { t } = p.ctx;
  const u = p.d.user;
  const base = `/settings/admin/users/${u.id}`;
  return (
    <AdminLayout ctx={p.ctx} title={u.displayName || u.username}>
      <PageHeader title={u.displayName || u.username} lead={`@${u.username}`} back={{ href: "/settings/admin/users", label: t("users.title") }}>
        <StatusBadges ctx={p.ctx} user={u} long />
      </PageHeader>
      {p.created ? (
        <div class="alert alert-success" role="status">
          <strong safe>{t("users.createdTitle")}</strong> <span safe>{t("users.createdText")}</span>
        </div>
      ) : (
        ""
      )}
      <div class="stack">
        <UserForm ctx={p.ctx} action={base} values={p.d.values} groups={p.d.groups} submitLabel={t("users.saveChanges")} readOnly={u.ldapId !== null} />
        <LoginCodeSection ctx={p.ctx} userId={u.id} code={p.code} />
        {p.d.emailLoginCode ? <EmailLoginCodeSection ctx={p.ctx} userId={u.id} email={u.email || null} /> : ""}
        <ProfilePictureSection ctx={p.ctx} userId={u.id} hasPicture={p.d.hasPicture} />
        <UserClaimsSection ctx={p.ctx} userId={u.id} claims={p.d.claims} />
        <UserPasskeysSection ctx={p.ctx} userId={u.id} passkeys={p.d.passkeys} />
        <UserSessionsSection ctx={p.ctx} userId={u.id} sessions={p.d.sessions} />
        <section class="section danger-zone" aria-labelledby="danger-title">
          <h2 id="danger-title" safe>{t("users.deleteTitle")}</h2>
          <p class="muted small" safe>{t("users.deleteText")}</p>
          {p.d.isSelf || u.ldapId ? (
            <p class="muted small" safe>{u.ldapId ? t("users.deleteLdap") : t("users.deleteSelf")}</p>
          ) : (
            <form method="post" action={`${base}/delete`} hx-post={`${base}/delete`} hx-confirm={t("users.deleteConfirm", { username: u.username })}>
              <Csrf ctx={p.ctx} />
              <button type="submit" class="btn btn-danger" safe>{t("users.deleteTitle")}</button>
            </form>
          )}
        </section>
      </div>
    </AdminLayout>
  );
}

export function LoginCodeSection(p: { ctx: PageContext; userId: string; code?: { token: string; url: string; expiresAt: number } }): JSX.Element {
  const { t } = p.ctx;
  const base = `/settings/admin/users/${p.userId}`;
  return (
    <section class="section" id="login-code" aria-labelledby="login-code-title">
      <div class="section-header">
        <div>
          <h2 id="login-code-title" safe>{t("users.loginLinkTitle")}</h2>
          <p class="muted small" safe>{t("users.loginLinkText")}</p>
        </div>
      </div>
      {p.code ? (
        <div class="secret-box" data-autofocus tabindex="-1">
          <p class="small muted">{dateSentence(p.ctx, "users.loginLinkShare", p.code.expiresAt)}</p>
          <div class="copy-row">
            <code class="secret" safe>{p.code.url}</code>
            <button type="button" class="btn btn-secondary btn-sm" data-copy={p.code.url} safe>{t("users.copyLink")}</button>
          </div>
          <div class="copy-row">
            <code class="secret" safe>{p.code.token}</code>
            <button type="button" class="btn btn-secondary btn-sm" data-copy={p.code.token} safe>{t("users.copyCode")}</button>
          </div>
        </div>
      ) : (
        ""
      )}
      <form class="inline-form" method="post" action={`${base}/login-code`} hx-post={`${base}/login-code`} hx-target="#login-code" hx-swap="outerHTML">
        <Csrf ctx={p.ctx} />
        <label for="ttl" safe>{t("users.validFor")}</label>
        <select id="ttl" name="ttl">
          <option value="15m" safe>{t("validation.durationMinutes", { n: 15 })}</option>
          <option value="1h" selected safe>{t("validation.durationHours", { n: 1 })}</option>
          <option value="24h" safe>{t("validation.durationDays", { n: 1 })}</option>
          <option value="168h" safe>{t("validation.durationDays", { n: 7 })}</option>
        </select>
        <button type="submit" class="btn btn-secondary" safe>{p.code ? t("users.loginLinkAnother") : t("users.loginLinkCreate")}</button>
      </form>
    </section>
  );
}

export function ProfilePictureSection(p: { ctx: PageContext; userId: string; hasPicture: boolean; error?: string; notice?: string }): JSX.Element {
  return <SharedProfilePictureSection {...p} base={`/settings/admin/users/${p.userId}`} />;
}

export function UserClaimsSection(p: { ctx: PageContext; userId: string; claims: { key: string; value: string }[]; errors?: Record<string, string>; saved?: boolean }): JSX.Element {
  const { t } = p.ctx;
  const action = `/settings/admin/users/${p.userId}/claims`;
  return (
    <form id="user-claims" class="section" method="post" action={action} hx-post={action} hx-target="#user-claims" hx-swap="outerHTML">
      <Csrf ctx={p.ctx} />
      <h2 safe>{t("users.claimsTitle")}</h2>
      <p class="muted small" safe>{t("users.claimsText")}</p>
      {p.saved ? <div class="alert alert-success" role="status" safe>{t("users.claimsSaved")}</div> : ""}
      <ClaimRows ctx={p.ctx} claims={p.claims} errors={p.errors} />
      <div class="form-actions">
        <button type="submit" class="btn btn-secondary" safe>{t("users.claimsSave")}</button>
      </div>
    </form>
  );
}

export function UserPasskeysSection(p: { ctx: PageContext; userId: string; passkeys: UserDetailData["passkeys"] }): JSX.Element {
  const { t } = p.ctx;
  const at = (iso: string | null) => (iso ? Math.floor(Date.parse(iso) / 1000) : null);
  return (
    <section class="section" id="user-passkeys" aria-labelledby="user-passkeys-title">
      <h2 id="user-passkeys-title" safe>{t("users.passkeysTitle")}</h2>
      {p.passkeys.length === 0 ? (
        <p class="muted small" safe>{t("users.passkeysEmpty")}</p>
      ) : (
        <ul class="list">
          {p.passkeys.map((k) => (
            <li class="list-item">
              <div class="grow">
                <div class="title" safe>{k.name}</div>
                <div class="meta">
                  {at(k.createdAt) !== null ? <span>{dateSentence(p.ctx, "users.passkeyAdded", at(k.createdAt)!)}</span> : ""}
                  {" · "}
                  {at(k.lastUsedAt) !== null ? <span>{dateSentence(p.ctx, "users.passkeyLastUsed", at(k.lastUsedAt)!)}</span> : <span safe>{t("users.passkeyNeverUsed")}</span>}
                  {k.backupEligible ? <span safe>{` · ${t("users.passkeySynced")}`}</span> : ""}
                </div>
              </div>
              <div class="actions">
                <form method="post" action={`/settings/admin/users/${p.userId}/passkeys/${k.id}/delete`} hx-post={`/settings/admin/users/${p.userId}/passkeys/${k.id}/delete`} hx-target="#user-passkeys" hx-swap="outerHTML" hx-confirm={t("users.passkeyDeleteConfirm", { name: k.name })}>
                  <Csrf ctx={p.ctx} />
                  <button type="submit" class="btn btn-ghost btn-sm danger-text" safe>{t("users.delete")}</button>
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
  const { t } = p.ctx;
  const base = `/settings/admin/users/${p.userId}/sessions`;
  return (
    <section class="section" id="user-sessions" aria-labelledby="user-sessions-title">
      <div class="section-header">
        <h2 id="user-sessions-title" safe>{t("users.sessionsTitle")}</h2>
        {p.sessions.length > 1 ? (
          <form method="post" action={`${base}/revoke-all`} hx-post={`${base}/revoke-all`} hx-target="#user-sessions" hx-swap="outerHTML" hx-confirm={t("users.sessionsRevokeAllConfirm")}>
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-secondary btn-sm" safe>{t("users.sessionsRevokeAll")}</button>
          </form>
        ) : (
          ""
        )}
      </div>
      {p.sessions.length === 0 ? (
        <p class="muted small" safe>{t("users.sessionsEmpty")}</p>
      ) : (
        <ul class="list">
          {p.sessions.map((s) => (
            <li class="list-item">
              <div class="grow">
                <div class="title" safe>{p.ctx.text(deviceLabelMessage(s.userAgent))}</div>
                <div class="meta">
                  <span safe>{s.ip ?? t("users.sessionUnknownIp")}</span> · <span>{dateSentence(p.ctx, "users.sessionLastSeen", s.lastSeenAt)}</span>
                </div>
              </div>
              <div class="actions">
                <form method="post" action={`${base}/${s.id}/revoke`} hx-post={`${base}/${s.id}/revoke`} hx-target="#user-sessions" hx-swap="outerHTML" hx-confirm={t("users.sessionRevokeConfirm")}>
                  <Csrf ctx={p.ctx} />
                  <button type="submit" class="btn btn-ghost btn-sm danger-text" safe>{t("users.sessionRevoke")}</button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
