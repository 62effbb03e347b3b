import { describe, expect, test } from "bun:test";
import { createProxyTrust, resolveClientIp } from "../../../src/http/client-ip.ts";

describe("client IP with TRUST_PROXY", () => {
  test("false: X-Forwarded-For is ignored, the socket peer is the client", () => {
    const trust = createProxyTrust({ kind: "none" });
    expect(resolveClientIp("203.0.113.9", "198.51.100.1", trust)).toBe("203.0.113.9");
    expect(resolveClientIp("::ffff:203.0.113.9", null, trust)).toBe("203.0.113.9");
    expect(resolveClientIp(null, "198.51.100.1", trust)).toBeNull();
  });

  test("true: the right-most forwarded address is the client", () => {
    const trust = createProxyTrust({ kind: "all" });
    expect(resolveClientIp("10.0.0.2", "198.51.100.7, 10.0.0.1", trust)).toBe("198.51.100.7");
    expect(resolveClientIp("10.0.0.2", null, trust)).toBe("10.0.0.2");
  });

  test("a list: believed only from a listed peer; spoofed left-most entries are skipped", () => {
    const trust = createProxyTrust({ kind: "list", entries: ["10.0.0.0/8", "fd00::1"] });
    expect(resolveClientIp("10.1.2.3", "1.1.1.1, 198.51.100.7", trust)).toBe("198.51.100.7");
    expect(resolveClientIp("10.1.2.3", "198.51.100.7, 10.9.9.9", trust)).toBe("198.51.100.7");
    expect(resolveClientIp("fd00::1", "2001:db8::5", trust)).toBe("2001:db8::5");
    expect(resolveClientIp("203.0.113.9", "198.51.100.7", trust)).toBe("203.0.113.9"); // untrusted peer
    expect(resolveClientIp("10.1.2.3", "not-an-ip", trust)).toBe("10.1.2.3");
  });

  test("spoofing: an untrusted peer's X-Forwarded-For never counts, whatever it claims", () => {
    const trust = createProxyTrust({ kind: "list", entries: ["10.0.0.1"] });
    for (const xff of ["10.0.0.1", "127.0.0.1", "81.2.69.142", "81.2.69.142, 10.0.0.1", "::1"]) {
      expect(resolveClientIp("198.51.100.20", xff, trust)).toBe("198.51.100.20");
    }
    // A client cannot make itself a trusted proxy by naming one.
    expect(resolveClientIp("198.51.100.20", "10.0.0.1", trust)).toBe("198.51.100.20");
  });

  test("spoofing: through a trusted proxy, only the right-most untrusted address counts", () => {
    const trust = createProxyTrust({ kind: "list", entries: ["10.0.0.0/8"] });
    // The client wrote "81.2.69.142"; the proxy appended the real address.
    expect(resolveClientIp("10.0.0.1", "81.2.69.142, 203.0.113.50", trust)).toBe("203.0.113.50");
    // Several trusted hops on the right are skipped.
    expect(resolveClientIp("10.0.0.1", "81.2.69.142, 203.0.113.50, 10.0.0.7, 10.0.0.8", trust)).toBe("203.0.113.50");
    // A client pretending to be an inner proxy does not help: the walk stops at the first untrusted hop.
    expect(resolveClientIp("10.0.0.1", "1.1.1.1, 10.0.0.9, 203.0.113.50", trust)).toBe("203.0.113.50");
  });

  test("spoofing: a malformed hop ends the walk instead of reaching the client's own entries", () => {
    const trust = createProxyTrust({ kind: "list", entries: ["10.0.0.0/8"] });
    expect(resolveClientIp("10.0.0.1", "81.2.69.142, garbage", trust)).toBe("10.0.0.1");
    expect(resolveClientIp("10.0.0.1", "81.2.69.142, 203.0.113.50:4711", trust)).toBe("10.0.0.1");
    expect(resolveClientIp("10.0.0.1", "81.2.69.142, unknown, 10.0.0.5", trust)).toBe("10.0.0.5");
    expect(resolveClientIp("10.0.0.1", "", trust)).toBe("10.0.0.1");
    expect(resolveClientIp("10.0.0.1", " [2001:db8::7] ", trust)).toBe("2001:db8::7");
  });
});
