/** A person's own browser sessions, for the account page: list them, end one. */
import type { Database } from "bun:sqlite";
import { deleteSession, listSessionsOfUser } from "../db/sessions.ts";
import { AppError } from "../errors.ts";
import { describeUserAgent } from "./device-label.ts";

export interface OwnSessionView {
  id: string;
  device: string;
  ip: string | null;
  createdAt: number;
  lastSeenAt: number;
  current: boolean;
}

export function listOwnSessions(db: Database, userId: string, currentSessionId: string, now: number): OwnSessionView[] {
  return listSessionsOfUser(db, userId, now).map((s) => ({
    id: s.id,
    device: describeUserAgent(s.user_agent),
    ip: s.ip_address,
    createdAt: s.created_at,
    lastSeenAt: s.last_seen_at,
    current: s.id === currentSessionId,
  }));
}

/** Ends one of the user's own sessions; another user's session id is "not found". */
export function endOwnSession(db: Database, userId: string, sessionId: string, now: number): void {
  if (!listSessionsOfUser(db, userId, now).some((s) => s.id === sessionId)) throw AppError.notFound("This session has already ended.");
  deleteSession(db, sessionId);
}
