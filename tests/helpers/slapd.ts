/**
 * A real OpenLDAP server for tests: Debian's slapd, started as a child process on a free loopback
 * port with a generated slapd.conf (core, cosine, nis, inetorgperson; one mdb database for
 * dc=example,dc=org) in a temporary folder. Seeded and changed with ldapts as the root DN.
 * Optional TLS: a self-signed certificate made with openssl, for ldaps:// and StartTLS.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { Attribute, Change, Client } from "ldapts";
import { makeTempDir } from "./test-deps.ts";

export const SLAPD = "/usr/sbin/slapd";
export const BASE_DN = "dc=example,dc=org";
export const ROOT_DN = "cn=admin,dc=example,dc=org";
export const ROOT_PW = "root-secret";

export function slapdInstalled(): boolean {
  return existsSync(SLAPD) && existsSync("/etc/ldap/schema/inetorgperson.schema");
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Slapd {
  url: string;
  ldapsUrl: string | null;
  port: number;
  /** Runs fn with a client bound as the root DN. */
  admin<T>(fn: (c: Client) => Promise<T>): Promise<T>;
  add(dn: string, attrs: Record<string, string | string[]>): Promise<void>;
  del(dn: string): Promise<void>;
  replace(dn: string, attr: string, values: string[]): Promise<void>;
  rename(dn: string, newRdn: string): Promise<void>;
  /** The entryUUID of an entry. */
  uuidOf(dn: string): Promise<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startSlapd(opts: { tls?: boolean } = {}): Promise<Slapd> {
  const { dir, cleanup } = makeTempDir("latchkey-slapd-");
  const dbDir = path.join(dir, "db");
  mkdirSync(dbDir);
  const hash = Bun.spawnSync(["slappasswd", "-s", ROOT_PW]).stdout.toString().trim();
  const port = await freePort();
  const tlsPort = opts.tls ? await freePort() : 0;
  let tlsLines = "";
  if (opts.tls) {
    const r = Bun.spawnSync(
      ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")],
      { stderr: "pipe" },
    );
    if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
    tlsLines = `TLSCertificateFile ${path.join(dir, "cert.pem")}\nTLSCertificateKeyFile ${path.join(dir, "key.pem")}\n`;
  }
  writeFileSync(
    path.join(dir, "slapd.conf"),
    [
      "include /etc/ldap/schema/core.schema",
      "include /etc/ldap/schema/cosine.schema",
      "include /etc/ldap/schema/nis.schema",
      "include /etc/ldap/schema/inetorgperson.schema",
      "modulepath /usr/lib/ldap",
      "moduleload back_mdb",
      `pidfile ${path.join(dir, "slapd.pid")}`,
      tlsLines,
      "database mdb",
      `suffix "${BASE_DN}"`,
      `rootdn "${ROOT_DN}"`,
      `rootpw ${hash}`,
      `directory ${dbDir}`,
      "maxsize 10485760",
      "",
    ].join("\n"),
  );
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = opts.tls ? `ldaps://localhost:${tlsPort}` : null;
  let proc: ReturnType<typeof Bun.spawn> | null = null;

  const start = async () => {
    const listeners = [`${url}/`, ...(ldapsUrl ? [`ldaps://127.0.0.1:${tlsPort}/`] : [])].join(" ");
    proc = Bun.spawn([SLAPD, "-f", path.join(dir, "slapd.conf"), "-h", listeners, "-d", "0"], { stdout: "ignore", stderr: "pipe" });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const c = new Client({ url, connectTimeout: 500, timeout: 1000 });
      try {
        await c.bind(ROOT_DN, ROOT_PW);
        await c.unbind();
        return;
      } catch {
        await c.unbind().catch(() => {});
        if (proc.exitCode !== null || Date.now() > deadline) {
          const err = proc.stderr instanceof ReadableStream ? await new Response(proc.stderr).text() : "";
          throw new Error(`slapd did not start: ${err}`);
        }
        await Bun.sleep(50);
      }
    }
  };
  const stop = async () => {
    if (!proc) return;
    const p = proc;
    proc = null;
    p.kill("SIGTERM");
    await p.exited;
  };
  const admin = async <T,>(fn: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ url, timeout: 5000 });
    try {
      await c.bind(ROOT_DN, ROOT_PW);
      return await fn(c);
    } finally {
      await c.unbind().catch(() => {});
    }
  };
  await start();
  await admin((c) => c.add(BASE_DN, { objectClass: ["dcObject", "organization"], o: "Example", dc: "example" }));
  await admin(async (c) => {
    await c.add(`ou=people,${BASE_DN}`, { objectClass: "organizationalUnit", ou: "people" });
    await c.add(`ou=groups,${BASE_DN}`, { objectClass: "organizationalUnit", ou: "groups" });
  });
  return {
    url,
    ldapsUrl,
    port,
    admin,
    add: (dn, attrs) => admin((c) => c.add(dn, attrs)),
    del: (dn) => admin((c) => c.del(dn)),
    replace: (dn, attr, values) => admin((c) => c.modify(dn, new Change({ operation: "replace", modification: new Attribute({ type: attr, values }) }))),
    rename: (dn, newRdn) => admin((c) => c.modifyDN(dn, newRdn)),
    uuidOf: (dn) =>
      admin(async (c) => {
        const { searchEntries } = await c.search(dn, { scope: "base", attributes: ["entryUUID"] });
        return String(searchEntries[0]!.entryUUID);
      }),
    stop,
    start,
    cleanup: async () => {
      await stop();
      cleanup();
    },
  };
}
