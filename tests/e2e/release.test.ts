/**
 * `bun run release` (build/release.ts): the release folder with both architectures' executables and packages, the
 * image archive, the install files and SHA256SUMS. The arm64 executable cannot run here: its ELF header (AArch64,
 * 64-bit little-endian, glibc's AArch64 loader) and its embedded program (the build stamp) are checked instead.
 * Reuses the suite's compiled executable for this machine's architecture; packages use zstd to save a minute.
 * Needs root, buildah, podman and dpkg-deb (tests/setup-system.sh); skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { BuildStamp } from "../../build/compile.ts";
import { debVersion } from "../../build/deb.ts";
import { buildRelease, hostReleaseArch } from "../../build/release.ts";
import { VERSION } from "../../src/version.ts";
import { ensureBinaryBuilt } from "../helpers/binary.ts";
import { makeTempDir } from "../helpers/test-deps.ts";

setDefaultTimeout(60_000);

const available = process.getuid?.() === 0 && ["buildah", "podman", "dpkg-deb", "sha256sum"].every((c) => Bun.which(c) !== null);

let out: string;
let cleanup: () => void;
let stamp: BuildStamp;

beforeAll(async () => {
  if (!available) return;
  ({ dir: out, cleanup } = makeTempDir("latchkey-release-test-"));
  const binary = await ensureBinaryBuilt();
  // The stamp of the suite's executable, so both architectures report the same build.
  const line = Bun.spawnSync([binary, "version"]).stdout.toString().trim();
  const m = /\(commit (\S+), built (\S+)\)$/.exec(line)!;
  stamp = { commit: m[1]!, date: m[2]! };
  await buildRelease({ outDir: out, binaries: { [hostReleaseArch()]: binary }, debCompression: "zstd", stamp });
}, 300_000);
afterAll(() => cleanup?.());

interface ElfHeader {
  elfClass: number;
  littleEndian: boolean;
  type: number;
  machine: number;
  interpreter: string | null;
}

/** The ELF identification, type, machine and program interpreter (PT_INTERP) of a 64-bit little-endian file. */
function readElfHeader(file: string): ElfHeader {
  const buf = readFileSync(file);
  expect([...buf.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]); // \x7fELF
  const header: ElfHeader = { elfClass: buf[4]!, littleEndian: buf[5] === 1, type: buf.readUInt16LE(16), machine: buf.readUInt16LE(18), interpreter: null };
  const phoff = Number(buf.readBigUInt64LE(32));
  const phentsize = buf.readUInt16LE(54);
  const phnum = buf.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (buf.readUInt32LE(ph) !== 3) continue; // PT_INTERP
    const offset = Number(buf.readBigUInt64LE(ph + 8));
    const size = Number(buf.readBigUInt64LE(ph + 32));
    header.interpreter = buf.subarray(offset, offset + size).toString("latin1").replace(/\0+$/, "");
  }
  return header;
}

describe.skipIf(!available)("bun run release", () => {
  test("the folder: both executables, both packages, the image archive, the install files, SHA256SUMS", () => {
    expect(readdirSync(out).sort()).toEqual(
      [
        `latchkey-${VERSION}-linux-x64`,
        `latchkey-${VERSION}-linux-arm64`,
        `latchkey_${debVersion(VERSION)}_amd64.deb`,
        `latchkey_${debVersion(VERSION)}_arm64.deb`,
        `latchkey-${VERSION}-image-linux-${hostReleaseArch() === "x64" ? "amd64" : "arm64"}.oci.tar`,
        "install.sh",
        "latchkey.service",
        "latchkey.env",
        "latchkey.sysusers",
        "compose.yaml",
        "Caddyfile",
        "env.example",
        "SHA256SUMS",
      ].sort(),
    );
    for (const arch of ["x64", "arm64"]) expect(statSync(path.join(out, `latchkey-${VERSION}-linux-${arch}`)).mode & 0o777).toBe(0o755);
  });

  test("SHA256SUMS covers every other file and sha256sum -c accepts it", () => {
    const listed = readFileSync(path.join(out, "SHA256SUMS"), "utf8").trim().split("\n").map((l) => l.split("  ")[1]);
    expect(listed.sort()).toEqual(readdirSync(out).filter((f) => f !== "SHA256SUMS").sort());
    const check = Bun.spawnSync(["sha256sum", "--check", "--strict", "SHA256SUMS"], { cwd: out, stdout: "pipe", stderr: "pipe" });
    expect(check.stderr.toString()).toBe("");
    expect(check.exitCode).toBe(0);
  });

  test("linux-arm64: an AArch64 executable for glibc's loader, carrying the program and the same build stamp", () => {
    const arm = path.join(out, `latchkey-${VERSION}-linux-arm64`);
    const header = readElfHeader(arm);
    expect(header).toEqual({ elfClass: 2, littleEndian: true, type: 2, machine: 183, interpreter: "/lib/ld-linux-aarch64.so.1" }); // EM_AARCH64
    const bytes = readFileSync(arm);
    expect(bytes.includes("/$bunfs/root/")).toBe(true); // the embedded program, not a bare runtime
    expect(bytes.includes(stamp.commit)).toBe(true);
    expect(bytes.includes(stamp.date)).toBe(true);
    expect(readElfHeader(path.join(out, `latchkey-${VERSION}-linux-x64`))).toMatchObject({ elfClass: 2, littleEndian: true, machine: 62, interpreter: "/lib64/ld-linux-x86-64.so.2" }); // EM_X86_64
  });

  test("each .deb carries its architecture's executable", () => {
    for (const [deb, exe] of [
      [`latchkey_${debVersion(VERSION)}_amd64.deb`, `latchkey-${VERSION}-linux-x64`],
      [`latchkey_${debVersion(VERSION)}_arm64.deb`, `latchkey-${VERSION}-linux-arm64`],
    ] as const) {
      const arch = Bun.spawnSync(["dpkg-deb", "-f", path.join(out, deb), "Architecture"]).stdout.toString().trim();
      expect(arch).toBe(deb.endsWith("_arm64.deb") ? "arm64" : "amd64");
      const packaged = Bun.spawnSync(["sh", "-c", 'dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/bin/latchkey | sha256sum', "sh", path.join(out, deb)]).stdout.toString().split(" ")[0];
      const direct = Bun.spawnSync(["sha256sum", path.join(out, exe)]).stdout.toString().split(" ")[0];
      expect(packaged).toBe(direct!);
    }
  });

  test("the host executable and the image archive", () => {
    const host = path.join(out, `latchkey-${VERSION}-linux-${hostReleaseArch()}`);
    expect(Bun.spawnSync([host, "version"]).stdout.toString()).toBe(`${VERSION} (commit ${stamp.commit}, built ${stamp.date})\n`);
    const image = readdirSync(out).find((f) => f.endsWith(".oci.tar"))!;
    const entries = Bun.spawnSync(["tar", "-tf", path.join(out, image)]).stdout.toString().split("\n");
    expect(entries).toContain("index.json");
    expect(entries).toContain("oci-layout");
    // install.sh finds its unit and defaults beside it, as in this folder.
    const stage = makeTempDir("latchkey-release-stage-");
    try {
      const staged = Bun.spawnSync(["bash", path.join(out, "install.sh"), "--root", stage.dir, "--binary", host, "--app-url", "https://id.example.com"]);
      expect(staged.exitCode).toBe(0);
      expect(readFileSync(path.join(stage.dir, "etc/systemd/system/latchkey.service"), "utf8")).toContain("ExecStart=/usr/local/bin/latchkey serve");
    } finally {
      stage.cleanup();
    }
  });
});
