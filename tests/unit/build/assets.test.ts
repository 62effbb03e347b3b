/** The committed browser bundles (static/js/<name>.js) must match a fresh build of static/src/<name>.ts. */
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { assetEntrypoints, buildAssets, OUTPUT_DIR } from "../../../build/assets.ts";
import { makeTempDir } from "../../helpers/test-deps.ts";

test("committed static/js bundles are up to date with static/src (run `bun run build:assets` if this fails)", async () => {
  const { dir, cleanup } = makeTempDir("latchkey-assets-");
  try {
    const built = await buildAssets(dir);
    expect(built.map((f) => path.basename(f)).sort()).toEqual(assetEntrypoints().map((f) => path.basename(f, ".ts") + ".js"));
    for (const file of built) {
      const committed = path.join(OUTPUT_DIR, path.basename(file));
      expect(existsSync(committed)).toBe(true);
      const stale = readFileSync(committed, "utf8") !== readFileSync(file, "utf8");
      // Runs as a classic <script defer>: no top-level import/export.
      expect(() => new Function(readFileSync(file, "utf8"))).not.toThrow();
      expect(stale ? `${path.relative(process.cwd(), committed)} is stale: run bun run build:assets` : "fresh").toBe("fresh");
    }
  } finally {
    cleanup();
  }
});
