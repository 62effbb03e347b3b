/**
 * `latchkey one-time-access-token <username or email>`: account recovery for a lost passkey.
 * Prints APP_URL/lc/<code>, valid for one hour and usable once. Opens the data folder like `serve`
 * (WAL: works while the server runs) and never needs the server lock. Audited on the person's own log
 * (ONE_TIME_ACCESS_TOKEN_CREATED, via "cli").
 */
import { issueLoginCode } from "../account/one-time-access.ts";
import { CLI_ACTOR } from "../audit/actor.ts";
import { findUserByUsernameOrEmail } from "../db/users.ts";
import { openRuntime } from "../runtime.ts";
import { UsageError, type CliEnv } from "./cli-env.ts";

const TTL_SECONDS = 60 * 60;

export async function oneTimeAccessTokenCommand(env: CliEnv, args: string[]): Promise<number> {
  if (args.length !== 1 || !args[0]!.trim() || args[0]!.startsWith("-")) throw new UsageError("give exactly one username or email address");
  const runtime = openRuntime(env.config, env.log);
  try {
    const user = findUserByUsernameOrEmail(runtime.db, args[0]!.trim());
    if (!user) {
      env.stderr(`No user has the username or email "${args[0]}".\n`);
      return 1;
    }
    if (user.disabled) env.stderr(`Warning: ${user.username} is disabled; the link will not work until the account is enabled.\n`);
    const { token } = issueLoginCode(runtime, CLI_ACTOR, user.id, TTL_SECONDS);
    env.stdout(`${env.config.appUrl}/lc/${token}\n`);
    env.stderr(`Login link for ${user.username}; valid for 1 hour and usable once. It leads straight to adding a new passkey.\n`);
    return 0;
  } finally {
    runtime.close();
  }
}
