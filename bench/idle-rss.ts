/**
 * Idle RSS of the compiled binary right after start (issue 6 target: ≤ 50 MB).
 *
 * Builds the binary to a temporary file as `bun run build` does (compileBinary from build/compile.ts, profiled
 * second pass included), or takes `--binary PATH`. Starts it `--runs N` times (default 3), each in a fresh empty
 * folder with a fresh data folder and the minimal environment (APP_URL, PORT, LOG_LEVEL=warn), waits until /healthz
 * answers, then `--settle-ms` (default 2500) more, and reads VmRSS (/proc/PID/status) and Anonymous
 * (/proc/PID/smaps_rollup). Prints every run and the medians. `--restart` measures a second start over the data
 * the first one created instead.
 *
 * Usage: bun run bench/idle-rss.ts [--binary PATH] [--runs N] [--settle-ms MS] [--restart]
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileBinary } from "../build/compile.ts";
import { freePort, startServer } from "./lib/procs.ts";

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(option("--runs") ?? 3);
const settleMs = Number(option("--settle-ms") ?? 2500);
const restart = argv.includes("--restart");

interface Sample {
  rss: number;
  anon: number;
  rssFile: number;
}

/** VmRSS, and Anonymous / Rss of file-backed pages from smaps_rollup, in MB. */
function sample(pid: number): Sample {
  const kb = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN) / 1024;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  return { rss: kb(status, "VmRSS"), anon: kb(rollup, "Anonymous"), rssFile: kb(status, "RssFile") };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measureOnce(binary: string): Promise<Sample> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "latchkey-idle-rss-"));
  try {
    const bin = path.join(dir, "latchkey");
    copyFileSync(binary, bin);
    mkdirSync(path.join(dir, "data"));
    const port = await freePort();
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, APP_URL: `http://localhost:${port}`, PORT: String(port), LOG_LEVEL: "warn" };
    const start = () => startServer({ name: "latchkey", cmd: [bin, "serve"], cwd: dir, env, port, readyPath: "/healthz" });
    let server = await start();
    if (restart) {
      await server.stop();
      server = await start();
    }
    await Bun.sleep(settleMs);
    const s = sample(server.pid);
    await server.stop();
    return s;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let binary = option("--binary");
if (!binary) {
  binary = path.join(os.tmpdir(), `latchkey-idle-rss-${process.pid}`);
  const t0 = performance.now();
  await compileBinary(binary, { assets: false });
  console.log(`built ${binary} in ${Math.round(performance.now() - t0)} ms`);
}
const samples: Sample[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const s = await measureOnce(binary);
    samples.push(s);
    console.log(`run ${i + 1}: VmRSS ${s.rss.toFixed(1)} MB, Anonymous ${s.anon.toFixed(1)} MB, RssFile ${s.rssFile.toFixed(1)} MB`);
  }
} finally {
  if (!option("--binary")) for (const f of [binary, `${binary}.map`]) rmSync(f, { force: true });
}
const m = (f: (s: Sample) => number) => median(samples.map(f)).toFixed(1);
console.log(`median of ${runs}${restart ? " (restart over existing data)" : " (fresh data folder)"}: idle VmRSS ${m((s) => s.rss)} MB, Anonymous ${m((s) => s.anon)} MB, RssFile ${m((s) => s.rssFile)} MB`);
