import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig, parseDotEnv, readEnvironment } from "../../src/config.ts";
import { makeTempDir } from "../helpers/test-deps.ts";

const KEY = "0123456789abcdef0123";

function problemsOf(env: Record<string, string>, cwd = "/srv/latchkey"): string[] {
  try {
    loadConfig(env, cwd);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});
function tempDir(): string {
  const { dir, cleanup } = makeTempDir("latchkey-config-");
  cleanups.push(cleanup);
  return dir;
}

describe("defaults (Pocket ID's)", () => {
  test("an empty environment is valid and zero-config", () => {
    const c = loadConfig({}, "/srv/latchkey");
    expect(c.appUrl).toBe("http://localhost:1411");
    expect(c.rpId).toBe("localhost");
    expect(c.secureCookies).toBe(false);
    expect(c.port).toBe(1411);
    expect(c.host).toBe("0.0.0.0");
    expect(c.encryptionKey).toBeNull();
    expect(c.dbPath).toBe("/srv/latchkey/data/latchkey.db");
    expect(c.dataDir).toBe("/srv/latchkey/data");
    expect(c.trustProxy).toEqual({ kind: "none" });
    expect(c.maxmindLicenseKey).toBeNull();
    expect(c.geoliteDbPath).toBeNull();
    expect(c.logLevel).toBe("info");
    expect(c.logJson).toBe(false);
    expect(c.uiConfigDisabled).toBe(false);
    expect(c.staticApiKey).toBeNull();
    expect(c.disableRateLimiting).toBe(false);
    expect(c.appConfigEnv).toEqual({});
  });

  test("empty strings count as unset", () => {
    const c = loadConfig({ APP_URL: "", PORT: "", ENCRYPTION_KEY: "", LOG_LEVEL: "", TRUST_PROXY: "" }, "/x");
    expect(c.appUrl).toBe("http://localhost:1411");
    expect(c.port).toBe(1411);
    expect(c.encryptionKey).toBeNull();
  });
});

describe("every variable", () => {
  test("APP_URL: https origin, trailing slash allowed, lower-cased; rpId is the host; HSTS-worthy", () => {
    const c = loadConfig({ APP_URL: "https://ID.Example.com/" }, "/x");
    expect(c.appUrl).toBe("https://id.example.com");
    expect(c.rpId).toBe("id.example.com");
    expect(c.secureCookies).toBe(true);
    expect(loadConfig({ APP_URL: "http://localhost:8080" }, "/x").appUrl).toBe("http://localhost:8080");
    expect(loadConfig({ APP_URL: "http://[::1]:8080" }, "/x").rpId).toBe("::1");
    // The shortest origin the router reads paths from correctly (11 characters).
    expect(loadConfig({ APP_URL: "https://a.b" }, "/x").appUrl).toBe("https://a.b");
  });

  test("PORT and HOST", () => {
    const c = loadConfig({ PORT: "8080", HOST: "127.0.0.1" }, "/x");
    expect(c.port).toBe(8080);
    expect(c.host).toBe("127.0.0.1");
    expect(loadConfig({ PORT: "0" }, "/x").port).toBe(0);
  });

  test("ENCRYPTION_KEY: raw bytes of the value", () => {
    const c = loadConfig({ ENCRYPTION_KEY: KEY }, "/x");
    expect(new TextDecoder().decode(c.encryptionKey!)).toBe(KEY);
    // 16 bytes is enough, counted in UTF-8 bytes, not characters
    expect(loadConfig({ ENCRYPTION_KEY: "é".repeat(8) }, "/x").encryptionKey!.length).toBe(16);
  });

  test("DB_CONNECTION_STRING: plain path, relative to the working folder, and sqlite DSNs", () => {
    expect(loadConfig({ DB_CONNECTION_STRING: "db/app.sqlite" }, "/srv").dbPath).toBe("/srv/db/app.sqlite");
    expect(loadConfig({ DB_CONNECTION_STRING: "db/app.sqlite" }, "/srv").dataDir).toBe("/srv/db");
    expect(loadConfig({ DB_CONNECTION_STRING: "/var/lib/latchkey/latchkey.db" }, "/srv").dbPath).toBe("/var/lib/latchkey/latchkey.db");
    expect(loadConfig({ DB_CONNECTION_STRING: "file:data/pocket-id.db?_pragma=journal_mode(WAL)" }, "/srv").dbPath).toBe("/srv/data/pocket-id.db");
    expect(loadConfig({ DB_CONNECTION_STRING: "sqlite:///var/x.db" }, "/srv").dbPath).toBe("/var/x.db");
  });

  test("TRUST_PROXY: false, true, and lists of IPs and CIDRs", () => {
    expect(loadConfig({ TRUST_PROXY: "false" }, "/x").trustProxy).toEqual({ kind: "none" });
    expect(loadConfig({ TRUST_PROXY: "0" }, "/x").trustProxy).toEqual({ kind: "none" });
    expect(loadConfig({ TRUST_PROXY: "true" }, "/x").trustProxy).toEqual({ kind: "one-hop" });
    expect(loadConfig({ TRUST_PROXY: "TRUE" }, "/x").trustProxy).toEqual({ kind: "one-hop" });
    expect(loadConfig({ TRUST_PROXY: "10.0.0.1, 172.16.0.0/12,fd00::/8" }, "/x").trustProxy).toEqual({
      kind: "list",
      entries: ["10.0.0.1", "172.16.0.0/12", "fd00::/8"],
    });
  });

  test("PROXY_PROTOCOL (Pocket ID's): off by default; false, true, or lists of IPs and CIDRs, like TRUST_PROXY", () => {
    expect(loadConfig({}, "/x").proxyProtocol).toEqual({ kind: "none" });
    expect(loadConfig({ PROXY_PROTOCOL: "false" }, "/x").proxyProtocol).toEqual({ kind: "none" });
    expect(loadConfig({ PROXY_PROTOCOL: "True" }, "/x").proxyProtocol).toEqual({ kind: "one-hop" });
    expect(loadConfig({ PROXY_PROTOCOL: "10.0.0.0/8, 2001:db8::7" }, "/x").proxyProtocol).toEqual({ kind: "list", entries: ["10.0.0.0/8", "2001:db8::7"] });
    expect(loadConfig({ PROXY_PROTOCOL: "true", TRUST_PROXY: "false" }, "/x").trustProxy).toEqual({ kind: "none" });
  });

  test("MAXMIND_LICENSE_KEY and GEOLITE_DB_PATH", () => {
    const withKey = loadConfig({ MAXMIND_LICENSE_KEY: "abc" }, "/srv");
    expect(withKey.maxmindLicenseKey).toBe("abc");
    expect(withKey.geoliteDbPath).toBe("/srv/data/GeoLite2-City.mmdb");
    expect(loadConfig({ GEOLITE_DB_PATH: "geo/city.mmdb" }, "/srv").geoliteDbPath).toBe("/srv/geo/city.mmdb");
  });

  test("GEOLITE_DB_URL, LOCAL_IPV6_RANGES, AUDIT_LOG_RETENTION_DAYS (defaults and values)", () => {
    const d = loadConfig({}, "/x");
    expect(d.geoliteDbUrl).toBe("https://download.maxmind.com/app/geoip_download?edition_id=GeoLite2-City&license_key=%s&suffix=tar.gz");
    expect(d.localIpv6Ranges).toEqual([]);
    expect(d.auditLogRetentionDays).toBe(90);
    const c = loadConfig({ GEOLITE_DB_URL: "http://127.0.0.1:9/geo?key=%s", LOCAL_IPV6_RANGES: "2001:db8::/32, 2a01:4f8:1::/48", AUDIT_LOG_RETENTION_DAYS: "30" }, "/x");
    expect(c.geoliteDbUrl).toBe("http://127.0.0.1:9/geo?key=%s");
    expect(c.localIpv6Ranges).toEqual(["2001:db8::/32", "2a01:4f8:1::/48"]);
    expect(c.auditLogRetentionDays).toBe(30);
  });

  test("LOG_LEVEL, LOG_JSON, UI_CONFIG_DISABLED, DISABLE_RATE_LIMITING", () => {
    for (const level of ["debug", "info", "warn", "error", "WARN"]) {
      expect(loadConfig({ LOG_LEVEL: level }, "/x").logLevel).toBe(level.toLowerCase() as never);
    }
    for (const [text, value] of [["true", true], ["1", true], ["yes", true], ["on", true], ["false", false], ["0", false], ["no", false], ["off", false]] as const) {
      const c = loadConfig({ LOG_JSON: text, UI_CONFIG_DISABLED: text, DISABLE_RATE_LIMITING: text }, "/x");
      expect([c.logJson, c.uiConfigDisabled, c.disableRateLimiting]).toEqual([value, value, value]);
    }
  });

  test("STATIC_API_KEY", () => {
    expect(loadConfig({ STATIC_API_KEY: "s".repeat(16) }, "/x").staticApiKey).toBe("s".repeat(16));
  });

  test("application settings variables are collected for UI_CONFIG_DISABLED", () => {
    const c = loadConfig({ APP_NAME: "Acme", SESSION_DURATION: "120", SMTP_HOST: "mail", EMAIL_LOGIN_NOTIFICATION_ENABLED: "true", UNRELATED: "x", PATH: "/bin" }, "/x");
    expect(c.appConfigEnv).toEqual({ APP_NAME: "Acme", SESSION_DURATION: "120", SMTP_HOST: "mail", EMAIL_LOGIN_NOTIFICATION_ENABLED: "true" });
  });
});

describe("every error, all at once", () => {
  test.each([
    [{ APP_URL: "localhost:1411" }, 'APP_URL must use http or https, got "localhost:"'],
    [{ APP_URL: "not a url" }, 'APP_URL must be an absolute http(s) URL, got "not a url"'],
    [{ APP_URL: "ftp://example.com" }, 'APP_URL must use http or https, got "ftp:"'],
    [{ APP_URL: "https://example.com/auth" }, 'APP_URL must not have a path, query or fragment, got "https://example.com/auth"'],
    [{ APP_URL: "https://example.com/?x=1" }, 'APP_URL must not have a path, query or fragment, got "https://example.com/?x=1"'],
    [{ APP_URL: "https://u:p@example.com" }, "APP_URL must not contain credentials"],
    [{ APP_URL: "http://sso" }, 'APP_URL "http://sso" is too short: give the full host name (https://sso.example.com), or http://localhost:<port>'],
    [{ APP_URL: "http://a.b/" }, 'APP_URL "http://a.b/" is too short: give the full host name (https://sso.example.com), or http://localhost:<port>'],
    [{ PORT: "http" }, 'PORT must be a number from 0 to 65535, got "http"'],
    [{ PORT: "65536" }, 'PORT must be a number from 0 to 65535, got "65536"'],
    [{ PORT: "-1" }, 'PORT must be a number from 0 to 65535, got "-1"'],
    [{ ENCRYPTION_KEY: "short" }, "ENCRYPTION_KEY must be at least 16 bytes long (got 5); generate one with: openssl rand -base64 32"],
    [
      { DB_CONNECTION_STRING: "postgres://u@h/db" },
      "ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE) must be set with PostgreSQL: every instance seals and opens the shared secrets with the same key, so none may generate its own",
    ],
    [{ DB_CONNECTION_STRING: "postgres://u:p@h", ENCRYPTION_KEY: "0123456789abcdef0123" }, "DB_CONNECTION_STRING must name a database (postgres://user:password@host:5432/database)"],
    [{ DB_CONNECTION_STRING: ":memory:" }, 'DB_CONNECTION_STRING must name a database file, got ":memory:"'],
    [{ TRUST_PROXY: "10.0.0.1,nope,10.0.0.0/33" }, "TRUST_PROXY must be true, false or a comma-separated list of IPs/CIDRs; invalid: nope, 10.0.0.0/33"],
    [{ PROXY_PROTOCOL: "yes" }, "PROXY_PROTOCOL must be true, false or a comma-separated list of IPs/CIDRs; invalid: yes"],
    [{ PROXY_PROTOCOL: "true", UNIX_SOCKET: "/run/lk.sock" }, "PROXY_PROTOCOL and UNIX_SOCKET cannot be used together: the PROXY protocol header is read on the TCP listener (HOST:PORT)"],
    [{ LOG_LEVEL: "verbose" }, 'LOG_LEVEL must be one of debug, info, warn, error; got "verbose"'],
    [{ LOG_JSON: "maybe" }, 'LOG_JSON must be true or false, got "maybe"'],
    [{ UI_CONFIG_DISABLED: "2" }, 'UI_CONFIG_DISABLED must be true or false, got "2"'],
    [{ DISABLE_RATE_LIMITING: "y" }, 'DISABLE_RATE_LIMITING must be true or false, got "y"'],
    [{ STATIC_API_KEY: "tooshort" }, "STATIC_API_KEY must be at least 16 characters long"],
    [{ GEOLITE_DB_URL: "ftp://mirror/geo.tar.gz" }, 'GEOLITE_DB_URL must be an http(s) URL, got "ftp://mirror/geo.tar.gz"'],
    [{ LOCAL_IPV6_RANGES: "fd00::/8,10.0.0.0/8,nope,2001:db8::/129" }, "LOCAL_IPV6_RANGES must be a comma-separated list of IPv6 CIDRs; invalid: 10.0.0.0/8, nope, 2001:db8::/129"],
    [{ AUDIT_LOG_RETENTION_DAYS: "0" }, 'AUDIT_LOG_RETENTION_DAYS must be a whole number of days from 1 to 36500, got "0"'],
    [{ AUDIT_LOG_RETENTION_DAYS: "7d" }, 'AUDIT_LOG_RETENTION_DAYS must be a whole number of days from 1 to 36500, got "7d"'],
    [{ AUDIT_LOG_RETENTION_DAYS: "-5" }, 'AUDIT_LOG_RETENTION_DAYS must be a whole number of days from 1 to 36500, got "-5"'],
    [{ ENCRYPTION_KEY: KEY, ENCRYPTION_KEY_FILE: "/run/secrets/key" }, "ENCRYPTION_KEY and ENCRYPTION_KEY_FILE are both set; set only one"],
    [{ ENCRYPTION_KEY_FILE: "/nonexistent/key" }, 'ENCRYPTION_KEY_FILE: cannot read "/nonexistent/key" (ENOENT)'],
  ] as [Record<string, string>, string][])("%p", (env, message) => {
    expect(problemsOf(env)).toEqual([message]);
  });

  test("every problem is reported in one error, in a readable message", () => {
    const env = {
      APP_URL: "https://example.com/path",
      PORT: "abc",
      ENCRYPTION_KEY: "short",
      TRUST_PROXY: "bogus",
      LOG_LEVEL: "loud",
      LOG_JSON: "perhaps",
      STATIC_API_KEY: "x",
      DB_CONNECTION_STRING: "postgresql://db",
      MAXMIND_LICENSE_KEY: "a",
      MAXMIND_LICENSE_KEY_FILE: "/k",
    };
    const problems = problemsOf(env);
    expect(problems.length).toBe(9);
    let message = "";
    try {
      loadConfig(env, "/x");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split("\n")[0]).toBe("Invalid configuration:");
    for (const p of problems) expect(message).toContain(`  - ${p}`);
  });
});

describe("_FILE variants", () => {
  const SECRETS = ["ENCRYPTION_KEY", "DB_CONNECTION_STRING", "STATIC_API_KEY", "MAXMIND_LICENSE_KEY", "SMTP_PASSWORD", "LDAP_BIND_PASSWORD"];

  test("every secret can come from a file (one trailing newline dropped; relative to the working folder)", () => {
    const dir = tempDir();
    const values: Record<string, string> = {
      ENCRYPTION_KEY: KEY,
      DB_CONNECTION_STRING: "/var/lib/latchkey/db.sqlite",
      STATIC_API_KEY: "static-api-key-0123456789",
      MAXMIND_LICENSE_KEY: "maxmind-license",
      SMTP_PASSWORD: "smtp pass",
      LDAP_BIND_PASSWORD: "ldap pass",
    };
    const env: Record<string, string> = {};
    for (const name of SECRETS) {
      writeFileSync(path.join(dir, name.toLowerCase()), values[name] + "\n");
      env[`${name}_FILE`] = name.toLowerCase();
    }
    const c = loadConfig(env, dir);
    expect(new TextDecoder().decode(c.encryptionKey!)).toBe(KEY);
    expect(c.dbPath).toBe("/var/lib/latchkey/db.sqlite");
    expect(c.staticApiKey).toBe("static-api-key-0123456789");
    expect(c.maxmindLicenseKey).toBe("maxmind-license");
    expect(c.appConfigEnv.SMTP_PASSWORD).toBe("smtp pass");
    expect(c.appConfigEnv.LDAP_BIND_PASSWORD).toBe("ldap pass");
    expect(c.appConfigEnv.SMTP_PASSWORD_FILE).toBeUndefined();
  });

  test("setting both forms is an error for every secret, all reported together", () => {
    const env: Record<string, string> = {};
    for (const name of SECRETS) {
      env[name] = "value-value-value-value";
      env[`${name}_FILE`] = "/run/secrets/x";
    }
    expect(problemsOf(env)).toEqual(SECRETS.map((n) => `${n} and ${n}_FILE are both set; set only one`));
  });

  test("ENCRYPTION_KEY_FILE: 32 raw random bytes are used as they are (not decoded as text); edge spellings of a text key", () => {
    const dir = tempDir();
    const raw = new Uint8Array(32).map((_, i) => (i * 73 + 0x80) & 0xff); // mostly bytes that are not UTF-8
    writeFileSync(path.join(dir, "raw"), raw);
    expect([...loadConfig({ ENCRYPTION_KEY_FILE: "raw" }, dir).encryptionKey!]).toEqual([...raw]);
    // Two raw keys that differ only in non-UTF-8 bytes stay two keys.
    const other = raw.map((b, i) => (i === 3 ? b ^ 0x01 : b));
    writeFileSync(path.join(dir, "other"), other);
    expect([...loadConfig({ ENCRYPTION_KEY_FILE: "other" }, dir).encryptionKey!]).not.toEqual([...raw]);
    const text = (name: string, content: string) => {
      writeFileSync(path.join(dir, name), content);
      return new TextDecoder().decode(loadConfig({ ENCRYPTION_KEY_FILE: name }, dir).encryptionKey!);
    };
    const hex = "AB".repeat(32);
    expect(text("hex-crlf", `${hex}\r\n`)).toBe(hex);
    expect(text("b64-pad", `${"A".repeat(43)}=\n`)).toBe(`${"A".repeat(43)}=`);
    expect(text("two-newlines", `${hex}\n\n`)).toBe(`${hex}\n`); // only one newline is dropped: a different key, never a silent trim of more
    const dir2 = tempDir();
    writeFileSync(path.join(dir2, "smtp"), new Uint8Array([0xff, 0xfe, 0x00]));
    expect(problemsOf({ ENCRYPTION_KEY: KEY, SMTP_PASSWORD_FILE: "smtp" }, dir2)).toEqual(['SMTP_PASSWORD_FILE: cannot read "smtp" (not UTF-8 text)']);
  });

  test("a value read from a file is validated like the variable", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "key"), "short\n");
    expect(problemsOf({ ENCRYPTION_KEY_FILE: "key" }, dir)).toEqual([
      "ENCRYPTION_KEY must be at least 16 bytes long (got 5); generate one with: openssl rand -base64 32",
    ]);
  });
});

describe(".env file", () => {
  test("parseDotEnv: comments, export, quotes, escapes, trailing comments", () => {
    expect(parseDotEnv(['# comment', "", "export A=1", 'B="two words" # note', "C='single # kept'", 'D="l1\\nl2"', "E=plain # note", "F=a#b", "not a line", " G = spaced "].join("\n"))).toEqual({
      A: "1",
      B: "two words",
      C: "single # kept",
      D: "l1\nl2",
      E: "plain",
      F: "a#b",
      G: "spaced",
    });
  });

  test("readEnvironment reads .env in the working folder; the real environment wins", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, ".env"), "APP_URL=https://from-file.example\nPORT=9000\nLOG_LEVEL=debug\n");
    const env = readEnvironment(dir, { PORT: "9100", HOME: "/root", UNSET: undefined });
    expect(env.APP_URL).toBe("https://from-file.example");
    expect(env.PORT).toBe("9100");
    expect(env.LOG_LEVEL).toBe("debug");
    expect("UNSET" in env).toBe(false);
    const c = loadConfig(env, dir);
    expect([c.appUrl, c.port, c.logLevel]).toEqual(["https://from-file.example", 9100, "debug"]);
  });

  test("no .env file: just the real environment", () => {
    expect(readEnvironment(tempDir(), { PORT: "1" })).toEqual({ PORT: "1" });
  });
});

describe("Pocket ID variables Latchkey does not support (issue 22)", () => {
  test("are listed by name, sorted, with _FILE variants and prefixes; empty values and supported variables are not", () => {
    const c = loadConfig(
      { SYSTEMD_SOCKET: "true", S3_SECRET_ACCESS_KEY_FILE: "/run/secrets/s3", OTEL_SERVICE_NAME: "id", KEYS_STORAGE: "database", APP_ENV: "", TRUST_PROXY: "true", LOG_JSON: "true" },
      "/x",
    );
    expect(c.unsupportedVariables).toEqual(["KEYS_STORAGE", "OTEL_SERVICE_NAME", "S3_SECRET_ACCESS_KEY_FILE", "SYSTEMD_SOCKET"]);
    expect(loadConfig({}, "/x").unsupportedVariables).toEqual([]);
  });

  test("PUID and PGID are honoured by the container image only (LATCHKEY_CONTAINER=1): warned about elsewhere", () => {
    expect(loadConfig({ PUID: "1000", PGID: "1000" }, "/x").unsupportedVariables).toEqual(["PGID", "PUID"]);
    expect(loadConfig({ PUID: "1000", PGID: "1000", LATCHKEY_CONTAINER: "1" }, "/x").unsupportedVariables).toEqual([]);
    expect(loadConfig({ PUID: "1000", LATCHKEY_CONTAINER: "yes" }, "/x").unsupportedVariables).toEqual(["PUID"]);
  });
});

describe("ALLOW_INSECURE_CALLBACK_URLS", () => {
  test("defaults to true (Pocket ID v2); false is read; anything else is a problem", () => {
    expect(loadConfig({}, "/x").allowInsecureCallbackUrls).toBe(true);
    expect(loadConfig({ ALLOW_INSECURE_CALLBACK_URLS: "false" }, "/x").allowInsecureCallbackUrls).toBe(false);
    expect(problemsOf({ ALLOW_INSECURE_CALLBACK_URLS: "maybe" })).toEqual(['ALLOW_INSECURE_CALLBACK_URLS must be true or false, got "maybe"']);
  });
});

describe("INTERNAL_APP_URL", () => {
  test("defaults to APP_URL; an origin is lower-cased without its slash; a path, another scheme or credentials are problems", () => {
    expect(loadConfig({ APP_URL: "https://id.example.com" }, "/x").internalAppUrl).toBe("https://id.example.com");
    expect(loadConfig({ APP_URL: "https://id.example.com", INTERNAL_APP_URL: "http://Latchkey:1411/" }, "/x").internalAppUrl).toBe("http://latchkey:1411");
    expect(problemsOf({ INTERNAL_APP_URL: "http://latchkey:1411/oidc" })).toEqual(['INTERNAL_APP_URL must not have a path, query or fragment, got "http://latchkey:1411/oidc"']);
    expect(problemsOf({ INTERNAL_APP_URL: "ftp://latchkey" })).toEqual(['INTERNAL_APP_URL must use http or https, got "ftp:"']);
    expect(problemsOf({ INTERNAL_APP_URL: "latchkey" })).toEqual(['INTERNAL_APP_URL must be an absolute http(s) URL, got "latchkey"']);
  });
});

describe("UNIX_SOCKET", () => {
  test("a path relative to the working folder; UNIX_SOCKET_MODE octal", () => {
    const c = loadConfig({ UNIX_SOCKET: "run/latchkey.sock", UNIX_SOCKET_MODE: "0660" }, "/srv");
    expect(c.unixSocket).toBe("/srv/run/latchkey.sock");
    expect(c.unixSocketMode).toBe(0o660);
    expect(loadConfig({}, "/srv").unixSocket).toBeNull();
    expect(problemsOf({ UNIX_SOCKET: `/${"s".repeat(120)}` })[0]).toStartWith("UNIX_SOCKET must be a path of at most 103 bytes");
  });
});

describe("TLS_CERT / TLS_KEY", () => {
  test("the PEM itself or a _FILE; both forms of one variable is a problem", () => {
    const dir = tempDir();
    const r = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path.join(dir, "k.pem"), "-out", path.join(dir, "c.pem"), "-days", "1", "-subj", "/CN=localhost"], { stderr: "pipe" });
    expect(r.exitCode).toBe(0);
    const cert = readFileSync(path.join(dir, "c.pem"), "utf8");
    const key = readFileSync(path.join(dir, "k.pem"), "utf8");
    expect(loadConfig({ TLS_CERT: cert, TLS_KEY: key }, dir).tls).toEqual({ cert, key });
    expect(loadConfig({ TLS_CERT_FILE: "c.pem", TLS_KEY: key }, dir).tls).toEqual({ cert, key });
    expect(loadConfig({}, dir).tls).toBeNull();
    expect(problemsOf({ TLS_CERT: cert, TLS_CERT_FILE: "c.pem", TLS_KEY: key }, dir)).toEqual(["TLS_CERT and TLS_CERT_FILE are both set; set only one"]);
  });
});
