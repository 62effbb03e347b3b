/** The build stamp `latchkey version` reports (build/compile.ts buildStamp, src/version.ts versionLine). */
import { afterEach, expect, test } from "bun:test";
import { buildStamp } from "../../../build/compile.ts";
import { VERSION, versionLine } from "../../../src/version.ts";

const saved = process.env.SOURCE_DATE_EPOCH;
afterEach(() => {
  if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
  else process.env.SOURCE_DATE_EPOCH = saved;
});

test("the commit is HEAD, marked -dirty when tracked files have changes", () => {
  const git = (...args: string[]) => Bun.spawnSync(["git", ...args], { cwd: `${import.meta.dir}/../../..` });
  const head = git("rev-parse", "HEAD");
  const { commit } = buildStamp();
  if (head.exitCode !== 0) return expect(commit).toBe("unknown");
  const dirty = git("status", "--porcelain", "--untracked-files=no").stdout.toString().trim() !== "";
  expect(commit).toBe(`${head.stdout.toString().trim()}${dirty ? "-dirty" : ""}`);
});

test("the date is SOURCE_DATE_EPOCH when set (reproducible builds), else now, in whole seconds UTC", () => {
  process.env.SOURCE_DATE_EPOCH = "1700000000";
  expect(buildStamp().date).toBe("2023-11-14T22:13:20Z");
  for (const bad of ["", "soon", "-5", "1.5"]) {
    process.env.SOURCE_DATE_EPOCH = bad;
    const before = Math.floor(Date.now() / 1000) * 1000;
    const date = buildStamp().date;
    expect(date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(date)).toBeGreaterThanOrEqual(before);
  }
});

test("from source there is no stamp", () => {
  expect(versionLine()).toBe(`${VERSION} (from source)`);
});
