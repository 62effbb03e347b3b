/**
 * `latchkey key-rotate [-a|--alg ALG] [-c|--crv CURVE] [-y|--yes]`: a new signing key signs from now on; the previous
 * public key stays in the JWKS until every token it signed has expired. Safe while the server runs. Audited
 * (ADMIN_CHANGE signing_key rotate, via "cli").
 * - Pocket ID's flags: --alg takes its algorithm names (any letter case): RS256 (RSA-2048, the default), RS384
 *   (RSA-3072), RS512 (RSA-4096), ES256 (P-256), ES384 (P-384), ES512 (P-521), EdDSA (Ed25519).
 * - --crv names the EdDSA curve: Ed25519 only (Pocket ID's only choice too); with another algorithm the curve
 *   follows from it, so --crv is refused there.
 * - On a terminal it asks first unless --yes (Pocket ID asks); without a terminal it runs as it always did.
 */
import { parseArgs } from "node:util";
import { CLI_ACTOR } from "../audit/actor.ts";
import { openRuntime } from "../runtime.ts";
import { rotateSigningKey, SIGNING_ALGS, type SigningAlg } from "../oidc/signing-keys.ts";
import { confirmed, UsageError, type CliEnv } from "./cli-env.ts";

const EDDSA_CURVES = ["Ed25519"];

export async function keyRotateCommand(env: CliEnv, args: string[]): Promise<number> {
  let values: { alg?: string; crv?: string; yes?: boolean };
  try {
    const parsed = parseArgs({
      args,
      options: { alg: { type: "string", short: "a" }, crv: { type: "string", short: "c" }, yes: { type: "boolean", short: "y" } },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
    values = parsed.values;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  let alg: SigningAlg = "RS256";
  if (values.alg !== undefined) {
    const named = SIGNING_ALGS.find((a) => a.toLowerCase() === values.alg!.toLowerCase());
    if (!named) throw new UsageError(`--alg must be one of ${SIGNING_ALGS.join(", ")}; got "${values.alg}"`);
    alg = named;
  }
  if (values.crv !== undefined) {
    if (alg !== "EdDSA") throw new UsageError(`--crv applies to EdDSA only (the curve of ${alg} follows from the algorithm)`);
    if (!EDDSA_CURVES.some((c) => c.toLowerCase() === values.crv!.toLowerCase())) {
      env.stderr(`latchkey key-rotate: the EdDSA curve ${values.crv} is not supported; EdDSA keys use Ed25519. Nothing was changed.\n`);
      return 1;
    }
  }
  if (!(await confirmed(env, values.yes === true, `Replace the signing key with a new ${alg} key? Tokens signed by the current key stay valid until they expire.`))) return 1;
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
