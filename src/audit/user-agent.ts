/**
 * The one User-Agent parser: "Browser on OS" for the audit log's device column and the new-device email
 * (with versions: "Firefox 133 on Windows", as Pocket ID shows) and for session lists (without:
 * "Firefox on Windows"). Deliberately small: the common browsers and systems, then honest fallbacks.
 * Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", iOS browsers all say "Safari".
 * Display only: nothing decides anything on these names.
 */
import { msg, type Text } from "../i18n/message.ts";
import { englishText } from "../i18n/translator.ts";
import { ownValue } from "../lib/own.ts";

export interface UserAgentPart {
  name: string;
  version: string | null;
}

export interface ParsedUserAgent {
  /** The trimmed header; "" when absent. */
  raw: string;
  browser: UserAgentPart | null;
  os: UserAgentPart | null;
}

const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, "Edge"],
  [/\b(?:OPR|Opera)\/(\d+)/, "Opera"],
  [/\bSamsungBrowser\/(\d+)/, "Samsung Internet"],
  [/\bVivaldi\/(\d+)/, "Vivaldi"],
  [/\b(?:Firefox|FxiOS)\/(\d+)/, "Firefox"],
  [/\bCriOS\/(\d+)/, "Chrome"],
  [/\bHeadlessChrome\/(\d+)/, "Headless Chrome"],
  [/\bChromium\/(\d+)/, "Chromium"],
  [/\bChrome\/(\d+)/, "Chrome"],
  [/\bVersion\/(\d+(?:\.\d+)?).*\bSafari\//, "Safari"],
  [/^curl\/(\d+)/, "curl"],
  [/^Wget\/(\d+)/, "Wget"],
  [/^python-requests\/(\d+)/, "Python requests"],
  [/^Go-http-client\/(\d+)/, "Go HTTP client"],
  [/^Bun\/(\d+)/, "Bun"],
  [/^node(?:-fetch)?\b/, "Node.js"],
];

const WINDOWS_VERSIONS: Record<string, string> = { "6.3": "8.1", "6.2": "8", "6.1": "7" };

function browserOf(ua: string): UserAgentPart | null {
  for (const [re, name] of BROWSERS) {
    const m = re.exec(ua);
    if (m) return { name, version: m[1] ?? null };
  }
  return null;
}

function osOf(ua: string): UserAgentPart | null {
  let m: RegExpExecArray | null;
  const dotted = (major: string, minor: string | undefined) => (minor ? `${major}.${minor}` : major);
  if ((m = /\b(?:iPhone|iPod).*? OS (\d+)(?:_(\d+))?/.exec(ua))) return { name: "iOS", version: dotted(m[1]!, m[2]) };
  if ((m = /\biPad.*? OS (\d+)(?:_(\d+))?/.exec(ua))) return { name: "iPadOS", version: dotted(m[1]!, m[2]) };
  if ((m = /\bAndroid (\d+(?:\.\d+)?)/.exec(ua))) return { name: "Android", version: m[1]! };
  if (/\bAndroid\b/.test(ua)) return { name: "Android", version: null };
  if (/\bCrOS\b/.test(ua)) return { name: "ChromeOS", version: null };
  // Windows 10 and 11 both say NT 10.0: no version is better than a wrong one.
  if ((m = /\bWindows NT (\d+\.\d+)/.exec(ua))) return { name: "Windows", version: ownValue(WINDOWS_VERSIONS, m[1]) ?? null };
  if (/\bWindows\b/.test(ua)) return { name: "Windows", version: null };
  if (/\bMac OS X\b|\bMacintosh\b/.test(ua)) return { name: "macOS", version: null };
  if (/\bUbuntu\b/.test(ua)) return { name: "Ubuntu", version: null };
  if (/\bFedora\b/.test(ua)) return { name: "Fedora", version: null };
  if (/\bLinux\b|\bX11\b/.test(ua)) return { name: "Linux", version: null };
  return null;
}

export function parseUserAgent(userAgent: string | null | undefined): ParsedUserAgent {
  const raw = (userAgent ?? "").trim();
  return raw ? { raw, browser: browserOf(raw), os: osOf(raw) } : { raw, browser: null, os: null };
}

function label(ua: ParsedUserAgent, withVersions: boolean): Text {
  if (!ua.raw) return msg("audit.deviceUnknown");
  const part = (p: UserAgentPart) => (withVersions && p.version ? `${p.name} ${p.version}` : p.name);
  if (ua.browser && ua.os) return msg("audit.deviceOn", { browser: part(ua.browser), os: part(ua.os) });
  if (ua.browser) return part(ua.browser);
  if (ua.os) return msg("audit.deviceUnknownBrowserOn", { os: part(ua.os) });
  return ua.raw.length > 40 ? `${ua.raw.slice(0, 40)}…` : ua.raw;
}

/** With versions, for the audit log and emails: "Firefox 133 on Windows", "Safari 17.4 on iOS 17.4", "curl 8"; in a page, put it through ctx.text. */
export function deviceMessage(userAgent: string | null | undefined): Text {
  return label(parseUserAgent(userAgent), true);
}

/** Without versions, for session lists: "Firefox on Windows", "Safari on iOS"; in a page, put it through ctx.text. */
export function deviceLabelMessage(userAgent: string | null | undefined): Text {
  return label(parseUserAgent(userAgent), false);
}

/** deviceMessage in English (logs, CSV export, and callers not yet in the viewer's language). */
export function describeDevice(userAgent: string | null | undefined): string {
  return englishText(deviceMessage(userAgent));
}

/** deviceLabelMessage in English. */
export function deviceLabel(userAgent: string | null | undefined): string {
  return englishText(deviceLabelMessage(userAgent));
}
