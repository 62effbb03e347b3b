/**
 * WAL checkpoints in a worker thread while the server writes a lot.
 *
 * A checkpoint copies every page changed since the last one from the WAL into the database file and syncs
 * both. Left to SQLite's autocheckpoint it runs inside a COMMIT on the event loop: under a steady stream of
 * token requests that was one 35–60 ms stall every few thousand exchanges, ~5 % of the event loop's time
 * and most of the p99 (bench/README.md).
 *
 * So, when the main connection has changed more than `busyChangesPerTick` rows in one tick, a worker opens
 * its own connection and runs PASSIVE checkpoints (they never block a writer) whenever another connection has
 * committed (PRAGMA data_version). The autocheckpoint stays on as the backstop: if the worker falls behind,
 * or commits keep landing while it copies so the WAL never starts over, the main thread's checkpoint finds
 * most pages already copied and only finishes the rest. After `idleTicks` quiet ticks the worker is stopped,
 * which gives its ~7 MB back: an idle server never starts one.
 *
 * The worker's source is the string below, run from a Blob URL: it needs nothing but bun:sqlite, and a
 * single-file executable carries it without a second entry point.
 */
import type { Database } from "./database.ts";
import { systemClock, type Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";

export interface BackgroundCheckpointOptions {
  /** How often the main thread looks at its change count (ms). */
  tickMs?: number;
  /** Rows changed in one tick that start the worker. */
  busyChangesPerTick?: number;
  /** Ticks below `busyChangesPerTick` in a row after which the worker is stopped. */
  idleTicks?: number;
  /** How often the worker looks for new commits (ms). */
  workerPollMs?: number;
  /** Called with each checkpoint's result (tests). */
  onCheckpoint?: (result: CheckpointResult) => void;
  /** Whose timer drives the tick (default the system clock: unref'ed, never keeps the process alive). */
  clock?: Clock;
}

/** What PRAGMA wal_checkpoint returns: frames in the WAL, and how many are now in the database file. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface BackgroundCheckpoints {
  /** True while a worker is running. */
  readonly running: boolean;
  /** Stops the worker (its connection is closed first) and the tick. */
  stop(): Promise<void>;
}

const WORKER_SOURCE = `
import { Database } from "bun:sqlite";
let db = null;
let timer = null;
let seen = -1;
const poll = () => {
  try {
    const version = db.query("PRAGMA data_version").get().data_version;
    if (version === seen) return;
    seen = version;
    postMessage({ checkpoint: db.query("PRAGMA wal_checkpoint(PASSIVE)").get() });
  } catch (error) {
    postMessage({ error: String(error && error.message ? error.message : error) });
  }
};
self.onmessage = (event) => {
  const message = event.data;
  if (message.open) {
    try {
      db = new Database(message.open.file);
      db.exec("PRAGMA busy_timeout = 0");
      db.exec("PRAGMA synchronous = NORMAL");
    } catch (error) {
      postMessage({ error: String(error && error.message ? error.message : error) });
      return;
    }
    timer = setInterval(poll, message.open.pollMs);
    poll();
  } else if (message.close) {
    if (timer) clearInterval(timer);
    if (db) db.close();
    db = null;
    postMessage({ closed: true });
  }
};
`;

let workerUrl: string | null = null;

export function startBackgroundCheckpoints(db: Database, file: string, log: Log, options: BackgroundCheckpointOptions = {}): BackgroundCheckpoints {
  const tickMs = options.tickMs ?? 1000;
  const busy = options.busyChangesPerTick ?? 500;
  const idleTicks = options.idleTicks ?? 30;
  const pollMs = options.workerPollMs ?? 100;
  const clock = options.clock ?? systemClock;
  const changes = db.query<{ n: number }, []>("SELECT total_changes() AS n");

  let worker: Worker | null = null;
  let closed: Promise<void> = Promise.resolve();
  let last = changes.get()!.n;
  let quiet = 0;

  const startWorker = () => {
    workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
    // smol: a small heap is plenty for two pragmas; ref: false: a running worker never keeps the process alive.
    const w = new Worker(workerUrl, { smol: true, ref: false });
    w.onmessage = (event: MessageEvent) => {
      const message = event.data as { checkpoint?: CheckpointResult; error?: string };
      if (message.checkpoint) options.onCheckpoint?.(message.checkpoint);
      if (message.error) log.warn("background WAL checkpoint failed; the autocheckpoint takes over", { error: message.error });
    };
    w.onerror = (event) => log.warn("background WAL checkpoint worker failed", { error: event.message });
    w.postMessage({ open: { file, pollMs } });
    worker = w;
    log.debug("busy writing: WAL checkpoints move to a worker thread");
  };

  const stopWorker = (): Promise<void> => {
    const w = worker;
    if (!w) return closed;
    worker = null;
    log.debug("WAL checkpoints are back with SQLite's autocheckpoint");
    // Its connection is closed before the thread ends: the last connection to close removes the WAL.
    closed = new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(deadline);
        w.terminate();
        resolve();
      };
      const deadline = setTimeout(done, 5000);
      w.onmessage = (event: MessageEvent) => {
        if ((event.data as { closed?: boolean }).closed) done();
      };
      w.postMessage({ close: true });
    });
    return closed;
  };

  const tick = clock.setInterval(() => {
    let now: number;
    try {
      now = changes.get()!.n;
    } catch {
      return; // the connection is closing
    }
    const delta = now - last;
    last = now;
    if (delta >= busy) {
      quiet = 0;
      if (!worker) startWorker();
    } else if (worker && ++quiet >= idleTicks) {
      void stopWorker();
    }
  }, tickMs);

  return {
    get running() {
      return worker !== null;
    },
    async stop() {
      clock.clearTimer(tick);
      await stopWorker();
    },
  };
}
