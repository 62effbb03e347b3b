/**
 * "Browser on OS" from a User-Agent header, for the audit log's device column (Pocket ID shows the
 * same). Deliberately small: the common browsers and systems, then honest fallbacks. Order matters:
 * Edge and Opera also say "Chrome", Chrome also says "Safari", iOS browsers all say "Safari".
 */
import { ownValue } from "../lib/own.ts";
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

function osOf(ua: string): string | null {
  let m: RegExpExecArray | null;
  if ((m = /\b(?:iPhone|iPod).*? OS (\d+)(?:_(\d+))?/.exec(ua))) return `iOS ${m[1]}${m[2] ? `.${m[2]}` : ""}`;
  if ((m = /\biPad.*? OS (\d+)(?:_(\d+))?/.exec(ua))) return `iPadOS ${m[1]}${m[2] ? `.${m[2]}` : ""}`;
  if ((m = /\bAndroid (\d+(?:\.\d+)?)/.exec(ua))) return `Android ${m[1]}`;
  if (/\bAndroid\b/.test(ua)) return "Android";
  if (/\bCrOS\b/.test(ua)) return "ChromeOS";
  if ((m = /\bWindows NT (\d+\.\d+)/.exec(ua))) {
    const names: Record<string, string> = { "10.0": "Windows", "6.3": "Windows 8.1", "6.2": "Windows 8", "6.1": "Windows 7" };
    return ownValue(names, m[1]) ?? "Windows";
  }
  if (/\bWindows\b/.test(ua)) return "Windows";
  if (/\bMac OS X\b|\bMacintosh\b/.test(ua)) return "macOS";
  if (/\bUbuntu\b/.test(ua)) return "Ubuntu";
  if (/\bFedora\b/.test(ua)) return "Fedora";
  if (/\bLinux\b|\bX11\b/.test(ua)) return "Linux";
  return null;
}

/** E.g. "Firefox 133 on Windows", "Safari 17.4 on iOS 17.4", "curl 8"; "Unknown device" when empty. */
export function describeDevice(userAgent: string | null | undefined): string {
  const ua = (userAgent ?? "").trim();
  if (!ua) return "Unknown device";
  let browser: string | null = null;
  for (const [re, name] of BROWSERS) {
    const m = re.exec(ua);
    if (m) {
      browser = m[1] ? `${name} ${m[1]}` : name;
      break;
    }
  }
  const os = osOf(ua);
  if (browser && os) return `${browser} on ${os}`;
  if (browser) return browser;
  if (os) return `Unknown browser on ${os}`;
  return ua.length > 40 ? `${ua.slice(0, 40)}…` : ua;
}
