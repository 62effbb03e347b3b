/**
 * `bun run release --out DIR` empties DIR first (build/release.ts clearReleaseDir): only a missing or empty folder, or
 * an earlier release, is cleared; any other folder (a mistaken `--out .`) is refused with nothing deleted.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { clearReleaseDir } from "../../../build/release.ts";
import { makeTempDir } from "../../helpers/test-deps.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
function tmp(): string {
  const t = makeTempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

test("a missing folder is created, an empty one kept", () => {
  const dir = path.join(tmp(), "release");
  clearReleaseDir(dir);
  expect(readdirSync(dir)).toEqual([]);
  clearReleaseDir(dir);
  expect(readdirSync(dir)).toEqual([]);
});

test("an earlier release (SHA256SUMS beside its files) is emptied", () => {
  const dir = tmp();
  writeFileSync(path.join(dir, "SHA256SUMS"), "");
  writeFileSync(path.join(dir, "latchkey-0.1.0-linux-x64"), "old");
  mkdirSync(path.join(dir, "leftover"));
  clearReleaseDir(dir);
  expect(readdirSync(dir)).toEqual([]);
});

test("any other folder with something in it is refused and left as it was", () => {
  const dir = tmp();
  writeFileSync(path.join(dir, "package.json"), "{}");
  mkdirSync(path.join(dir, "src"));
  expect(() => clearReleaseDir(dir)).toThrow(`${dir} is not empty and holds no earlier release (no SHA256SUMS): choose another --out folder`);
  expect(readdirSync(dir).sort()).toEqual(["package.json", "src"]);
  expect(existsSync(path.join(dir, "package.json"))).toBe(true);
});
