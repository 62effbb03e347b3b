/** Test fixtures for the OIDC provider: users, groups, sessions. Direct inserts, no HTTP. */
import type { Database } from "../../src/db/database.ts";
import { createSession } from "../../src/account/sessions.ts";
import { insertUser, type User } from "../../src/db/users.ts";
import type { Clock } from "../../src/lib/clock.ts";
import { randomUuid, type Random } from "../../src/lib/random.ts";

type D = { db: Database; clock: Clock; random: Random };

export function insertTestUser(deps: D, over: Partial<User> = {}): User {
  const now = Math.floor(deps.clock.now() / 1000);
  const username = over.username ?? "alice";
  const row: User = {
    id: randomUuid(deps.random),
    username,
    email: `${username}@example.com`,
    emailVerified: true,
    firstName: "Alice",
    lastName: "Example",
    displayName: "",
    isAdmin: false,
    disabled: false,
    locale: null,
    ldapId: null,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
  insertUser(deps.db, row);
  return row;
}

export function insertTestGroup(deps: D, name: string): { id: string; name: string } {
  const id = randomUuid(deps.random);
  const now = Math.floor(deps.clock.now() / 1000);
  deps.db.query("INSERT INTO user_groups (id, name, friendly_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)").run(id, name, name, now, now);
  return { id, name };
}

export function addUserToGroup(deps: D, userId: string, groupId: string): void {
  deps.db.query("INSERT INTO user_groups_users (user_id, user_group_id) VALUES (?, ?)").run(userId, groupId);
}

export function insertCustomClaim(deps: D, owner: { userId?: string; groupId?: string }, key: string, value: string): void {
  deps.db
    .query("INSERT INTO custom_claims (id, key, value, user_id, user_group_id) VALUES (?, ?, ?, ?, ?)")
    .run(randomUuid(deps.random), key, value, owner.userId ?? null, owner.groupId ?? null);
}

/** A signed-in browser session for `userId`: returns the cookie header value to send. */
export function signIn(deps: D, userId: string, cookieName = "latchkey_session"): { cookie: string; sessionId: string; token: string } {
  const { token, session } = createSession(deps, { userId, amr: ["phr"], durationMinutes: 60 * 24 * 30 });
  return { cookie: `${cookieName}=${token}`, sessionId: session.id, token };
}
