/**
 * The PostgreSQL behind `--engine postgres`: one cluster per benchmark run, started by
 * tests/helpers/postgres.ts (initdb into a temp folder, pg_ctl on a free port, as the `postgres` user via
 * runuser when root) with PostgreSQL's DEFAULT durability (fsync, synchronous_commit and full_page_writes
 * on: what a deployment runs, unlike the tests' fast settings), plus pg_stat_statements so the bench can
 * count the statements each request costs. Each Latchkey side gets a database of its own.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { SQL } from "bun";
import { startPostgres, type PgServer } from "../../tests/helpers/postgres.ts";
import { cpuMs } from "./procs.ts";

let cluster: Promise<PgServer> | null = null;
/** --pg-fast: the tests' settings instead (fsync, synchronous_commit and full_page_writes off), to show what durability costs. */
const FAST = process.argv.includes("--pg-fast");

export function benchPostgres(): Promise<PgServer> {
  cluster ??= startPostgres({ durable: !FAST, settings: ["shared_preload_libraries = 'pg_stat_statements'"] });
  return cluster;
}

/** Stops and removes the cluster when one was started. */
export async function stopBenchPostgres(): Promise<void> {
  if (!cluster) return;
  const c = cluster;
  cluster = null;
  await (await c).cleanup();
}

/** A fresh database (with pg_stat_statements) and its connection URL. */
export async function newPostgresDatabase(): Promise<string> {
  const pg = await benchPostgres();
  const url = await pg.createDatabase(`bench_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`);
  await withSql(url, (sql) => sql.unsafe("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"));
  return url;
}

async function withSql<T>(url: string, fn: (sql: SQL) => Promise<T>): Promise<T> {
  const sql = new SQL({ url, max: 1 });
  try {
    return await fn(sql);
  } finally {
    await sql.close();
  }
}

/** Calls so far per statement text in the database of `url` (pg_stat_statements; BEGIN/COMMIT included). */
export async function statementCalls(url: string): Promise<Map<string, number>> {
  const db = decodeURIComponent(new URL(url).pathname.slice(1));
  return await withSql(url, async (sql) => {
    const rows = (await sql.unsafe(
      `SELECT s.query, sum(s.calls)::bigint AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
       WHERE d.datname = $1 AND s.query NOT LIKE '%pg_stat_statements%' GROUP BY s.query`,
      [db],
    )) as Array<{ query: string; n: bigint | number | string }>;
    return new Map(rows.map((r) => [r.query.replace(/\s+/g, " "), Number(r.n)]));
  });
}

/** Statements per request between two snapshots, most frequent first. */
export function statementMix(before: Map<string, number>, after: Map<string, number>, requests: number): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [q, n] of after) {
    const d = n - (before.get(q) ?? 0);
    if (d > 0) out.push([q, d / requests]);
  }
  return out.sort((a, b) => b[1] - a[1]);
}

/**
 * CPU time (ms) of the whole PostgreSQL cluster: the postmaster, its live children (one backend per
 * connection, the background workers) and its reaped children.
 */
export async function postgresCpuMs(): Promise<number | null> {
  const pg = await benchPostgres();
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(path.join(pg.dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return null;
  }
  let total = 0;
  try {
    const stat = readFileSync(`/proc/${postmaster}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    total += ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / 100;
  } catch {
    return null;
  }
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(f[1]) === postmaster) total += cpuMs(Number(entry)) ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

