/**
 * The container image (packaging/Containerfile, build/image.ts), built with buildah and saved with podman as an OCI
 * archive, then used the way a container runtime would (none runs here): its config is read from the archive, its
 * layer is unpacked into a root folder, and the configured entrypoint runs there under `chroot` with the config's
 * environment, /proc and /dev mounted as a runtime mounts them.
 * - Started as the image starts (root), the process hands /app/data to PUID:PGID (1000:1000 by default) and runs as
 *   that user; started as another user (compose `user:`) it chowns nothing; PUID=0 and non-numeric ids are refused.
 * - In place of Pocket ID: its data folder in the volume is handed to the app user and imported on the first start.
 * - The image holds the executable, the libraries `ldd` names, passwd/group/nsswitch.conf, /tmp and the data folder;
 *   < 120 MiB.
 * Needs root (chroot, mount), buildah and podman (tests/setup-system.sh installs them); skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { compileBinary } from "../../build/compile.ts";
import { buildImage, IMAGE_USER, runtimeLibraries, type BuiltImage } from "../../build/image.ts";
import { parseDotEnv } from "../../src/config.ts";
import { VERSION } from "../../src/version.ts";
import { setUpRunningServer } from "../helpers/account.ts";
import { freePort, startCommand } from "../helpers/binary.ts";
import { buildPocketIdDataFolder } from "../helpers/pocket-id-fixture.ts";
import { SoftAuthenticator } from "../helpers/soft-authenticator.ts";
import { makeTempDir } from "../helpers/test-deps.ts";

setDefaultTimeout(60_000);

const PACKAGING = path.resolve(import.meta.dir, "../../packaging");

const available = process.getuid?.() === 0 && Bun.which("buildah") !== null && Bun.which("podman") !== null;

interface ImageConfig {
  architecture: string;
  os: string;
  config: {
    User?: string;
    Env: string[];
    Entrypoint: string[];
    Cmd: string[];
    WorkingDir: string;
    ExposedPorts: Record<string, object>;
    Volumes: Record<string, object>;
    Labels: Record<string, string>;
    Healthcheck: { Test: string[]; Interval: number; Timeout: number; StartPeriod: number; Retries: number };
  };
}

let work: string;
let cleanup: () => void;
let binary: string;
let image: BuiltImage;
let config: ImageConfig;
let indexAnnotations: Record<string, string>;
let layerEntries: string[];
let rootfs: string;
const mounted: string[] = [];

function sh(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** The config's Env as a record, plus the address this test serves on. */
function imageEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(config.config.Env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  return { ...env, ...extra };
}

/** The configured entrypoint and command, run under chroot (`user` = compose's `user:`, default the image's: root). */
function entrypoint(user?: string): string[] {
  return ["chroot", ...(user ? [`--userspec=${user}`] : []), rootfs, ...config.config.Entrypoint, ...config.config.Cmd];
}

function ids(pid: number): { uid: string; gid: string; groups: string } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, "m").exec(status)![1]!.trim().replace(/\s+/g, " ");
  return { uid: field("Uid"), gid: field("Gid"), groups: field("Groups") };
}

/** Owner uid:gid of every entry under the image's /app/data. */
function dataOwners(): Set<string> {
  const owners = new Set<string>();
  const walk = (p: string) => {
    const st = statSync(p);
    owners.add(`${st.uid}:${st.gid}`);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(path.join(p, n));
  };
  walk(path.join(rootfs, "app/data"));
  return owners;
}

beforeAll(async () => {
  if (!available) return;
  ({ dir: work, cleanup } = makeTempDir("latchkey-image-test-"));
  // The image's executable goes without bytecode (build/image.ts): compiled here, one quick pass.
  binary = await compileBinary(path.join(work, "bin/latchkey"), { assets: false, bytecode: false });
  image = await buildImage(binary, path.join(work, "latchkey.oci.tar"));
  const oci = path.join(work, "oci");
  mkdirSync(oci);
  sh(["tar", "-xf", image.archive, "-C", oci]);
  const blob = (digest: string) => path.join(oci, "blobs", ...digest.split(":"));
  const index = JSON.parse(readFileSync(path.join(oci, "index.json"), "utf8"));
  expect(index.manifests).toHaveLength(1);
  indexAnnotations = index.manifests[0].annotations;
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), "utf8"));
  config = JSON.parse(readFileSync(blob(manifest.config.digest), "utf8"));
  expect(manifest.layers).toHaveLength(1);
  const layer = blob(manifest.layers[0].digest);
  layerEntries = sh(["tar", "-tzf", layer]).split("\n").filter(Boolean).map((e) => e.replace(/\/$/, ""));
  rootfs = path.join(work, "rootfs");
  mkdirSync(rootfs);
  sh(["tar", "-xzf", layer, "-C", rootfs, "--same-owner", "--same-permissions"]);
  // What a container runtime provides: /proc (Bun finds its embedded program through /proc/self/exe) and /dev.
  for (const [dir, args] of [["proc", ["-t", "proc", "proc"]], ["dev", ["--bind", "/dev"]]] as const) {
    mkdirSync(path.join(rootfs, dir));
    sh(["mount", ...args, path.join(rootfs, dir)]);
    mounted.push(path.join(rootfs, dir));
  }
}, 240_000);

afterAll(() => {
  for (const m of mounted.reverse()) Bun.spawnSync(["umount", "-l", m]);
  if (mounted.every((m) => !readFileSync("/proc/mounts", "utf8").includes(` ${m} `))) cleanup?.();
});

describe.skipIf(!available)("container image", () => {
  test("config: the entrypoint, port 1411, the /app/data volume, the health check, labels; starts as root to drop privileges", () => {
    const c = config.config;
    expect(config.os).toBe("linux");
    expect(config.architecture).toBe(process.arch === "arm64" ? "arm64" : "amd64");
    expect(c.Entrypoint).toEqual(["/app/latchkey"]);
    expect(c.Cmd).toEqual(["serve"]);
    expect(c.WorkingDir).toBe("/app");
    expect(c.ExposedPorts).toEqual({ "1411/tcp": {} });
    expect(c.Volumes).toEqual({ "/app/data": {} });
    expect(c.Healthcheck).toEqual({ Test: ["CMD", "/app/latchkey", "healthcheck"], Interval: 90e9, Timeout: 5e9, StartPeriod: 10e9, Retries: 3 });
    // No USER: like Pocket ID's image it starts as root only to hand /app/data to PUID:PGID, then drops.
    expect(c.User ?? "").toBe("");
    expect(c.Env).toContain("LATCHKEY_CONTAINER=1");
    const stamp = /^(\S+) \(commit (\S+), built (\S+)\)$/.exec(sh([binary, "version"]).trim())!;
    expect(c.Labels["org.opencontainers.image.version"]).toBe(VERSION);
    expect(c.Labels["org.opencontainers.image.revision"]).toBe(stamp[2]!);
    expect(c.Labels["org.opencontainers.image.created"]).toBe(stamp[3]!);
    expect(c.Labels["org.opencontainers.image.title"]).toBe("Latchkey");
    const pkg = packageJson();
    if (pkg.license) expect(c.Labels["org.opencontainers.image.licenses"]).toBe(pkg.license);
    else expect(c.Labels["org.opencontainers.image.licenses"]).toBeUndefined();
    expect(image.tag).toBe(`localhost/latchkey:${VERSION}`);
    // The name `podman load` and `docker load` give the image.
    expect(indexAnnotations).toEqual({ "org.opencontainers.image.ref.name": image.tag, "io.containerd.image.name": image.tag });
  });

  test("compose.yaml replaces Pocket ID's service line for line; the Caddyfile beside it proxies to port 1411", () => {
    const read = (f: string) => readFileSync(path.join(PACKAGING, f), "utf8");
    const compose = Bun.YAML.parse(read("compose.yaml")) as { services: Record<string, Record<string, unknown>> };
    expect(Object.keys(compose.services)).toEqual(["latchkey"]);
    const { image: tag, healthcheck, ...rest } = compose.services.latchkey!;
    expect(tag).toBe(image.tag);
    // Pocket ID's docker-compose.yml, but for its image and health check command.
    expect(rest).toEqual({ restart: "unless-stopped", env_file: ".env", ports: ["1411:1411"], volumes: ["./data:/app/data"] });
    expect(healthcheck).toEqual({ test: ["CMD", ...config.config.Healthcheck.Test.slice(1)], interval: "1m30s", timeout: "5s", retries: 2, start_period: "10s" });
    const adapted = Bun.spawnSync(["caddy", "adapt", "--config", path.join(PACKAGING, "Caddyfile")], { stdout: "pipe", stderr: "pipe" });
    expect(adapted.exitCode).toBe(0);
    const routes = JSON.parse(adapted.stdout.toString()).apps.http.servers.srv0.routes;
    expect(routes[0].match).toEqual([{ host: ["id.example.com"] }]);
    expect(JSON.stringify(routes[0].handle)).toContain('"upstreams":[{"dial":"localhost:1411"}]');
    const env = parseDotEnv(read("env.example"));
    expect(Object.keys(env)).toEqual(["APP_URL", "ENCRYPTION_KEY", "TRUST_PROXY", "MAXMIND_LICENSE_KEY", "PUID", "PGID"]);
  });

  test("FROM scratch: the executable, the libraries ldd names, passwd, group, nsswitch.conf, /tmp and the data folder; under 120 MiB", () => {
    const libraries = runtimeLibraries(binary).map((l) => l.slice(1));
    const dirs = new Set<string>();
    for (const f of ["app/latchkey", "etc/passwd", ...libraries]) for (let d = path.dirname(f); d !== "."; d = path.dirname(d)) dirs.add(d);
    expect(new Set(layerEntries)).toEqual(new Set(["app/latchkey", "app/data", "etc/passwd", "etc/group", "etc/nsswitch.conf", "tmp", ...libraries, ...dirs]));
    expect(libraries.some((l) => /libc\.so/.test(l))).toBe(true);
    expect(image.size).toBeLessThan(120 * 2 ** 20);
    expect(readFileSync(path.join(rootfs, "etc/passwd"), "utf8")).toContain(`${IMAGE_USER.name}:x:1000:1000:`);
    expect(readFileSync(path.join(rootfs, "etc/group"), "utf8")).toContain(`${IMAGE_USER.name}:x:1000:`);
    const data = statSync(path.join(rootfs, "app/data"));
    expect([data.uid, data.gid]).toEqual([1000, 1000]);
    expect(statSync(path.join(rootfs, "tmp")).mode & 0o7777).toBe(0o1777);
  });

  test("started as the image starts: /app/data handed to 1000:1000, runs as that user, healthy, HEALTHCHECK passes, /setup completes", async () => {
    writeFileSync(path.join(rootfs, "app/data/left-by-root.txt"), "x"); // a file the host left root-owned
    const port = freePort();
    const server = await startCommand(entrypoint(), { env: imageEnv({ PORT: String(port), APP_URL: `http://localhost:${port}` }) });
    try {
      expect(ids(server.process.pid)).toEqual({ uid: "1000 1000 1000 1000", gid: "1000 1000 1000 1000", groups: "" });
      const health = Bun.spawnSync(["chroot", rootfs, ...config.config.Healthcheck.Test.slice(1)], { env: imageEnv({ PORT: String(port) }) });
      expect(health.exitCode).toBe(0);
      await setUpRunningServer(server.url, new SoftAuthenticator());
      expect(server.stderr()).not.toContain("PUID");
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(dataOwners()).toEqual(new Set(["1000:1000"]));
    expect(readdirSync(path.join(rootfs, "app/data"))).toContain("latchkey.db");
  });

  test("PUID and PGID: the data folder changes hands and the process runs as them; the account is still there", async () => {
    const port = freePort();
    const server = await startCommand(entrypoint(), { env: imageEnv({ PORT: String(port), APP_URL: `http://localhost:${port}`, PUID: "1234", PGID: "2345" }) });
    try {
      expect(ids(server.process.pid)).toEqual({ uid: "1234 1234 1234 1234", gid: "2345 2345 2345 2345", groups: "" });
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(dataOwners()).toEqual(new Set(["1234:2345"]));
    const db = new Database(path.join(rootfs, "app/data/latchkey.db"), { readonly: true });
    try {
      expect(db.query<{ username: string }, []>("SELECT username FROM users").all()).toEqual([{ username: "ada" }]);
    } finally {
      db.close();
    }
  });

  test("started as another user (compose `user:`): nothing is chowned, no privileges to drop", async () => {
    writeFileSync(path.join(rootfs, "app/data/left-by-root.txt"), "x");
    Bun.spawnSync(["chown", "0:0", path.join(rootfs, "app/data/left-by-root.txt")]);
    const port = freePort();
    const server = await startCommand(entrypoint("1234:2345"), { env: imageEnv({ PORT: String(port), APP_URL: `http://localhost:${port}` }) });
    try {
      expect(ids(server.process.pid).uid).toBe("1234 1234 1234 1234");
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const left = statSync(path.join(rootfs, "app/data/left-by-root.txt"));
    expect([left.uid, left.gid]).toEqual([0, 0]);
  });

  test("PUID=0 and ids that are not numbers are refused before anything is touched", () => {
    for (const [env, message] of [
      [{ PUID: "0" }, "PUID=0 would run Latchkey as root"],
      [{ PGID: "0" }, "PGID=0 would run Latchkey as root"],
      [{ PUID: "latchkey" }, 'PUID must be a numeric id, got "latchkey"'],
      [{ PGID: "-1" }, 'PGID must be a numeric id, got "-1"'],
    ] as const) {
      const r = Bun.spawnSync(entrypoint(), { env: imageEnv({ PORT: String(freePort()), ...env }), stdout: "pipe", stderr: "pipe" });
      expect(r.exitCode).toBe(1);
      expect(r.stderr.toString()).toContain(message);
    }
    const left = statSync(path.join(rootfs, "app/data/left-by-root.txt"));
    expect([left.uid, left.gid]).toEqual([0, 0]);
  });

  test("in place of Pocket ID: its data folder in the volume (left root-owned) is handed over and imported on the first start", async () => {
    renameSync(path.join(rootfs, "app/data"), path.join(rootfs, "app/data.before"));
    const port = freePort();
    const key = "pocket-id-encryption-key-32-bytes!";
    const fx = await buildPocketIdDataFolder({ layout: "v2.14", dataDir: path.join(rootfs, "app/data"), encryptionKey: key, appUrl: `http://localhost:${port}`, now: Math.floor(Date.now() / 1000) });
    const server = await startCommand(entrypoint(), { env: imageEnv({ PORT: String(port), APP_URL: `http://localhost:${port}`, ENCRYPTION_KEY: key }), timeoutMs: 60_000 });
    try {
      expect(server.stderr()).toContain("first start with a Pocket ID database");
      expect(ids(server.process.pid).uid).toBe("1000 1000 1000 1000");
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(dataOwners()).toEqual(new Set(["1000:1000"]));
    const db = new Database(path.join(rootfs, "app/data/latchkey.db"), { readonly: true });
    try {
      expect(db.query<{ username: string }, []>("SELECT username FROM users ORDER BY username").all().map((u) => u.username)).toContain(fx.alice.username);
    } finally {
      db.close();
    }
  });
});

function packageJson(): { license?: string } {
  return JSON.parse(readFileSync(path.resolve(import.meta.dir, "../../package.json"), "utf8"));
}
