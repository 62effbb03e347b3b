/** safeLocalPath: where a browser may be sent after sign-in (`?redirect=`), against hostile input. */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { safeLocalPath } from "../../../src/lib/local-path.ts";
import { LOCAL_PATH_ATTACKS } from "../../helpers/redirect-attacks.ts";

describe("safeLocalPath", () => {
  test.each([
    "/",
    "/settings/account",
    "/authorize?interaction=abc_DEF-123",
    "/authorize?client_id=a&redirect_uri=https%3A%2F%2Fx",
    "/device?code=ABCD-EFGH",
    "/api/forward-auth/start?rd=https%3A%2F%2Fapp.example.com%2F",
    "/settings/account#passkeys",
    "/a%2Fb",
    "/a..b/c.",
  ])("keeps %s", (path) => {
    expect(safeLocalPath(path)).toBe(path);
  });

  test.each([
    ["protocol-relative", "//evil.example"],
    ["protocol-relative with path", "//evil.example/x"],
    ["backslash host", "/\\evil.example"],
    ["backslash later", "/a\\b"],
    ["double backslash", "\\\\evil.example"],
    ["tab makes //", "/\t/evil.example"],
    ["newline makes //", "/\n/evil.example"],
    ["CR makes //", "/\r/evil.example"],
    ["NUL", "/\u0000/evil.example"],
    ["DEL", "/\u007f"],
    ["space", "/ /evil.example"],
    ["leading space", " /x"],
    ["non-ASCII", "/é"],
    ["ideographic space", "/\u3000/evil.example"],
    ["dot then //", "/.//evil.example"],
    ["dot-dot then //", "/..//evil.example"],
    ["encoded dot then //", "/%2e//evil.example"],
    ["dot segment", "/a/../b"],
    ["encoded dot segment", "/a/%2e%2e/b"],
    ["absolute URL", "https://evil.example/"],
    ["scheme-less host", "evil.example"],
    ["javascript", "javascript:alert(1)"],
    ["data", "data:text/html,x"],
    ["empty", ""],
    ["quote", '/"onmouseover=x'],
    ["angle brackets", "/<script>"],
    ["too long", `/${"a".repeat(5000)}`],
  ])("refuses %s", (_name, path) => {
    expect(safeLocalPath(path)).toBeNull();
  });

  test.each([[null], [undefined], [5], [{}], [["/x"]]])("refuses non-strings (%p)", (v) => {
    expect(safeLocalPath(v)).toBeNull();
  });

  test.each(LOCAL_PATH_ATTACKS)("refuses shared variant %j", (path) => {
    expect(safeLocalPath(path)).toBeNull();
  });

  test("property: whatever it keeps stays on this origin, as written", () => {
    const piece = fc.constantFrom("/", "//", "\\", ".", "..", "%2e", "%2f", "%5c", "a", "evil.example", "@", ":", "?", "#", "\t", "\n", " ", "é", "http:", "javascript:");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (parts) => {
        const value = parts.join("");
        const kept = safeLocalPath(value);
        if (kept === null) return true;
        const resolved = new URL(kept, "https://idp.example.com/login");
        return resolved.origin === "https://idp.example.com" && !resolved.pathname.startsWith("//") && resolved.pathname + resolved.search + resolved.hash === kept;
      }),
      { numRuns: 5000, seed: 20261206 },
    );
  });
});
