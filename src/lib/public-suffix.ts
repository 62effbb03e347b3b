/**
 * Whether a domain is a public suffix (Mozilla's Public Suffix List, ICANN and private sections, as
 * bundled by tldts): a name under which anyone can register their own domain — "com", "co.uk",
 * "github.io", "pages.dev". A wildcard in front of one ("*.co.uk", "*.github.io") would match other
 * people's domains. Unknown top-level names ("corp.internal") follow the list's default rule: only the
 * last label is a suffix.
 *
 * tldts (the list as a trie) is required on the first question, not at start: only saving a client's
 * callback URLs or a forward-auth pattern asks, and an idle server need not hold the list.
 */
type Tldts = typeof import("tldts");

let tldts: Tldts | null = null;

export function isPublicSuffix(domain: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, "");
  if (d === "" || !d.includes(".")) return true;
  tldts ??= require("tldts") as Tldts;
  return tldts.getPublicSuffix(d, { allowPrivateDomains: true }) === d;
}
