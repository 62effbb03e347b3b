/** The name a new passkey is offered: provider and device, browser and device, or what little is known. */
import { expect, test } from "bun:test";
import { distinctName, passkeyNameParts, passkeyNameText, type NewPasskeyFacts } from "../../../src/webauthn/authenticator-names.ts";
import { englishText, translatorFor } from "../../../src/i18n/translator.ts";

const UA = {
  mac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
  iphone: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
  android: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  linux: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  windows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
  firefoxWindows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
};
const AAGUID = {
  icloud: "fbfc3007-154e-4ecc-8c0b-6e020557d7bd",
  google: "EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4",
  chromeMac: "adce0002-35bc-c60a-648b-0b25f1f05503",
  hello: "08987058-cadc-4b81-b6e1-30de50dcbe96",
  bitwarden: "d548826e-79b4-db40-a3d8-11116f7e8349",
  yubikey: "ee882879-721c-4913-9775-3dfcce97072a",
  zero: "00000000-0000-0000-0000-000000000000",
  unknown: "01020304-0506-0708-0102-030405060708",
};

test.each<[string, NewPasskeyFacts, string]>([
  ["iCloud Keychain made on a Mac", { aaguid: AAGUID.icloud, userAgent: UA.mac, attachment: "platform" }, "iCloud Keychain on Mac"],
  ["iCloud Keychain made on an iPhone", { aaguid: AAGUID.icloud, userAgent: UA.iphone, attachment: "platform" }, "iCloud Keychain on iPhone"],
  ["Google Password Manager on Android (AAGUID in capitals)", { aaguid: AAGUID.google, userAgent: UA.android, attachment: "platform" }, "Google Password Manager on Android"],
  ["a password manager extension on Windows", { aaguid: AAGUID.bitwarden, userAgent: UA.firefoxWindows, attachment: null }, "Bitwarden on Windows"],
  ["a provider that names its platform", { aaguid: AAGUID.chromeMac, userAgent: UA.mac, attachment: "platform" }, "Chrome on Mac"],
  ["Windows Hello on Windows", { aaguid: AAGUID.hello, userAgent: UA.windows, attachment: "platform" }, "Windows Hello"],
  ["a security key plugged into a Linux PC", { aaguid: AAGUID.yubikey, userAgent: UA.linux, attachment: "cross-platform" }, "YubiKey 5 Series"],
  ["a phone's iCloud Keychain used from Windows (hybrid)", { aaguid: AAGUID.icloud, userAgent: UA.windows, attachment: "cross-platform" }, "iCloud Keychain"],
  ["an unknown provider on this device", { aaguid: AAGUID.unknown, userAgent: UA.linux, attachment: "platform" }, "Chrome on Linux"],
  ["no AAGUID on Edge", { aaguid: AAGUID.zero, userAgent: UA.windows, attachment: "platform" }, "Edge on Windows"],
  ["an unknown authenticator elsewhere", { aaguid: AAGUID.zero, userAgent: UA.linux, attachment: "cross-platform" }, "Security key"],
  ["nothing known", { aaguid: null, userAgent: "", attachment: null }, "Passkey"],
  ["a provider and no User-Agent", { aaguid: AAGUID.bitwarden, userAgent: null, attachment: "platform" }, "Bitwarden"],
])("%s → %s", (_label, facts, expected) => {
  expect(englishText(passkeyNameText(passkeyNameParts(facts)))).toBe(expected);
});

test("a suggestion is made distinct from the person's other passkeys, within the length limit", () => {
  expect(distinctName("Chrome on Linux", ["YubiKey"], 50)).toBe("Chrome on Linux");
  expect(distinctName("Chrome on Linux", ["chrome on linux"], 50)).toBe("Chrome on Linux (2)");
  expect(distinctName("Chrome on Linux", ["Chrome on Linux", "Chrome on Linux (2)"], 50)).toBe("Chrome on Linux (3)");
  const long = "x".repeat(50);
  expect(distinctName(long, [long], 50)).toBe(`${"x".repeat(46)} (2)`);
});
