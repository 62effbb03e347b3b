/**
 * `bun run build`: browser bundles, then one self-contained executable at build/out/latchkey.
 *
 * - Templates, static files, migrations and package.json are imported (`with { type: "file" | "text" | "json" }`),
 *   so the bundler embeds them; the binary reads nothing from the source tree or the working folder.
 * - JSX goes through @kitajs/html: `bun build` applies tsconfig.json's jsx / jsxImportSource.
 * - `--no-compile-autoload-dotenv` and `--no-compile-autoload-bunfig`: src/config.ts is the only reader of
 *   the environment and of `.env` (real variables win, `_FILE` rules apply); the binary must not let Bun
 *   load `.env`, `.env.local` or a bunfig.toml from whatever folder it is started in.
 *
 * Usage: bun run build [--outfile PATH]
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { buildAssets, ROOT } from "./assets.ts";

export const DEFAULT_BINARY = path.join(ROOT, "build/out/latchkey");

/** Compiles the binary to `outfile`; `assets: false` skips rebuilding static/js (tests must not rewrite committed files). */
export async function compileBinary(outfile = DEFAULT_BINARY, options: { assets?: boolean } = {}): Promise<string> {
  if (options.assets ?? true) await buildAssets();
  mkdirSync(path.dirname(outfile), { recursive: true });
  const proc = Bun.spawn(
    [
      process.execPath,
      "build",
      "--compile",
      "--minify",
      "--sourcemap",
      // Start-up: bytecode skips parsing the bundle at every start (version/healthcheck ~150 → ~80 ms);
      // bytecode needs ESM here because the entry uses top-level await.
      "--bytecode",
      "--format=esm",
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      "src/main.ts",
      "--outfile",
      outfile,
    ],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, NODE_ENV: "production" } },
  );
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`bun build --compile failed (exit ${code}):\n${out}${err}`);
  return outfile;
}

if (import.meta.main) {
  const i = process.argv.indexOf("--outfile");
  const outfile = i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]!) : DEFAULT_BINARY;
  const started = performance.now();
  await compileBinary(outfile);
  console.log(`built ${path.relative(process.cwd(), outfile) || outfile} in ${Math.round(performance.now() - started)} ms`);
}
