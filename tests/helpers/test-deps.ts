/**
 * Test dependencies: a real SQLite file in a fresh temporary folder, a copy of the migrated template
 * (./template-database.ts); a fixed clock
 * that tests advance; real randomness; a silent log. `makeTestApp` builds the whole HTTP app;
 * `createTestApp(deps)` builds it over deps a test prepared. Both do the start-up work the server does
 * (src/cli/serve.ts) — with the fixture signing key (./fixture-signing-key.ts) instead of generating one —
 * and start the back-channel logout worker; tests of key generation call `ensureSigningKey` and `createApp`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createApp, type App } from "../../src/app.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import type { Deps } from "../../src/deps.ts";
import { FixedClock } from "../../src/lib/clock.ts";
import { silentLog } from "../../src/lib/log.ts";
import { cryptoRandom } from "../../src/lib/random.ts";
import { insertKvIfAbsent } from "../../src/db/kv.ts";
import { serializeKdfParams } from "../../src/lib/sealed-box.ts";
import { KDF_RECORD, readKdfRecord, sealedBoxFor } from "../../src/runtime.ts";
import { startBackchannelLogoutWorker } from "../../src/oidc/backchannel-logout.ts";
import { installFixtureSigningKey } from "./fixture-signing-key.ts";
import { openMigratedDatabase, postgresUrlOf } from "./template-database.ts";

/**
 * A random key (32 bytes, base64), so tests take the fast path as a generated key does. Tests of the
 * passphrase path (scrypt) pass their own ENCRYPTION_KEY.
 */
export const TEST_ENCRYPTION_KEY = "q3Jx9Yb2m0T8uWc1LrKs4Nf7Zp6Ea5Hd2Vg0Bi9OtSw=";

export function makeTempDir(prefix = "latchkey-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestDeps extends Deps {
  clock: FixedClock;
  dir: string;
  cleanup(): void;
}

export function makeTestDeps(env: Record<string, string> = {}): TestDeps {
  const { dir, cleanup } = makeTempDir();
  const file = path.join(dir, "latchkey.db");
  const db = openMigratedDatabase(env.DB_CONNECTION_STRING ?? file);
  // On the PostgreSQL pass the configuration names the test's database, so CLI commands run in a test open it too.
  const config: Config = loadConfig(
    { APP_URL: "http://localhost:1411", ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, DB_CONNECTION_STRING: postgresUrlOf(db) ?? file, ...env },
    dir,
  );
  const clock = new FixedClock(Date.UTC(2026, 10, 28, 12, 0, 0));
  const { box, created } = sealedBoxFor(config.encryptionKey!, cryptoRandom, readKdfRecord(db));
  if (created) insertKvIfAbsent(db, KDF_RECORD, serializeKdfParams(created));
  return {
    config,
    db,
    clock,
    random: cryptoRandom,
    box,
    log: silentLog,
    dir,
    cleanup() {
      try {
        db.close();
      } catch {
        // already closed
      }
      cleanup();
    },
  };
}

/** The whole HTTP app over `deps`, with the fixture signing key as its current key and the back-channel logout worker running. */
export async function createTestApp(deps: TestDeps): Promise<App> {
  installFixtureSigningKey(deps);
  startBackchannelLogoutWorker(deps);
  return createApp(deps);
}

export async function makeTestApp(env: Record<string, string> = {}): Promise<{ app: App; deps: TestDeps }> {
  const deps = makeTestDeps(env);
  const app = await createTestApp(deps);
  return { app, deps };
}

/** Builds a request against the test app's APP_URL. */
export function req(deps: Deps, pathAndQuery: string, init: RequestInit = {}): Request {
  return new Request(deps.config.appUrl + pathAndQuery, init);
}
