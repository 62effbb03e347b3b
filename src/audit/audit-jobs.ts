/**
 * The audit log's background work, scheduled by the server (src/cli/serve.ts):
 * - daily: delete events older than AUDIT_LOG_RETENTION_DAYS;
 * - with MAXMIND_LICENSE_KEY: at start and every 6 hours, download GeoLite2-City when it is
 *   missing or older than 14 days (the check is cheap; the download happens at most every 14 days);
 * - every minute: hot-reload the database file when it changed (a download, or geoipupdate).
 * The first two run once per period across a cluster (src/lib/scheduler.ts); the reload runs on every instance,
 * since each reads its own file. With several instances, give them one GEOLITE_DB_PATH on a shared volume
 * (or run geoipupdate on each host): the refresh downloads into the file of the instance that runs it.
 */
import type { Config } from "../config.ts";
import type { Deps } from "../deps.ts";
import type { Log } from "../lib/log.ts";
import type { Scheduler } from "../lib/scheduler.ts";
import { cleanupAuditLogs } from "./audit-queries.ts";
import type { Geolocator } from "./geolocation.ts";
import { updateGeoLiteDatabase } from "./geolite-update.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The server's Geolocator, or undefined when neither GEOLITE_DB_PATH nor MAXMIND_LICENSE_KEY is set.
 * The MaxMind reader is imported only then: a server without GeoLite does not load it (issue 6: idle RSS).
 */
export async function openGeolocator(config: Config, log: Log): Promise<Geolocator | undefined> {
  if (!config.geoliteDbPath) return undefined;
  const { createGeolocator } = await import("./geolocation.ts");
  return createGeolocator({ path: config.geoliteDbPath, localIpv6Ranges: config.localIpv6Ranges, log });
}

export function scheduleAuditJobs(deps: Deps, scheduler: Scheduler, opts: { fetch?: typeof fetch } = {}): void {
  const { config, log, geo } = deps;
  scheduler.every(
    "audit-log-cleanup",
    DAY,
    () => {
      const deleted = cleanupAuditLogs(deps, config.auditLogRetentionDays);
      if (deleted > 0) log.info("audit log cleaned up", { deleted, retentionDays: config.auditLogRetentionDays });
    },
    { runAtStart: true },
  );
  if (!geo) return;
  scheduler.every("geolite-reload", MINUTE, () => geo.reloadIfChanged(), { scope: "instance" });
  if (config.maxmindLicenseKey) {
    scheduler.every(
      "geolite-refresh",
      6 * HOUR,
      async () => {
        if ((await updateGeoLiteDatabase({ config, clock: deps.clock, log, fetch: opts.fetch })) === "updated") geo.reloadIfChanged();
      },
      // A download of ~70 MB may be slow: another instance takes the run over only after an hour.
      { runAtStart: true, leaseMs: HOUR },
    );
  }
}
