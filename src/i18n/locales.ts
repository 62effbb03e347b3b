/**
 * The languages Latchkey speaks, and how a language tag from a person, a browser or a Pocket ID
 * database ("de-DE", "pt", "zh-CN", "en-US;q=0.8") maps to one of them.
 */
export const LOCALES = ["en", "de", "fr", "es", "it", "nl", "pt-BR", "pl", "zh-Hans", "ja"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/**
 * A pseudo-locale for tests: every catalogue message with its letters swapped for accented look-alikes,
 * so a rendered page shows at a glance (and a test proves) which text did not come from the catalogue.
 * Never negotiated from a browser; only a test app that asks for it can select it.
 */
export const PSEUDO_LOCALE = "en-XA";
export type DisplayLocale = Locale | typeof PSEUDO_LOCALE;

/** Each language named in itself, as a language picker shows it. */
export const LOCALE_NAMES: Record<Locale, string> = {
  en: "English",
  de: "Deutsch",
  fr: "Français",
  es: "Español",
  it: "Italiano",
  nl: "Nederlands",
  "pt-BR": "Português (Brasil)",
  pl: "Polski",
  "zh-Hans": "简体中文",
  ja: "日本語",
};

const BY_LOWER = new Map<string, Locale>(LOCALES.map((l) => [l.toLowerCase(), l]));
const TRADITIONAL_CHINESE = /^zh-(hant|tw|hk|mo)\b/;

/** The supported locale a language tag asks for, or null. Region and script variants fall back to the language. */
export function matchLocale(tag: string | null | undefined): Locale | null {
  if (!tag) return null;
  const lower = tag.trim().toLowerCase().replaceAll("_", "-");
  if (!/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/.test(lower)) return null;
  const exact = BY_LOWER.get(lower);
  if (exact) return exact;
  const language = lower.split("-")[0]!;
  if (language === "zh") return TRADITIONAL_CHINESE.test(lower) ? null : "zh-Hans";
  if (language === "pt") return "pt-BR";
  return BY_LOWER.get(language) ?? null;
}

/** The best supported locale for an Accept-Language header (RFC 9110 12.5.4 q-values), or null. */
export function negotiateLocale(acceptLanguage: string | null | undefined): Locale | null {
  if (!acceptLanguage) return null;
  const ranges = acceptLanguage
    .split(",")
    .slice(0, 32)
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { tag: tag.trim(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((r) => r.weight > 0 && r.tag !== "*")
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const r of ranges) {
    const locale = matchLocale(r.tag);
    if (locale) return locale;
  }
  return null;
}
