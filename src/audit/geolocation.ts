/**
 * Where a sign-in came from, looked up in-process in a MaxMind GeoLite2-City database.
 * - No network per request: the database file is read into memory; lookups are synchronous.
 * - Private, loopback, link-local (and LOCAL_IPV6_RANGES) addresses are "Internal network".
 * - The file is hot-reloaded when it changes (inode, size or mtime); a file that does not parse
 *   keeps the previous database and logs why. A missing file means "no location", never an error.
 */
import { readFileSync, statSync } from "node:fs";
import { BlockList, isIP } from "node:net";
import { Reader, type CityResponse } from "maxmind";
import type { Log } from "../lib/log.ts";

export const INTERNAL_NETWORK = "Internal network";

export interface GeoLocation {
  country: string | null;
  city: string | null;
}

export interface Geolocator {
  /** The location of `ip`, or null when unknown (no database, no entry, not an IP). */
  locate(ip: string | null | undefined): GeoLocation | null;
  /** Loads the file again when it changed since the last load; true when a new database is in use. */
  reloadIfChanged(): boolean;
  /** Whether a database is loaded. */
  readonly loaded: boolean;
}

const INTERNAL_V4: [string, number][] = [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
];
const INTERNAL_V6: [string, number][] = [
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
];

function normalise(ip: string): string {
  const v = ip.trim().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v);
  return mapped ? mapped[1]! : v;
}

/** A predicate for "Internal network": RFC 1918, loopback, link-local, ULA, plus extra IPv6 CIDRs. */
export function internalNetworkMatcher(localIpv6Ranges: string[] = []): (ip: string) => boolean {
  const list = new BlockList();
  for (const [a, bits] of INTERNAL_V4) list.addSubnet(a, bits, "ipv4");
  for (const [a, bits] of INTERNAL_V6) list.addSubnet(a, bits, "ipv6");
  for (const range of localIpv6Ranges) {
    const [a, bits] = range.split("/");
    list.addSubnet(a!, bits === undefined ? 128 : Number(bits), "ipv6");
  }
  return (ip: string) => {
    const v = normalise(ip);
    const family = isIP(v);
    return family !== 0 && list.check(v, family === 6 ? "ipv6" : "ipv4");
  };
}

/** Reads and validates a City database file; throws with a readable reason. */
export function readCityDatabase(bytes: Buffer): Reader<CityResponse> {
  let reader: Reader<CityResponse>;
  try {
    reader = new Reader<CityResponse>(bytes);
  } catch (e) {
    throw new Error(`not a MaxMind database (${(e as Error).message})`);
  }
  if (!/city/i.test(reader.metadata.databaseType)) throw new Error(`expected a City database, got "${reader.metadata.databaseType}"`);
  reader.get("81.2.69.142"); // walks the tree and decodes: a truncated file fails here rather than per request
  return reader;
}

function fingerprint(path: string): string | null {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}

export function createGeolocator(opts: { path: string; localIpv6Ranges?: string[]; log: Log }): Geolocator {
  const isInternal = internalNetworkMatcher(opts.localIpv6Ranges);
  let reader: Reader<CityResponse> | null = null;
  let loadedPrint: string | null = null;

  const reloadIfChanged = (): boolean => {
    const print = fingerprint(opts.path);
    if (print === null || print === loadedPrint) return false;
    loadedPrint = print; // a bad file is reported once, not at every check
    try {
      reader = readCityDatabase(readFileSync(opts.path));
      opts.log.info("GeoLite database loaded", { path: opts.path, built: reader.metadata.buildEpoch.toISOString() });
      return true;
    } catch (e) {
      opts.log.warn(`GeoLite database ${opts.path} could not be read; ${reader ? "keeping the previous one" : "locations stay empty"}`, { reason: (e as Error).message });
      return false;
    }
  };
  reloadIfChanged();

  return {
    get loaded() {
      return reader !== null;
    },
    reloadIfChanged,
    locate(ip) {
      if (!ip) return null;
      const v = normalise(ip);
      if (isIP(v) === 0) return null;
      if (isInternal(v)) return { country: INTERNAL_NETWORK, city: null };
      if (!reader) return null;
      let rec: CityResponse | null;
      try {
        rec = reader.get(v);
      } catch {
        return null;
      }
      if (!rec) return null;
      const country = rec.country?.names?.en ?? rec.registered_country?.names?.en ?? rec.country?.iso_code ?? null;
      const city = rec.city?.names?.en ?? null;
      return country || city ? { country, city } : null;
    },
  };
}
