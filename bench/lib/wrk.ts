/** Drives one endpoint with wrk (one thread, bench.lua) and reads the JSON line bench.lua prints. */
import path from "node:path";

export interface WrkPoint {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

export interface WrkTarget {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** File of single-use values appended to `body`, one per request. */
  valuesFile?: string;
  maxRequests?: number;
}

const SCRIPT = path.join(import.meta.dir, "..", "wrk", "bench.lua");

export async function runWrk(target: WrkTarget, connections: number, seconds: number): Promise<WrkPoint> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    BENCH_METHOD: target.method ?? "GET",
    BENCH_HEADERS: Object.entries(target.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join("|"),
    BENCH_BODY: target.body ?? "",
    BENCH_VALUES: target.valuesFile ?? "",
    BENCH_MAX: String(target.maxRequests ?? 0),
    BENCH_THREADS: "1",
  };
  const proc = Bun.spawn(
    ["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", SCRIPT, target.url],
    { env, stdout: "pipe", stderr: "pipe" },
  );
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const line = out.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${out}${err}`);
  const j = JSON.parse(line.slice("BENCH_JSON ".length)) as {
    requests: number; effective_us: number; connect_errors: number; read_errors: number; write_errors: number;
    status_errors: number; timeouts: number; p50_us: number; p99_us: number;
  };
  return {
    rps: j.requests / (j.effective_us / 1e6),
    p50Ms: j.p50_us / 1000,
    p99Ms: j.p99_us / 1000,
    requests: j.requests,
    errors: j.connect_errors + j.read_errors + j.write_errors + j.status_errors + j.timeouts,
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
