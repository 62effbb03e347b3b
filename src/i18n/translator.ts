/**
 * Putting messages into a language: ICU MessageFormat (plurals, selects, placeholders) through
 * FormatJS's intl-messageformat, and dates and numbers through Intl. One Translator per locale, built
 * once and cached; each message is parsed on first use.
 *
 * - `t(key, params)` is plain text: in a template, put it in an element with `safe` (or an attribute).
 * - `rich(key, tags)` is HTML for a sentence with markup inside ("Read <link>the guide</link>."):
 *   the message's own text and every value are escaped, and each tag's function wraps its escaped text.
 * - `text(message)` translates what the domain said (a Message, or a plain string left as it is).
 */
import { escapeHtml } from "@kitajs/html";
import { IntlMessageFormat, type PrimitiveType } from "intl-messageformat";
import { parse, TYPE, type MessageFormatElement } from "@formatjs/icu-messageformat-parser";
import { messagesOf, type MessageKey } from "./catalog.ts";
import { DEFAULT_LOCALE, PSEUDO_LOCALE, type DisplayLocale, type Locale } from "./locales.ts";
import { isMessage, type MessageParams, type Text } from "./message.ts";

export type RichParts = Record<string, PrimitiveType | ((text: string) => string)>;

export interface Translator {
  readonly locale: DisplayLocale;
  /** The BCP 47 tag for `<html lang>` and Intl. */
  readonly lang: string;
  t(key: MessageKey, params?: MessageParams): string;
  rich(key: MessageKey, parts: RichParts): string;
  text(text: Text): string;
  formatNumber(n: number): string;
  /** One way to show a moment: medium date and short time, in `timeZone`. */
  formatDateTime(epochSeconds: number, timeZone: string): string;
  /** The exact moment, for a tooltip: full date, time with seconds and the zone's name. */
  formatExact(epochSeconds: number, timeZone: string): string;
  /** "5 minutes ago", "in 3 days"; `numeric: auto` gives "yesterday" where the language has it. */
  formatRelative(epochSeconds: number, nowSeconds: number): string;
}

const CACHE = new Map<DisplayLocale, Translator>();

export function translatorFor(locale: DisplayLocale): Translator {
  let translator = CACHE.get(locale);
  if (!translator) {
    translator = createTranslator(locale);
    CACHE.set(locale, translator);
  }
  return translator;
}

/** English, for logs, the CLI and JSON answers to callers that asked for no language. */
export function englishText(text: Text): string {
  return translatorFor(DEFAULT_LOCALE).text(text);
}

function createTranslator(locale: DisplayLocale): Translator {
  const source: Locale = locale === PSEUDO_LOCALE ? DEFAULT_LOCALE : locale;
  const messages = messagesOf(source);
  const intlLocale = locale === PSEUDO_LOCALE ? "en" : locale;
  const plain = new Map<string, IntlMessageFormat>();
  const escaped = new Map<string, IntlMessageFormat>();

  function compile(cache: Map<string, IntlMessageFormat>, key: string, escapeLiterals: boolean): IntlMessageFormat {
    let format = cache.get(key);
    if (!format) {
      const message = messages.get(key) ?? messagesOf(DEFAULT_LOCALE).get(key);
      if (message === undefined) throw new Error(`i18n: no message "${key}"`);
      let ast = parse(message, { ignoreTag: !escapeLiterals });
      if (locale === PSEUDO_LOCALE) ast = mapLiterals(ast, pseudo);
      if (escapeLiterals) ast = mapLiterals(ast, escapeHtml);
      format = new IntlMessageFormat(ast, intlLocale);
      cache.set(key, format);
    }
    return format;
  }

  const numbers = new Intl.NumberFormat(intlLocale);
  const relative = new Intl.RelativeTimeFormat(intlLocale, { numeric: "auto" });
  const dateTimes = new Map<string, Intl.DateTimeFormat>();
  const dateTimeFormat = (timeZone: string, exact: boolean) => {
    const id = `${exact ? "x" : "m"}|${timeZone}`;
    let format = dateTimes.get(id);
    if (!format) {
      format = new Intl.DateTimeFormat(intlLocale, exact ? { dateStyle: "full", timeStyle: "long", timeZone } : { dateStyle: "medium", timeStyle: "short", timeZone });
      dateTimes.set(id, format);
    }
    return format;
  };

  const values = (params?: MessageParams): Record<string, string | number> | undefined => {
    if (!params) return undefined;
    const out: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(params)) out[name] = isMessage(value) ? t(value.key, value.params) : value;
    return out;
  };
  const t = (key: MessageKey, params?: MessageParams): string => String(compile(plain, key, false).format(values(params)));

  return {
    locale,
    lang: locale === PSEUDO_LOCALE ? "en" : locale,
    t,
    rich(key, parts) {
      const values: Record<string, PrimitiveType | ((chunks: string[]) => string)> = {};
      for (const [name, value] of Object.entries(parts)) {
        values[name] = typeof value === "function" ? (chunks: string[]) => value(chunks.join("")) : typeof value === "string" ? escapeHtml(value) : value;
      }
      const out = compile(escaped, key, true).format(values);
      return Array.isArray(out) ? out.join("") : String(out);
    },
    text(text) {
      return isMessage(text) ? t(text.key, text.params) : text;
    },
    formatNumber: (n) => numbers.format(n),
    formatDateTime: (s, timeZone) => dateTimeFormat(timeZone, false).format(new Date(s * 1000)),
    formatExact: (s, timeZone) => dateTimeFormat(timeZone, true).format(new Date(s * 1000)),
    formatRelative(then, now) {
      const diff = then - now;
      const abs = Math.abs(diff);
      if (abs < 45) return relative.format(0, "second");
      if (abs < 3600) return relative.format(Math.round(diff / 60), "minute");
      if (abs < 86400) return relative.format(Math.round(diff / 3600), "hour");
      if (abs < 86400 * 30) return relative.format(Math.round(diff / 86400), "day");
      if (abs < 86400 * 365) return relative.format(Math.round(diff / (86400 * 30)), "month");
      return relative.format(Math.round(diff / (86400 * 365)), "year");
    },
  };
}

function mapLiterals(ast: MessageFormatElement[], f: (text: string) => string): MessageFormatElement[] {
  return ast.map((el): MessageFormatElement => {
    switch (el.type) {
      case TYPE.literal:
        return { ...el, value: f(el.value) };
      case TYPE.plural:
      case TYPE.select:
        return { ...el, options: Object.fromEntries(Object.entries(el.options).map(([k, o]) => [k, { ...o, value: mapLiterals(o.value, f) }])) } as MessageFormatElement;
      case TYPE.tag:
        return { ...el, children: mapLiterals(el.children, f) };
      default:
        return el;
    }
  });
}

const PSEUDO_UPPER = "ÅƁÇĐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ";
const PSEUDO_LOWER = "åƀçđéƒĝĥîĵķĺɱñöþǫŕšţûṽŵẋýž";

/** Every ASCII letter swapped for an accented look-alike: readable, and never mistaken for English. */
export function pseudo(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (c >= 65 && c <= 90) out += PSEUDO_UPPER[c - 65];
    else if (c >= 97 && c <= 122) out += PSEUDO_LOWER[c - 97];
    else out += ch;
  }
  return out;
}
