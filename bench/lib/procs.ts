/**
 * Processes the benchmark starts: every one is recorded here and stopped by its pid (SIGTERM, then
 * SIGKILL), also when the run fails or is interrupted.
 */
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";

export interface Started {
  name: string;
  pid: number;
  port: number;
  proc: ReturnType<typeof Bun.spawn>;
  stop(): Promise<void>;
  output(): string;
}

const running = new Map<number, Started>();
const tempPaths = new Set<string>();

/** A temporary file or folder removed by stopAll (also on error and SIGINT). */
export function registerTemp(p: string): string {
  tempPaths.add(p);
  return p;
}

/** Stops every process still running, then removes the registered temporary paths. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running.values()].map((p) => p.stop()));
  for (const p of tempPaths) rmSync(p, { recursive: true, force: true });
  tempPaths.clear();
}

let handlersInstalled = false;
export function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      process.stderr.write(`\n${sig}: stopping ${running.size} process(es)\n`);
      void stopAll().then(() => process.exit(130));
    });
  }
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in MB (VmRSS), or null when it is gone. */
export function rssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system, all threads) a process has used so far, in milliseconds; null when gone. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

export interface StartOptions {
  name: string;
  cmd: string[];
  cwd: string;
  env: Record<string, string>;
  port: number;
  /** URL path polled until it answers (any status below 500). */
  readyPath: string;
  timeoutMs?: number;
}

/** Spawns a server and waits until `readyPath` answers. Returns the time to first answer too. */
export async function startServer(opts: StartOptions): Promise<Started & { readyMs: number }> {
  const t0 = performance.now();
  const proc = Bun.spawn(opts.cmd, { cwd: opts.cwd, env: opts.env, stdout: "pipe", stderr: "pipe" });
  let out = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      if (out.length < 200_000) out += decoder.decode(value);
    }
  };
  void drain(proc.stdout as ReadableStream<Uint8Array>);
  void drain(proc.stderr as ReadableStream<Uint8Array>);
  let stopped = false;
  const started: Started = {
    name: opts.name,
    pid: proc.pid,
    port: opts.port,
    proc,
    output: () => out,
    async stop() {
      if (stopped) return;
      stopped = true;
      running.delete(proc.pid);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      try {
        process.kill(proc.pid, "SIGTERM");
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(proc.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, 3000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
  running.set(proc.pid, started);
  const deadline = t0 + (opts.timeoutMs ?? 20_000);
  const url = `http://127.0.0.1:${opts.port}${opts.readyPath}`;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${opts.name} exited with ${proc.exitCode} before answering:\n${out}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status < 500) return { ...started, readyMs: performance.now() - t0 };
    } catch {
      // not listening yet
    }
    await Bun.sleep(2);
  }
  await started.stop();
  throw new Error(`${opts.name} did not answer ${opts.readyPath} within ${opts.timeoutMs ?? 20_000} ms:\n${out}`);
}

/** Runs a command to completion; throws with its output on a non-zero exit. */
export async function runCommand(cmd: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<string> {
  const proc = Bun.spawn(cmd, { cwd: opts.cwd, env: opts.env ?? (process.env as Record<string, string>), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited with ${code}:\n${out}${err}`);
  return out;
}
