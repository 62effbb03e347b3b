/**
 * Time is a parameter: domain code asks a Clock for the time, and background work asks it for timers.
 * - `systemClock`: Date.now() and the runtime's timers. Its timers are unref'ed: a pending timer never
 *   keeps the process alive (background jobs, workers).
 * - `FixedClock` (tests): time stands still until the test moves it; moving it fires the timers that
 *   fall due on the way, in order, so a test of scheduled work needs no real sleep. `advance`/`advanceMs`/`set`
 *   fire them back to back; `await tick(ms)` lets promise jobs settle after each one, as the event loop does
 *   between real timers (a job still running when its next tick comes is then seen as running, or finished).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once, `ms` from now. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Calls `fn` every `ms` from now on. */
  setInterval(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer of this clock (either kind); a finished or cancelled one is ignored. */
  clearTimer(timer: TimerHandle): void;
}

/** What a Clock's setTimeout/setInterval return: only good for handing back to the same clock's clearTimer. */
export type TimerHandle = { readonly __timerOf: "Clock" };

type RuntimeTimer = ReturnType<typeof setTimeout> & { unref?: () => void };

function unrefed(timer: RuntimeTimer): TimerHandle {
  timer.unref?.();
  return timer as unknown as TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => unrefed(setTimeout(fn, ms)),
  setInterval: (fn, ms) => unrefed(setInterval(fn, ms)),
  // clearTimeout clears intervals too (HTML timers share one id space; so do Bun's and Node's).
  clearTimer: (timer) => clearTimeout(timer as unknown as RuntimeTimer),
};

/** Whole seconds since the epoch, the unit stored in the database and in JWTs. */
export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

interface PendingTimer {
  id: number;
  due: number;
  fn: () => void;
  /** Interval period in ms; undefined for a one-shot timer. */
  every?: number;
}

/** More firings than this in one move of the clock means a timer keeps re-arming itself at the same instant. */
const MAX_FIRINGS_PER_MOVE = 100_000;

export class FixedClock implements Clock {
  private readonly timers = new Map<number, PendingTimer>();
  private nextId = 1;

  constructor(private ms: number = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.ms;
  }

  /** Moves time forward by whole or fractional seconds, firing the timers due on the way. */
  advance(seconds: number): void {
    this.moveTo(this.ms + seconds * 1000);
  }

  /** Moves time forward by `ms` milliseconds, firing the timers due on the way. */
  advanceMs(ms: number): void {
    this.moveTo(this.ms + ms);
  }

  /**
   * Moves time forward by `ms` like advanceMs, but gives the event loop a turn (promise jobs, then
   * setImmediate) before each timer fires and after the last, as happens between real timers; resolves at now + ms.
   */
  async tick(ms: number): Promise<void> {
    const target = this.ms + ms;
    for (let fired = 0; ; fired++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const next = this.nextDue(target);
      if (!next) break;
      if (fired >= MAX_FIRINGS_PER_MOVE) throw new Error(`FixedClock: more than ${MAX_FIRINGS_PER_MOVE} timers fired in one move`);
      this.fire(next);
    }
    this.ms = Math.max(this.ms, target);
  }

  /** Sets the time; moving forward fires the timers due on the way, moving back fires none. */
  set(ms: number): void {
    if (ms >= this.ms) this.moveTo(ms);
    else this.ms = ms;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add({ id: this.nextId++, due: this.ms + Math.max(0, ms), fn });
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const every = Math.max(1, ms);
    return this.add({ id: this.nextId++, due: this.ms + every, fn, every });
  }

  clearTimer(timer: TimerHandle): void {
    this.timers.delete(timer as unknown as number);
  }

  /** How many timers are pending (tests: a stopped scheduler leaves none). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  private add(timer: PendingTimer): TimerHandle {
    this.timers.set(timer.id, timer);
    return timer.id as unknown as TimerHandle;
  }

  /** Fires due timers one at a time, back to back, then sets the time to `target`. */
  private moveTo(target: number): void {
    for (let fired = 0; ; fired++) {
      const next = this.nextDue(target);
      if (!next) break;
      if (fired >= MAX_FIRINGS_PER_MOVE) throw new Error(`FixedClock: more than ${MAX_FIRINGS_PER_MOVE} timers fired in one move`);
      this.fire(next);
    }
    this.ms = target;
  }

  /** The earliest timer due by `target` (ties: the one created first). */
  private nextDue(target: number): PendingTimer | null {
    let next: PendingTimer | null = null;
    for (const t of this.timers.values()) if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.id < next.id))) next = t;
    return next;
  }

  /** Runs one timer with now() at its due time; an interval is re-armed one period on first. */
  private fire(timer: PendingTimer): void {
    this.ms = Math.max(this.ms, timer.due);
    if (timer.every === undefined) this.timers.delete(timer.id);
    else timer.due += timer.every;
    timer.fn();
  }
}
