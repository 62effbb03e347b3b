/**
 * Every CLI command that changes state leaves its audit row, as the command runs it against a data folder:
 * ADMIN_CHANGE with via "cli" and no user (the command line is nobody's session), no IP or user agent,
 * never a secret; a login code is recorded on the person's own log (ONE_TIME_ACCESS_TOKEN_CREATED via cli).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import path from "node:path";
import { createUser } from "../../../src/admin/users.ts";
import { backupCommand, restoreCommand } from "../../../src/cli/backup.ts";
import type { CliEnv } from "../../../src/cli/cli-env.ts";
import { clientCommand } from "../../../src/cli/client.ts";
import { encryptionKeyRotateCommand } from "../../../src/cli/encryption-key-rotate.ts";
import { exportCommand, importCommand } from "../../../src/cli/export-import.ts";
import { keyRotateCommand } from "../../../src/cli/key-rotate.ts";
import { oneTimeAccessTokenCommand } from "../../../src/cli/one-time-access-token.ts";
import { loadConfig, type Config } from "../../../src/config.ts";
import { silentLog } from "../../../src/lib/log.ts";
import { ensureSigningKey } from "../../../src/oidc/signing-keys.ts";
import { openRuntime } from "../../../src/runtime.ts";
import { makeTempDir, TEST_ENCRYPTION_KEY } from "../../helpers/test-deps.ts";

type Row = { event: string; user_id: string | null; ip_address: string | null; user_agent: string | null; data: string };

let tmp: { dir: string; cleanup: () => void };
let out: string;
let err: string;
let env: CliEnv;

function configIn(dir: string): Config {
  return loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, DB_CONNECTION_STRING: path.join(dir, "db.sqlite") }, dir);
}

function envFor(config: Config): CliEnv {
  return { config, log: silentLog, stdout: (t) => void (out += t), stderr: (t) => void (err += t) };
}

beforeEach(() => {
  tmp = makeTempDir();
  out = "";
  err = "";
  env = envFor(configIn(tmp.dir));
});
afterEach(() => tmp.cleanup());

function auditRows(config = env.config): (Row & { parsed: Record<string, any> })[] {
  const rt = openRuntime(config, silentLog);
  try {
    return rt.db
      .query<Row, []>("SELECT event, user_id, ip_address, user_agent, data FROM audit_logs ORDER BY created_at, rowid")
      .all()
      .map((r) => ({ ...r, parsed: JSON.parse(r.data) }));
  } finally {
    rt.close();
  }
}

/** The command line's ADMIN_CHANGE rows: no user, no origin, via "cli". */
function cliChanges(config = env.config) {
  const rows = auditRows(config).filter((r) => r.event === "ADMIN_CHANGE");
  for (const r of rows) expect({ user: r.user_id, ip: r.ip_address, ua: r.user_agent, via: r.parsed.via }).toEqual({ user: null, ip: null, ua: null, via: "cli" });
  return rows.map((r) => r.parsed);
}

describe("the CLI writes audit events", () => {
  test("client create and client delete: ADMIN_CHANGE oidc_client, never the secret", async () => {
    expect(await clientCommand(env, ["create", "--name", "Forgejo", "--id", "forgejo", "--callback-url", "https://git.example.com/cb", "--pkce"])).toBe(0);
    const secret = (JSON.parse(out) as { secret: string }).secret;
    expect(await clientCommand(env, ["delete", "forgejo"])).toBe(0);
    expect(await clientCommand(env, ["delete", "forgejo"])).toBe(1); // nothing deleted, nothing recorded
    expect(cliChanges()).toEqual([
      {
        entity: "oidc_client",
        action: "create",
        id: "forgejo",
        changes: { name: "Forgejo", callbackUrls: ["https://git.example.com/cb"], isPublic: false, pkceEnabled: true, unrestricted: false },
        via: "cli",
      },
      { entity: "oidc_client", action: "delete", id: "forgejo", changes: { name: "Forgejo" }, via: "cli" },
    ]);
    expect(JSON.stringify(auditRows())).not.toContain(secret);
  });

  test("a refused client create records nothing", async () => {
    expect(await clientCommand(env, ["create", "--name", "x", "--callback-url", "javascript:alert(1)"])).toBe(1);
    expect(auditRows()).toEqual([]);
  });

  test("key-rotate: ADMIN_CHANGE signing_key rotate with the new and the retired kid", async () => {
    const rt = openRuntime(env.config, silentLog);
    const first = ensureSigningKey(rt);
    rt.close();
    expect(await keyRotateCommand(env, ["--alg", "ES256"])).toBe(0);
    const { kid } = JSON.parse(out) as { kid: string };
    expect(cliChanges()).toEqual([{ entity: "signing_key", action: "rotate", id: kid, changes: { alg: "ES256", retiredKid: first }, via: "cli" }]);
  });

  test("one-time-access-token: ONE_TIME_ACCESS_TOKEN_CREATED on the person's log, via cli, without the code", async () => {
    const rt = openRuntime(env.config, silentLog);
    const user = createUser(rt, { username: "ada", email: "ada@example.com", firstName: "Ada", lastName: "" });
    rt.close();
    expect(await oneTimeAccessTokenCommand(env, ["ada"])).toBe(0);
    const code = out.trim().split("/lc/")[1]!;
    const rows = auditRows();
    expect(rows.map((r) => ({ event: r.event, user: r.user_id, ip: r.ip_address, data: r.parsed }))).toEqual([
      { event: "ONE_TIME_ACCESS_TOKEN_CREATED", user: user.id, ip: null, data: { via: "cli", ttlSeconds: 3600 } },
    ]);
    expect(JSON.stringify(rows)).not.toContain(code);
  });

  test("backup, then restore: ADMIN_CHANGE backup create, and the restore recorded in the restored database", async () => {
    const file = path.join(tmp.dir, "snapshot.db");
    expect(await backupCommand(env, ["--out", file])).toBe(0);
    expect(cliChanges()).toEqual([{ entity: "backup", action: "create", id: "snapshot.db", changes: { bytes: expect.any(Number) }, via: "cli" }]);
    out = "";
    expect(await restoreCommand(env, [file])).toBe(0);
    const { previousDatabaseKeptAs } = JSON.parse(out) as { previousDatabaseKeptAs: string };
    // The restored database is the snapshot (taken before its own backup row) plus the restore.
    expect(cliChanges()).toEqual([
      { entity: "backup", action: "restore", id: "snapshot.db", changes: { schemaVersion: expect.any(Number), previousKeptAs: path.basename(previousDatabaseKeptAs) }, via: "cli" },
    ]);
  });

  test("import of an export: recorded in the imported database", async () => {
    const archive = path.join(tmp.dir, "instance.tar.gz");
    expect(await exportCommand(env, ["--out", archive])).toBe(0);
    const target = makeTempDir();
    try {
      const other = configIn(target.dir);
      expect(await importCommand(envFor(other), [archive])).toBe(0);
      expect(cliChanges(other)).toEqual([
        { entity: "export_archive", action: "import", id: "instance.tar.gz", changes: { version: expect.any(String), schemaVersion: expect.any(Number), keyInstalled: false }, via: "cli" },
      ]);
    } finally {
      target.cleanup();
    }
  });

  test("encryption-key-rotate: ADMIN_CHANGE encryption_key rotate with the counts, never a key", async () => {
    openRuntime(env.config, silentLog).close();
    const newKey = "Zk3mQ9vT1xW7pL2sN8rB4yC6hJ0dF5gA=";
    expect(await encryptionKeyRotateCommand(env, ["--new-key", newKey])).toBe(0);
    const rotated = envFor(loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: newKey, DB_CONNECTION_STRING: path.join(tmp.dir, "db.sqlite") }, tmp.dir));
    const changes = cliChanges(rotated.config);
    expect(changes).toEqual([{ entity: "encryption_key", action: "rotate", id: "encryption-key", changes: { resealed: expect.any(Object) }, via: "cli" }]);
    const all = JSON.stringify(auditRows(rotated.config));
    expect(all).not.toContain(newKey);
    expect(all).not.toContain(TEST_ENCRYPTION_KEY);
  });
});
