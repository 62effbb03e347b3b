/**
 * The message catalogue: one JSON file per namespace per locale (src/i18n/locales/<locale>/<ns>.json),
 * flat `{ "key": "ICU message" }`, used as `t("<ns>.<key>")`. Imported statically so `bun build
 * --compile` carries every language inside the executable.
 *
 * Adding a namespace: create the ten files and add one block below. The type check then refuses a
 * locale that lacks any English key (tests/unit/i18n/catalog.test.ts also refuses extra keys and
 * placeholders that differ from English).
 */
import type { Locale } from "./locales.ts";

import commonEn from "./locales/en/common.json";
import commonDe from "./locales/de/common.json";
import commonFr from "./locales/fr/common.json";
import commonEs from "./locales/es/common.json";
import commonIt from "./locales/it/common.json";
import commonNl from "./locales/nl/common.json";
import commonPtBr from "./locales/pt-BR/common.json";
import commonPl from "./locales/pl/common.json";
import commonZhHans from "./locales/zh-Hans/common.json";
import commonJa from "./locales/ja/common.json";

import validationEn from "./locales/en/validation.json";
import validationDe from "./locales/de/validation.json";
import validationFr from "./locales/fr/validation.json";
import validationEs from "./locales/es/validation.json";
import validationIt from "./locales/it/validation.json";
import validationNl from "./locales/nl/validation.json";
import validationPtBr from "./locales/pt-BR/validation.json";
import validationPl from "./locales/pl/validation.json";
import validationZhHans from "./locales/zh-Hans/validation.json";
import validationJa from "./locales/ja/validation.json";

import oidcEn from "./locales/en/oidc.json";
import oidcDe from "./locales/de/oidc.json";
import oidcFr from "./locales/fr/oidc.json";
import oidcEs from "./locales/es/oidc.json";
import oidcIt from "./locales/it/oidc.json";
import oidcNl from "./locales/nl/oidc.json";
import oidcPtBr from "./locales/pt-BR/oidc.json";
import oidcPl from "./locales/pl/oidc.json";
import oidcZhHans from "./locales/zh-Hans/oidc.json";
import oidcJa from "./locales/ja/oidc.json";

import forwardAuthEn from "./locales/en/forwardAuth.json";
import forwardAuthDe from "./locales/de/forwardAuth.json";
import forwardAuthFr from "./locales/fr/forwardAuth.json";
import forwardAuthEs from "./locales/es/forwardAuth.json";
import forwardAuthIt from "./locales/it/forwardAuth.json";
import forwardAuthNl from "./locales/nl/forwardAuth.json";
import forwardAuthPtBr from "./locales/pt-BR/forwardAuth.json";
import forwardAuthPl from "./locales/pl/forwardAuth.json";
import forwardAuthZhHans from "./locales/zh-Hans/forwardAuth.json";
import forwardAuthJa from "./locales/ja/forwardAuth.json";

const NAMESPACES = {
  common: { en: commonEn, de: commonDe, fr: commonFr, es: commonEs, it: commonIt, nl: commonNl, "pt-BR": commonPtBr, pl: commonPl, "zh-Hans": commonZhHans, ja: commonJa },
  validation: { en: validationEn, de: validationDe, fr: validationFr, es: validationEs, it: validationIt, nl: validationNl, "pt-BR": validationPtBr, pl: validationPl, "zh-Hans": validationZhHans, ja: validationJa },
  oidc: { en: oidcEn, de: oidcDe, fr: oidcFr, es: oidcEs, it: oidcIt, nl: oidcNl, "pt-BR": oidcPtBr, pl: oidcPl, "zh-Hans": oidcZhHans, ja: oidcJa },
  forwardAuth: { en: forwardAuthEn, de: forwardAuthDe, fr: forwardAuthFr, es: forwardAuthEs, it: forwardAuthIt, nl: forwardAuthNl, "pt-BR": forwardAuthPtBr, pl: forwardAuthPl, "zh-Hans": forwardAuthZhHans, ja: forwardAuthJa },
};

type Namespaces = typeof NAMESPACES;
export type Namespace = keyof Namespaces;
type EnglishKeys<N extends Namespace> = keyof Namespaces[N]["en"] & string;

/** Every catalogue key, `"<namespace>.<key>"`: a typo or a key missing from English fails the type check. */
export type MessageKey = { [N in Namespace]: `${N}.${EnglishKeys<N>}` }[Namespace];

// Every locale carries every English key of every namespace (a missing translation fails `tsc`).
const complete: { [N in Namespace]: Record<Locale, Record<EnglishKeys<N>, string>> } = NAMESPACES;

/** The flat catalogue of one locale: "<ns>.<key>" → ICU message. */
export function messagesOf(locale: Locale): ReadonlyMap<string, string> {
  let flat = FLAT.get(locale);
  if (!flat) {
    flat = new Map();
    for (const [ns, byLocale] of Object.entries(complete) as [Namespace, Record<Locale, Record<string, string>>][]) {
      for (const [key, message] of Object.entries(byLocale[locale])) flat.set(`${ns}.${key}`, message);
    }
    FLAT.set(locale, flat);
  }
  return flat;
}
const FLAT = new Map<Locale, Map<string, string>>();

export function namespaces(): Namespace[] {
  return Object.keys(NAMESPACES) as Namespace[];
}
