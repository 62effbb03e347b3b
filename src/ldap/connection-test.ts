/**
 * "Test connection": connect, bind, search users and groups, and say what happened in plain words.
 * Nothing is written; the report lists each step with ✓ or ✗.
 */
import { firstValue, LdapError, searchEntries, withDirectory, userAttributes, groupAttributes } from "./directory.ts";
import { missingLdapSettings, type LdapSettings } from "./settings.ts";

export interface ConnectionReport {
  ok: boolean;
  lines: { ok: boolean; text: string }[];
}

const sample = (names: string[]) => (names.length ? ` (for example ${names.slice(0, 3).join(", ")})` : "");

export async function testLdapConnection(s: LdapSettings): Promise<ConnectionReport> {
  const lines: ConnectionReport["lines"] = [];
  const missing = missingLdapSettings(s);
  if (missing.length) return { ok: false, lines: [{ ok: false, text: `Enter ${missing.join(" and ")} first.` }] };
  try {
    await withDirectory(s, async (client) => {
      lines.push({ ok: true, text: s.bindDn ? `Connected to ${s.url} and signed in as ${s.bindDn}.` : `Connected to ${s.url} (anonymous bind).` });
      const users = await searchEntries(client, s, s.userFilter, userAttributes(s));
      const withId = users.filter((u) => firstValue(u, s.attr.userId) && firstValue(u, s.attr.username));
      lines.push({
        ok: users.length > 0,
        text:
          users.length === 0
            ? `No users match ${s.userFilter} under ${s.base}.`
            : `Found ${users.length} user${users.length === 1 ? "" : "s"} with ${s.userFilter}${sample(withId.map((u) => firstValue(u, s.attr.username)))}.`,
      });
      if (users.length > withId.length)
        lines.push({ ok: false, text: `${users.length - withId.length} of them lack ${s.attr.userId} or ${s.attr.username} and would be skipped.` });
      const groups = await searchEntries(client, s, s.groupFilter, groupAttributes(s));
      lines.push({
        ok: true,
        text:
          groups.length === 0
            ? `No groups match ${s.groupFilter} under ${s.base}.`
            : `Found ${groups.length} group${groups.length === 1 ? "" : "s"} with ${s.groupFilter}${sample(groups.map((g) => firstValue(g, s.attr.groupName)).filter(Boolean))}.`,
      });
      if (s.adminGroupName && !groups.some((g) => firstValue(g, s.attr.groupName).toLowerCase() === s.adminGroupName.toLowerCase()))
        lines.push({ ok: false, text: `The admin group “${s.adminGroupName}” was not found among them.` });
    });
  } catch (e) {
    if (!(e instanceof LdapError)) throw e;
    lines.push({ ok: false, text: e.message });
  }
  return { ok: lines.every((l) => l.ok), lines };
}
