/**
 * `bun run build`: browser bundles, then one self-contained executable at build/out/latchkey.
 *
 * - Templates, static files, migrations and package.json are imported (`with { type: "file" | "text" | "json" }`),
 *   so the bundler embeds them; the binary reads nothing from the source tree or the working folder.
 * - JSX goes through @kitajs/html: `bun build` applies tsconfig.json's jsx / jsxImportSource.
 * - `--no-compile-autoload-dotenv` and `--no-compile-autoload-bunfig`: src/config.ts is the only reader of
 *   the environment and of `.env` (real variables win, `_FILE` rules apply); the binary must not let Bun
 *   load `.env`, `.env.local` or a bunfig.toml from whatever folder it is started in.
 * - Idle memory (issue 6: idle RSS ≤ 50 MB; `bun run bench/idle-rss.ts` builds and measures):
 *   - `--splitting`: every `await import()` (the WebAuthn library, nodemailer, ldapts, file-type, maxmind, the
 *     avatar encoder, each CLI subcommand) is its own chunk with its own bytecode, read only when imported. So is
 *     every synchronous `require()` of an ES module (each non-English message catalogue, src/i18n/catalog.ts:
 *     2–3 MB less); a required CommonJS package (tldts, src/lib/public-suffix.ts) stays in its chunk but runs
 *     only when first required.
 *   - `--bytecode-order` (2.8 MB less): two passes. The first binary is started twice in a temporary folder (a
 *     first start, then a restart over its data) with BUN_BYTECODE_ORDER_OUT, answering /healthz once; the second
 *     build lays the bytecode those starts used out together at the front, so a server touches far fewer pages
 *     of it. The profiles are recorded afresh by every build: nothing to keep in step with the code.
 *   - `--compile-jit-policy` (4 MB less): JavaScriptCore's tier-up thresholds stay raised until the server has
 *     started (src/cli/serve.ts resets them, src/main.ts at once for the other commands), so run-once start-up
 *     code is not JIT-compiled.
 *
 * - Version stamp: `--define` sets the commit (`git rev-parse HEAD`, "-dirty" when the tree has changes) and the
 *   build date (SOURCE_DATE_EPOCH when set, else now), which `latchkey version` and the admin pages show.
 * - `target` cross-compiles (`bun-linux-arm64`: Bun fetches that runtime from the npm registry once). A foreign
 *   executable cannot run here, so it gets no --bytecode-order pass.
 *
 * Usage: bun run build [--outfile PATH]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildAssets, ROOT } from "./assets.ts";

export const DEFAULT_BINARY = path.join(ROOT, "build/out/latchkey");

/** Tier-up threshold scale during start-up: 32 → 128 took idle RSS 52.9 → 52.5 MB; more changed nothing. */
const STARTUP_JIT_POLICY = 128;

export interface BuildStamp {
  commit: string;
  date: string;
}

/** The commit and date `latchkey version` reports for a build of this tree now. */
export function buildStamp(): BuildStamp {
  const git = (args: string[]) => {
    const r = Bun.spawnSync(["git", ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    return r.exitCode === 0 ? r.stdout.toString().trim() : null;
  };
  const head = git(["rev-parse", "HEAD"]);
  const dirty = head !== null && git(["status", "--porcelain", "--untracked-files=no"]) !== "";
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  const date = new Date(Number.isInteger(epoch) && epoch > 0 ? epoch * 1000 : Date.now());
  return { commit: head === null ? "unknown" : dirty ? `${head}-dirty` : head, date: date.toISOString().replace(/\.\d{3}Z$/, "Z") };
}

export interface CompileOptions {
  /** Rebuild static/js first (default true; tests must not rewrite committed files). */
  assets?: boolean;
  /** Precompile to bytecode (default true): faster starts, ~10 MB larger (the container image goes without). */
  bytecode?: boolean;
  /** The profiled second pass (default true when bytecode is on and the target is this machine). */
  bytecodeOrder?: boolean;
  /** A `bun build --target` such as bun-linux-arm64 (default: this machine). */
  target?: string;
  stamp?: BuildStamp;
}

async function bunBuild(outfile: string, extra: string[], options: CompileOptions & { stamp: BuildStamp }): Promise<void> {
  const proc = Bun.spawn(
    [
      process.execPath,
      "build",
      "--compile",
      ...(options.target ? [`--target=${options.target}`] : []),
      "--minify",
      "--sourcemap",
      // Start-up: bytecode skips parsing the bundle at every start (version/healthcheck ~150 → ~80 ms);
      // bytecode needs ESM here because the entry uses top-level await. --bytecode-order needs it too (without
      // both, idle RSS is ~1.5 MB higher and a restart answers /healthz in ~100 instead of ~50 ms).
      ...(options.bytecode === false ? [] : ["--bytecode"]),
      `--define=LATCHKEY_BUILD_COMMIT=${JSON.stringify(options.stamp.commit)}`,
      `--define=LATCHKEY_BUILD_DATE=${JSON.stringify(options.stamp.date)}`,
      "--format=esm",
      "--splitting",
      `--compile-jit-policy=${STARTUP_JIT_POLICY}`,
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      ...extra,
      "src/main.ts",
      // The PostgreSQL connection's thread (src/db/postgres/connection.ts starts it by this path).
      "src/db/postgres/worker.ts",
      "--outfile",
      outfile,
    ],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, NODE_ENV: "production" } },
  );
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`bun build --compile failed (exit ${code}):\n${out}${err}`);
}

function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** Starts `binary serve` in `dir`, waits for /healthz, stops it with SIGTERM; the profile is written at exit. */
async function recordStart(binary: string, dir: string, profile: string): Promise<void> {
  const port = freePort();
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    TZ: "UTC",
    APP_URL: `http://localhost:${port}`,
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_LEVEL: "warn",
    BUN_BYTECODE_ORDER_OUT: profile,
  };
  const proc = Bun.spawn([binary, "serve"], { cwd: dir, env, stdout: "pipe", stderr: "pipe" });
  const output = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]).then(([o, e]) => o + e);
  const deadline = performance.now() + 20_000;
  let healthy = false;
  while (!healthy && proc.exitCode === null && performance.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      healthy = res.ok;
    } catch {
      await Bun.sleep(20);
    }
  }
  if (proc.exitCode === null) proc.kill("SIGTERM");
  const killer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  const code = await proc.exited;
  clearTimeout(killer);
  if (!healthy || code !== 0) throw new Error(`recording the start-up profile failed (healthy: ${healthy}, exit ${code}):\n${await output}`);
  if (!existsSync(profile)) throw new Error(`the binary wrote no bytecode profile to ${profile}`);
}

/** Compiles the binary to `outfile` (see CompileOptions); its source maps land beside it. */
export async function compileBinary(outfile = DEFAULT_BINARY, options: CompileOptions = {}): Promise<string> {
  if (options.assets ?? true) await buildAssets();
  mkdirSync(path.dirname(outfile), { recursive: true });
  const opts = { ...options, stamp: options.stamp ?? buildStamp() };
  await bunBuild(outfile, [], opts);
  if (!(options.bytecodeOrder ?? true) || options.bytecode === false || options.target) return outfile;
  const dir = mkdtempSync(path.join(os.tmpdir(), "latchkey-bytecode-order-"));
  try {
    const fresh = path.join(dir, "first-start.order");
    const restart = path.join(dir, "restart.order");
    await recordStart(outfile, dir, fresh);
    await recordStart(outfile, dir, restart);
    // Restarts are the common start, so their profile comes first.
    await bunBuild(outfile, [`--bytecode-order=${restart},${fresh}`], opts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return outfile;
}

if (import.meta.main) {
  const i = process.argv.indexOf("--outfile");
  const outfile = i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]!) : DEFAULT_BINARY;
  const started = performance.now();
  await compileBinary(outfile);
  console.log(`built ${path.relative(process.cwd(), outfile) || outfile} in ${Math.round(performance.now() - started)} ms`);
}
