import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { findCycles, importGraph, relativeImports } from "../../helpers/import-graph.ts";

const ROOT = resolve(import.meta.dir, "../../..");
// templates/ is walked too: a cycle src → templates → src is still a cycle in src/.
const graph = importGraph(ROOT, ["src", "templates"]);

describe("the import graph of src/", () => {
  test("has no cycles", () => {
    expect(findCycles(graph).map((cycle) => cycle.join(" → "))).toEqual([]);
  });

  test("every relative import resolves to a walked file", () => {
    const dangling: string[] = [];
    for (const [from, targets] of graph) {
      for (const to of targets) if (!existsSync(join(ROOT, to))) dangling.push(`${from} → ${to}`);
    }
    expect(dangling).toEqual([]);
    expect(graph.has("src/oidc/token-endpoint.ts")).toBe(true);
  });

  test("holds every runtime import Bun's own scanner sees", () => {
    const scanners = { ts: new Bun.Transpiler({ loader: "ts" }), tsx: new Bun.Transpiler({ loader: "tsx" }) };
    const missed: string[] = [];
    for (const [from, targets] of graph) {
      const source = readFileSync(join(ROOT, from), "utf8").replace(/^#!.*/, "");
      for (const { path } of scanners[from.endsWith(".tsx") ? "tsx" : "ts"].scanImports(source)) {
        if (!path.startsWith(".")) continue;
        const to = relative(ROOT, resolve(dirname(join(ROOT, from)), path));
        if (!to.startsWith("..") && !targets.includes(to)) missed.push(`${from} → ${to}`);
      }
    }
    expect(missed).toEqual([]);
  });
});

describe("findCycles", () => {
  test.each([
    ["two modules", { a: ["b"], b: ["a"] }, [["a", "b", "a"]]],
    ["a module importing itself", { a: ["a"] }, [["a", "a"]]],
    ["a longer loop behind an entry", { entry: ["a"], a: ["b"], b: ["c"], c: ["a"] }, [["a", "b", "c", "a"]]],
    ["a diamond (no cycle)", { a: ["b", "c"], b: ["d"], c: ["d"], d: [] }, []],
  ])("%s", (_name, edges, expected) => {
    expect(findCycles(new Map(Object.entries(edges)))).toEqual(expected);
  });
});

describe("relativeImports", () => {
  test("reads every form of relative import, type-only ones included", () => {
    const source = [
      'import type { A } from "./a.ts";',
      'import { b, type C } from "../b.ts";',
      'import * as d from "./d.ts";',
      'import e, { f } from "./e.ts";',
      'import {\n  g,\n  h,\n} from "./g.ts";',
      'export { i } from "./i.ts";',
      'export type { J } from "./j.ts";',
      'export * from "./k.ts";',
      'import "./l.ts";',
      'const m = await import("./m.ts");',
      'import text from "./n.sql" with { type: "text" };',
      'import { Database } from "bun:sqlite";',
      'import { jwtVerify } from "jose";',
      '// import { x } from "./commented.ts";',
      '/* export { y } from "./also-commented.ts"; */',
    ].join("\n");
    expect(relativeImports(source)).toEqual(["./a.ts", "../b.ts", "./d.ts", "./e.ts", "./g.ts", "./i.ts", "./j.ts", "./k.ts", "./l.ts", "./m.ts", "./n.sql"]);
  });
});
