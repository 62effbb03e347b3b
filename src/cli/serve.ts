import { redactConnectionString } from "../db/postgres/connection-string.ts";
import { chmodSync, existsSync, lstatSync, mkdirSync, rmSync } from "node:fs";
import type { Server } from "bun";
import { createApp } from "../app.ts";
import { openGeolocator } from "../audit/audit-jobs.ts";
import { startBackgroundCheckpoints } from "../db/background-checkpoints.ts";
import { startBackgroundWork } from "../cluster/background-work.ts";
import { newInstanceId } from "../cluster/instance-id.ts";
import { acquireServerLock } from "../db/server-lock.ts";
import { servePrerendered } from "../http/prerendered.ts";
import { startProxyProtocolFront, type ProxyProtocolFront } from "../http/proxy-protocol.ts";
import type { CliEnv } from "./cli-env.ts";
import type { Config } from "../config.ts";
import type { Log } from "../lib/log.ts";
import { openRuntime, StartupError, type Runtime } from "../runtime.ts";
import { findOutdatedClientUrls } from "../oidc/clients.ts";
import { ensureSigningKeyOffThread } from "../oidc/signing-keys.ts";
import { resolvePocketIdSwitch } from "../pocket-id/switch.ts";

/** First start next to a Pocket ID database: import it (never writing to it), or refuse to start and write nothing. */
async function importOnFirstStart(config: Config, log: Log, pocketIdFile: string): Promise<void> {
  log.info(`first start with a Pocket ID database at ${pocketIdFile}: importing it into ${config.dbPath} (the Pocket ID file is only read)`);
  const { importPocketIdInto } = await import("../pocket-id/install.ts");
  const { formatImportSummary } = await import("../pocket-id/importer.ts");
  try {
    const summary = await importPocketIdInto(config, log, pocketIdFile, { withAuditLog: true });
    log.info(formatImportSummary(summary));
  } catch (e) {
    throw new StartupError(`Importing the Pocket ID database ${pocketIdFile} failed: ${(e as Error).message} Fix this and start again (or move pocket-id.db away to start empty).`);
  }
}

const URL_FIELD_LABELS = { callbackUrls: "callback URL", logoutCallbackUrls: "logout callback URL", launchUrl: "launch URL" } as const;

/** Stored client URLs that today's rules refuse match nothing: say so once at start, with what to change. */
function warnOutdatedClientUrls(db: Runtime["db"], log: Log): void {
  for (const o of findOutdatedClientUrls(db)) {
    log.warn(`OIDC client "${o.clientName}" (${o.clientId}): its ${URL_FIELD_LABELS[o.field]} ${o.url} is refused by the current rules and is ignored — ${o.problem} Edit the client to fix it.`);
  }
}

/** How long in-flight requests may take to finish after SIGTERM (systemd's TimeoutStopSec is 30 s). */
const SHUTDOWN_GRACE_MS = 20_000;

/**
 * Start-up is over (issue 6: idle RSS; measured with bench/idle-rss.ts). The binary starts with JavaScriptCore's
 * tier-up thresholds raised (`--compile-jit-policy`, build/compile.ts) so run-once start-up code is not
 * JIT-compiled (4 MB less); from here on the normal policy applies to the request paths. Bun.shrink then drops
 * what only start-up needed: compiled code (recompiled on first use if it runs again), garbage, free malloc
 * pages (1.7 MB less).
 */
function settleAfterStartup(): void {
  Bun.unsafe.setJITPolicy(1);
  // Deprecated in the typings but present in Bun 1.4; skipped should a later Bun drop it.
  if (typeof Bun.shrink === "function") Bun.shrink();
}

/** The health check's path (`latchkey healthcheck`, the container HEALTHCHECK, load balancers): never held. */
const HEALTH_PATH = "/healthz";

/**
 * Whether a request's url (Bun's `request.url`) asks for the health check. Parsed against a base: an HTTP/1.0
 * request without Host has a relative url, which `new URL` alone refuses (the request would get a 500).
 */
export function isHealthCheck(url: string): boolean {
  try {
    return new URL(url, "http://localhost").pathname === HEALTH_PATH;
  } catch {
    return false;
  }
}

/** What a held request gets when the first key could not be made: the server is stopping. */
function stoppingWithoutKey(): Response {
  return new Response("The server is stopping: it could not create its signing key.\n", { status: 503, headers: { "content-type": "text/plain; charset=utf-8", "retry-after": "5" } });
}

/** Deletes a socket file left behind by a process that did not stop cleanly (Bun removes its own on stop). */
function removeStaleSocket(file: string): void {
  try {
    if (lstatSync(file).isSocket()) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

/** Refuses to take over a socket a live server answers on, or a path that is not a socket; clears a stale one. */
async function prepareSocketPath(file: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(file);
  } catch {
    return; // free
  }
  if (!stat.isSocket()) throw new StartupError(`UNIX_SOCKET ${file} exists and is not a socket; remove it or choose another path`);
  const live = await Bun.connect({ unix: file, socket: { data() {} } }).then(
    (s) => (s.end(), true),
    () => false,
  );
  if (live) throw new StartupError(`UNIX_SOCKET ${file} is in use by another running server`);
  removeStaleSocket(file);
}

/**
 * The listener (HTTPS when TLS is configured): TCP on HOST:PORT, or UNIX_SOCKET with UNIX_SOCKET_MODE applied before anyone can connect (the umask
 * is narrowed while the socket file is created, then the mode is set exactly).
 */
async function listen(config: Config, fetch: (request: Request, srv: Server<undefined>) => Response | Promise<Response>): Promise<Server<undefined>> {
  // PROXY_PROTOCOL: the public HOST:PORT is the front (src/http/proxy-protocol.ts); Bun.serve is on loopback only.
  if (config.proxyProtocol.kind !== "none") return listen({ ...config, proxyProtocol: { kind: "none" }, host: "127.0.0.1", port: 0 }, fetch);
  // development: false whatever NODE_ENV says: Bun's development error page must never show a stack trace.
  // TLS_CERT/TLS_KEY: HTTPS straight from Bun (TLS 1.2 and 1.3, as Bun's defaults allow).
  const common = { maxRequestBodySize: 8 * 1024 * 1024, development: false, fetch, ...(config.tls ? { tls: config.tls } : {}) };
  if (!config.unixSocket) return Bun.serve({ ...common, idleTimeout: 30, port: config.port, hostname: config.host });
  await prepareSocketPath(config.unixSocket);
  const mode = config.unixSocketMode;
  const previousUmask = mode === null ? null : process.umask(0o777 & ~mode);
  try {
    // Bun's idle timeout is a TCP option (its typings refuse it here); the proxy in front closes idle connections.
    const server = Bun.serve({ ...common, unix: config.unixSocket });
    if (mode !== null) chmodSync(config.unixSocket, mode);
    return server;
  } finally {
    if (previousUmask !== null) process.umask(previousUmask);
  }
}

/** Runs the server until SIGTERM/SIGINT, then stops accepting, finishes in-flight requests and closes the database. */
export async function serve(env: CliEnv): Promise<number> {
  const { log } = env;
  // Issue 18: a Pocket ID database in the data folder (or named by DB_CONNECTION_STRING) is imported on first start.
  const { config, pocketIdFile } = resolvePocketIdSwitch(env.config);
  // The lock comes first: a refused second server must not migrate, generate a key or write anything.
  // PostgreSQL is shared by design (any number of instances): no lock, and the data folder holds no database.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const lock = config.databaseUrl ? { release() {} } : acquireServerLock(config.dbPath);
  let runtime;
  try {
    if (pocketIdFile && !existsSync(config.dbPath)) await importOnFirstStart(config, log, pocketIdFile);
    runtime = openRuntime(config, log, { instance: true });
  } catch (e) {
    lock.release();
    throw e;
  }
  const draining = new AbortController();
  const deps = { ...runtime, geo: await openGeolocator(config, log), stopping: draining.signal };
  // Names this instance in job_runs and in work-queue claims (several instances may share one database).
  const instanceId = newInstanceId(runtime.random);
  log.info(`instance id ${instanceId}`);
  // SQLite: WAL checkpoints move to a worker thread while the server writes a lot (token bursts).
  const checkpoints = config.databaseUrl ? null : startBackgroundCheckpoints(runtime.db, config.dbPath, log);
  if (config.databaseUrl) log.info(`database: PostgreSQL at ${redactConnectionString(config.databaseUrl)}`);
  // Issue 24: a stored signing key is found at once; the first one (RSA-2048, 60–400 ms in Bun) is generated on the
  // thread pool while the server already listens, and requests wait for it (see `fetch` below).
  const signingKey = ensureSigningKeyOffThread(deps);
  let keyReady = false;
  const keySettled = signingKey.then(
    () => void (keyReady = true),
    () => undefined,
  );
  const app = await createApp(deps);
  // A unix socket has no peer address; its peer is a process on this machine (the proxy in front), so it counts as
  // 127.0.0.1: TRUST_PROXY=true (or a list naming 127.0.0.1) then reads X-Forwarded-For, and clients never share the
  // address-less "unknown" rate-limit bucket that in-process requests use.
  // PROXY_PROTOCOL: the peer of a connection the front opened is the client its header named.
  let front: ProxyProtocolFront | null = null;
  const handle = config.unixSocket
    ? (request: Request) => app.handle(request, "127.0.0.1")
    : (request: Request, srv: Server<undefined>) => {
        const peer = srv.requestIP(request);
        return app.handle(request, front ? front.clientAddressOf(peer) : (peer?.address ?? null));
      };
  // Until the first key is stored only the health check is answered; every other request waits (~100 ms, once per
  // data folder), never an error. Not only discovery, JWKS and the protocol endpoints: pages and static assets wait
  // too, because most of them can lead to a signature (the setup page signs the admin in, login ends in /authorize)
  // and one rule for all is one that cannot miss an endpoint. The health check answers at once: the server is up
  // and its database answers, which is what probes ask; an orchestrator that waited for the key would gain nothing.
  const heldUntilKey = async (request: Request, srv: Server<undefined>) => {
    await keySettled;
    return keyReady ? handle(request, srv) : stoppingWithoutKey();
  };
  const fetch = (request: Request, srv: Server<undefined>) => (keyReady || isHealthCheck(request.url) ? handle(request, srv) : heldUntilKey(request, srv));
  const server = await listen(config, fetch);
  if (config.proxyProtocol.kind !== "none") {
    front = await startProxyProtocolFront({ host: config.host, port: config.port, innerPort: server.port!, trust: config.proxyProtocol });
    log.info(`PROXY_PROTOCOL: ${config.host}:${front.port} reads the PROXY protocol header and forwards to 127.0.0.1:${server.port}`);
  }
  const where =
    (config.unixSocket ? `unix socket ${config.unixSocket}` : `${config.host}:${front?.port ?? server.port}`) + (front ? " (PROXY protocol)" : "") + (config.tls ? " (HTTPS)" : "");
  log.info(`Latchkey is listening on ${where}; open ${config.appUrl}`);
  warnOutdatedClientUrls(runtime.db, log);
  if (config.trustedPlatform && config.trustProxy.kind === "none") {
    log.warn(`TRUSTED_PLATFORM (${config.trustedPlatform}) is read only from a trusted proxy, and TRUST_PROXY is not set: the header is ignored. Set TRUST_PROXY to your proxy's address (or true).`);
  }
  if (config.unsupportedVariables.length > 0) {
    log.warn(`Pocket ID variables that Latchkey does not support are set and ignored: ${config.unsupportedVariables.join(", ")}`);
  }

  let stopping = false;
  let stopPrerendering = () => {};
  let background: ReturnType<typeof startBackgroundWork> | null = null;
  // What needs the key starts once it is stored: discovery and JWKS as static routes (never without a key), the
  // scheduled jobs, the email outbox and back-channel logout deliveries (which sign logout tokens).
  const started = signingKey.then(
    async ({ kid, generated }) => {
      if (generated) log.info(`first start: generated the signing key ${kid} (RS256)`);
      if (stopping) return;
      stopPrerendering = await servePrerendered(server, app, fetch);
      background = startBackgroundWork(deps, { instanceId });
      settleAfterStartup();
    },
    (e: unknown) => {
      throw new StartupError(`Creating the first signing key failed: ${e instanceof Error ? e.message : String(e)}`);
    },
  );

  return await new Promise<number>((resolve, reject) => {
    const stop = async (signal: string, failure?: Error) => {
      if (stopping) return;
      stopping = true;
      if (failure) log.error("start-up could not finish: stopping");
      else log.info(`received ${signal}: finishing in-flight requests`);
      // Long polls answer "still pending" now, so the browser asks again (of another instance, or after the restart).
      draining.abort();
      front?.stopAccepting();
      const finished = server.stop(false).then(() => true);
      const outOfTime = Bun.sleep(SHUTDOWN_GRACE_MS).then(() => false);
      if (!(await Promise.race([finished, outOfTime]))) {
        log.warn(`requests still running after ${SHUTDOWN_GRACE_MS / 1000} s: closing their connections`);
        await server.stop(true);
      }
      front?.closeAll();
      // A key still being generated is stored (or fails) before the database closes.
      await started.catch(() => undefined);
      stopPrerendering();
      await background?.stop();
      await checkpoints?.stop();
      runtime.close();
      lock.release();
      log.info("stopped");
      if (failure) reject(failure);
      else resolve(0);
    };
    // Without a key the server cannot do its job: it stops, and exits 1 like any other start-up failure.
    started.catch((e: unknown) => void stop("", e instanceof Error ? e : new Error(String(e))));
    process.on("SIGTERM", () => void stop("SIGTERM"));
    process.on("SIGINT", () => void stop("SIGINT"));
  });
}
