/**
 * `bun run release`: everything a release publishes, in one folder (default build/out/release-<version>/):
 *
 *   latchkey-<version>-linux-x64, latchkey-<version>-linux-arm64   the executables (`bun build --compile --target=…`)
 *   latchkey_<debversion>_amd64.deb, latchkey_<debversion>_arm64.deb  the Debian packages (build/deb.ts)
 *   latchkey-<version>-image-linux-amd64.oci.tar                  the container image (build/image.ts, `podman save`)
 *   install.sh, latchkey.service, latchkey.env, latchkey.sysusers binary + systemd install (install.sh finds the
 *                                                                 three files beside it)
 *   compose.yaml, Caddyfile, env.example                          the Docker Compose setup
 *   SHA256SUMS                                                    `sha256sum -c SHA256SUMS` checks all of the above
 *
 * - One build stamp (commit and date) for every executable, so `latchkey version` agrees across them.
 * - This machine's architecture gets the full build (bytecode, profiled layout: build/compile.ts); the other
 *   architecture is cross-compiled without bytecode (made by this machine's engine, it cannot be checked here).
 * - The image is built for this machine's architecture only (it copies this machine's C library), from an executable
 *   compiled without bytecode (build/image.ts says why).
 * Options: --out DIR.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildAssets, ROOT } from "./assets.ts";
import { buildStamp, compileBinary, type BuildStamp } from "./compile.ts";
import { buildDeb, type DebArch } from "./deb.ts";
import { buildImage } from "./image.ts";

export type ReleaseArch = "x64" | "arm64";
export const RELEASE_ARCHES: readonly ReleaseArch[] = ["x64", "arm64"];
const DEB_ARCH: Record<ReleaseArch, DebArch> = { x64: "amd64", arm64: "arm64" };
const SUPPORT_FILES = ["install.sh", "packaging/latchkey.service", "packaging/latchkey.env", "packaging/latchkey.sysusers", "packaging/compose.yaml", "packaging/Caddyfile", "packaging/env.example"];

export interface ReleaseOptions {
  outDir?: string;
  /** Already-built executables to use instead of compiling them (tests reuse the suite's binary). */
  binaries?: Partial<Record<ReleaseArch, string>>;
  /** The image's executable, if already built (without bytecode). */
  imageBinary?: string;
  debCompression?: "gzip" | "zstd";
  stamp?: BuildStamp;
}

export function hostReleaseArch(): ReleaseArch {
  return process.arch === "arm64" ? "arm64" : "x64";
}

export function releaseVersion(): string {
  return (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * Empties `out` for a new release: only a folder that is missing, empty or an earlier release (it has SHA256SUMS)
 * is cleared, so a mistaken `--out .` or `--out ~` refuses rather than deleting what is there.
 */
export function clearReleaseDir(out: string): void {
  if (existsSync(out)) {
    const entries = readdirSync(out);
    if (entries.length > 0 && !entries.includes("SHA256SUMS")) {
      throw new Error(`${out} is not empty and holds no earlier release (no SHA256SUMS): choose another --out folder`);
    }
    rmSync(out, { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
}

/** Writes the release folder; resolves its path. */
export async function buildRelease(options: ReleaseOptions = {}): Promise<string> {
  const version = releaseVersion();
  const out = path.resolve(options.outDir ?? path.join(ROOT, `build/out/release-${version}`));
  clearReleaseDir(out);
  const stamp = options.stamp ?? buildStamp();
  const work = mkdtempSync(path.join(os.tmpdir(), "latchkey-release-"));
  try {
    const needsCompile = RELEASE_ARCHES.some((a) => !options.binaries?.[a]) || !options.imageBinary;
    if (needsCompile) await buildAssets();
    const host = hostReleaseArch();
    for (const arch of RELEASE_ARCHES) {
      const target = path.join(out, `latchkey-${version}-linux-${arch}`);
      const given = options.binaries?.[arch];
      if (given) copyFileSync(given, target);
      else {
        // Compiled in a scratch folder: bun writes the source maps beside the executable.
        const built = path.join(work, arch, "latchkey");
        await compileBinary(built, { assets: false, stamp, ...(arch === host ? {} : { target: `bun-linux-${arch}`, bytecode: false }) });
        copyFileSync(built, target);
      }
      chmodSync(target, 0o755);
      await buildDeb({ binary: target, arch: DEB_ARCH[arch], outDir: out, compression: options.debCompression });
    }
    const imageBinary = options.imageBinary ?? (await compileBinary(path.join(work, "image", "latchkey"), { assets: false, bytecode: false, stamp }));
    await buildImage(imageBinary, path.join(out, `latchkey-${version}-image-linux-${DEB_ARCH[host]}.oci.tar`));
    for (const file of SUPPORT_FILES) copyFileSync(path.join(ROOT, file), path.join(out, path.basename(file)));
    chmodSync(path.join(out, "install.sh"), 0o755);
    writeFileSync(path.join(out, "SHA256SUMS"), await checksums(out));
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `sha256sum` lines for every file in `dir`, sorted by name. */
async function checksums(dir: string): Promise<string> {
  const lines: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const hasher = new Bun.CryptoHasher("sha256");
    const reader = Bun.file(path.join(dir, name)).stream().getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) hasher.update(r.value);
    lines.push(`${hasher.digest("hex")}  ${name}`);
  }
  return lines.join("\n") + "\n";
}

if (import.meta.main) {
  const i = process.argv.indexOf("--out");
  const started = performance.now();
  const out = await buildRelease({ outDir: i > 0 ? process.argv[i + 1] : undefined });
  console.log(`release in ${path.relative(process.cwd(), out) || out} (${Math.round((performance.now() - started) / 1000)} s):`);
  for (const name of readdirSync(out).sort()) console.log(`  ${name}`);
}
