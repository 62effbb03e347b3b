/**
 * The client IP resolver (src/http/client-ip.ts) with TRUST_PROXY false, true (one hop) and a list:
 * tables of spoofed X-Forwarded-For values, malformed hops, IPv6 spellings; several header lines
 * through a real Bun listener; the rate-limit key of an address (IPv6 /64).
 */
import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../../src/config.ts";
import { createProxyTrust, ipBucketKey, resolveClientIp } from "../../../src/http/client-ip.ts";
import { rawHttp } from "../../helpers/raw-http.ts";

const none = createProxyTrust({ kind: "none" });
const hop = createProxyTrust({ kind: "one-hop" });
const list = createProxyTrust({ kind: "list", entries: ["10.0.0.0/8", "fd00::1"] });

describe("TRUST_PROXY=false: X-Forwarded-For is never read", () => {
  test.each([
    ["203.0.113.9", "198.51.100.1", "203.0.113.9"],
    ["::ffff:203.0.113.9", null, "203.0.113.9"],
    ["203.0.113.9", "", "203.0.113.9"],
    ["10.0.0.1", "81.2.69.142", "10.0.0.1"],
    ["::1", "127.0.0.1", "::1"],
    ["2001:db8::1", "1.1.1.1, 2.2.2.2", "2001:db8::1"],
  ])("peer %p, XFF %p → %p", (peer, xff, expected) => {
    expect(resolveClientIp(peer, xff, none)).toBe(expected);
  });
  test("no socket (in-process): null", () => expect(resolveClientIp(null, "198.51.100.1", none)).toBeNull());
});

describe("TRUST_PROXY=true: one hop, the right-most entry is the client", () => {
  test.each([
    // What our proxy appended is last; everything before it came from the client.
    ["10.0.0.2", "198.51.100.7", "198.51.100.7"],
    ["10.0.0.2", "1.2.3.4, 198.51.100.7", "198.51.100.7"],
    ["10.0.0.2", "198.51.100.7, 10.0.0.1", "10.0.0.1"],
    ["10.0.0.2", "127.0.0.1, 203.0.113.50", "203.0.113.50"],
    ["10.0.0.2", "203.0.113.50,127.0.0.1", "127.0.0.1"],
    ["10.0.0.2", "  81.2.69.142 ,   203.0.113.50  ", "203.0.113.50"],
    ["10.0.0.2", "::1, 2001:db8::5", "2001:db8::5"],
    ["10.0.0.2", "1.1.1.1, [2001:db8::5]", "2001:db8::5"],
    ["10.0.0.2", "1.1.1.1, ::ffff:203.0.113.8", "203.0.113.8"],
    ["10.0.0.2", "1.1.1.1, 1.1.1.2, 1.1.1.3, 1.1.1.4, 203.0.113.9", "203.0.113.9"],
    // Malformed or empty last entry: the proxy vouched for nothing usable, so the peer counts.
    ["10.0.0.2", "198.51.100.7, garbage", "10.0.0.2"],
    ["10.0.0.2", "198.51.100.7,", "10.0.0.2"],
    ["10.0.0.2", "", "10.0.0.2"],
    ["10.0.0.2", "198.51.100.7, unknown", "10.0.0.2"],
    // Ports and brackets a proxy writes, IPv4-mapped IPv6 in both spellings: the address itself.
    ["10.0.0.2", "198.51.100.7, 203.0.113.50:4711", "203.0.113.50"],
    ["10.0.0.2", "198.51.100.7, [2001:db8::5]:4711", "2001:db8::5"],
    ["10.0.0.2", "198.51.100.7, [203.0.113.50]", "203.0.113.50"],
    ["10.0.0.2", "1.1.1.1, ::ffff:cb00:7108", "203.0.113.8"],
    ["10.0.0.2", "1.1.1.1, ::FFFF:CB00:7108", "203.0.113.8"],
    ["10.0.0.2", "1.1.1.1, 0:0:0:0:0:ffff:203.0.113.8", "203.0.113.8"],
    ["10.0.0.2", "1.1.1.1, fe80::1%eth0", "fe80::1%eth0"],
    ["::ffff:10.0.0.2", "1.1.1.1, 203.0.113.8", "203.0.113.8"],
    ["::ffff:a00:2", "1.1.1.1", "1.1.1.1"],
    ["10.0.0.2", "198.51.100.7, 203.0.113.50:", "10.0.0.2"],
    ["10.0.0.2", "198.51.100.7, 203.0.113.50:999999", "10.0.0.2"],
    ["10.0.0.2", "198.51.100.7, [2001:db8::5", "10.0.0.2"],
    ["10.0.0.2", "198.51.100.7, 127.1", "10.0.0.2"],
    ["10.0.0.2", "198.51.100.7, 0x7f.0.0.1", "10.0.0.2"],
    ["10.0.0.2", "198.51.100.7, 2130706433", "10.0.0.2"],
    ["10.0.0.2", "198.51.100.7, _hidden", "10.0.0.2"],
    ["10.0.0.2", "198.51.100.7, ::ffff:1.2.3.4:80", "10.0.0.2"],
    ["10.0.0.2", "198.51.100.7, 999.1.1.1", "10.0.0.2"],
    ["10.0.0.2", null, "10.0.0.2"],
    ["203.0.113.1", "198.51.100.7", "198.51.100.7"], // any peer is the one hop
  ])("peer %p, XFF %p → %p", (peer, xff, expected) => {
    expect(resolveClientIp(peer, xff, hop)).toBe(expected);
  });

  test("a client cannot choose its address: whatever it prepends, the appended hop wins", () => {
    for (let i = 0; i < 200; i++) {
      const spoof = Array.from({ length: 1 + (i % 5) }, (_, j) => `${(i * 7 + j) % 256}.${j}.${i % 256}.1`).join(", ");
      expect(resolveClientIp("10.0.0.2", `${spoof}, 203.0.113.77`, hop)).toBe("203.0.113.77");
    }
  });
});

describe("TRUST_PROXY=<list>: believed only from a listed peer; the walk skips listed proxies", () => {
  test.each([
    ["10.1.2.3", "1.1.1.1, 198.51.100.7", "198.51.100.7"],
    ["10.1.2.3", "198.51.100.7, 10.9.9.9", "198.51.100.7"],
    ["fd00::1", "2001:db8::5", "2001:db8::5"],
    ["10.1.2.3", "not-an-ip", "10.1.2.3"],
    // Untrusted peers: their header never counts, whatever it claims.
    ["203.0.113.9", "198.51.100.7", "203.0.113.9"],
    ["198.51.100.20", "10.0.0.1", "198.51.100.20"],
    ["198.51.100.20", "127.0.0.1", "198.51.100.20"],
    ["198.51.100.20", "81.2.69.142, 10.0.0.1", "198.51.100.20"],
    ["198.51.100.20", "::1", "198.51.100.20"],
    ["fd00::2", "198.51.100.7", "fd00::2"],
    // Through a trusted proxy, only the right-most untrusted address counts.
    ["10.0.0.1", "81.2.69.142, 203.0.113.50", "203.0.113.50"],
    ["10.0.0.1", "81.2.69.142, 203.0.113.50, 10.0.0.7, 10.0.0.8", "203.0.113.50"],
    ["10.0.0.1", "1.1.1.1, 10.0.0.9, 203.0.113.50", "203.0.113.50"],
    ["::ffff:10.0.0.1", "81.2.69.142, 203.0.113.50", "203.0.113.50"],
    // Malformed hops end the walk instead of reaching the client's own entries.
    ["10.0.0.1", "81.2.69.142, garbage", "10.0.0.1"],
    ["10.0.0.1", "81.2.69.142, 203.0.113.50:4711", "203.0.113.50"],
    ["10.0.0.1", "81.2.69.142, unknown, 10.0.0.5", "10.0.0.5"],
    ["10.0.0.1", "", "10.0.0.1"],
    ["10.0.0.1", " [2001:db8::7] ", "2001:db8::7"],
    ["10.0.0.1", "10.0.0.2, 10.0.0.3", "10.0.0.2"], // only proxies: the left-most proxy is as far as we can see
  ])("peer %p, XFF %p → %p", (peer, xff, expected) => {
    expect(resolveClientIp(peer, xff, list)).toBe(expected);
  });
});

test.each([
  // [TRUST_PROXY entry, peers it must trust, peers it must not]: IPv4-mapped entries and peers, both spellings.
  ["::ffff:10.0.0.0/104", ["10.0.0.1", "10.255.1.1", "::ffff:10.0.0.1", "::ffff:a00:1"], ["11.0.0.1", "::1"]],
  ["::ffff:10.0.0.1", ["10.0.0.1", "::ffff:10.0.0.1", "::FFFF:A00:1"], ["10.0.0.2"]],
  ["::ffff:a00:1", ["10.0.0.1"], ["10.0.0.2"]],
  ["10.0.0.0/8", ["::ffff:10.9.9.9", "::ffff:a09:909"], ["::ffff:b00:1"]],
])("TRUST_PROXY=%p: a mapped address is its IPv4 address (no start-up crash)", (entry, trusted, untrusted) => {
  const trust = createProxyTrust(loadConfig({ TRUST_PROXY: entry }, "/x").trustProxy);
  for (const peer of trusted) expect([peer, trust(peer)]).toEqual([peer, true]);
  for (const peer of untrusted) expect([peer, trust(peer)]).toEqual([peer, false]);
});

test("TRUST_PROXY parsing: true and 1 mean one hop; lists stay lists", () => {
  for (const v of ["true", "TRUE", " True ", "1"]) expect(loadConfig({ TRUST_PROXY: v }, "/x").trustProxy).toEqual({ kind: "one-hop" });
  for (const v of ["false", "0"]) expect(loadConfig({ TRUST_PROXY: v }, "/x").trustProxy).toEqual({ kind: "none" });
  expect(loadConfig({ TRUST_PROXY: "10.0.0.1,fd00::/8" }, "/x").trustProxy).toEqual({ kind: "list", entries: ["10.0.0.1", "fd00::/8"] });
});

test("several X-Forwarded-For lines: Bun joins them in order, so the last line's last entry is the hop", async () => {
  const trust = { hop, list: createProxyTrust({ kind: "list", entries: ["127.0.0.1"] }) };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request, srv) => {
      const peer = srv.requestIP(request)?.address ?? null;
      const xff = request.headers.get("x-forwarded-for");
      return Response.json({ xff, hop: resolveClientIp(peer, xff, trust.hop), list: resolveClientIp(peer, xff, trust.list) });
    },
  });
  try {
    const raw = async (lines: string[]) => {
      const text = await rawHttp("127.0.0.1", server.port!, `GET / HTTP/1.1\r\nHost: x\r\n${lines.map((l) => `X-Forwarded-For: ${l}\r\n`).join("")}Connection: close\r\n\r\n`);
      return JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as { xff: string; hop: string; list: string };
    };
    const two = await raw(["81.2.69.142, 1.1.1.1", "203.0.113.5"]);
    expect(two).toEqual({ xff: "81.2.69.142, 1.1.1.1, 203.0.113.5", hop: "203.0.113.5", list: "203.0.113.5" });
    // A client's extra line first, the proxy's line last (HAProxy adds a line rather than appending).
    const spoof = await raw(["127.0.0.1", "198.51.100.9"]);
    expect(spoof).toEqual({ xff: "127.0.0.1, 198.51.100.9", hop: "198.51.100.9", list: "198.51.100.9" });
  } finally {
    server.stop(true);
  }
});

describe("rate-limit key of an address", () => {
  test.each([
    ["203.0.113.9", "203.0.113.9"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::ffff", "2001:db8:1:2::/64"],
    ["2001:DB8:0001:0002:aaaa::1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["64:ff9b::203.0.113.1", "64:ff9b:0:0::/64"],
  ])("%p → %p", (ip, key) => expect(ipBucketKey(ip)).toBe(key));

  test("every address of one /64 shares a key; the neighbouring /64 does not", () => {
    const keys = new Set(Array.from({ length: 500 }, (_, i) => ipBucketKey(`2001:db8:aa:bb:${i.toString(16)}:${(i * 31).toString(16)}::${i.toString(16)}`)));
    expect([...keys]).toEqual(["2001:db8:aa:bb::/64"]);
    expect(ipBucketKey("2001:db8:aa:bc::1")).not.toBe(ipBucketKey("2001:db8:aa:bb::1"));
  });
});
