/**
 * The PostgreSQL test harness (tests/helpers/postgres.ts): a real server from Debian's package, a database per
 * test file, and a stop and start that keeps what was committed.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { existsSync } from "node:fs";
import path from "node:path";
import { type PgServer, findPostgresBin, sharedPostgres, startPostgres } from "../../helpers/postgres.ts";

describe("PostgreSQL test harness", () => {
  test("finds the server binaries", () => {
    const bin = findPostgresBin();
    expect(bin).not.toBeNull();
    for (const b of ["initdb", "pg_ctl", "postgres"]) expect(existsSync(path.join(bin!, b))).toBe(true);
  });

  test("the shared cluster is one per process and answers on its own databases", async () => {
    const pg = await sharedPostgres();
    expect(await sharedPostgres()).toBe(pg);
    const a = await pg.createDatabase();
    const b = await pg.createDatabase();
    expect(a).not.toBe(b);
    const sqlA = new SQL(a);
    const sqlB = new SQL(b);
    try {
      await sqlA`CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL)`;
      await sqlA`INSERT INTO t ${sqlA([{ id: 1, name: "one" }])}`;
      expect(await sqlA`SELECT id, name FROM t`).toEqual([{ id: "1", name: "one" }]);
      // Another database of the same cluster does not see it.
      expect(await sqlB`SELECT to_regclass('t') AS t`).toEqual([{ t: null }]);
      const [settings] = await sqlA`SELECT current_setting('server_encoding') AS enc, current_setting('lc_collate') AS coll,
        current_setting('fsync') AS fsync, current_setting('max_connections') AS max, current_user AS usr`;
      expect(settings).toEqual({ enc: "UTF8", coll: "C", fsync: "off", max: "200", usr: "postgres" });
    } finally {
      await sqlA.close();
      await sqlB.close();
    }
    await pg.dropDatabase(new URL(b).pathname.slice(1));
    const admin = new SQL(pg.url());
    try {
      const names = (await admin`SELECT datname FROM pg_database`).map((r: { datname: string }) => r.datname);
      expect(names).toContain(new URL(a).pathname.slice(1));
      expect(names).not.toContain(new URL(b).pathname.slice(1));
    } finally {
      await admin.close();
    }
  });

  test("a cluster is stopped and removed once its test process is gone", async () => {
    const helper = path.join(import.meta.dir, "../../helpers/postgres.ts");
    const child = Bun.spawn([process.execPath, "-e", `const { startPostgres } = await import(${JSON.stringify(helper)}); const pg = await startPostgres(); console.log(pg.dir + " " + pg.port); process.exit(0);`], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const [dir, port] = (await new Response(child.stdout).text()).trim().split(" ");
    expect(await child.exited).toBe(0);
    expect(dir).toContain("latchkey-pg-");
    const deadline = Date.now() + 15_000;
    while (existsSync(dir!) && Date.now() < deadline) await Bun.sleep(100);
    expect(existsSync(dir!)).toBe(false);
    const sql = new SQL({ url: `postgres://postgres@127.0.0.1:${port}/postgres`, max: 1, connectionTimeout: 2 });
    await expect(sql`SELECT 1`).rejects.toThrow();
    await sql.close();
  });

  describe("a cluster of its own", () => {
    let pg: PgServer;
    afterAll(async () => {
      const dir = pg.dir;
      await pg.cleanup();
      expect(existsSync(dir)).toBe(false);
    });

    test("listens on loopback TCP and on a unix socket in its folder, and keeps data across stop and start", async () => {
      pg = await startPostgres();
      expect(pg.host).toBe("127.0.0.1");
      expect(existsSync(path.join(pg.dir, `.s.PGSQL.${pg.port}`))).toBe(true);
      const url = await pg.createDatabase("kept");
      let sql = new SQL(url);
      await sql`CREATE TABLE t (v TEXT NOT NULL)`;
      await sql`INSERT INTO t (v) VALUES ('before fast stop')`;
      await sql.close();

      await pg.stop();
      const down = new SQL({ url, max: 1, connectionTimeout: 2 });
      await expect(down`SELECT 1`).rejects.toThrow();
      await down.close();
      await pg.start();

      sql = new SQL(url);
      // synchronous_commit is off in this cluster (speed): a commit may still sit in WAL buffers, which an
      // immediate stop loses. A transaction that must survive one asks for a synchronous commit.
      await sql.begin(async (tx) => {
        await tx`SET LOCAL synchronous_commit = on`;
        await tx`INSERT INTO t (v) VALUES ('before immediate stop')`;
      });
      await sql.close();
      // immediate: no checkpoint; the restart replays the WAL.
      await pg.stop("immediate");
      await pg.start();

      sql = new SQL(url);
      try {
        expect((await sql`SELECT v FROM t ORDER BY v`).map((r: { v: string }) => r.v)).toEqual(["before fast stop", "before immediate stop"]);
      } finally {
        await sql.close();
      }
    });
  });
});
