import type { Database } from "bun:sqlite";

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

export function insertAuditLog(db: Database, row: AuditLogRow): void {
  db.query(
    `INSERT INTO audit_logs (id, created_at, event, user_id, ip_address, user_agent, data, country, city)
     VALUES ($id, $created_at, $event, $user_id, $ip_address, $user_agent, $data, $country, $city)`,
  ).run(row);
}

export function listAuditLogsOfUser(db: Database, userId: string, limit: number, offset: number): AuditLogRow[] {
  return db.query<AuditLogRow, [string, number, number]>("SELECT * FROM audit_logs WHERE user_id = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?").all(userId, limit, offset);
}
