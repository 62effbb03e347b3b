import type { Config } from "../config.ts";
import type { Log } from "../lib/log.ts";

/** What every CLI command gets: the validated configuration, a logger, and where to print. */
export interface CliEnv {
  config: Config;
  log: Log;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Thrown by a command for bad arguments: printed with the command's usage, exit 2. */
export class UsageError extends Error {}
