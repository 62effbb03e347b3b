/** Admin: LDAP sync (/settings/admin/ldap): status and "Sync now", settings, "Test connection". */
import type { PageContext } from "../../page-context.ts";
import type { AppConfig } from "../../../src/admin/app-config.ts";
import { connectionHeadline, type ConnectionReport } from "../../../src/ldap/connection-test.ts";
import type { SyncResult } from "../../../src/ldap/sync.ts";
import { AdminLayout, Csrf, Field, FormErrors, PageHeader, Toggle, formatDateTime } from "./admin-shell.tsx";

const BASE = "/settings/admin/ldap";

export type LdapFormValues = Record<string, string | boolean>;

export function LdapPage(p: { ctx: PageContext; config: AppConfig; readOnly: boolean; last: SyncResult | null; hasPassword: boolean }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title="LDAP">
      <PageHeader title="LDAP" lead="Users and groups from an existing directory (OpenLDAP, lldap, Active Directory…), synchronised every hour." />
      {p.readOnly ? (
        <div class="alert alert-info" role="status">
          <strong>Read-only: UI_CONFIG_DISABLED=true.</strong> The settings come from LDAP_* environment variables (LDAP_URL, LDAP_BIND_DN, LDAP_BIND_PASSWORD, …).
        </div>
      ) : (
        ""
      )}
      <LdapStatus ctx={p.ctx} enabled={p.config.ldapEnabled} last={p.last} />
      <LdapForm ctx={p.ctx} values={p.config as unknown as LdapFormValues} readOnly={p.readOnly} hasPassword={p.hasPassword} />
    </AdminLayout>
  );
}

function summaryLine(r: SyncResult): string {
  const s = r.summary;
  const parts = [
    [s.usersCreated, "user created", "users created"],
    [s.usersUpdated, "user updated", "users updated"],
    [s.usersDisabled, "user disabled", "users disabled"],
    [s.usersDeleted, "user deleted", "users deleted"],
    [s.groupsCreated, "group created", "groups created"],
    [s.groupsUpdated, "group updated", "groups updated"],
    [s.groupsDeleted, "group deleted", "groups deleted"],
    [s.membershipsChanged, "group's members changed", "groups' members changed"],
    [s.picturesUpdated ?? 0, "profile picture updated", "profile pictures updated"],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return said.length ? `${said.join(", ")}.` : "Everything was already up to date.";
}

export function LdapStatus(p: { ctx: PageContext; enabled: boolean; last: SyncResult | null; justRan?: boolean }): JSX.Element {
  const r = p.last;
  return (
    <section class="section" id="ldap-status" aria-labelledby="ldap-status-title">
      <div class="section-header">
        <div>
          <h2 id="ldap-status-title">
            Sync{" "}
            {p.enabled ? <span class="badge badge-success">On</span> : <span class="badge">Off</span>}
          </h2>
          <p class="muted small">
            {r ? <span safe>{`Last run ${formatDateTime(r.finishedAt)} (${r.trigger === "manual" ? "by hand" : r.trigger === "start" ? "at start" : "hourly"}).`}</span> : "Not run yet."}
          </p>
        </div>
        {p.enabled ? (
          <form method="post" action={`${BASE}/sync`} hx-post={`${BASE}/sync`} hx-target="#ldap-status" hx-swap="outerHTML">
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-secondary">Sync now</button>
          </form>
        ) : (
          ""
        )}
      </div>
      {r && r.ok ? (
        <div class={`alert ${r.skipped.length ? "alert-warning" : "alert-success"}`} role="status" data-autofocus={p.justRan ? "" : undefined} tabindex={p.justRan ? "-1" : undefined}>
          <span safe>{summaryLine(r)}</span>
          {r.skipped.length ? <span safe>{` ${r.skipped.length} directory ${r.skipped.length === 1 ? "entry was" : "entries were"} skipped:`}</span> : ""}
        </div>
      ) : (
        ""
      )}
      {r && !r.ok ? (
        <div class="alert alert-error" role="alert" data-autofocus={p.justRan ? "" : undefined} tabindex={p.justRan ? "-1" : undefined}>
          <strong>The last sync did not run; nothing was changed.</strong> <span safe>{r.error ?? ""}</span>
        </div>
      ) : (
        ""
      )}
      {r && r.skipped.length ? (
        <ul class="list ldap-skipped">
          {r.skipped.slice(0, 50).map((s) => (
            <li class="list-item">
              <div class="grow">
                <div class="title" safe>{s.dn}</div>
                <div class="meta" safe>{`${s.kind === "user" ? "User" : "Group"} skipped: ${s.reason}`}</div>
              </div>
            </li>
          ))}
        </ul>
      ) : (
        ""
      )}
      {p.enabled ? "" : <p class="muted small">Turn on “Synchronise users and groups” below and save to start syncing.</p>}
    </section>
  );
}

export function LdapForm(p: { ctx: PageContext; values: LdapFormValues; readOnly: boolean; hasPassword: boolean; errors?: Record<string, string>; saved?: boolean }): JSX.Element {
  const v = (k: string) => String(p.values[k] ?? "");
  const b = (k: string) => p.values[k] === true || p.values[k] === "true" || p.values[k] === "on";
  const e = p.errors ?? {};
  const ro = p.readOnly;
  return (
    <form id="ldap-form" method="post" action={BASE} hx-post={BASE} hx-target="#ldap-form" hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      {p.saved ? <div class="alert alert-success" role="status" data-autofocus tabindex="-1">LDAP settings saved.</div> : ""}
      <FormErrors errors={p.errors} />
      <div class="stack">
        <section class="section">
          <h2>Connection</h2>
          <Toggle name="ldapEnabled" label="Synchronise users and groups" checked={b("ldapEnabled")} disabled={ro} value="true" hint="At start, every hour, and with “Sync now”." />
          <div class="config-grid">
            <Field name="ldapUrl" label="Server URL" value={v("ldapUrl")} error={e.ldapUrl} required disabled={ro} placeholder="ldap://ldap.example.org:389" hint="ldap:// or ldaps://" />
            <Field name="ldapBase" label="Base DN" value={v("ldapBase")} error={e.ldapBase} required disabled={ro} placeholder="dc=example,dc=org" hint="Users and groups are searched below it." />
            <Field name="ldapBindDn" label="Bind DN" value={v("ldapBindDn")} error={e.ldapBindDn} disabled={ro} placeholder="cn=latchkey,ou=services,dc=example,dc=org" hint="A read-only service account. Empty for an anonymous bind." />
            <Field
              name="ldapBindPassword"
              label="Bind password"
              type="password"
              value=""
              error={e.ldapBindPassword}
              disabled={ro}
              placeholder={p.hasPassword ? "•••••••• (stored)" : ""}
              hint={p.hasPassword ? "Stored encrypted. Leave empty to keep it." : "Stored encrypted with ENCRYPTION_KEY."}
            />
          </div>
          <Toggle name="ldapStartTls" label="Use StartTLS" checked={b("ldapStartTls")} disabled={ro} value="true" hint="Upgrade an ldap:// connection to TLS before signing in." />
          <Toggle name="ldapSkipCertVerify" label="Skip certificate verification" checked={b("ldapSkipCertVerify")} disabled={ro} value="true" hint="Only for a self-signed certificate you cannot replace: anyone in the middle could read the bind password." />
        </section>
        <section class="section">
          <h2>Users</h2>
          <div class="config-grid">
            <Field name="ldapUserSearchFilter" label="User filter" value={v("ldapUserSearchFilter")} error={e.ldapUserSearchFilter} required disabled={ro} />
            <Field name="ldapAttributeUserUniqueIdentifier" label="Unique id attribute" value={v("ldapAttributeUserUniqueIdentifier")} error={e.ldapAttributeUserUniqueIdentifier} required disabled={ro} hint="Never changes, even on rename: entryUUID (OpenLDAP), objectGUID (AD)." />
            <Field name="ldapAttributeUserUsername" label="Username attribute" value={v("ldapAttributeUserUsername")} error={e.ldapAttributeUserUsername} required disabled={ro} hint="uid, or sAMAccountName (AD)." />
            <Field name="ldapAttributeUserEmail" label="Email attribute" value={v("ldapAttributeUserEmail")} error={e.ldapAttributeUserEmail} disabled={ro} />
            <Field name="ldapAttributeUserFirstName" label="First name attribute" value={v("ldapAttributeUserFirstName")} error={e.ldapAttributeUserFirstName} disabled={ro} />
            <Field name="ldapAttributeUserLastName" label="Last name attribute" value={v("ldapAttributeUserLastName")} error={e.ldapAttributeUserLastName} disabled={ro} />
            <Field name="ldapAttributeUserDisplayName" label="Display name attribute" value={v("ldapAttributeUserDisplayName")} error={e.ldapAttributeUserDisplayName} disabled={ro} />
            <Field name="ldapAttributeUserProfilePicture" label="Profile picture attribute" value={v("ldapAttributeUserProfilePicture")} error={e.ldapAttributeUserProfilePicture} disabled={ro} placeholder="jpegPhoto" hint="JPEG, PNG, GIF or WebP up to 2 MB; empty to keep pictures local." />
          </div>
          <Toggle name="ldapSoftDeleteUsers" label="Disable users removed from the directory (instead of deleting them)" checked={b("ldapSoftDeleteUsers")} disabled={ro} value="true" hint="Disabled users keep their passkeys and history and come back if they reappear." />
        </section>
        <section class="section">
          <h2>Groups</h2>
          <div class="config-grid">
            <Field name="ldapUserGroupSearchFilter" label="Group filter" value={v("ldapUserGroupSearchFilter")} error={e.ldapUserGroupSearchFilter} required disabled={ro} />
            <Field name="ldapAttributeGroupUniqueIdentifier" label="Unique id attribute" value={v("ldapAttributeGroupUniqueIdentifier")} error={e.ldapAttributeGroupUniqueIdentifier} required disabled={ro} />
            <Field name="ldapAttributeGroupName" label="Name attribute" value={v("ldapAttributeGroupName")} error={e.ldapAttributeGroupName} required disabled={ro} hint="Sent in the groups claim (spaces become _)." />
            <Field name="ldapAttributeGroupMember" label="Member attribute" value={v("ldapAttributeGroupMember")} error={e.ldapAttributeGroupMember} required disabled={ro} hint="member / uniqueMember (DNs) or memberUid (usernames)." />
            <Field name="ldapAdminGroupName" label="Admin group" value={v("ldapAdminGroupName")} error={e.ldapAdminGroupName} disabled={ro} hint="Its members are Latchkey administrators; leaving it removes admin." />
          </div>
        </section>
        <div id="ldap-test-result" aria-live="polite"></div>
        <div class="form-actions sticky-actions">
          <button type="button" class="btn btn-secondary" hx-post={`${BASE}/test`} hx-target="#ldap-test-result" hx-swap="outerHTML" hx-include="#ldap-form">
            Test connection
          </button>
          {ro ? "" : <button type="submit" class="btn">Save settings</button>}
        </div>
      </div>
    </form>
  );
}

export function LdapTestResult({ report }: { report: ConnectionReport }): JSX.Element {
  return (
    <div id="ldap-test-result" aria-live="polite">
      <div class={`alert ${report.ok ? "alert-success" : "alert-error"}`} role={report.ok ? "status" : "alert"}>
        <strong safe>{connectionHeadline(report)}</strong>
        <ul class="ldap-test-lines">
          {report.lines.map((l) => (
            <li>
              <span aria-hidden="true">{l.ok ? "✓ " : "✗ "}</span>
              <span class="sr-only">{l.ok ? "OK: " : "Problem: "}</span>
              <span safe>{l.text}</span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
