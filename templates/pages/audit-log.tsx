/**
 * Activity pages: /settings/audit-log (a person's own events) and, for administrators,
 * /settings/audit-log/global (everyone's, with filters and CSV export).
 * - Pagination and filters swap only #audit-list (htmx); without JavaScript they are plain links/GETs.
 * - Times are rendered as <time datetime=ISO> in UTC and localised by static/js/audit-log.js.
 * - The user and app filters are menus for a short list and text fields when the route passes none
 *   (too many to list); a filtered total past the count bound reads "More than 10,000 events".
 */
import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import type { AuditEntry, AuditFilterValues, AuditPage } from "../../src/audit/audit-queries.ts";

export interface FilterOptions {
  /** null: too many to list, the filter is a text field (username). */
  users: { id: string; username: string; display_name: string }[] | null;
  events: { value: string; label: string }[];
  /** null: too many to list, the filter is a text field (app name or client ID). */
  clients: string[] | null;
}

function utcText(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

export function LocalTime({ seconds }: { seconds: number }): JSX.Element {
  const iso = new Date(seconds * 1000).toISOString();
  return (
    <time datetime={iso} title={utcText(seconds)} data-local-time safe>
      {utcText(seconds)}
    </time>
  );
}

const TONE_CLASS: Record<string, string> = { success: "tone-success", warning: "tone-warning", danger: "tone-danger", neutral: "tone-neutral" };

function EntryItem({ e, showUser }: { e: AuditEntry; showUser: boolean }): JSX.Element {
  const who = e.userDisplayName || e.username;
  return (
    <li class={`audit-item ${TONE_CLASS[e.description.tone]}`}>
      <span class="audit-dot" aria-hidden="true"></span>
      <div class="audit-main">
        <div class="audit-title">
          <span class="title" safe>{e.description.title}</span>
          {e.description.tone === "danger" || e.description.tone === "warning" ? (
            <span class={e.description.tone === "danger" ? "badge badge-danger" : "badge badge-warning"}>{e.description.tone === "danger" ? "Security" : "Attention"}</span>
          ) : (
            ""
          )}
        </div>
        {e.description.detail ? <div class="audit-detail" safe>{e.description.detail}</div> : ""}
        <div class="audit-meta">
          {showUser ? (
            <span class="audit-user">
              {e.userId ? <a href={`/settings/audit-log/global?user=${encodeURIComponent(e.userId)}`} hx-get={`/settings/audit-log/global?user=${encodeURIComponent(e.userId)}`} hx-target="#audit-list" hx-swap="outerHTML" hx-push-url="true" safe>{who ?? "deleted user"}</a> : <span class="muted">System</span>}
            </span>
          ) : (
            ""
          )}
          <span safe>{e.device}</span>
          <span class={e.location ? "" : "muted"} safe>{e.location ?? "Unknown location"}</span>
          {e.ipAddress ? <span class="mono" safe>{e.ipAddress}</span> : ""}
        </div>
      </div>
      <div class="audit-when">
        <LocalTime seconds={e.createdAt} />
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

const num = (n: number) => n.toLocaleString("en");

/** "1,204 events · page 2 of 49", or past the count bound "More than 10,000 events · page 2". */
function pagerText(page: AuditPage): string {
  if (page.more) return `More than ${num(page.totalItems - 1)} events · page ${num(page.page)}`;
  return `${num(page.totalItems)} event${page.totalItems === 1 ? "" : "s"} · page ${num(page.page)} of ${num(page.totalPages)}`;
}

function AuditPager({ base, page, values }: { base: string; page: AuditPage; values: Partial<AuditFilterValues> }): JSX.Element {
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
  return (
    <div class="pager">
      <span class="muted small" safe>{pagerText(page)}</span>
      <div class="row tight">
        {page.page > 1 ? link(page.page - 1, "Newer") : off("Newer")}
        {page.page < page.totalPages ? link(page.page + 1, "Older") : off("Older")}
      </div>
    </div>
  );
}

/** The swappable list (#audit-list): entries, pager, and for admins the export link of the current filter. */
export function AuditList(p: { base: string; page: AuditPage; values: Partial<AuditFilterValues>; showUser: boolean; exportHref?: string; filtered?: boolean }): JSX.Element {
  return (
    <div id="audit-list" class="audit-list-wrap">
      {p.exportHref ? (
        <div class="audit-toolbar">
          <span class="muted small">{p.filtered ? "Showing events that match the filters." : "Showing every event."}</span>
          <a class="btn btn-secondary btn-sm" href={p.exportHref} download="audit-log.csv">
            Export CSV
          </a>
        </div>
      ) : (
        ""
      )}
      {p.page.entries.length === 0 ? (
        <div class="empty">
          <p class="empty-title">{p.filtered ? "No matching events" : "No activity yet"}</p>
          <p class="muted small">{p.filtered ? "Try a wider date range or fewer filters." : "Sign-ins, passkey changes and app authorizations will show up here."}</p>
        </div>
      ) : (
        <ol class="audit-list">
          {p.page.entries.map((e) => (
            <EntryItem e={e} showUser={p.showUser} />
          ))}
        </ol>
      )}
      <AuditPager base={p.base} page={p.page} values={p.values} />
    </div>
  );
}

function ActivityTabs({ ctx, current }: { ctx: PageContext; current: "own" | "global" }): JSX.Element {
  if (!ctx.user?.isAdmin) return "";
  return (
    <nav class="admin-tabs" aria-label="Activity">
      <a href="/settings/audit-log" class={current === "own" ? "admin-tab active" : "admin-tab"} aria-current={current === "own" ? "page" : undefined}>
        My activity
      </a>
      <a href="/settings/audit-log/global" class={current === "global" ? "admin-tab active" : "admin-tab"} aria-current={current === "global" ? "page" : undefined}>
        Everyone
      </a>
    </nav>
  );
}

export function OwnAuditLogPage(p: { ctx: PageContext; page: AuditPage }): JSX.Element {
  return (
    <Layout ctx={p.ctx} title="Activity" scripts={["audit-log.js"]}>
      <ActivityTabs ctx={p.ctx} current="own" />
      <div class="page-header">
        <div>
          <h1>Activity</h1>
          <p class="muted">Sign-ins, passkey changes and apps you allowed, with the device and place they came from. If something looks unfamiliar, remove the passkey and sign out everywhere from My account.</p>
        </div>
      </div>
      <section class="section">
        <AuditList base="/settings/audit-log" page={p.page} values={{}} showUser={false} />
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
  const v = p.values;
  const filtered = Object.values(v).some(Boolean);
  const exportHref = exportHrefOf(v);
  return (
    <Layout ctx={p.ctx} title="Audit log" scripts={["audit-log.js"]}>
      <ActivityTabs ctx={p.ctx} current="global" />
      <div class="page-header">
        <div>
          <h1>Audit log</h1>
          <p class="muted">Every sign-in and change, for everyone. Dates are whole days in UTC; times show in your time zone.</p>
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
          aria-label="Filter the audit log"
        >
          {p.options.users ? (
            <Select
              name="user"
              label="User"
              value={p.user?.id ?? v.user}
              all="Everyone"
              options={p.options.users.map((u) => ({ value: u.id, label: u.display_name ? `${u.display_name} (@${u.username})` : `@${u.username}` }))}
            />
          ) : (
            <TextFilter name="user" label="User" value={p.user?.username ?? v.user} placeholder="Username" />
          )}
          <Select name="event" label="Event" value={v.event} all="Every event" options={p.options.events} />
          {p.options.clients ? (
            <Select name="client" label="App" value={v.client} all="Every app" options={p.options.clients.map((c) => ({ value: c, label: c }))} />
          ) : (
            <TextFilter name="client" label="App" value={v.client} placeholder="App name or client ID" />
          )}
          <div class="field">
            <label for="f-ip">IP address</label>
            <input id="f-ip" type="text" name="ip" value={v.ip} placeholder="203.0.113.7 or 203.0.113.*" autocomplete="off" inputmode="text" />
          </div>
          <div class="field">
            <label for="f-from">From</label>
            <input id="f-from" type="date" name="from" value={v.from} aria-invalid={p.errors?.from ? "true" : undefined} />
          </div>
          <div class="field">
            <label for="f-to">To</label>
            <input id="f-to" type="date" name="to" value={v.to} aria-invalid={p.errors?.to ? "true" : undefined} />
          </div>
          <div class="audit-filter-actions">
            <button type="submit" class="btn">
              Apply
            </button>
            <a class="btn btn-ghost" href="/settings/audit-log/global">
              Reset
            </a>
          </div>
        </form>
        <AuditList base="/settings/audit-log/global" page={p.page} values={v} showUser exportHref={exportHref} filtered={filtered} />
      </section>
    </Layout>
  );
}
