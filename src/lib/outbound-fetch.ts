/**
 * Fetching a URL that someone else chose (a client's metadata document, a logo URL an administrator typed),
 * without letting that URL reach into the server's own network (SSRF).
 * - https only; http only when the policy allows it (tests' loopback servers never need it: they speak TLS).
 * - The host is resolved once; every address it resolves to must be public (production policy: no loopback,
 *   private, link-local, CGNAT, ULA, multicast, documentation, benchmarking, 6to4/Teredo/NAT64, IPv4-mapped or
 *   -compatible forms of those, the unspecified address, nor LOCAL_IPV6_RANGES). One refused address refuses the URL.
 * - The connection goes to the address that was checked: the request is sent to the IP literal, with the Host header
 *   and the TLS server name (SNI and certificate check) set to the URL's host. So DNS is asked once and a second
 *   answer (DNS rebinding) is never used.
 * - Redirects are not followed automatically: each hop is checked like the first URL, and only `maxRedirects` of them.
 * - One deadline covers resolving, connecting, the headers and the body; the body is read up to `maxBytes` (a larger
 *   Content-Length is refused before reading); the media type must be one `accept` admits.
 * - No cookies, no credentials; `Accept-Encoding: identity`.
 * The address policy is a parameter: production uses productionOutboundPolicy; tests inject one that admits their
 * loopback servers and trusts their certificate. Nothing in the environment can widen the production policy.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { readAtMost } from "./bounded-read.ts";

export interface OutboundPolicy {
  /** Every address `host` resolves to (IPv4 dotted, IPv6 without brackets). */
  resolve(host: string): Promise<string[]>;
  /** May the server connect to this address? */
  isAddressAllowed(address: string): boolean;
  /** Plain http admitted as well as https (never in production). */
  allowHttp: boolean;
  /** Extra certificate authority to trust (PEM), for tests' self-signed servers; production trusts the system's. */
  ca?: string;
  /** A shorter deadline than the request's (tests of slow servers); production leaves it unset. */
  timeoutMs?: number;
}

export type OutboundRefusal =
  | "url" // not an absolute http(s) URL, or it has credentials
  | "scheme" // not https (or http where allowed)
  | "resolve" // the host does not resolve
  | "address" // it resolves to an address the policy refuses
  | "redirect" // a redirect where none (or no more) are allowed, or without Location
  | "status" // an answer other than 200
  | "content-type" // a media type `accept` refuses
  | "too-large" // more than maxBytes
  | "timeout" // the deadline passed
  | "network"; // connection or TLS failure

export class OutboundFetchError extends Error {
  constructor(
    readonly reason: OutboundRefusal,
    message: string,
  ) {
    super(message);
    this.name = "OutboundFetchError";
  }
}

export interface OutboundRequest {
  /** Admits the response's media type (lower-case, without parameters; "" when the header is missing). */
  accept(mediaType: string): boolean;
  /** What the Accept header asks for. */
  acceptHeader: string;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  userAgent: string;
}

export interface OutboundResponse {
  /** The URL that answered (after redirects). */
  url: string;
  headers: Headers;
  mediaType: string;
  body: Uint8Array;
}

// --- the production address policy ----------------------------------------------------------------

/** Special-purpose ranges (IANA registries) that are never a public web server. */
const REFUSED_IPV4: [string, number][] = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // CGNAT (also Tailscale, Alibaba's metadata 100.100.100.200)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (cloud metadata 169.254.169.254)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.31.196.0", 24], // AS112
  ["192.52.193.0", 24], // AMT
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["192.175.48.0", 24], // AS112
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];

const REFUSED_IPV6: [string, number][] = [
  ["::", 96], // unspecified, loopback, IPv4-compatible (deprecated)
  ["64:ff9b::", 96], // NAT64 (reaches any IPv4 address, private ones included)
  ["64:ff9b:1::", 48], // local NAT64
  ["100::", 64], // discard
  ["100:0:0:1::", 64], // dummy prefix
  ["2001::", 23], // IETF protocol assignments (Teredo 2001::/32 among them)
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4 (embeds any IPv4 address)
  ["2620:4f:8000::", 48], // AS112
  ["3fff::", 20], // documentation
  ["5f00::", 16], // segment routing
  ["fc00::", 7], // unique local (cloud metadata fd00:ec2::254)
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
];

/** The refused ranges plus `extraIpv6Ranges` (LOCAL_IPV6_RANGES, "addr/len"). IPv4-mapped IPv6 addresses are checked as IPv4. */
export function refusedAddressList(extraIpv6Ranges: string[] = []): BlockList {
  const list = new BlockList();
  for (const [a, p] of REFUSED_IPV4) list.addSubnet(a, p, "ipv4");
  for (const [a, p] of REFUSED_IPV6) list.addSubnet(a, p, "ipv6");
  for (const range of extraIpv6Ranges) {
    const [a, p] = range.split("/");
    if (a && isIP(a) === 6 && /^\d{1,3}$/.test(p ?? "") && Number(p) <= 128) list.addSubnet(a, Number(p), "ipv6");
  }
  return list;
}

/** True when `address` is an IP address outside every refused range. Anything that is not an IP address is refused. */
export function isPublicAddress(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !list.check(address, family === 4 ? "ipv4" : "ipv6");
}

async function resolveWithDns(host: string): Promise<string[]> {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

/** The policy of a running server: system DNS, public addresses only, https only, the system's certificate authorities. */
export function productionOutboundPolicy(opts: { localIpv6Ranges?: string[] } = {}): OutboundPolicy {
  const list = refusedAddressList(opts.localIpv6Ranges);
  return { resolve: resolveWithDns, isAddressAllowed: (a) => isPublicAddress(list, a), allowHttp: false };
}

const productionPolicies = new WeakMap<object, OutboundPolicy>();

/** The policy in force: the injected one (tests), else the production policy for this configuration (built once). */
export function policyFor(deps: { outbound?: OutboundPolicy; config: { localIpv6Ranges: string[] } }): OutboundPolicy {
  if (deps.outbound) return deps.outbound;
  let policy = productionPolicies.get(deps.config);
  if (!policy) productionPolicies.set(deps.config, (policy = productionOutboundPolicy({ localIpv6Ranges: deps.config.localIpv6Ranges })));
  return policy;
}

// --- fetching --------------------------------------------------------------------------------------

/** The URL's host as an address literal (IPv6 without brackets), or null when it is a name. */
function literalAddress(hostname: string): string | null {
  const bare = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : null;
}

function checkUrl(policy: OutboundPolicy, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundFetchError("url", "The URL is not an absolute URL.");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && policy.allowHttp)) {
    throw new OutboundFetchError("scheme", `Only https URLs are fetched, not ${url.protocol.slice(0, -1)}.`);
  }
  if (url.username || url.password) throw new OutboundFetchError("url", "The URL must not contain credentials.");
  if (!url.hostname) throw new OutboundFetchError("url", "The URL has no host.");
  return url;
}

/** Runs `work` unless the deadline passes first (then: timeout). */
function beforeDeadline<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(new OutboundFetchError("timeout", "The server did not answer in time."));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new OutboundFetchError("timeout", "The server did not answer in time."));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** Resolves the host and returns the one address to connect to, every resolved address having been checked. */
async function checkedAddress(policy: OutboundPolicy, url: URL, signal: AbortSignal): Promise<string> {
  const literal = literalAddress(url.hostname);
  let addresses: string[];
  if (literal) {
    addresses = [literal];
  } else {
    try {
      addresses = await beforeDeadline(signal, policy.resolve(url.hostname));
    } catch (e) {
      if (e instanceof OutboundFetchError) throw e;
      throw new OutboundFetchError("resolve", `The host ${url.hostname} does not resolve.`);
    }
  }
  if (addresses.length === 0) throw new OutboundFetchError("resolve", `The host ${url.hostname} does not resolve.`);
  // One refused address refuses the host: which one a connection would use is not ours to guess.
  for (const a of addresses) {
    if (!policy.isAddressAllowed(a)) throw new OutboundFetchError("address", `The host ${url.hostname} resolves to an address that is not public (${a}).`);
  }
  return addresses[0]!;
}

function mediaTypeOf(headers: Headers): string {
  const value = headers.get("content-type");
  if (!value) return "";
  return value.split(";")[0]!.trim().toLowerCase();
}

async function readBody(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = response.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new OutboundFetchError("too-large", `The response is larger than ${maxBytes} bytes.`);
  }
  if (!response.body) return new Uint8Array();
  const body = await readAtMost(response.body, maxBytes);
  if (!body) throw new OutboundFetchError("too-large", `The response is larger than ${maxBytes} bytes.`);
  return body;
}

/** One request to the checked address of `url`, not following redirects. */
async function requestPinned(policy: OutboundPolicy, url: URL, request: OutboundRequest, signal: AbortSignal): Promise<Response> {
  const address = await checkedAddress(policy, url, signal);
  const isName = literalAddress(url.hostname) === null;
  const pinned = new URL(url.href);
  if (isName) pinned.hostname = address.includes(":") ? `[${address}]` : address;
  const headers: Record<string, string> = {
    accept: request.acceptHeader,
    "accept-encoding": "identity",
    "user-agent": request.userAgent,
  };
  // The Host header and the TLS name stay the URL's: virtual hosting and certificate checks work as for the name.
  if (isName) headers.host = url.host;
  const tls: Record<string, unknown> = {};
  if (isName && url.protocol === "https:") tls.serverName = url.hostname;
  if (policy.ca) tls.ca = policy.ca;
  try {
    return await fetch(pinned.href, { method: "GET", headers, redirect: "manual", signal, tls, credentials: "omit" } as RequestInit);
  } catch (e) {
    if (signal.aborted) throw new OutboundFetchError("timeout", "The server did not answer in time.");
    throw new OutboundFetchError("network", `The server could not be reached (${(e as { code?: string }).code ?? "connection failed"}).`);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Fetches `rawUrl` under `policy`; throws OutboundFetchError with the reason for every refusal. */
export async function fetchOutbound(policy: OutboundPolicy, rawUrl: string, request: OutboundRequest): Promise<OutboundResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.min(request.timeoutMs, policy.timeoutMs ?? Infinity));
  try {
    let url = checkUrl(policy, rawUrl);
    for (let hop = 0; ; hop++) {
      const response = await requestPinned(policy, url, request, controller.signal);
      if (REDIRECTS.has(response.status)) {
        await response.body?.cancel().catch(() => {});
        const location = response.headers.get("location");
        if (hop >= request.maxRedirects) throw new OutboundFetchError("redirect", request.maxRedirects === 0 ? "The server answered with a redirect, which is not followed." : "Too many redirects.");
        if (!location) throw new OutboundFetchError("redirect", "The server answered with a redirect without a Location.");
        let next: string;
        try {
          next = new URL(location, url).href;
        } catch {
          throw new OutboundFetchError("redirect", "The redirect's Location is not a URL.");
        }
        url = checkUrl(policy, next);
        continue;
      }
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        throw new OutboundFetchError("status", `The server answered ${response.status} instead of 200.`);
      }
      const mediaType = mediaTypeOf(response.headers);
      if (!request.accept(mediaType)) {
        await response.body?.cancel().catch(() => {});
        throw new OutboundFetchError("content-type", `The response's content type ${mediaType ? `"${mediaType.slice(0, 80)}"` : "(none)"} is not accepted.`);
      }
      try {
        const body = await beforeDeadline(controller.signal, readBody(response, request.maxBytes));
        return { url: url.href, headers: response.headers, mediaType, body };
      } catch (e) {
        if (e instanceof OutboundFetchError) throw e;
        if (controller.signal.aborted) throw new OutboundFetchError("timeout", "The server did not answer in time.");
        throw new OutboundFetchError("network", "The response could not be read.");
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
