/**
 * The only reader of the environment.
 *
 * - Pocket ID's variable names and defaults, so every guide written for Pocket ID works unchanged.
 * - Every secret also has a `<NAME>_FILE` variant; setting both is an error.
 * - A `.env` file in the working folder is read; real environment variables win over it.
 * - Every problem is collected and reported at once; nothing is written to disk here.
 */
import { readFileSync } from "node:fs";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import path from "node:path";
import { connectionStringProblems, isPostgresConnectionString } from "./db/postgres/connection-string.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** TRUST_PROXY: none; "true" = exactly one proxy hop in front (whatever its address); or a list of proxy IPs/CIDRs. */
export type TrustProxy = { kind: "none" } | { kind: "one-hop" } | { kind: "list"; entries: string[] };

export interface Config {
  appUrl: string;
  /**
   * INTERNAL_APP_URL (Pocket ID; default APP_URL): the origin discovery gives for the endpoints relying parties call
   * server to server (token, userinfo, introspection, revocation, JWKS, PAR). Those endpoints accept their URL under
   * either origin (client assertion `aud`, DPoP `htu`).
   */
  internalAppUrl: string;
  /** Host name of APP_URL: the WebAuthn relying-party id. */
  rpId: string;
  secureCookies: boolean;
  port: number;
  host: string;
  /** TLS_CERT[_FILE] + TLS_KEY[_FILE]: serve HTTPS directly with this PEM certificate chain and key; null = plain HTTP. */
  tls: { cert: string; key: string } | null;
  /** UNIX_SOCKET: serve on this unix socket (absolute path) instead of PORT/HOST; null = TCP. */
  unixSocket: string | null;
  /** UNIX_SOCKET_MODE: the socket file's permission bits (octal, e.g. 0660), or null to keep the umask's. */
  unixSocketMode: number | null;
  /** Raw bytes of ENCRYPTION_KEY, or null when it must be generated into the data folder. */
  encryptionKey: Uint8Array | null;
  /**
   * When ENCRYPTION_KEY_FILE holds raw bytes that are not UTF-8: those bytes read as text the way earlier
   * versions did (invalid bytes became U+FFFD), so a database first used that way still opens (runtime.ts).
   */
  encryptionKeyReadAsText: Uint8Array | null;
  /**
   * The ENCRYPTION_KEY bytes a Pocket ID installation ran with, to import its signing key and refresh tokens (issue
   * 18): POCKET_ID_ENCRYPTION_KEY[_FILE], else ENCRYPTION_KEY[_FILE]. A _FILE's content is taken as it is, trailing
   * newline included, as Pocket ID takes it. Null when none is set.
   */
  pocketIdEncryptionKey: Uint8Array | null;
  /** The SQLite database file (the default engine). Unused when `databaseUrl` is set. */
  dbPath: string;
  /**
   * DB_CONNECTION_STRING when it is a postgres:// or postgresql:// URL: PostgreSQL, shared by any number of
   * instances (src/db/postgres/). Secret: log it only through redactConnectionString.
   */
  databaseUrl: string | null;
  /** How long start-up keeps retrying an unreachable PostgreSQL before giving up (DB_STARTUP_TIMEOUT, seconds). */
  databaseStartupTimeoutSeconds: number;
  dataDir: string;
  trustProxy: TrustProxy;
  /**
   * PROXY_PROTOCOL (Pocket ID's): the peers whose connections start with a PROXY protocol v1/v2 header naming the
   * client ("one-hop" = every peer); "none" = off. Served by a TCP front (src/http/proxy-protocol.ts).
   */
  proxyProtocol: TrustProxy;
  /**
   * TRUSTED_PLATFORM (Pocket ID, Gin's trusted platform): a header naming the client address (CF-Connecting-IP,
   * Fly-Client-IP, X-Appengine-Remote-Addr), lower-cased; believed only from a TRUST_PROXY peer (src/http/client-ip.ts).
   */
  trustedPlatform: string | null;
  maxmindLicenseKey: string | null;
  geoliteDbPath: string | null;
  /** GEOLITE_DB_URL: where MAXMIND_LICENSE_KEY downloads from; `%s` stands for the key. */
  geoliteDbUrl: string;
  /** LOCAL_IPV6_RANGES: extra IPv6 CIDRs shown as "Internal network" in the audit log. */
  localIpv6Ranges: string[];
  /** AUDIT_LOG_RETENTION_DAYS: audit rows older than this are deleted daily. */
  auditLogRetentionDays: number;
  logLevel: LogLevel;
  logJson: boolean;
  uiConfigDisabled: boolean;
  staticApiKey: string | null;
  disableRateLimiting: boolean;
  /** Forward-auth: parent domain for the shared forward-auth cookie (opt-in), or null for host-only cookies via the handshake. */
  forwardAuthCookieDomain: string | null;
  /** Every APP_CONFIG-style variable (APP_NAME, SESSION_DURATION, SMTP_*, …), read when UI_CONFIG_DISABLED. */
  appConfigEnv: Record<string, string>;
  /** ALLOW_INSECURE_CALLBACK_URLS (default true, as Pocket ID v2): false refuses plain-http redirect_uri values except to localhost/loopback. */
  allowInsecureCallbackUrls: boolean;
  /** Pocket ID variables that are set but that Latchkey does not support (UNSUPPORTED_POCKET_ID_VARIABLES), in name order: serve warns once. */
  unsupportedVariables: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** MaxMind's download permalink (Pocket ID's default GEOLITE_DB_URL); `%s` is replaced by the license key. */
export const DEFAULT_GEOLITE_DB_URL = "https://download.maxmind.com/app/geoip_download?edition_id=GeoLite2-City&license_key=%s&suffix=tar.gz";

const SECRET_VARIABLES = ["ENCRYPTION_KEY", "DB_CONNECTION_STRING", "STATIC_API_KEY", "MAXMIND_LICENSE_KEY", "SMTP_PASSWORD", "LDAP_BIND_PASSWORD"];

/** Variables that configure the application settings when UI_CONFIG_DISABLED=true. */
const APP_CONFIG_PREFIXES = [
  "APP_NAME", "SESSION_DURATION", "HOME_PAGE_URL", "EMAILS_VERIFIED", "ACCENT_COLOR", "DISABLE_ANIMATIONS",
  "ALLOW_OWN_ACCOUNT_EDIT", "ALLOW_USER_SIGNUPS", "SIGNUP_DEFAULT_USER_GROUP_IDS", "SIGNUP_DEFAULT_CUSTOM_CLAIMS",
  "REQUIRE_USER_EMAIL", "SMTP_", "EMAIL_", "LDAP_", "WEBAUTHN_", "BACKUP_INTERVAL_HOURS", "BACKUP_KEEP", "API_KEY_MAX_LIFETIME_DAYS",
  "CIMD_URL_ALLOWLIST",
];

/**
 * Pocket ID variables (reference §5, current and legacy names) that Latchkey does not support. Setting one is not an
 * error (a Pocket ID compose file must start as it is), but it is named in one warning at start-up instead of being
 * silently ignored. A trailing `_` is a prefix. The one list: the README's compatibility notes follow it.
 */
export const UNSUPPORTED_POCKET_ID_VARIABLES = [
  "SYSTEMD_SOCKET", "ALLOW_DOWNGRADE", "FILE_BACKEND", "UPLOAD_PATH", "S3_",
  "ANALYTICS_DISABLED", "VERSION_CHECK_DISABLED", "LOG_QUERY_ARGS", "APP_ENV", "ACTORS_PORT", "ACTORS_HOST", "OTEL_",
  "PUID", "PGID",
  // legacy (v0.x, v1.x)
  "PUBLIC_APP_URL", "CADDY_DISABLED", "INTERNAL_BACKEND_URL", "DB_PROVIDER", "KEYS_PATH", "KEYS_STORAGE",
  "METRICS_ENABLED", "TRACING_ENABLED", "SQLITE_DB_PATH", "POSTGRES_CONNECTION_STRING",
];

/** Honoured by the container image only (src/cli/container-user.ts); elsewhere they are unsupported. */
const CONTAINER_VARIABLES = ["PUID", "PGID"];

/** The names in `env` (set, non-empty) that UNSUPPORTED_POCKET_ID_VARIABLES lists, `_FILE` variants included, sorted. */
function findUnsupportedVariables(env: Record<string, string | undefined>): string[] {
  const inImage = env.LATCHKEY_CONTAINER === "1";
  const listed = (name: string) =>
    !(inImage && CONTAINER_VARIABLES.includes(name)) &&
    UNSUPPORTED_POCKET_ID_VARIABLES.some((u) => (u.endsWith("_") ? name.startsWith(u) : name === u || name === `${u}_FILE`));
  return Object.keys(env).filter((k) => env[k] !== undefined && env[k] !== "" && listed(k)).sort();
}

/** Parses a dotenv file: KEY=VALUE lines, `export` prefix, single/double quotes, `#` comments. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    // A quoted value may be followed by a comment: KEY="a # b" # note
    const quoted = /^(["'])(.*)\1\s*(?:#.*)?$/.exec(value);
    if (quoted) {
      value = quoted[2]!;
      if (quoted[1] === '"') value = value.replace(/\\n/g, "\n").replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    out[m[1]!] = value;
  }
  return out;
}

/** Reads `.env` in `cwd` (if any) and overlays the real environment on it. */
export function readEnvironment(cwd: string, processEnv: Record<string, string | undefined>): Record<string, string> {
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parseDotEnv(readFileSync(path.join(cwd, ".env"), "utf8"));
  } catch {
    // no .env: fine
  }
  const merged: Record<string, string> = { ...fromFile };
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined) merged[k] = v;
  return merged;
}

/** TRUST_PROXY / PROXY_PROTOCOL: true (any peer), false, or a comma-separated list of IPs/CIDRs. */
function parseTrustList(name: string, raw: string | undefined, problems: string[]): TrustProxy {
  if (raw === undefined) return { kind: "none" };
  const v = raw.trim().toLowerCase();
  if (v === "true" || v === "1") return { kind: "one-hop" };
  if (v === "false" || v === "0") return { kind: "none" };
  const entries = raw.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = entries.filter((e) => !isValidCidrOrIp(e));
  if (entries.length > 0 && bad.length === 0) return { kind: "list", entries };
  problems.push(`${name} must be true, false or a comma-separated list of IPs/CIDRs; invalid: ${bad.join(", ") || raw}`);
  return { kind: "none" };
}

function parseBool(name: string, value: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (value === undefined || value === "") return fallback;
  const v = value.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(v)) return true;
  if (["false", "0", "no", "off"].includes(v)) return false;
  problems.push(`${name} must be true or false, got "${value}"`);
  return fallback;
}

export function isValidCidrOrIp(entry: string): boolean {
  const [addr, bits, extra] = entry.split("/");
  if (extra !== undefined || !addr) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  const n = Number(bits);
  return family === 4 ? n <= 32 : n <= 128;
}

/** A file's bytes, or null when unreadable (the problem is reported where the variable is resolved). */
function readFileSafe(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** `raw` as an http(s) origin (no path, query, fragment or credentials), or null with the problem recorded. */
function parseOrigin(name: string, raw: string, problems: string[]): URL | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name} must be an absolute http(s) URL, got "${raw}"`);
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") problems.push(`${name} must use http or https, got "${url.protocol}"`);
  else if (url.pathname !== "/" || url.search || url.hash) problems.push(`${name} must not have a path, query or fragment, got "${raw}"`);
  else if (url.username || url.password) problems.push(`${name} must not contain credentials`);
  else return url;
  return null;
}

/**
 * Builds the configuration from an environment record (already merged with `.env`).
 * `cwd` resolves relative paths. Throws ConfigError listing every problem.
 */
export function loadConfig(env: Record<string, string | undefined>, cwd = "."): Config {
  const problems: string[] = [];

  // Resolve `<NAME>_FILE` secrets first.
  const resolved: Record<string, string | undefined> = { ...env };
  /** ENCRYPTION_KEY_FILE's bytes when they are not UTF-8 text (a raw random key): used as they are. */
  let binaryKey: Uint8Array | null = null;
  for (const name of SECRET_VARIABLES) {
    const fileVar = `${name}_FILE`;
    const file = env[fileVar];
    if (file === undefined || file === "") continue;
    if (env[name] !== undefined && env[name] !== "") {
      problems.push(`${name} and ${fileVar} are both set; set only one`);
      continue;
    }
    try {
      const bytes = readFileSync(path.resolve(cwd, file));
      try {
        resolved[name] = new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/\r?\n$/, "");
      } catch {
        // Not text: decoding would turn every invalid byte into U+FFFD and throw away key material.
        if (name !== "ENCRYPTION_KEY") throw Object.assign(new Error("not UTF-8"), { code: "not UTF-8 text" });
        binaryKey = new Uint8Array(bytes);
        resolved[name] = "(binary)";
      }
    } catch (err) {
      problems.push(`${fileVar}: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  const get = (name: string): string | undefined => {
    const v = resolved[name];
    return v === undefined || v === "" ? undefined : v;
  };

  // APP_URL
  let appUrl = "http://localhost:1411";
  let rpId = "localhost";
  const rawAppUrl = get("APP_URL");
  if (rawAppUrl !== undefined) {
    const url = parseOrigin("APP_URL", rawAppUrl, problems);
    if (url) {
      // The router reads a request's path from the 12th character of its URL (Elysia), and every request
      // is routed on APP_URL's origin (src/http/plugins/request-pipeline.ts routedRequest): a shorter origin would misroute them all.
      // Only an http origin can be that short, and passkeys refuse plain http outside localhost anyway.
      if (url.origin.length < 11) problems.push(`APP_URL "${rawAppUrl}" is too short: give the full host name (https://sso.example.com), or http://localhost:<port>`);
      else {
        appUrl = url.origin.toLowerCase();
        rpId = url.hostname.replace(/^\[|\]$/g, "");
      }
    }
  }

  // INTERNAL_APP_URL: an http(s) origin like APP_URL; it only names where back-channel endpoints are reached.
  let internalAppUrl = appUrl;
  const rawInternal = get("INTERNAL_APP_URL");
  if (rawInternal !== undefined) {
    const url = parseOrigin("INTERNAL_APP_URL", rawInternal, problems);
    if (url) {
      internalAppUrl = url.origin.toLowerCase();
    }
  }

  // PORT / HOST
  let port = 1411;
  const rawPort = get("PORT");
  if (rawPort !== undefined) {
    if (!/^\d+$/.test(rawPort) || Number(rawPort) < 0 || Number(rawPort) > 65535) problems.push(`PORT must be a number from 0 to 65535, got "${rawPort}"`);
    else port = Number(rawPort);
  }
  const host = get("HOST") ?? "0.0.0.0";

  // UNIX_SOCKET / UNIX_SOCKET_MODE (Pocket ID): a socket file instead of PORT/HOST; the mode is octal (0660).
  const rawSocket = get("UNIX_SOCKET");
  const unixSocket = rawSocket === undefined ? null : path.resolve(cwd, rawSocket);
  // sun_path holds 108 bytes on Linux (104 on macOS) with the terminating NUL: a longer path cannot be bound.
  if (unixSocket !== null && Buffer.byteLength(unixSocket) > 103) problems.push(`UNIX_SOCKET must be a path of at most 103 bytes (a socket file's limit), got ${Buffer.byteLength(unixSocket)}: "${unixSocket}"`);
  let unixSocketMode: number | null = null;
  const rawMode = get("UNIX_SOCKET_MODE");
  if (rawMode !== undefined) {
    if (!/^0?[0-7]{3}$/.test(rawMode.trim())) problems.push(`UNIX_SOCKET_MODE must be an octal file mode such as 0660, got "${rawMode}"`);
    else if (unixSocket === null) problems.push("UNIX_SOCKET_MODE is set but UNIX_SOCKET is not");
    else unixSocketMode = parseInt(rawMode.trim(), 8);
  }

  // TLS_CERT / TLS_KEY (PEM) or TLS_CERT_FILE / TLS_KEY_FILE (paths): both or neither, and the key must be the certificate's.
  const pem = (name: string): string | null => {
    const inline = get(name);
    const file = get(`${name}_FILE`);
    if (inline !== undefined && file !== undefined) {
      problems.push(`${name} and ${name}_FILE are both set; set only one`);
      return null;
    }
    if (file === undefined) return inline ?? null;
    const bytes = readFileSafe(path.resolve(cwd, file));
    if (bytes === null) problems.push(`${name}_FILE: cannot read "${file}"`);
    return bytes === null ? null : bytes.toString("utf8");
  };
  const hasAny = (name: string) => get(name) !== undefined || get(`${name}_FILE`) !== undefined;
  let tls: { cert: string; key: string } | null = null;
  if (hasAny("TLS_CERT") !== hasAny("TLS_KEY")) {
    problems.push("TLS_CERT_FILE (or TLS_CERT) and TLS_KEY_FILE (or TLS_KEY) must be set together");
  } else if (hasAny("TLS_CERT")) {
    const cert = pem("TLS_CERT");
    const key = pem("TLS_KEY");
    if (cert !== null && key !== null) {
      let x509: X509Certificate | null = null;
      try {
        x509 = new X509Certificate(cert);
      } catch {
        problems.push("TLS_CERT_FILE (or TLS_CERT) does not hold a PEM certificate");
      }
      let privateKey = null;
      try {
        privateKey = createPrivateKey(key);
      } catch {
        problems.push("TLS_KEY_FILE (or TLS_KEY) does not hold an unencrypted PEM private key");
      }
      if (x509 && privateKey) {
        if (!x509.checkPrivateKey(privateKey)) problems.push("TLS_KEY_FILE (or TLS_KEY) is not the private key of the certificate in TLS_CERT_FILE (or TLS_CERT)");
        else tls = { cert, key };
      }
    }
  }

  // ENCRYPTION_KEY
  let encryptionKey: Uint8Array | null = null;
  const rawKey = get("ENCRYPTION_KEY");
  if (rawKey !== undefined) {
    const bytes = binaryKey ?? new TextEncoder().encode(rawKey);
    if (bytes.length < 16) problems.push(`ENCRYPTION_KEY must be at least 16 bytes long (got ${bytes.length}); generate one with: openssl rand -base64 32`);
    else encryptionKey = bytes;
  }

  // POCKET_ID_ENCRYPTION_KEY[_FILE] (issue 18), else Pocket ID's reading of ENCRYPTION_KEY[_FILE]: raw bytes.
  let pocketIdEncryptionKey: Uint8Array | null = null;
  const rawBytesOf = (fileVar: string): Uint8Array | null => {
    try {
      return new Uint8Array(readFileSync(path.resolve(cwd, env[fileVar]!)));
    } catch (err) {
      problems.push(`${fileVar}: cannot read "${env[fileVar]}" (${(err as NodeJS.ErrnoException).code ?? "error"})`);
      return null;
    }
  };
  const has = (name: string) => env[name] !== undefined && env[name] !== "";
  if (has("POCKET_ID_ENCRYPTION_KEY") && has("POCKET_ID_ENCRYPTION_KEY_FILE")) {
    problems.push("POCKET_ID_ENCRYPTION_KEY and POCKET_ID_ENCRYPTION_KEY_FILE are both set; set only one");
  } else {
    if (has("POCKET_ID_ENCRYPTION_KEY")) pocketIdEncryptionKey = new TextEncoder().encode(env.POCKET_ID_ENCRYPTION_KEY!);
    else if (has("POCKET_ID_ENCRYPTION_KEY_FILE")) pocketIdEncryptionKey = rawBytesOf("POCKET_ID_ENCRYPTION_KEY_FILE");
    else if (has("ENCRYPTION_KEY")) pocketIdEncryptionKey = new TextEncoder().encode(env.ENCRYPTION_KEY!);
    else if (has("ENCRYPTION_KEY_FILE")) pocketIdEncryptionKey = new Uint8Array(readFileSafe(path.resolve(cwd, env.ENCRYPTION_KEY_FILE!)) ?? []);
    if (pocketIdEncryptionKey && pocketIdEncryptionKey.length > 0 && pocketIdEncryptionKey.length < 16 && (has("POCKET_ID_ENCRYPTION_KEY") || has("POCKET_ID_ENCRYPTION_KEY_FILE"))) {
      problems.push(`POCKET_ID_ENCRYPTION_KEY must be at least 16 bytes long, as Pocket ID requires (got ${pocketIdEncryptionKey.length})`);
    }
    if (pocketIdEncryptionKey?.length === 0) pocketIdEncryptionKey = null;
  }

  // DB_CONNECTION_STRING: an SQLite file (the default, data/latchkey.db) or a postgres:// URL.
  let dbPath = path.resolve(cwd, "data/latchkey.db");
  let databaseUrl: string | null = null;
  const rawDb = get("DB_CONNECTION_STRING");
  if (rawDb !== undefined) {
    if (isPostgresConnectionString(rawDb)) {
      const found = connectionStringProblems(rawDb);
      problems.push(...found);
      if (found.length === 0) databaseUrl = rawDb.trim();
      if (rawKey === undefined) {
        problems.push(
          "ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE) must be set with PostgreSQL: every instance seals and opens the shared secrets with the same key, so none may generate its own",
        );
      }
    } else {
      // Accept plain paths and sqlite DSNs such as "file:data/x.db?_pragma=…".
      const stripped = rawDb.replace(/^(sqlite3?:\/\/|file:)/i, "").replace(/\?.*$/, "");
      if (!stripped || stripped === ":memory:") problems.push(`DB_CONNECTION_STRING must name a database file, got "${rawDb}"`);
      else dbPath = path.resolve(cwd, stripped);
    }
  }

  // TRUST_PROXY; PROXY_PROTOCOL (Pocket ID's: which peers send a PROXY protocol header) has the same syntax.
  const trustProxy = parseTrustList("TRUST_PROXY", get("TRUST_PROXY"), problems);
  const proxyProtocol = parseTrustList("PROXY_PROTOCOL", get("PROXY_PROTOCOL"), problems);
  if (proxyProtocol.kind !== "none" && unixSocket !== null) problems.push("PROXY_PROTOCOL and UNIX_SOCKET cannot be used together: the PROXY protocol header is read on the TCP listener (HOST:PORT)");

  // TRUSTED_PLATFORM: an HTTP header name (RFC 9110 token).
  let trustedPlatform: string | null = null;
  const rawPlatform = get("TRUSTED_PLATFORM")?.trim();
  if (rawPlatform) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(rawPlatform)) problems.push(`TRUSTED_PLATFORM must be an HTTP header name such as CF-Connecting-IP, got "${rawPlatform}"`);
    else if (rawPlatform.toLowerCase() === "x-forwarded-for") problems.push("TRUSTED_PLATFORM cannot be X-Forwarded-For: TRUST_PROXY governs that header");
    else trustedPlatform = rawPlatform.toLowerCase();
  }

  // LOG_LEVEL / LOG_JSON
  let logLevel: LogLevel = "info";
  const rawLevel = get("LOG_LEVEL");
  if (rawLevel !== undefined) {
    const v = rawLevel.toLowerCase();
    if (v === "debug" || v === "info" || v === "warn" || v === "error") logLevel = v;
    else problems.push(`LOG_LEVEL must be one of debug, info, warn, error; got "${rawLevel}"`);
  }
  const logJson = parseBool("LOG_JSON", get("LOG_JSON"), false, problems);
  const uiConfigDisabled = parseBool("UI_CONFIG_DISABLED", get("UI_CONFIG_DISABLED"), false, problems);
  const allowInsecureCallbackUrls = parseBool("ALLOW_INSECURE_CALLBACK_URLS", get("ALLOW_INSECURE_CALLBACK_URLS"), true, problems);
  const disableRateLimiting = parseBool("DISABLE_RATE_LIMITING", get("DISABLE_RATE_LIMITING"), false, problems);

  // FORWARD_AUTH_COOKIE_DOMAIN: the browser only accepts a Domain that APP_URL's host is inside of.
  let forwardAuthCookieDomain: string | null = null;
  const rawFaDomain = get("FORWARD_AUTH_COOKIE_DOMAIN")?.trim();
  if (rawFaDomain) {
    const d = rawFaDomain.toLowerCase().replace(/^\./, "");
    const appHost = rpId.toLowerCase();
    if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/.test(d)) {
      problems.push(`FORWARD_AUTH_COOKIE_DOMAIN must be a domain name with at least two labels such as example.com, got "${rawFaDomain}"`);
    } else if (appHost !== d && !appHost.endsWith(`.${d}`)) {
      problems.push(`FORWARD_AUTH_COOKIE_DOMAIN "${d}" must contain APP_URL's host "${appHost}" (browsers refuse other cookie domains)`);
    } else forwardAuthCookieDomain = d;
  }

  const staticApiKey = get("STATIC_API_KEY") ?? null;
  if (staticApiKey !== null && staticApiKey.length < 16) problems.push("STATIC_API_KEY must be at least 16 characters long");

  const maxmindLicenseKey = get("MAXMIND_LICENSE_KEY") ?? null;
  const rawGeo = get("GEOLITE_DB_PATH");
  const dataDir = path.dirname(dbPath);
  const geoliteDbPath = rawGeo ? path.resolve(cwd, rawGeo) : maxmindLicenseKey ? path.join(dataDir, "GeoLite2-City.mmdb") : null;
  const geoliteDbUrl = get("GEOLITE_DB_URL") ?? DEFAULT_GEOLITE_DB_URL;
  if (!/^https?:\/\//i.test(geoliteDbUrl)) problems.push(`GEOLITE_DB_URL must be an http(s) URL, got "${geoliteDbUrl}"`);

  // LOCAL_IPV6_RANGES: IPv6 CIDRs only (IPv4 private ranges are always internal).
  const localIpv6Ranges = (get("LOCAL_IPV6_RANGES") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const badRanges = localIpv6Ranges.filter((r) => !isValidCidrOrIp(r) || isIP(r.split("/")[0]!) !== 6);
  if (badRanges.length) problems.push(`LOCAL_IPV6_RANGES must be a comma-separated list of IPv6 CIDRs; invalid: ${badRanges.join(", ")}`);

  // AUDIT_LOG_RETENTION_DAYS
  let auditLogRetentionDays = 90;
  const rawRetention = get("AUDIT_LOG_RETENTION_DAYS");
  if (rawRetention !== undefined) {
    if (!/^\d+$/.test(rawRetention.trim()) || Number(rawRetention) < 1 || Number(rawRetention) > 36500) problems.push(`AUDIT_LOG_RETENTION_DAYS must be a whole number of days from 1 to 36500, got "${rawRetention}"`);
    else auditLogRetentionDays = Number(rawRetention);
  }

  let databaseStartupTimeoutSeconds = 60;
  const rawStartup = get("DB_STARTUP_TIMEOUT");
  if (rawStartup !== undefined) {
    if (!/^\d+$/.test(rawStartup.trim()) || Number(rawStartup) > 3600) problems.push(`DB_STARTUP_TIMEOUT must be a whole number of seconds from 0 to 3600, got "${rawStartup}"`);
    else databaseStartupTimeoutSeconds = Number(rawStartup);
  }

  const appConfigEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(resolved)) {
    if (v !== undefined && APP_CONFIG_PREFIXES.some((p) => (p.endsWith("_") ? k.startsWith(p) : k === p)) && !k.endsWith("_FILE")) appConfigEnv[k] = v;
  }

  if (problems.length) throw new ConfigError(problems);
  return {
    appUrl,
    internalAppUrl,
    rpId,
    secureCookies: appUrl.startsWith("https://"),
    port,
    host,
    tls,
    unixSocket,
    unixSocketMode,
    encryptionKey,
    encryptionKeyReadAsText: binaryKey && encryptionKey ? new TextEncoder().encode(new TextDecoder().decode(binaryKey as Uint8Array).replace(/\r?\n$/, "")) : null,
    pocketIdEncryptionKey,
    dbPath,
    databaseUrl,
    databaseStartupTimeoutSeconds,
    dataDir,
    trustProxy,
    proxyProtocol,
    trustedPlatform,
    maxmindLicenseKey,
    geoliteDbPath,
    geoliteDbUrl,
    localIpv6Ranges,
    auditLogRetentionDays,
    logLevel,
    logJson,
    uiConfigDisabled,
    staticApiKey,
    disableRateLimiting,
    forwardAuthCookieDomain,
    appConfigEnv,
    allowInsecureCallbackUrls,
    unsupportedVariables: findUnsupportedVariables(env),
  };
}
