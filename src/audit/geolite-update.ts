/**
 * Keeping GeoLite2-City current with MAXMIND_LICENSE_KEY (Pocket ID's behaviour):
 * - downloaded from GEOLITE_DB_URL (MaxMind's permalink, a tar.gz holding
 *   GeoLite2-City_YYYYMMDD/GeoLite2-City.mmdb) when the file is missing or older than 14 days;
 * - the archive is unpacked in memory and the database validated before it replaces anything;
 * - written to a temporary file beside the target, then renamed over it (atomic on one filesystem),
 *   so readers never see half a file; the Geolocator then hot-reloads it;
 * - a failed download keeps the old file and logs why — never the license key (it is in the URL).
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.ts";
import type { Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";

export const GEOLITE_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;
const DOWNLOAD_TIMEOUT_MS = 5 * 60 * 1000;
/** GeoLite2-City is ~70 MB unpacked; anything far larger is not what we asked for. */
const MAX_ARCHIVE_BYTES = 512 * 1024 * 1024;

export type GeoLiteUpdateResult = "not-configured" | "fresh" | "updated" | "failed";

export interface GeoLiteUpdateDeps {
  config: Pick<Config, "maxmindLicenseKey" | "geoliteDbPath" | "geoliteDbUrl">;
  clock: Clock;
  log: Log;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** Age of the database file in ms, or null when there is none. */
export function geoLiteAge(file: string, clock: Clock): number | null {
  try {
    return clock.now() - statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

function downloadUrl(config: GeoLiteUpdateDeps["config"]): string {
  const key = encodeURIComponent(config.maxmindLicenseKey ?? "");
  return config.geoliteDbUrl.includes("%s") ? config.geoliteDbUrl.replace("%s", key) : config.geoliteDbUrl;
}

/** Extracts the single *.mmdb file of a MaxMind tar.gz. */
async function extractDatabase(archiveBytes: Uint8Array): Promise<Buffer> {
  let files: Map<string, File>;
  try {
    files = await new Bun.Archive(archiveBytes).files();
  } catch (e) {
    throw new Error(`the download is not a tar.gz archive (${(e as Error).message})`);
  }
  const entry = [...files.entries()].find(([name]) => name.endsWith(".mmdb"));
  if (!entry) throw new Error(`the archive holds no .mmdb file (entries: ${[...files.keys()].slice(0, 5).join(", ") || "none"})`);
  return Buffer.from(await entry[1].arrayBuffer());
}

/**
 * Downloads a fresh database when configured and due (or `force`). Never throws: failures are
 * logged and answered with "failed", the existing file untouched.
 */
export async function updateGeoLiteDatabase(deps: GeoLiteUpdateDeps, opts: { force?: boolean } = {}): Promise<GeoLiteUpdateResult> {
  const { config, log } = deps;
  const target = config.geoliteDbPath;
  if (!config.maxmindLicenseKey || !target) return "not-configured";
  const age = geoLiteAge(target, deps.clock);
  if (!opts.force && age !== null && age < GEOLITE_MAX_AGE_MS) return "fresh";

  const tmp = `${target}.download-${process.pid}-${Date.now()}`;
  try {
    const res = await (deps.fetch ?? fetch)(downloadUrl(config), { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), redirect: "follow" });
    if (!res.ok) {
      const hint = res.status === 401 || res.status === 403 ? " (is MAXMIND_LICENSE_KEY valid?)" : "";
      throw new Error(`the download service answered HTTP ${res.status}${hint}`);
    }
    const declared = Number(res.headers.get("content-length") ?? 0);
    if (declared > MAX_ARCHIVE_BYTES) throw new Error(`the download is too large (${declared} bytes)`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > MAX_ARCHIVE_BYTES) throw new Error(`the download is too large (${bytes.length} bytes)`);
    const database = await extractDatabase(bytes);
    const { readCityDatabase } = await import("./geolocation.ts"); // loaded only where GeoLite is configured
    const reader = readCityDatabase(database);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(tmp, database, { mode: 0o644 });
    renameSync(tmp, target);
    log.info("GeoLite database updated", { path: target, built: reader.metadata.buildEpoch.toISOString(), bytes: database.length });
    return "updated";
  } catch (e) {
    rmSync(tmp, { force: true });
    const reason = (e as Error).name === "TimeoutError" ? "the download timed out" : (e as Error).message.replaceAll(config.maxmindLicenseKey, "***");
    log.warn(`GeoLite download failed; ${age === null ? "locations stay empty until a download succeeds" : "keeping the current database"}`, { reason });
    return "failed";
  }
}
