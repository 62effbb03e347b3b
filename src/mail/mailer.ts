/**
 * Sending mail: the Mailer interface and its nodemailer (SMTP) implementation.
 * - TLS modes: "none" (plain, no STARTTLS even if offered), "starttls" (required upgrade), "tls"
 *   (implicit TLS, usually port 465). skipCertVerify accepts self-signed certificates.
 * - Timeouts are bounded so a slow server ties up a background send, never a request for long.
 * - describeSmtpError turns nodemailer's errors into a sentence an admin can act on.
 */
// nodemailer loads on the first send (about 20 MB of resident memory): many installations never send mail.
import { msg, type Message } from "../i18n/message.ts";
import type { Transporter } from "nodemailer";
import type { SmtpSettings } from "./settings.ts";

export interface OutgoingMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface Mailer {
  send(message: OutgoingMessage): Promise<void>;
  close(): void;
}

export interface MailerOptions {
  /** Connection, greeting and socket inactivity limit (default 15 s). */
  timeoutMs?: number;
}

export function createSmtpMailer(settings: SmtpSettings, opts: MailerOptions = {}): Mailer {
  const timeout = opts.timeoutMs ?? 15_000;
  let transport: Promise<Transporter> | null = null;
  const open = (): Promise<Transporter> =>
    (transport ??= import("nodemailer").then(({ default: nodemailer }) => nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.tls === "tls",
    requireTLS: settings.tls === "starttls",
    ignoreTLS: settings.tls === "none",
    auth: settings.user ? { user: settings.user, pass: settings.password } : undefined,
    tls: { rejectUnauthorized: !settings.skipCertVerify, servername: settings.host },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    disableFileAccess: true,
    disableUrlAccess: true,
  })));
  return {
    async send(m) {
      await (await open()).sendMail({ from: settings.from, to: m.to, subject: m.subject, html: m.html, text: m.text });
    },
    close: () => void transport?.then((t) => t.close(), () => {}),
  };
}

type SmtpError = Error & { code?: string; response?: string; responseCode?: number; command?: string };

/** One plain sentence (a catalogue message): what went wrong, with the server's own words when it gave any. */
export function describeSmtpError(error: unknown, settings: Pick<SmtpSettings, "host" | "port">): Message {
  const e = (error instanceof Error ? error : new Error(String(error))) as SmtpError;
  const where = `${settings.host}:${settings.port}`;
  const said = e.response?.trim();
  const text = e.message ?? "";
  if (e.code === "EAUTH") return msg("emailSettings.errAuth", { detail: said || text });
  if (/certificate|self[- ]signed|unable to verify|CERT_/i.test(text) || /CERT/.test(e.code ?? "")) return msg("emailSettings.errCertificate", { detail: text });
  if (/ECONNREFUSED/.test(text) || (e as { errno?: string }).errno === "ECONNREFUSED") return msg("emailSettings.errRefused", { where });
  if (e.code === "EDNS" || /ENOTFOUND|EAI_AGAIN/.test(text)) return msg("emailSettings.errHostUnknown", { host: settings.host });
  if (e.code === "ETIMEDOUT" || /timeout|timed out/i.test(text)) return msg("emailSettings.errTimeout", { where });
  if (/wrong version number|ssl3_get_record|packet length too long/i.test(text)) return msg("emailSettings.errTlsHandshake", { where, detail: text });
  if (e.code === "ETLS" || /STARTTLS/i.test(text)) return msg("emailSettings.errStartTls", { where, detail: said ?? text });
  if (e.code === "EENVELOPE") return msg("emailSettings.errEnvelope", { detail: said ?? text });
  if (e.code === "EMESSAGE" || e.code === "EPROTOCOL") return msg("emailSettings.errMessage", { detail: said ?? text });
  if (said) return msg("emailSettings.errServer", { detail: said });
  return msg("emailSettings.errOther", { detail: text || msg("emailSettings.errUnknown") });
}
