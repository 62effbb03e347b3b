/**
 * The PROXY protocol header reader and who must send a header (src/http/proxy-protocol.ts); the listener itself is
 * attacked through `latchkey serve` in tests/e2e/proxy-protocol.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { headerPolicy, parseProxyHeader } from "../../../src/http/proxy-protocol.ts";

const v1 = (s: string) => parseProxyHeader(Buffer.from(s));
const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const v2 = (verCmd: number, family: number, body: number[], declared = body.length) => Buffer.from([...SIG, verCmd, family, declared >> 8, declared & 255, ...body]);
const ports = [0, 80, 1, 187];

describe("v1", () => {
  test("TCP4 and TCP6 name the source; the header's length excludes what follows; IPv6 gets one spelling", () => {
    expect(v1("PROXY TCP4 203.0.113.7 10.0.0.1 40000 443\r\nGET /")).toEqual({ kind: "header", length: 43, source: "203.0.113.7" });
    expect(v1("PROXY TCP6 2001:DB8:0::0:1 ::1 1 2\r\n")).toMatchObject({ kind: "header", source: "2001:db8::1" });
    expect(v1("PROXY UNKNOWN whatever\r\n")).toEqual({ kind: "header", length: 24, source: null });
  });

  test("a header still arriving is incomplete, never guessed", () => {
    for (const part of ["P", "PROX", "PROXY ", "PROXY TCP4 203.0.113.7 10.0.0.1 40000 443\r"]) expect(v1(part)).toEqual({ kind: "incomplete" });
  });

  test("malformed fields, a family that does not match the address, bad ports and more than 107 bytes are refused", () => {
    for (const bad of [
      "PROXY TCP4 203.0.113.7 10.0.0.1 40000\r\n",
      "PROXY TCP4 203.0.113.7 10.0.0.1 40000 443 extra\r\n",
      "PROXY TCP4 ::1 10.0.0.1 1 2\r\n",
      "PROXY TCP6 203.0.113.7 ::1 1 2\r\n",
      "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n",
      "PROXY TCP6 fe80::1%25eth0 ::1 1 2\r\n",
      "PROXY TCP6 2001:db8::1 fe80::1%1 1 2\r\n",
      "PROXY TCP4 010.0.0.1 10.0.0.1 1 2\r\n",
      "PROXY TCP4 203.0.113.7 10.0.0.1 1 2\n\r\n",
      "PROXY TCP4 203.0.113.7 10.0.0.1 +1 2\r\n",
      "PROXY\tTCP4 203.0.113.7 10.0.0.1 1 2\r\n",
      "PROXY TCP4 203.0.113.7 10.0.0.1 65536 2\r\n",
      "PROXY TCP4 203.0.113.7 10.0.0.1 01 2\r\n",
      "PROXY TCP4  203.0.113.7 10.0.0.1 1 2\r\n",
      "PROXY tcp4 203.0.113.7 10.0.0.1 1 2\r\n",
      "PROXY UDP4 203.0.113.7 10.0.0.1 1 2\r\n",
      `PROXY UNKNOWN ${"x".repeat(92)}\r\n`,
      "PROXY " + "1".repeat(101),
      "GET / HTTP/1.1\r\n",
    ]) {
      expect({ bad, r: v1(bad).kind }).toEqual({ bad, r: "invalid" });
    }
    // 107 bytes exactly is the limit.
    expect(v1(`PROXY UNKNOWN ${"x".repeat(91)}\r\n`)).toMatchObject({ kind: "header", length: 107 });
  });
});

describe("v2", () => {
  test("PROXY over TCP4/TCP6 (and UDP) names the source; TLVs are part of the header", () => {
    expect(parseProxyHeader(v2(0x21, 0x11, [192, 0, 2, 9, 10, 0, 0, 1, ...ports, 0x04, 0, 1, 7]))).toEqual({ kind: "header", length: 32, source: "192.0.2.9" });
    const six = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 5, ...new Array(15).fill(0), 1, ...ports];
    expect(parseProxyHeader(v2(0x21, 0x21, six))).toEqual({ kind: "header", length: 52, source: "2001:db8::5" });
    expect(parseProxyHeader(v2(0x21, 0x12, [192, 0, 2, 9, 10, 0, 0, 1, ...ports]))).toMatchObject({ source: "192.0.2.9" });
  });

  test("LOCAL, UNSPEC and unix addresses keep the socket peer", () => {
    expect(parseProxyHeader(v2(0x20, 0x11, [192, 0, 2, 9, 10, 0, 0, 1, ...ports]))).toEqual({ kind: "header", length: 28, source: null });
    expect(parseProxyHeader(v2(0x21, 0x00, []))).toEqual({ kind: "header", length: 16, source: null });
    expect(parseProxyHeader(v2(0x21, 0x31, new Array(216).fill(0)))).toEqual({ kind: "header", length: 232, source: null });
  });

  test("incomplete until the declared length arrived; a wrong version, command, family or short address block is refused", () => {
    expect(parseProxyHeader(Buffer.from(SIG.slice(0, 5)))).toEqual({ kind: "incomplete" });
    expect(parseProxyHeader(v2(0x21, 0x11, [192, 0, 2, 9], 12))).toEqual({ kind: "incomplete" });
    expect(parseProxyHeader(v2(0x11, 0x11, new Array(12).fill(1))).kind).toBe("invalid");
    expect(parseProxyHeader(v2(0x22, 0x11, new Array(12).fill(1))).kind).toBe("invalid");
    expect(parseProxyHeader(v2(0x21, 0x41, new Array(12).fill(1))).kind).toBe("invalid");
    expect(parseProxyHeader(v2(0x21, 0x21, new Array(12).fill(1))).kind).toBe("invalid");
    const wrongSignature = v2(0x21, 0x11, new Array(12).fill(1));
    wrongSignature[6] = 0x0b;
    expect(parseProxyHeader(wrongSignature).kind).toBe("invalid");
  });
});

describe("who must send a header (Pocket ID's policy)", () => {
  test("true: every non-loopback peer must, a loopback peer may", () => {
    const p = headerPolicy({ kind: "one-hop" });
    expect(["192.0.2.1", "2001:db8::1", "127.0.0.1", "::1", "::ffff:127.0.0.1"].map(p)).toEqual(["require", "require", "optional", "optional", "optional"]);
  });

  test("a list: listed peers must (loopback ones may), unlisted loopback peers are served as themselves, others are refused", () => {
    const p = headerPolicy({ kind: "list", entries: ["192.0.2.0/24", "2001:db8::7", "127.0.0.1"] });
    expect(["192.0.2.200", "::ffff:192.0.2.5", "2001:db8::7", "192.0.3.1", "2001:db8::8", "127.0.0.1", "127.0.0.2", "::1"].map(p)).toEqual([
      "require",
      "require",
      "require",
      "refuse",
      "refuse",
      "optional",
      "skip",
      "skip",
    ]);
  });

  test("off: nobody's header is read", () => {
    expect(headerPolicy({ kind: "none" })("192.0.2.1")).toBe("skip");
  });
});
