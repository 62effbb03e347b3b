/**
 * Talking to the directory (ldapts): connect (ldap://, ldaps://, optional StartTLS), bind, search.
 * - Every failure becomes an LdapError with a sentence an administrator can act on.
 * - Searches are paged and read only the mapped attributes.
 * - Active Directory's binary objectGUID is turned into its usual UUID text form.
 */
// ldapts (and the TLS/ASN.1 code under it) loads on first use: most installations never configure LDAP.
import { msg, type Message } from "../i18n/message.ts";
import { englishText } from "../i18n/translator.ts";
import type { Client, Entry } from "ldapts";
import type { LdapSettings } from "./settings.ts";

/** Where talking to the directory failed: before the server answered, at the bind, or in a search it answered. */
export type LdapStage = "connect" | "bind" | "search";

export class LdapError extends Error {
  constructor(
    /** What went wrong, for a person (in their language); `message` is its English. */
    readonly problem: Message,
    readonly stage: LdapStage = "search",
  ) {
    super(englishText(problem));
    this.name = "LdapError";
  }
}

const TIMEOUT_MS = 10_000;

export interface DirectoryEntry {
  dn: string;
  /** Attribute values by lower-cased attribute name. */
  values: Map<string, string[]>;
}

export interface DirectorySnapshot {
  users: DirectoryEntry[];
  groups: DirectoryEntry[];
}

/** Explains a connection-level failure in plain words. */
export function describeConnectError(url: string, e: unknown): Message {
  const err = e as { code?: string; message?: string };
  const code = err?.code ?? "";
  const detail = err?.message ?? String(e);
  if (code === "ECONNREFUSED" || /ECONNREFUSED/.test(detail)) return msg("ldap.errRefused", { url });
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || /ENOTFOUND|EAI_AGAIN/.test(detail)) return msg("ldap.errHostUnknown", { url });
  if (/timeout|timed out|ETIMEDOUT/i.test(code + detail)) return msg("ldap.errTimeout", { url, seconds: TIMEOUT_MS / 1000 });
  if (/CERT|certificate|self[- ]signed|SSL|TLS/i.test(code + detail)) return msg("ldap.errTls", { url, detail });
  return msg("ldap.errOther", { url, detail });
}

function guidToUuid(b: Buffer): string {
  if (b.length !== 16) return b.toString("hex");
  const h = (i: number[]) => i.map((n) => b[n]!.toString(16).padStart(2, "0")).join("");
  return `${h([3, 2, 1, 0])}-${h([5, 4])}-${h([7, 6])}-${h([8, 9])}-${h([10, 11, 12, 13, 14, 15])}`;
}

function toEntry(e: Entry, binary: Set<string>): DirectoryEntry {
  const values = new Map<string, string[]>();
  for (const [k, v] of Object.entries(e)) {
    if (k === "dn") continue;
    const key = k.toLowerCase();
    const list = (Array.isArray(v) ? v : [v]) as (string | Buffer)[];
    values.set(
      key,
      list.map((x) => (typeof x === "string" ? x : key === "objectguid" ? guidToUuid(x) : binary.has(key) ? x.toString("base64") : x.toString("utf8"))),
    );
  }
  return { dn: e.dn, values };
}

export function firstValue(entry: DirectoryEntry, attribute: string): string {
  if (!attribute) return "";
  return (entry.values.get(attribute.toLowerCase())?.[0] ?? "").trim();
}

export function allValues(entry: DirectoryEntry, attribute: string): string[] {
  return entry.values.get(attribute.toLowerCase()) ?? [];
}

/** Opens a bound connection, runs `fn`, always unbinds. Throws LdapError with a plain message. */
export async function withDirectory<T>(s: LdapSettings, fn: (client: Client) => Promise<T>): Promise<T> {
  const secure = s.url.toLowerCase().startsWith("ldaps://");
  const tlsOptions = { rejectUnauthorized: !s.skipCertVerify };
  const { Client, InvalidCredentialsError } = await import("ldapts");
  const client = new Client({ url: s.url, timeout: TIMEOUT_MS, connectTimeout: TIMEOUT_MS, tlsOptions: secure ? tlsOptions : undefined, strictDN: false });
  try {
    try {
      if (s.startTls && !secure) await client.startTLS(tlsOptions);
    } catch (e) {
      throw new LdapError(describeConnectError(s.url, e), "connect");
    }
    try {
      if (s.bindDn) await client.bind(s.bindDn, s.bindPassword);
    } catch (e) {
      if (e instanceof InvalidCredentialsError) throw new LdapError(msg("ldap.errBindRefused", { dn: s.bindDn }), "bind");
      if ((e as { code?: unknown }).code !== undefined && typeof (e as { code?: unknown }).code === "number")
        throw new LdapError(msg("ldap.errBindFailed", { dn: s.bindDn, detail: (e as Error).message }), "bind");
      throw new LdapError(describeConnectError(s.url, e), "connect");
    }
    return await fn(client);
  } finally {
    await client.unbind().catch(() => {});
  }
}

export async function searchEntries(client: Client, s: LdapSettings, filter: string, attributes: string[]): Promise<DirectoryEntry[]> {
  const wanted = [...new Set(attributes.filter(Boolean))];
  const binary = new Set(wanted.filter((a) => a.toLowerCase() === "objectguid" || (s.attr.picture && a.toLowerCase() === s.attr.picture.toLowerCase())).map((a) => a.toLowerCase()));
  try {
    const { searchEntries: found } = await client.search(s.base, {
      scope: "sub",
      filter,
      attributes: wanted,
      paged: { pageSize: 500 },
      explicitBufferAttributes: wanted.filter((a) => binary.has(a.toLowerCase())),
    });
    return found.map((e) => toEntry(e, binary));
  } catch (e) {
    if (e instanceof (await import("ldapts")).NoSuchObjectError) throw new LdapError(msg("ldap.errNoBase", { base: s.base }));
    if (e instanceof LdapError) throw e;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "number") throw new LdapError(msg("ldap.errSearch", { filter, base: s.base, detail: (e as Error).message }));
    throw new LdapError(describeConnectError(s.url, e), "connect");
  }
}

export function userAttributes(s: LdapSettings): string[] {
  const a = s.attr;
  return [a.userId, a.username, a.email, a.firstName, a.lastName, a.displayName, a.picture];
}

export function groupAttributes(s: LdapSettings): string[] {
  return [s.attr.groupId, s.attr.groupName, s.attr.groupMember];
}

/** Reads every user and group the filters select (one bound connection). */
export async function fetchDirectory(s: LdapSettings): Promise<DirectorySnapshot> {
  return withDirectory(s, async (client) => {
    const users = await searchEntries(client, s, s.userFilter, userAttributes(s));
    const groups = await searchEntries(client, s, s.groupFilter, groupAttributes(s));
    return { users, groups };
  });
}
