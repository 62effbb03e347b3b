/**
 * Reading the audit log: a person's own events, the administrators' filtered log, CSV export and
 * retention. Rows become views with the event in plain words, the device from the user agent and
 * the location; the HTTP layer only renders them.
 * - Pages are numbered (Pocket ID's API); every filter has an index in list order (0006, 0010) and a
 *   page reads only its own rows (src/db/audit-logs.ts). Filtered totals are counted up to a bound.
 * - The user filter takes an id or a username (the page's text field when there are many users).
 * - CSV cells that a spreadsheet would run as a formula (= + - @, tab, CR) get a leading '.
 */
import type { Database } from "../db/database.ts";
import {
  deleteAuditLogsBefore,
  iterateAuditLogs,
  listAuditClientNames,
  listAuditEventNames,
  listAuditUsers,
  pageAuditLogs,
  type AuditLogFilter,
  type AuditLogListing,
} from "../db/audit-logs.ts";
import { findUserByUsername } from "../db/user-admin.ts";
import { findUserById } from "../db/users.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { describeEvent, EVENT_TITLES, type EventDescription } from "./event-labels.ts";
import { describeDevice } from "./user-agent.ts";

export const MAX_PAGE = 1_000_000;
export const DEFAULT_PAGE_SIZE = 25;

export interface AuditEntry {
  id: string;
  createdAt: number;
  event: string;
  description: EventDescription;
  device: string;
  /** The raw User-Agent, for pages that name the device in their own language (deviceMessage). */
  userAgent: string | null;
  ipAddress: string | null;
  country: string | null;
  city: string | null;
  /** "City, Country", "Internal network" or null. */
  location: string | null;
  userId: string | null;
  username: string | null;
  userDisplayName: string | null;
  data: Record<string, unknown>;
}

export interface AuditPage {
  entries: AuditEntry[];
  page: number;
  limit: number;
  /** Exact, or a lower bound when `more` (a filtered log counted up to a bound). */
  totalItems: number;
  totalPages: number;
  more: boolean;
}

export function formatLocation(country: string | null, city: string | null): string | null {
  return [city, country].filter(Boolean).join(", ") || null;
}

export function toAuditEntry(log: AuditLogListing): AuditEntry {
  return {
    id: log.id,
    createdAt: log.createdAt,
    event: log.event,
    description: describeEvent(log.event, log.data),
    device: describeDevice(log.userAgent),
    userAgent: log.userAgent,
    ipAddress: log.ipAddress,
    country: log.country,
    city: log.city,
    location: formatLocation(log.country, log.city),
    userId: log.userId,
    username: log.username,
    userDisplayName: log.userDisplayName,
    data: log.data,
  };
}

function pick(q: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = q[n];
    const s = typeof v === "string" ? v : Array.isArray(v) && typeof v[0] === "string" ? v[0] : undefined;
    if (s !== undefined && s.trim() !== "") return s.trim();
  }
  return undefined;
}

/** The filter form's values, echoed back into the page. */
export interface AuditFilterValues {
  user: string;
  event: string;
  client: string;
  ip: string;
  from: string;
  to: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function dayStart(text: string, field: string): number {
  const m = DAY.exec(text);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw AppError.validation(msg("audit.errDate"), { [field]: msg("audit.errDate") });
  }
  return ms / 1000;
}

/**
 * Query → filter (Pocket ID's `filters[event]`, `filters[userId]`, `filters[clientName]` and the
 * page's own names). Dates are whole UTC days; `to` includes its day. Bad dates → 422/400.
 */
export function parseAuditQuery(query: Record<string, unknown>): { filter: AuditLogFilter; values: AuditFilterValues; page: number; limit: number } {
  const values: AuditFilterValues = {
    user: pick(query, "user", "userId", "filters[userId]") ?? "",
    event: (pick(query, "event", "filters[event]") ?? "").toUpperCase(),
    client: pick(query, "client", "clientName", "filters[clientName]") ?? "",
    ip: pick(query, "ip", "filters[ipAddress]") ?? "",
    from: pick(query, "from") ?? "",
    to: pick(query, "to") ?? "",
  };
  if (values.event && !/^[A-Z_]{1,64}$/.test(values.event)) throw AppError.validation(msg("audit.errEvent"), { event: msg("audit.errEvent") });
  if (values.ip.length > 64) throw AppError.validation(msg("audit.errIp"), { ip: msg("audit.errIp") });
  const filter: AuditLogFilter = {};
  if (values.user) filter.userId = values.user.slice(0, 64);
  if (values.event) filter.event = values.event;
  if (values.client) filter.client = values.client.slice(0, 200);
  // The server records addresses in lowercase (IPv6 hex digits), and matches them exactly.
  if (values.ip) filter.ip = values.ip.toLowerCase();
  if (values.from) filter.from = dayStart(values.from, "from");
  if (values.to) filter.to = dayStart(values.to, "to") + 86400;
  const pageRaw = Number(pick(query, "page", "pagination[page]") ?? 1);
  const limitRaw = Number(pick(query, "limit", "pagination[limit]") ?? DEFAULT_PAGE_SIZE);
  const page = Number.isInteger(pageRaw) && pageRaw >= 1 ? Math.min(pageRaw, MAX_PAGE) : 1;
  const limit = Number.isInteger(limitRaw) && limitRaw >= 1 ? Math.min(limitRaw, 100) : DEFAULT_PAGE_SIZE;
  return { filter, values, page, limit };
}

export function listAuditEntries(db: Database, filter: AuditLogFilter, page: number, limit: number): AuditPage {
  const { entries, total, more } = pageAuditLogs(db, filter, limit, (page - 1) * limit);
  return { entries: entries.map(toAuditEntry), page, limit, totalItems: total, totalPages: Math.max(1, Math.ceil(total / limit)), more };
}

/**
 * The user filter names a user by id (links, Pocket ID's `filters[userId]`) or by username (the text
 * field). Returns the filter with the id, and the user found (null: an unknown name matches nothing).
 */
export function resolveUserFilter(db: Database, filter: AuditLogFilter): { filter: AuditLogFilter; user: { id: string; username: string } | null } {
  if (!filter.userId) return { filter, user: null };
  const user = findUserById(db, filter.userId) ?? findUserByUsername(db, filter.userId.replace(/^@/, ""));
  return { filter: user ? { ...filter, userId: user.id } : filter, user: user ? { id: user.id, username: user.username } : null };
}

export interface AuditUserOption {
  id: string;
  username: string;
  displayName: string;
}

/**
 * What the administrators' log page offers as filters: every event name (known or logged), and the
 * users and apps the log names, each null when there are more than `limit` (the page then shows a
 * text field: a menu of a million users is neither fast nor usable).
 */
export function auditFilterChoices(db: Database, limit: number): { eventNames: string[]; users: AuditUserOption[] | null; clients: string[] | null } {
  const eventNames = [...new Set([...Object.keys(EVENT_TITLES), ...listAuditEventNames(db)])];
  const users = listAuditUsers(db, limit + 1);
  const clients = listAuditClientNames(db, limit + 1);
  return { eventNames, users: users.length > limit ? null : users, clients: clients.length > limit ? null : clients };
}

/** Every client name in the log (Pocket ID's /api/audit-logs/filters/client-names). */
export function listAuditedClientNames(db: Database): string[] {
  return listAuditClientNames(db);
}

/** Every user in the log, by username (Pocket ID's /api/audit-logs/filters/users). */
export function listAuditedUsers(db: Database): { id: string; username: string; displayName: string }[] {
  return listAuditUsers(db);
}

/** Pocket ID's AuditLogDto shape for the REST API. */
export function auditEntryDto(e: AuditEntry) {
  return {
    id: e.id,
    createdAt: new Date(e.createdAt * 1000).toISOString(),
    event: e.event,
    ipAddress: e.ipAddress,
    country: e.country,
    city: e.city,
    device: e.device,
    userID: e.userId,
    username: e.username,
    data: e.data,
  };
}

/** One CSV cell: quoted, quotes doubled, formula-looking text neutralised (OWASP CSV injection). */
export function csvCell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export const CSV_EXPORT_LIMIT = 100_000;

/** The filtered log as CSV (newest first, at most CSV_EXPORT_LIMIT rows), with a header row; one query, read row by row. */
export function auditCsv(db: Database, filter: AuditLogFilter): string {
  const header = ["time_utc", "event", "description", "details", "user", "ip_address", "country", "city", "device", "user_agent"];
  const lines = [header.map(csvCell).join(",")];
  for (const log of iterateAuditLogs(db, filter, CSV_EXPORT_LIMIT)) {
    const e = toAuditEntry(log);
    lines.push(
      [new Date(e.createdAt * 1000).toISOString(), e.event, e.description.title, e.description.detail, e.username, e.ipAddress, e.country, e.city, e.device, e.userAgent]
        .map(csvCell)
        .join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}

/** Deletes events older than AUDIT_LOG_RETENTION_DAYS; returns how many went. */
export function cleanupAuditLogs(deps: { db: Database; clock: Clock }, retentionDays: number): number {
  return deleteAuditLogsBefore(deps.db, nowSeconds(deps.clock) - retentionDays * 86400);
}
