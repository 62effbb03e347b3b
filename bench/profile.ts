/**
 * CPU profile of one endpoint under load: runs Latchkey from source under `bun --cpu-prof-md`, prepared
 * like the benchmark (fresh data, client, user, session), drives the endpoint with wrk, stops the server
 * (SIGTERM: the profile is written on exit) and prints the hottest functions by self time.
 *
 * Usage: bun run profile.ts <endpoint> [--seconds 5] [--conns 16] [--alg ES256]
 *   endpoint: discovery | jwks | token_cc | token_ac | token_refresh | userinfo | introspect
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ENDPOINTS } from "./lib/endpoints.ts";
import { installSignalHandlers, stopAll } from "./lib/procs.ts";
import { ROOT, ensureBinary, startOurs, type Alg } from "./lib/sides.ts";
import { runWrk } from "./lib/wrk.ts";

const args = process.argv.slice(2);
const key = args[0] ?? "token_ac";
const opt = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const seconds = Number(opt("--seconds", "5"));
const conns = Number(opt("--conns", "16"));
const alg = opt("--alg", "ES256") as Alg;
const def = ENDPOINTS.find((e) => e.key === key);
if (!def) {
  process.stderr.write(`unknown endpoint ${key}; one of ${ENDPOINTS.map((e) => e.key).join(", ")}\n`);
  process.exit(2);
}

installSignalHandlers();
await ensureBinary(console.error);
const profDir = mkdtempSync(path.join(os.tmpdir(), "latchkey-prof-"));
// From source, so the profile names functions and lines; the binary would be minified.
const fromSource = ["bun", `--tsconfig-override=${path.join(ROOT, "tsconfig.json")}`, path.join(ROOT, "src", "main.ts")];
const ours = await startOurs({ alg, log: console.error, serverCmd: fromSource });
try {
  const load = await def.prepare(ours);
  if ("na" in load) throw new Error(`n/a: ${load.na}`);
  let target = load.target;
  if (load.values) {
    const values = await load.values(Math.ceil(seconds * 6000));
    const file = path.join(profDir, "values.txt");
    await Bun.write(file, values.join("\n") + "\n");
    target = { ...target, valuesFile: file };
  }
  // Values are minted first; only the load itself runs under the profiler.
  await ours.restart!([fromSource[0]!, fromSource[1]!, "--cpu-prof-md", `--cpu-prof-dir=${profDir}`, fromSource[2]!]);
  await runWrk(target.valuesFile ? { url: ours.base + "/healthz" } : target, conns, 1); // warm-up
  const p = await runWrk(target, conns, seconds);
  console.log(`${def.label}: ${Math.round(p.rps)} req/s, p50 ${p.p50Ms.toFixed(2)} ms, p99 ${p.p99Ms.toFixed(2)} ms, ${p.errors} errors (under the profiler)`);
} finally {
  await ours.cleanup();
  await stopAll();
}
const md = readdirSync(profDir).find((f) => f.endsWith(".md"));
if (!md) throw new Error(`no profile written in ${profDir}`);
const text = readFileSync(path.join(profDir, md), "utf8");
console.log(`profile: ${path.join(profDir, md)}\n`);
console.log(text.slice(0, 6000));
