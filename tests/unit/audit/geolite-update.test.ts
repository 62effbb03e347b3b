/**
 * GeoLite download and refresh against a local stand-in for MaxMind's download service, serving
 * tar.gz archives built here in MaxMind's layout (GeoLite2-City_YYYYMMDD/GeoLite2-City.mmdb).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openGeolocator, scheduleAuditJobs } from "../../../src/audit/audit-jobs.ts";
import { createGeolocator } from "../../../src/audit/geolocation.ts";
import { GEOLITE_MAX_AGE_MS, updateGeoLiteDatabase } from "../../../src/audit/geolite-update.ts";
import { loadConfig } from "../../../src/config.ts";
import { FixedClock } from "../../../src/lib/clock.ts";
import type { Log } from "../../../src/lib/log.ts";
import { createScheduler } from "../../../src/lib/scheduler.ts";
import { buildTestCityDb, cityRecord, MmdbWriter } from "../../helpers/mmdb-writer.ts";
import { makeTempDir, makeTestDeps } from "../../helpers/test-deps.ts";

const KEY = "test-license-key_0123";
const DUBLIN_DB = new MmdbWriter().insert("81.2.69.142/31", cityRecord({ country: "Ireland", isoCode: "IE", city: "Dublin" })).toBuffer();

async function maxmindArchive(mmdb: Buffer, folder = "GeoLite2-City_20261124"): Promise<Uint8Array> {
  const archive = new Bun.Archive(
    {
      [`${folder}/COPYRIGHT.txt`]: "Database and Contents Copyright (c) 2026 MaxMind, Inc.\n",
      [`${folder}/LICENSE.txt`]: "Use of this MaxMind product is governed by MaxMind's GeoLite2 End User License Agreement.\n",
      [`${folder}/README.txt`]: "Latest release notes\n",
      [`${folder}/GeoLite2-City.mmdb`]: mmdb,
    },
    { compress: "gzip" },
  );
  return await archive.bytes();
}

/** The same archive made by GNU tar, as MaxMind's build does. */
async function gnuTarArchive(mmdb: Buffer): Promise<Uint8Array> {
  const { dir, cleanup } = makeTempDir("latchkey-tar-");
  try {
    const folder = path.join(dir, "GeoLite2-City_20261124");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "GeoLite2-City.mmdb"), mmdb);
    writeFileSync(path.join(folder, "COPYRIGHT.txt"), "MaxMind\n");
    const p = Bun.spawnSync(["tar", "-czf", path.join(dir, "out.tar.gz"), "-C", dir, "GeoLite2-City_20261124"]);
    if (p.exitCode !== 0) throw new Error(p.stderr.toString());
    return new Uint8Array(readFileSync(path.join(dir, "out.tar.gz")));
  } finally {
    cleanup();
  }
}

type Reply = { status: number; body: Uint8Array | string };
let reply: Reply = { status: 200, body: "" };
const requests: URL[] = [];
let server: ReturnType<typeof Bun.serve>;

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      const url = new URL(request.url);
      requests.push(url);
      if (url.pathname !== "/app/geoip_download") return new Response("not found", { status: 404 });
      if (url.searchParams.get("license_key") !== KEY) return new Response("Invalid license key\n", { status: 401 });
      return new Response(reply.body as BodyInit, { status: reply.status, headers: { "Content-Type": "application/gzip" } });
    },
  });
});
afterAll(() => server.stop(true));

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
  requests.length = 0;
});

function memoryLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string, f?: Record<string, unknown>) => void lines.push(`${level} ${m} ${JSON.stringify(f ?? {})}`);
  return { lines, debug: push("debug"), info: push("info"), warn: push("warn"), error: push("error") };
}

function setup(opts: { key?: string } = {}) {
  const { dir, cleanup } = makeTempDir();
  cleanups.push(cleanup);
  const config = loadConfig(
    {
      DB_CONNECTION_STRING: path.join(dir, "latchkey.db"),
      MAXMIND_LICENSE_KEY: opts.key ?? KEY,
      GEOLITE_DB_URL: `http://127.0.0.1:${server.port}/app/geoip_download?edition_id=GeoLite2-City&license_key=%s&suffix=tar.gz`,
    },
    dir,
  );
  const clock = new FixedClock(Date.now());
  const log = memoryLog();
  return { dir, config, clock, log, file: config.geoliteDbPath! };
}

describe("download", () => {
  test("missing database: downloads MaxMind's tar.gz with the license key into the data folder", async () => {
    const s = setup();
    expect(s.file).toBe(path.join(s.dir, "GeoLite2-City.mmdb"));
    reply = { status: 200, body: await maxmindArchive(buildTestCityDb()) };
    expect(await updateGeoLiteDatabase(s)).toBe("updated");
    expect(requests.length).toBe(1);
    expect(requests[0]!.searchParams.get("edition_id")).toBe("GeoLite2-City");
    expect(requests[0]!.searchParams.get("suffix")).toBe("tar.gz");
    expect(readFileSync(s.file).equals(buildTestCityDb())).toBe(true);
    expect(readdirSync(s.dir).filter((f) => f.includes(".download-"))).toEqual([]);
    const geo = createGeolocator({ path: s.file, log: s.log });
    expect(geo.locate("81.2.69.142")).toEqual({ country: "United Kingdom", city: "London" });
    expect(s.log.lines.some((l) => l.startsWith("info GeoLite database updated"))).toBe(true);
  });

  test("an archive made by GNU tar (MaxMind's format) works the same", async () => {
    const s = setup();
    reply = { status: 200, body: await gnuTarArchive(buildTestCityDb()) };
    expect(await updateGeoLiteDatabase(s)).toBe("updated");
    expect(createGeolocator({ path: s.file, log: s.log }).locate("89.160.20.113")?.city).toBe("Linköping");
  });

  test("fresh (younger than 14 days): no request; older: downloaded, swapped atomically, hot-reloaded", async () => {
    const s = setup();
    writeFileSync(s.file, buildTestCityDb());
    const geo = createGeolocator({ path: s.file, log: s.log });
    const inodeBefore = statSync(s.file).ino;
    reply = { status: 200, body: await maxmindArchive(DUBLIN_DB) };

    s.clock.advance(13 * 86400);
    expect(await updateGeoLiteDatabase(s)).toBe("fresh");
    expect(requests.length).toBe(0);

    s.clock.set(statSync(s.file).mtimeMs + GEOLITE_MAX_AGE_MS + 1000);
    expect(await updateGeoLiteDatabase(s)).toBe("updated");
    expect(requests.length).toBe(1);
    // Replaced by rename (a new inode), never rewritten in place: readers never see half a file.
    expect(statSync(s.file).ino).not.toBe(inodeBefore);
    expect(geo.locate("81.2.69.142")?.city).toBe("London"); // until the reload
    expect(geo.reloadIfChanged()).toBe(true);
    expect(geo.locate("81.2.69.142")).toEqual({ country: "Ireland", city: "Dublin" });
    // `force` downloads even when fresh.
    expect(await updateGeoLiteDatabase(s, { force: true })).toBe("updated");
  });

  test("not configured: no license key → nothing to do", async () => {
    const { dir, cleanup } = makeTempDir();
    cleanups.push(cleanup);
    const config = loadConfig({ DB_CONNECTION_STRING: path.join(dir, "x.db"), GEOLITE_DB_PATH: path.join(dir, "city.mmdb") }, dir);
    expect(await updateGeoLiteDatabase({ config, clock: new FixedClock(), log: memoryLog() })).toBe("not-configured");
    expect(requests.length).toBe(0);
  });
});

describe("failed downloads keep the old file and say why (without the license key)", () => {
  const cases: [string, () => Promise<Reply>, RegExp][] = [
    ["HTTP 500", async () => ({ status: 500, body: "oops" }), /answered HTTP 500/],
    ["corrupt gzip", async () => ({ status: 200, body: new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) }), /not a tar\.gz archive/],
    ["truncated archive", async () => ({ status: 200, body: (await maxmindArchive(buildTestCityDb())).slice(0, 200) }), /not a tar\.gz archive/],
    ["no .mmdb inside", async () => ({ status: 200, body: await new Bun.Archive({ "GeoLite2-City_1/README.txt": "hi" }, { compress: "gzip" }).bytes() }), /holds no \.mmdb file/],
    ["a corrupt .mmdb inside", async () => ({ status: 200, body: await maxmindArchive(Buffer.from("garbage garbage garbage")) }), /not a MaxMind database/],
    ["a truncated .mmdb inside", async () => ({ status: 200, body: await maxmindArchive(buildTestCityDb().subarray(0, 300)) }), /not a MaxMind database/],
    ["an ASN database instead of City", async () => ({ status: 200, body: await maxmindArchive(new MmdbWriter({ databaseType: "GeoLite2-ASN" }).insert("1.0.0.0/24", { a: 1 }).toBuffer()) }), /expected a City database/],
  ];
  for (const [name, make, reason] of cases) {
    test(name, async () => {
      const s = setup();
      writeFileSync(s.file, buildTestCityDb());
      const old = new Date(Date.now() - GEOLITE_MAX_AGE_MS - 86400_000);
      utimesSync(s.file, old, old);
      const geo = createGeolocator({ path: s.file, log: s.log });
      reply = await make();
      expect(await updateGeoLiteDatabase(s)).toBe("failed");
      expect(readFileSync(s.file).equals(buildTestCityDb())).toBe(true);
      expect(geo.reloadIfChanged()).toBe(false);
      expect(geo.locate("81.2.69.142")?.city).toBe("London");
      expect(readdirSync(s.dir).filter((f) => f.includes(".download-"))).toEqual([]);
      const warn = s.log.lines.find((l) => l.startsWith("warn GeoLite download failed; keeping the current database"));
      expect(warn).toBeDefined();
      expect(warn!).toMatch(reason);
      expect(s.log.lines.join("\n")).not.toContain(KEY);
    });
  }

  test("a wrong license key (401) hints at MAXMIND_LICENSE_KEY; a first failed download leaves no file", async () => {
    const s = setup({ key: "wrong-key-9999" });
    reply = { status: 200, body: await maxmindArchive(buildTestCityDb()) };
    expect(await updateGeoLiteDatabase(s)).toBe("failed");
    expect(existsSync(s.file)).toBe(false);
    const warn = s.log.lines.find((l) => l.startsWith("warn"))!;
    expect(warn).toContain("locations stay empty until a download succeeds");
    expect(warn).toContain("answered HTTP 401 (is MAXMIND_LICENSE_KEY valid?)");
    expect(warn).not.toContain("wrong-key-9999");
  });

  test("an unreachable download service", async () => {
    const s = setup();
    const config = { ...s.config, geoliteDbUrl: "http://127.0.0.1:9/geo?key=%s" };
    expect(await updateGeoLiteDatabase({ ...s, config })).toBe("failed");
    expect(s.log.lines.find((l) => l.startsWith("warn"))).toBeDefined();
    expect(s.log.lines.join("\n")).not.toContain(KEY);
  });
});

describe("background jobs", () => {
  test("the server's jobs: refresh at start downloads and hot-reloads; cleanup runs; stop() ends them", async () => {
    const s = setup();
    const deps = makeTestDeps({ MAXMIND_LICENSE_KEY: KEY, GEOLITE_DB_URL: s.config.geoliteDbUrl, GEOLITE_DB_PATH: s.file });
    cleanups.push(() => deps.cleanup());
    deps.geo = await openGeolocator(deps.config, deps.log);
    expect(deps.geo!.locate("81.2.69.142")).toBeNull();
    reply = { status: 200, body: await maxmindArchive(buildTestCityDb()) };
    const clock = new FixedClock(Date.now());
    const scheduler = createScheduler({ log: deps.log, clock });
    scheduleAuditJobs({ ...deps, clock }, scheduler);
    await clock.tick(0); // the runs at start begin
    await scheduler.runNow("geolite-refresh"); // joins the refresh at start (a download takes real I/O)
    expect(deps.geo!.locate("81.2.69.142")?.city).toBe("London");
    await scheduler.runNow("audit-log-cleanup");
    await scheduler.stop();
  });

  test("no GEOLITE_DB_PATH and no license key: no geolocator, only the cleanup job", async () => {
    const deps = makeTestDeps();
    cleanups.push(() => deps.cleanup());
    expect(await openGeolocator(deps.config, deps.log)).toBeUndefined();
    const scheduler = createScheduler({ log: deps.log, clock: deps.clock });
    scheduleAuditJobs(deps, scheduler);
    await scheduler.runNow("audit-log-cleanup");
    await expect(scheduler.runNow("geolite-refresh")).rejects.toThrow("no job named geolite-refresh");
    await scheduler.stop();
  });
});
