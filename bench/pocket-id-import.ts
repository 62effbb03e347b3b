/**
 * How long the Pocket ID import takes at the scale (issue 18: 10,000 users, 20,000 passkeys, 500 clients in
 * under 10 seconds on this machine). A benchmark, not a timed test: it prints the times, it asserts nothing.
 *
 * Usage (from bench/): bun run pocket-id-import.ts [--users 10000] [--passkeys 20000] [--clients 500] [--layout v2.14|v1.16]
 *
 * Builds a real Pocket ID data folder (tests/helpers/pocket-id-fixture.ts) in a temporary folder, then runs
 * `importPocketIdInto` — the code of `latchkey import-pocket-id` and of the first-start import — into a new
 * Latchkey database: copy and checks of the Pocket ID file, decryption of the key, one transaction, rename.
 * Bulk clients carry sha256 secrets (v2.14) or share one bcrypt hash (v1.16): the import never runs bcrypt.
 */
import { rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config.ts";
import { silentLog } from "../src/lib/log.ts";
import { importPocketIdInto } from "../src/pocket-id/install.ts";
import { buildPocketIdDataFolder, type PocketIdLayout } from "../tests/helpers/pocket-id-fixture.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { users: { type: "string", default: "10000" }, passkeys: { type: "string", default: "20000" }, clients: { type: "string", default: "500" }, layout: { type: "string", default: "v2.14" } },
  strict: true,
});
const scale = { users: Number(values.users), passkeys: Number(values.passkeys), clients: Number(values.clients) };
const layout = values.layout as PocketIdLayout;
const key = "bench-pocket-id-encryption-key-0123456789";
const dir = mkdtempSync(path.join(tmpdir(), "latchkey-pocket-id-bench-"));
try {
  let t = performance.now();
  const fx = await buildPocketIdDataFolder({ layout, dataDir: path.join(dir, "pocket-id"), encryptionKey: key, appUrl: "http://localhost:1411", now: Math.floor(Date.now() / 1000), scale });
  console.log(`built Pocket ID ${layout} data folder: ${fx.counts.users} users, ${fx.counts.passkeys} passkeys, ${fx.counts.clients} clients in ${((performance.now() - t) / 1000).toFixed(2)} s`);
  const config = loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: key, DB_CONNECTION_STRING: path.join(dir, "latchkey", "latchkey.db") }, dir);
  t = performance.now();
  const summary = await importPocketIdInto(config, silentLog, fx.dataDir, { withAuditLog: true });
  const seconds = (performance.now() - t) / 1000;
  console.log(`imported ${summary.counts.users} users, ${summary.counts.passkeys} passkeys, ${summary.counts.clients} clients, ${summary.counts.clientSecrets} secrets in ${seconds.toFixed(2)} s (target: under 10 s)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
