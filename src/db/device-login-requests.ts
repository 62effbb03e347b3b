/**
 * Sign-in requests from another device (src/account/device-login.ts). Each change of state is one conditional
 * statement, so the database decides who wins a race: a request is decided once (pending → approved | denied)
 * and an approval is exchanged once (approved → consumed).
 */
import type { Database } from "./database.ts";

export type DeviceLoginStatus = "pending" | "approved" | "denied" | "consumed";

export interface DeviceLoginRequestRecord {
  id: string;
  userCode: string;
  deviceTokenHash: string;
  status: DeviceLoginStatus;
  userId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  createdAt: number;
  expiresAt: number;
}

interface Row {
  id: string;
  user_code: string;
  device_token_hash: string;
  status: DeviceLoginStatus;
  user_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  created_at: number;
  expires_at: number;
}

function toRecord(row: Row): DeviceLoginRequestRecord {
  return {
    id: row.id,
    userCode: row.user_code,
    deviceTokenHash: row.device_token_hash,
    status: row.status,
    userId: row.user_id,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

/** Inserts a pending request; a user code already in use throws (UNIQUE), and the caller draws another. */
export function insertDeviceLoginRequest(db: Database, r: Omit<DeviceLoginRequestRecord, "status" | "userId">): void {
  db.query(
    `INSERT INTO device_login_requests (id, user_code, device_token_hash, status, user_id, ip_address, user_agent, created_at, expires_at)
     VALUES (?, ?, ?, 'pending', NULL, ?, ?, ?, ?)`,
  ).run(r.id, r.userCode, r.deviceTokenHash, r.ipAddress, r.userAgent, r.createdAt, r.expiresAt);
}

export function findDeviceLoginRequestById(db: Database, id: string): DeviceLoginRequestRecord | null {
  const row = db.query<Row, [string]>("SELECT * FROM device_login_requests WHERE id = ?").get(id);
  return row ? toRecord(row) : null;
}

export function findDeviceLoginRequestByUserCode(db: Database, userCode: string): DeviceLoginRequestRecord | null {
  const row = db.query<Row, [string]>("SELECT * FROM device_login_requests WHERE user_code = ?").get(userCode);
  return row ? toRecord(row) : null;
}

/** The person's decision: only a pending, unexpired request can be decided, once. True when this call decided it. */
export function decideDeviceLoginRequest(db: Database, userCode: string, now: number, decision: { status: "approved" | "denied"; userId: string }): boolean {
  return (
    db
      .query("UPDATE device_login_requests SET status = ?, user_id = ? WHERE user_code = ? AND status = 'pending' AND expires_at > ?")
      .run(decision.status, decision.userId, userCode, now).changes > 0
  );
}

/**
 * Single use: the approved request of this device token becomes consumed in the statement that reads its user.
 * Null when it is not (or no longer) approved, expired, or held by another device token.
 */
export function consumeApprovedDeviceLoginRequest(db: Database, id: string, deviceTokenHash: string, now: number): string | null {
  const row = db
    .query<{ user_id: string | null }, [string, string, number]>(
      "UPDATE device_login_requests SET status = 'consumed' WHERE id = ? AND device_token_hash = ? AND status = 'approved' AND expires_at > ? RETURNING user_id",
    )
    .get(id, deviceTokenHash, now);
  return row?.user_id ?? null;
}

export function deleteExpiredDeviceLoginRequests(db: Database, now: number): void {
  db.query("DELETE FROM device_login_requests WHERE expires_at <= ?").run(now);
}
