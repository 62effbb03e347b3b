/**
 * Graceful shutdown: on SIGTERM/SIGINT the server stops accepting, finishes the requests in flight,
 * closes the database cleanly (WAL checkpointed and removed) and exits 0.
 *
 * The request kept in flight is an ordinary one: a form POST whose body arrives slowly. The server must
 * read the whole body (the CSRF check looks for `_csrf` in it) before it can answer, so the request is
 * genuinely unfinished when the signal arrives — no test-only route needed. It carries `Expect: 100-continue`:
 * the interim "100 Continue" is the server saying it is reading that body, so the signal is sent only then.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { connect, type Socket } from "node:net";
import path from "node:path";
import { acquireServerLock } from "../../src/db/server-lock.ts";
import { startSourceServer, type RunningBinary } from "../helpers/binary.ts";

// These tests start real processes: allow for a cold start on a loaded 2-core machine.
setDefaultTimeout(30_000);

let server: RunningBinary | null = null;
afterEach(async () => {
  await server?.cleanup();
  server = null;
});

/** A raw connection: `firstData` resolves with the first bytes the server sends, `response` with all of them once it closes. */
function openSocket(port: number): Promise<{ socket: Socket; firstData: Promise<string>; response: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      let data = "";
      const firstData = new Promise<string>((first) => socket.once("data", (chunk) => first(chunk.toString("utf8"))));
      const response = new Promise<string>((done) => {
        socket.on("data", (chunk) => (data += chunk.toString("utf8")));
        socket.on("close", () => done(data));
        socket.on("end", () => done(data));
      });
      resolve({ socket, firstData, response });
    });
    socket.on("error", reject);
  });
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`${signal} while a slow request is in flight: it finishes, the process exits 0, the database is closed cleanly`, async () => {
    server = await startSourceServer();
    const { port, dataDir } = server;
    const body = `note=${"x".repeat(40)}&_csrf=nope`;
    const { socket, firstData, response } = await openSocket(port);
    socket.write(
      `POST /settings HTTP/1.1\r\nHost: localhost:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
    );
    socket.write(body.slice(0, 10));
    expect(await firstData).toBe("HTTP/1.1 100 Continue\r\n\r\n"); // the server is now reading the body

    server.kill(signal);
    await server.waitForOutput(`received ${signal}: finishing in-flight requests`);
    expect(server.process.exitCode).toBeNull(); // still waiting for our request (the complete answer below proves it)

    // Stopped accepting: a new connection is refused while the old request is still open.
    const fresh = await fetch(`${server.url}/healthz`).then((r) => r.status, () => "refused");
    expect(fresh).toBe("refused");

    socket.write(body.slice(10));
    const answer = (await response).replace("HTTP/1.1 100 Continue\r\n\r\n", "");
    expect(answer).toStartWith("HTTP/1.1 403 Forbidden\r\n"); // the CSRF check ran: the request completed normally
    expect(answer).toMatch(/\r\nx-request-id: [A-Za-z0-9_-]{12}\r\n/i);
    expect(answer).toEndWith("</html>"); // the whole body was sent

    expect(await server.exited).toBe(0);
    expect(server.stderr()).toContain("stopped");

    // Closed cleanly: the last connection checkpointed and removed the WAL; the file is intact; the lock is free.
    const dbPath = path.join(dataDir, "latchkey.db");
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()!.integrity_check).toBe("ok");
    } finally {
      db.close();
    }
    acquireServerLock(dbPath).release();
  });
}

test("SIGTERM under load: every answered request is complete, exit 0, database intact", async () => {
  server = await startSourceServer();
  const url = server.url;
  let stop = false;
  const statuses: number[] = [];
  const underLoad = Promise.withResolvers<void>();
  const workers = Array.from({ length: 8 }, async () => {
    while (!stop) {
      try {
        const res = await fetch(`${url}/no-such-page`);
        await res.text();
        statuses.push(res.status);
        if (statuses.length >= 40) underLoad.resolve();
      } catch {
        break; // refused once the server stopped accepting
      }
    }
  });
  await underLoad.promise;
  server.kill("SIGTERM");
  expect(await server.exited).toBe(0);
  stop = true;
  await Promise.all(workers);
  expect(statuses.length).toBeGreaterThan(0);
  expect(new Set(statuses)).toEqual(new Set([404]));
  const db = new Database(path.join(server.dataDir, "latchkey.db"), { readonly: true });
  try {
    expect(db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()!.integrity_check).toBe("ok");
  } finally {
    db.close();
  }
});

test("an idle keep-alive connection does not hold the shutdown up", async () => {
  server = await startSourceServer();
  const { socket, firstData, response } = await openSocket(server.port);
  socket.write(`GET /healthz HTTP/1.1\r\nHost: localhost:${server.port}\r\n\r\n`);
  expect(await firstData).toStartWith("HTTP/1.1 204 No Content\r\n"); // answered: the connection is now idle, kept alive
  server.kill("SIGTERM");
  expect(await server.exited).toBe(0);
  // Held up, the server would have waited out its grace period and then closed the connection itself.
  expect(server.stderr()).not.toContain("requests still running");
  expect(server.stderr()).toContain("stopped");
  expect(await response).toStartWith("HTTP/1.1 204 No Content\r\n");
});
