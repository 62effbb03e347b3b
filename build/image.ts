/**
 * The container image (packaging/Containerfile), built FROM scratch with Debian's buildah and saved with podman as
 * an OCI archive: `bun build/image.ts [--binary PATH] [--out FILE]`.
 *
 * - Nothing is pulled: the context holds the executable, the shared libraries `ldd` lists for it (the C library
 *   and its loader, copied from this machine), /etc/passwd and /etc/group naming root and `latchkey` (1000:1000),
 *   /etc/nsswitch.conf, an empty /tmp (1777) and the empty data folder. The image is for this machine's architecture.
 * - Without --binary, an executable is compiled for the image without bytecode: bytecode adds ~10 MB and the image
 *   stays under 120 MiB without it (start-up parses the bundle instead: ~150 instead of ~80 ms).
 * - Storage is a temporary folder (vfs driver, passed on the command line): the machine's container storage and
 *   configuration are neither read for images nor written; the folder is deleted afterwards.
 * - Built in Docker's format, because the OCI image format has no HEALTHCHECK; `podman save --format oci-archive`
 *   then drops it, so the saved config gets the `Healthcheck` field back (Docker's field, which `docker load`
 *   reads from an OCI archive; podman ignores it). packaging/compose.yaml sets the health check too.
 * - Labels: the OCI annotation keys for title, description, version, revision and creation date (from the
 *   executable's `latchkey version`), and source and licences from package.json's `repository` and `license`
 *   when it declares them.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./assets.ts";
import { compileBinary } from "./compile.ts";

export const IMAGE_NAME = "localhost/latchkey";
export const CONTAINERFILE = path.join(ROOT, "packaging/Containerfile");
/** The image's unprivileged user and group (the PUID / PGID default, as Pocket ID's). */
export const IMAGE_USER = { name: "latchkey", uid: 1000, gid: 1000 };

export interface BuiltImage {
  /** The OCI archive written. */
  archive: string;
  tag: string;
  /** The size of the image's files (its one layer, uncompressed), in bytes. */
  size: number;
}

function run(argv: string[], env: Record<string, string | undefined> = process.env): string {
  const r = Bun.spawnSync(argv, { env, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} failed (exit ${r.exitCode}):\n${r.stdout.toString()}${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** The files the executable loads at start: `ldd`'s absolute paths (libraries and the program interpreter). */
export function runtimeLibraries(binary: string): string[] {
  const out = run(["ldd", binary]);
  const files = new Set<string>();
  for (const line of out.split("\n")) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m) files.add(m[1]!);
  }
  if (files.size === 0) throw new Error(`ldd named no libraries for ${binary}:\n${out}`);
  return [...files].sort();
}

/** `latchkey version` of a host executable: "0.1.0 (commit abc…, built 2026-…Z)". */
export function readVersion(binary: string): { version: string; commit: string; date: string } {
  const line = run([binary, "version"]).trim();
  const m = /^(\S+) \(commit (\S+), built (\S+)\)$/.exec(line);
  if (!m) throw new Error(`${binary} version printed "${line}", not "VERSION (commit C, built D)"`);
  return { version: m[1]!, commit: m[2]!, date: m[3]! };
}

function stageContext(binary: string, dir: string): void {
  const rootfs = path.join(dir, "rootfs");
  const put = (from: string, to: string, mode: number) => {
    mkdirSync(path.dirname(path.join(rootfs, to)), { recursive: true });
    copyFileSync(from, path.join(rootfs, to)); // copyFileSync follows symbolic links: the real file lands there
    chmodSync(path.join(rootfs, to), mode);
  };
  put(binary, "app/latchkey", 0o755);
  for (const lib of runtimeLibraries(binary)) put(lib, lib, 0o755);
  const { name, uid, gid } = IMAGE_USER;
  mkdirSync(path.join(rootfs, "etc"), { recursive: true });
  writeFileSync(path.join(rootfs, "etc/passwd"), `root:x:0:0:root:/root:/sbin/nologin\n${name}:x:${uid}:${gid}:Latchkey:/app/data:/sbin/nologin\n`, { mode: 0o644 });
  writeFileSync(path.join(rootfs, "etc/group"), `root:x:0:\n${name}:x:${gid}:\n`, { mode: 0o644 });
  // Names resolve from /etc/hosts (the runtime writes it) before DNS, as on any Debian system.
  writeFileSync(path.join(rootfs, "etc/nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files dns\n", { mode: 0o644 });
  mkdirSync(path.join(rootfs, "tmp"));
  chmodSync(path.join(rootfs, "tmp"), 0o1777);
  mkdirSync(path.join(dir, "data"));
  chmodSync(path.join(dir, "data"), 0o700);
  copyFileSync(CONTAINERFILE, path.join(dir, "Containerfile"));
}

function packageLabels(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { repository?: string | { url?: string }; license?: string };
  const source = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url;
  const labels: string[] = [];
  if (source) labels.push(`org.opencontainers.image.source=${source.replace(/^git\+/, "")}`);
  if (pkg.license) labels.push(`org.opencontainers.image.licenses=${pkg.license}`);
  return labels;
}

/**
 * Puts Docker's `Healthcheck` back into the image config of an OCI archive holding one image (see the header), and
 * names the image for `docker load` too (containerd's io.containerd.image.name beside the OCI ref.name podman wrote).
 */
function completeOciArchive(archive: string, healthcheck: unknown, tag: string): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), "latchkey-oci-"));
  try {
    run(["tar", "-xf", archive, "-C", dir]);
    const blob = (digest: string) => path.join(dir, "blobs", ...digest.split(":"));
    const writeBlob = (text: string) => {
      const digest = `sha256:${new Bun.CryptoHasher("sha256").update(text).digest("hex")}`;
      writeFileSync(blob(digest), text);
      return { digest, size: Buffer.byteLength(text) };
    };
    const index = JSON.parse(readFileSync(path.join(dir, "index.json"), "utf8"));
    const entry = index.manifests[0];
    const manifest = JSON.parse(readFileSync(blob(entry.digest), "utf8"));
    const config = JSON.parse(readFileSync(blob(manifest.config.digest), "utf8"));
    rmSync(blob(manifest.config.digest));
    rmSync(blob(entry.digest));
    config.config.Healthcheck = healthcheck;
    Object.assign(manifest.config, writeBlob(JSON.stringify(config)));
    Object.assign(entry, writeBlob(JSON.stringify(manifest)));
    entry.annotations = { ...entry.annotations, "io.containerd.image.name": tag };
    writeFileSync(path.join(dir, "index.json"), JSON.stringify(index));
    run(["tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "-cf", `${archive}.new`, "-C", dir, "oci-layout", "index.json", "blobs"]);
    run(["mv", "-f", `${archive}.new`, archive]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the image from `binary` (a host executable) and writes it to `archive` (OCI format). */
export async function buildImage(binary: string, archive: string): Promise<BuiltImage> {
  const { version, commit, date } = readVersion(binary);
  const tag = `${IMAGE_NAME}:${version}`;
  const work = mkdtempSync(path.join(os.tmpdir(), "latchkey-image-"));
  try {
    const context = path.join(work, "context");
    mkdirSync(context);
    stageContext(binary, context);
    const storage = ["--root", path.join(work, "storage"), "--runroot", path.join(work, "run"), "--storage-driver", "vfs"];
    const podman = ["podman", ...storage, "--tmpdir", path.join(work, "libpod")];
    const env = { ...process.env, TMPDIR: work };
    const epoch = Number(process.env.SOURCE_DATE_EPOCH);
    run(
      [
        "buildah", ...storage, "build", "--quiet", "--format", "docker", "--file", path.join(context, "Containerfile"),
        "--build-arg", `VERSION=${version}`, "--build-arg", `REVISION=${commit}`, "--build-arg", `CREATED=${date}`,
        ...packageLabels().flatMap((l) => ["--label", l]),
        ...(Number.isInteger(epoch) && epoch > 0 ? ["--timestamp", String(epoch)] : []),
        "--tag", tag, context,
      ],
      env,
    );
    const inspected = JSON.parse(run(["buildah", ...storage, "inspect", "--type", "image", tag], env));
    const healthcheck = inspected.Docker?.config?.Healthcheck;
    if (!healthcheck) throw new Error(`the built image has no health check (${CONTAINERFILE} sets one)`);
    const size = Number(run([...podman, "image", "inspect", "--format", "{{.Size}}", tag], env).trim());
    mkdirSync(path.dirname(path.resolve(archive)), { recursive: true });
    rmSync(archive, { force: true });
    run([...podman, "save", "--quiet", "--format", "oci-archive", "--output", archive, tag], env);
    completeOciArchive(archive, healthcheck, tag);
    return { archive, tag, size };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]!) : undefined;
  };
  const binary = arg("--binary") ?? (await compileBinary(path.join(ROOT, "build/out/image/latchkey"), { bytecode: false }));
  const out = arg("--out") ?? path.join(ROOT, "build/out/latchkey-image.oci.tar");
  const image = await buildImage(binary, out);
  console.log(`built ${image.tag} (${(image.size / 2 ** 20).toFixed(1)} MiB) → ${path.relative(process.cwd(), out) || out} (${(statSync(out).size / 2 ** 20).toFixed(1)} MiB)`);
}
