/**
 * `latchkey serve` runs the audit jobs: with MAXMIND_LICENSE_KEY it downloads GeoLite2-City at start
 * (here from a local stand-in for MaxMind's download service), hot-loads it, locates events recorded
 * behind a trusted proxy, and still shuts down cleanly (timers stopped, exit 0).
 */
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import path from "node:path";
import { startSourceServer, type RunningBinary } from "../helpers/binary.ts";
import { buildTestCityDb } from "../helpers/mmdb-writer.ts";

setDefaultTimeout(45_000);

const KEY = "serve-test-license-key";
let maxmind: ReturnType<typeof Bun.serve>;
let archive: Uint8Array;
let downloads = 0;
let server: RunningBinary | null = null;

beforeAll(async () => {
  archive = await new Bun.Archive({ "GeoLite2-City_20261124/GeoLite2-City.mmdb": buildTestCityDb() }, { compress: "gzip" }).bytes();
  maxmind = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      const url = new URL(request.url);
      if (url.searchParams.get("license_key") !== KEY) return new Response("Invalid license key", { status: 401 });
      downloads++;
      return new Response(archive as BodyInit, { headers: { "Content-Type": "application/gzip" } });
    },
  });
});
afterAll(() => maxmind.stop(true));
afterEach(async () => {
  await server?.cleanup();
  server = null;
});

test("download at start, locate an event from behind the proxy, stop cleanly", async () => {
  server = await startSourceServer({
    env: {
      ENCRYPTION_KEY: "serve-test-encryption-key-0123456789",
      MAXMIND_LICENSE_KEY: KEY,
      GEOLITE_DB_URL: `http://127.0.0.1:${maxmind.port}/app/geoip_download?edition_id=GeoLite2-City&license_key=%s&suffix=tar.gz`,
      TRUST_PROXY: "127.0.0.1",
    },
  });
  await server.waitForOutput("GeoLite database updated", 20_000);
  await server.waitForOutput("GeoLite database loaded", 20_000);
  expect(downloads).toBe(1);
  expect(server.stderr()).not.toContain(KEY);

  // First-run setup from "London", through the proxy: ACCOUNT_CREATED is located.
  const page = await fetch(`${server.url}/setup`, { headers: { "X-Forwarded-For": "81.2.69.142" } });
  const cookie = page.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())![1]!;
  const res = await fetch(`${server.url}/setup`, {
    method: "POST",
    redirect: "manual",
    headers: { "X-Forwarded-For": "81.2.69.142", "Content-Type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ _csrf: csrf, firstName: "Ada", lastName: "Lovelace", username: "ada", email: "ada@example.com" }).toString(),
  });
  expect(res.status).toBe(303);

  expect(await server.stop()).toBe(0);
  const db = new Database(path.join(server.dataDir, "latchkey.db"), { readonly: true });
  try {
    const row = db.query<{ event: string; ip_address: string; country: string; city: string }, []>("SELECT event, ip_address, country, city FROM audit_logs").get()!;
    expect(row).toEqual({ event: "ACCOUNT_CREATED", ip_address: "81.2.69.142", country: "United Kingdom", city: "London" });
  } finally {
    db.close();
  }
});

test("without a database configured the server runs and records events without a location", async () => {
  server = await startSourceServer({ env: { ENCRYPTION_KEY: "serve-test-encryption-key-0123456789" } });
  const page = await fetch(`${server.url}/setup`);
  const cookie = page.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())![1]!;
  const res = await fetch(`${server.url}/setup`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ _csrf: csrf, firstName: "Ada", lastName: "Lovelace", username: "ada", email: "" }).toString(),
  });
  expect(res.status).toBe(303);
  expect(await server.stop()).toBe(0);
  expect(server.stderr()).not.toContain("GeoLite");
  const db = new Database(path.join(server.dataDir, "latchkey.db"), { readonly: true });
  try {
    expect(db.query("SELECT ip_address, country, city FROM audit_logs").get()).toEqual({ ip_address: "127.0.0.1", country: null, city: null });
  } finally {
    db.close();
  }
});
