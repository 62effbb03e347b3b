import type { Config } from "../config.ts";
import type { Log } from "../lib/log.ts";

/** What every CLI command gets: the validated configuration, a logger, and where to print. */
export interface CliEnv {
  config: Config;
  log: Log;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Binary output (`export --path -`); absent where only text is collected. */
  stdoutBytes?: (bytes: Uint8Array) => Promise<void>;
  /**
   * Asks a yes/no question on the terminal; present only when stdin is a terminal (src/main.ts). Commands that
   * Pocket ID confirms ask through it unless --yes; without a terminal they run as they always did (scripts).
   */
  confirm?: (question: string) => Promise<boolean>;
}

/** Thrown by a command for bad arguments: printed with the command's usage, exit 2. */
export class UsageError extends Error {}

/**
 * Pocket ID's confirmation before a command that replaces something: true to go on. Asks only on a terminal
 * (env.confirm) and only without --yes; a refusal prints why nothing changed.
 */
export async function confirmed(env: CliEnv, yes: boolean, question: string): Promise<boolean> {
  if (yes || !env.confirm) return true;
  if (await env.confirm(question)) return true;
  env.stderr("Cancelled: nothing was changed.\n");
  return false;
}
