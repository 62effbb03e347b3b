/**
 * The PostgreSQL connection's thread (see connection.ts): runs each request the main thread sends on ONE
 * connection of Bun's SQL client, writes the reply to the shared reply port, then wakes the main thread.
 *
 * - One connection: the main thread waits for every answer, so it never has two statements in flight; a
 *   transaction is BEGIN … COMMIT on that same connection.
 * - Values come back as the SQLite engine returns them: int8 (BigInt) as numbers, booleans as 1/0, bytea as
 *   Uint8Array, so a row means the same thing on both engines.
 * - A lost connection is reported as `unavailable`; the next request opens a new one (the pool reconnects by
 *   itself), so the server recovers without a restart once PostgreSQL is back.
 */
import { SQL } from "bun";
import { parentPort, workerData, type MessagePort } from "node:worker_threads";

export interface WorkerSetup {
  url: string;
  /** Int32 [sequence of the last reply]: the main thread waits on it. */
  signal: SharedArrayBuffer;
  replies: MessagePort;
  connectTimeoutSeconds: number;
  statementTimeoutMs: number;
  /**
   * A serving instance's connection: every connection it opens first takes this advisory lock SHARED and holds it
   * while it lives, so a maintenance command (src/db/server-lock.ts acquireMaintenanceLock) can tell that
   * instances are serving. Null for the command line's connections.
   */
  instanceLockKey: number | null;
}

export type Request =
  | { seq: number; op: "query"; text: string; params: unknown[]; tx: TxStep }
  | { seq: number; op: "exec"; text: string; tx: TxStep }
  | { seq: number; op: "close" };

/** Where a statement stands in a transaction: "begin" opens one, "in" runs inside it, "end" closes it. */
export type TxStep = "none" | "begin" | "in" | "end";

export type Reply =
  | { seq: number; ok: true; rows: Record<string, unknown>[]; count: number; changes: number; command: string | null }
  | { seq: number; ok: false; unavailable: boolean; message: string; code?: string; constraint?: string; detail?: string };

/** SQLSTATE classes that mean "the server or the connection is not there", not "this statement is wrong". */
const UNAVAILABLE_STATES = /^(08|57P0[1-3]|53300|3D000|28P01|28000)/;
const UNAVAILABLE_CODES = new Set([
  "ERR_POSTGRES_CONNECTION_CLOSED",
  "ERR_POSTGRES_CONNECTION_TIMEOUT",
  "ERR_POSTGRES_IDLE_TIMEOUT",
  "ERR_POSTGRES_LIFETIME_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "LATCHKEY_MAINTENANCE",
]);

/** Command tags of statements that write no row (a SELECT's rows are what it read, not what it changed). */
const READ_ONLY_COMMANDS = new Set(["SELECT", "SHOW", "SET", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"]);
/** Command tags whose count is the number of rows the statement wrote. */
const WRITE_COMMANDS = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

/**
 * Rows a statement changed, like SQLite's changes() (group commit counts them, src/db/group-commit.ts): the count of
 * an INSERT, UPDATE, DELETE or MERGE, 0 for a read. Anything that may have written rows PostgreSQL does not count
 * (a script of several statements, DDL, a SELECT whose WITH clause writes) counts 1: never 0 for a write.
 */
export function changedRows(command: string | null, count: number, text: string): number {
  if (command !== null && WRITE_COMMANDS.has(command)) return count;
  if (command !== null && READ_ONLY_COMMANDS.has(command) && !(command === "SELECT" && /^\s*WITH\b/i.test(text) && /\b(INSERT|UPDATE|DELETE|MERGE)\b/i.test(text))) return 0;
  return 1;
}

function plain(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Uint8Array && !(value.constructor === Uint8Array)) return new Uint8Array(value);
  return value;
}

export function describeError(error: unknown): Omit<Extract<Reply, { ok: false }>, "seq" | "ok"> {
  const e = error as { message?: string; code?: string; errno?: string; constraint?: string; detail?: string };
  const state = typeof e.errno === "string" ? e.errno : undefined;
  const code = state ?? e.code;
  const unavailable =
    (state !== undefined && UNAVAILABLE_STATES.test(state)) || (e.code !== undefined && (UNAVAILABLE_CODES.has(e.code) || /^ERR_POSTGRES_(CONNECTION|.*TIMEOUT)/.test(e.code)));
  return { unavailable, message: String(e.message ?? error), code, constraint: e.constraint, detail: e.detail };
}

if (parentPort && workerData) {
  const setup = workerData as WorkerSetup;
  const done = new Int32Array(setup.signal);
  let sql: SQL | null = null;
  /** The connection that holds the shared instance lock (a new connection takes it before its first statement). */
  let locked: SQL | null = null;
  /** The connection the open transaction began on: statements of a transaction never move to a new one. */
  let txConnection: SQL | null = null;
  /**
   * Server connections closed so far. The client's pool dials again by itself when its connection closed while idle
   * (the server restarted, the backend was terminated): a statement of an open transaction would then run on the new
   * connection, outside the transaction, and commit alone. A transaction remembers this count at BEGIN and refuses
   * to go on when it moved.
   */
  let closes = 0;
  let txCloses = 0;

  const connection = (): SQL => {
    if (sql) return sql;
    const opened: SQL = new SQL(setup.url, {
      max: 1,
      bigint: true,
      prepare: true,
      idleTimeout: 0,
      connectionTimeout: setup.connectTimeoutSeconds,
      connection: { statement_timeout: String(setup.statementTimeoutMs), application_name: "latchkey" },
      onclose: () => {
        closes++;
        // The instance lock went with the connection: the next one takes it again.
        if (locked === opened) locked = null;
      },
    } as unknown as Bun.SQL.Options);
    sql = opened;
    return opened;
  };

  const reply = (message: Reply) => {
    setup.replies.postMessage(message);
    Atomics.store(done, 0, message.seq);
    Atomics.notify(done, 0);
  };

  parentPort.on("message", async (request: Request) => {
    if (request.op === "close") {
      const s = sql;
      sql = null;
      try {
        await s?.close({ timeout: 1 });
      } catch {
        // closing anyway
      }
      reply({ seq: request.seq, ok: true, rows: [], count: 0, changes: 0, command: null });
      return;
    }
    try {
      const db = connection();
      if (setup.instanceLockKey !== null && locked !== db) {
        const [row] = (await db.unsafe("SELECT pg_try_advisory_lock_shared($1) AS ok", [setup.instanceLockKey])) as { ok: boolean }[];
        if (!row?.ok) {
          throw Object.assign(new Error("a maintenance command (latchkey encryption-key-rotate or import) holds the database; try again when it has finished"), { code: "LATCHKEY_MAINTENANCE" });
        }
        locked = db;
      }
      if (request.tx === "begin") {
        txConnection = db;
        txCloses = closes;
      } else if ((request.tx === "in" || request.tx === "end") && (txConnection !== db || txCloses !== closes)) {
        // The connection was lost inside the transaction: PostgreSQL rolled it back; nothing of it may run elsewhere.
        if (request.tx === "end") txConnection = null;
        throw Object.assign(new Error("the connection to PostgreSQL was lost during the transaction; it was rolled back"), { code: "ERR_POSTGRES_CONNECTION_CLOSED" });
      }
      if (request.tx === "end") txConnection = null;
      const result = request.op === "exec" ? await db.unsafe(request.text).simple() : await db.unsafe(request.text, request.params as never[]);
      const rows = (Array.isArray(result) ? result : []) as Record<string, unknown>[];
      const out: Record<string, unknown>[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        const copy: Record<string, unknown> = {};
        for (const key in row) copy[key] = plain(row[key]);
        out[i] = copy;
      }
      // A script of several statements (exec) answers one result per statement, without a command tag of its own.
      const { command = null, count = rows.length } = result as { command?: string | null; count?: number };
      const counted = Number(count);
      reply({ seq: request.seq, ok: true, rows: out, count: counted, changes: changedRows(command, counted, request.text), command });
    } catch (error) {
      const described = describeError(error);
      if (described.unavailable) {
        // Drop the connection: the next request dials again.
        const s = sql;
        sql = null;
        s?.close({ timeout: 0 }).catch(() => {});
      }
      reply({ seq: request.seq, ...described, ok: false });
    }
  });
  // Loaded and listening: the main thread waits for this before its first request.
  reply({ seq: 0, ok: true, rows: [], count: 0, changes: 0, command: null });
}
