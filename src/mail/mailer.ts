/**
 * Sending mail: the Mailer interface and its nodemailer (SMTP) implementation.
 * - TLS modes: "none" (plain, no STARTTLS even if offered), "starttls" (required upgrade), "tls"
 *   (implicit TLS, usually port 465). skipCertVerify accepts self-signed certificates.
 * - Timeouts are bounded so a slow server ties up a background send, never a request for long.
 * - describeSmtpError turns nodemailer's errors into a sentence an admin can act on.
 */
// nodemailer loads on the first send (about 20 MB of resident memory): many installations never send mail.
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

/** One plain sentence: what went wrong, with the server's own words when it gave any. */
export function describeSmtpError(error: unknown, settings: Pick<SmtpSettings, "host" | "port">): string {
  const e = (error instanceof Error ? error : new Error(String(error))) as SmtpError;
  const where = `${settings.host}:${settings.port}`;
  const said = e.response?.trim();
  const msg = e.message ?? "";
  if (e.code === "EAUTH") return said ? `The server refused the login: ${said}` : `The server refused the login: ${msg}`;
  if (/certificate|self[- ]signed|unable to verify|CERT_/i.test(msg) || /CERT/.test(e.code ?? ""))
    return `The server's TLS certificate was not accepted (${msg}). Install a trusted certificate, or turn on "Skip certificate verification".`;
  if (/ECONNREFUSED/.test(msg) || (e as { errno?: string }).errno === "ECONNREFUSED") return `Could not connect to ${where}: the connection was refused. Check the host and port.`;
  if (e.code === "EDNS" || /ENOTFOUND|EAI_AGAIN/.test(msg)) return `The host name ${settings.host} could not be found.`;
  if (e.code === "ETIMEDOUT" || /timeout|timed out/i.test(msg)) return `The SMTP server at ${where} did not answer in time.`;
  if (/wrong version number|ssl3_get_record|packet length too long/i.test(msg))
    return `The TLS handshake with ${where} failed (${msg}). Check the TLS mode: port 465 usually needs "TLS", port 587 "STARTTLS".`;
  if (e.code === "ETLS" || /STARTTLS/i.test(msg)) return `The server at ${where} could not start TLS: ${said ?? msg}`;
  if (e.code === "EENVELOPE") return `The server refused the sender or recipient: ${said ?? msg}`;
  if (e.code === "EMESSAGE" || e.code === "EPROTOCOL") return `The server refused the message: ${said ?? msg}`;
  if (said) return `The server answered with an error: ${said}`;
  return `Sending failed: ${msg || "unknown error"}`;
}
