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
});
