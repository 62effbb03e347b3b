/** A person's own choice of language: stored on their account (users.locale, as Pocket ID stores it). */
import type { Database } from "../db/database.ts";
import { setUserLocale } from "../db/user-profile.ts";
import { AppError } from "../errors.ts";
import { matchLocale, type Locale } from "../i18n/locales.ts";
import { msg } from "../i18n/message.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";

/** The supported locale `input` names exactly, or a validation error. */
export function parseLanguageChoice(input: unknown): Locale {
  const locale = typeof input === "string" ? matchLocale(input) : null;
  if (!locale || locale.toLowerCase() !== String(input).trim().toLowerCase()) {
    throw AppError.validation(msg("validation.summary"), { locale: msg("common.errorLocale") });
  }
  return locale;
}

export function setOwnLanguage(deps: { db: Database; clock: Clock }, userId: string, locale: Locale): void {
  setUserLocale(deps.db, userId, locale, nowSeconds(deps.clock));
}
