/** `latchkey client …` and `latchkey key-rotate` against a data folder, as the CLI runs them. */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { clientCommand } from "../../../src/cli/client.ts";
import { UsageError, type CliEnv } from "../../../src/cli/cli-env.ts";
import { keyRotateCommand } from "../../../src/cli/key-rotate.ts";
import { loadConfig } from "../../../src/config.ts";
import { silentLog } from "../../../src/lib/log.ts";
import { openRuntime } from "../../../src/runtime.ts";
import { publishedJwks, ensureSigningKey } from "../../../src/oidc/signing-keys.ts";
import { verifyClientSecret } from "../../../src/oidc/client-secrets.ts";
import { makeTempDir, TEST_ENCRYPTION_KEY } from "../../helpers/test-deps.ts";
import { insertTestGroup } from "../../helpers/oidc-fixtures.ts";

let tmp: { dir: string; cleanup: () => void };
let out: string;
let err: string;
let env: CliEnv;

beforeEach(() => {
  tmp = makeTempDir();
  out = "";
  err = "";
  const config = loadConfig({ APP_URL: "http://localhost:1411", ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, DB_CONNECTION_STRING: path.join(tmp.dir, "db.sqlite") }, tmp.dir);
  env = { config, log: silentLog, stdout: (t) => void (out += t), stderr: (t) => void (err += t) };
});
afterEach(() => tmp.cleanup());

test("client create prints the client with its one-time secret; list and delete", async () => {
  const runtime = openRuntime(env.config, silentLog);
  insertTestGroup(runtime, "staff");
  runtime.close();
  const code = await clientCommand(env, [
    "create", "--name", "Forgejo", "--callback-url", "https://git.example.com/user/oauth2/Pocket/callback",
    "--callback-url", "https://git.example.com/alt", "--logout-callback-url", "https://git.example.com/bye", "--pkce", "--group", "staff",
  ]);
  expect(code).toBe(0);
  const created = JSON.parse(out) as { id: string; secret: string; callbackUrls: string[]; pkceEnabled: boolean; unrestricted: boolean; allowedGroupIds: string[] };
  expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(created.secret).toMatch(/^[A-Za-z0-9]{32}$/);
  expect(created.callbackUrls).toHaveLength(2);
  expect(created.pkceEnabled).toBe(true);
  expect(created.unrestricted).toBe(false);
  expect(created.allowedGroupIds).toHaveLength(1);
  const rt = openRuntime(env.config, silentLog);
  expect(verifyClientSecret(rt, created.id, created.secret)).toBe(true);
  rt.close();

  out = "";
  expect(await clientCommand(env, ["create", "--name", "SPA", "--callback-url", "http://localhost/cb", "--public", "--unrestricted", "--id", "spa"])).toBe(0);
  const spa = JSON.parse(out) as Record<string, unknown>;
  expect(spa.id).toBe("spa");
  expect(spa.secret).toBeUndefined();

  out = "";
  expect(await clientCommand(env, ["list"])).toBe(0);
  expect((JSON.parse(out) as { id: string }[]).map((c) => c.id).sort()).toEqual([created.id, "spa"].sort());
  expect(out).not.toContain(created.secret);

  out = "";
  expect(await clientCommand(env, ["delete", "spa"])).toBe(0);
  expect(JSON.parse(out)).toEqual({ deleted: "spa" });
  expect(await clientCommand(env, ["delete", "spa"])).toBe(1);
  expect(err).toContain('no client with id "spa"');
});

test("client create --secret-file declares the first secret: stored hashed, never printed; refusals leave no client", async () => {
  const value = "gitops-declared-secret+with%symbols~0123456789";
  const file = path.join(tmp.dir, "forgejo.secret");
  writeFileSync(file, value + "\n");
  const cb = "https://git.example.com/cb";
  expect(await clientCommand(env, ["create", "--name", "Forgejo", "--id", "forgejo", "--callback-url", cb, "--secret-file", file])).toBe(0);
  const created = JSON.parse(out) as Record<string, unknown>;
  expect(created.id).toBe("forgejo");
  expect(created.secret).toBeUndefined();
  expect(created.secretPrefix).toBe("gito");
  expect(created.secretId).toMatch(/^[0-9a-f-]{36}$/);
  expect(out).not.toContain(value);
  const rt = openRuntime(env.config, silentLog);
  expect(verifyClientSecret(rt, "forgejo", value)).toBe(true);
  expect(verifyClientSecret(rt, "forgejo", value + "\n")).toBe(false);
  expect(JSON.stringify(rt.db.query("SELECT * FROM oidc_client_secrets").all())).not.toContain(value);
  rt.close();

  const short = path.join(tmp.dir, "short.secret");
  writeFileSync(short, "too-short\r\n");
  const empty = path.join(tmp.dir, "empty.secret");
  writeFileSync(empty, "\n");
  const cases: [args: string[], stderr: string][] = [
    [["--secret-file", short], "latchkey client create: Use at least 32 characters for the secret (this one has 9).\n  secret: Use at least 32 characters for the secret (this one has 9).\n"],
    [["--secret-file", file], "latchkey client create: This value is already the secret of another client. Every client needs its own secret.\n"],
    [["--secret-file", file, "--public"], "latchkey client create: Public clients have no secrets.\n  secret: Public clients have no secrets.\n"],
    [["--secret-file", path.join(tmp.dir, "missing")], "latchkey client create: cannot read --secret-file: "],
    [["--secret-file", empty], "latchkey client create: --secret-file is empty\n"],
  ];
  for (const [extra, stderr] of cases) {
    err = "";
    expect(await clientCommand(env, ["create", "--name", "Other", "--id", "other", "--callback-url", cb, ...extra])).toBe(1);
    expect(err.startsWith(stderr)).toBe(true);
  }
  out = "";
  expect(await clientCommand(env, ["list"])).toBe(0);
  expect((JSON.parse(out) as { id: string }[]).map((c) => c.id)).toEqual(["forgejo"]);
});

test("bad arguments are usage errors; invalid values are reported per field", async () => {
  for (const args of [[], ["nope"], ["create"], ["create", "--name", "x"], ["create", "--name", "x", "--callback-url"], ["create", "--bogus"], ["list", "x"], ["delete"], ["delete", "a", "b"]]) {
    await expect(clientCommand(env, args)).rejects.toBeInstanceOf(UsageError);
  }
  expect(await clientCommand(env, ["create", "--name", "x", "--callback-url", "javascript:alert(1)"])).toBe(1);
  expect(err).toContain("callbackUrls");
  expect(await clientCommand(env, ["create", "--name", "x", "--callback-url", "https://a.test/cb", "--group", "ghosts"])).toBe(1);
  expect(err).toContain('unknown group "ghosts"');
});

test("key-rotate: new key signs, the old one stays published", async () => {
  const rt = openRuntime(env.config, silentLog);
  const first = ensureSigningKey(rt);
  rt.close();
  expect(await keyRotateCommand(env, ["--alg", "EdDSA"])).toBe(0);
  const result = JSON.parse(out) as { kid: string; alg: string; retiredKid: string; retiredKeyPublishedUntil: string };
  expect(result.alg).toBe("EdDSA");
  expect(result.retiredKid).toBe(first);
  expect(Date.parse(result.retiredKeyPublishedUntil)).toBeGreaterThan(Date.now());
  const rt2 = openRuntime(env.config, silentLog);
  expect(publishedJwks(rt2).keys.map((k) => k.kid)).toEqual([result.kid, first]);
  rt2.close();
  await expect(keyRotateCommand(env, ["--alg", "HS256"])).rejects.toBeInstanceOf(UsageError);
  await expect(keyRotateCommand(env, ["extra"])).rejects.toBeInstanceOf(UsageError);
});
