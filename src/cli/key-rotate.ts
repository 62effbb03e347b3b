/**
 * `latchkey key-rotate [--alg RS256|ES256|EdDSA]`: a new signing key signs from now on; the previous public
 * key stays in the JWKS until every token it signed has expired. Safe while the server runs. Audited
 * (ADMIN_CHANGE signing_key rotate, via "cli").
 */
import { parseArgs } from "node:util";
import { CLI_ACTOR } from "../audit/actor.ts";
import { openRuntime } from "../runtime.ts";
import { rotateSigningKey, SIGNING_ALGS, type SigningAlg } from "../oidc/signing-keys.ts";
import { UsageError, type CliEnv } from "./cli-env.ts";

export async function keyRotateCommand(env: CliEnv, args: string[]): Promise<number> {
  let alg: SigningAlg = "RS256";
  try {
    const { values, positionals } = parseArgs({ args, options: { alg: { type: "string" } }, allowPositionals: true, strict: true });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (values.alg !== undefined) {
      if (!SIGNING_ALGS.includes(values.alg as SigningAlg)) throw new UsageError(`--alg must be one of ${SIGNING_ALGS.join(", ")}`);
      alg = values.alg as SigningAlg;
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const runtime = openRuntime(env.config, env.log);
  try {
    const result = rotateSigningKey(runtime, CLI_ACTOR, alg);
    env.stdout(
      JSON.stringify({
        kid: result.kid,
        alg: result.alg,
        retiredKid: result.retiredKid,
        retiredKeyPublishedUntil: result.retiredUntil === null ? null : new Date(result.retiredUntil * 1000).toISOString(),
      }, null, 2) + "\n",
    );
    return 0;
  } finally {
    runtime.close();
  }
}
