/**
 * Whether a domain is a public suffix (Mozilla's Public Suffix List, ICANN and private sections, as
 * bundled by tldts): a name under which anyone can register their own domain — "com", "co.uk",
 * "github.io", "pages.dev". A wildcard in front of one ("*.co.uk", "*.github.io") would match other
 * people's domains. Unknown top-level names ("corp.internal") follow the list's default rule: only the
 * last label is a suffix.
 */
import { getPublicSuffix } from "tldts";

export function isPublicSuffix(domain: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, "");
  if (d === "" || !d.includes(".")) return true;
  return getPublicSuffix(d, { allowPrivateDomains: true }) === d;
}
