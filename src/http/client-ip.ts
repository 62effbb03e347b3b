/**
 * The client's IP address, honouring TRUST_PROXY. This is the only reader of X-Forwarded-For; the
 * access log, the audit log, rate limits and sign-in notices all use what it returns.
 * - TRUST_PROXY=false (default): the socket peer is the client; forwarded headers are ignored.
 * - TRUST_PROXY=true: one hop. The socket peer is our single proxy, and the client is the right-most
 *   X-Forwarded-For entry — the one that proxy appended. Everything left of it was sent by the client.
 * - TRUST_PROXY=<IPs/CIDRs>: X-Forwarded-For is believed only when the socket peer is listed; then the
 *   right-most address that is not itself a listed proxy is the client.
 * - A malformed entry stops the walk (the nearest address a trusted hop vouched for is used), and so
 *   does an empty header. Several X-Forwarded-For lines count as one list in order (the runtime joins
 *   them with ", "; the last line is the nearest hop's).
 * - TRUSTED_PLATFORM=<header> (Pocket ID's; e.g. CF-Connecting-IP): when the socket peer is a trusted proxy (as
 *   above), that header's address is the client, before X-Forwarded-For; a value that is not an IP address is ignored.
 *   Pocket ID (Gin) believes it from any peer; here, as for X-Forwarded-For, only from a TRUST_PROXY peer, since
 *   anyone reaching the server directly could name any address in it.
 * - Other forwarded headers (Forwarded, X-Real-IP, True-Client-IP, an unconfigured CF-Connecting-IP) are never read
 *   for the client address.
 */
import { BlockList, isIP } from "node:net";
import type { TrustProxy } from "../config.ts";

export type ProxyTrust = {
  /** Is this socket peer a proxy whose X-Forwarded-* headers may be believed? */
  (ip: string): boolean;
  /** "hop": trust exactly one hop (TRUST_PROXY=true); "list": walk past listed proxies. */
  readonly mode: "none" | "hop" | "list";
};

/**
 * One spelling per address: brackets and a port a proxy wrote dropped ("[2001:db8::1]:443",
 * "203.0.113.5:4711" — Azure Application Gateway and IIS ARR append the client's port), and an
 * IPv4-mapped IPv6 address in either form ("::ffff:1.2.3.4", "::ffff:102:304") read as the IPv4 address,
 * so one client never holds two budgets and a proxy that writes ports does not merge every client into one.
 */
function normalise(ip: string): string {
  let v = ip.trim();
  const bracketed = /^\[([^\]]*)\](?::\d{1,5})?$/.exec(v);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(v);
  if (bracketed) v = bracketed[1]!;
  else if (v4WithPort) v = v4WithPort[1]!;
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v);
  if (mapped && isIP(v) === 6) return mapped[1]!;
  const mappedHex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(v);
  if (mappedHex && isIP(v) === 6) {
    const hi = parseInt(mappedHex[1]!, 16);
    const lo = parseInt(mappedHex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return v;
}

export function createProxyTrust(trust: TrustProxy): ProxyTrust {
  if (trust.kind === "none") return Object.assign(() => false, { mode: "none" as const });
  if (trust.kind === "one-hop") return Object.assign(() => true, { mode: "hop" as const });
  const list = new BlockList();
  for (const entry of trust.entries) {
    const [addr, bits] = entry.split("/");
    // An IPv4-mapped entry ("::ffff:10.0.0.0/104") is listed as the IPv4 network it maps (10.0.0.0/8),
    // since peers and hops are compared in their IPv4 form.
    const v = normalise(addr!);
    const mapped = isIP(addr!) === 6 && isIP(v) === 4;
    const family = isIP(v) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(v, family);
    else if (mapped) list.addSubnet(v, Math.max(0, Number(bits) - 96), "ipv4");
    else list.addSubnet(v, Number(bits), family);
  }
  const check = (ip: string) => {
    const v = normalise(ip);
    const family = isIP(v);
    return family !== 0 && list.check(v, family === 6 ? "ipv6" : "ipv4");
  };
  return Object.assign(check, { mode: "list" as const });
}

export function resolveClientIp(socketIp: string | null, forwardedFor: string | null, trusted: ProxyTrust, platformHeader: string | null = null): string | null {
  const peer = socketIp ? normalise(socketIp) : null;
  if (peer && platformHeader !== null && trusted(peer)) {
    const named = normalise(platformHeader);
    if (isIP(named) !== 0) return named;
  }
  if (!peer || forwardedFor === null || !trusted(peer)) return peer;
  const hops = forwardedFor.split(",");
  if (trusted.mode === "hop") {
    // One trusted hop: only the entry it appended (the last one) is believed.
    const hop = normalise(hops[hops.length - 1]!);
    return isIP(hop) === 0 ? peer : hop;
  }
  // Walk from the right (the hop our trusted peer wrote) towards the client. An entry that is not an
  // IP ends the walk: whatever lies left of it cannot be attributed, so the last address we could
  // vouch for is used rather than a possibly spoofed one further left.
  let last = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalise(hops[i]!);
    if (isIP(hop) === 0) return last;
    if (!trusted(hop)) return hop;
    last = hop;
  }
  return last;
}

/**
 * The rate-limit key of a client address: an IPv4 address as is, an IPv6 address as its /64 (one
 * subscriber or host usually holds a whole /64, so counting single addresses would hand out 2^64
 * budgets). Written canonically so spellings of one address share a bucket.
 */
export function ipBucketKey(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  let hostname: string;
  try {
    hostname = new URL(`http://[${ip.replace(/%.*$/, "")}]/`).hostname;
  } catch {
    return ip;
  }
  const canonical = hostname.slice(1, -1);
  const [head = "", tail] = canonical.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return `${groups.slice(0, 4).join(":")}::/64`;
}
