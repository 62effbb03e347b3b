/**
 * "Test connection": connect, bind, search users and groups, and say what happened in plain words.
 * - Nothing is written; the report lists each step with ✓ or ✗, and its headline is derived from them.
 * - "Connected" is said only once the server has answered: ldapts connects lazily, so with an anonymous
 *   bind nothing reaches the server before the first search.
 */
import { firstValue, LdapError, searchEntries, withDirectory, userAttributes, groupAttributes } from "./directory.ts";
import { missingLdapSettings, type LdapSettings } from "./settings.ts";

/** The step a line reports on, in the order they run. */
export type ConnectionStep = "settings" | "connect" | "bind" | "users" | "groups";

export interface ConnectionLine {
  ok: boolean;
  text: string;
  step: ConnectionStep;
}

export interface ConnectionReport {
  ok: boolean;
  lines: ConnectionLine[];
}

const sample = (names: string[]) => (names.length ? ` (for example ${names.slice(0, 3).join(", ")})` : "");

export async function testLdapConnection(s: LdapSettings): Promise<ConnectionReport> {
  const lines: ConnectionLine[] = [];
  const missing = missingLdapSettings(s);
  if (missing.length) return { ok: false, lines: [{ ok: false, step: "settings", text: `Enter ${missing.join(" and ")} first.` }] };
  let answered = false;
  const serverAnswered = () => {
    if (answered) return;
    answered = true;
    lines.push(
      s.bindDn
        ? { ok: true, step: "bind", text: `Connected to ${s.url} and signed in as ${s.bindDn}.` }
        : { ok: true, step: "connect", text: `Connected to ${s.url} (anonymous bind).` },
    );
  };
  let searching: "users" | "groups" = "users";
  try {
    await withDirectory(s, async (client) => {
      if (s.bindDn) serverAnswered();
      const users = await searchEntries(client, s, s.userFilter, userAttributes(s));
      serverAnswered();
      const withId = users.filter((u) => firstValue(u, s.attr.userId) && firstValue(u, s.attr.username));
      lines.push({
        ok: users.length > 0,
        step: "users",
        text:
          users.length === 0
            ? `No users match ${s.userFilter} under ${s.base}.`
            : `Found ${users.length} user${users.length === 1 ? "" : "s"} with ${s.userFilter}${sample(withId.map((u) => firstValue(u, s.attr.username)))}.`,
      });
      if (users.length > withId.length)
        lines.push({ ok: false, step: "users", text: `${users.length - withId.length} of them lack ${s.attr.userId} or ${s.attr.username} and would be skipped.` });
      searching = "groups";
      const groups = await searchEntries(client, s, s.groupFilter, groupAttributes(s));
      lines.push({
        ok: true,
        step: "groups",
        text:
          groups.length === 0
            ? `No groups match ${s.groupFilter} under ${s.base}.`
            : `Found ${groups.length} group${groups.length === 1 ? "" : "s"} with ${s.groupFilter}${sample(groups.map((g) => firstValue(g, s.attr.groupName)).filter(Boolean))}.`,
      });
      if (s.adminGroupName && !groups.some((g) => firstValue(g, s.attr.groupName).toLowerCase() === s.adminGroupName.toLowerCase()))
        lines.push({ ok: false, step: "groups", text: `The admin group “${s.adminGroupName}” was not found among them.` });
    });
  } catch (e) {
    if (!(e instanceof LdapError)) throw e;
    // A search the server answered with an error still proves the connection.
    if (e.stage === "search") serverAnswered();
    lines.push({ ok: false, step: answered ? searching : e.stage === "bind" ? "bind" : "connect", text: e.message });
  }
  return { ok: lines.every((l) => l.ok), lines };
}

/** The report's headline, derived from its first failing step, so it never contradicts the lines below it. */
export function connectionHeadline(report: ConnectionReport): string {
  const failed = report.lines.find((l) => !l.ok);
  if (!failed) return "Connected: every check passed.";
  switch (failed.step) {
    case "settings":
      return "Not tested: some settings are missing or invalid.";
    case "connect":
      return "Could not connect.";
    case "bind":
      return "Connected, but could not sign in.";
    case "users":
      return "Connected, but the user search found a problem.";
    case "groups":
      return "Connected, but the group search found a problem.";
  }
}

/** The report as the API sends it (its documented LdapConnectionReport shape: no steps). */
export function connectionReportJson(report: ConnectionReport): { ok: boolean; lines: { ok: boolean; text: string }[] } {
  return { ok: report.ok, lines: report.lines.map(({ ok, text }) => ({ ok, text })) };
}
