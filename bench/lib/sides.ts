/**
 * The two servers under test, prepared the same way: fresh data, one confidential client with PKCE,
 * one user, a signing key of the chosen algorithm; plus the ways to mint single-use codes for each.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { freePort, registerTemp, runCommand, startServer, type Started } from "./procs.ts";
import { pool } from "./pool.ts";
import { CODE_CHALLENGE, CODE_VERIFIER, REDIRECT_URI, SCOPE } from "./pkce.ts";
import { createSoftPasskey, type SoftPasskey } from "./authenticator.ts";
import { insertRows, openBenchDb, tableExists } from "./db.ts";
import { newPostgresDatabase } from "./postgres.ts";

export const ROOT = path.resolve(import.meta.dir, "..", "..");
export const BENCH_DIR = path.resolve(import.meta.dir, "..");
export const DEFAULT_BINARY = path.join(ROOT, "build", "out", "latchkey");
/** The binary under test: build/out/latchkey unless --binary names another. */
export let BINARY = DEFAULT_BINARY;
export function useBinary(file: string): void {
  BINARY = path.resolve(file);
}

export type Alg = "ES256" | "RS256";
export type Engine = "sqlite" | "postgres";

export interface Endpoints {
  discovery: string;
  jwks: string | null;
  token: string | null;
  userinfo: string | null;
  introspect: string | null;
}

export interface Side {
  name: "ours" | "peer";
  /** The (first) server process. */
  server: Started;
  /** Every server process of this side (more than one: instances behind a proxy); CPU and RSS add up over them. */
  servers: Started[];
  /** The round-robin proxy in front of the instances, when there is one. */
  proxy?: Started;
  readyMs: number;
  base: string;
  endpoints: Endpoints;
  clientId: string;
  clientSecret: string;
  basicAuth: string;
  /** Single-use authorization codes for REDIRECT_URI with the shared PKCE challenge. */
  mintCodes(n: number): Promise<string[]>;
  notes: string[];
  /** ours only: stop the server and start it again over the same data (optionally with another command). */
  restart?(serverCmd?: string[]): Promise<void>;
  dataDir?: string;
  /** The database: a SQLite file path, or a postgres:// URL. */
  dbTarget?: string;
  engine?: Engine;
  sessionToken?: string;
  passkey?: SoftPasskey;
  userId?: string;
  appUrl?: string;
  cleanup(): Promise<void>;
}

const sha256hex = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** Discovery URLs name APP_URL / the issuer; the load goes to 127.0.0.1 on the same port. */
function localPath(url: unknown, base: string): string | null {
  if (typeof url !== "string") return null;
  try {
    const u = new URL(url);
    return `${base}${u.pathname}${u.search}`;
  } catch {
    return null;
  }
}

export async function ensureBinary(log: (s: string) => void, rebuild = false): Promise<void> {
  if (existsSync(BINARY) && !rebuild) return;
  log("building the binary (bun run build)…");
  const outfile = BINARY === DEFAULT_BINARY ? [] : ["--outfile", BINARY];
  await runCommand(["bun", "run", "build", ...outfile], { cwd: ROOT });
  if (!existsSync(BINARY)) throw new Error(`bun run build did not produce ${BINARY}`);
}

/** Admin API access for the scale run's list-page timings (X-API-Key). */
export const STATIC_API_KEY = "latchkey-bench-static-api-key-0123456789";

export function oursEnv(dir: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    APP_URL: `http://localhost:${port}`,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    DISABLE_RATE_LIMITING: "true",
    // 32 random bytes, as install.sh and the generated encryption.key give (a passphrase would add the
    // one-off scrypt stretch, ~0.5 s, to every cold start: see README "Encryption at rest").
    ENCRYPTION_KEY: "k8Qz3vN1pX6rT0wY5sB2mH9dL4fJ7cG1aE6uR3iO8nU=",
    DB_CONNECTION_STRING: path.join(dir, "data", "latchkey.db"),
    STATIC_API_KEY,
    ...extra,
  };
}

/** A fresh folder holding only a copy of the binary. */
export function freshBinaryDir(binary: string = BINARY): { dir: string; bin: string } {
  const dir = registerTemp(mkdtempSync(path.join(os.tmpdir(), "latchkey-bench-")));
  const bin = path.join(dir, "latchkey");
  copyFileSync(binary, bin);
  mkdirSync(path.join(dir, "data"), { recursive: true });
  return { dir, bin };
}

async function cliCommands(bin: string, cwd: string, env: Record<string, string>): Promise<Set<string>> {
  const help = await runCommand([bin, "help"], { cwd, env });
  const names = new Set<string>();
  for (const line of help.split("\n")) {
    const m = /^ {2}([a-z][a-z0-9-]*)\s/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

/** Migrates the database by starting the server once, then stops it. */
async function migrateByStarting(bin: string, dir: string, env: Record<string, string>, port: number): Promise<void> {
  const s = await startServer({ name: "latchkey (migrate)", cmd: [bin], cwd: dir, env, port, readyPath: "/healthz" });
  await s.stop();
}

export interface OursOptions {
  alg: Alg;
  /** Seed the database before start (scale runs): called with the migrated, stopped database (path or URL). */
  seed?: (dbTarget: string) => Promise<void> | void;
  log: (s: string) => void;
  /** Runs the server with this command instead of the binary (profiling from source); CLI steps still use the binary. */
  serverCmd?: string[];
  /** Another Latchkey binary (--baseline: a previous build measured in the peer's column). */
  binary?: string;
  /** The column this side fills: "peer" for a baseline binary. */
  as?: "ours" | "peer";
  /** sqlite (default): a file in the side's folder; postgres: a fresh database on the bench's cluster (lib/postgres.ts). */
  engine?: Engine;
  /** Server processes on the same database (PostgreSQL only for more than one); default 1. */
  instances?: number;
  /** A round-robin Caddy in front of the instances (always with more than one). */
  proxy?: boolean;
  /** Keep the rate limits on (DISABLE_RATE_LIMITING unset): to see what the budgets cost on the success path. */
  rateLimits?: boolean;
}

/** Caddy (Debian package) round-robin over `upstreams`, listening on 127.0.0.1:port. */
async function startCaddy(dir: string, port: number, upstreams: number[]): Promise<Started> {
  const caddy = Bun.which("caddy");
  if (!caddy) throw new Error("caddy is not installed (apt-get install caddy): needed for more than one instance");
  const conf = path.join(dir, "Caddyfile");
  writeFileSync(
    conf,
    [
      "{",
      "\tadmin off",
      "\tauto_https off",
      "}",
      `http://:${port} {`,
      "\tbind 127.0.0.1",
      `\treverse_proxy ${upstreams.map((p) => `127.0.0.1:${p}`).join(" ")} {`,
      "\t\tlb_policy round_robin",
      "\t}",
      "}",
      "",
    ].join("\n"),
  );
  return await startServer({
    name: "caddy",
    cmd: [caddy, "run", "--config", conf, "--adapter", "caddyfile"],
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    port,
    readyPath: "/healthz",
  });
}

export async function startOurs(opts: OursOptions): Promise<Side> {
  const { dir, bin } = freshBinaryDir(opts.binary);
  const engine = opts.engine ?? "sqlite";
  const instances = opts.instances ?? 1;
  if (instances > 1 && engine !== "postgres") throw new Error("more than one instance needs --engine postgres");
  const proxied = opts.proxy || instances > 1;
  // The address clients use: the proxy's when there is one, else the server's.
  const port = await freePort();
  const serverPorts = proxied ? await Promise.all(Array.from({ length: instances }, () => freePort())) : [port];
  const dbTarget = engine === "postgres" ? await newPostgresDatabase() : path.join(dir, "data", "latchkey.db");
  const env = oursEnv(dir, port, { DB_CONNECTION_STRING: dbTarget, DISABLE_RATE_LIMITING: opts.rateLimits ? "false" : "true" });
  const envFor = (p: number) => ({ ...env, PORT: String(p) });
  const notes: string[] = [];
  const commands = await cliCommands(bin, dir, env);

  if (commands.has("key-rotate")) {
    await runCommand([bin, "key-rotate", "--alg", opts.alg], { cwd: dir, env });
  } else {
    await migrateByStarting(bin, dir, envFor(serverPorts[0]!), serverPorts[0]!);
    notes.push(`no key-rotate command: signing with the default key algorithm`);
  }
  if (engine === "sqlite" && !existsSync(dbTarget)) await migrateByStarting(bin, dir, envFor(serverPorts[0]!), serverPorts[0]!);
  if (opts.seed) await opts.seed(dbTarget);

  // Client: through the CLI when it exists, else straight into the tables.
  let clientId = "";
  let clientSecret = "";
  if (commands.has("client")) {
    const out = await runCommand([bin, "client", "create", "--name", "bench", "--callback-url", REDIRECT_URI, "--pkce", "--unrestricted"], { cwd: dir, env });
    const j = JSON.parse(out.slice(out.indexOf("{"))) as { id: string; secret: string };
    clientId = j.id;
    clientSecret = j.secret;
  }

  // The rest through Latchkey's Database interface (lib/db.ts), the same SQL on both engines.
  const db = openBenchDb(dbTarget);
  const now = Math.floor(Date.now() / 1000);
  if (!clientId) {
    clientId = "bench-client";
    clientSecret = randomBytes(24).toString("base64url");
    db.query(
      `INSERT INTO oidc_clients (id, name, callback_urls, is_public, pkce_enabled, is_group_restricted, created_at, updated_at)
       VALUES (?, 'bench', ?, 0, 1, 0, ?, ?)`,
    ).run(clientId, JSON.stringify([REDIRECT_URI]), now, now);
    db.query("INSERT INTO oidc_client_secrets (id, client_id, hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)").run(
      randomUUID(), clientId, `sha256:${sha256hex(clientSecret)}`, clientSecret.slice(0, 4), now,
    );
    notes.push("no `client create` command: client inserted with SQL");
  }
  // The person has consented already: /authorize answers with the code straight away.
  db.query("UPDATE oidc_clients SET skip_consent = 1, is_group_restricted = 0 WHERE id = ?").run(clientId);

  const userId = randomUUID();
  db.query(
    `INSERT INTO users (id, username, email, email_verified, first_name, last_name, display_name, is_admin, created_at, updated_at)
     VALUES (?, 'bench', 'bench@example.test', 1, 'Bench', 'User', 'Bench User', 0, ?, ?)`,
  ).run(userId, now, now);
  if (tableExists(db, "user_authorized_oidc_clients")) {
    db.query("INSERT INTO user_authorized_oidc_clients (user_id, client_id, scope, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)").run(
      userId, clientId, JSON.stringify(SCOPE.split(" ")), now, now,
    );
  }
  const sessionToken = randomBytes(32).toString("base64url");
  const sessionId = randomUUID();
  db.query(
    `INSERT INTO sessions (id, token_hash, user_id, amr, csrf_token, created_at, authenticated_at, last_seen_at, expires_at)
     VALUES (?, ?, ?, '["phr"]', ?, ?, ?, ?, ?)`,
  ).run(sessionId, sha256hex(sessionToken), userId, randomBytes(16).toString("hex"), now, now, now, now + 7 * 86400);
  // A passkey for the sign-in ceremony (the user handle is the UTF-8 user id).
  const passkey = createSoftPasskey(userId);
  passkey.counterless = true;
  db.query(
    `INSERT INTO webauthn_credentials (id, user_id, name, credential_id, public_key, counter, created_at) VALUES (?, ?, 'bench', ?, ?, 0, ?)`,
  ).run(randomUUID(), userId, passkey.credentialIdB64u, passkey.cosePublicKey, now);
  db.close();

  const startInstance = async (p: number, cmd?: string[]) =>
    await startServer({ name: instances > 1 ? `latchkey :${p}` : "latchkey", cmd: cmd ?? opts.serverCmd ?? [bin], cwd: dir, env: envFor(p), port: p, readyPath: "/healthz" });
  const servers: Array<Started & { readyMs: number }> = [];
  for (const p of serverPorts) servers.push(await startInstance(p));
  const proxy = proxied ? await startCaddy(dir, port, serverPorts) : undefined;
  const started = servers[0]!;
  const base = `http://127.0.0.1:${port}`;
  const endpoints = await discover(base, "/.well-known/openid-configuration", {
    jwks: "/.well-known/jwks.json",
    token: "/api/oidc/token",
    userinfo: "/api/oidc/userinfo",
    introspect: "/api/oidc/introspect",
  });
  const cookie = `latchkey_session=${sessionToken}`;
  const authorizeUrl = (state: string) =>
    `${base}/authorize?${new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      scope: SCOPE,
      state,
      code_challenge: CODE_CHALLENGE,
      code_challenge_method: "S256",
    })}`;

  const mintViaAuthorize = (n: number) =>
    pool(n, 16, async (i) => {
      const res = await fetch(authorizeUrl(`s${i}`), { headers: { cookie }, redirect: "manual" });
      await res.arrayBuffer();
      const location = res.headers.get("location") ?? "";
      const code = location.startsWith(REDIRECT_URI) ? new URL(location).searchParams.get("code") : null;
      if (!code) throw new Error(`/authorize did not answer with a code (status ${res.status}, location ${location.slice(0, 200)})`);
      return code;
    });
  // /authorize must work for real: one code through it before any is minted in SQL.
  let sqlMinting = false;
  try {
    await mintViaAuthorize(1);
    sqlMinting = true;
  } catch (e) {
    notes.push(`/authorize: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }

  const side: Side = {
    name: opts.as ?? "ours",
    server: started,
    servers,
    proxy,
    readyMs: started.readyMs,
    base,
    endpoints,
    clientId,
    clientSecret,
    basicAuth: basic(clientId, clientSecret),
    notes,
    dataDir: path.join(dir, "data"),
    dbTarget,
    engine,
    sessionToken,
    passkey,
    userId,
    appUrl: env.APP_URL,
    async mintCodes(n) {
      // Straight into the table, as the peer's side door does (the load measures the token endpoint,
      // not /authorize); /authorize with the session cookie when the table does not take the rows.
      if (sqlMinting) {
        try {
          return mintCodesWithDb(dbTarget, n, { clientId, userId, sessionId });
        } catch (e) {
          sqlMinting = false;
          notes.push(`codes minted through /authorize (SQL minting failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
        }
      }
      return await mintViaAuthorize(n);
    },
    async restart(serverCmd) {
      // The first instance (profile.ts runs one).
      await side.server.stop();
      side.server = await startInstance(serverPorts[0]!, serverCmd ?? [bin]);
      side.servers[0] = side.server;
    },
    async cleanup() {
      await proxy?.stop();
      for (const s of side.servers) await s.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return side;
}

/**
 * Writes `n` authorization codes as /authorize would (hash only, PKCE S256, 10 minutes), in one
 * transaction beside the running server (SQLite in WAL mode keeps serving), in multi-row INSERTs (few round trips on PostgreSQL).
 */
function mintCodesWithDb(dbTarget: string, n: number, who: { clientId: string; userId: string; sessionId: string }): string[] {
  const db = openBenchDb(dbTarget);
  try {
    const now = Math.floor(Date.now() / 1000);
    const codes: string[] = [];
    const rows: Array<Array<string | number | null>> = [];
    for (let i = 0; i < n; i++) {
      const code = randomBytes(32).toString("base64url");
      rows.push([sha256hex(code), who.clientId, who.userId, who.sessionId, REDIRECT_URI, SCOPE, null, CODE_CHALLENGE, "S256", now, '["phr"]', now, now + 600]);
      codes.push(code);
    }
    db.transaction(() => {
      insertRows(
        db,
        "oidc_authorization_codes",
        ["code_hash", "client_id", "user_id", "session_id", "redirect_uri", "scope", "nonce", "code_challenge", "code_challenge_method", "auth_time", "amr", "created_at", "expires_at"],
        rows,
      );
    })();
    return codes;
  } finally {
    db.close();
  }
}

export async function startPeer(opts: { alg: Alg }): Promise<Side> {
  const port = await freePort();
  const clientId = "bench";
  const clientSecret = randomBytes(24).toString("base64url");
  const started = await startServer({
    name: "oidc-provider",
    cmd: ["node", path.join(BENCH_DIR, "peer", "oidc-provider-server.mjs")],
    cwd: BENCH_DIR,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      NODE_ENV: "production",
      PORT: String(port),
      ALG: opts.alg,
      CLIENT_ID: clientId,
      CLIENT_SECRET: clientSecret,
      REDIRECT_URI,
      CODE_CHALLENGE,
    },
    port,
    readyPath: "/.well-known/openid-configuration",
  });
  const base = `http://127.0.0.1:${port}`;
  const endpoints = await discover(base, "/.well-known/openid-configuration", {});
  return {
    name: "peer",
    server: started,
    readyMs: started.readyMs,
    base,
    endpoints,
    clientId,
    clientSecret,
    basicAuth: basic(clientId, clientSecret),
    notes: [],
    servers: [started],
    async mintCodes(n) {
      const out: string[] = [];
      for (let left = n; left > 0; left -= 20_000) {
        const res = await fetchRetrying(`${base}/__bench/codes?n=${Math.min(left, 20_000)}`, { method: "POST" });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`peer code minting failed: ${text.slice(0, 500)}`);
        out.push(...text.split("\n").filter(Boolean));
      }
      return out;
    },
    async cleanup() {
      await started.stop();
    },
  };
}

function basic(id: string, secret: string): string {
  // RFC 6749 2.3.1: form-urlencode, then base64.
  return "Basic " + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64");
}

async function discover(base: string, discoveryPath: string, fallback: Partial<Record<keyof Endpoints, string>>): Promise<Endpoints> {
  const endpoints: Endpoints = { discovery: `${base}${discoveryPath}`, jwks: null, token: null, userinfo: null, introspect: null };
  try {
    const res = await fetch(endpoints.discovery);
    if (res.status !== 200) throw new Error(String(res.status));
    const d = (await res.json()) as Record<string, unknown>;
    endpoints.jwks = localPath(d.jwks_uri, base);
    endpoints.token = localPath(d.token_endpoint, base);
    endpoints.userinfo = localPath(d.userinfo_endpoint, base);
    endpoints.introspect = localPath(d.introspection_endpoint, base);
  } catch {
    // Not implemented yet: probe the well-known paths; each endpoint is checked before it is measured.
  }
  for (const [k, p] of Object.entries(fallback) as [keyof Endpoints, string][]) {
    if (!endpoints[k]) endpoints[k] = `${base}${p}`;
  }
  return endpoints;
}

/** fetch, retried on a dropped keep-alive connection (never on an HTTP answer). */
export async function fetchRetrying(url: string, init: RequestInit, attempts = 3): Promise<Response> {
  for (let i = 1; ; i++) {
    try {
      return await fetch(url, init);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (i >= attempts || (code !== "ECONNRESET" && code !== "ConnectionClosed" && code !== "ECONNREFUSED")) throw e;
      await Bun.sleep(50 * i);
    }
  }
}

/** Exchanges one code: the token response JSON, or throws with the wire answer. */
export async function exchangeCode(side: Side, code: string): Promise<Record<string, unknown>> {
  const res = await fetchRetrying(side.endpoints.token!, {
    method: "POST",
    headers: { authorization: side.basicAuth, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: CODE_VERIFIER }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`token exchange answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}
