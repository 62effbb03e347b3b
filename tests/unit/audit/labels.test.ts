/** Devices from user agents, events in plain words, CSV cells. */
import { describe, expect, test } from "bun:test";
import { csvCell } from "../../../src/audit/audit-queries.ts";
import { describeEvent } from "../../../src/audit/event-labels.ts";
import { translatorFor } from "../../../src/i18n/translator.ts";
import { describeDevice, deviceLabel } from "../../../src/audit/user-agent.ts";

describe("describeDevice: Browser on OS", () => {
  test.each([
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Windows"],
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on macOS"],
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70", "Edge 131 on Windows"],
    ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "Safari 17.4 on iOS 17.4"],
    ["Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", "Chrome 131 on iOS 18.1"],
    ["Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1", "Safari 16.6 on iPadOS 16.6"],
    ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36", "Chrome 131 on Android 14"],
    ["Mozilla/5.0 (Linux; Android 13; SM-S901B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet 23 on Android 13"],
    ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0", "Opera 115 on Linux"],
    ["Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0", "Firefox 132 on Ubuntu"],
    ["Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on ChromeOS"],
    ["curl/8.5.0", "curl 8"],
    ["Mozilla/5.0 (Windows NT 6.1; Win64; x64)", "Unknown browser on Windows 7"],
    ["SomeBot", "SomeBot"],
    ["", "Unknown device"],
  ])("%s", (ua, expected) => {
    expect(describeDevice(ua)).toBe(expected);
  });
  test("null and very long unknown agents", () => {
    expect(describeDevice(null)).toBe("Unknown device");
    expect(describeDevice("x".repeat(300))).toBe(`${"x".repeat(40)}…`);
  });
});

describe("deviceLabel: the same parse without versions, for session lists", () => {
  test.each([
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15", "Safari on macOS"],
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"],
    ["Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36", "Chrome on Windows"],
    ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "Safari on iOS"],
    ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36", "Chrome on Android"],
    ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "Headless Chrome on Linux"],
    ["curl/8.5.0", "curl"],
    ["", "Unknown device"],
  ])("%s", (ua, expected) => {
    expect(deviceLabel(ua)).toBe(expected);
  });
  test("null is an unknown device", () => {
    expect(deviceLabel(null)).toBe("Unknown device");
  });
});

describe("describeEvent", () => {
  test("plain words with the facts that matter", () => {
    expect(describeEvent("SIGN_IN", { passkeyName: "YubiKey" })).toEqual({ title: "Signed in with a passkey", detail: "YubiKey", tone: "success" });
    expect(describeEvent("SIGN_IN_FAILED", { passkeyName: "YubiKey", reason: "Wrong site." })).toEqual({ title: "Sign-in failed", detail: "YubiKey · Wrong site.", tone: "warning" });
    expect(describeEvent("ACCOUNT_CREATED", { method: "initial setup" }).detail).toBe("initial setup");
    expect(describeEvent("ACCOUNT_CREATED", { via: "signup_token" }).detail).toBe("sign-up link");
    expect(describeEvent("PASSKEY_RENAMED", { oldName: "A", passkeyName: "B" }).detail).toBe("A → B");
    expect(describeEvent("NEW_CLIENT_AUTHORIZATION", { clientName: "Grafana" })).toEqual({ title: "Allowed a new app", detail: "Grafana", tone: "neutral" });
    expect(describeEvent("REFRESH_TOKEN_REUSE", { clientName: "Grafana" }).tone).toBe("danger");
    expect(describeEvent("SIGN_OUT", { everywhere: true, sessions: 3 }).detail).toBe("everywhere");
    expect(describeEvent("SOMETHING_NEW", {})).toEqual({ title: "Something new", detail: null, tone: "neutral" });
  });
  test("administrator changes say what changed", () => {
    expect(describeEvent("ADMIN_CHANGE", { entity: "user", action: "update", id: "u1", changes: { fields: ["email"] }, via: "session" })).toEqual({
      title: "Updated user",
      detail: 'fields: ["email"]',
      tone: "neutral",
    });
    expect(describeEvent("ADMIN_CHANGE", { entity: "oidc_client", action: "create_secret", id: "c", changes: { secretId: "s1" }, via: "api_key" }).title).toBe("Created a secret for OIDC client");
    expect(describeEvent("ADMIN_CHANGE", { entity: "session", action: "revoke_all", id: "u" }).title).toBe("Revoked all sessions");
    expect(describeEvent("ADMIN_CHANGE", { entity: "application_configuration", action: "update", changes: { keys: ["appName"] }, via: "api_key" }).detail).toBe('keys: ["appName"] · via API key');
    expect(describeEvent("ADMIN_CHANGE", { entity: "user", action: "update", changes: { name: { from: "a", to: "b" } } }).detail).toBe('name: "a" → "b"');
  });
  test("changes made from the command line say so", () => {
    expect(describeEvent("ADMIN_CHANGE", { entity: "signing_key", action: "rotate", id: "k2", changes: { alg: "ES256", retiredKid: "k1" }, via: "cli" })).toEqual({
      title: "Rotated signing key",
      detail: 'alg: "ES256"; retiredKid: "k1" · via the command line',
      tone: "neutral",
    });
    expect(describeEvent("ADMIN_CHANGE", { entity: "encryption_key", action: "rotate", id: "encryption-key", via: "cli" }).title).toBe("Rotated encryption key");
    expect(describeEvent("ADMIN_CHANGE", { entity: "backup", action: "restore", id: "b.db", via: "cli" }).title).toBe("Restored backup");
    expect(describeEvent("ADMIN_CHANGE", { entity: "export_archive", action: "import", id: "x.tar.gz", via: "cli" }).title).toBe("Imported export");
  });
});

describe("csvCell (OWASP CSV injection)", () => {
  test.each([
    ["=1+1", `"'=1+1"`],
    ["+SUM(A1)", `"'+SUM(A1)"`],
    ["-2", `"'-2"`],
    ["@cmd", `"'@cmd"`],
    ["\tx", `"'\tx"`],
    ["\rx", `"'\rx"`],
    ['say "hi"', `"say ""hi"""`],
    ["a,b\nc", `"a,b\nc"`],
    ["plain", `"plain"`],
  ])("%p", (input, out) => expect(csvCell(input)).toBe(out));
  test("null and numbers", () => {
    expect(csvCell(null)).toBe('""');
    expect(csvCell(undefined)).toBe('""');
    expect(csvCell(42)).toBe('"42"');
    expect(csvCell(-3)).toBe(`"'-3"`);
  });
});

describe("every administrator's change the code records has words in the audit log", () => {
  // Every `entity: "…"` and `action: "…"` the domain writes into an ADMIN_CHANGE event, read from the source.
  const source = [...new Bun.Glob("src/**/*.ts").scanSync(".")].map((f) => require("node:fs").readFileSync(f, "utf8") as string).join("\n");
  const literals = (name: string) => [...new Set([...source.matchAll(new RegExp(`\\b${name}: "([a-z_]+)"`, "g"))].map((m) => m[1]!))];
  const actions = literals("action");
  const entities = literals("entity");

  test("the source was read", () => {
    expect(actions).toContain("set_allowed_protected_apps");
    expect(entities).toContain("user_group");
  });

  test.each(actions.map((a) => [a]))("action %s has its own message (not the generic fallback)", (action) => {
    const title = describeEvent("ADMIN_CHANGE", { entity: "user_group", action, id: "g1" }, translatorFor("de").text).title;
    expect(title.toLowerCase()).not.toMatch(new RegExp(`\\b${action.replaceAll("_", " ")}\\b`));
  });

  test.each(entities.map((e) => [e]))("entity %s has a name in German", (entity) => {
    const title = describeEvent("ADMIN_CHANGE", { entity, action: "update", id: "x1" }, translatorFor("de").text).title;
    expect(title).not.toContain(entity.replaceAll("_", " "));
    expect(title).not.toContain(entity);
  });
});
