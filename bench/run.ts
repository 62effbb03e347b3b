/**
 * `cd bench && bun install && bun run bench`: Latchkey side by side with npm oidc-provider (Node) and a
 * bare Elysia hello-world (Bun), driven by wrk on loopback.
 *
 * - Every point is bounded in time, repeated (3 by default) and reported as the median.
 * - Single-use values (codes, refresh tokens) are minted before each run; a run that uses them all up
 *   stops early and its rate is computed over the time it really ran.
 * - Each endpoint is probed with one real request first; an endpoint that does not answer correctly is
 *   reported "n/a" with the reason, so the harness runs while the server is still being built.
 * - Every process is started by lib/procs.ts and stopped by its pid, also on error and SIGINT.
 *
 * Flags: --quick (1 rep, 1 s, 16 connections; reported in the temp folder, not RESULTS.md), --duration S,
 * --reps N, --conns 2,16,64, --scale (also the 100 vs 1M users run), --scale-only, --scale-users N,
 * --no-rs256, --no-footprint, --out FILE (default RESULTS.md),
 * --binary FILE (default build/out/latchkey), --rebuild (build it even when it exists),
 * --only KEY,… (discovery, jwks, token_cc, token_ac, token_refresh, userinfo, introspect, passkey, hello),
 * --baseline FILE (a previous Latchkey binary measured in the peer's column, in the same run, prepared the
 * same way: "did this change regress anything?"; no targets section, reported in the temp folder unless --out),
 * --engine postgres (ours on a PostgreSQL this run starts, lib/postgres.ts; the peer's column is then the same
 * binary on SQLite unless --baseline or --instances say otherwise; reported in the temp folder unless --out),
 * --instances N (with --engine postgres: ours = N instances on one database behind a round-robin Caddy, the
 * peer's column = one instance behind the same Caddy), --pg-fast (the tests' PostgreSQL settings, fsync,
 * synchronous_commit and full_page_writes off, instead of PostgreSQL's defaults: what durability costs).
 * --rate-limits (ours keeps its rate limits on; wrk's single IP then meets the passkey begin limit).
 * On PostgreSQL each point also reports the statements per request (pg_stat_statements) and the cluster's CPU.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openBenchDb } from "./lib/db.ts";
import { benchPostgres, postgresCpuMs, statementCalls, statementMix, stopBenchPostgres } from "./lib/postgres.ts";
import { cpuMs, installSignalHandlers, registerTemp, rssMb, runCommand, startServer, freePort, stopAll } from "./lib/procs.ts";
import { median, runWrk, type WrkPoint, type WrkTarget } from "./lib/wrk.ts";
import { BENCH_DIR, BINARY, ROOT, STATIC_API_KEY, ensureBinary, useBinary, freshBinaryDir, oursEnv, startOurs, startPeer, type Alg, type Engine, type Side } from "./lib/sides.ts";
import { joseSignRate, webauthnVerifyRate } from "./lib/raw-rates.ts";
import { ceremonyLoad, discoverCeremony, signInOnce, type CeremonyContext } from "./lib/ceremony.ts";
import { pool } from "./lib/pool.ts";
import { seedDatabase } from "./seed.ts";
import { ENDPOINTS, firstLine, signatureCount, type EndpointDef, type Load } from "./lib/endpoints.ts";

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const QUICK = flag("--quick");
const DURATION = Number(option("--duration") ?? (QUICK ? 1 : 3));
const REPS = Number(option("--reps") ?? (QUICK ? 1 : 3));
const CONNS = (option("--conns") ?? (QUICK ? "16" : "2,16,64")).split(",").map(Number);
const SCALE = flag("--scale") || flag("--scale-only");
const SCALE_ONLY = flag("--scale-only");
const SCALE_USERS = Number(option("--scale-users") ?? 1_000_000);
const RS256 = !flag("--no-rs256") && !SCALE_ONLY;
const FOOTPRINT = !flag("--no-footprint") && !SCALE_ONLY;
const REBUILD = flag("--rebuild");
/** --only token_ac,userinfo: measure only these endpoints (and skip the other sections). */
const ONLY = option("--only")?.split(",") ?? null;
if (option("--binary")) useBinary(option("--binary")!);
const BASELINE = option("--baseline") ? path.resolve(option("--baseline")!) : null;
const ENGINE = (option("--engine") ?? "sqlite") as Engine;
if (ENGINE !== "sqlite" && ENGINE !== "postgres") throw new Error(`--engine sqlite|postgres, not ${ENGINE}`);
const INSTANCES = Number(option("--instances") ?? 1);
if (INSTANCES > 1 && ENGINE !== "postgres") throw new Error("--instances needs --engine postgres (SQLite allows one server per database file)");
// A quick run, a baseline comparison or a PostgreSQL run never replaces the reference table.
const OUT = path.resolve(
  BENCH_DIR,
  option("--out") ??
    (QUICK
      ? path.join(os.tmpdir(), "latchkey-bench-quick.md")
      : BASELINE
        ? path.join(os.tmpdir(), "latchkey-bench-baseline.md")
        : ENGINE === "postgres"
          ? path.join(os.tmpdir(), "latchkey-bench-postgres.md")
          : "RESULTS.md"),
);
/** Our side: the binary on the chosen engine, as many instances as asked (behind Caddy when more than one). */
/** --rate-limits: our side keeps its rate limits on (the success path must cost no extra statement). */
const RATE_LIMITS = flag("--rate-limits");
const startMine = (alg: Alg): Promise<Side> => startOurs({ alg, log, engine: ENGINE, instances: INSTANCES, rateLimits: RATE_LIMITS });
/**
 * The peer's column: the --baseline binary (same engine); with --instances N, one instance behind the same
 * proxy; with --engine postgres alone, the same binary on SQLite; else npm oidc-provider.
 */
const startOther = (alg: Alg): Promise<Side> =>
  BASELINE
    ? startOurs({ alg, log, binary: BASELINE, as: "peer", engine: ENGINE })
    : INSTANCES > 1
      ? startOurs({ alg, log, as: "peer", engine: "postgres", instances: 1, proxy: true })
      : ENGINE === "postgres"
        ? startOurs({ alg, log, as: "peer", engine: "sqlite" })
        : startPeer({ alg });
const PEER_LABEL = BASELINE
  ? `the baseline Latchkey binary ${path.basename(BASELINE)}${ENGINE === "postgres" ? " (on PostgreSQL too)" : ""}`
  : INSTANCES > 1
    ? "one Latchkey instance on PostgreSQL behind the same Caddy round-robin"
    : ENGINE === "postgres"
      ? "the same Latchkey binary on SQLite"
      : "oidc-provider (in-memory adapter) on Node";
const OURS_LABEL = (RATE_LIMITS ? "(rate limits ON) " : "") + (INSTANCES > 1 ? `${INSTANCES} Latchkey instances on one PostgreSQL database behind a Caddy round-robin (CPU and RSS summed over the instances)` : ENGINE === "postgres" ? "Latchkey binary on PostgreSQL" : "Latchkey binary");

const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

// ---------------------------------------------------------------- results

interface Cell {
  rps: number;
  /** PostgreSQL sides: the cluster's CPU time per request (µs) and statements per request (pg_stat_statements). */
  pgCpuUs?: number | null;
  statementsPerReq?: number | null;
  /** Statements per request by statement text (the last run). */
  mix?: Array<[string, number]>;
  /** Server CPU time (all threads) per request: independent of how busy the rest of the machine is. */
  cpuUs: number | null;
  p50Ms: number;
  p99Ms: number;
  rssMb: number | null;
  errors: number;
}
type Outcome = Cell | { na: string };

interface Row {
  section: string;
  endpoint: string;
  conns: number;
  ours: Outcome | null;
  peer: Outcome | null;
  note?: string;
}

const rows: Row[] = [];
/** The section of the full endpoint matrix (named after the signing algorithm both sides used). */
let mainSection = "ES256";
const facts: Array<[string, string]> = [];
const findings: string[] = [];

const isCell = (o: Outcome | null | undefined): o is Cell => !!o && !("na" in o);

/** CPU time of all of a side's server processes (instances), ms; null when one is gone. */
function sideCpuMs(side: Side): number | null {
  let total = 0;
  for (const s of side.servers) {
    const c = cpuMs(s.pid);
    if (c === null) return null;
    total += c;
  }
  return total;
}
function sideRssMb(side: Side): number | null {
  let total = 0;
  for (const s of side.servers) {
    const r = rssMb(s.pid);
    if (r === null) return null;
    total += r;
  }
  return total;
}

/** PostgreSQL counters around a run: cluster CPU and statements in the side's database. */
interface PgCounters {
  cpu: number | null;
  calls: Map<string, number>;
}
async function pgCounters(side: Side): Promise<PgCounters | null> {
  if (side.engine !== "postgres" || !side.dbTarget) return null;
  return { cpu: await postgresCpuMs(), calls: await statementCalls(side.dbTarget) };
}
/** Collects one run's PostgreSQL figures per request. */
class PgRuns {
  cpu: number[] = [];
  statements: number[] = [];
  mix: Array<[string, number]> = [];
  add(before: PgCounters | null, after: PgCounters | null, requests: number): void {
    if (!before || !after || requests <= 0) return;
    // The counters' own queries are left out (pg_stat_statements filters on its name).
    this.mix = statementMix(before.calls, after.calls, requests);
    this.statements.push(this.mix.reduce((a, [, n]) => a + n, 0));
    if (before.cpu !== null && after.cpu !== null) this.cpu.push(((after.cpu - before.cpu) * 1000) / requests);
  }
}
/** Adds the PostgreSQL figures of runs (per request) to a cell. */
function withPg(cell: Cell, pg: PgRuns): Cell {
  if (pg.statements.length) {
    cell.statementsPerReq = median(pg.statements);
    cell.pgCpuUs = pg.cpu.length ? median(pg.cpu) : null;
    cell.mix = pg.mix;
  }
  return cell;
}

// ---------------------------------------------------------------- measuring

/** Rate estimates per side and endpoint, to mint enough single-use values (with margin). */
const rateEstimate = new Map<string, number>();

async function measurePoint(side: Side, key: string, load: Load, conns: number, reps = REPS, tag: string = side.name): Promise<Cell> {
  const points: WrkPoint[] = [];
  const cpuPer: number[] = [];
  const pg = new PgRuns();
  for (let rep = 0; rep < reps; rep++) {
    let target = load.target;
    let valuesFile: string | undefined;
    if (load.values) {
      // Enough values for the run at the best rate seen so far (+20%), capped: a run that uses them all
      // up stops early, and its rate is still computed over the time it ran.
      const est = rateEstimate.get(`${tag}:${key}`) ?? 3000;
      const cap = key === "token_refresh" ? 5000 : 12_000;
      const n = Math.ceil(Math.min(est * 1.2 * DURATION, cap)) + conns;
      const values = await load.values(n);
      valuesFile = registerTemp(path.join(os.tmpdir(), `latchkey-bench-values-${process.pid}.txt`));
      writeFileSync(valuesFile, values.join("\n") + "\n");
      target = { ...target, valuesFile };
    }
    const pg0 = await pgCounters(side);
    const cpu0 = sideCpuMs(side);
    const p = await runWrk(target, conns, DURATION);
    const cpu1 = sideCpuMs(side);
    const pg1 = await pgCounters(side);
    points.push(p);
    if (cpu0 !== null && cpu1 !== null && p.requests > 0) cpuPer.push(((cpu1 - cpu0) * 1000) / p.requests);
    pg.add(pg0, pg1, p.requests);
    if (load.values) rateEstimate.set(`${tag}:${key}`, Math.max(rateEstimate.get(`${tag}:${key}`) ?? 0, p.rps));
  }
  return withPg(
    {
      rps: median(points.map((p) => p.rps)),
      cpuUs: cpuPer.length ? median(cpuPer) : null,
      p50Ms: median(points.map((p) => p.p50Ms)),
      p99Ms: median(points.map((p) => p.p99Ms)),
      rssMb: sideRssMb(side),
      errors: points.reduce((a, p) => a + p.errors, 0),
    },
    pg,
  );
}

async function measureEndpoints(section: string, sides: Side[], defs: EndpointDef[], conns: number[]): Promise<void> {
  for (const def of defs) {
    const loads = new Map<Side, Load | { na: string }>();
    for (const side of sides) {
      try {
        loads.set(side, await def.prepare(side));
      } catch (e) {
        loads.set(side, { na: firstLine(e) });
      }
      const l = loads.get(side)!;
      if (!("na" in l) && !l.values) await runWrk(l.target, 16, 1).catch(() => undefined); // warm-up
    }
    for (const c of conns) {
      const row: Row = { section, endpoint: def.label, conns: c, ours: null, peer: null };
      for (const side of sides) {
        const l = loads.get(side)!;
        let outcome: Outcome;
        if ("na" in l) outcome = l;
        else {
          try {
            outcome = await measurePoint(side, def.key, l, c);
          } catch (e) {
            outcome = { na: `failed: ${firstLine(e)}` };
          }
        }
        row[side.name] = outcome;
        log(`${section} ${def.label} c=${c} ${side.name}: ${describe(outcome)}`);
      }
      rows.push(row);
    }
  }
}

function describe(o: Outcome | null): string {
  if (!o) return "-";
  if ("na" in o) return `n/a (${o.na})`;
  const pg = o.statementsPerReq != null ? `, PostgreSQL ${o.statementsPerReq.toFixed(1)} statements/req ${o.pgCpuUs?.toFixed(0) ?? "?"} µs CPU/req` : "";
  return `${Math.round(o.rps)} req/s${o.cpuUs !== null ? ` (${o.cpuUs.toFixed(0)} µs CPU/req${pg})` : ""} p50 ${o.p50Ms.toFixed(2)} ms p99 ${o.p99Ms.toFixed(2)} ms RSS ${o.rssMb?.toFixed(0)} MB${o.errors ? ` errors ${o.errors}` : ""}`;
}

// ---------------------------------------------------------------- sections

async function machineInfo(): Promise<void> {
  const cpu = os.cpus()[0]?.model ?? "unknown";
  // `wrk --version` exits 1 after printing its banner.
  const wrkProc = Bun.spawn(["wrk", "--version"], { stdout: "pipe", stderr: "pipe" });
  const wrkVersion = (await new Response(wrkProc.stdout).text()).split("\n")[0]!.replace(/ Copyright.*/, "").trim();
  const nodeVersion = (await runCommand(["node", "--version"], { cwd: BENCH_DIR })).trim();
  const pkg = (p: string) => (JSON.parse(readFileSync(path.join(BENCH_DIR, "node_modules", p, "package.json"), "utf8")) as { version: string }).version;
  const ours = (await runCommand([BINARY, "version"], { cwd: BENCH_DIR }).catch(() => "?")).trim();
  const commit = (await runCommand(["git", "rev-parse", "--short", "HEAD"], { cwd: ROOT }).catch(() => "?")).trim();
  facts.push(
    ["date", new Date().toISOString()],
    ["machine", `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`],
    ["nproc", String(os.availableParallelism())],
    ["latchkey", `${ours} at commit ${commit}, binary built ${statSync(BINARY).mtime.toISOString()} (bun ${Bun.version}, elysia ${pkg("elysia")})`],
    BASELINE
      ? ["peer (baseline)", `Latchkey binary ${BASELINE}, built ${statSync(BASELINE).mtime.toISOString()}`]
      : ENGINE === "postgres"
        ? ["peer", PEER_LABEL]
        : ["peer", `oidc-provider ${pkg("oidc-provider")} on node ${nodeVersion}`],
    ...(ENGINE === "postgres"
      ? [["engine", `PostgreSQL ${await postgresVersion()} on this machine (started by the bench, ${process.argv.includes("--pg-fast") ? "--pg-fast: fsync, synchronous_commit and full_page_writes OFF" : "DEFAULT durability: fsync, synchronous_commit, full_page_writes on"}), ${INSTANCES} instance(s)`] as [string, string]]
      : []),
    ["load average at start (other work on the machine skews figures)", os.loadavg().map((l) => l.toFixed(2)).join(", ")],
    ["load", `${wrkVersion}, 1 thread; ${DURATION} s per run, median of ${REPS}`],
  );
}

async function postgresVersion(): Promise<string> {
  const pg = await benchPostgres();
  const db = openBenchDb(pg.url());
  try {
    return String(db.query<{ v: string }, []>("SELECT current_setting('server_version') AS v").get()?.v ?? "?");
  } finally {
    db.close();
  }
}

async function ensureWrk(): Promise<void> {
  if (Bun.which("wrk")) return;
  log("installing Debian wrk (apt-get)…");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  await runCommand([...sudo, "apt-get", "update", "-qq"], { cwd: BENCH_DIR }).catch(() => "");
  await runCommand([...sudo, "apt-get", "install", "-y", "-qq", "wrk"], { cwd: BENCH_DIR, env: { ...(process.env as Record<string, string>), DEBIAN_FRONTEND: "noninteractive" } });
}

const raw = { es256: 0, rs256: 0, webauthn: 0 };
const foot: { idle: number | null; idleFresh: number | null; afterTokens: number | null; tokens: number; coldFresh: number | null; coldWarm: number | null } = {
  idle: null,
  idleFresh: null,
  afterTokens: null,
  tokens: 0,
  coldFresh: null,
  coldWarm: null,
};

async function rawRates(): Promise<void> {
  log("raw rates: jose ES256/RS256 signing, @simplewebauthn/server verification (one thread, Bun)…");
  raw.es256 = await joseSignRate("ES256", QUICK ? 1 : 2);
  raw.rs256 = await joseSignRate("RS256", QUICK ? 1 : 2);
  raw.webauthn = await webauthnVerifyRate(QUICK ? 1 : 2);
  facts.push(
    ["jose ES256 sign / s / thread", Math.round(raw.es256).toString()],
    ["jose RS256 sign / s / thread", Math.round(raw.rs256).toString()],
    ["@simplewebauthn/server verifyAuthenticationResponse / s", Math.round(raw.webauthn).toString()],
  );
}

async function ceiling(): Promise<void> {
  const port = await freePort();
  const hello = await startServer({
    name: "hello-elysia",
    cmd: ["bun", path.join(BENCH_DIR, "peer", "hello-elysia.ts")],
    cwd: BENCH_DIR,
    env: { PATH: process.env.PATH ?? "", PORT: String(port) },
    port,
    readyPath: "/",
  });
  try {
    const target = { url: `http://127.0.0.1:${port}/` };
    await runWrk(target, 16, 1);
    for (const c of CONNS) {
      const points: WrkPoint[] = [];
      const cpu: number[] = [];
      for (let r = 0; r < REPS; r++) {
        const c0 = cpuMs(hello.pid);
        const p = await runWrk(target, c, DURATION);
        const c1 = cpuMs(hello.pid);
        points.push(p);
        if (c0 !== null && c1 !== null && p.requests) cpu.push(((c1 - c0) * 1000) / p.requests);
      }
      const cell: Cell = { rps: median(points.map((p) => p.rps)), cpuUs: cpu.length ? median(cpu) : null, p50Ms: median(points.map((p) => p.p50Ms)), p99Ms: median(points.map((p) => p.p99Ms)), rssMb: rssMb(hello.pid), errors: 0 };
      rows.push({ section: "ceiling", endpoint: "GET hello-world (bare Elysia on Bun)", conns: c, ours: cell, peer: null, note: "framework ceiling" });
      log(`ceiling c=${c}: ${describe(cell)}`);
    }
  } finally {
    await hello.stop();
  }
}

/** The algorithm our server signs with, from its discovery document (RS256 when unknown). */
async function signingAlgOf(side: Side): Promise<Alg> {
  try {
    const d = (await (await fetch(side.endpoints.discovery)).json()) as { id_token_signing_alg_values_supported?: string[] };
    const a = d.id_token_signing_alg_values_supported?.[0];
    return a === "ES256" || a === "RS256" ? a : "RS256";
  } catch {
    return "RS256";
  }
}

async function ceremonySection(ours: Side, section: string, peer?: Side): Promise<CeremonyContext | null> {
  const ctxOf = (side: Side): CeremonyContext => ({ base: side.base, appUrl: side.appUrl!, rpId: "localhost", passkey: side.passkey! });
  const ctx = ctxOf(ours);
  const found = await discoverCeremony(ctx);
  const peerNa = { na: "no passkeys in oidc-provider" };
  if (!found.routes) {
    rows.push({ section, endpoint: "passkey sign-in (begin + finish)", conns: 16, ours: { na: `not implemented yet (${found.detail})` }, peer: peerNa });
    log(`passkey ceremony: n/a (${found.detail})`);
    return null;
  }
  log(`passkey ceremony routes: ${found.routes.beginMethod} ${found.routes.begin} → POST ${found.routes.finish} (${found.routes.wrap})`);
  // A Latchkey in the peer's column (--baseline, --engine postgres, --instances) signs in the same way.
  const sides: Side[] = [ours, ...(peer?.passkey ? [peer] : [])];
  for (const c of CONNS.filter((c) => c <= 16)) {
    const row: Row = { section, endpoint: "passkey sign-in (begin + finish)", conns: c, ours: null, peer: peerNa, note: BASELINE || peer?.passkey ? undefined : `vs raw verify ${Math.round(raw.webauthn)}/s` };
    for (const side of sides) {
      const sctx = ctxOf(side);
      const points = [];
      const cpu: number[] = [];
      const pg = new PgRuns();
      for (let r = 0; r < REPS; r++) {
        const pg0 = await pgCounters(side);
        const c0 = sideCpuMs(side);
        const p = await ceremonyLoad(sctx, found.routes, c, DURATION);
        const c1 = sideCpuMs(side);
        const pg1 = await pgCounters(side);
        points.push(p);
        if (c0 !== null && c1 !== null && p.count) cpu.push(((c1 - c0) * 1000) / p.count);
        pg.add(pg0, pg1, p.count);
      }
      const cell: Cell = withPg(
        {
          rps: median(points.map((p) => p.rps)),
          cpuUs: cpu.length ? median(cpu) : null,
          p50Ms: median(points.map((p) => p.p50Ms)),
          p99Ms: median(points.map((p) => p.p99Ms)),
          rssMb: sideRssMb(side),
          errors: points.reduce((a, p) => a + p.failures, 0),
        },
        pg,
      );
      row[side.name] = cell;
      log(`passkey ceremony c=${c} ${side.name}: ${describe(cell)}`);
    }
    rows.push(row);
  }
  (ceremonyRoutes as { value: typeof found.routes }).value = found.routes;
  return ctx;
}
const ceremonyRoutes: { value: Awaited<ReturnType<typeof discoverCeremony>>["routes"] } = { value: null };

function dbBytes(dbTarget: string): number {
  if (dbTarget.startsWith("postgres")) {
    const db = openBenchDb(dbTarget);
    try {
      return Number(db.query<{ n: number }, []>("SELECT pg_database_size(current_database()) AS n").get()!.n);
    } finally {
      db.close();
    }
  }
  const dbPath = dbTarget;
  let total = 0;
  for (const suffix of ["", "-wal"]) {
    try {
      total += statSync(dbPath + suffix).size;
    } catch {
      // absent
    }
  }
  return total;
}

/** Database growth per 1,000 sign-ins: checkpoint, size, sign in N times, checkpoint, size. */
async function dbGrowth(ours: Side, ctx: CeremonyContext): Promise<void> {
  const routes = ceremonyRoutes.value;
  if (!routes) {
    facts.push(["database growth per 1,000 sign-ins", "n/a (no passkey sign-in yet)"]);
    return;
  }
  const checkpoint = () => {
    // PostgreSQL: the database's size on disk (tables, indexes, TOAST; not the cluster-wide WAL).
    if (ours.engine === "postgres") return dbBytes(ours.dbTarget!);
    const db = openBenchDb(ours.dbTarget!);
    db.query("PRAGMA wal_checkpoint(TRUNCATE)").get();
    const pages = db.query<{ page_count: number }, []>("PRAGMA page_count").get()!.page_count;
    const free = db.query<{ freelist_count: number }, []>("PRAGMA freelist_count").get()!.freelist_count;
    const pageSize = db.query<{ page_size: number }, []>("PRAGMA page_size").get()!.page_size;
    db.close();
    return (pages - free) * pageSize;
  };
  const before = checkpoint();
  const n = QUICK ? 200 : 1000;
  const results = await pool(n, 8, () => signInOnce(ctx, routes));
  const ok = results.filter((r) => r.ok).length;
  const after = checkpoint();
  facts.push(["database growth per 1,000 sign-ins", `${(((after - before) / ok) * 1000 / 1024).toFixed(0)} KiB (${ours.engine === "postgres" ? "pg_database_size, PostgreSQL" : "used pages"}, ${ok} sign-ins measured)`]);
}

async function footprint(): Promise<void> {
  facts.push(["binary size", `${(statSync(BINARY).size / 2 ** 20).toFixed(1)} MiB`]);
  // Cold start: fresh data folder (migrations + key generation) and restart over existing data.
  const fresh: number[] = [];
  const warm: number[] = [];
  let idle: number | null = null;
  let idleFresh: number | null = null;
  for (let i = 0; i < (QUICK ? 3 : 5); i++) {
    const { dir, bin } = freshBinaryDir();
    const port = await freePort();
    const env = oursEnv(dir, port);
    const a = await startServer({ name: "latchkey (cold)", cmd: [bin], cwd: dir, env, port, readyPath: "/healthz" });
    fresh.push(a.readyMs);
    // Idle RSS as bench/idle-rss.ts reads it: 2.5 s after the first /healthz answer, on the first start and on a restart.
    if (i === 0) {
      await Bun.sleep(2500);
      idleFresh = rssMb(a.pid);
    }
    await a.stop();
    const b = await startServer({ name: "latchkey (restart)", cmd: [bin], cwd: dir, env, port, readyPath: "/healthz" });
    warm.push(b.readyMs);
    if (i === 0) {
      await Bun.sleep(2500);
      idle = rssMb(b.pid);
    }
    await b.stop();
    await runCommand(["rm", "-rf", dir], { cwd: BENCH_DIR });
  }
  foot.coldFresh = median(fresh);
  foot.coldWarm = median(warm);
  foot.idle = idle;
  foot.idleFresh = idleFresh;
  facts.push(
    ["cold start to first /healthz answer, fresh data folder (median)", `${median(fresh).toFixed(0)} ms`],
    ["cold start to first /healthz answer, existing data (median)", `${median(warm).toFixed(0)} ms`],
    ["idle RSS 2.5 s after start: fresh data folder / restart", `${idleFresh?.toFixed(1)} MB / ${idle?.toFixed(1)} MB`],
  );
}

/** RSS after 100k client_credentials (or authorization-code) token requests on a fresh server. */
async function rssAfterTokens(alg: Alg): Promise<void> {
  const ours = await startOurs({ alg, log });
  const total = QUICK ? 20_000 : 100_000;
  try {
    const before = rssMb(ours.server.pid);
    const cc = await ENDPOINTS.find((e) => e.key === "token_cc")!.prepare(ours);
    let requests = 0;
    let label = "client_credentials token requests";
    if (!("na" in cc)) {
      requests = (await runWrk({ ...cc.target, maxRequests: total }, 16, 120)).requests;
    } else {
      // No client_credentials: authorization-code exchanges, their codes minted through /authorize in batches.
      const ac = await ENDPOINTS.find((e) => e.key === "token_ac")!.prepare(ours);
      if ("na" in ac) {
        facts.push([`RSS after ${total / 1000}k token requests`, `n/a (${ac.na})`]);
        return;
      }
      label = "authorization-code exchanges (+ as many /authorize)";
      const file = registerTemp(path.join(os.tmpdir(), `latchkey-bench-rss-${process.pid}.txt`));
      const exchanges = QUICK ? 5000 : 20_000; // each needs an /authorize first: 100k would take minutes
      for (let done = 0; done < exchanges; ) {
        const n = Math.min(10_000, exchanges - done);
        writeFileSync(file, (await ac.values!(n)).join("\n") + "\n");
        requests += (await runWrk({ ...ac.target, valuesFile: file }, 16, 60)).requests;
        done += n;
      }
    }
    foot.afterTokens = rssMb(ours.server.pid);
    foot.tokens = requests;
    facts.push([`RSS after ${Math.round(requests / 1000)}k ${label}`, `${foot.afterTokens?.toFixed(1)} MB (${before?.toFixed(1)} MB before)`]);
  } finally {
    await ours.cleanup();
  }
}

/**
 * Token endpoint and userinfo with 100 users vs SCALE_USERS users (+10k clients, as many audit rows):
 * both servers run at once and their runs alternate, so drift on a shared machine hits both alike.
 */
async function scaleSection(): Promise<void> {
  const defs = ENDPOINTS.filter((e) => ["token_cc", "token_ac", "userinfo"].includes(e.key));
  const bigLabel = `${SCALE_USERS.toLocaleString("en")} users`;
  const sides: Array<{ label: string; side: Side }> = [];
  try {
    for (const [label, users] of [["100 users", 100], [bigLabel, SCALE_USERS]] as const) {
      log(`scale: seeding ${label}…`);
      const t0 = performance.now();
      const side = await startOurs({
        alg: "ES256",
        log,
        engine: ENGINE,
        seed: (dbTarget) => seedDatabase(dbTarget, users === 100 ? { users: 100, clients: 10, auditRows: 100 } : { users, clients: 10_000, auditRows: users }, log),
      });
      sides.push({ label, side });
      facts.push([`scale seed (${label})`, `${((performance.now() - t0) / 1000).toFixed(1)} s, database ${(dbBytes(side.dbTarget!) / 2 ** 20).toFixed(0)} MiB`]);
    }
    for (const def of defs) {
      const loads = await Promise.all(sides.map(async ({ side }) => { try { return await def.prepare(side); } catch (e) { return { na: firstLine(e) }; } }));
      const cells: Cell[][] = sides.map(() => []);
      const na = loads.find((l) => "na" in l) as { na: string } | undefined;
      if (!na) {
        for (const l of loads) if (!(l as Load).values) await runWrk((l as Load).target, 16, 1).catch(() => undefined);
        for (let rep = 0; rep < REPS; rep++) {
          for (let i = 0; i < sides.length; i++) cells[i]!.push(await measurePoint(sides[i]!.side, def.key, loads[i] as Load, 16, 1, sides[i]!.label));
        }
      }
      const med = (cs: Cell[]): Outcome => (na ? na : { rps: median(cs.map((c) => c.rps)), cpuUs: cs.some((c) => c.cpuUs === null) ? null : median(cs.map((c) => c.cpuUs!)), p50Ms: median(cs.map((c) => c.p50Ms)), p99Ms: median(cs.map((c) => c.p99Ms)), rssMb: cs.at(-1)!.rssMb, errors: cs.reduce((a, c) => a + c.errors, 0) });
      const small = med(cells[0]!);
      const big = med(cells[1]!);
      scaleRows.push({ endpoint: def.label, small, big });
      log(`scale ${def.label}: 100 users ${describe(small)} | ${bigLabel} ${describe(big)}`);
    }
    for (const { label, side } of sides) await adminListLatency(side, label);
  } finally {
    for (const { side } of sides) await side.cleanup();
  }
}

const scaleRows: Array<{ endpoint: string; small: Outcome; big: Outcome }> = [];

function scaleTable(): string[] {
  if (!scaleRows.length) return [];
  const big = `${SCALE_USERS.toLocaleString("en")} users`;
  return [
    "",
    `## Scale: 100 users vs ${big} (+10,000 clients, ${SCALE_USERS.toLocaleString("en")} audit rows), 16 connections`,
    "",
    "Both databases served at once, runs alternating; medians.",
    "",
    `| endpoint | 100 users req/s | CPU µs/req | p99 ms | ${big} req/s | CPU µs/req | p99 ms | ratio big/small req/s |`,
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...scaleRows.map((r) => {
      const ratio = isCell(r.small) && isCell(r.big) && r.small.rps > 0 ? (r.big.rps / r.small.rps).toFixed(2) : "";
      const na = [r.small, r.big].find((o) => "na" in o) as { na: string } | undefined;
      return `| ${r.endpoint}${na ? ` (n/a: ${na.na})` : ""} | ${fmtRate(r.small)} | ${fmtCpu(r.small)} | ${fmtMs(r.small, "p99Ms")} | ${fmtRate(r.big)} | ${fmtCpu(r.big)} | ${fmtMs(r.big, "p99Ms")} | ${ratio} |`;
    }),
  ];
}

/** Admin list pages: sequential requests, median and worst of 20 (target: under 50 ms at 1M rows). */
async function adminListLatency(ours: Side, label: string): Promise<void> {
  const pages: Array<[string, string]> = [
    ["users, first page", "/api/users?pagination[page]=1&pagination[limit]=20"],
    ["users, page 25,000 (offset 500k)", "/api/users?pagination[page]=25000&pagination[limit]=20"],
    ["users, search", "/api/users?search=seed0999&pagination[page]=1&pagination[limit]=20"],
    ["users, sorted by email desc", "/api/users?sort[column]=email&sort[direction]=desc&pagination[page]=1&pagination[limit]=20"],
    ["audit log (all), first page", "/api/audit-logs/all?pagination[page]=1&pagination[limit]=20"],
    ["audit log (all), page 10,000", "/api/audit-logs/all?pagination[page]=10000&pagination[limit]=20"],
  ];
  for (const [name, p] of pages) {
    const times: number[] = [];
    let status = 0;
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const res = await fetch(ours.base + p, { headers: { "x-api-key": STATIC_API_KEY } });
      await res.arrayBuffer();
      times.push(performance.now() - t0);
      status = res.status;
      if (status !== 200) break;
    }
    const value = status === 200 ? `${median(times).toFixed(1)} ms median, ${Math.max(...times).toFixed(1)} ms worst (of 20)` : `n/a (${status})`;
    facts.push([`admin list latency, ${label}: ${name}`, value]);
    log(`admin list ${label} ${name}: ${value}`);
  }
}

// ---------------------------------------------------------------- report

const fmtRate = (o: Outcome | null) => (!o ? "" : "na" in o ? "n/a" : Math.round(o.rps).toLocaleString("en"));
const fmtMs = (o: Outcome | null, k: "p50Ms" | "p99Ms") => (isCell(o) ? o[k].toFixed(2) : "");
const fmtCpu = (o: Outcome | null) => (isCell(o) && o.cpuUs !== null ? o.cpuUs.toFixed(0) : "");
const fmtRss = (o: Outcome | null) => (isCell(o) && o.rssMb !== null ? o.rssMb.toFixed(0) : "");

function table(): string {
  const head = "| section | endpoint | conns | ours req/s | ours p50 ms | ours p99 ms | ours CPU µs/req | ours RSS MB | peer req/s | peer p50 ms | peer p99 ms | peer CPU µs/req | peer RSS MB | ours/peer req/s | peer/ours CPU |";
  const sep = "|" + " --- |".repeat(15);
  const lines = rows.map((r) => {
    const ratio = isCell(r.ours) && isCell(r.peer) && r.peer.rps > 0 ? `${(r.ours.rps / r.peer.rps).toFixed(2)}×` : "";
    const errs = [isCell(r.ours) && r.ours.errors ? `ours ${r.ours.errors} errors` : "", isCell(r.peer) && r.peer.errors ? `peer ${r.peer.errors} errors` : ""].filter(Boolean).join(", ");
    const na = [r.ours && "na" in r.ours ? `ours: ${r.ours.na}` : "", r.peer && "na" in r.peer ? `peer: ${r.peer.na}` : ""].filter(Boolean).join("; ");
    const note = [r.note, errs, na].filter(Boolean).join("; ");
    const cpuRatio = isCell(r.ours) && isCell(r.peer) && r.ours.cpuUs && r.peer.cpuUs ? `${(r.peer.cpuUs / r.ours.cpuUs).toFixed(2)}×` : "";
    return `| ${r.section} | ${r.endpoint}${note ? ` (${note})` : ""} | ${r.conns} | ${fmtRate(r.ours)} | ${fmtMs(r.ours, "p50Ms")} | ${fmtMs(r.ours, "p99Ms")} | ${fmtCpu(r.ours)} | ${fmtRss(r.ours)} | ${fmtRate(r.peer)} | ${fmtMs(r.peer, "p50Ms")} | ${fmtMs(r.peer, "p99Ms")} | ${fmtCpu(r.peer)} | ${fmtRss(r.peer)} | ${ratio} | ${cpuRatio} |`;
  });
  return [head, sep, ...lines].join("\n");
}

function best(section: string, endpoint: string, side: "ours" | "peer"): number | null {
  const cells = rows.filter((r) => r.section === section && r.endpoint === endpoint).map((r) => r[side]).filter(isCell);
  return cells.length ? Math.max(...cells.map((c) => c.rps)) : null;
}

function targets(): string[] {
  const out: string[] = [];
  const hello = best("ceiling", "GET hello-world (bare Elysia on Bun)", "ours");
  const check = (label: string, ok: boolean | null, detail: string) => out.push(`- ${ok === null ? "n/a " : ok ? "MET " : "MISSED"} ${label}: ${detail}`);
  for (const ep of ["GET discovery", "GET JWKS"]) {
    const o = best(mainSection, ep, "ours");
    const p = best(mainSection, ep, "peer");
    check(`${ep} ≥ 5× peer`, o && p ? o >= 5 * p : null, o && p ? `${(o / p).toFixed(2)}× (best of the connection counts)` : "not measured");
    check(`${ep} ≥ 70% of hello-world`, o && hello ? o >= 0.7 * hello : null, o && hello ? `${((o / hello) * 100).toFixed(0)}%` : "not measured");
  }
  for (const alg of ["ES256", "RS256"] as const) {
    const cc = best(alg, "POST token client_credentials", "ours");
    const ccp = best(alg, "POST token client_credentials", "peer");
    check(`${alg} client_credentials ≥ 2× peer`, cc && ccp ? cc >= 2 * ccp : null, cc && ccp ? `${(cc / ccp).toFixed(2)}×` : "not measured");
    const ac = best(alg, "POST token authorization_code+PKCE", "ours");
    const sigs = signatureCount.get("ours:token_ac") ?? 2;
    const rawRate = alg === "ES256" ? raw.es256 : raw.rs256;
    const ceilingRate = rawRate / Math.max(1, sigs);
    check(`${alg} authorization_code ≥ 80% of signing ceiling (${Math.round(rawRate)}/s ÷ ${sigs} signatures = ${Math.round(ceilingRate)}/s)`, ac ? ac >= 0.8 * ceilingRate : null, ac ? `${Math.round(ac)} req/s = ${((ac / ceilingRate) * 100).toFixed(0)}%` : "not measured");
    if (alg === "ES256") check("ES256 authorization_code ≥ 4,000 req/s", ac ? ac >= 4000 : null, ac ? `${Math.round(ac)} req/s` : "not measured");
  }
  check("idle RSS ≤ 50 MB", foot.idle === null ? null : foot.idle <= 50, foot.idle === null ? "not measured" : `${foot.idle.toFixed(1)} MB`);
  check("RSS after 100k token requests ≤ 90 MB", foot.afterTokens === null || foot.tokens < 90_000 ? null : foot.afterTokens <= 90, foot.afterTokens === null ? "not measured" : `${foot.afterTokens.toFixed(1)} MB after ${foot.tokens} requests`);
  check("cold start ≤ 150 ms (existing data)", foot.coldWarm === null ? null : foot.coldWarm <= 150, foot.coldWarm === null ? "not measured" : `${foot.coldWarm.toFixed(0)} ms (fresh data folder: ${foot.coldFresh?.toFixed(0)} ms)`);
  const ceremony = best(mainSection, "passkey sign-in (begin + finish)", "ours");
  if (ceremony) out.push(`- info passkey sign-in ${Math.round(ceremony)}/s vs raw @simplewebauthn/server verification ${Math.round(raw.webauthn)}/s (${((ceremony / raw.webauthn) * 100).toFixed(0)}%; the Bun client signing the assertions shares the 2 cores)`);
  return out;
}

/** The cell of one endpoint at one connection count. */
function cellAt(section: string, endpoint: string, conns: number, side: "ours" | "peer"): Cell | null {
  const r = rows.find((x) => x.section === section && x.endpoint === endpoint && x.conns === conns);
  const c = r?.[side] ?? null;
  return isCell(c) ? c : null;
}

/** Issue 24's targets (performance round 2). */
function targetsRound2(): string[] {
  const out: string[] = [];
  const check = (label: string, ok: boolean | null, detail: string) => out.push(`- ${ok === null ? "n/a " : ok ? "MET " : "MISSED"} ${label}: ${detail}`);
  const ceremony = best(mainSection, "passkey sign-in (begin + finish)", "ours");
  check(
    "passkey sign-in (begin + finish) ≥ 50% of the raw verifyAuthenticationResponse rate",
    ceremony ? ceremony >= 0.5 * raw.webauthn : null,
    ceremony ? `${Math.round(ceremony)}/s vs ${Math.round(raw.webauthn)}/s = ${((ceremony / raw.webauthn) * 100).toFixed(0)}% (best of the connection counts)` : "not measured",
  );
  for (const [label, v] of [["fresh data folder", foot.idleFresh], ["restart", foot.idle]] as const) {
    check(`idle RSS ≤ 45 MB (${label})`, v === null ? null : v <= 45, v === null ? "not measured" : `${v.toFixed(1)} MB`);
  }
  check("first start on an empty folder ≤ 150 ms to the first /healthz answer", foot.coldFresh === null ? null : foot.coldFresh <= 150, foot.coldFresh === null ? "not measured" : `${foot.coldFresh.toFixed(0)} ms (median)`);
  check("restart on existing data ≤ 100 ms", foot.coldWarm === null ? null : foot.coldWarm <= 100, foot.coldWarm === null ? "not measured" : `${foot.coldWarm.toFixed(0)} ms (median)`);
  const sigs = signatureCount.get("ours:token_ac") ?? 2;
  const ceilingRate = raw.es256 / Math.max(1, sigs);
  for (const conns of [16, 64]) {
    const ac = cellAt("ES256", "POST token authorization_code+PKCE", conns, "ours");
    const acp = cellAt("ES256", "POST token authorization_code+PKCE", conns, "peer");
    check(`ES256 code exchange ≥ 3× peer at ${conns} connections`, ac && acp ? ac.rps >= 3 * acp.rps : null, ac && acp ? `${(ac.rps / acp.rps).toFixed(2)}× (${Math.round(ac.rps)} vs ${Math.round(acp.rps)} req/s; CPU per request ${((acp.cpuUs ?? 0) / (ac.cpuUs ?? 1)).toFixed(2)}× lower)` : "not measured");
    check(
      `ES256 code exchange ≥ 75% of the two-signature ceiling at ${conns} connections (${Math.round(raw.es256)}/s ÷ ${sigs} = ${Math.round(ceilingRate)}/s)`,
      ac ? ac.rps >= 0.75 * ceilingRate : null,
      ac ? `${((ac.rps / ceilingRate) * 100).toFixed(0)}%` : "not measured",
    );
    const rr = cellAt("ES256", "POST token refresh_token (rotation)", conns, "ours");
    const rrp = cellAt("ES256", "POST token refresh_token (rotation)", conns, "peer");
    check(`ES256 refresh rotation ≥ 3× peer at ${conns} connections`, rr && rrp ? rr.rps >= 3 * rrp.rps : null, rr && rrp ? `${(rr.rps / rrp.rps).toFixed(2)}× (${Math.round(rr.rps)} vs ${Math.round(rrp.rps)} req/s)` : "not measured");
  }
  for (const ep of ["POST token client_credentials", "POST token authorization_code+PKCE"]) {
    const o = best("RS256", ep, "ours");
    const p = best("RS256", ep, "peer");
    check(`RS256 ${ep.replace("POST token ", "")} ≥ 1.0× peer`, o && p ? o >= p : null, o && p ? `${(o / p).toFixed(2)}×` : "not measured");
  }
  return out;
}

/** Statements and PostgreSQL CPU per request, for the sides on PostgreSQL. */
function postgresTable(): string[] {
  const lines: string[] = [];
  for (const r of rows) {
    for (const side of ["ours", "peer"] as const) {
      const c = r[side];
      if (isCell(c) && c.statementsPerReq != null) {
        const blocked = c.statementsPerReq * ROUND_TRIP_US.value;
        lines.push(`| ${r.endpoint} | ${r.conns} | ${side} | ${c.statementsPerReq.toFixed(1)} | ${c.pgCpuUs?.toFixed(0) ?? ""} | ${c.cpuUs?.toFixed(0) ?? ""} | ${ROUND_TRIP_US.value ? blocked.toFixed(0) : ""} |`);
      }
    }
  }
  if (!lines.length) return [];
  return [
    "",
    "## PostgreSQL: statements and CPU per request",
    "",
    `Statements per request from pg_stat_statements (BEGIN and COMMIT count as statements). One statement's round trip from this process, measured before the load: ${ROUND_TRIP_US.value.toFixed(0)} µs (median of SELECT 1 through src/db/postgres); the event loop waits that long per statement.`,
    "",
    "| endpoint | conns | side | statements/req | PostgreSQL CPU µs/req | Latchkey CPU µs/req | round trips × statements µs/req |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...lines,
  ];
}

/** What each endpoint's requests ran on PostgreSQL, statement by statement (pg_stat_statements). */
function statementTables(): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const side of ["ours", "peer"] as const) {
      const c = r[side];
      const mix = isCell(c) ? (c.mix ?? []).filter(([, n]) => n >= 0.05) : [];
      if (!mix.length || seen.has(`${side}:${r.endpoint}`)) continue;
      seen.add(`${side}:${r.endpoint}`);
      out.push(
        "",
        `### ${r.endpoint}: statements per request (${side}, ${r.conns} connections, last run)`,
        "",
        "| per request | statement |",
        "| --- | --- |",
        ...mix.slice(0, 14).map(([q, n]) => `| ${n.toFixed(2)} | \`${q.slice(0, 150).replaceAll("|", "\\|")}${q.length > 150 ? "…" : ""}\` |`),
      );
    }
  }
  return out;
}

/** One statement's round trip through src/db/postgres (SELECT 1, median of 2,000), filled on PostgreSQL runs. */
const ROUND_TRIP_US = { value: 0 };
const COMMIT_US = { value: 0 };
/** This process's CPU (both threads) per SELECT 1 through src/db/postgres. */
const ROUND_TRIP_CPU_US = { value: 0 };
async function measureRoundTrip(): Promise<void> {
  const pg = await benchPostgres();
  const db = openBenchDb(pg.url());
  const times: number[] = [];
  const commits: number[] = [];
  try {
    const q = db.query("SELECT 1 AS ok");
    for (let i = 0; i < 200; i++) q.get();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < 2000; i++) {
      const t0 = performance.now();
      q.get();
      times.push((performance.now() - t0) * 1000);
    }
    const cpu = process.cpuUsage(cpu0);
    ROUND_TRIP_CPU_US.value = (cpu.user + cpu.system) / 2000;
    // A write transaction (BEGIN, one-row INSERT, COMMIT): the commit waits for the WAL flush.
    db.exec("CREATE TABLE IF NOT EXISTS bench_round_trip (id BIGINT NOT NULL)");
    const insert = db.query("INSERT INTO bench_round_trip (id) VALUES (?)");
    const tx = db.transaction((i: number) => insert.run(i));
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      tx(i);
      commits.push((performance.now() - t0) * 1000);
    }
    db.exec("DROP TABLE bench_round_trip");
  } finally {
    db.close();
  }
  ROUND_TRIP_US.value = median(times);
  COMMIT_US.value = median(commits);
  const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!.toFixed(0);
  facts.push(
    ["PostgreSQL round trip (SELECT 1 through src/db/postgres, this process)", `median ${median(times).toFixed(0)} µs, p99 ${p99(times)} µs (of 2,000); client CPU (calling thread + connection thread) ${ROUND_TRIP_CPU_US.value.toFixed(0)} µs per statement`],
    ["PostgreSQL write transaction (BEGIN, INSERT one row, COMMIT: 3 round trips and a WAL flush)", `median ${median(commits).toFixed(0)} µs, p99 ${p99(commits)} µs (of 300)`],
  );
}

function report(): string {
  const factLines = facts.map(([k, v]) => `| ${k} | ${v} |`).join("\n");
  const sigs = [...signatureCount].map(([k, v]) => `${k} ${v}`).join(", ");
  return [
    "# Benchmark results",
    "",
    "Latest run of `cd bench && bun install && bun run bench` (see bench/README.md for method). Regenerated by every run.",
    "",
    "| fact | value |",
    "| --- | --- |",
    factLines,
    "",
    "## Throughput and latency",
    "",
    `\`ours\` = ${OURS_LABEL}, \`peer\` = ${PEER_LABEL}${BASELINE ? ` (${statSync(BASELINE).mtime.toISOString()})` : ""}; same client, grants and signing algorithm, prepared the same way.`,
    "RSS is measured after the point's runs. req/s, p50 and p99 are medians of the repeated runs.",
    "CPU µs/req is the server process's CPU time (all threads, from /proc) divided by the requests served: it does not",
    "depend on how busy the rest of the machine is, so `peer/ours CPU` is the fairest efficiency ratio on a shared machine.",
    `Signatures per token response (JWS counted in the answer): ${sigs || "n/a"}.`,
    "",
    table(),
    ...scaleTable(),
    ...postgresTable(),
    ...statementTables(),
    "",
    ...(BASELINE || ENGINE === "postgres" ? [] : ["## Targets (issue 24, performance round 2)", "", ...targetsRound2(), "", "## Targets (issue 6, first round)", "", ...targets()]),
    ...(findings.length ? ["", "## Notes", "", ...findings.map((f) => `- ${f}`)] : []),
    "",
  ].join("\n");
}

/** Everything from this line on in the previous report is kept when the report is written again. */
const KEPT_MARKER = "<!-- kept across runs: sections below are not regenerated -->";

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  installSignalHandlers();
  await ensureWrk();
  await ensureBinary(log, REBUILD);
  await machineInfo();
  if (ENGINE === "postgres") await measureRoundTrip();
  log(facts.map(([k, v]) => `${k}: ${v}`).join("\n"));

  if (!SCALE_ONLY) {
    await rawRates();
    if (!ONLY || ONLY.includes("hello")) await ceiling();

    log("starting Latchkey and oidc-provider (ES256)…");
    const ours = await startMine("ES256");
    // Both sides sign with the same algorithm: the one our server really uses (RS256 until key-rotate exists).
    const alg = await signingAlgOf(ours);
    if (alg !== "ES256") findings.push(`ours signs with ${alg} (asked for ES256): the main table compares ${alg} on both sides`);
    const peer = await startOther(alg);
    mainSection = alg;
    facts.push([`idle RSS right after start (${alg} run)`, `ours ${sideRssMb(ours)?.toFixed(1)} MB, peer ${sideRssMb(peer)?.toFixed(1)} MB`]);
    for (const n of ours.notes) findings.push(`ours: ${n}`);
    try {
      await measureEndpoints(alg, [ours, peer], ONLY ? ENDPOINTS.filter((e) => ONLY.includes(e.key)) : ENDPOINTS, CONNS);
      if (!ONLY || ONLY.includes("passkey")) {
        const ctx = await ceremonySection(ours, alg, peer);
        if (ctx) await dbGrowth(ours, ctx);
        else facts.push(["database growth per 1,000 sign-ins", "n/a (no passkey sign-in yet)"]);
      }
    } finally {
      await ours.cleanup();
      await peer.cleanup();
    }

    if (RS256 && alg !== "RS256" && !ONLY) {
      log("starting Latchkey and oidc-provider (RS256)…");
      const ours2 = await startMine("RS256");
      const alg2 = await signingAlgOf(ours2);
      const peer2 = await startOther(alg2);
      try {
        await measureEndpoints(alg2, [ours2, peer2], ENDPOINTS.filter((e) => e.key === "token_cc" || e.key === "token_ac"), [16]);
      } finally {
        await ours2.cleanup();
        await peer2.cleanup();
      }
    }

    if (FOOTPRINT && !ONLY) {
      await footprint();
      await rssAfterTokens("ES256");
    }
  }
  if (SCALE) await scaleSection();

  facts.push(["load average at end", os.loadavg().map((l) => l.toFixed(2)).join(", ")]);
  // Dated sections written by hand below KEPT_MARKER (issue 21's PostgreSQL figures) survive a regenerated table.
  let kept = "";
  try {
    const previous = readFileSync(OUT, "utf8");
    const at = previous.indexOf(KEPT_MARKER);
    if (at >= 0) kept = "\n" + previous.slice(at);
  } catch {
    // no previous report
  }
  const text = report() + kept;
  writeFileSync(OUT, text);
  process.stdout.write("\n" + text + "\n");
  log(`written to ${path.relative(ROOT, OUT)}`);
}

try {
  await main();
} catch (e) {
  log(`failed: ${e instanceof Error ? e.stack : String(e)}`);
  await stopAll();
  await stopBenchPostgres();
  process.exit(1);
}
await stopAll();
await stopBenchPostgres();
