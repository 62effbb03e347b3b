/**
 * Two complete Latchkey apps on one database, as two instances behind a load balancer run (issue 21):
 * - each app has its own `Database` connection to the same database, its own local caches and rate-limit views
 *   (keyed by that connection), and the same configuration, encryption key and clock (one FixedClock the test moves);
 * - `balancer` is an App that sends each request to the instance the test names (`to("a")`, `to("b")`), or in
 *   turn (`to("round-robin")`); an AppClient over it is one browser whose requests land where the test says;
 * - the tests reach the database only through the `Database` interface and the domain modules, so they run
 *   unchanged on another engine: the second connection comes from `openSecondConnection` (./two-instances.ts), the
 *   one engine-specific line for both helpers.
 */
import type { App } from "../../src/app.ts";
import { createApp } from "../../src/app.ts";
import type { Deps } from "../../src/deps.ts";
import type { FixedClock } from "../../src/lib/clock.ts";
import { createTestApp, makeTestDeps, type TestDeps } from "./test-deps.ts";
import { openSecondConnection } from "./two-instances.ts";

export type InstanceName = "a" | "b";

export interface AppInstance {
  name: InstanceName;
  app: App;
  deps: Deps & { clock: FixedClock };
}

export interface Balancer extends App {
  /** Where the next requests go. */
  to(target: InstanceName | "round-robin"): void;
  /** The instance each request went to, in order. */
  readonly served: InstanceName[];
}

export interface TwoApps {
  /** The instance the test database was made for: its deps are the test's (fixtures take them). */
  a: AppInstance & { deps: TestDeps };
  b: AppInstance;
  clock: FixedClock;
  balancer: Balancer;
  cleanup(): void;
}

function makeBalancer(a: AppInstance, b: AppInstance): Balancer {
  let target: InstanceName | "round-robin" = "a";
  let next: InstanceName = "a";
  const served: InstanceName[] = [];
  const pick = (): AppInstance => {
    let name: InstanceName;
    if (target === "round-robin") {
      name = next;
      next = next === "a" ? "b" : "a";
    } else name = target;
    served.push(name);
    return name === "a" ? a : b;
  };
  return {
    handle: (request, socketIp) => pick().app.handle(request, socketIp),
    render: (path) => pick().app.render(path),
    web: a.app.web,
    routes: a.app.routes,
    to(t) {
      target = t;
    },
    served,
  };
}

/** Instance a is set up as the test apps are (fixture signing key, back-channel worker); b joins its database. */
export async function makeTwoApps(env: Record<string, string> = {}): Promise<TwoApps> {
  const base = makeTestDeps(env);
  const appA = await createTestApp(base);
  const second = openSecondConnection(base);
  const depsB = { config: base.config, db: second, clock: base.clock, random: base.random, box: base.box, log: base.log };
  const appB = await createApp(depsB);
  const a = { name: "a" as const, app: appA, deps: base };
  const b: AppInstance = { name: "b", app: appB, deps: depsB };
  return {
    a,
    b,
    clock: base.clock,
    balancer: makeBalancer(a, b),
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
