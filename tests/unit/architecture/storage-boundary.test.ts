/**
 * Issue 21, step 1: the HTTP layer does not touch storage. Everything under src/http/ (routes, plugins,
 * page context) calls domain modules; only they call src/db/, the one place that knows the engine.
 * Type-only imports are not seen here (Bun's scanner drops them); no-rows-above-db.test.ts keeps row types out.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../../..");
const scanner = new Bun.Transpiler({ loader: "ts" });

/** The runtime imports of `file` that land in src/db/. */
function storageImports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), "utf8");
  return scanner
    .scanImports(source)
    .filter(({ path }) => path.startsWith("."))
    .map(({ path }) => relative(ROOT, resolve(dirname(join(ROOT, file)), path)))
    .filter((to) => to.startsWith("src/db/"));
}

describe("the storage boundary", () => {
  const files = [...new Bun.Glob("src/http/**/*.ts").scanSync(ROOT)].sort();

  test("the HTTP layer was read", () => {
    expect(files).toContain("src/http/routes/oidc.ts");
    expect(storageImports("src/db/sessions.ts")).toEqual([]); // its one import is type-only
  });

  test("no module under src/http/ imports src/db/ at run time", () => {
    const crossings = files.flatMap((f) => storageImports(f).map((to) => `${f} → ${to}`));
    expect(crossings).toEqual([]);
  });
});
