/**
 * PROXY_PROTOCOL (Pocket ID's variable; HAProxy's PROXY protocol v1 and v2): the client address arrives in a
 * header the proxy writes before the first byte of the connection. Bun.serve cannot read it, so with
 * PROXY_PROTOCOL set the public HOST:PORT is a TCP front that reads the header, then pipes the bytes unchanged
 * (TLS included: the inner server terminates it) to Bun.serve listening on 127.0.0.1 on a port the OS picks.
 * The front records which of its own inner connections carries which client (by that connection's local
 * address and port); the HTTP layer reads the peer address through `clientAddressOf`, so the audit log, rate
 * limits, sessions and geolocation all see the header's address, and TRUST_PROXY then applies to it as usual.
 *
 * Which peers must, may or may not send a header (Pocket ID's policy, go-proxyproto):
 * - a peer PROXY_PROTOCOL names (true = every address) that is not loopback must send one; without it, or with a
 *   malformed or oversize one, the connection is closed without an answer;
 * - a listed loopback peer may send one (a health check on the same machine sends none);
 * - an unlisted loopback peer is served as itself, its bytes untouched (a header it sends is not believed);
 * - any other peer is refused.
 * A header has 5 seconds to arrive. Command LOCAL (v2) and family UNKNOWN/UNSPEC keep the real peer address.
 * A direct connection to the inner port is its own loopback peer: only connections the front opened are looked up.
 */
import { connect, createServer, isIP, type Server as NetServer, type Socket } from "node:net";
import type { TrustProxy } from "../config.ts";
import { createProxyTrust } from "./client-ip.ts";

export type ProxyHeader =
  | { kind: "incomplete" }
  | { kind: "invalid"; reason: string }
  /** `source` null: the header names no client (LOCAL, UNKNOWN, UNSPEC, unix): keep the socket peer. */
  | { kind: "header"; length: number; source: string | null };

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from("PROXY ");
/** v1: "PROXY TCP6 <39> <39> <5> <5>\r\n" is at most 107 bytes (the specification's limit). */
const V1_MAX = 107;

/** Could `buf` still become `prefix` (or start with it)? */
function startsLike(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.subarray(0, n).equals(prefix.subarray(0, n));
}

function parseV1(buf: Buffer): ProxyHeader {
  const end = buf.indexOf("\r\n");
  if (end === -1) return buf.length >= V1_MAX ? { kind: "invalid", reason: "v1 header longer than 107 bytes" } : { kind: "incomplete" };
  if (end + 2 > V1_MAX) return { kind: "invalid", reason: "v1 header longer than 107 bytes" };
  const fields = buf.subarray(0, end).toString("latin1").split(" ");
  if (fields[1] === "UNKNOWN") return { kind: "header", length: end + 2, source: null };
  if (fields.length !== 6 || (fields[1] !== "TCP4" && fields[1] !== "TCP6")) return { kind: "invalid", reason: "malformed v1 header" };
  const family = fields[1] === "TCP4" ? 4 : 6;
  const [, , src, dst, sport, dport] = fields as [string, string, string, string, string, string];
  const port = (p: string) => /^(0|[1-9]\d{0,4})$/.test(p) && Number(p) <= 65535;
  // isIP admits an IPv6 zone ("fe80::1%eth0"), which a header cannot carry (and URL parsing would throw on).
  const address = (a: string) => isIP(a) === family && !a.includes("%");
  if (!address(src) || !address(dst) || !port(sport) || !port(dport)) return { kind: "invalid", reason: "malformed v1 header" };
  return { kind: "header", length: end + 2, source: family === 6 ? canonicalIpv6(src) : src };
}

/** One spelling per IPv6 address (compressed, lower case), whichever the proxy wrote. */
function canonicalIpv6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

function ipv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return canonicalIpv6(groups.join(":"));
}

function parseV2(buf: Buffer): ProxyHeader {
  if (buf.length < 16) return { kind: "incomplete" };
  const version = buf[12]! >> 4;
  const command = buf[12]! & 0x0f;
  if (version !== 2 || command > 1) return { kind: "invalid", reason: "unsupported v2 version or command" };
  const family = buf[13]!;
  const length = 16 + buf.readUInt16BE(14);
  const need = { 0x11: 12, 0x12: 12, 0x21: 36, 0x22: 36, 0x31: 216, 0x32: 216, 0x00: 0 }[family];
  if (need === undefined) return { kind: "invalid", reason: "unsupported v2 address family" };
  if (length - 16 < need) return { kind: "invalid", reason: "v2 address block too short" };
  if (buf.length < length) return { kind: "incomplete" };
  if (command === 0 || family === 0x00 || family >= 0x31) return { kind: "header", length, source: null };
  const source = family <= 0x12 ? [...buf.subarray(16, 20)].join(".") : ipv6(buf.subarray(16, 32));
  return { kind: "header", length, source };
}

/** Reads a PROXY protocol header (v1 text or v2 binary) at the start of `buf`. */
export function parseProxyHeader(buf: Buffer): ProxyHeader {
  if (buf.length === 0) return { kind: "incomplete" };
  if (startsLike(buf, V1_PREFIX)) return buf.length < V1_PREFIX.length ? { kind: "incomplete" } : parseV1(buf);
  if (startsLike(buf, V2_SIGNATURE)) return buf.length < V2_SIGNATURE.length ? { kind: "incomplete" } : parseV2(buf);
  return { kind: "invalid", reason: "no PROXY protocol header" };
}

export type HeaderPolicy = "require" | "optional" | "skip" | "refuse";

function isLoopback(ip: string): boolean {
  return ip === "::1" || /^127\./.test(ip) || /^::ffff:127\./i.test(ip);
}

/** What a peer must do: see the file comment. `trust` is PROXY_PROTOCOL parsed like TRUST_PROXY. */
export function headerPolicy(trust: TrustProxy): (peer: string) => HeaderPolicy {
  if (trust.kind === "none") return () => "skip";
  const listed = createProxyTrust(trust);
  return (peer) => {
    if (isLoopback(peer)) return listed(peer) ? "optional" : "skip";
    return listed(peer) ? "require" : "refuse";
  };
}

const HEADER_TIMEOUT_MS = 5000;

export interface ProxyProtocolFront {
  port: number;
  /** The client behind an inner connection the front opened, or `peer` itself for any other connection. */
  clientAddressOf(peer: { address: string; port: number } | null): string | null;
  /** Stops accepting; open connections end with the inner server's. */
  stopAccepting(): void;
  /** Closes every connection now. */
  closeAll(): void;
}

/** Starts the front on host:port, forwarding to 127.0.0.1:innerPort. */
export async function startProxyProtocolFront(opts: { host: string; port: number; innerPort: number; trust: TrustProxy }): Promise<ProxyProtocolFront> {
  const policy = headerPolicy(opts.trust);
  const clients = new Map<string, string>();
  const open = new Set<Socket>();
  const forward = (outer: Socket, rest: Buffer, client: string) => {
    const inner = connect({ host: "127.0.0.1", port: opts.innerPort });
    open.add(inner);
    let key: string | null = null;
    inner.once("connect", () => {
      key = `${inner.localAddress}:${inner.localPort}`;
      clients.set(key, client);
      if (rest.length > 0) inner.write(rest);
      outer.pipe(inner);
      inner.pipe(outer);
      outer.resume();
    });
    const end = () => {
      if (key !== null) clients.delete(key);
      open.delete(inner);
      inner.destroy();
      outer.destroy();
    };
    inner.once("close", end);
    inner.on("error", end);
    outer.once("close", end);
    outer.on("error", end);
  };
  const server: NetServer = createServer({ pauseOnConnect: true }, (outer) => {
    open.add(outer);
    outer.once("close", () => open.delete(outer));
    outer.on("error", () => outer.destroy());
    const peer = outer.remoteAddress ?? "";
    const rule = policy(peer);
    if (rule === "refuse") return void outer.destroy();
    if (rule === "skip") {
      outer.pause();
      return forward(outer, Buffer.alloc(0), peer);
    }
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => outer.destroy(), HEADER_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let parsed = parseProxyHeader(buf);
      // A listed loopback peer without a header (a health check) is served as itself.
      if (parsed.kind === "invalid" && rule === "optional" && !startsLike(buf, V1_PREFIX) && !startsLike(buf, V2_SIGNATURE)) parsed = { kind: "header", length: 0, source: null };
      if (parsed.kind === "incomplete") return;
      clearTimeout(timer);
      outer.off("data", onData);
      if (parsed.kind === "invalid") return void outer.destroy();
      outer.pause();
      forward(outer, buf.subarray(parsed.length), parsed.source ?? peer);
    };
    outer.on("data", onData);
    outer.once("close", () => clearTimeout(timer));
    outer.resume();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: opts.host, port: opts.port }, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : opts.port,
    clientAddressOf(peer) {
      if (!peer) return null;
      return clients.get(`${peer.address}:${peer.port}`) ?? peer.address;
    },
    stopAccepting() {
      server.close();
    },
    closeAll() {
      server.close();
      for (const s of open) s.destroy();
    },
  };
}
