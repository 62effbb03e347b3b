/**
 * The soak run (tests/soak/soak.ts) in its short CI form: two minutes of mixed load against the compiled
 * binary — code exchanges, refreshes, userinfo, admin pages and API writes — with one-minute tokens so
 * the cleanup job has work. It fails on any failed request, an RSS growth trend, or a token table that
 * keeps growing after the first expiry window. The long run is `bun tests/soak/soak.ts --minutes 10`.
 */
import { expect, test } from "bun:test";
import path from "node:path";

test("two minutes of mixed load: no failures, RSS stable, expiring tables flat", async () => {
  const script = path.join(import.meta.dir, "../soak/soak.ts");
  const proc = Bun.spawn([process.execPath, script, "--minutes", "2", "--workers", "4"], {
    cwd: path.join(import.meta.dir, "../.."),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) console.error(out + err);
  expect(out).toContain("soak: OK");
  expect(code).toBe(0);
}, 300_000);
