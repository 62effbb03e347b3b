/**
 * Issue 21, step 1: nothing above src/db/ sees a row. src/db/ maps its rows to typed domain values
 * (camelCase, booleans, parsed JSON, `null` for not found), so no module outside it names a type of
 * src/db/ whose name ends in `Row` — neither in an import nor in an inline `import("…").XRow`.
 * ALLOWED lists the importers still waiting for their tables to be converted; it shrinks to nothing and
 * must stay exact (an entry that no longer imports a row fails too, so the list cannot go stale).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../../..");

/** file → the row types it may still import, as "src/db/module.ts:TypeName". */
const ALLOWED: Record<string, string[]> = {
  // Rows of the Pocket ID database being imported (its schema, read by src/db/pocket-id-source.ts).
  "src/pocket-id/importer.ts": ["src/db/pocket-id-source.ts:PidClientRow", "src/db/pocket-id-source.ts:PidSignupTokenRow"],
};

/** Every `{ a, type b as c }` or `import("x").Name` naming a src/db/ type ending in Row, as "src/db/m.ts:Name". */
export function rowImports(file: string, source: string): string[] {
  const found: string[] = [];
  const fromDb = (spec: string): string | null => {
    if (!spec.startsWith(".")) return null;
    const to = relative(ROOT, resolve(dirname(join(ROOT, file)), spec));
    return to.startsWith("src/db/") ? to : null;
  };
  for (const m of source.matchAll(/\b(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?\{([^}]*)\}\s*from\s*["']([^"']+)["']/g)) {
    const to = fromDb(m[2]!);
    if (!to) continue;
    for (const part of m[1]!.split(",")) {
      const name = part.trim().replace(/^type\s+/, "").split(/\s+as\s+/)[0]!.trim();
      if (/^[A-Z][\w$]*Row$/.test(name)) found.push(`${to}:${name}`);
    }
  }
  for (const m of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)\s*\.\s*([\w$]+)/g)) {
    const to = fromDb(m[1]!);
    if (to && /^[A-Z][\w$]*Row$/.test(m[2]!)) found.push(`${to}:${m[2]}`);
  }
  return [...new Set(found)].sort();
}

describe("no rows above src/db/", () => {
  const files = ["src", "templates", "tests", "build"]
    .flatMap((dir) => [...new Bun.Glob(`${dir}/**/*.{ts,tsx}`).scanSync(ROOT)])
    .filter((f) => !f.startsWith("src/db/"))
    .sort();
  const crossings = Object.fromEntries(
    files.map((f) => [f, rowImports(f, readFileSync(join(ROOT, f), "utf8"))] as const).filter(([, names]) => names.length > 0),
  );

  test("the scanner sees every form of import", () => {
    const file = "src/admin/example.ts";
    const source = `import { a, type UserRow, findUserRow, b as c } from "../db/users.ts";
      import type { GrantRow as G } from "../db/oidc-grants.ts";
      import type { NotARow } from "./local.ts";
      import type { Database } from "../db/database.ts";
      let x: import("../db/webauthn.ts").CredentialRow;
      export type { AuditLogRow } from "../db/audit-logs.ts";`;
    expect(rowImports(file, source)).toEqual([
      "src/db/audit-logs.ts:AuditLogRow",
      "src/db/oidc-grants.ts:GrantRow",
      "src/db/users.ts:UserRow",
      "src/db/webauthn.ts:CredentialRow",
    ]);
    expect(files).toContain("src/http/routes/oidc.ts");
    expect(files).toContain("tests/helpers/oidc-fixtures.ts");
  });

  test("no module outside src/db/ imports a row type beyond the allow-list, and the allow-list is exact", () => {
    expect(crossings).toEqual(ALLOWED);
  });
});
