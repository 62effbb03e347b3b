/**
 * The Debian package (build/deb.ts, packaging/deb/), installed with dpkg on this machine: files, user, unit and
 * configuration where they belong, the installed server completing /setup as the `latchkey` user, an upgrade to a
 * newer build that keeps the account, the key and the data, remove (keeps them) and purge (deletes them).
 * The maintainer scripts run without systemd here, and once more with systemd "running": in a private mount
 * namespace that has /run/systemd/system, with a systemctl that records its arguments.
 * This changes the real machine: the package is purged before and after (even when a test fails).
 * Needs root and dpkg; skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, statSync, writeFileSync, chmodSync, mkdirSync } from "node:fs";
import path from "node:path";
import { buildStamp, compileBinary } from "../../build/compile.ts";
import { buildDeb, debVersion, hostDebArch } from "../../build/deb.ts";
import { loadConfig, parseDotEnv } from "../../src/config.ts";
import { VERSION } from "../../src/version.ts";
import { setUpRunningServer } from "../helpers/account.ts";
import { ensureBinaryBuilt, freePort, startCommand } from "../helpers/binary.ts";
import { SoftAuthenticator } from "../helpers/soft-authenticator.ts";
import { makeTempDir } from "../helpers/test-deps.ts";

setDefaultTimeout(60_000);

const available = process.getuid?.() === 0 && Bun.which("dpkg") !== null && Bun.which("dpkg-deb") !== null && Bun.which("setpriv") !== null;
const INSTALL_SH = path.resolve(import.meta.dir, "../../install.sh");
const ENV_FILE = "/etc/latchkey/latchkey.env";
const DATA_DIR = "/var/lib/latchkey";
const UNIT = "/usr/lib/systemd/system/latchkey.service";
const NEWER_BUILD_DATE = "2099-01-01T00:00:00Z";

let work: string;
let cleanup: () => void;
let deb1: string;
let deb2: string;

function run(argv: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync(argv, { env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...env }, stdout: "pipe", stderr: "pipe" });
  return { exitCode: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}
const dpkg = (...args: string[]) => run(["dpkg", ...args]);
const installed = () => run(["dpkg-query", "-W", "-f=${Status} ${Version}", "latchkey"]).out;
const passwdEntry = () => run(["getent", "passwd", "latchkey"]);
function purge(): void {
  if (dpkg("-s", "latchkey").exitCode === 0) expect(dpkg("--purge", "latchkey").exitCode).toBe(0);
}

beforeAll(async () => {
  if (!available) return;
  purge(); // a package left behind by an interrupted earlier run
  if (passwdEntry().exitCode === 0) throw new Error("a `latchkey` user exists that no package owns: delete it (userdel latchkey) before running these tests");
  ({ dir: work, cleanup } = makeTempDir("latchkey-deb-test-"));
  const binary = await ensureBinaryBuilt();
  // "A newer build": the same source compiled with a later build date (one quick pass, no bytecode).
  const newer = await compileBinary(path.join(work, "newer/latchkey"), { assets: false, bytecode: false, stamp: { ...buildStamp(), date: NEWER_BUILD_DATE } });
  deb1 = await buildDeb({ binary, arch: hostDebArch(), outDir: work, revision: 1, compression: "zstd" });
  deb2 = await buildDeb({ binary: newer, arch: hostDebArch(), outDir: work, revision: 2, compression: "zstd" });
}, 240_000);

afterAll(() => {
  if (!available) return;
  try {
    purge();
  } finally {
    cleanup?.();
  }
});

describe.skipIf(!available)("the .deb", () => {
  test("control fields and files", () => {
    expect(path.basename(deb1)).toBe(`latchkey_${debVersion(VERSION, 1)}_${hostDebArch()}.deb`);
    const field = (f: string) => run(["dpkg-deb", "-f", deb1, f]).out.trim();
    expect([field("Package"), field("Version"), field("Architecture"), field("Depends")]).toEqual(["latchkey", `${VERSION.replaceAll("-", "~")}-1`, hostDebArch(), "libc6 (>= 2.17), passwd"]);
    const files = run(["dpkg-deb", "-c", deb1]).out.trim().split("\n");
    const listed = files.filter((l) => !l.endsWith("/")).map((l) => l.split(/\s+/).slice(0, 2).join(" ") + " " + l.split(/\s+/).at(-1));
    expect(listed).toEqual([
      "-rwxr-xr-x root/root ./usr/bin/latchkey",
      "-rw-r--r-- root/root ./usr/lib/systemd/system/latchkey.service",
      "-rw-r--r-- root/root ./usr/lib/sysusers.d/latchkey.conf",
      "-rw-r--r-- root/root ./usr/share/latchkey/latchkey.env",
    ]);
    expect(debVersion("0.2.0-rc.1", 3)).toBe("0.2.0~rc.1-3");
  });

  test("dpkg -i (no systemd running): executable, install.sh's unit and defaults, user, private data folder, 0600 configuration with a generated key", () => {
    const r = run(["dpkg", "-i", deb1], { LATCHKEY_APP_URL: "https://id.example.com/" });
    expect(r.exitCode).toBe(0);
    expect(r.out).toContain("Open https://id.example.com/setup to create the first administrator.");
    expect(installed()).toBe(`install ok installed ${debVersion(VERSION, 1)}`);

    expect(run(["/usr/bin/latchkey", "version"]).out).toStartWith(`${VERSION} (commit `);
    const user = passwdEntry().out.trim().split(":");
    expect([user[0], user[4], user[5], user[6]]).toEqual(["latchkey", "Latchkey OpenID Connect provider", DATA_DIR, "/usr/sbin/nologin"]);
    expect(Number(user[2])).toBeLessThan(1000); // a system user
    const data = statSync(DATA_DIR);
    expect([data.mode & 0o777, data.uid, data.gid]).toEqual([0o700, Number(user[2]), Number(user[3])]);
    const env = statSync(ENV_FILE);
    expect([env.mode & 0o777, env.uid, env.gid]).toEqual([0o600, 0, 0]);
    const values = parseDotEnv(readFileSync(ENV_FILE, "utf8"));
    expect(values.APP_URL).toBe("https://id.example.com");
    expect(values.ENCRYPTION_KEY).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(loadConfig(values, DATA_DIR).dbPath).toBe(`${DATA_DIR}/latchkey.db`);

    // One unit file and one set of defaults: what install.sh writes, with the package's executable path.
    const stage = path.join(work, "install-sh");
    expect(run(["bash", INSTALL_SH, "--root", stage, "--binary", "/usr/bin/latchkey", "--app-url", "https://id.example.com"]).exitCode).toBe(0);
    const staged = readFileSync(path.join(stage, "etc/systemd/system/latchkey.service"), "utf8");
    expect(readFileSync(UNIT, "utf8")).toBe(staged.replace("ExecStart=/usr/local/bin/latchkey serve", "ExecStart=/usr/bin/latchkey serve"));
    expect(readFileSync(UNIT, "utf8").split("\n")).toContain("ExecStart=/usr/bin/latchkey serve");
    const withoutKey = (text: string) => text.replace(/^ENCRYPTION_KEY=.*$/m, "ENCRYPTION_KEY=…");
    expect(withoutKey(readFileSync(ENV_FILE, "utf8"))).toBe(withoutKey(readFileSync(path.join(stage, "etc/latchkey/latchkey.env"), "utf8")));
    expect(readFileSync("/usr/lib/sysusers.d/latchkey.conf", "utf8")).toBe(readFileSync(path.join(stage, "usr/lib/sysusers.d/latchkey.conf"), "utf8"));
  });

  test("the installed server runs as latchkey from the installed configuration; /setup completes; the admin pages name the build", async () => {
    const port = freePort();
    const env = { ...parseDotEnv(readFileSync(ENV_FILE, "utf8")), HOST: "127.0.0.1", PORT: String(port), APP_URL: `http://localhost:${port}` };
    const server = await startCommand(["setpriv", "--reuid=latchkey", "--regid=latchkey", "--clear-groups", "/usr/bin/latchkey", "serve"], { cwd: DATA_DIR, env });
    try {
      const admin = await setUpRunningServer(server.url, new SoftAuthenticator());
      const page = await admin.get("/settings/admin/users");
      expect(page.status).toBe(200);
      const [, commit, date] = /\(commit (\S+), built (\S+)\)/.exec(run(["/usr/bin/latchkey", "version"]).out)!;
      expect(await page.text()).toContain(`>Latchkey ${VERSION}, commit ${commit!.slice(0, 12)}, built ${date!.slice(0, 10)}</p>`);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const db = statSync(`${DATA_DIR}/latchkey.db`);
    expect(db.uid).toBe(Number(passwdEntry().out.split(":")[2]));
  });

  test("upgrade to a newer build: the new executable; data, key, configuration and the account kept", () => {
    const before = readFileSync(ENV_FILE, "utf8");
    const r = run(["dpkg", "-i", deb2], { LATCHKEY_APP_URL: "https://other.example.com" });
    expect(r.exitCode).toBe(0);
    expect(installed()).toBe(`install ok installed ${debVersion(VERSION, 2)}`);
    expect(run(["/usr/bin/latchkey", "version"]).out).toContain(`, built ${NEWER_BUILD_DATE})`);
    expect(readFileSync(ENV_FILE, "utf8")).toBe(before); // LATCHKEY_APP_URL only counts on the first install
    const db = new Database(`${DATA_DIR}/latchkey.db`, { readonly: true });
    try {
      expect(db.query<{ username: string }, []>("SELECT username FROM users").all()).toEqual([{ username: "ada" }]);
    } finally {
      db.close();
    }
  });

  test("dpkg -r keeps data, configuration and user; dpkg -P deletes them", () => {
    const key = parseDotEnv(readFileSync(ENV_FILE, "utf8")).ENCRYPTION_KEY;
    expect(dpkg("--remove", "latchkey").exitCode).toBe(0);
    expect(existsSync("/usr/bin/latchkey")).toBe(false);
    expect(existsSync(UNIT)).toBe(false);
    expect(existsSync(`${DATA_DIR}/latchkey.db`)).toBe(true);
    expect(parseDotEnv(readFileSync(ENV_FILE, "utf8")).ENCRYPTION_KEY).toBe(key);
    expect(passwdEntry().exitCode).toBe(0);

    // Installing again picks up the kept configuration.
    expect(run(["dpkg", "-i", deb2]).exitCode).toBe(0);
    expect(parseDotEnv(readFileSync(ENV_FILE, "utf8")).ENCRYPTION_KEY).toBe(key);

    expect(dpkg("--purge", "latchkey").exitCode).toBe(0);
    for (const p of ["/usr/bin/latchkey", UNIT, DATA_DIR, "/etc/latchkey", "/usr/lib/sysusers.d/latchkey.conf", "/usr/share/latchkey"]) expect(existsSync(p)).toBe(false);
    expect(passwdEntry().exitCode).not.toBe(0);
    expect(run(["getent", "group", "latchkey"]).exitCode).not.toBe(0);
    expect(dpkg("-s", "latchkey").exitCode).not.toBe(0);
  });

  test("with systemd running: enabled and started when APP_URL is given, restarted on upgrade, stopped and disabled on remove", () => {
    const bin = path.join(work, "fake-systemd");
    mkdirSync(bin, { recursive: true });
    const log = path.join(work, "systemctl.log");
    writeFileSync(path.join(bin, "systemctl"), `#!/bin/sh\necho "$*" >>${log}\n`);
    chmodSync(path.join(bin, "systemctl"), 0o755);
    // A private mount namespace: /run is a fresh tmpfs holding /run/systemd/system; nothing outside it changes.
    const withSystemd = (args: string[], env: Record<string, string> = {}) => {
      writeFileSync(log, "");
      const r = run(["unshare", "--mount", "sh", "-c", 'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec "$@"', "sh", ...args], {
        PATH: `${bin}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`,
        ...env,
      });
      expect(r.exitCode).toBe(0);
      return readFileSync(log, "utf8").trim().split("\n").filter(Boolean);
    };
    expect(withSystemd(["dpkg", "-i", deb1], { LATCHKEY_APP_URL: "https://id.example.com" })).toEqual(["daemon-reload", "enable --now latchkey.service"]);
    expect(withSystemd(["dpkg", "-i", deb2])).toEqual(["daemon-reload", "try-restart latchkey.service"]);
    expect(withSystemd(["dpkg", "--remove", "latchkey"])).toEqual(["disable --now latchkey.service", "daemon-reload"]);
    expect(withSystemd(["dpkg", "--purge", "latchkey"])).toEqual(["daemon-reload"]);
    // A first install without APP_URL starts nothing: the configuration still says http://localhost:1411.
    expect(withSystemd(["dpkg", "-i", deb1])).toEqual(["daemon-reload"]);
    expect(parseDotEnv(readFileSync(ENV_FILE, "utf8")).APP_URL).toBe("http://localhost:1411");
    // Purging an installed package removes it first.
    expect(withSystemd(["dpkg", "--purge", "latchkey"])).toEqual(["disable --now latchkey.service", "daemon-reload", "daemon-reload"]);
  });

  test.each([
    ["a path", "https://id.example.com/path"],
    ["a second line", "https://id.example.com\nENCRYPTION_KEY=chosen"],
    ["a sed delimiter", "https://id.example.com|x"],
    ["userinfo", "https://user@id.example.com"],
  ])("a LATCHKEY_APP_URL with %s is not an origin: the first install stops with the reason; nothing is configured", (_name, url) => {
    const r = run(["dpkg", "-i", deb1], { LATCHKEY_APP_URL: url });
    expect(r.exitCode).not.toBe(0);
    expect(r.out).toContain(`LATCHKEY_APP_URL must be an origin such as https://id.example.com (no path), got: ${url}`);
    expect(existsSync(ENV_FILE)).toBe(false);
    expect(dpkg("--purge", "latchkey").exitCode).toBe(0);
  });
});
