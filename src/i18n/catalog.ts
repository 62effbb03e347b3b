/**
 * The message catalogue: one JSON file per namespace per locale (src/i18n/locales/<locale>/<ns>.json),
 * flat `{ "key": "ICU message" }`, used as `t("<ns>.<key>")`. Every file is imported, so `bun build
 * --compile` carries every language inside the executable.
 *
 * - English is imported here: it is the fallback for every message and the source of the key types.
 * - Every other language is one module (src/i18n/locales/<locale>.ts) that `messagesOf` requires on its
 *   first use. `bun build --splitting` makes each a chunk of its own that is read only when required, so a
 *   language nobody asks for costs no memory (bench/README.md, "Idle RSS").
 *
 * Adding a namespace: create the ten files and export each from its locale module. The type check then
 * refuses a locale that lacks any English key (each module must be a `Catalog` in LOAD below;
 * tests/unit/i18n/catalog.test.ts also refuses extra keys and placeholders that differ from English).
 */
import type { Locale } from "./locales.ts";
import * as CATALOG_EN from "./locales/en.ts";

type English = typeof CATALOG_EN;
export type Namespace = keyof English;
type EnglishKeys<N extends Namespace> = keyof English[N] & string;

/** Every catalogue key, `"<namespace>.<key>"`: a typo or a key missing from English fails the type check. */
export type MessageKey = { [N in Namespace]: `${N}.${EnglishKeys<N>}` }[Namespace];

/** One language's messages: every namespace with every English key. */
export type Catalog = { [N in Namespace]: Record<EnglishKeys<N>, string> };

// Static `require` paths, so the bundler embeds each module (and keeps it lazy). Each must be a Catalog:
// a key English has and a language lacks fails the type check here.
const LOAD: Record<Locale, () => Catalog> = {
  en: () => CATALOG_EN,
  de: () => require("./locales/de.ts") as typeof import("./locales/de.ts"),
  fr: () => require("./locales/fr.ts") as typeof import("./locales/fr.ts"),
  es: () => require("./locales/es.ts") as typeof import("./locales/es.ts"),
  it: () => require("./locales/it.ts") as typeof import("./locales/it.ts"),
  nl: () => require("./locales/nl.ts") as typeof import("./locales/nl.ts"),
  "pt-BR": () => require("./locales/pt-BR.ts") as typeof import("./locales/pt-BR.ts"),
  pl: () => require("./locales/pl.ts") as typeof import("./locales/pl.ts"),
  "zh-Hans": () => require("./locales/zh-Hans.ts") as typeof import("./locales/zh-Hans.ts"),
  ja: () => require("./locales/ja.ts") as typeof import("./locales/ja.ts"),
};

/** The flat catalogue of one locale: "<ns>.<key>" → ICU message. */
export function messagesOf(locale: Locale): ReadonlyMap<string, string> {
  let flat = FLAT.get(locale);
  if (!flat) {
    flat = new Map();
    for (const [ns, messages] of Object.entries(LOAD[locale]()) as [Namespace, Record<string, string>][]) {
      for (const [key, message] of Object.entries(messages)) flat.set(`${ns}.${key}`, message);
    }
    FLAT.set(locale, flat);
  }
  return flat;
}
const FLAT = new Map<Locale, Map<string, string>>();

export function namespaces(): Namespace[] {
  return Object.keys(CATALOG_EN) as Namespace[];
}
