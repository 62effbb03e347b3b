/**
 * The client's IP address, honouring TRUST_PROXY:
 * - X-Forwarded-For is believed only when the socket peer is a trusted proxy;
 * - then the right-most address that is not itself a trusted proxy is the client
 *   (everything left of it could have been written by the client);
 * - a malformed entry stops the walk (the nearest address a trusted hop vouched for is used).
 */
import { BlockList, isIP } from "node:net";
import type { TrustProxy } from "../config.ts";

export type ProxyTrust = (ip: string) => boolean;

function normalise(ip: string): string {
  const v = ip.trim().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v);
  return mapped ? mapped[1]! : v;
}

export function createProxyTrust(trust: TrustProxy): ProxyTrust {
  if (trust.kind === "none") return () => false;
  if (trust.kind === "all") return () => true;
  const list = new BlockList();
  for (const entry of trust.entries) {
    const [addr, bits] = entry.split("/");
    const family = isIP(addr!) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(normalise(addr!), family);
    else list.addSubnet(normalise(addr!), Number(bits), family);
  }
  return (ip: string) => {
    const v = normalise(ip);
    const family = isIP(v);
    return family !== 0 && list.check(v, family === 6 ? "ipv6" : "ipv4");
  };
}

export function resolveClientIp(socketIp: string | null, forwardedFor: string | null, trusted: ProxyTrust): string | null {
  const peer = socketIp ? normalise(socketIp) : null;
  if (!peer || !forwardedFor || !trusted(peer)) return peer;
  const hops = forwardedFor.split(",").map(normalise);
  // Walk from the right (the hop our trusted peer wrote) towards the client. An entry that is not an
  // IP ends the walk: whatever lies left of it cannot be attributed, so the last address we could
  // vouch for is used rather than a possibly spoofed one further left.
  let last = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) return last;
    if (!trusted(hop)) return hop;
    last = hop;
  }
  return last;
}
