/**
 * Runs the compiled binary the way an operator would: copied into an empty temporary folder and started
 * there, with APP_URL http://localhost:<free port>. For smoke tests and browser tests against the product.
 *
 *   import { startBinary } from "../helpers/binary.ts";
 *   const server = await startBinary({ env: { ENCRYPTION_KEY: "…" } });   // waits for /healthz → 204
 *   await fetch(server.url + "/healthz");                                // server.url = APP_URL
 *   server.stderr();                                                     // the log so far
 *   const code = await server.stop();                                    // SIGTERM, resolves the exit code
 *   await server.cleanup();                                              // stops if needed, deletes the folder
 *
 * - `startBinary(options)`: options.env (merged over the defaults; undefined removes one), options.cwd
 *   (default: the empty folder), options.args (default: none = serve), options.binary (another executable),
 *   options.waitUntilHealthy (default true), options.timeoutMs (default 20 s).
 * - `startSourceServer(options)`: the same contract, running `bun src/main.ts` (no compile step);
 *   `startCommand(argv, options)` for any other command line (the container image's executable under chroot).
 * - `ensureBinaryBuilt()` compiles build/out/latchkey once per test process when it is missing or older than
 *   any source (src, templates, static, package.json, bun.lock, tsconfig.json). It does NOT rebuild the
 *   browser bundles: run `bun run build:assets` after editing static/src (a unit test fails when they are stale).
 * - The child gets a minimal environment (PATH, TZ=UTC, HOST=127.0.0.1, PORT, APP_URL) plus `env`; the test
 *   process's own variables are not passed on, so nothing leaks in from the developer's shell. Without
 *   ENCRYPTION_KEY the server generates one into <dataDir>/encryption.key, as on a real first start.
 * - `SOURCE_COMMAND` is the argv prefix for running CLI commands from the source tree in any working folder;
 *   `freePort()` gives an unused loopback port.
 * - Every child still running when the test process exits is killed.
 */
import { copyFileSync, chmodSync, linkSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, existsSync } from "node:fs";
import { constants as osConstants, tmpdir } from "node:os";
import path from "node:path";
import type { Subprocess } from "bun";
import { compileBinary, DEFAULT_BINARY } from "../../build/compile.ts";

const ROOT = path.resolve(import.meta.dir, "../..");
export const BINARY_PATH = DEFAULT_BINARY;

const SOURCE_ROOTS = ["src", "templates", "static", "package.json", "bun.lock", "tsconfig.json", "build/compile.ts"];

function newestMtime(p: string): number {
  let st;
  try {
    st = statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

/** True when build/out/latchkey is missing or older than any source file. */
export function isBinaryStale(binary = BINARY_PATH): boolean {
  if (!existsSync(binary)) return true;
  const built = statSync(binary).mtimeMs;
  return SOURCE_ROOTS.some((r) => newestMtime(path.join(ROOT, r)) > built);
}

let building: Promise<string> | null = null;

/**
 * Builds build/out/latchkey if missing or stale, at most once per test process; resolves its path.
 * Writes to a temporary name and renames, so parallel test runs never see (or run) a half-written file.
 */
export function ensureBinaryBuilt(): Promise<string> {
  building ??= (async () => {
    if (!isBinaryStale()) return BINARY_PATH;
    const tmp = `${BINARY_PATH}.${process.pid}.tmp`;
    try {
      await compileBinary(tmp, { assets: false });
      renameSync(tmp, BINARY_PATH);
      if (existsSync(`${tmp}.map`)) renameSync(`${tmp}.map`, `${BINARY_PATH}.map`);
    } finally {
      rmSync(tmp, { force: true });
      rmSync(`${tmp}.map`, { force: true });
    }
    return BINARY_PATH;
  })();
  return building;
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

export interface StartBinaryOptions {
  /** Extra environment; wins over the defaults (PATH, TZ, HOST, PORT, APP_URL). A value of undefined removes a default. */
  env?: Record<string, string | undefined>;
  /** The executable to copy and run (default: build/out/latchkey, built by ensureBinaryBuilt). */
  binary?: string;
  /** Working folder of the process; default: the fresh empty folder holding the copied binary. */
  cwd?: string;
  /** Command-line arguments (default none = serve). */
  args?: string[];
  /** Wait until GET /healthz answers 204 (default true). Rejects with the output if the process exits first. */
  waitUntilHealthy?: boolean;
  /** How long to wait for health (default 20 s). */
  timeoutMs?: number;
}

export interface RunningBinary {
  /** APP_URL: http://localhost:<port>. */
  url: string;
  port: number;
  /** The temporary folder holding the copied binary (and the default working folder). */
  dir: string;
  /** Where the default database and generated encryption key live: <cwd>/data unless DB_CONNECTION_STRING says otherwise. */
  dataDir: string;
  /** Path of the copied binary inside `dir` (startSourceServer: src/main.ts). */
  binaryPath: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** Resolves with the exit code (128+n when killed by signal n). */
  exited: Promise<number>;
  /** Everything written to stdout / stderr so far (the log goes to stderr). */
  stdout(): string;
  stderr(): string;
  /** Resolves with the output (stdout + stderr) once it matches `pattern`; rejects after `timeoutMs` (default 10 s). */
  waitForOutput(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Sends a signal (default SIGTERM) without waiting. */
  kill(signal?: NodeJS.Signals | number): void;
  /** SIGTERM, wait for exit (SIGKILL after `timeoutMs`, default 10 s); resolves the exit code. Idempotent. */
  stop(timeoutMs?: number): Promise<number>;
  /** stop() if still running, then delete `dir` (and everything in it). */
  cleanup(): Promise<void>;
}

const running = new Set<Subprocess>();
process.on("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

function placeBinary(source: string, target: string): void {
  try {
    linkSync(source, target); // same file system: a hard link is a free copy
  } catch {
    copyFileSync(source, target);
  }
  chmodSync(target, 0o755);
}

/** Starts the compiled binary from an empty temporary folder. See the file comment. */
export async function startBinary(options: StartBinaryOptions = {}): Promise<RunningBinary> {
  const binary = options.binary ?? (await ensureBinaryBuilt());
  const dir = mkdtempSync(path.join(tmpdir(), "latchkey-bin-"));
  const binaryPath = path.join(dir, "latchkey");
  placeBinary(binary, binaryPath);
  return launch([binaryPath], dir, binaryPath, options);
}

/**
 * Same contract as startBinary, but runs `bun src/main.ts` from the source tree (no compile step; Bun's own
 * .env loading off, as in the binary). `dir` is an empty temporary folder used as the working folder.
 */
export async function startSourceServer(options: StartBinaryOptions = {}): Promise<RunningBinary> {
  const dir = mkdtempSync(path.join(tmpdir(), "latchkey-src-"));
  return launch(SOURCE_COMMAND, dir, MAIN_SOURCE, options);
}

/**
 * Same contract as startBinary for another command line, such as the image's executable under `chroot`; `dir` is
 * an empty temporary folder (the working folder unless options.cwd says otherwise).
 */
export async function startCommand(command: string[], options: StartBinaryOptions = {}): Promise<RunningBinary> {
  const dir = mkdtempSync(path.join(tmpdir(), "latchkey-cmd-"));
  return launch(command, dir, command[0]!, options);
}

/** Absolute path of src/main.ts. */
export const MAIN_SOURCE = path.join(ROOT, "src/main.ts");

/**
 * How to run the CLI from the source tree with any working folder: Bun's runtime takes JSX settings from
 * $cwd/tsconfig.json only, so point it at ours; and keep Bun from loading .env itself (config.ts does).
 */
export const SOURCE_COMMAND: string[] = [process.execPath, "--no-env-file", `--tsconfig-override=${path.join(ROOT, "tsconfig.json")}`, MAIN_SOURCE];

async function launch(command: string[], dir: string, binaryPath: string, options: StartBinaryOptions): Promise<RunningBinary> {
  const cwd = options.cwd ?? dir;
  // options.env.PORT pins the port (a restarted server keeps its APP_URL, so issued tokens stay valid).
  const port = options.env?.PORT ? Number(options.env.PORT) : freePort();
  const url = `http://localhost:${port}`;
  const env: Record<string, string> = {};
  const merged: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    TZ: "UTC",
    HOST: "127.0.0.1",
    PORT: String(port),
    APP_URL: url,
    ...options.env,
  };
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) env[k] = v;
  const db = env.DB_CONNECTION_STRING;
  const dataDir = db ? path.dirname(path.resolve(cwd, db.replace(/^(sqlite3?:\/\/|file:)/i, "").replace(/\?.*$/, ""))) : path.join(cwd, "data");

  const proc = Bun.spawn([...command, ...(options.args ?? [])], { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  running.add(proc);
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>, append: (t: string) => void) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      append(decoder.decode(value, { stream: true }));
      for (const w of waiters) w();
    }
  };
  const pumps = Promise.all([pump(proc.stdout, (t) => (out += t)), pump(proc.stderr, (t) => (err += t))]);
  const exited = proc.exited.then(async (code) => {
    running.delete(proc);
    await pumps.catch(() => {});
    for (const w of waiters) w();
    return proc.signalCode ? 128 + (signalNumber(String(proc.signalCode)) ?? 0) : code;
  });
  let exitCode: number | null = null;
  void exited.then((c) => (exitCode = c));

  const waitForOutput = (pattern: RegExp | string, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const matches = () => (typeof pattern === "string" ? (out + err).includes(pattern) : pattern.test(out + err));
      if (matches()) return resolve(out + err);
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${String(pattern)}; output so far:\n${out}${err}`));
      }, timeoutMs);
      const check = () => {
        if (matches()) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(out + err);
        } else if (exitCode !== null) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(new Error(`process exited (${exitCode}) before printing ${String(pattern)}; output:\n${out}${err}`));
        }
      };
      waiters.add(check);
    });

  const stop = async (timeoutMs = 10_000): Promise<number> => {
    if (exitCode !== null) return exitCode;
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  const handle: RunningBinary = {
    url,
    port,
    dir,
    dataDir,
    binaryPath,
    process: proc,
    exited,
    stdout: () => out,
    stderr: () => err,
    waitForOutput,
    kill: (signal = "SIGTERM") => proc.kill(signal),
    stop,
    async cleanup() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };

  if (options.waitUntilHealthy ?? true) {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      if (exitCode !== null) {
        await handle.cleanup();
        throw new Error(`latchkey exited with ${exitCode} before becoming healthy; output:\n${out}${err}`);
      }
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 204) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await handle.cleanup();
        throw new Error(`latchkey did not become healthy within ${options.timeoutMs ?? 20_000} ms; output:\n${out}${err}`);
      }
      await Bun.sleep(50);
    }
  }
  return handle;
}

function signalNumber(name: string): number | undefined {
  return (osConstants.signals as Record<string, number>)[name];
}
