/**
 * install.sh in --root mode (a staging folder): fresh install, re-run (upgrade keeps data and key),
 * uninstall (keeps data), purge. Nothing outside the staging folder may be touched.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadConfig, parseDotEnv } from "../../src/config.ts";
import { VERSION } from "../../src/version.ts";
import { ensureBinaryBuilt } from "../helpers/binary.ts";
import { makeTempDir } from "../helpers/test-deps.ts";

// These tests start real processes: allow for a cold start on a loaded 2-core machine.
setDefaultTimeout(30_000);

const SCRIPT = path.resolve(import.meta.dir, "../../install.sh");
let stage: string;
let cleanup: () => void;
let binary: string;

beforeAll(async () => {
  binary = await ensureBinaryBuilt();
  ({ dir: stage, cleanup } = makeTempDir("latchkey-install-"));
}, 120_000);
afterAll(() => cleanup?.());

function install(...args: string[]) {
  const r = Bun.spawnSync(["bash", SCRIPT, "--root", stage, "--binary", binary, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
  return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}
function uninstall(...args: string[]) {
  const r = Bun.spawnSync(["bash", SCRIPT, "--root", stage, "--uninstall", ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
  return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}
const at = (p: string) => path.join(stage, p);
const mode = (p: string) => statSync(at(p)).mode & 0o777;
const envFile = () => parseDotEnv(readFileSync(at("etc/latchkey/latchkey.env"), "utf8"));

describe("install.sh --root", () => {
  test("usage errors exit 2", () => {
    const { dir, cleanup: done } = makeTempDir("latchkey-install-usage-");
    try {
      const noUrl = Bun.spawnSync(["bash", SCRIPT, "--root", dir, "--binary", binary]);
      expect(noUrl.exitCode).toBe(2);
      expect(noUrl.stderr.toString()).toContain("--app-url is required on the first install");
      const badUrl = Bun.spawnSync(["bash", SCRIPT, "--root", dir, "--binary", binary, "--app-url", "https://id.example.com/sub"]);
      expect(badUrl.exitCode).toBe(2);
      expect(Bun.spawnSync(["bash", SCRIPT, "--root", dir, "--bogus"]).exitCode).toBe(2);
      expect(Bun.spawnSync(["bash", SCRIPT, "--root", dir, "--purge"]).exitCode).toBe(2);
      const missing = Bun.spawnSync(["bash", SCRIPT, "--root", dir, "--binary", path.join(dir, "nope"), "--app-url", "https://x.example"]);
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr.toString()).toContain("no binary at");
      expect(Bun.spawnSync(["bash", SCRIPT, "--help"]).exitCode).toBe(0);
    } finally {
      done();
    }
  });

  test("fresh install: binary, user declaration, private data folder, 0600 configuration with a generated key, hardened unit", () => {
    const r = install("--app-url", "https://id.example.com/");
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`Latchkey ${VERSION} staged in ${stage}.`);
    expect(r.stdout).toContain("would run: useradd --system");
    expect(r.stdout).toContain("would run: systemctl daemon-reload && systemctl enable latchkey.service && systemctl restart latchkey.service");

    expect(mode("usr/local/bin/latchkey")).toBe(0o755);
    expect(statSync(at("usr/local/bin/latchkey")).size).toBe(statSync(binary).size);
    const staged = Bun.spawnSync([at("usr/local/bin/latchkey"), "version"]);
    expect(staged.stdout.toString()).toStartWith(`${VERSION} (commit `);

    expect(mode("var/lib/latchkey")).toBe(0o700);
    expect(mode("etc/latchkey/latchkey.env")).toBe(0o600);
    const env = envFile();
    expect(env.APP_URL).toBe("https://id.example.com");
    expect(env.ENCRYPTION_KEY).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(env.DB_CONNECTION_STRING).toBe("/var/lib/latchkey/latchkey.db");
    const config = loadConfig(env, "/var/lib/latchkey"); // the file is a valid configuration
    expect(config.appUrl).toBe("https://id.example.com");
    expect(config.dbPath).toBe("/var/lib/latchkey/latchkey.db");

    expect(readFileSync(at("usr/lib/sysusers.d/latchkey.conf"), "utf8")).toBe('u latchkey - "Latchkey OpenID Connect provider" /var/lib/latchkey /usr/sbin/nologin\n');

    const unit = readFileSync(at("etc/systemd/system/latchkey.service"), "utf8");
    for (const line of [
      "User=latchkey",
      "EnvironmentFile=/etc/latchkey/latchkey.env",
      "WorkingDirectory=/var/lib/latchkey",
      "ExecStart=/usr/local/bin/latchkey serve",
      "Restart=on-failure",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ReadWritePaths=/var/lib/latchkey",
      "PrivateTmp=yes",
      "ProtectHome=yes",
      "CapabilityBoundingSet=",
      "WantedBy=multi-user.target",
    ]) {
      expect(unit.split("\n")).toContain(line);
    }
  });

  test("systemd-analyze verify accepts the unit (when the tool exists)", () => {
    if (!Bun.which("systemd-analyze")) {
      console.log("systemd-analyze not installed: unit verification skipped");
      return;
    }
    const r = Bun.spawnSync(["systemd-analyze", "verify", `--root=${stage}`, "--recursive-errors=no", "--man=no", at("etc/systemd/system/latchkey.service")]);
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  });

  test("re-run upgrades the binary and keeps data, key and APP_URL; --app-url updates only APP_URL", () => {
    const before = envFile();
    writeFileSync(at("var/lib/latchkey/latchkey.db"), "precious data");
    const oldInode = statSync(at("usr/local/bin/latchkey")).ino;

    const r = install();
    expect(r.exitCode).toBe(0);
    expect(statSync(at("usr/local/bin/latchkey")).ino).not.toBe(oldInode); // replaced, atomically
    expect(envFile()).toEqual(before);
    expect(readFileSync(at("var/lib/latchkey/latchkey.db"), "utf8")).toBe("precious data");
    expect(mode("var/lib/latchkey")).toBe(0o700);

    expect(install("--app-url", "https://login.example.org").exitCode).toBe(0);
    expect(envFile()).toEqual({ ...before, APP_URL: "https://login.example.org" });
    expect(mode("etc/latchkey/latchkey.env")).toBe(0o600);
  });

  test("--uninstall removes service and binary, keeps data and configuration", () => {
    const r = uninstall();
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("would run: systemctl disable --now latchkey.service");
    expect(existsSync(at("usr/local/bin/latchkey"))).toBe(false);
    expect(existsSync(at("etc/systemd/system/latchkey.service"))).toBe(false);
    expect(readFileSync(at("var/lib/latchkey/latchkey.db"), "utf8")).toBe("precious data");
    expect(envFile().APP_URL).toBe("https://login.example.org");
  });

  test("installing again after an uninstall reuses the kept key", () => {
    const key = envFile().ENCRYPTION_KEY;
    expect(install().exitCode).toBe(0);
    expect(envFile().ENCRYPTION_KEY).toBe(key);
  });

  test("--uninstall --purge removes data, configuration and the user declaration too", () => {
    const r = uninstall("--purge");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("would run: userdel latchkey");
    for (const p of ["usr/local/bin/latchkey", "etc/systemd/system/latchkey.service", "var/lib/latchkey", "etc/latchkey", "usr/lib/sysusers.d/latchkey.conf"]) {
      expect(existsSync(at(p))).toBe(false);
    }
  });
});
