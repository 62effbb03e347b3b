/**
 * Activity pages: /settings/audit-log (a person's own events) and, for administrators,
 * /settings/audit-log/global (everyone's, with filters and CSV export).
 * - Pagination and filters swap only #audit-list (htmx); without JavaScript they are plain links/GETs.
 * - Times are <DateTime>: the viewer's language and time zone, the exact time on hover.
 * - Event titles, facts and devices come from the domain as messages (describeEventMessages) and are
 *   put into the viewer's language here; names, clients and change details are data.
 * - The user and app filters are menus for a short list and text fields when the route passes none
 *   (too many to list); a filtered total past the count bound reads "More than 10,000 events".
 */
import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { DateTime } from "../components/date-time.tsx";
import type { AuditEntry, AuditFilterValues, AuditPage } from "../../src/audit/audit-queries.ts";
import { describeEventMessages, isCodeFact } from "../../src/audit/event-labels.ts";
import { INTERNAL_NETWORK } from "../../src/audit/geolocation.ts";
import { deviceMessage } from "../../src/audit/user-agent.ts";

export interface FilterOptions {
  /** null: too many to list, the filter is a text field (username). */
  users: { id: string; username: string; displayName: string }[] | null;
  events: { value: string; label: string }[];
  /** null: too many to list, the filter is a text field (app name or client ID). */
  clients: string[] | null;
}

const TONE_CLASS: Record<string, string> = { success: "tone-success", warning: "tone-warning", danger: "tone-danger", neutral: "tone-neutral" };

/** "City, Country", or the internal network in the viewer's language (stored as a marker, not as words). */
function locationOf(ctx: PageContext, e: AuditEntry): string | null {
  if (e.country === INTERNAL_NETWORK) return ctx.t("audit.internalNetwork");
  return e.location;
}

function EntryItem({ ctx, e, showUser }: { ctx: PageContext; e: AuditEntry; showUser: boolean }): JSX.Element {
  const { t } = ctx;
  const who = e.userDisplayName || e.username;
  const d = describeEventMessages(e.event, e.data);
  const safeFacts = d.facts.map((f) => (isCodeFact(f) ? <code safe>{f.code}</code> : <span safe>{ctx.text(f)}</span>));
  const location = locationOf(ctx, e);
  return (
    <li class={`audit-item ${TONE_CLASS[d.tone]}`}>
      <span class="audit-dot" aria-hidden="true"></span>
      <div class="audit-main">
        <div class="audit-title">
          <span class="title" safe>{ctx.text(d.title)}</span>
          {d.tone === "danger" || d.tone === "warning" ? (
            <span class={d.tone === "danger" ? "badge badge-danger" : "badge badge-warning"} safe>{d.tone === "danger" ? t("audit.badgeSecurity") : t("audit.badgeAttention")}</span>
          ) : (
            ""
          )}
        </div>
        {safeFacts.length ? <div class="audit-detail">{safeFacts.join(" · ")}</div> : ""}
        <div class="audit-meta">
          {showUser ? (
            <span class="audit-user">
              {e.userId ? <a href={`/settings/audit-log/global?user=${encodeURIComponent(e.userId)}`} hx-get={`/settings/audit-log/global?user=${encodeURIComponent(e.userId)}`} hx-target="#audit-list" hx-swap="outerHTML" hx-push-url="true" safe>{who ?? t("audit.deletedUser")}</a> : <span class="muted" safe>{t("audit.system")}</span>}
            </span>
          ) : (
            ""
          )}
          <span safe>{ctx.text(deviceMessage(e.userAgent))}</span>
          <span class={location ? "" : "muted"} safe>{location ?? t("audit.unknownLocation")}</span>
          {e.ipAddress ? <span class="mono" safe>{e.ipAddress}</span> : ""}
        </div>
      </div>
      <div class="audit-when">
        <DateTime ctx={ctx} at={e.createdAt} />
      </div>
    </li>
  );
}

function queryString(values: Partial<AuditFilterValues>, page?: number): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) q.set(k, v);
  if (page && page > 1) q.set("page", String(page));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** The CSV export of the current filter. */
export function exportHrefOf(values: Partial<AuditFilterValues>): string {
  return `/settings/audit-log/global.csv${queryString(values)}`;
}

/** "1,204 events · page 2 of 49", or past the count bound "More than 10,000 events · page 2" (numbers in the viewer's locale). */
function pagerText(ctx: PageContext, page: AuditPage): string {
  if (page.more) return ctx.t("audit.pagerMore", { count: page.totalItems - 1, page: page.page });
  return ctx.t("audit.pagerCount", { count: page.totalItems, page: page.page, pages: page.totalPages });
}

function AuditPager({ ctx, base, page, values }: { ctx: PageContext; base: string; page: AuditPage; values: Partial<AuditFilterValues> }): JSX.Element {
  const link = (n: number, label: string) => {
    const href = base + queryString(values, n);
    return (
      <a class="btn btn-secondary btn-sm" href={href} hx-get={href} hx-target="#audit-list" hx-swap="outerHTML" hx-push-url="true" safe>
        {label}
      </a>
    );
  };
  const off = (label: string) => (
    <span class="btn btn-secondary btn-sm" aria-disabled="true" safe>
      {label}
    </span>
  );
  const newer = ctx.t("audit.newer");
  const older = ctx.t("audit.older");
  return (
    <div class="pager">
      <span class="muted small" safe>{pagerText(ctx, page)}</span>
      <div class="row tight">
        {page.page > 1 ? link(page.page - 1, newer) : off(newer)}
        {page.page < page.totalPages ? link(page.page + 1, older) : off(older)}
      </div>
    </div>
  );
}

/** The swappable list (#audit-list): entries, pager, and for admins the export link of the current filter. */
export function AuditList(p: { ctx: PageContext; base: string; page: AuditPage; values: Partial<AuditFilterValues>; showUser: boolean; exportHref?: string; filtered?: boolean }): JSX.Element {
  const { t } = p.ctx;
  return (
    <div id="audit-list" class="audit-list-wrap">
      {p.exportHref ? (
        <div class="audit-toolbar">
          <span class="muted small" safe>{p.filtered ? t("audit.showingFiltered") : t("audit.showingAll")}</span>
          <a class="btn btn-secondary btn-sm" href={p.exportHref} download="audit-log.csv" safe>
            {t("audit.exportCsv")}
          </a>
        </div>
      ) : (
        ""
      )}
      {p.page.entries.length === 0 ? (
        <div class="empty">
          <p class="empty-title" safe>{p.filtered ? t("audit.emptyFilteredTitle") : t("audit.emptyTitle")}</p>
          <p class="muted small" safe>{p.filtered ? t("audit.emptyFilteredText") : t("audit.emptyText")}</p>
        </div>
      ) : (
        <ol class="audit-list">
          {p.page.entries.map((e) => (
            <EntryItem ctx={p.ctx} e={e} showUser={p.showUser} />
          ))}
        </ol>
      )}
      <AuditPager ctx={p.ctx} base={p.base} page={p.page} values={p.values} />
    </div>
  );
}

function ActivityTabs({ ctx, current }: { ctx: PageContext; current: "own" | "global" }): JSX.Element {
  if (!ctx.user?.isAdmin) return "";
  const { t } = ctx;
  return (
    <nav class="admin-tabs" aria-label={t("audit.tabsLabel")}>
      <a href="/settings/audit-log" class={current === "own" ? "admin-tab active" : "admin-tab"} aria-current={current === "own" ? "page" : undefined} safe>
        {t("audit.tabOwn")}
      </a>
      <a href="/settings/audit-log/global" class={current === "global" ? "admin-tab active" : "admin-tab"} aria-current={current === "global" ? "page" : undefined} safe>
        {t("audit.tabEveryone")}
      </a>
    </nav>
  );
}

export function OwnAuditLogPage(p: { ctx: PageContext; page: AuditPage }): JSX.Element {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("audit.ownTitle")}>
      <ActivityTabs ctx={p.ctx} current="own" />
      <div class="page-header">
        <div>
          <h1 safe>{t("audit.ownTitle")}</h1>
          <p class="muted" safe>{t("audit.ownLead")}</p>
        </div>
      </div>
      <section class="section">
        <AuditList ctx={p.ctx} base="/settings/audit-log" page={p.page} values={{}} showUser={false} />
      </section>
    </Layout>
  );
}

function Select(p: { name: string; label: string; value: string; options: { value: string; label: string }[]; all: string }): JSX.Element {
  return (
    <div class="field">
      <label for={`f-${p.name}`} safe>{p.label}</label>
      <select id={`f-${p.name}`} name={p.name}>
        <option value="" safe>{p.all}</option>
        {p.options.map((o) => (
          <option value={o.value} selected={o.value === p.value} safe>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function TextFilter(p: { name: string; label: string; value: string; placeholder: string }): JSX.Element {
  return (
    <div class="field">
      <label for={`f-${p.name}`} safe>{p.label}</label>
      <input id={`f-${p.name}`} type="search" name={p.name} value={p.value} placeholder={p.placeholder} autocomplete="off" spellcheck="false" />
    </div>
  );
}

export function GlobalAuditLogPage(p: {
  ctx: PageContext;
  page: AuditPage;
  values: AuditFilterValues;
  /** The user the filter named (by id or username), shown by username in the text field. */
  user?: { id: string; username: string } | null;
  options: FilterOptions;
  errors?: Record<string, string>;
}): JSX.Element {
  const { t } = p.ctx;
  const v = p.values;
  const filtered = Object.values(v).some(Boolean);
  const exportHref = exportHrefOf(v);
  return (
    <Layout ctx={p.ctx} title={t("audit.globalTitle")}>
      <ActivityTabs ctx={p.ctx} current="global" />
      <div class="page-header">
        <div>
          <h1 safe>{t("audit.globalTitle")}</h1>
          <p class="muted" safe>{t("audit.globalLead")}</p>
        </div>
      </div>
      <section class="section">
        <form
          class="audit-filters"
          method="get"
          action="/settings/audit-log/global"
          hx-get="/settings/audit-log/global"
          hx-target="#audit-list"
          hx-swap="outerHTML"
          hx-push-url="true"
          hx-trigger="change, submit"
          hx-sync="this:replace"
          role="search"
          aria-label={t("audit.filtersLabel")}
        >
          {p.options.users ? (
            <Select
              name="user"
              label={t("audit.filterUser")}
              value={p.user?.id ?? v.user}
              all={t("audit.filterEveryone")}
              options={p.options.users.map((u) => ({ value: u.id, label: u.displayName ? `${u.displayName} (@${u.username})` : `@${u.username}` }))}
            />
          ) : (
            <TextFilter name="user" label={t("audit.filterUser")} value={p.user?.username ?? v.user} placeholder={t("audit.filterUsername")} />
          )}
          <Select name="event" label={t("audit.filterEvent")} value={v.event} all={t("audit.filterEveryEvent")} options={p.options.events} />
          {p.options.clients ? (
            <Select name="client" label={t("audit.filterApp")} value={v.client} all={t("audit.filterEveryApp")} options={p.options.clients.map((c) => ({ value: c, label: c }))} />
          ) : (
            <TextFilter name="client" label={t("audit.filterApp")} value={v.client} placeholder={t("audit.filterAppPlaceholder")} />
          )}
          <div class="field">
            <label for="f-ip" safe>{t("audit.filterIp")}</label>
            <input id="f-ip" type="text" name="ip" value={v.ip} placeholder={t("audit.filterIpPlaceholder")} autocomplete="off" inputmode="text" />
          </div>
          <div class="field">
            <label for="f-from" safe>{t("audit.filterFrom")}</label>
            <input id="f-from" type="date" name="from" value={v.from} aria-invalid={p.errors?.from ? "true" : undefined} />
          </div>
          <div class="field">
            <label for="f-to" safe>{t("audit.filterTo")}</label>
            <input id="f-to" type="date" name="to" value={v.to} aria-invalid={p.errors?.to ? "true" : undefined} />
          </div>
          <div class="audit-filter-actions">
            <button type="submit" class="btn" safe>
              {t("audit.apply")}
            </button>
            <a class="btn btn-ghost" href="/settings/audit-log/global" safe>
              {t("audit.reset")}
            </a>
          </div>
        </form>
        <AuditList ctx={p.ctx} base="/settings/audit-log/global" page={p.page} values={v} showUser exportHref={exportHref} filtered={filtered} />
      </section>
    </Layout>
  );
}
