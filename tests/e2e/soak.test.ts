/**
 * The soak run (tests/soak/soak.ts) in the suite's form: 8,000 operations of mixed load against the compiled
 * binary — code exchanges, refreshes, userinfo, admin pages and API writes (about 33,000 requests) — from four
 * concurrent clients. It fails on any failed request, or when RSS grows by more than 30 % from the first third
 * of the samples after warm-up (the first 2,000 operations) to the last third: a leak of a few kB per
 * operation shows. Table growth under the cleanup job needs a run past the first expiry window (minutes):
 * that is the long run, `bun tests/soak/soak.ts --minutes 10`; the schedule itself is tested in
 * tests/unit/maintenance/cleanup.test.ts.
 */
import { expect, test } from "bun:test";
import path from "node:path";

test("8,000 operations of mixed load: no failures, RSS stable after warm-up", async () => {
  const script = path.join(import.meta.dir, "../soak/soak.ts");
  const proc = Bun.spawn([process.execPath, script, "--operations", "8000", "--workers", "4"], {
    cwd: path.join(import.meta.dir, "../.."),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) console.error(out + err);
  expect(out).toContain("8000 operations");
  expect(out).toMatch(/RSS after warm-up: \d+ → \d+ MB/);
  expect(out).toContain("soak: OK");
  expect(code).toBe(0);
}, 300_000);
