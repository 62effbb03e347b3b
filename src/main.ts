#!/usr/bin/env bun
/**
 * CLI entry: parse argv → loadConfig → run the subcommand (no arguments = serve).
 * Exit codes: 0 ok, 1 failure (bad configuration, refused start, failed health check), 2 usage error.
 * `--help` / `-h` anywhere in a command's arguments (or `latchkey help COMMAND`) prints that command's help on stdout
 * and exits 0 before the configuration is read.
 */
import { ConfigError, loadConfig, readEnvironment, type Config } from "./config.ts";
import { createLog } from "./lib/log.ts";
import { MigrationError } from "./db/migrate.ts";
import { setPostgresWorkerUrl } from "./db/postgres/connection.ts";
import { ServerLockError } from "./db/server-lock.ts";
import { StartupError } from "./runtime.ts";
import { DecryptionError } from "./lib/sealed-box.ts";
import { VERSION, versionLine } from "./version.ts";
import { UsageError, type CliEnv } from "./cli/cli-env.ts";
import { ownValue } from "./lib/own.ts";
import { ContainerUserError, enterContainerUser } from "./cli/container-user.ts";

// Each command's module is imported when it runs (code splitting, build/compile.ts): `healthcheck` and `version`
// do not load the server, and the server does not load the backup, export and key-rotation code (issue 6).
interface CommandSpec {
  summary: string;
  usage: string;
  /** Option lines for `COMMAND --help`. */
  options?: string[];
  needsConfig: boolean;
  run(env: CliEnv, args: string[]): Promise<number>;
}

const CLIENT_USAGE =
  "latchkey client create --name NAME --callback-url URL [--callback-url URL …] [--logout-callback-url URL …] " +
  "[--launch-url URL] [--id ID] [--public] [--pkce] [--reauthenticate] [--skip-consent] [--unrestricted] [--group NAME …] [--secret-file PATH]\n" +
  "       latchkey client list\n" +
  "       latchkey client delete ID";

const COMMANDS: Record<string, CommandSpec> = {
  serve: { summary: "Run the server (the default)", usage: "latchkey [serve]", needsConfig: true, run: async (env) => (await import("./cli/serve.ts")).serve(env) },
  healthcheck: {
    summary: "Check that the local server answers /healthz (exit 0 healthy, 1 not)",
    usage: "latchkey healthcheck [-e|--endpoint URL] [--unix-socket PATH] [-v|--verbose]",
    options: [
      "-e, --endpoint URL      the server's address (default http://127.0.0.1:PORT, HOST if it is a specific one)",
      "    --unix-socket PATH  connect through this unix socket instead of TCP",
      "-v, --verbose           say so on stdout when healthy too",
    ],
    needsConfig: true,
    run: async (env, args) => (await import("./cli/healthcheck.ts")).healthcheck(env, args),
  },
  client: {
    summary: "Create, list or delete OIDC clients (prints JSON)",
    usage: CLIENT_USAGE,
    needsConfig: true,
    run: async (env, args) => (await import("./cli/client.ts")).clientCommand(env, args),
  },
  "key-rotate": {
    summary: "Rotate the token signing key (the old public key stays published until its tokens expire)",
    usage: "latchkey key-rotate [-a|--alg RS256|RS384|RS512|ES256|ES384|ES512|EdDSA] [-c|--crv Ed25519] [-y|--yes]",
    options: [
      "-a, --alg ALG    the new key's algorithm: RS256 (default, RSA-2048), RS384 (RSA-3072), RS512 (RSA-4096),",
      "                 ES256 (P-256), ES384 (P-384), ES512 (P-521) or EdDSA (Ed25519)",
      "-c, --crv CURVE  the EdDSA curve: Ed25519 (the only one)",
      "-y, --yes        do not ask for confirmation (asked only when stdin is a terminal)",
    ],
    needsConfig: true,
    run: async (env, args) => (await import("./cli/key-rotate.ts")).keyRotateCommand(env, args),
  },
  "one-time-access-token": {
    summary: "Print a one-hour, single-use login link for a user who lost their passkeys",
    usage: "latchkey one-time-access-token <username or email>",
    needsConfig: true,
    run: async (env, args) => (await import("./cli/one-time-access-token.ts")).oneTimeAccessTokenCommand(env, args),
  },
  backup: {
    summary: "Write a consistent backup of the database (safe while the server runs)",
    usage: "latchkey backup [--out FILE]",
    options: ["--out FILE  where to write the backup (default: the data folder's backups folder)"],
    needsConfig: true,
    run: async (env, args) => (await import("./cli/backup.ts")).backupCommand(env, args),
  },
  "encryption-key-rotate": {
    summary: "Re-seal every stored secret with a new ENCRYPTION_KEY (the server must be stopped)",
    usage: "latchkey encryption-key-rotate --new-key KEY | --new-key-file FILE [-y|--yes]",
    options: [
      "    --new-key KEY       the new key (at least 16 bytes; openssl rand -base64 32)",
      "    --new-key-file FILE  read the new key from FILE (one final newline dropped)",
      "-y, --yes             do not ask for confirmation (asked only when stdin is a terminal)",
    ],
    needsConfig: true,
    run: async (env, args) => (await import("./cli/encryption-key-rotate.ts")).encryptionKeyRotateCommand(env, args),
  },
  export: {
    summary: "Write the whole instance (database with uploads, optionally the key) as one .tar.gz, or as Pocket ID's export ZIP",
    usage: "latchkey export [-p|--path FILE|-] [--include-key] [--format latchkey|pocket-id]",
    options: [
      "-p, --path FILE  where to write the archive (default latchkey-export-<time>.tar.gz, pocket-id-export.zip; - for stdout); --out is the same",
      "    --include-key  put the encryption key in the archive too (Latchkey format only)",
      "    --format F     latchkey (default) or pocket-id: the ZIP `pocket-id import` restores (what it cannot hold is listed)",
    ],
    needsConfig: true,
    run: async (env, args) => (await import("./cli/export-import.ts")).exportCommand(env, args),
  },
  import: {
    summary: "Install an export archive (from either engine, or Pocket ID's export ZIP) into this instance's database (the server must be stopped)",
    usage: "latchkey import [-p|--path] FILE [-y|--yes] [--replace]",
    options: [
      "-p, --path FILE  the export archive: Latchkey's .tar.gz or Pocket ID's ZIP, told apart by content (or give FILE alone)",
      "-y, --yes        do not ask for confirmation (asked only when stdin is a terminal)",
      "    --replace      PostgreSQL: replace a database that already holds data",
    ],
    needsConfig: true,
    run: async (env, args) => (await import("./cli/export-import.ts")).importCommand(env, args),
  },
  "import-pocket-id": {
    summary: "Import a Pocket ID data folder, database (SQLite file or postgres://…) or export archive: users, passkeys, clients and their secrets, the signing key (the server must be stopped)",
    usage: "latchkey import-pocket-id PATH|postgres://… [--data-dir DIR] [--dry-run] [--merge] [--no-audit-log]",
    needsConfig: true,
    run: async (env, args) => (await import("./cli/import-pocket-id.ts")).importPocketIdCommand(env, args),
  },
  restore: {
    summary: "Replace the database with a checked backup (the server must be stopped)",
    usage: "latchkey restore FILE",
    needsConfig: true,
    run: async (env, args) => (await import("./cli/backup.ts")).restoreCommand(env, args),
  },
  version: {
    summary: "Print the version, the commit and the build date",
    usage: "latchkey version",
    needsConfig: false,
    run: async (env) => (env.stdout(versionLine() + "\n"), 0),
  },
  help: {
    summary: "Show this help, or a command's",
    usage: "latchkey help [COMMAND]",
    needsConfig: false,
    run: async (env, args) => {
      const named = args[0] === undefined ? undefined : ownValue(COMMANDS, args[0]);
      if (args[0] !== undefined && !named) throw new UsageError(`unknown command "${args[0]}"`);
      env.stdout(named ? commandHelp(named) : usage());
      return 0;
    },
  },
};

/** `latchkey COMMAND --help`: usage, what it does, its options. */
function commandHelp(c: CommandSpec): string {
  // Each option line is "flags  description" (a line of spaces first continues the one before); columns line up.
  const rows = [...(c.options ?? []), "-h, --help  show this help"].map((o) => {
    const m = /^(\s*\S.*?)\s{2,}(\S.*)$/.exec(o);
    return /^\s{6,}/.test(o) ? ["", o.trim()] : m ? [m[1]!, m[2]!] : [o, ""];
  });
  const width = Math.max(...rows.map(([flags]) => flags!.length));
  const lines = rows.map(([flags, text]) => `${flags!.padEnd(width)}  ${text}`.trimEnd());
  return [`Usage: ${c.usage}`, "", c.summary + ".", "", "Options:", ...lines.map((o) => `  ${o}`), ""].join("\n");
}

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

// Bun.write resolves once every byte is written: process.exit right after must not cut a piped archive short.
const stdoutBytes = async (bytes: Uint8Array) => void (await Bun.write(Bun.stdout, bytes));

/** A yes/no question on the terminal (stderr, so stdout stays the command's output); anything but y/yes is no. */
async function confirmOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once("close", () => resolve(""));
      void rl.question(`${question} [y/N] `).then(resolve, () => resolve(""));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function runCli(argv: string[], processEnv: Record<string, string | undefined>, cwd: string): Promise<number> {
  const stdout = (t: string) => void process.stdout.write(t);
  const stderr = (t: string) => void process.stderr.write(t);
  const [name = "serve", ...args] = argv;
  if (name === "--help" || name === "-h") return COMMANDS.help!.run({ stdout, stderr } as CliEnv, []);
  if (name === "--version" || name === "-v") return COMMANDS.version!.run({ stdout, stderr } as CliEnv, []);
  const command = ownValue(COMMANDS, name); // `latchkey constructor` is an unknown command, not Object
  if (!command) {
    stderr(`latchkey: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  // Options end at "--": what follows may be a value that only looks like --help.
  const options = args.includes("--") ? args.slice(0, args.indexOf("--")) : args;
  if (options.includes("--help") || options.includes("-h")) {
    stdout(commandHelp(command));
    return 0;
  }
  // The binary starts with JavaScriptCore's tier-up thresholds raised for the server's start-up (build/compile.ts);
  // serve restores the normal JIT policy once it listens, every other command right away.
  if (name !== "serve") Bun.unsafe.setJITPolicy(1);
  try {
    cwd = enterContainerUser(processEnv, cwd);
  } catch (e) {
    if (e instanceof ContainerUserError) {
      stderr(`latchkey: ${e.message}\n`);
      return 1;
    }
    throw e;
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
    return await command.run({ config: config!, log, stdout, stderr, stdoutBytes, confirm: process.stdin.isTTY ? confirmOnTerminal : undefined }, args);
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
  // The PostgreSQL connection's thread is a second entry point of the executable (build/compile.ts); its path
  // relative to this file is the same in the source tree and inside the executable.
  setPostgresWorkerUrl(new URL("./db/postgres/worker.ts", import.meta.url));
  const code = await runCli(process.argv.slice(2), process.env, process.cwd());
  process.exit(code);
}
