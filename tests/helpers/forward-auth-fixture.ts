/**
 * Forward-auth fixture: two people (alice in "family", bob in no group), their Latchkey sessions,
 * and protected apps built through the domain functions.
 */
import { createSession } from "../../src/account/sessions.ts";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createUserGroup, setGroupMembers } from "../../src/admin/user-groups.ts";
import { createUser } from "../../src/admin/users.ts";
import { createProtectedApp, setAllowedGroups, type ProtectedApp } from "../../src/forward-auth/protected-apps.ts";
import { cookieName } from "../../src/http/cookies.ts";
import { SESSION_COOKIE } from "../../src/http/request-context.ts";
import type { TestDeps } from "./test-deps.ts";

export interface FaPerson {
  id: string;
  username: string;
  sessionId: string;
  /** Cookie header for Latchkey's own host. */
  cookie: string;
  csrf: string;
}

export interface ForwardAuthFixture {
  alice: FaPerson;
  bob: FaPerson;
  groupId: string;
  /** app.example.com (restricted to family), reauth unset. */
  app: ProtectedApp;
  /** other.test (restricted to family) on an unrelated domain. */
  other: ProtectedApp;
  /** open.example.com, unrestricted, Remote-User and Remote-Email only. */
  open: ProtectedApp;
  /** secure.example.com/admin, re-authentication after 5 minutes. */
  strict: ProtectedApp;
  /** site.example.com: "/" open to everyone … */
  siteRoot: ProtectedApp;
  /** … and "/admin" restricted to family (the path-prefix bypass setting). */
  siteAdmin: ProtectedApp;
  /** The app a host belongs to (as the admin's proxy config would name it), for tests. */
  appOf(host: string): ProtectedApp;
}

function person(deps: TestDeps, username: string, first: string): FaPerson {
  const user = createUser(deps, { username, email: `${username}@example.com`, firstName: first, lastName: "Example" });
  const { token, session } = createSession(deps, { userId: user.id, amr: ["phr"], durationMinutes: 600 });
  return { id: user.id, username, sessionId: session.id, cookie: `${cookieName(deps.config, SESSION_COOKIE)}=${token}`, csrf: session.csrfToken };
}

export function makeForwardAuthFixture(deps: TestDeps): ForwardAuthFixture {
  const alice = person(deps, "alice", "Alice");
  const bob = person(deps, "bob", "Bob");
  const group = createUserGroup(deps, CLI_ACTOR, { friendlyName: "Family", name: "family" });
  setGroupMembers(deps, CLI_ACTOR, group.id, { userIds: [alice.id] });
  const app = createProtectedApp(deps, CLI_ACTOR, { name: "Dashboard", hosts: ["app.example.com"] });
  setAllowedGroups(deps, CLI_ACTOR, app.id, [group.id]);
  const other = createProtectedApp(deps, CLI_ACTOR, { name: "Other", hosts: "other.test" });
  setAllowedGroups(deps, CLI_ACTOR, other.id, [group.id]);
  const open = createProtectedApp(deps, CLI_ACTOR, { name: "Open", hosts: ["open.example.com"], isGroupRestricted: false, passHeaders: ["Remote-User", "Remote-Email"] });
  const strict = createProtectedApp(deps, CLI_ACTOR, { name: "Strict admin", hosts: ["secure.example.com"], pathPrefix: "/admin", reauthMaxAgeMinutes: 5 });
  setAllowedGroups(deps, CLI_ACTOR, strict.id, [group.id]);
  const siteRoot = createProtectedApp(deps, CLI_ACTOR, { name: "Site", hosts: ["site.example.com"], isGroupRestricted: false });
  const siteAdmin = createProtectedApp(deps, CLI_ACTOR, { name: "Site admin", hosts: ["site.example.com"], pathPrefix: "/admin" });
  setAllowedGroups(deps, CLI_ACTOR, siteAdmin.id, [group.id]);
  const byHost: Record<string, ProtectedApp> = { "app.example.com": app, "other.test": other, "open.example.com": open, "secure.example.com": strict, "site.example.com": siteRoot };
  const appOf = (host: string) => {
    const a = byHost[host.split(":")[0]!];
    if (!a) throw new Error(`no fixture app for ${host}`);
    return a;
  };
  return { alice, bob, groupId: group.id, app, other, open, strict, siteRoot, siteAdmin, appOf };
}
