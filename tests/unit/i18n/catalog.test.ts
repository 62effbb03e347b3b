/**
 * The catalogue is complete and consistent: every locale has exactly English's keys, every message
 * parses as ICU MessageFormat, uses the same placeholders (names and kinds) as English, and gives
 * each plural the categories its language needs. (The type check already refuses a missing key;
 * this also refuses extra keys, broken syntax and a placeholder that a translation renamed or lost.)
 */
import { describe, expect, test } from "bun:test";
import { parse, TYPE, type MessageFormatElement } from "@formatjs/icu-messageformat-parser";
import { messagesOf } from "../../../src/i18n/catalog.ts";
import { LOCALES, type Locale } from "../../../src/i18n/locales.ts";

/**
 * The values a message uses (by name) and its markup tags. A count may be a plural in one language and a
 * plain number in another (Japanese has no plural forms), so kinds are not compared; select cases are.
 */
function signature(ast: MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const el of ast) {
    switch (el.type) {
      case TYPE.argument:
      case TYPE.number:
      case TYPE.date:
      case TYPE.time:
        into.add(el.value);
        break;
      case TYPE.select:
        into.add(`${el.value}:select:${Object.keys(el.options).sort().join(",")}`);
        for (const o of Object.values(el.options)) signature(o.value, into);
        break;
      case TYPE.plural:
        into.add(el.value);
        for (const o of Object.values(el.options)) signature(o.value, into);
        break;
      case TYPE.tag:
        into.add(`<${el.value}>`);
        signature(el.children, into);
        break;
    }
  }
  return into;
}

function plurals(ast: MessageFormatElement[], out: { name: string; categories: string[] }[] = []) {
  for (const el of ast) {
    if (el.type === TYPE.plural) {
      out.push({ name: el.value, categories: Object.keys(el.options).filter((k) => !k.startsWith("=")) });
      for (const o of Object.values(el.options)) plurals(o.value, out);
    } else if (el.type === TYPE.select) for (const o of Object.values(el.options)) plurals(o.value, out);
    else if (el.type === TYPE.tag) plurals(el.children, out);
  }
  return out;
}

const english = messagesOf("en");

test("English has messages", () => {
  expect(english.size).toBeGreaterThan(50);
});

describe.each(LOCALES.map((l) => [l]))("locale %s", (locale: Locale) => {
  const messages = messagesOf(locale);

  test("has exactly the English keys", () => {
    const missing = [...english.keys()].filter((k) => !messages.has(k));
    const extra = [...messages.keys()].filter((k) => !english.has(k));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  test("every message parses and keeps English's placeholders", () => {
    const problems: string[] = [];
    for (const [key, source] of english) {
      const text = messages.get(key);
      if (text === undefined) continue;
      let ast: MessageFormatElement[];
      try {
        ast = parse(text);
      } catch (e) {
        problems.push(`${key}: does not parse (${(e as Error).message})`);
        continue;
      }
      if (text.trim() === "") problems.push(`${key}: empty`);
      const want = [...signature(parse(source))].sort();
      const got = [...signature(ast)].sort();
      if (JSON.stringify(want) !== JSON.stringify(got)) problems.push(`${key}: placeholders ${JSON.stringify(got)} ≠ English ${JSON.stringify(want)}`);
    }
    expect(problems).toEqual([]);
  });

  test("every plural has the categories the language uses, and always 'other'", () => {
    // The categories a whole count from 0 to 1000 can fall in (French "many" is for millions: "other" serves it).
    const rules = new Intl.PluralRules(locale);
    const needed = [...new Set(Array.from({ length: 1001 }, (_, n) => rules.select(n)))];
    const problems: string[] = [];
    for (const [key, text] of messages) {
      for (const p of plurals(parse(text))) {
        if (!p.categories.includes("other")) problems.push(`${key}: ${p.name} has no "other"`);
        const lacking = needed.filter((c) => !p.categories.includes(c));
        if (lacking.length) problems.push(`${key}: ${p.name} lacks ${lacking.join(", ")}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
