/**
 * A tiny MaxMind DB (format 2.0) writer for tests: no maintained npm writer exists (MaxMind ships
 * Go and a deprecated Perl one), so the tests write their GeoLite2-City-shaped databases here and
 * read them with the real `maxmind` Reader — the independent implementation is the check.
 *
 * - IPv6 tree (ip_version 6), 24-bit records; IPv4 networks live at ::a.b.c.d/96+n, where readers look.
 * - Data: maps, strings, uint16/uint32, doubles, arrays, booleans. No pointers, no deduplication.
 * - Spec: https://maxmind.github.io/MaxMind-DB/
 */
import { isIP } from "node:net";

/** A number with an explicit MMDB type (metadata fields have fixed types that strict readers check). */
export class Typed {
  constructor(
    readonly type: "uint16" | "uint32" | "uint64",
    readonly value: number,
  ) {}
}

type Value = string | number | boolean | Typed | Value[] | { [k: string]: Value };

interface TrieNode {
  children: [TrieNode | Leaf | null, TrieNode | Leaf | null];
}
interface Leaf {
  data: Value;
}

function addressBits(ip: string): number[] {
  const bytes = new Uint8Array(16);
  if (isIP(ip) === 4) {
    ip.split(".").forEach((p, i) => (bytes[12 + i] = Number(p)));
  } else if (isIP(ip) === 6) {
    const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, ""];
    const h = head ? head.split(":") : [];
    const t = tail ? tail.split(":") : [];
    const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
    groups.forEach((g, i) => {
      const n = parseInt(g, 16);
      bytes[i * 2] = n >> 8;
      bytes[i * 2 + 1] = n & 0xff;
    });
  } else {
    throw new Error(`not an IP: ${ip}`);
  }
  const bits: number[] = [];
  for (const b of bytes) for (let i = 7; i >= 0; i--) bits.push((b >> i) & 1);
  return bits;
}

function encodeControl(type: number, size: number): number[] {
  const out: number[] = [];
  let sizeBits: number;
  const ext: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 29 + 256) {
    sizeBits = 29;
    ext.push(size - 29);
  } else if (size < 285 + 65536) {
    sizeBits = 30;
    const v = size - 285;
    ext.push(v >> 8, v & 0xff);
  } else {
    sizeBits = 31;
    const v = size - 65821;
    ext.push((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
  }
  if (type <= 7) out.push((type << 5) | sizeBits);
  else out.push(sizeBits, type - 7);
  return [...out, ...ext];
}

function uintBytes(n: number, max: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  while (v > 0n) {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  if (out.length > max) throw new Error("integer too large");
  return out;
}

function encodeValue(v: Value): number[] {
  if (v instanceof Typed) {
    const [type, max] = v.type === "uint16" ? [5, 2] : v.type === "uint32" ? [6, 4] : [9, 8];
    const b = uintBytes(v.value, max);
    return [...encodeControl(type, b.length), ...b];
  }
  if (typeof v === "string") {
    const b = [...new TextEncoder().encode(v)];
    return [...encodeControl(2, b.length), ...b];
  }
  if (typeof v === "boolean") return encodeControl(14, v ? 1 : 0);
  if (typeof v === "number") {
    if (Number.isInteger(v) && v >= 0 && v < 65536) {
      const b = uintBytes(v, 2);
      return [...encodeControl(5, b.length), ...b];
    }
    if (Number.isInteger(v) && v >= 0 && v < 2 ** 32) {
      const b = uintBytes(v, 4);
      return [...encodeControl(6, b.length), ...b];
    }
    const buf = Buffer.alloc(8);
    buf.writeDoubleBE(v);
    return [...encodeControl(3, 8), ...buf];
  }
  if (Array.isArray(v)) return [...encodeControl(11, v.length), ...v.flatMap((x) => encodeValue(x))];
  const entries = Object.entries(v);
  return [...encodeControl(7, entries.length), ...entries.flatMap(([k, x]) => [...encodeValue(k), ...encodeValue(x)])];
}

export class MmdbWriter {
  private root: TrieNode = { children: [null, null] };

  constructor(private readonly meta: { databaseType: string; languages?: string[]; buildEpoch?: number } = { databaseType: "GeoLite2-City" }) {}

  /** Inserts `cidr` (IPv4 or IPv6, e.g. "81.2.69.142/31") with its record. */
  insert(cidr: string, data: Value): this {
    const [ip, bitsText] = cidr.split("/");
    const v4 = isIP(ip!) === 4;
    const prefix = bitsText === undefined ? (v4 ? 32 : 128) : Number(bitsText);
    const depth = v4 ? 96 + prefix : prefix;
    const bits = addressBits(ip!);
    let node = this.root;
    for (let i = 0; i < depth - 1; i++) {
      const b = bits[i] as 0 | 1;
      let next = node.children[b];
      if (next === null || "data" in next) {
        next = { children: [null, null] };
        node.children[b] = next;
      }
      node = next as TrieNode;
    }
    node.children[bits[depth - 1] as 0 | 1] = { data };
    return this;
  }

  toBuffer(): Buffer {
    // Number the nodes breadth-first; collect the data records.
    const nodes: TrieNode[] = [];
    const index = new Map<TrieNode, number>();
    const queue: TrieNode[] = [this.root];
    while (queue.length) {
      const n = queue.shift()!;
      index.set(n, nodes.length);
      nodes.push(n);
      for (const c of n.children) if (c && !("data" in c)) queue.push(c);
    }
    const nodeCount = nodes.length;
    const data: number[] = [];
    const dataOffset = new Map<Leaf, number>();
    const recordOf = (c: TrieNode | Leaf | null): number => {
      if (c === null) return nodeCount;
      if (!("data" in c)) return index.get(c)!;
      let off = dataOffset.get(c);
      if (off === undefined) {
        off = data.length;
        dataOffset.set(c, off);
        data.push(...encodeValue(c.data));
      }
      return nodeCount + 16 + off;
    };
    const tree = Buffer.alloc(nodeCount * 6);
    nodes.forEach((n, i) => {
      const [l, r] = n.children.map(recordOf) as [number, number];
      if (l >= 2 ** 24 || r >= 2 ** 24) throw new Error("database too large for 24-bit records");
      tree.writeUIntBE(l, i * 6, 3);
      tree.writeUIntBE(r, i * 6 + 3, 3);
    });
    const metadata = encodeValue({
      binary_format_major_version: new Typed("uint16", 2),
      binary_format_minor_version: new Typed("uint16", 0),
      build_epoch: new Typed("uint64", this.meta.buildEpoch ?? 1_764_000_000),
      database_type: this.meta.databaseType,
      description: { en: "Latchkey test database" },
      ip_version: new Typed("uint16", 6),
      languages: this.meta.languages ?? ["en"],
      node_count: new Typed("uint32", nodeCount),
      record_size: new Typed("uint16", 24),
    });
    return Buffer.concat([
      tree,
      Buffer.alloc(16),
      Buffer.from(data),
      Buffer.from([0xab, 0xcd, 0xef]),
      Buffer.from("MaxMind.com"),
      Buffer.from(metadata),
    ]);
  }
}

/** A GeoLite2-City record as MaxMind shapes it. */
export function cityRecord(p: { country: string; isoCode: string; city?: string; continent?: string; lat?: number; lon?: number }): Value {
  const rec: Record<string, Value> = {
    continent: { code: p.continent ?? "EU", geoname_id: 6255148, names: { en: p.continent === "AS" ? "Asia" : p.continent === "NA" ? "North America" : "Europe" } },
    country: { geoname_id: 2635167, iso_code: p.isoCode, names: { en: p.country, de: p.country } },
    location: { accuracy_radius: new Typed("uint16", 100), latitude: p.lat ?? 51.5142, longitude: p.lon ?? -0.0931, time_zone: "Europe/London" },
  };
  if (p.city) rec.city = { geoname_id: 2643743, names: { en: p.city } };
  return rec;
}

/** The test City database: a few public networks, real-looking records. */
export function buildTestCityDb(): Buffer {
  return new MmdbWriter({ databaseType: "GeoLite2-City" })
    .insert("81.2.69.142/31", cityRecord({ country: "United Kingdom", isoCode: "GB", city: "London" }))
    .insert("89.160.20.112/28", cityRecord({ country: "Sweden", isoCode: "SE", city: "Linköping", lat: 58.4167, lon: 15.6167 }))
    .insert("216.160.83.56/29", cityRecord({ country: "United States", isoCode: "US", city: "Milton", continent: "NA", lat: 47.2513, lon: -122.3149 }))
    .insert("2001:218::/32", cityRecord({ country: "Japan", isoCode: "JP", continent: "AS", lat: 35.69, lon: 139.69 }))
    .toBuffer();
}
