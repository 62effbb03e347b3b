/** Admin: LDAP sync (/settings/admin/ldap): status and "Sync now", settings, "Test connection". */
import type { PageContext } from "../../page-context.ts";
import type { AppConfig } from "../../../src/admin/app-config.ts";
import { connectionHeadline, type ConnectionReport } from "../../../src/ldap/connection-test.ts";
import type { SyncResult } from "../../../src/ldap/sync.ts";
import { AdminLayout, Csrf, Field, FormErrors, PageHeader, Toggle } from "./admin-shell.tsx";
import { DateTime } from "../../components/date-time.tsx";

const BASE = "/settings/admin/ldap";

export type LdapFormValues = Record<string, string | boolean>;

export function LdapPage(p: { ctx: PageContext; config: AppConfig; readOnly: boolean; last: SyncResult | null; hasPassword: boolean }): JSX.Element {
  const { t } = p.ctx;
  return (
    <AdminLayout ctx={p.ctx} title={t("ldap.title")}>
      <PageHeader title={t("ldap.title")} lead={t("ldap.lead")} />
      {p.readOnly ? (
        <div class="alert alert-info" role="status">
          <strong safe>{t("ldap.readOnlyTitle")}</strong> <span safe>{t("ldap.readOnlyBody")}</span>
        </div>
      ) : (
        ""
      )}
      <LdapStatus ctx={p.ctx} enabled={p.config.ldapEnabled} last={p.last} />
      <LdapForm ctx={p.ctx} values={p.config as unknown as LdapFormValues} readOnly={p.readOnly} hasPassword={p.hasPassword} />
    </AdminLayout>
  );
}

function summaryLine(ctx: PageContext, r: SyncResult): string {
  const { t } = ctx;
  const s = r.summary;
  const parts = [
    [s.usersCreated, "ldap.summaryUsersCreated"],
    [s.usersUpdated, "ldap.summaryUsersUpdated"],
    [s.usersDisabled, "ldap.summaryUsersDisabled"],
    [s.usersDeleted, "ldap.summaryUsersDeleted"],
    [s.groupsCreated, "ldap.summaryGroupsCreated"],
    [s.groupsUpdated, "ldap.summaryGroupsUpdated"],
    [s.groupsDeleted, "ldap.summaryGroupsDeleted"],
    [s.membershipsChanged, "ldap.summaryMemberships"],
    [s.picturesUpdated ?? 0, "ldap.summaryPictures"],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, key]) => t(key, { count: n }));
  return said.length ? t("ldap.summaryList", { list: new Intl.ListFormat(ctx.i18n.lang, { style: "long", type: "conjunction" }).format(said) }) : t("ldap.summaryNothing");
}

export function LdapStatus(p: { ctx: PageContext; enabled: boolean; last: SyncResult | null; justRan?: boolean }): JSX.Element {
  const { t } = p.ctx;
  const r = p.last;
  // Catalogue HTML: rich() escapes the text; the <time> is ours.
  const safeLastRun = r ? p.ctx.rich("ldap.lastRun", { when: () => String(<DateTime ctx={p.ctx} at={r.finishedAt} />), trigger: r.trigger }) : "";
  return (
    <section class="section" id="ldap-status" aria-labelledby="ldap-status-title">
      <div class="section-header">
        <div>
          <h2 id="ldap-status-title">
            <span safe>{t("ldap.syncTitle")}</span>{" "}
            {p.enabled ? <span class="badge badge-success" safe>{t("ldap.syncOn")}</span> : <span class="badge" safe>{t("ldap.syncOff")}</span>}
          </h2>
          <p class="muted small">
            {r ? safeLastRun : <span safe>{t("ldap.notRunYet")}</span>}
          </p>
        </div>
        {p.enabled ? (
          <form method="post" action={`${BASE}/sync`} hx-post={`${BASE}/sync`} hx-target="#ldap-status" hx-swap="outerHTML">
            <Csrf ctx={p.ctx} />
            <button type="submit" class="btn btn-secondary" safe>{t("ldap.syncNow")}</button>
          </form>
        ) : (
          ""
        )}
      </div>
      {r && r.ok ? (
        <div class={`alert ${r.skipped.length ? "alert-warning" : "alert-success"}`} role="status" data-autofocus={p.justRan ? "" : undefined} tabindex={p.justRan ? "-1" : undefined}>
          <span safe>{summaryLine(p.ctx, r)}</span>
          {r.skipped.length ? <span safe>{` ${t("ldap.skippedCount", { count: r.skipped.length })}`}</span> : ""}
        </div>
      ) : (
        ""
      )}
      {r && !r.ok ? (
        <div class="alert alert-error" role="alert" data-autofocus={p.justRan ? "" : undefined} tabindex={p.justRan ? "-1" : undefined}>
          <strong safe>{t("ldap.lastSyncFailed")}</strong> <span safe>{p.ctx.text(r.error ?? "")}</span>
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
                <div class="meta" safe>{t(s.kind === "user" ? "ldap.skippedUser" : "ldap.skippedGroup", { reason: p.ctx.text(s.reason) })}</div>
              </div>
            </li>
          ))}
        </ul>
      ) : (
        ""
      )}
      {p.enabled ? "" : <p class="muted small" safe>{t("ldap.turnOnHint")}</p>}
    </section>
  );
}

export function LdapForm(p: { ctx: PageContext; values: LdapFormValues; readOnly: boolean; hasPassword: boolean; errors?: Record<string, string>; saved?: boolean }): JSX.Element {
  const { t } = p.ctx;
  const v = (k: string) => String(p.values[k] ?? "");
  const b = (k: string) => p.values[k] === true || p.values[k] === "true" || p.values[k] === "on";
  const e = p.errors ?? {};
  const ro = p.readOnly;
  return (
    <form id="ldap-form" method="post" action={BASE} hx-post={BASE} hx-target="#ldap-form" hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      {p.saved ? <div class="alert alert-success" role="status" data-autofocus tabindex="-1" safe>{t("ldap.saved")}</div> : ""}
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <div class="stack">
        <section class="section">
          <h2 safe>{t("ldap.connection")}</h2>
          <Toggle name="ldapEnabled" label={t("ldap.enabled")} checked={b("ldapEnabled")} disabled={ro} value="true" hint={t("ldap.enabledHint")} />
          <div class="config-grid">
            <Field ctx={p.ctx} name="ldapUrl" label={t("ldap.url")} value={v("ldapUrl")} error={e.ldapUrl} required disabled={ro} placeholder="ldap://ldap.example.org:389" hint={t("ldap.urlHint")} />
            <Field ctx={p.ctx} name="ldapBase" label={t("ldap.base")} value={v("ldapBase")} error={e.ldapBase} required disabled={ro} placeholder={t("ldap.basePlaceholder")} hint={t("ldap.baseHint")} />
            <Field ctx={p.ctx} name="ldapBindDn" label={t("ldap.bindDn")} value={v("ldapBindDn")} error={e.ldapBindDn} disabled={ro} placeholder={t("ldap.bindDnPlaceholder")} hint={t("ldap.bindDnHint")} />
            <Field
              ctx={p.ctx}
              name="ldapBindPassword"
              label={t("ldap.bindPassword")}
              type="password"
              value=""
              error={e.ldapBindPassword}
              disabled={ro}
              placeholder={p.hasPassword ? t("ldap.bindPasswordStored") : ""}
              hint={p.hasPassword ? t("ldap.bindPasswordKeepHint") : t("ldap.bindPasswordHint")}
            />
          </div>
          <Toggle name="ldapStartTls" label={t("ldap.startTls")} checked={b("ldapStartTls")} disabled={ro} value="true" hint={t("ldap.startTlsHint")} />
          <Toggle name="ldapSkipCertVerify" label={t("ldap.skipCert")} checked={b("ldapSkipCertVerify")} disabled={ro} value="true" hint={t("ldap.skipCertHint")} />
        </section>
        <section class="section">
          <h2 safe>{t("ldap.users")}</h2>
          <div class="config-grid">
            <Field ctx={p.ctx} name="ldapUserSearchFilter" label={t("ldap.userFilter")} value={v("ldapUserSearchFilter")} error={e.ldapUserSearchFilter} required disabled={ro} />
            <Field ctx={p.ctx} name="ldapAttributeUserUniqueIdentifier" label={t("ldap.uniqueIdAttribute")} value={v("ldapAttributeUserUniqueIdentifier")} error={e.ldapAttributeUserUniqueIdentifier} required disabled={ro} hint={t("ldap.userUniqueIdHint")} />
            <Field ctx={p.ctx} name="ldapAttributeUserUsername" label={t("ldap.usernameAttribute")} value={v("ldapAttributeUserUsername")} error={e.ldapAttributeUserUsername} required disabled={ro} hint={t("ldap.usernameAttributeHint")} />
            <Field ctx={p.ctx} name="ldapAttributeUserEmail" label={t("ldap.emailAttribute")} value={v("ldapAttributeUserEmail")} error={e.ldapAttributeUserEmail} disabled={ro} />
            <Field ctx={p.ctx} name="ldapAttributeUserFirstName" label={t("ldap.firstNameAttribute")} value={v("ldapAttributeUserFirstName")} error={e.ldapAttributeUserFirstName} disabled={ro} />
            <Field ctx={p.ctx} name="ldapAttributeUserLastName" label={t("ldap.lastNameAttribute")} value={v("ldapAttributeUserLastName")} error={e.ldapAttributeUserLastName} disabled={ro} />
            <Field ctx={p.ctx} name="ldapAttributeUserDisplayName" label={t("ldap.displayNameAttribute")} value={v("ldapAttributeUserDisplayName")} error={e.ldapAttributeUserDisplayName} disabled={ro} />
            <Field ctx={p.ctx} name="ldapAttributeUserProfilePicture" label={t("ldap.pictureAttribute")} value={v("ldapAttributeUserProfilePicture")} error={e.ldapAttributeUserProfilePicture} disabled={ro} placeholder={t("ldap.picturePlaceholder")} hint={t("ldap.pictureAttributeHint")} />
          </div>
          <Toggle name="ldapSoftDeleteUsers" label={t("ldap.softDelete")} checked={b("ldapSoftDeleteUsers")} disabled={ro} value="true" hint={t("ldap.softDeleteHint")} />
        </section>
        <section class="section">
          <h2 safe>{t("ldap.groups")}</h2>
          <div class="config-grid">
            <Field ctx={p.ctx} name="ldapUserGroupSearchFilter" label={t("ldap.groupFilter")} value={v("ldapUserGroupSearchFilter")} error={e.ldapUserGroupSearchFilter} required disabled={ro} />
            <Field ctx={p.ctx} name="ldapAttributeGroupUniqueIdentifier" label={t("ldap.uniqueIdAttribute")} value={v("ldapAttributeGroupUniqueIdentifier")} error={e.ldapAttributeGroupUniqueIdentifier} required disabled={ro} />
            <Field ctx={p.ctx} name="ldapAttributeGroupName" label={t("ldap.groupNameAttribute")} value={v("ldapAttributeGroupName")} error={e.ldapAttributeGroupName} required disabled={ro} hint={t("ldap.groupNameAttributeHint")} />
            <Field ctx={p.ctx} name="ldapAttributeGroupMember" label={t("ldap.memberAttribute")} value={v("ldapAttributeGroupMember")} error={e.ldapAttributeGroupMember} required disabled={ro} hint={t("ldap.memberAttributeHint")} />
            <Field ctx={p.ctx} name="ldapAdminGroupName" label={t("ldap.adminGroup")} value={v("ldapAdminGroupName")} error={e.ldapAdminGroupName} disabled={ro} hint={t("ldap.adminGroupHint")} />
          </div>
        </section>
        <div id="ldap-test-result" aria-live="polite"></div>
        <div class="form-actions sticky-actions">
          <button type="button" class="btn btn-secondary" hx-post={`${BASE}/test`} hx-target="#ldap-test-result" hx-swap="outerHTML" hx-include="#ldap-form" safe>
            {t("ldap.testConnection")}
          </button>
          {ro ? "" : <button type="submit" class="btn" safe>{t("ldap.save")}</button>}
        </div>
      </div>
    </form>
  );
}

export function LdapTestResult({ ctx, report }: { ctx: PageContext; report: ConnectionReport }): JSX.Element {
  const { t } = ctx;
  return (
    <div id="ldap-test-result" aria-live="polite">
      <div class={`alert ${report.ok ? "alert-success" : "alert-error"}`} role={report.ok ? "status" : "alert"}>
        <strong safe>{ctx.text(connectionHeadline(report))}</strong>
        <ul class="ldap-test-lines">
          {report.lines.map((l) => (
            <li>
              <span aria-hidden="true">{l.ok ? "✓ " : "✗ "}</span>
              <span class="sr-only" safe>{l.ok ? t("ldap.lineOk") : t("ldap.lineProblem")}</span> <span safe>{ctx.text(l.text)}</span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
