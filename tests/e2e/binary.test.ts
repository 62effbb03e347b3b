/**
 * The binary is the product: built once, copied into an empty folder, started there with an empty data
 * folder. It must serve /healthz, an HTML page and a static asset with nothing read from the source tree.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Database } from "bun:sqlite";
import { startBinary, type RunningBinary } from "../helpers/binary.ts";
import { latestSchemaVersion } from "../../src/db/migrate.ts";
import { VERSION } from "../../src/version.ts";
import { insertUser } from "../../src/db/users.ts";
import { decodePng, distinctColours } from "../helpers/png-decode.ts";

// These tests start real processes: allow for a cold start on a loaded 2-core machine.
setDefaultTimeout(30_000);

describe("compiled binary from an empty folder", () => {
  let server: RunningBinary;

  beforeAll(async () => {
    server = await startBinary();
  }, 120_000);
  afterAll(async () => {
    await server?.cleanup();
  });

  test("the folder held only the binary before start", () => {
    expect(readdirSync(server.dir).sort()).toEqual(["data", "latchkey"]);
  });

  test("GET and HEAD /healthz answer 204", async () => {
    const get = await fetch(`${server.url}/healthz`);
    expect(get.status).toBe(204);
    expect(get.headers.get("cache-control")).toBe("no-store");
    const head = await fetch(`${server.url}/healthz`, { method: "HEAD" });
    expect(head.status).toBe(204);
  });

  test("renders an HTML page (JSX through @kitajs/html) with the security headers", async () => {
    const res = await fetch(`${server.url}/no-such-page`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html><html lang="en"[ >]/);
    expect(html).toContain("<h1 id=\"error-title\">Page not found</h1>");
    expect(html).not.toContain("[object Object]");
  });

  // Every language but English is its own chunk, required on first use (src/i18n/catalog.ts): each must load
  // from inside the executable.
  test("renders a page in every language a browser asks for", async () => {
    const titles: Record<string, string> = {};
    for (const tag of ["en", "de", "fr", "es", "it", "nl", "pt-BR", "pl", "zh-CN", "ja"]) {
      const res = await fetch(`${server.url}/no-such-page`, { headers: { "Accept-Language": tag } });
      expect(res.status).toBe(404);
      titles[tag] = /<h1 id="error-title">([^<]*)<\/h1>/.exec(await res.text())?.[1] ?? "";
    }
    expect(titles).toEqual({
      en: "Page not found",
      de: "Seite nicht gefunden",
      fr: "Page introuvable",
      es: "Página no encontrada",
      it: "Pagina non trovata",
      nl: "Pagina niet gevonden",
      "pt-BR": "Página não encontrada",
      pl: "Nie znaleziono strony",
      "zh-CN": "找不到页面",
      ja: "ページが見つかりません",
    });
  });

  test("serves the embedded static assets the page links to, with immutable caching", async () => {
    const html = await (await fetch(`${server.url}/no-such-page`)).text();
    const urls = [...html.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(4); // favicon, css, htmx, app.js
    for (const url of urls) {
      const res = await fetch(server.url + url);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const htmx = urls.find((u) => u.includes("htmx.min"))!;
    expect(await (await fetch(server.url + htmx)).text()).toContain("htmx");
  });

  test("generated the encryption key (0600) and a migrated database inside its own data folder", () => {
    const key = path.join(server.dataDir, "encryption.key");
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(server.stderr()).toContain("ENCRYPTION_KEY is not set: generated a new key");
    const db = new Database(path.join(server.dataDir, "latchkey.db"), { readonly: true });
    try {
      expect(db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version).toBe(latestSchemaVersion());
    } finally {
      db.close();
    }
  });

  test("serves initials avatars: a 256 px PNG rendered by the embedded renderer and typeface, and the SVG", async () => {
    const db = new Database(path.join(server.dataDir, "latchkey.db"));
    const id = "0b6f3c1e-5a2d-4c8e-9f10-7a4b2c3d4e5f";
    try {
      db.exec("PRAGMA busy_timeout = 5000");
      insertUser(db, { id, username: "ada", email: "ada@example.com", emailVerified: true, firstName: "Ada", lastName: "Lovelace", displayName: "", isAdmin: false, disabled: false, locale: null, ldapId: null, createdAt: 1, updatedAt: 1 });
    } finally {
      db.close();
    }
    const res = await fetch(`${server.url}/api/users/${id}/profile-picture.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    const png = decodePng(new Uint8Array(await res.arrayBuffer()));
    expect([png.width, png.height]).toEqual([256, 256]);
    expect(distinctColours(png)).toBeGreaterThan(20);
    const svg = await fetch(`${server.url}/api/users/${id}/profile-picture`);
    expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    expect(await svg.text()).toContain(">AL</text>");
  });

  test("SIGTERM stops it cleanly with exit code 0", async () => {
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).toContain("stopped");
  });
});

test("binary CLI: version, help, unknown command", async () => {
  const { ensureBinaryBuilt } = await import("../helpers/binary.ts");
  const binary = await ensureBinaryBuilt();
  const cwd = mkdtempSync(path.join(tmpdir(), "latchkey-cli-"));
  try {
    const run = (args: string[]) => Bun.spawnSync([binary, ...args], { cwd, env: { PATH: process.env.PATH ?? "" } });
    const version = run(["version"]);
    expect(version.exitCode).toBe(0);
    // The version, the commit built ("-dirty" with uncommitted changes; "unknown" without git) and the build date.
    // (Not compared with HEAD: a commit since the build leaves the binary fresh but its stamp older.)
    const m = /^(\S+) \(commit ([0-9a-f]{40}(?:-dirty)?|unknown), built (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\)\n$/.exec(version.stdout.toString());
    expect(m?.[1]).toBe(VERSION);
    expect(Number.isNaN(Date.parse(m![3]!))).toBe(false);
    expect(run(["help"]).exitCode).toBe(0);
    const unknown = run(["frobnicate"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr.toString()).toContain("Usage: latchkey");
    expect(readdirSync(cwd)).toEqual([]);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test("binary ignores a bunfig.toml and lets src/config.ts read .env (real environment wins)", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "latchkey-env-"));
  try {
    // Bun's own .env loading would also read .env.local; Latchkey reads only .env.
    writeFileSync(path.join(dir, ".env"), "LOG_LEVEL=warn\nAPP_NAME=from-dotenv\n");
    writeFileSync(path.join(dir, ".env.local"), "PORT=not-a-port\n");
    writeFileSync(path.join(dir, "bunfig.toml"), 'preload = ["./missing-preload.ts"]\n');
    const server = await startBinary({ cwd: dir, env: { LOG_LEVEL: "info" } });
    try {
      // LOG_LEVEL=info from the real environment beats .env's warn: the info line is printed.
      await server.waitForOutput("Latchkey is listening");
      expect(existsSync(path.join(dir, "data", "latchkey.db"))).toBe(true);
    } finally {
      await server.stop();
      rmSync(server.dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test("a binary built from a copy of the sources still works after that copy is deleted", async () => {
  // The strongest form of "nothing is read from the source tree": the tree it was built from is gone.
  const root = path.resolve(import.meta.dir, "../..");
  const copy = mkdtempSync(path.join(tmpdir(), "latchkey-srccopy-"));
  const out = mkdtempSync(path.join(tmpdir(), "latchkey-isolated-"));
  try {
    for (const entry of ["src", "templates", "static", "build", "types", "package.json", "bun.lock", "tsconfig.json", "bunfig.toml"]) {
      cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true, filter: (p) => !p.startsWith(path.join(root, "build", "out")) });
    }
    const install = Bun.spawnSync([process.execPath, "install", "--frozen-lockfile", "--production"], { cwd: copy, stdout: "pipe", stderr: "pipe" });
    expect(install.exitCode).toBe(0);
    const build = Bun.spawnSync([process.execPath, "build/compile.ts", "--outfile", path.join(out, "latchkey")], { cwd: copy, stdout: "pipe", stderr: "pipe" });
    expect(build.stderr.toString()).toBe("");
    expect(build.exitCode).toBe(0);
    rmSync(copy, { recursive: true, force: true });

    const server = await startBinary({ binary: path.join(out, "latchkey"), env: { ENCRYPTION_KEY: "isolated-binary-key-0123456789" } });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(204);
      const page = await fetch(`${server.url}/no-such-page`);
      expect(page.status).toBe(404);
      const html = await page.text();
      const css = /href="(\/static\/app\.[0-9a-f]{12}\.css)"/.exec(html)![1]!;
      const res = await fetch(server.url + css);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(readFileSync(path.join(root, "static/css/app.css"), "utf8"));
      expect(await server.stop()).toBe(0);
    } finally {
      await server.cleanup();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);

test("startBinary rejects with the output when the binary exits before becoming healthy", async () => {
  let message = "";
  try {
    await startBinary({ env: { APP_URL: "not a url" } });
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toContain("latchkey exited with 1 before becoming healthy");
  expect(message).toContain('APP_URL must be an absolute http(s) URL, got "not a url"');
});
