/**
 * The email flows (domain side; routes call these):
 * - sendTestEmail: synchronous, so the admin sees success or the server's error in plain words.
 * - everything else is queued (outbox.ts) and never delays or fails the request that caused it;
 *   with SMTP not configured it is skipped with a warning.
 * - login codes by email: 6 characters for ≤ 15 minutes, longer otherwise (one-time-access.ts);
 *   self-requested codes are bound to the asking browser's device token.
 * - verification links: 24 h, single use, stored hashed, for one address (a later change voids it).
 * - new-device notice: a passkey sign-in whose (IP, user agent) has no earlier sign-in.
 */
import type { Database } from "../db/database.ts";
import type { Deps } from "../deps.ts";
import { createOneTimeAccessToken } from "../account/one-time-access.ts";
import { describeDevice } from "../audit/user-agent.ts";
import type { AppConfig } from "../admin/app-config.ts";
import { hasAppImage } from "../admin/branding.ts";
import type { AuditOrigin } from "../audit/audit-log.ts";
import { recordAuditEvent } from "../audit/audit-log.ts";
import {
  consumeEmailVerificationToken,
  deleteEmailVerificationTokensOfUser,
  deleteExpiredEmailVerificationTokens,
  hasEarlierSignInFrom,
  insertEmailVerificationToken,
  listApiKeysNeedingExpiryNotice,
  markEmailVerified,
  recordApiKeyExpiryNotice,
} from "../db/email.ts";
import { findUserById, type User } from "../db/users.ts";
import { AppError } from "../errors.ts";
import { durationText } from "../admin/validation.ts";
import { msg, type Message } from "../i18n/message.ts";
import { DEFAULT_LOCALE, matchLocale } from "../i18n/locales.ts";
import { englishText, translatorFor, type Translator } from "../i18n/translator.ts";
import { nowSeconds } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { randomToken, randomUuid } from "../lib/random.ts";
import type { EmailBrand } from "../../templates/email/email-layout.tsx";
import { apiKeyExpiringEmail, loginCodeEmail, newDeviceEmail, testEmail, verificationEmail } from "../../templates/email/messages.tsx";
import { createSmtpMailer, describeSmtpError } from "./mailer.ts";
import { queueEmail } from "./outbox.ts";
import { appConfigFor, readSmtpSettings, SmtpSettingsError } from "./settings.ts";

export type MailDeps = Pick<Deps, "db" | "config" | "clock" | "random" | "box" | "log">;

export const VERIFICATION_TTL_SECONDS = 24 * 3600;
export const SELF_REQUESTED_CODE_TTL_SECONDS = 15 * 60;
export const ADMIN_EMAILED_CODE_TTL_SECONDS = 60 * 60;

export function emailBrand(deps: { db: Database; config: Deps["config"] }, app: AppConfig = appConfigFor(deps)): EmailBrand {
  const appUrl = deps.config.appUrl.replace(/\/+$/, "");
  return {
    appName: app.appName,
    appUrl,
    // The e-mail logo (Pocket ID's), else the logo; none uploaded: the app's name alone.
    logoUrl: hasAppImage(deps.db, "logo-email") ? `${appUrl}/api/application-images/email` : hasAppImage(deps.db, "logo-light") ? `${appUrl}/branding/logo` : null,
    accent: /^#[0-9a-fA-F]{6}$/.test(app.accentColor) ? app.accentColor : "#4f46e5",
  };
}

const nameOf = (u: Pick<User, "firstName" | "displayName" | "username">) => u.firstName || u.displayName || u.username;

/** The recipient's language: their own setting (users.locale, matched like a browser's), else English. */
export function recipientTranslator(locale: string | null | undefined): Translator {
  return translatorFor(matchLocale(locale) ?? DEFAULT_LOCALE);
}

/** Whether SMTP is set up well enough to queue mail (host and from address). */
export function isEmailConfigured(deps: MailDeps): boolean {
  try {
    return readSmtpSettings(deps) !== null;
  } catch {
    return true; // configured, but the password needs re-entering: delivery will log why
  }
}

function queueIfConfigured(deps: MailDeps, kind: string, to: string, render: () => ReturnType<typeof testEmail>): boolean {
  if (!isEmailConfigured(deps)) {
    deps.log.warn("email not sent: SMTP is not configured", { kind });
    return false;
  }
  queueEmail(deps, kind, to, render());
  return true;
}

/** Sends the test email now; the answer is what the admin reads. */
export async function sendTestEmail(deps: MailDeps, to: string, opts: { timeoutMs?: number; locale?: string | null } = {}): Promise<{ ok: true } | { ok: false; error: Message }> {
  let settings;
  try {
    settings = readSmtpSettings(deps);
  } catch (e) {
    if (e instanceof SmtpSettingsError) return { ok: false, error: e.problem };
    throw e;
  }
  if (!settings) return { ok: false, error: msg("emailSettings.errNotConfigured") };
  const mailer = createSmtpMailer(settings, { timeoutMs: opts.timeoutMs ?? 10_000 });
  try {
    await mailer.send({ to, ...testEmail(emailBrand(deps), recipientTranslator(opts.locale)) });
    deps.log.info("test email sent", { to });
    return { ok: true };
  } catch (e) {
    const error = describeSmtpError(e, settings);
    deps.log.warn("test email failed", { to, error: englishText(error) });
    return { ok: false, error };
  } finally {
    mailer.close();
  }
}


/**
 * Creates a login code for `user` and queues it by email. `deviceToken` binds it to one browser.
 * Returns false (and creates nothing) when the user has no address or SMTP is not configured.
 */
export function emailLoginCode(
  deps: MailDeps,
  user: User,
  opts: { ttlSeconds: number; deviceToken?: string | null; redirect?: string | null; origin?: AuditOrigin; requestedBy: "admin" | "user" },
): boolean {
  if (!user.email || user.disabled) return false;
  if (!isEmailConfigured(deps)) {
    deps.log.warn("email not sent: SMTP is not configured", { kind: "one-time-access" });
    return false;
  }
  const { token } = createOneTimeAccessToken(deps, user.id, opts.ttlSeconds, { deviceToken: opts.deviceToken ?? null });
  const base = emailBrand(deps).appUrl;
  const q = opts.redirect ? `?redirect=${encodeURIComponent(opts.redirect)}` : "";
  recordAuditEvent(deps, "ONE_TIME_ACCESS_TOKEN_CREATED", { userId: user.id, origin: opts.origin, data: { delivery: "email", requestedBy: opts.requestedBy, ttlSeconds: opts.ttlSeconds } });
  return queueIfConfigured(deps, "one-time-access", user.email, () =>
    loginCodeEmail(emailBrand(deps), recipientTranslator(user.locale), {
      name: nameOf(user),
      code: token,
      link: `${base}/lc/${token}${q}`,
      codePage: `${base}/lc${q}`,
      expiresIn: recipientTranslator(user.locale).text(durationText(opts.ttlSeconds)),
      boundToBrowser: Boolean(opts.deviceToken),
    }),
  );
}

/** Queues a verification link for the user's current address (earlier links stop working). */
export function startEmailVerification(deps: MailDeps, user: User): boolean {
  if (!user.email) return false;
  const now = nowSeconds(deps.clock);
  deleteExpiredEmailVerificationTokens(deps.db, now);
  deleteEmailVerificationTokensOfUser(deps.db, user.id);
  if (!isEmailConfigured(deps)) {
    deps.log.warn("email not sent: SMTP is not configured", { kind: "email-verification" });
    return false;
  }
  const token = randomToken(deps.random, 32);
  insertEmailVerificationToken(deps.db, { id: randomUuid(deps.random), tokenHash: hashToken(token), userId: user.id, email: user.email, createdAt: now, expiresAt: now + VERIFICATION_TTL_SECONDS });
  const b = emailBrand(deps);
  queueEmail(deps, "email-verification", user.email, verificationEmail(b, recipientTranslator(user.locale), { name: nameOf(user), email: user.email, link: `${b.appUrl}/verify-email?token=${encodeURIComponent(token)}` }));
  return true;
}

/**
 * After an address was set or changed: sends the verification link when the toggle is on and the
 * address is not already treated as verified.
 */
export function afterEmailAddressSet(deps: Omit<MailDeps, "box" | "log"> & Partial<Pick<MailDeps, "box" | "log">>, user: User | null): void {
  if (!user?.email || user.emailVerified || !deps.box || !deps.log) return;
  if (!appConfigFor(deps).emailVerificationEnabled) return;
  startEmailVerification(deps as MailDeps, user);
}

export const VERIFY_EMAIL_MESSAGES: Record<"invalid" | "changed", Message> = {
  invalid: msg("emails.verifyLinkInvalid"),
  changed: msg("emails.verifyLinkChanged"),
};

/**
 * Consumes a verification token (single use); returns the verified user. With `userId` (Pocket ID's
 * POST /api/users/me/verify-email) only that user's token counts.
 */
export function verifyEmailAddress(deps: MailDeps, token: string, userId?: string): User {
  if (!token || token.length > 128) throw AppError.badRequest(VERIFY_EMAIL_MESSAGES.invalid);
  const now = nowSeconds(deps.clock);
  const row = consumeEmailVerificationToken(deps.db, hashToken(token), now, userId);
  if (!row) throw AppError.badRequest(VERIFY_EMAIL_MESSAGES.invalid);
  if (!markEmailVerified(deps.db, row.userId, row.email, now)) throw AppError.badRequest(VERIFY_EMAIL_MESSAGES.changed);
  return findUserById(deps.db, row.userId)!;
}

/** Call BEFORE recording this sign-in: true when the user never signed in from this IP + browser. */
export function isNewSignInDevice(deps: MailDeps, userId: string, origin: AuditOrigin): boolean {
  return !hasEarlierSignInFrom(deps.db, userId, origin.ip ?? null, origin.userAgent?.slice(0, 512) ?? null, null);
}

/** The optional GeoLite lookup (deps.geo, src/audit/geolocation.ts), typed structurally. */
type GeoLookup = { locate(ip: string | null | undefined): { country: string | null; city: string | null } | null };

function approximateLocation(deps: MailDeps, ip: string | null | undefined): string | null {
  const geo = (deps as { geo?: GeoLookup }).geo;
  const where = geo?.locate(ip);
  if (!where) return null;
  return [where.city, where.country].filter(Boolean).join(", ") || null;
}

/** Queues the "new device" email when the toggle is on; the location comes from GeoIP when configured. */
export function notifyNewDeviceSignIn(deps: MailDeps, user: User, origin: AuditOrigin): boolean {
  if (!user.email || !appConfigFor(deps).emailLoginNotificationEnabled) return false;
  const location = approximateLocation(deps, origin.ip);
  const b = emailBrand(deps);
  return queueIfConfigured(deps, "login-with-new-device", user.email, () =>
    newDeviceEmail(b, recipientTranslator(user.locale), { name: nameOf(user), device: describeDevice(origin.userAgent), ip: origin.ip ?? null, location, at: nowSeconds(deps.clock), accountUrl: `${b.appUrl}/settings/account` }),
  );
}

/** Daily (serve.ts schedules it): warns owners of API keys expiring within 7 days, once per key. */
export function runApiKeyExpiryJob(deps: MailDeps): number {
  const app = appConfigFor(deps);
  if (!app.emailApiKeyExpirationEnabled || !isEmailConfigured(deps)) return 0;
  const now = nowSeconds(deps.clock);
  const b = emailBrand(deps, app);
  let sent = 0;
  for (const k of listApiKeysNeedingExpiryNotice(deps.db, now, 7 * 86400)) {
    if (!k.email || !recordApiKeyExpiryNotice(deps.db, k.id, now)) continue;
    queueEmail(deps, "api-key-expiring-soon", k.email, apiKeyExpiringEmail(b, recipientTranslator(k.locale), { name: k.firstName || k.displayName, keyName: k.name, expiresAt: k.expiresAt, manageUrl: `${b.appUrl}/settings/admin/api-keys` }));
    sent++;
  }
  return sent;
}
