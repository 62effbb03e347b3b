/**
 * "Test connection": connect, bind, search users and groups, and say what happened in plain words.
 * - Nothing is written; the report lists each step with ✓ or ✗, and its headline is derived from them.
 * - "Connected" is said only once the server has answered: ldapts connects lazily, so with an anonymous
 *   bind nothing reaches the server before the first search.
 */
import { msg, type Message, type Text } from "../i18n/message.ts";
import { englishText } from "../i18n/translator.ts";
import { firstValue, LdapError, searchEntries, withDirectory, userAttributes, groupAttributes } from "./directory.ts";
import { missingLdapSettings, type LdapSettings } from "./settings.ts";

/** The step a line reports on, in the order they run. */
export type ConnectionStep = "settings" | "connect" | "bind" | "users" | "groups";

export interface ConnectionLine {
  ok: boolean;
  /** A catalogue message (shown in the viewer's language; the API sends its English). */
  text: Text;
  step: ConnectionStep;
}

export interface ConnectionReport {
  ok: boolean;
  lines: ConnectionLine[];
}


export async function testLdapConnection(s: LdapSettings): Promise<ConnectionReport> {
  const lines: ConnectionLine[] = [];
  const missing = missingLdapSettings(s);
  if (missing) return { ok: false, lines: [{ ok: false, step: "settings", text: missing }] };
  let answered = false;
  const serverAnswered = () => {
    if (answered) return;
    answered = true;
    lines.push(
      s.bindDn
        ? { ok: true, step: "bind", text: msg("ldap.testSignedIn", { url: s.url, dn: s.bindDn }) }
        : { ok: true, step: "connect", text: msg("ldap.testAnonymous", { url: s.url }) },
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
            ? msg("ldap.testNoUsers", { filter: s.userFilter, base: s.base })
            : msg("ldap.testUsersFound", { count: users.length, filter: s.userFilter, examples: examples(withId.map((u) => firstValue(u, s.attr.username))) }),
      });
      if (users.length > withId.length)
        lines.push({ ok: false, step: "users", text: msg("ldap.testUsersLacking", { count: users.length - withId.length, idAttribute: s.attr.userId, usernameAttribute: s.attr.username }) });
      searching = "groups";
      const groups = await searchEntries(client, s, s.groupFilter, groupAttributes(s));
      lines.push({
        ok: true,
        step: "groups",
        text:
          groups.length === 0
            ? msg("ldap.testNoGroups", { filter: s.groupFilter, base: s.base })
            : msg("ldap.testGroupsFound", { count: groups.length, filter: s.groupFilter, examples: examples(groups.map((g) => firstValue(g, s.attr.groupName)).filter(Boolean)) }),
      });
      if (s.adminGroupName && !groups.some((g) => firstValue(g, s.attr.groupName).toLowerCase() === s.adminGroupName.toLowerCase()))
        lines.push({ ok: false, step: "groups", text: msg("ldap.testAdminGroupMissing", { group: s.adminGroupName }) });
    });
  } catch (e) {
    if (!(e instanceof LdapError)) throw e;
    // A search the server answered with an error still proves the connection.
    if (e.stage === "search") serverAnswered();
    lines.push({ ok: false, step: answered ? searching : e.stage === "bind" ? "bind" : "connect", text: e.problem });
  }
  return { ok: lines.every((l) => l.ok), lines };
}

/** The report's headline, derived from its first failing step, so it never contradicts the lines below it. */
export function connectionHeadline(report: ConnectionReport): Message {
  const failed = report.lines.find((l) => !l.ok);
  if (!failed) return msg("ldap.headlineOk");
  switch (failed.step) {
    case "settings":
      return msg("ldap.headlineSettings");
    case "connect":
      return msg("ldap.headlineConnect");
    case "bind":
      return msg("ldap.headlineBind");
    case "users":
      return msg("ldap.headlineUsers");
    case "groups":
      return msg("ldap.headlineGroups");
  }
}

/** " (for example a, b, c)" with up to three names; "" for none. */
function examples(names: string[]): Message | string {
  return names.length ? msg("ldap.forExample", { names: names.slice(0, 3).join(", ") }) : "";
}

/** The report as the API sends it (its documented LdapConnectionReport shape: no steps), in the caller's language (English by default). */
export function connectionReportJson(report: ConnectionReport, inLanguage: (text: Text) => string = englishText): { ok: boolean; lines: { ok: boolean; text: string }[] } {
  return { ok: report.ok, lines: report.lines.map(({ ok, text }) => ({ ok, text: inLanguage(text) })) };
}
