#!/usr/bin/env bun
/**
 * CLI entry: parse argv → loadConfig → run the subcommand (no arguments = serve).
 * Exit codes: 0 ok, 1 failure (bad configuration, refused start, failed health check), 2 usage error.
 */
import { ConfigError, loadConfig, readEnvironment, type Config } from "./config.ts";
import { createLog } from "./lib/log.ts";
import { MigrationError } from "./db/migrate.ts";
import { ServerLockError } from "./db/server-lock.ts";
import { StartupError } from "./runtime.ts";
import { DecryptionError } from "./lib/sealed-box.ts";
import { VERSION } from "./version.ts";
import { UsageError, type CliEnv } from "./cli/cli-env.ts";
import { serve } from "./cli/serve.ts";
import { healthcheck } from "./cli/healthcheck.ts";
import { ONE_TIME_ACCESS_TOKEN_USAGE, oneTimeAccessTokenCommand } from "./cli/one-time-access-token.ts";
import { CLIENT_USAGE, clientCommand } from "./cli/client.ts";
import { keyRotateCommand } from "./cli/key-rotate.ts";
import { ENCRYPTION_KEY_ROTATE_USAGE, encryptionKeyRotateCommand } from "./cli/encryption-key-rotate.ts";
import { EXPORT_USAGE, exportCommand, IMPORT_USAGE, importCommand } from "./cli/export-import.ts";
import { BACKUP_USAGE, backupCommand, RESTORE_USAGE, restoreCommand } from "./cli/backup.ts";

interface CommandSpec {
  summary: string;
  usage: string;
  needsConfig: boolean;
  run(env: CliEnv, args: string[]): Promise<number>;
}

const COMMANDS: Record<string, CommandSpec> = {
  serve: { summary: "Run the server (the default)", usage: "latchkey [serve]", needsConfig: true, run: (env) => serve(env) },
  healthcheck: {
    summary: "Check that the local server answers /healthz (exit 0 healthy, 1 not)",
    usage: "latchkey healthcheck [--endpoint URL]",
    needsConfig: true,
    run: healthcheck,
  },
  client: { summary: "Create, list or delete OIDC clients (prints JSON)", usage: CLIENT_USAGE, needsConfig: true, run: clientCommand },
  "key-rotate": {
    summary: "Rotate the token signing key (the old public key stays published until its tokens expire)",
    usage: "latchkey key-rotate [--alg RS256|ES256|EdDSA]",
    needsConfig: true,
    run: keyRotateCommand,
  },
  "one-time-access-token": {
    summary: "Print a one-hour, single-use login link for a user who lost their passkeys",
    usage: ONE_TIME_ACCESS_TOKEN_USAGE,
    needsConfig: true,
    run: oneTimeAccessTokenCommand,
  },
  backup: { summary: "Write a consistent backup of the database (safe while the server runs)", usage: BACKUP_USAGE, needsConfig: true, run: backupCommand },
  "encryption-key-rotate": { summary: "Re-seal every stored secret with a new ENCRYPTION_KEY (the server must be stopped)", usage: ENCRYPTION_KEY_ROTATE_USAGE, needsConfig: true, run: encryptionKeyRotateCommand },
  export: { summary: "Write the whole instance (database with uploads, optionally the key) as one .tar.gz", usage: EXPORT_USAGE, needsConfig: true, run: exportCommand },
  import: { summary: "Install an export archive into this data folder (the server must be stopped)", usage: IMPORT_USAGE, needsConfig: true, run: importCommand },
  restore: { summary: "Replace the database with a checked backup (the server must be stopped)", usage: RESTORE_USAGE, needsConfig: true, run: restoreCommand },
  version: { summary: "Print the version", usage: "latchkey version", needsConfig: false, run: async (env) => (env.stdout(VERSION + "\n"), 0) },
  help: { summary: "Show this help", usage: "latchkey help", needsConfig: false, run: async (env) => (env.stdout(usage()), 0) },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    `Latchkey ${VERSION} — passkey-only OpenID Connect provider`,
    "",
    "Usage: latchkey [command] [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Configuration comes from environment variables (and a .env file in the working folder):",
    "APP_URL, PORT, HOST, ENCRYPTION_KEY[_FILE], DB_CONNECTION_STRING, TRUST_PROXY, LOG_LEVEL, LOG_JSON, …",
    "",
  ].join("\n");
}

export async function runCli(argv: string[], processEnv: Record<string, string | undefined>, cwd: string): Promise<number> {
  const stdout = (t: string) => void process.stdout.write(t);
  const stderr = (t: string) => void process.stderr.write(t);
  const [name = "serve", ...args] = argv;
  if (name === "--help" || name === "-h") return COMMANDS.help!.run({ stdout, stderr } as CliEnv, []);
  if (name === "--version" || name === "-v") return COMMANDS.version!.run({ stdout, stderr } as CliEnv, []);
  const command = COMMANDS[name];
  if (!command) {
    stderr(`latchkey: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  let config: Config | undefined;
  const env = readEnvironment(cwd, processEnv);
  try {
    if (command.needsConfig) config = loadConfig(env, cwd);
  } catch (e) {
    if (e instanceof ConfigError) {
      stderr(e.message + "\n");
      return 1;
    }
    throw e;
  }
  const log = createLog({ level: config?.logLevel ?? "info", json: config?.logJson ?? false });
  try {
    return await command.run({ config: config!, log, stdout, stderr }, args);
  } catch (e) {
    if (e instanceof MigrationError || e instanceof ServerLockError || e instanceof StartupError || e instanceof DecryptionError) {
      stderr(`latchkey: ${e.message}\n`);
      return 1;
    }
    if (e instanceof UsageError) {
      stderr(`latchkey ${name}: ${e.message}\nUsage: ${command.usage}\n`);
      return 2;
    }
    stderr(`latchkey: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  const code = await runCli(process.argv.slice(2), process.env, process.cwd());
  process.exit(code);
}
