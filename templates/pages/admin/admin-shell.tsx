/** The administration shell: page header, section tabs, and small form/list building blocks. */
import { Layout } from "../../layout.tsx";
import { TextField, type TextFieldProps } from "../../components/text-field.tsx";
import type { PageContext } from "../../page-context.ts";
import type { MessageKey } from "../../../src/i18n/catalog.ts";
import { BUILD_COMMIT, BUILD_DATE, VERSION } from "../../../src/version.ts";

const TABS: [string, MessageKey][] = [
  ["/settings/admin/users", "admin.navUsers"],
  ["/settings/admin/user-groups", "admin.navUserGroups"],
  ["/settings/admin/oidc-clients", "admin.navOidcClients"],
  ["/settings/admin/apis", "admin.navApis"],
  ["/settings/admin/protected-apps", "admin.navProtectedApps"],
  ["/settings/admin/signup-tokens", "admin.navSignupLinks"],
  ["/settings/admin/api-keys", "admin.navApiKeys"],
  ["/settings/admin/application-configuration", "admin.navConfiguration"],
  ["/settings/admin/backups", "admin.navBackups"],
  ["/settings/admin/ldap", "admin.navLdap"],
];

/**
 * The administration sections beside the page: a sidebar from 900 px up, a disclosure menu below (a
 * <details>, so it opens without script; the stylesheet shows its content on wide screens).
 */
export function AdminLayout(p: { ctx: PageContext; title: string; scripts?: string[]; children?: JSX.Element | JSX.Element[] }): JSX.Element {
  const content = ([] as JSX.Element[]).concat(p.children ?? []).join("") as JSX.Element;
  const isActive = (href: string) => p.ctx.currentPath === href || p.ctx.currentPath.startsWith(`${href}/`);
  const { t } = p.ctx;
  const currentKey = TABS.find(([href]) => isActive(href))?.[1];
  const current = currentKey ? t(currentKey) : undefined;
  return (
    <Layout ctx={p.ctx} title={p.title} scripts={["admin.js", ...(p.scripts ?? [])]}>
      <div class="admin-layout">
        <details class="section-menu">
          <summary class="menu-toggle">
            <span class="menu-toggle-label" safe>{t("common.navAdministration")}</span>
            {current ? <span class="menu-toggle-current" safe>{current}</span> : ""}
          </summary>
          <nav class="admin-nav" aria-label={t("common.navAdministration")}>
            {TABS.map(([href, label]) => {
              const active = isActive(href);
              return (
                <a href={href} class={active ? "admin-nav-link active" : "admin-nav-link"} aria-current={active ? "page" : undefined}>
                  <span safe>{t(label)}</span>
                </a>
              );
            })}
          </nav>
          <AdminVersion ctx={p.ctx} />
        </details>
        <div class="admin-page">{content}</div>
      </div>
    </Layout>
  );
}

/** Which Latchkey answers (`latchkey version`): the version, the commit it was built from (short) and the build date. */
function AdminVersion(p: { ctx: PageContext }): JSX.Element {
  const { t } = p.ctx;
  const text =
    BUILD_COMMIT === null || BUILD_DATE === null
      ? t("admin.versionFromSource", { version: VERSION })
      : t("admin.versionBuilt", { version: VERSION, commit: BUILD_COMMIT.slice(0, 12), date: BUILD_DATE.slice(0, 10) });
  return (
    <p class="admin-version muted small" title={BUILD_COMMIT ?? undefined} safe>
      {text}
    </p>
  );
}

export function PageHeader(p: { title: string; lead?: string; back?: { href: string; label: string }; children?: JSX.Element | JSX.Element[] }): JSX.Element {
  const actions = ([] as JSX.Element[]).concat(p.children ?? []).join("") as JSX.Element;
  return (
    <div class="page-header">
      <div>
        {p.back ? (
          <a class="back-link" href={p.back.href}>
            <span aria-hidden="true">←</span> <span safe>{p.back.label}</span>
          </a>
        ) : (
          ""
        )}
        <h1 safe>{p.title}</h1>
        {p.lead ? <p class="muted" safe>{p.lead}</p> : ""}
      </div>
      {actions ? <div class="row">{actions}</div> : ""}
    </div>
  );
}

/** A labelled input with its inline error (the shared TextField, with admin ids `f-<name>`); `ctx` puts its "(optional)" in the page's language. */
export function Field(p: Omit<TextFieldProps, "idPrefix">): JSX.Element {
  return <TextField {...p} idPrefix="f" />;
}

export function Toggle(p: { name: string; label: string; checked: boolean; hint?: string; disabled?: boolean; error?: string; value?: string }): JSX.Element {
  return (
    <label class="checkbox">
      <input type="checkbox" name={p.name} value={p.value ?? "on"} checked={p.checked} disabled={p.disabled} />
      <span>
        <span safe>{p.label}</span>
        {p.hint ? <span class="hint" safe>{p.hint}</span> : ""}
        {p.error ? <span class="error-text" safe>{p.error}</span> : ""}
      </span>
    </label>
  );
}

export function Csrf({ ctx }: { ctx: PageContext }): JSX.Element {
  return <input type="hidden" name="_csrf" value={ctx.csrfToken} />;
}

/** A summary alert for a form that failed validation. */
export function FormErrors({ ctx, errors }: { ctx: PageContext; errors?: Record<string, string> }): JSX.Element {
  const list = Object.entries(errors ?? {});
  if (list.length === 0) return "";
  return (
    <div class="alert alert-error" role="alert" tabindex="-1" data-autofocus>
      <strong safe>{ctx.t("validation.summary")}</strong>
      {list.some(([k]) => k === "_" || k === "body") ? <span safe>{errors!._ ?? errors!.body}</span> : ""}
    </div>
  );
}

/** Out-of-band flash message, appended to htmx fragment responses. */
export function FlashOob({ kind, message }: { kind: "success" | "error" | "info"; message: string }): JSX.Element {
  return (
    <div id="flash" role="status" aria-live="polite" hx-swap-oob="true">
      <div class={`alert alert-${kind}`} role={kind === "error" ? "alert" : "status"}>
        <span safe>{message}</span>
      </div>
    </div>
  );
}

/**
 * Pagination links that refresh only `target` (and keep the URL in sync). `items` names the total in
 * the caller's words ("12 users"); without it the count reads "12 items".
 */
export function Pager(p: { ctx: PageContext; base: string; search: string; page: number; totalPages: number; totalItems: number; target: string; items?: string }): JSX.Element {
  const { t } = p.ctx;
  const href = (n: number) => `${p.base}?page=${n}${p.search ? `&search=${encodeURIComponent(p.search)}` : ""}`;
  const items = p.items ?? t("admin.pagerItems", { count: p.totalItems });
  return (
    <div class="pager">
      <span class="muted small" safe>{t("admin.pagerSummary", { items, page: p.page, pages: p.totalPages })}</span>
      <div class="row">
        {p.page > 1 ? (
          <a class="btn btn-secondary btn-sm" href={href(p.page - 1)} hx-get={href(p.page - 1)} hx-target={p.target} hx-swap="outerHTML" hx-push-url="true" safe>
            {t("admin.pagerPrevious")}
          </a>
        ) : (
          <span class="btn btn-secondary btn-sm" aria-disabled="true" safe>{t("admin.pagerPrevious")}</span>
        )}
        {p.page < p.totalPages ? (
          <a class="btn btn-secondary btn-sm" href={href(p.page + 1)} hx-get={href(p.page + 1)} hx-target={p.target} hx-swap="outerHTML" hx-push-url="true" safe>
            {t("admin.pagerNext")}
          </a>
        ) : (
          <span class="btn btn-secondary btn-sm" aria-disabled="true" safe>{t("admin.pagerNext")}</span>
        )}
      </div>
    </div>
  );
}

/** Editable key/value rows for custom claims (rows added/removed by admin.js). */
export function ClaimRows({ ctx, claims, errors }: { ctx: PageContext; claims: { key: string; value: string }[]; errors?: Record<string, string> }): JSX.Element {
  const { t } = ctx;
  const rows = claims.length ? claims : [{ key: "", value: "" }];
  const claimError = Object.entries(errors ?? {}).filter(([k]) => k.startsWith("customClaims"));
  return (
    <div class="claims" data-rows>
      <div class="claim-head" aria-hidden="true">
        <span safe>{t("admin.claimName")}</span>
        <span safe>{t("admin.claimValue")}</span>
        <span></span>
      </div>
      {rows.map((c, i) => (
        <div class="claim-row" data-row>
          <input type="text" name="claimKey" value={c.key} aria-label={t("admin.claimNameOf", { n: i + 1 })} placeholder={t("admin.claimNamePlaceholder")} maxlength="64" />
          <input type="text" name="claimValue" value={c.value} aria-label={t("admin.claimValueOf", { n: i + 1 })} placeholder={t("admin.claimValuePlaceholder")} maxlength="1000" />
          <button type="button" class="btn btn-ghost btn-sm" data-remove-row aria-label={t("admin.claimRemoveOf", { n: i + 1 })} safe>{t("admin.claimRemove")}</button>
        </div>
      ))}
      <template data-row-template>
        <div class="claim-row" data-row>
          <input type="text" name="claimKey" value="" aria-label={t("admin.claimNewName")} placeholder={t("admin.claimNamePlaceholder")} maxlength="64" />
          <input type="text" name="claimValue" value="" aria-label={t("admin.claimNewValue")} placeholder={t("admin.claimValuePlaceholder")} maxlength="1000" />
          <button type="button" class="btn btn-ghost btn-sm" data-remove-row aria-label={t("admin.claimRemoveNew")} safe>{t("admin.claimRemove")}</button>
        </div>
      </template>
      {claimError.map(([, m]) => (
        <p class="error-text" safe>{m}</p>
      ))}
      <button type="button" class="btn btn-secondary btn-sm" data-add-row safe>{t("admin.claimAdd")}</button>
    </div>
  );
}

export function EmptyState({ title, text }: { title: string; text: string }): JSX.Element {
  return (
    <div class="empty">
      <p class="empty-title" safe>{title}</p>
      <p class="muted small" safe>{text}</p>
    </div>
  );
}

/** One checkbox per group (friendly name + technical name), posted as `userGroupIds`. */
export function GroupCheckboxes(p: { groups: { id: string; name: string; friendlyName: string }[]; selected: Set<string> }): JSX.Element {
  return (
    <div class="check-grid">
      {p.groups.map((g) => (
        <label class="checkbox">
          <input type="checkbox" name="userGroupIds" value={g.id} checked={p.selected.has(g.id)} />
          <span>
            <span safe>{g.friendlyName}</span>
            <span class="hint mono" safe>{g.name}</span>
          </span>
        </label>
      ))}
    </div>
  );
}

/** The namespaces that word a "who may use it" section for themselves (each has the same keys). */
type AccessNamespace = "clients" | "protectedApps";
type AccessKey = "accessTitle" | "accessGroups" | "accessGroupsHint" | "accessEveryone" | "accessEveryoneHint" | "nobodyTitle" | "nobodyText" | "allowedGroups" | "noGroups";
// Both namespaces carry every key (a missing one fails the type check here).
const accessKey = (ns: AccessNamespace, key: AccessKey): MessageKey => `${ns}.${key}` satisfies MessageKey;

/**
 * Who may use an app (an OIDC client or a protected app), part of its one form: a radio (the groups
 * below, or everyone with an account), a warning while nobody is admitted, and the groups.
 */
export function AccessChoice(p: { ctx: PageContext; ns: AccessNamespace; ids: { section: string; title: string; nobody: string }; restricted: boolean; selected: string[]; groups: { id: string; friendlyName: string; name: string }[]; error?: string }): JSX.Element {
  const { t } = p.ctx;
  const k = (key: AccessKey) => accessKey(p.ns, key);
  const w = { title: k("accessTitle"), groups: k("accessGroups"), groupsHint: k("accessGroupsHint"), everyone: k("accessEveryone"), everyoneHint: k("accessEveryoneHint"), nobodyTitle: k("nobodyTitle"), nobodyText: k("nobodyText"), allowedGroups: k("allowedGroups"), noGroups: k("noGroups") };
  const selected = new Set(p.selected);
  const safeNoGroups = p.ctx.rich(w.noGroups, { link: (x) => `<a href="/settings/admin/user-groups">${x}</a>` });
  return (
    <section class="section" id={p.ids.section} aria-labelledby={p.ids.title}>
      <h2 id={p.ids.title} safe>{t(w.title)}</h2>
      <fieldset class="fieldset">
        <legend class="sr-only" safe>{t(w.title)}</legend>
        <label class="checkbox">
          <input type="radio" name="access" value="groups" checked={p.restricted} />
          <span>
            <span safe>{t(w.groups)}</span>
            <span class="hint" safe>{t(w.groupsHint)}</span>
          </span>
        </label>
        <label class="checkbox">
          <input type="radio" name="access" value="everyone" checked={!p.restricted} />
          <span>
            <span safe>{t(w.everyone)}</span>
            <span class="hint" safe>{t(w.everyoneHint)}</span>
          </span>
        </label>
      </fieldset>
      {p.restricted && selected.size === 0 ? (
        <div class="alert alert-warning" role="status" id={p.ids.nobody}>
          <strong safe>{t(w.nobodyTitle)}</strong> <span safe>{t(w.nobodyText)}</span>
        </div>
      ) : (
        ""
      )}
      <fieldset class="fieldset">
        <legend safe>{t(w.allowedGroups)}</legend>
        {p.groups.length === 0 ? <p class="muted small">{safeNoGroups}</p> : <GroupCheckboxes groups={p.groups} selected={selected} />}
        {p.error ? <p class="error-text" safe>{p.error}</p> : ""}
      </fieldset>
    </section>
  );
}
