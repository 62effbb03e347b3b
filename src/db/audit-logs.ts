import type { Database, SQLQueryBindings } from "bun:sqlite";

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

/** A row with its user's name, for the administrators' log. */
export type AuditLogListRow = AuditLogRow & { username: string | null; display_name: string | null };

export interface AuditLogFilter {
  userId?: string;
  event?: string;
  /** Matches data.clientName or data.clientId. */
  client?: string;
  /** Exact address, or a prefix when it ends with "*" (e.g. "203.0.113.*"). */
  ip?: string;
  /** Unix seconds, inclusive. */
  from?: number;
  /** Unix seconds, exclusive. */
  to?: number;
}

export function insertAuditLog(db: Database, row: AuditLogRow): void {
  db.query(
    `INSERT INTO audit_logs (id, created_at, event, user_id, ip_address, user_agent, data, country, city)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(row.id, row.created_at, row.event, row.user_id, row.ip_address, row.user_agent, row.data, row.country, row.city);
}

function whereOf(f: AuditLogFilter): { sql: string; params: SQLQueryBindings[] } {
  const parts: string[] = [];
  const params: SQLQueryBindings[] = [];
  if (f.userId) {
    parts.push("a.user_id = ?");
    params.push(f.userId);
  }
  if (f.event) {
    parts.push("a.event = ?");
    params.push(f.event);
  }
  if (f.client) {
    parts.push("(json_extract(a.data, '$.clientName') = ? OR json_extract(a.data, '$.clientId') = ?)");
    params.push(f.client, f.client);
  }
  if (f.ip) {
    if (f.ip.endsWith("*")) {
      parts.push("a.ip_address LIKE ? ESCAPE '\\'");
      params.push(f.ip.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`) + "%");
    } else {
      parts.push("a.ip_address = ?");
      params.push(f.ip);
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
  return { sql: parts.length ? `WHERE ${parts.join(" AND ")}` : "", params };
}

/** Newest first; ties (same second) in insertion order, newest first, so pages never overlap. */
export function listAuditLogs(db: Database, filter: AuditLogFilter, limit: number, offset: number): AuditLogListRow[] {
  const w = whereOf(filter);
  return db
    .query<AuditLogListRow, SQLQueryBindings[]>(
      `SELECT a.*, u.username AS username, u.display_name AS display_name
       FROM audit_logs a LEFT JOIN users u ON u.id = a.user_id
       ${w.sql} ORDER BY a.created_at DESC, a.rowid DESC LIMIT ? OFFSET ?`,
    )
    .all(...w.params, limit, offset);
}

export function countAuditLogs(db: Database, filter: AuditLogFilter): number {
  const w = whereOf(filter);
  return db.query<{ n: number }, SQLQueryBindings[]>(`SELECT COUNT(*) AS n FROM audit_logs a ${w.sql}`).get(...w.params)!.n;
}

export function listAuditLogsOfUser(db: Database, userId: string, limit: number, offset: number): AuditLogRow[] {
  return db.query<AuditLogRow, [string, number, number]>("SELECT * FROM audit_logs WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?").all(userId, limit, offset);
}

/** Deletes rows older than `before` (Unix seconds); returns how many. */
export function deleteAuditLogsBefore(db: Database, before: number): number {
  return db.query("DELETE FROM audit_logs WHERE created_at < ?").run(before).changes;
}

/** Distinct event names present in the log (filter options). */
export function listAuditEventNames(db: Database): string[] {
  return db.query<{ event: string }, []>("SELECT DISTINCT event FROM audit_logs ORDER BY event").all().map((r) => r.event);
}

/** Distinct client names present in the log (filter options, Pocket ID's /audit-logs/filters/client-names). */
export function listAuditClientNames(db: Database): string[] {
  return db
    .query<{ name: string }, []>("SELECT DISTINCT json_extract(data, '$.clientName') AS name FROM audit_logs WHERE json_extract(data, '$.clientName') IS NOT NULL ORDER BY name")
    .all()
    .map((r) => String(r.name));
}

/** Users that appear in the log (filter options). */
export function listAuditUsers(db: Database): { id: string; username: string; display_name: string }[] {
  return db
    .query<{ id: string; username: string; display_name: string }, []>(
      "SELECT u.id, u.username, u.display_name FROM users u WHERE EXISTS (SELECT 1 FROM audit_logs a WHERE a.user_id = u.id) ORDER BY u.username",
    )
    .all();
}
