/**
 * Two Latchkey instances on one database, as a cluster runs them (issue 21), for tests of background work:
 * - each instance has its own connection to the same database, its own instance id (drawn from its Random,
 *   as the server draws it) and its own captured log; both share one FixedClock that the test moves;
 * - tests reach the database only through the `Database` interface, so they run unchanged on another engine:
 *   `openSecondConnection` is the one engine-specific line (the PostgreSQL run opens its connection there); the
 *   two complete apps of tests/helpers/two-apps.ts open theirs with it too.
 */
import { newInstanceId } from "../../src/cluster/instance-id.ts";
import type { Database } from "../../src/db/database.ts";
import { openAnotherConnection } from "./template-database.ts";
import type { Deps } from "../../src/deps.ts";
import type { FixedClock } from "../../src/lib/clock.ts";
import type { Log } from "../../src/lib/log.ts";
import { cryptoRandom } from "../../src/lib/random.ts";
import { makeTestDeps } from "./test-deps.ts";

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  fields: Record<string, unknown>;
}

export interface TestInstance {
  name: "a" | "b";
  id: string;
  deps: Deps & { clock: FixedClock };
  logs: LogLine[];
}

export interface TwoInstances {
  a: TestInstance;
  b: TestInstance;
  clock: FixedClock;
  cleanup(): void;
}

function captureLog(lines: LogLine[]): Log {
  const push = (level: LogLine["level"]) => (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ level, msg, fields });
  return { debug: push("debug"), info: push("info"), warn: push("warn"), error: push("error") };
}

/** A second connection to the database `deps` uses (another instance's). */
export function openSecondConnection(deps: Deps): Database {
  return openAnotherConnection(deps.db, deps.config.dbPath);
}

export function makeTwoInstances(env: Record<string, string> = {}): TwoInstances {
  const base = makeTestDeps(env);
  const second = openSecondConnection(base);
  const instance = (name: "a" | "b", db: Database): TestInstance => {
    const logs: LogLine[] = [];
    const random = cryptoRandom;
    const deps = { config: base.config, db, clock: base.clock, random, box: base.box, log: captureLog(logs) };
    return { name, id: newInstanceId(random), deps, logs };
  };
  return {
    a: instance("a", base.db),
    b: instance("b", second),
    clock: base.clock,
    cleanup() {
      try {
        second.close();
      } catch {
        // already closed
      }
      base.cleanup();
    },
  };
}
