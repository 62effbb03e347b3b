/** Geolocation with a real MaxMind-format database (written by tests/helpers/mmdb-writer.ts, read by `maxmind`). */
import { afterEach, describe, expect, test } from "bun:test";
import { renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { recordAuditEvent } from "../../../src/audit/audit-log.ts";
import { createGeolocator, INTERNAL_NETWORK, readCityDatabase } from "../../../src/audit/geolocation.ts";
import type { Log } from "../../../src/lib/log.ts";
import { silentLog } from "../../../src/lib/log.ts";
import { buildTestCityDb, cityRecord, MmdbWriter } from "../../helpers/mmdb-writer.ts";
import { makeTempDir, makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function tempDb(bytes: Buffer = buildTestCityDb()): string {
  const { dir, cleanup } = makeTempDir();
  cleanups.push(cleanup);
  const file = path.join(dir, "GeoLite2-City.mmdb");
  writeFileSync(file, bytes);
  return file;
}

function memoryLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string, f?: Record<string, unknown>) => void lines.push(`${level} ${m} ${JSON.stringify(f ?? {})}`);
  return { lines, debug: push("debug"), info: push("info"), warn: push("warn"), error: push("error") };
}

describe("lookups", () => {
  test("public test addresses resolve to city and country", () => {
    const geo = createGeolocator({ path: tempDb(), log: silentLog });
    expect(geo.loaded).toBe(true);
    expect(geo.locate("81.2.69.142")).toEqual({ country: "United Kingdom", city: "London" });
    expect(geo.locate("81.2.69.143")).toEqual({ country: "United Kingdom", city: "London" });
    expect(geo.locate("89.160.20.120")).toEqual({ country: "Sweden", city: "Linköping" });
    expect(geo.locate("216.160.83.56")).toEqual({ country: "United States", city: "Milton" });
    expect(geo.locate("::ffff:81.2.69.142")).toEqual({ country: "United Kingdom", city: "London" });
    // Country-only entries (no city in the record), IPv6.
    expect(geo.locate("2001:218:1::7")).toEqual({ country: "Japan", city: null });
  });

  test("addresses missing from the database, and non-addresses, have no location", () => {
    const geo = createGeolocator({ path: tempDb(), log: silentLog });
    expect(geo.locate("81.2.69.144")).toBeNull();
    expect(geo.locate("8.8.8.8")).toBeNull();
    expect(geo.locate("2a00:1450::1")).toBeNull();
    expect(geo.locate(null)).toBeNull();
    expect(geo.locate("")).toBeNull();
    expect(geo.locate("not-an-ip")).toBeNull();
    expect(geo.locate("81.2.69.142:443")).toBeNull();
  });

  test("private, loopback and link-local addresses are the internal network; LOCAL_IPV6_RANGES adds to them", () => {
    const geo = createGeolocator({ path: tempDb(), localIpv6Ranges: ["2001:db8:1::/48"], log: silentLog });
    const internal = { country: INTERNAL_NETWORK, city: null };
    for (const ip of ["10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.10", "127.0.0.1", "169.254.10.20", "::1", "fe80::1", "fd12:3456::1", "::ffff:192.168.0.5", "2001:db8:1::42", "[::1]"]) {
      expect([ip, geo.locate(ip)]).toEqual([ip, internal]);
    }
    for (const ip of ["172.32.0.1", "11.0.0.1", "2001:db8:2::1", "192.169.0.1"]) expect([ip, geo.locate(ip)]).toEqual([ip, null]);
  });

  test("no database file (download pending): internal addresses still labelled, public ones unknown, nothing throws", () => {
    const { dir, cleanup } = makeTempDir();
    cleanups.push(cleanup);
    const geo = createGeolocator({ path: path.join(dir, "missing.mmdb"), log: silentLog });
    expect(geo.loaded).toBe(false);
    expect(geo.locate("81.2.69.142")).toBeNull();
    expect(geo.locate("192.168.1.1")).toEqual({ country: INTERNAL_NETWORK, city: null });
    expect(geo.reloadIfChanged()).toBe(false);
  });
});

describe("hot reload", () => {
  test("a changed file is picked up; an unreadable replacement keeps the previous database and says why", () => {
    const file = tempDb();
    const log = memoryLog();
    const geo = createGeolocator({ path: file, log });
    expect(geo.locate("81.2.69.142")?.city).toBe("London");
    expect(geo.reloadIfChanged()).toBe(false); // unchanged

    const next = new MmdbWriter().insert("81.2.69.142/31", cityRecord({ country: "Ireland", isoCode: "IE", city: "Dublin" })).toBuffer();
    writeFileSync(`${file}.tmp`, next);
    renameSync(`${file}.tmp`, file);
    expect(geo.reloadIfChanged()).toBe(true);
    expect(geo.locate("81.2.69.142")).toEqual({ country: "Ireland", city: "Dublin" });

    writeFileSync(file, Buffer.from("this is not a database"));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(geo.reloadIfChanged()).toBe(false);
    expect(geo.locate("81.2.69.142")).toEqual({ country: "Ireland", city: "Dublin" });
    expect(log.lines.some((l) => l.startsWith("warn") && l.includes("keeping the previous one") && l.includes("not a MaxMind database"))).toBe(true);

    rmSync(file);
    expect(geo.reloadIfChanged()).toBe(false);
    expect(geo.locate("81.2.69.142")?.city).toBe("Dublin");
  });

  test("readCityDatabase refuses other database types and garbage", () => {
    expect(() => readCityDatabase(new MmdbWriter({ databaseType: "GeoLite2-ASN" }).insert("1.0.0.0/24", { autonomous_system_number: 13335 }).toBuffer())).toThrow(
      'expected a City database, got "GeoLite2-ASN"',
    );
    expect(() => readCityDatabase(Buffer.alloc(100))).toThrow(/^not a MaxMind database/);
    expect(readCityDatabase(buildTestCityDb()).metadata.databaseType).toBe("GeoLite2-City");
  });
});

describe("recordAuditEvent fills the location at record time", () => {
  let deps: TestDeps | null = null;
  afterEach(() => deps?.cleanup());

  const row = (d: TestDeps) => d.db.query<{ ip_address: string | null; country: string | null; city: string | null }, []>("SELECT ip_address, country, city FROM audit_logs ORDER BY rowid DESC LIMIT 1").get()!;

  test("with a database: public, internal, unknown", () => {
    deps = makeTestDeps();
    deps.geo = createGeolocator({ path: tempDb(), log: silentLog });
    recordAuditEvent(deps, "SIGN_IN", { userId: null, origin: { ip: "89.160.20.115", userAgent: "x" } });
    expect(row(deps)).toEqual({ ip_address: "89.160.20.115", country: "Sweden", city: "Linköping" });
    recordAuditEvent(deps, "SIGN_IN", { userId: null, origin: { ip: "192.168.0.7" } });
    expect(row(deps)).toEqual({ ip_address: "192.168.0.7", country: INTERNAL_NETWORK, city: null });
    recordAuditEvent(deps, "SIGN_IN", { userId: null, origin: { ip: "8.8.8.8" } });
    expect(row(deps)).toEqual({ ip_address: "8.8.8.8", country: null, city: null });
    recordAuditEvent(deps, "ONE_TIME_ACCESS_TOKEN_CREATED", { userId: null }); // CLI: no origin
    expect(row(deps)).toEqual({ ip_address: null, country: null, city: null });
  });

  test("without a database configured: no location, nothing breaks", () => {
    deps = makeTestDeps();
    expect(deps.geo).toBeUndefined();
    recordAuditEvent(deps, "SIGN_IN", { userId: null, origin: { ip: "81.2.69.142" } });
    expect(row(deps)).toEqual({ ip_address: "81.2.69.142", country: null, city: null });
  });
});
