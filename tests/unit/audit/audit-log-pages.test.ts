/**
 * The audit log's list queries against a model: every filter (alone and combined) paged at several
 * sizes gives exactly the model's rows, newest first with same-second rows in insertion order newest
 * first, without overlaps or gaps; bounded totals; the IP-prefix strategies (sort a narrow range, walk
 * a broad one); and the query plans (an index in list order, no sort of the whole log).
 */
import { testEngine } from "../../helpers/template-database.ts";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createUser } from "../../../src/admin/users.ts";
import {
  AUDIT_COUNT_BOUND,
  countAuditLogs,
  explainAuditPage,
  insertAuditLog,
  iterateAuditLogs,
  listAuditClientNames,
  listAuditEventNames,
  listAuditUsers,
  pageAuditLogs,
  type AuditLog,
  type AuditLogFilter,
} from "../../../src/db/audit-logs.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
beforeEach(() => {
  deps = makeTestDeps();
});
afterEach(() => deps.cleanup());

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T0 = Date.UTC(2026, 10, 1) / 1000;
const EVENTS = ["SIGN_IN", "SIGN_OUT", "CLIENT_AUTHORIZATION", "PASSKEY_ADDED"];
const IPS = ["203.0.113.7", "203.0.113.70", "203.0.114.1", "2001:db8::1", "2001:db8:1::2", "10.0.0.1", null];
// "c-1" is one app's id and another's name: the app filter matches either, each row once.
const DATA = [{}, { clientName: "Grafana", clientId: "c-1" }, { clientName: "Nextcloud", clientId: "c-2" }, { clientName: "c-1" }, { clientId: "c-2" }, { clientName: "c-3", clientId: "c-3" }];

/** The table as stored, read straight from SQLite: the model the lists are checked against. */
type ModelRow = { rowid: number; id: string; created_at: number; event: string; user_id: string | null; ip_address: string | null; data: string };

function model(): ModelRow[] {
  // rowid on SQLite; on PostgreSQL the dialect reads it as ctid, "(page,item)", the tie-break the queries use there.
  return deps.db
    .query<Omit<ModelRow, "rowid"> & { rowid: number | string }, []>("SELECT rowid AS rowid, * FROM audit_logs")
    .all()
    .map((r) => {
      const place = typeof r.rowid === "string" ? /^\((\d+),(\d+)\)$/.exec(r.rowid) : null;
      return { ...r, rowid: place ? Number(place[1]) * 65536 + Number(place[2]) : Number(r.rowid) };
    });
}

/** The list contract, computed in JS: filter, then newest first, same second newest inserted first. */
function expected(rows: ModelRow[], f: AuditLogFilter): string[] {
  return rows
    .filter((r) => {
      const data = JSON.parse(r.data) as { clientName?: string; clientId?: string };
      if (f.userId && r.user_id !== f.userId) return false;
      if (f.event && r.event !== f.event) return false;
      if (f.client && data.clientName !== f.client && data.clientId !== f.client) return false;
      if (f.ip && !f.ip.endsWith("*") && r.ip_address !== f.ip) return false;
      if (f.ip?.endsWith("*") && !(r.ip_address !== null && r.ip_address.startsWith(f.ip.slice(0, -1)))) return false;
      if (f.from !== undefined && r.created_at < f.from) return false;
      if (f.to !== undefined && r.created_at >= f.to) return false;
      return true;
    })
    .sort((a, b) => b.created_at - a.created_at || b.rowid - a.rowid)
    .map((r) => r.id);
}

/** Every page of `limit` rows until an empty one; asserts each page's total is the exact match count. */
function allPages(f: AuditLogFilter, limit: number, exactTotal: number): string[] {
  const ids: string[] = [];
  for (let offset = 0; ; offset += limit) {
    const page = pageAuditLogs(deps.db, f, limit, offset);
    expect([JSON.stringify(f), limit, offset, page.total, page.more]).toEqual([JSON.stringify(f), limit, offset, exactTotal, false]);
    if (!page.entries.length) break;
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    ids.push(...page.entries.map((e) => e.id));
  }
  return ids;
}

let seq = 0;
function row(at: number, fields: Partial<AuditLog> = {}): AuditLog {
  seq++;
  return { id: `row-${String(seq).padStart(6, "0")}`, createdAt: at, event: "SIGN_IN", userId: null, ipAddress: null, userAgent: null, data: {}, country: null, city: null, ...fields };
}

/** ~400 rows in bursts of same-second events, some written with an earlier clock (rowid order ≠ time order). */
function seedMixed(userIds: (string | null)[]): void {
  const r = rng(7);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  let at = T0;
  deps.db.transaction(() => {
    for (let i = 0; i < 400; i++) {
      if (r() < 0.45) at += 1 + Math.floor(r() * 40);
      const when = r() < 0.05 ? at - 1 - Math.floor(r() * 200) : at;
      insertAuditLog(deps.db, row(when, { event: pick(EVENTS), userId: pick(userIds), ipAddress: pick(IPS), data: pick(DATA) }));
    }
  })();
}

function users(): string[] {
  return ["ann", "ben", "cat"].map((u) => createUser(deps, { username: u, email: `${u}@example.com`, firstName: u, lastName: "Test" }).id);
}

describe("pages match the model", () => {
  test("every filter alone and combined, at page sizes 1, 7 and 20: same rows, same order, no overlap, no gap", () => {
    const [ann, ben] = users();
    seedMixed([ann!, ben!, users2(), null]);
    const rows = model();
    const mid = rows[Math.floor(rows.length / 2)]!.created_at;
    const filters: AuditLogFilter[] = [
      {},
      { userId: ann },
      { event: "SIGN_IN" },
      { client: "Grafana" },
      { client: "c-1" },
      { client: "c-2" },
      { client: "c-3" },
      { client: "nope" },
      { ip: "203.0.113.7" },
      { ip: "203.0.113.*" },
      { ip: "203.0.11*" },
      { ip: "2001:db8:*" },
      { ip: "*" },
      { from: mid },
      { to: mid },
      { from: mid - 300, to: mid + 300 },
      { from: mid, to: mid + 1 },
      { userId: ann, event: "SIGN_IN" },
      { userId: ben, ip: "203.0.113.*" },
      { userId: ann, client: "c-1", from: mid },
      { client: "c-1", event: "CLIENT_AUTHORIZATION" },
      { client: "Nextcloud", to: mid },
      { event: "SIGN_OUT", ip: "203.0.113.*" },
      { event: "PASSKEY_ADDED", from: mid - 600, to: mid + 600 },
      { ip: "203.0.113.70", event: "SIGN_IN", from: T0 },
      { ip: "2001:db8:*", from: mid },
    ];
    for (const f of filters) {
      const want = expected(rows, f);
      for (const limit of [1, 7, 20]) {
        const got = allPages(f, limit, want.length);
        expect([JSON.stringify(f), limit, got]).toEqual([JSON.stringify(f), limit, want]);
      }
      expect(countAuditLogs(deps.db, f)).toBe(want.length);
      expect([...iterateAuditLogs(deps.db, f, 1000)].map((r) => r.id)).toEqual(want);
      expect([...iterateAuditLogs(deps.db, f, 5)].map((r) => r.id)).toEqual(want.slice(0, 5));
    }
    // The model is not trivial: bursts straddle page boundaries, and some rows were written late.
    const all = expected(rows, {});
    const byId = new Map(rows.map((r) => [r.id, r]));
    const straddles = [7, 14, 21, 28].filter((i) => byId.get(all[i - 1]!)!.created_at === byId.get(all[i]!)!.created_at);
    expect(straddles.length).toBeGreaterThan(0);
    expect(rows.some((r, i) => i > 0 && r.created_at < rows[i - 1]!.created_at)).toBe(true);
  });

  test("rows join their user's names; a deleted user's rows stay, without a name", () => {
    const [ann] = users();
    insertAuditLog(deps.db, row(T0, { userId: ann! }));
    insertAuditLog(deps.db, row(T0 + 1, { userId: null }));
    const page = pageAuditLogs(deps.db, {}, 20, 0);
    expect(page.entries.map((e) => [e.username, e.userDisplayName])).toEqual([
      [null, null],
      ["ann", "ann Test"],
    ]);
  });

  test("a page past the end is empty, with the total", () => {
    insertAuditLog(deps.db, row(T0));
    expect(pageAuditLogs(deps.db, {}, 20, 20)).toEqual({ entries: [], total: 1, more: false });
    expect(pageAuditLogs(deps.db, { event: "SIGN_IN" }, 20, 1_000_000_000)).toEqual({ entries: [], total: 1, more: false });
  });
});

/** A third user id for the mix (created here so users() stays three names). */
function users2(): string {
  return createUser(deps, { username: "dan", email: "dan@example.com", firstName: "dan", lastName: "Test" }).id;
}

describe("past the count bound", () => {
  const BIG = AUDIT_COUNT_BOUND + 57;

  /** BIG SIGN_IN rows from 198.51.100.x in bursts of 3 per second, plus a few others. */
  function seedBig(): void {
    deps.db.transaction(() => {
      for (let i = 0; i < BIG; i++) insertAuditLog(deps.db, row(T0 + Math.floor(i / 3), { ipAddress: `198.51.100.${i % 7}`, event: i % 2 ? "SIGN_IN" : "SIGN_OUT" }));
      for (let i = 0; i < 5; i++) insertAuditLog(deps.db, row(T0 + i * 1000, { ipAddress: "192.0.2.9", event: "PASSKEY_ADDED" }));
    })();
  }

  test("no filter: the exact total; a filter: counted up to max(bound, end of page) + 1, `more` set", () => {
    seedBig();
    expect(pageAuditLogs(deps.db, {}, 20, 0)).toMatchObject({ total: BIG + 5, more: false });
    const first = pageAuditLogs(deps.db, { ip: "198.51.100.*" }, 20, 0);
    expect([first.total, first.more, first.entries.length]).toEqual([AUDIT_COUNT_BOUND + 1, true, 20]);
    // Past the bound the count follows the page (so "older" is always offered while rows remain)…
    const deep = pageAuditLogs(deps.db, { ip: "198.51.100.*" }, 20, AUDIT_COUNT_BOUND);
    expect([deep.total, deep.more, deep.entries.length]).toEqual([AUDIT_COUNT_BOUND + 21, true, 20]);
    // …and is exact once the page reaches the end.
    const last = pageAuditLogs(deps.db, { ip: "198.51.100.*" }, 20, BIG - 7);
    expect([last.total, last.more, last.entries.length]).toEqual([BIG, false, 7]);
    expect(countAuditLogs(deps.db, { ip: "198.51.100.*" }, 100)).toBe(100);
    expect(countAuditLogs(deps.db, { ip: "198.51.100.*" })).toBe(BIG);
  });

  test("a broad IP prefix (walks the time index) and a narrow one (sorted) page exactly like the model, also deep", () => {
    seedBig();
    const rows = model();
    for (const f of [{ ip: "198.51.100.*" }, { ip: "198.51.100.3*" }, { ip: "192.0.2.*" }, { event: "SIGN_IN" }, { event: "SIGN_IN", ip: "198.51.100.*" }] as AuditLogFilter[]) {
      const want = expected(rows, f);
      for (const offset of [0, 1, 20, 5_000, AUDIT_COUNT_BOUND - 10, want.length - 3]) {
        const page = pageAuditLogs(deps.db, f, 20, offset);
        expect([JSON.stringify(f), offset, page.entries.map((e) => e.id)]).toEqual([JSON.stringify(f), offset, want.slice(offset, offset + 20)]);
      }
      expect([...iterateAuditLogs(deps.db, f, 100_000)].map((r) => r.id)).toEqual(want);
    }
  });

  // SQLite's EXPLAIN QUERY PLAN: the index walks this module is written for (PostgreSQL plans for itself).
  test.skipIf(testEngine() === "postgres")("query plans: each lead filter walks its index in list order; only a narrow IP prefix is sorted", () => {
    seedBig();
    const [ann] = users();
    for (let i = 0; i < 3; i++) insertAuditLog(deps.db, row(T0 + i, { userId: ann!, ipAddress: "198.51.100.3", data: { clientName: "Grafana", clientId: "c-1" } }));
    const plan = (f: AuditLogFilter, offset = 0) => explainAuditPage(deps.db, f, 20, offset).join(" | ");
    const inOrder = (f: AuditLogFilter, index: string, offset = 0) => {
      const p = plan(f, offset);
      expect([JSON.stringify(f), p.includes(index), /TEMP B-TREE/.test(p), /SCAN a(?! USING)/.test(p)]).toEqual([JSON.stringify(f), true, false, false]);
    };
    inOrder({}, "COVERING INDEX audit_logs_time");
    inOrder({}, "COVERING INDEX audit_logs_time", 9_000);
    inOrder({ from: T0, to: T0 + 3600 }, "COVERING INDEX audit_logs_time");
    inOrder({ userId: ann }, "INDEX audit_logs_user_time");
    inOrder({ userId: ann, event: "SIGN_IN", ip: "198.51.100.*", client: "c-1" }, "INDEX audit_logs_user_time");
    inOrder({ event: "SIGN_IN", from: T0 }, "COVERING INDEX audit_logs_event_time");
    inOrder({ event: "SIGN_IN", ip: "198.51.100.*" }, "INDEX audit_logs_event_time");
    inOrder({ ip: "198.51.100.3" }, "COVERING INDEX audit_logs_ip_time");
    inOrder({ ip: "198.51.100.3", event: "SIGN_IN" }, "INDEX audit_logs_ip_time");
    inOrder({ client: "Grafana" }, "audit_logs_client_name_time");
    expect(plan({ client: "Grafana" })).toContain("audit_logs_client_id_time");
    expect(plan({ client: "Grafana" })).toContain("MERGE (UNION)");
    inOrder({ ip: "198.51.100.*" }, "INDEX audit_logs_time");
    inOrder({ ip: "*" }, "INDEX audit_logs_time");
    // A narrow prefix: its range on the IP index, then sorted (at most IP_PREFIX_SORT_LIMIT rows).
    expect(plan({ ip: "192.0.2.*" })).toContain("COVERING INDEX audit_logs_ip_time (ip_address>? AND ip_address<?)");
    expect(plan({ ip: "192.0.2.*" })).toContain("TEMP B-TREE");
  });
});

describe("filter options", () => {
  test("distinct events, app names and users in the log, by hopping along their indexes; bounded on request", () => {
    const [ann, , cat] = users();
    for (const [i, d] of [{ clientName: "Nextcloud" }, { clientName: "Grafana" }, { clientId: "c-9" }, { clientName: "Grafana" }, {}].entries()) {
      insertAuditLog(deps.db, row(T0 + i, { event: EVENTS[i % EVENTS.length]!, data: d, userId: [cat, ann, cat, null, null][i]! }));
    }
    expect(listAuditEventNames(deps.db)).toEqual(["CLIENT_AUTHORIZATION", "PASSKEY_ADDED", "SIGN_IN", "SIGN_OUT"]);
    expect(listAuditClientNames(deps.db)).toEqual(["Grafana", "Nextcloud"]);
    expect(listAuditClientNames(deps.db, 1)).toEqual(["Grafana"]);
    expect(listAuditUsers(deps.db).map((u) => u.username)).toEqual(["ann", "cat"]);
    expect(listAuditUsers(deps.db, 10).map((u) => u.username)).toEqual(["ann", "cat"]);
    expect(listAuditUsers(deps.db, 1).length).toBe(1);
  });

  test("an empty log has no options", () => {
    expect(listAuditEventNames(deps.db)).toEqual([]);
    expect(listAuditClientNames(deps.db)).toEqual([]);
    expect(listAuditUsers(deps.db, 5)).toEqual([]);
  });
});
