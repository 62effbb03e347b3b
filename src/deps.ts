import type { Database } from "./db/database.ts";
import type { Geolocator } from "./audit/geolocation.ts";
import type { Config } from "./config.ts";
import type { Clock } from "./lib/clock.ts";
import type { Log } from "./lib/log.ts";
import type { Random } from "./lib/random.ts";
import type { OutboundPolicy } from "./lib/outbound-fetch.ts";
import type { SealedBox } from "./lib/sealed-box.ts";

/** Everything a feature may depend on; routes receive it, domain functions take the parts they need. */
export interface Deps {
  config: Config;
  db: Database;
  clock: Clock;
  random: Random;
  box: SealedBox;
  log: Log;
  /** GeoLite2-City lookups for the audit log; absent when no database is configured (and in CLI commands). */
  geo?: Geolocator;
  /** Aborted when the server begins to stop: waits that hold a request open (the device-login long poll) end early. */
  stopping?: AbortSignal;
  /**
   * Tests only: the address policy for fetching URLs others chose (client metadata documents, logo URLs), so a test's
   * loopback server can be reached. Absent in a running server: productionOutboundPolicy (src/lib/outbound-fetch.ts).
   */
  outbound?: OutboundPolicy;
  /** Tests only: how long "Sync now" waits for a SCIM sync before answering that it still runs (default 25 s). */
  scimSyncWaitMs?: number;
  /** Tests only: `Accept-Language: en-XA` selects the pseudo-locale (src/i18n/locales.ts). */
  pseudoLocale?: boolean;
}
