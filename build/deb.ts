/**
 * The Debian package: `bun build/deb.ts [--binary PATH] [--arch amd64|arm64] [--out DIR]` → latchkey_<version>_<arch>.deb.
 *
 * - Installs /usr/bin/latchkey, the unit install.sh writes (packaging/latchkey.service with /usr/bin/latchkey) at
 *   /usr/lib/systemd/system/latchkey.service, the sysusers line, and the configuration's defaults
 *   (packaging/latchkey.env) at /usr/share/latchkey/latchkey.env for the postinst.
 * - Maintainer scripts (packaging/deb/): postinst creates the `latchkey` user, /var/lib/latchkey (0700) and, on the
 *   first install only, /etc/latchkey/latchkey.env (0600) with a generated key; upgrades keep both; `remove` keeps
 *   data, configuration and user, `purge` deletes them. systemctl is called only when systemd is running.
 * - The Debian version is the package version with "-" as "~" (0.2.0-rc.1 sorts before 0.2.0), then "-<revision>".
 * - `dpkg-deb --root-owner-group`: every file root-owned without fakeroot. gzip -9 by default: every dpkg reads it,
 *   and xz, 25% smaller, took 13 minutes for one package on a busy 2-core machine; `compression: "zstd"` (level 1,
 *   dpkg 1.21.18+: Debian 12, Ubuntu 21.10) takes a second, for tests.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./assets.ts";
import { DEFAULT_BINARY } from "./compile.ts";

export type DebArch = "amd64" | "arm64";
const PACKAGING = path.join(ROOT, "packaging");
export const DEB_BIN_PATH = "/usr/bin/latchkey";

export interface DebOptions {
  binary: string;
  arch: DebArch;
  /** The folder the .deb is written to. */
  outDir: string;
  /** The Debian revision (default 1): a rebuild of the same version gets a higher one. */
  revision?: number;
  compression?: "gzip" | "zstd";
}

export function debVersion(version: string, revision = 1): string {
  return `${version.replaceAll("-", "~")}-${revision}`;
}

export function hostDebArch(): DebArch {
  return process.arch === "arm64" ? "arm64" : "amd64";
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
}

function put(root: string, file: string, content: string | { from: string }, mode: number): void {
  const target = path.join(root, file);
  mkdirSync(path.dirname(target), { recursive: true });
  if (typeof content === "string") writeFileSync(target, content);
  else copyFileSync(content.from, target);
  chmodSync(target, mode);
}

/** Builds the package; resolves the .deb's path. */
export async function buildDeb(options: DebOptions): Promise<string> {
  const version = debVersion(packageVersion(), options.revision);
  const out = path.join(options.outDir, `latchkey_${version}_${options.arch}.deb`);
  const root = mkdtempSync(path.join(os.tmpdir(), "latchkey-deb-"));
  try {
    chmodSync(root, 0o755);
    put(root, DEB_BIN_PATH.slice(1), { from: options.binary }, 0o755);
    const unit = readFileSync(path.join(PACKAGING, "latchkey.service"), "utf8").replaceAll("@BIN_PATH@", DEB_BIN_PATH);
    put(root, "usr/lib/systemd/system/latchkey.service", unit, 0o644);
    put(root, "usr/lib/sysusers.d/latchkey.conf", { from: path.join(PACKAGING, "latchkey.sysusers") }, 0o644);
    put(root, "usr/share/latchkey/latchkey.env", { from: path.join(PACKAGING, "latchkey.env") }, 0o644);
    for (const script of ["postinst", "prerm", "postrm"]) put(root, `DEBIAN/${script}`, { from: path.join(PACKAGING, "deb", script) }, 0o755);
    const installedKiB = Math.ceil((statSync(options.binary).size + unit.length + 4096) / 1024);
    const control = [
      "Package: latchkey",
      `Version: ${version}`,
      `Architecture: ${options.arch}`,
      "Maintainer: Latchkey <dev@latchkey.invalid>",
      `Installed-Size: ${installedKiB}`,
      // The executable needs glibc 2.17 (objdump -T); useradd/userdel come from passwd.
      "Depends: libc6 (>= 2.17), passwd",
      "Section: net",
      "Priority: optional",
      "Description: passkey-only OpenID Connect provider for self-hosters",
      " Latchkey signs people in to self-hosted apps with passkeys only, over OpenID Connect.",
      " A drop-in replacement for Pocket ID: same configuration variables and endpoints.",
      " Runs as the systemd service latchkey.service; configuration in /etc/latchkey/latchkey.env,",
      " data in /var/lib/latchkey.",
      "",
    ].join("\n");
    put(root, "DEBIAN/control", control, 0o644);
    mkdirSync(options.outDir, { recursive: true });
    const compression = options.compression ?? "gzip";
    const r = Bun.spawnSync(["dpkg-deb", "--root-owner-group", `-Z${compression}`, compression === "zstd" ? "-z1" : "-z9", "--build", root, out], {
      stdout: "pipe",
      stderr: "pipe",
    });
    if (r.exitCode !== 0) throw new Error(`dpkg-deb failed (exit ${r.exitCode}):\n${r.stdout.toString()}${r.stderr.toString()}`);
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const arch = (arg("--arch") ?? hostDebArch()) as DebArch;
  if (arch !== "amd64" && arch !== "arm64") throw new Error(`--arch must be amd64 or arm64, got ${arch}`);
  const deb = await buildDeb({ binary: path.resolve(arg("--binary") ?? DEFAULT_BINARY), arch, outDir: path.resolve(arg("--out") ?? path.join(ROOT, "build/out")) });
  console.log(`built ${path.relative(process.cwd(), deb) || deb}`);
}
