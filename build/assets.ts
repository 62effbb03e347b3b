/**
 * Browser bundles: every `static/src/<name>.ts` becomes `static/js/<name>.js`.
 *
 * - Minified IIFE for browsers, so each file runs as a plain `<script defer>` under `script-src 'self'`.
 * - The bundles are committed (the binary embeds static/js/*, and `bun src/main.ts` serves them without a
 *   build step); tests/unit/build/assets.test.ts rebuilds into a temporary folder and fails when a
 *   committed bundle is stale.
 * - Hand-written files in static/js without a source in static/src (app.js) are left alone.
 *
 * Usage: bun run build:assets [--out DIR]
 */
import { mkdirSync, readdirSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dir, "..");
export const SOURCE_DIR = path.join(ROOT, "static/src");
export const OUTPUT_DIR = path.join(ROOT, "static/js");

/** The entry points: static/src/*.ts (not .d.ts), sorted for a stable order. */
export function assetEntrypoints(sourceDir = SOURCE_DIR): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(sourceDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(".ts") && !n.endsWith(".d.ts"))
    .sort()
    .map((n) => path.join(sourceDir, n));
}

/** Builds every entry point into `outDir`; returns the written file paths. Throws with the build log on failure. */
export async function buildAssets(outDir = OUTPUT_DIR, sourceDir = SOURCE_DIR): Promise<string[]> {
  const entrypoints = assetEntrypoints(sourceDir);
  if (entrypoints.length === 0) return [];
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  // One build per entry: an IIFE bundle cannot share chunks, and separate builds keep names predictable.
  for (const entry of entrypoints) {
    const result = await Bun.build({
      entrypoints: [entry],
      outdir: outDir,
      target: "browser",
      format: "iife",
      minify: true,
      sourcemap: "none",
      naming: "[name].js",
    });
    if (!result.success) {
      throw new Error(`Building ${path.relative(ROOT, entry)} failed:\n${result.logs.map(String).join("\n")}`);
    }
    for (const output of result.outputs) written.push(output.path);
  }
  return written;
}

if (import.meta.main) {
  const i = process.argv.indexOf("--out");
  const outDir = i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]!) : OUTPUT_DIR;
  const files = await buildAssets(outDir);
  for (const f of files) console.log(`built ${path.relative(process.cwd(), f)}`);
  if (files.length === 0) console.log("no browser sources in static/src");
}
