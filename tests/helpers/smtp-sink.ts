/**
 * A real SMTP server on loopback for tests (npm smtp-server): collects messages, can require AUTH,
 * answer errors, hold its answer to a message until the test releases it (`hold()`: a slow server), and
 * speak STARTTLS or implicit TLS with a self-signed certificate made by the openssl CLI
 * (selfSignedCertificate() returns null when openssl is missing: skip those tests).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";

export interface SinkMessage {
  from: string;
  to: string[];
  subject: string;
  headers: Record<string, string>;
  text: string;
  html: string;
  raw: string;
}

export interface SmtpSinkOptions {
  auth?: { user: string; pass: string };
  tls?: "none" | "starttls" | "tls";
  cert?: { key: string; cert: string };
}

export interface SmtpSink {
  port: number;
  messages: SinkMessage[];
  /** Every AUTH attempt (user names), to check that a login was tried. */
  logins: string[];
  /** Answer DATA with this error (e.g. 550) until cleared with null. */
  failWith(error: { code: number; message: string } | null): void;
  /** Wait this long before accepting each message. */
  /** Holds the answer to every message from now on (the message is not collected yet); the returned function releases them. */
  hold(): () => void;
  /** Resolves once `n` messages are being held (their senders are mid-send). */
  waitForHeld(n: number, timeoutMs?: number): Promise<void>;
  waitForMessages(n: number, timeoutMs?: number): Promise<SinkMessage[]>;
  close(): Promise<void>;
}

export function selfSignedCertificate(): { key: string; cert: string } | null {
  const dir = mkdtempSync(path.join(tmpdir(), "latchkey-cert-"));
  try {
    const r = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdout: "ignore", stderr: "ignore" });
    if (r.exitCode !== 0) return null;
    return { key: readFileSync(path.join(dir, "key.pem"), "utf8"), cert: readFileSync(path.join(dir, "cert.pem"), "utf8") };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  /** Waiters for a number of messages: each is called after every arrival (waitForMessages). */
  const arrivals = new Set<() => void>();
  const logins: string[] = [];
  let failure: { code: number; message: string } | null = null;
  /** While held, finished messages wait here for release. */
  let held: (() => void)[] | null = null;
  const tls = opts.tls ?? "none";
  const disabled: string[] = [];
  if (tls !== "starttls") disabled.push("STARTTLS");
  if (!opts.auth) disabled.push("AUTH");
  const server = new SMTPServer({
    secure: tls === "tls",
    ...(opts.cert ? { key: opts.cert.key, cert: opts.cert.cert } : {}),
    disabledCommands: disabled,
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      logins.push(auth.username ?? "");
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return cb(null, { user: auth.username });
      const err = Object.assign(new Error("Authentication failed"), { responseCode: 535 });
      cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const finish = () => {
          if (failure) return cb(Object.assign(new Error(failure.message), { responseCode: failure.code }));
          const raw = Buffer.concat(chunks).toString("utf8");
          messages.push({ ...parseMessage(raw), from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address) });
          cb();
          for (const arrived of [...arrivals]) arrived();
        };
        if (held) {
          held.push(finish);
          for (const arrived of [...arrivals]) arrived();
        } else finish();
      });
    },
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    logins,
    failWith: (e) => {
      failure = e;
    },
    hold: () => {
      const waiting: (() => void)[] = [];
      held = waiting;
      return () => {
        if (held === waiting) held = null;
        for (const finish of waiting.splice(0)) finish();
      };
    },
    waitForHeld(n, timeoutMs = 5000) {
      const heldCount = () => held?.length ?? 0;
      if (heldCount() >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter = () => {
          if (heldCount() < n) return;
          clearTimeout(deadline);
          arrivals.delete(waiter);
          resolve();
        };
        const deadline = setTimeout(() => {
          arrivals.delete(waiter);
          reject(new Error(`expected ${n} held messages, got ${heldCount()}`));
        }, timeoutMs);
        arrivals.add(waiter);
      });
    },
    waitForMessages(n, timeoutMs = 5000) {
      if (messages.length >= n) return Promise.resolve(messages);
      return new Promise<SinkMessage[]>((resolve, reject) => {
        const waiter = () => {
          if (messages.length < n) return;
          clearTimeout(deadline);
          arrivals.delete(waiter);
          resolve(messages);
        };
        const deadline = setTimeout(() => {
          arrivals.delete(waiter);
          reject(new Error(`expected ${n} messages, got ${messages.length}`));
        }, timeoutMs);
        arrivals.add(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  // RFC 5322 unfolding: a line break followed by whitespace is removed (the whitespace stays).
  for (const line of block.replace(/\r?\n(?=[ \t])/g, "").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

function decodeWords(v: string): string {
  // RFC 2047: whitespace between two encoded words is not part of the text.
  return v.replace(/(\?=)\s+(?==\?)/g, "$1").replace(/=\?([^?]+)\?([QBqb])\?([^?]*)\?=/g, (_m, _cs, enc: string, data: string) =>
    enc.toUpperCase() === "B" ? Buffer.from(data, "base64").toString("utf8") : decodeQuotedPrintable(data.replace(/_/g, " ")),
  );
}

function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const src = s.replace(/=\r?\n/g, "");
  for (let i = 0; i < src.length; i++) {
    if (src[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(src.slice(i + 1, i + 3))) {
      bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(src[i]!, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const enc = (headers["content-transfer-encoding"] ?? "").toLowerCase();
  if (enc === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (enc === "quoted-printable") return decodeQuotedPrintable(body);
  return body;
}

function splitHead(raw: string): [string, string] {
  const m = /\r?\n\r?\n/.exec(raw);
  return m ? [raw.slice(0, m.index), raw.slice(m.index + m[0].length)] : [raw, ""];
}

/** Enough MIME for nodemailer's output: multipart/alternative (or nested in mixed) with text and html parts. */
function parseMessage(raw: string): Omit<SinkMessage, "from" | "to"> {
  const [head, body] = splitHead(raw);
  const headers = parseHeaders(head);
  const out = { subject: decodeWords(headers.subject ?? ""), headers, text: "", html: "", raw };
  const walk = (h: Record<string, string>, b: string) => {
    const type = (h["content-type"] ?? "text/plain").toLowerCase();
    const boundary = /boundary="?([^";]+)"?/i.exec(h["content-type"] ?? "")?.[1];
    if (type.startsWith("multipart/") && boundary) {
      for (const part of b.split(`--${boundary}`).slice(1)) {
        if (part.startsWith("--")) break;
        const [ph, pb] = splitHead(part.replace(/^\r?\n/, ""));
        walk(parseHeaders(ph), pb.replace(/\r?\n$/, ""));
      }
    } else if (type.startsWith("text/html")) out.html = decodeBody(h, b);
    else if (type.startsWith("text/plain")) out.text = decodeBody(h, b);
  };
  walk(headers, body);
  return out;
}
