/**
 * The PostgreSQL engine behind the `Database` interface (src/db/database.ts).
 *
 * Why synchronous: every rule Latchkey enforces with a transaction (a code redeemed once, a refresh token
 * rotated once, a WebAuthn challenge consumed once, a group's page saved whole) is written as one
 * uninterrupted run of code between BEGIN and COMMIT, and so are the single-instance performance tricks
 * (group commit). Keeping that shape on PostgreSQL means one implementation of each rule for both engines,
 * and no interleaving of two requests inside one transaction. The cost is that this process waits for
 * PostgreSQL's answer (~0.1–0.3 ms on the same machine) instead of serving another request meanwhile;
 * bench/README.md measures it. Capacity grows by adding instances, which is what PostgreSQL is for here.
 *
 * How: Bun's SQL client runs on a worker thread (worker.ts) with one connection; a request is posted to
 * it, and this thread sleeps on a shared Int32 (Atomics.wait) until the worker has posted the answer to a
 * reply port, read here with receiveMessageOnPort. Queries are rewritten from SQLite's dialect by
 * dialect.ts. Values come back as SQLite returns them (numbers, 1/0, Uint8Array).
 *
 * When PostgreSQL is unreachable, a call throws DatabaseUnavailableError (the HTTP layer answers 503 with
 * Retry-After); the worker dials again on the next call, so service resumes by itself.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { POSTGRES_ENGINE, type Changes, type Database, type SQLQueryBindings, type Statement, type Transaction } from "../database.ts";
import { bindArguments, toPostgres } from "./dialect.ts";
import type { Reply, Request, TxStep, WorkerSetup } from "./worker.ts";
import { redactConnectionString } from "./connection-string.ts";
import { INSTANCE_LOCK_KEY } from "./instance-lock-key.ts";
import { DatabaseUnavailableError } from "../../errors.ts";

export { DatabaseUnavailableError };

/** PostgreSQL refused a statement (a constraint, a type, a syntax error): a fault of this request or of this code. */
export class PostgresQueryError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly constraint: string | undefined,
  ) {
    super(message);
    this.name = "PostgresQueryError";
  }
}

export interface PostgresOptions {
  /** Seconds to wait for a connection to open (default 5). */
  connectTimeoutSeconds?: number;
  /** PostgreSQL's statement_timeout for every statement, in ms (default 10,000). */
  statementTimeoutMs?: number;
  /** A serving instance: hold the shared instance lock (src/db/server-lock.ts) on every connection. */
  instance?: boolean;
}

let workerUrl: URL = new URL("./worker.ts", import.meta.url);

/** Where worker.ts is: src/main.ts sets it (inside the executable, this module's own URL is a bundle chunk's). */
export function setPostgresWorkerUrl(url: URL): void {
  workerUrl = url;
}

/** How long a new connection's thread may take to load before the engine gives up on it. */
const WORKER_START_MS = 10_000;

/** A request without its sequence number (distributed over the union). */
type Outgoing = Request extends infer R ? (R extends unknown ? Omit<R, "seq"> : never) : never;

type Wrapped = ((...args: unknown[]) => unknown) & Record<string, unknown>;

class PostgresStatement<R, P extends SQLQueryBindings[]> implements Statement<R, P> {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly sql: string,
  ) {}

  all(...params: P): R[] {
    return this.db.runQuery(this.sql, params).rows as R[];
  }
  get(...params: P): R | null {
    return (this.db.runQuery(this.sql, params).rows[0] as R | undefined) ?? null;
  }
  run(...params: P): Changes {
    return { changes: this.db.runQuery(this.sql, params).count, lastInsertRowid: 0 };
  }
  values(...params: P): Array<Array<string | bigint | number | Uint8Array | null>> {
    return this.db.runQuery(this.sql, params).rows.map((r) => Object.values(r) as Array<string | number | Uint8Array | null>);
  }
  iterate(...params: P): IterableIterator<R> {
    return (this.all(...params) as R[])[Symbol.iterator]();
  }
}

export class PostgresDatabase implements Database {
  readonly [POSTGRES_ENGINE] = true;
  /** Host and database, for messages (never the password). */
  readonly target: string;
  private readonly worker: Worker;
  private readonly done: Int32Array;
  private readonly replies: MessagePort;
  private readonly waitMs: number;
  private seq = 0;
  private depth = 0;
  private savepoints = 0;
  private closed = false;
  private changed = 0;
  private aborted = false;
  private readonly statements = new Map<string, PostgresStatement<unknown, SQLQueryBindings[]>>();

  constructor(url: string, options: PostgresOptions = {}) {
    this.target = redactConnectionString(url);
    const connectTimeoutSeconds = options.connectTimeoutSeconds ?? 5;
    const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
    this.waitMs = connectTimeoutSeconds * 1000 + statementTimeoutMs + 2000;
    const signal = new SharedArrayBuffer(4);
    this.done = new Int32Array(signal);
    Atomics.store(this.done, 0, -1);
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    const setup: WorkerSetup = { url, signal, replies: port2, connectTimeoutSeconds, statementTimeoutMs, instanceLockKey: options.instance ? INSTANCE_LOCK_KEY : null };
    this.worker = new Worker(workerUrl, { workerData: setup, transferList: [port2] });
    this.worker.unref();
    // The thread says it is ready (reply 0) once loaded: a thread that cannot load fails here, clearly, instead
    // of every call waiting out its timeout.
    if (Atomics.wait(this.done, 0, -1, WORKER_START_MS) === "timed-out") {
      void this.worker.terminate();
      throw new Error(`the PostgreSQL connection thread (${workerUrl.href}) did not start within ${WORKER_START_MS / 1000} s`);
    }
  }

  /** Sends one request and sleeps until its answer arrives (or the wait runs out). */
  private call(request: Outgoing): Extract<Reply, { ok: true }> {
    if (this.closed) throw new DatabaseUnavailableError(`the connection to PostgreSQL (${this.target}) is closed`);
    const seq = ++this.seq;
    this.worker.postMessage({ ...request, seq } as Request);
    const deadline = performance.now() + this.waitMs;
    for (;;) {
      const seen = Atomics.load(this.done, 0);
      if (seen >= seq) break;
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(this.done, 0, seen, left) === "timed-out") {
        throw new DatabaseUnavailableError(`PostgreSQL (${this.target}) did not answer within ${Math.round(this.waitMs / 1000)} s`);
      }
    }
    for (;;) {
      const received = receiveMessageOnPort(this.replies);
      if (!received) throw new DatabaseUnavailableError(`PostgreSQL (${this.target}): the answer was lost`);
      const reply = received.message as Reply;
      if (reply.seq < seq) continue; // the late answer to a call that timed out
      if (reply.ok) {
        this.changed += reply.changes;
        return reply;
      }
      if (reply.unavailable) throw new DatabaseUnavailableError(`PostgreSQL (${this.target}) is unavailable: ${reply.message}`, reply.code);
      // Inside a transaction, PostgreSQL now refuses every statement until ROLLBACK (or ROLLBACK TO SAVEPOINT).
      if (this.depth > 0) this.aborted = true;
      throw new PostgresQueryError(reply.message, reply.code, reply.constraint);
    }
  }

  private get txStep(): TxStep {
    return this.depth > 0 ? "in" : "none";
  }

  /** Runs one statement with SQLite-style arguments. */
  runQuery(sql: string, params: unknown[]): { rows: Record<string, unknown>[]; count: number } {
    const { text, plan } = toPostgres(sql);
    return this.call({ op: "query", text, params: bindArguments(plan, params), tx: this.txStep });
  }

  query<ReturnType, ParamsType extends SQLQueryBindings | SQLQueryBindings[]>(sql: string): Statement<ReturnType, ParamsType extends any[] ? ParamsType : [ParamsType]> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = new PostgresStatement(this, sql);
      if (this.statements.size < 2000) this.statements.set(sql, statement);
    }
    return statement as unknown as Statement<ReturnType, ParamsType extends any[] ? ParamsType : [ParamsType]>;
  }

  prepare<ReturnType, ParamsType extends SQLQueryBindings | SQLQueryBindings[]>(sql: string): Statement<ReturnType, ParamsType extends any[] ? ParamsType : [ParamsType]> {
    return this.query<ReturnType, ParamsType>(sql);
  }

  /** One statement with arguments, or a script of several without. */
  run<ParamsType extends SQLQueryBindings[]>(sql: string, ...bindings: ParamsType[]): Changes {
    if (/^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i.test(sql)) {
      throw new Error("PostgresDatabase: use db.transaction(fn) instead of BEGIN/COMMIT statements");
    }
    if (bindings.length > 0) return { changes: this.runQuery(sql, bindings.length === 1 && Array.isArray(bindings[0]) ? (bindings[0] as unknown[]) : bindings).count, lastInsertRowid: 0 };
    const reply = this.call({ op: "exec", text: toPostgres(sql).text, tx: this.txStep });
    return { changes: reply.count, lastInsertRowid: 0 };
  }

  exec<ParamsType extends SQLQueryBindings[]>(sql: string, ...bindings: ParamsType[]): Changes {
    return this.run(sql, ...bindings);
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  /**
   * Rows changed by the INSERT, UPDATE and DELETE statements run on this connection so far, like SQLite's
   * total_changes() (a statement whose writes PostgreSQL does not count adds 1; see changedRows in worker.ts).
   * Group commit (src/db/group-commit.ts) compares it around a write to tell one that threw having changed nothing.
   */
  get totalChanges(): number {
    return this.changed;
  }

  /**
   * True when a statement of the open transaction was refused: PostgreSQL then refuses every other statement, and
   * turns a COMMIT into a ROLLBACK. A rollback to a savepoint taken before the refusal clears it.
   */
  get transactionAborted(): boolean {
    return this.aborted;
  }

  /** COMMIT, refusing to report success when PostgreSQL rolled the transaction back instead. */
  private commit(): void {
    const aborted = this.aborted;
    this.aborted = false;
    const reply = this.call({ op: "exec", text: "COMMIT", tx: "end" });
    if (aborted || reply.command === "ROLLBACK") {
      throw new PostgresQueryError("a statement of the transaction was refused, so PostgreSQL rolled it back instead of committing it", "25P02", undefined);
    }
  }

  transaction<A extends any[], T>(insideTransaction: (...args: A) => T): Transaction<A, T> {
    const run = (...args: A): T => {
      if (this.depth === 0) {
        this.call({ op: "exec", text: "BEGIN", tx: "begin" });
        this.depth = 1;
        this.aborted = false;
        try {
          const result = insideTransaction(...args);
          this.depth = 0;
          this.commit();
          return result;
        } catch (error) {
          this.depth = 0;
          this.aborted = false;
          try {
            this.call({ op: "exec", text: "ROLLBACK", tx: "end" });
          } catch {
            // The connection is gone: PostgreSQL rolled the transaction back itself.
          }
          throw error;
        }
      }
      const name = `lk_sp${++this.savepoints}`;
      this.call({ op: "exec", text: `SAVEPOINT ${name}`, tx: "in" });
      this.depth++;
      try {
        const result = insideTransaction(...args);
        this.call({ op: "exec", text: `RELEASE SAVEPOINT ${name}`, tx: "in" });
        return result;
      } catch (error) {
        this.call({ op: "exec", text: `ROLLBACK TO SAVEPOINT ${name}`, tx: "in" });
        // Back to before the savepoint, which could only be taken while the transaction was not aborted.
        this.aborted = false;
        this.call({ op: "exec", text: `RELEASE SAVEPOINT ${name}`, tx: "in" });
        throw error;
      } finally {
        this.depth--;
      }
    };
    const wrapped = run as unknown as Wrapped;
    wrapped.deferred = run;
    wrapped.immediate = run;
    wrapped.exclusive = run;
    return wrapped as unknown as Transaction<A, T>;
  }

  close(): void {
    if (this.closed) return;
    try {
      this.call({ op: "close" });
    } catch {
      // closing anyway
    }
    this.closed = true;
    this.replies.close();
    void this.worker.terminate();
  }
}
