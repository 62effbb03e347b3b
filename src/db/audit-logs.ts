/**
 * The audit log: SQL and the mapping between rows and typed values (issue 21 step 1: nothing above src/db/
 * sees a row; `data` arrives parsed, times are numbers, seconds as stored). Lists are newest first, ties (same second) in insertion order newest first
 * (created_at DESC, rowid DESC), and stay fast at a million rows (issue 6):
 * - one filter leads: the most selective one present (user, exact IP, app, event, IP prefix, dates) is
 *   written so its index can serve it in list order; the others carry a unary `+`, which keeps the
 *   planner off their indexes, and are checked on the few rows the lead finds;
 * - a page's rowids are found on the covering index first and only those rows are read and joined
 *   to their users (a deep OFFSET skips index entries, not rows and joins);
 * - the app filter (name or client id) merges two index walks, each already in list order;
 * - without filters the total is exact (a b-tree count); with any it is counted up to
 *   max(AUDIT_COUNT_BOUND, the end of this page) + 1, and `more` says the total is a lower bound.
 */
import type { Database, SQLQueryBindings } from "./database.ts";

/** One audit event. */
export interface AuditLog {
  id: string;
  createdAt: number;
  event: string;
  userId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  /** The event's details (a JSON object in the column; {} when unreadable). */
  data: Record<string, unknown>;
  country: string | null;
  city: string | null;
}

/** An event with its user's names, for the administrators' log (null once the user is deleted). */
export interface AuditLogListing extends AuditLog {
  username: string | null;
  /** Null when the user has none. */
  userDisplayName: string | null;
}

export type AuditLogRow = {
  id: string;
  created_at: number;
  event: string;
  user_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  data: string;
  country: string | null;
  city: string | null;
};

type AuditLogListRow = AuditLogRow & { username: string | null; display_name: string | null };

function parseData(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

function toAuditLog(row: AuditLogRow): AuditLog {
  return {
    id: row.id,
    createdAt: row.created_at,
    event: row.event,
    userId: row.user_id,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    data: parseData(row.data),
    country: row.country,
    city: row.city,
  };
}

function toListing(row: AuditLogListRow): AuditLogListing {
  return { ...toAuditLog(row), username: row.username ?? null, userDisplayName: row.display_name || null };
}

export interface AuditLogFilter {
  userId?: string;
  event?: string;
  /** Matches data.clientName or data.clientId. */
  client?: string;
  /** Exact address, or a prefix when it ends with "*" (e.g. "203.0.113.*"); compared as stored (case matters). */
  ip?: string;
  /** Unix seconds, inclusive. */
  from?: number;
  /** Unix seconds, exclusive. */
  to?: number;
}

/** Above this many matches a filtered total is a lower bound (counting on would cost a walk over them all). */
export const AUDIT_COUNT_BOUND = 10_000;

/**
 * An IP prefix (a range of addresses, so its index is not in time order) with at most this many
 * matches is read off the IP index and sorted; a broader one walks the time index, checking each row,
 * which finds a shallow page at once (deep pages of a broad prefix cost in proportion to their depth).
 */
const IP_PREFIX_SORT_LIMIT = 50_000;

export interface AuditLogPage {
  entries: AuditLogListing[];
  /** Exact, or bound + 1 when `more`. */
  total: number;
  more: boolean;
}

export function insertAuditLog(db: Database, log: AuditLog): void {
  db.query(
    `INSERT INTO audit_logs (id, created_at, event, user_id, ip_address, user_agent, data, country, city)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(log.id, log.createdAt, log.event, log.userId, log.ipAddress, log.userAgent, JSON.stringify(log.data), log.country, log.city);
}

type Lead = "user" | "ip" | "client" | "event" | "ipPrefix" | "time";

function isFiltered(f: AuditLogFilter): boolean {
  return Boolean(f.userId || f.event || f.client || f.ip) || f.from !== undefined || f.to !== undefined;
}

/** The filter whose index drives the query: the likeliest to be selective first. */
function leadOf(f: AuditLogFilter): Lead {
  if (f.userId) return "user";
  if (f.ip && !f.ip.endsWith("*")) return "ip";
  if (f.client) return "client";
  if (f.event) return "event";
  if (f.ip) return "ipPrefix";
  return "time";
}

/**
 * "203.0.113.*" → the index range [lo, hi) holding exactly the addresses that start with the prefix
 * (the prefix with its last character incremented is the first text past them all); null for an
 * empty prefix ("*": any recorded address) or one that is not plain ASCII, which is compared directly.
 */
function prefixRange(prefix: string): { lo: string; hi: string } | null {
  if (!prefix || !/^[\x20-\x7e]+$/.test(prefix)) return null;
  return { lo: prefix, hi: prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1) };
}

/**
 * The WHERE terms. `indexed` lists the filters that may use their index (the lead); every other one
 * is written with a unary `+`. The app filter is left out when `clientArm` picks one side of the union.
 */
function termsOf(f: AuditLogFilter, indexed: Set<Lead>, clientArm?: "clientName" | "clientId"): { parts: string[]; params: SQLQueryBindings[] } {
  const parts: string[] = [];
  const params: SQLQueryBindings[] = [];
  const ix = (lead: Lead) => (indexed.has(lead) ? "" : "+");
  if (f.userId) {
    parts.push(`${ix("user")}a.user_id = ?`);
    params.push(f.userId);
  }
  if (f.event) {
    parts.push(`${ix("event")}a.event = ?`);
    params.push(f.event);
  }
  if (f.client) {
    if (clientArm) {
      parts.push(`json_extract(a.data, '$.${clientArm}') = ?`);
      params.push(f.client);
    } else {
      parts.push("(+json_extract(a.data, '$.clientName') = ? OR +json_extract(a.data, '$.clientId') = ?)");
      params.push(f.client, f.client);
    }
  }
  if (f.ip) {
    if (!f.ip.endsWith("*")) {
      parts.push(`${ix("ip")}a.ip_address = ?`);
      params.push(f.ip);
    } else {
      const prefix = f.ip.slice(0, -1);
      const range = prefixRange(prefix);
      const p = ix("ipPrefix");
      if (range) {
        parts.push(`${p}a.ip_address >= ? AND ${p}a.ip_address < ?`);
        params.push(range.lo, range.hi);
      } else if (prefix) {
        parts.push("substr(a.ip_address, 1, length(?)) = ?");
        params.push(prefix, prefix);
      } else {
        parts.push(`${p}a.ip_address IS NOT NULL`);
      }
    }
  }
  if (f.from !== undefined) {
    parts.push("a.created_at >= ?");
    params.push(f.from);
  }
  if (f.to !== undefined) {
    parts.push("a.created_at < ?");
    params.push(f.to);
  }
  return { parts, params };
}

/**
 * `SELECT rid, t` of the matching rows; with `ordered`, newest first (each lead's index is already in
 * that order, so a LIMIT stops the walk early). `walk` makes an IP prefix scan the time index instead
 * of reading its range off the IP index and sorting it.
 */
function matching(f: AuditLogFilter, opts: { ordered: boolean; walk?: boolean }): { sql: string; params: SQLQueryBindings[] } {
  const lead = leadOf(f);
  const order = opts.ordered ? " ORDER BY t DESC, rid DESC" : "";
  const select = "SELECT a.rowid AS rid, a.created_at AS t FROM audit_logs a";
  const where = (t: { parts: string[] }) => (t.parts.length ? ` WHERE ${t.parts.join(" AND ")}` : "");
  if (lead === "client") {
    // Merged in order (MERGE (UNION)); a row naming the app both ways appears once.
    const byName = termsOf(f, new Set(), "clientName");
    const byId = termsOf(f, new Set(), "clientId");
    return { sql: `${select}${where(byName)} UNION ${select}${where(byId)} ORDER BY t DESC, rid DESC`, params: [...byName.params, ...byId.params] };
  }
  const t = termsOf(f, new Set(lead === "ipPrefix" && opts.walk ? [] : [lead]));
  return { sql: `${select}${where(t)}${order}`, params: t.params };
}

/** How many rows match, counted up to `bound` (exact when there is no filter or no bound). */
export function countAuditLogs(db: Database, filter: AuditLogFilter, bound = Infinity): number {
  if (!isFiltered(filter)) return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs").get()!.n;
  const m = matching(filter, { ordered: leadOf(filter) === "client" });
  // Both engines: a subquery in FROM has an alias, and "no bound" is a large LIMIT (PostgreSQL refuses -1).
  const limit = Number.isFinite(bound) ? bound : Number.MAX_SAFE_INTEGER;
  return db.query<{ n: number }, SQLQueryBindings[]>(`SELECT COUNT(*) AS n FROM (${m.sql} LIMIT ?) AS m`).get(...m.params, limit)!.n;
}

/** The rows `LIMIT ? OFFSET ?` (or `LIMIT ?` alone) picks from `m`, read in list order with their users. */
function rowsQuery(m: { sql: string; params: SQLQueryBindings[] }, limit: number, offset?: number): { sql: string; params: SQLQueryBindings[] } {
  return {
    sql: `SELECT a.*, u.username AS username, u.display_name AS display_name
       FROM (${m.sql} LIMIT ?${offset === undefined ? "" : " OFFSET ?"}) p JOIN audit_logs a ON a.rowid = p.rid LEFT JOIN users u ON u.id = a.user_id
       ORDER BY p.t DESC, p.rid DESC`,
    params: offset === undefined ? [...m.params, limit] : [...m.params, limit, offset],
  };
}

/** Whether an IP-prefix filter walks the time index, given how many rows match (`more`: at least that many). */
function walksTime(filter: AuditLogFilter, matches: number, more: boolean): boolean {
  return leadOf(filter) === "ipPrefix" && (more || matches > IP_PREFIX_SORT_LIMIT);
}

function planPage(db: Database, filter: AuditLogFilter, limit: number, offset: number): { total: number; more: boolean; query: { sql: string; params: SQLQueryBindings[] } | null } {
  let total: number;
  let more = false;
  if (!isFiltered(filter)) {
    total = countAuditLogs(db, filter);
  } else {
    const bound = Math.max(AUDIT_COUNT_BOUND, offset + limit);
    total = countAuditLogs(db, filter, bound + 1);
    more = total > bound;
  }
  if (offset >= total) return { total, more, query: null };
  return { total, more, query: rowsQuery(matching(filter, { ordered: true, walk: walksTime(filter, total, more) }), limit, offset) };
}

/** One page of the filtered log with its (possibly bounded) total. */
export function pageAuditLogs(db: Database, filter: AuditLogFilter, limit: number, offset: number): AuditLogPage {
  const { total, more, query } = planPage(db, filter, limit, offset);
  const entries = query ? db.query<AuditLogListRow, SQLQueryBindings[]>(query.sql).all(...query.params).map(toListing) : [];
  return { entries, total, more };
}

/** SQLite's plan for the query behind pageAuditLogs (for tests and diagnosis); [] when the page is past the end. */
export function explainAuditPage(db: Database, filter: AuditLogFilter, limit: number, offset: number): string[] {
  const { query } = planPage(db, filter, limit, offset);
  if (!query) return [];
  return db.query<{ detail: string }, SQLQueryBindings[]>(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params).map((r) => r.detail);
}

/** The filtered log, newest first, at most `max` rows, read one at a time (CSV export). */
export function* iterateAuditLogs(db: Database, filter: AuditLogFilter, max: number): Generator<AuditLogListing> {
  const probe = IP_PREFIX_SORT_LIMIT + 1;
  const walk = leadOf(filter) === "ipPrefix" && walksTime(filter, countAuditLogs(db, filter, probe), false);
  const query = rowsQuery(matching(filter, { ordered: true, walk }), max);
  for (const row of db.query<AuditLogListRow, SQLQueryBindings[]>(query.sql).iterate(...query.params)) yield toListing(row);
}

export function listAuditLogsOfUser(db: Database, userId: string, limit: number, offset: number): AuditLog[] {
  return db
    .query<AuditLogRow, [string, number, number]>("SELECT * FROM audit_logs WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?")
    .all(userId, limit, offset)
    .map(toAuditLog);
}

/** Deletes rows older than `before` (Unix seconds); returns how many. */
export function deleteAuditLogsBefore(db: Database, before: number): number {
  return db.query("DELETE FROM audit_logs WHERE created_at < ?").run(before).changes;
}

/**
 * The distinct values of an indexed expression, in index order, by hopping from one value to the next
 * (a few index seeks per value, not a scan of every row); at most `limit`.
 */
function distinctValues(db: Database, expr: string, limit: number): string[] {
  return db
    .query<{ v: string }, [number]>(
      `WITH RECURSIVE d(v) AS (
         SELECT (SELECT min(${expr}) FROM audit_logs)
         UNION ALL
         SELECT (SELECT min(${expr}) FROM audit_logs WHERE ${expr} > d.v) FROM d WHERE d.v IS NOT NULL
       )
       SELECT v FROM d WHERE v IS NOT NULL LIMIT ?`,
    )
    .all(Number.isFinite(limit) ? limit : Number.MAX_SAFE_INTEGER)
    .map((r) => String(r.v));
}

/** Distinct event names present in the log (filter options). */
export function listAuditEventNames(db: Database): string[] {
  return distinctValues(db, "event", Infinity);
}

/** Distinct client names present in the log (filter options, Pocket ID's /audit-logs/filters/client-names); at most `limit`. */
export function listAuditClientNames(db: Database, limit = Infinity): string[] {
  return distinctValues(db, "json_extract(data, '$.clientName')", limit);
}

/**
 * Users that appear in the log, by username (filter options). With a `limit`, at most that many (the
 * first by id, then sorted), found by hopping along the user index; without one, every such user
 * (Pocket ID's /audit-logs/filters/users), which at a million users is a long answer.
 */
export function listAuditUsers(db: Database, limit = Infinity): { id: string; username: string; displayName: string }[] {
  type U = { id: string; username: string; displayName: string };
  if (!Number.isFinite(limit)) {
    return db
      .query<U, []>("SELECT u.id, u.username, u.display_name AS displayName FROM users u WHERE EXISTS (SELECT 1 FROM audit_logs a WHERE a.user_id = u.id) ORDER BY u.username")
      .all();
  }
  const ids = distinctValues(db, "user_id", limit);
  if (!ids.length) return [];
  return db
    .query<U, [string]>("SELECT u.id, u.username, u.display_name AS displayName FROM users u WHERE u.id IN (SELECT value FROM json_each(?)) ORDER BY u.username")
    .all(JSON.stringify(ids));
}
