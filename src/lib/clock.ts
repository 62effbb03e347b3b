/** Time is a parameter: domain code asks a Clock, tests pass a FixedClock they can advance. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Whole seconds since the epoch, the unit stored in the database and in JWTs. */
export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

export class FixedClock implements Clock {
  constructor(private ms: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}
