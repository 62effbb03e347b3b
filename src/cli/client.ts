/**
 * `latchkey client create|list|delete`: OIDC clients for scripting and tests.
 * `create --secret-file PATH` declares the first secret's value (rules of createClientSecret) instead of
 * generating one.
 * Opens the data folder like the server does (WAL: safe while the server runs). Output is JSON.
 * Creating and deleting are audited like the admin's changes (ADMIN_CHANGE, via "cli").
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { CLI_ACTOR } from "../audit/actor.ts";
import { AppError, fieldTexts } from "../errors.ts";
import { findGroupIdsByNames } from "../db/oidc-clients.ts";
import { createClient, deleteClient } from "../admin/oidc-clients.ts";
import { listClients, type OidcClient } from "../oidc/clients.ts";
import { openRuntime } from "../runtime.ts";
import { UsageError, type CliEnv } from "./cli-env.ts";

function clientJson(c: OidcClient): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    callbackUrls: c.callbackUrls,
    logoutCallbackUrls: c.logoutCallbackUrls,
    launchUrl: c.launchUrl,
    isPublic: c.isPublic,
    pkceEnabled: c.pkceEnabled,
    requiresReauthentication: c.requiresReauthentication,
    skipConsent: c.skipConsent,
    unrestricted: c.unrestricted,
    allowedGroupIds: c.allowedGroupIds,
    accessTokenDurationMinutes: c.accessTokenDurationMinutes,
    refreshTokenDurationMinutes: c.refreshTokenDurationMinutes,
  };
}

function parse(args: string[], options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>["options"]>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

export async function clientCommand(env: CliEnv, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "create":
      return create(env, rest);
    case "list": {
      if (rest.length) throw new UsageError("client list takes no arguments");
      const runtime = openRuntime(env.config, env.log);
      try {
        env.stdout(JSON.stringify(listClients(runtime.db).map(clientJson), null, 2) + "\n");
        return 0;
      } finally {
        runtime.close();
      }
    }
    case "delete": {
      if (rest.length !== 1 || rest[0]!.startsWith("-")) throw new UsageError("client delete takes exactly one client id");
      const runtime = openRuntime(env.config, env.log);
      try {
        if (!deleteClient(runtime, CLI_ACTOR, rest[0]!)) {
          env.stderr(`latchkey client delete: no client with id "${rest[0]}"\n`);
          return 1;
        }
        env.stdout(JSON.stringify({ deleted: rest[0] }) + "\n");
        return 0;
      } finally {
        runtime.close();
      }
    }
    default:
      throw new UsageError(sub ? `unknown subcommand "${sub}"` : "a subcommand is required (create, list or delete)");
  }
}

async function create(env: CliEnv, args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    name: { type: "string" },
    id: { type: "string" },
    "callback-url": { type: "string", multiple: true },
    "logout-callback-url": { type: "string", multiple: true },
    "launch-url": { type: "string" },
    public: { type: "boolean" },
    pkce: { type: "boolean" },
    reauthenticate: { type: "boolean" },
    "skip-consent": { type: "boolean" },
    unrestricted: { type: "boolean" },
    group: { type: "string", multiple: true },
    "secret-file": { type: "string" },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const v = values as Record<string, string | string[] | boolean | undefined>;
  if (typeof v.name !== "string" || !v.name.trim()) throw new UsageError("--name is required");
  const callbackUrls = (v["callback-url"] as string[] | undefined) ?? [];
  if (callbackUrls.length === 0) throw new UsageError("at least one --callback-url is required");
  // A declared first secret comes from a file (never argv: other users see it in ps); one final newline is
  // dropped, as editors and `echo` add it.
  let secret: string | null = null;
  if (typeof v["secret-file"] === "string") {
    try {
      secret = readFileSync(v["secret-file"], "utf8").replace(/\r?\n$/, "");
    } catch (e) {
      env.stderr(`latchkey client create: cannot read --secret-file: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    if (secret === "") {
      env.stderr("latchkey client create: --secret-file is empty\n");
      return 1;
    }
  }
  const runtime = openRuntime(env.config, env.log);
  try {
    const groupNames = (v.group as string[] | undefined) ?? [];
    const found = findGroupIdsByNames(runtime.db, groupNames);
    const missing = groupNames.filter((n) => !found.has(n));
    if (missing.length) {
      env.stderr(`latchkey client create: unknown group "${missing[0]}"\n`);
      return 1;
    }
    const { client, secret: created } = createClient(runtime, CLI_ACTOR, {
      id: typeof v.id === "string" ? v.id : undefined,
      name: v.name,
      callbackUrls,
      logoutCallbackUrls: (v["logout-callback-url"] as string[] | undefined) ?? [],
      launchUrl: typeof v["launch-url"] === "string" ? v["launch-url"] : null,
      isPublic: v.public === true,
      pkceEnabled: v.pkce === true,
      requiresReauthentication: v.reauthenticate === true,
      skipConsent: v["skip-consent"] === true,
      unrestricted: v.unrestricted === true,
      allowedGroupIds: [...found.values()],
    }, { secret });
    const out: Record<string, unknown> = clientJson(client);
    // A generated secret is printed once; a declared one is named by id and prefix (the caller has it).
    if (created && !created.declared) out.secret = created.secret;
    if (created) out.secretId = created.id;
    if (created?.declared) out.secretPrefix = created.prefix;
    env.stdout(JSON.stringify(out, null, 2) + "\n");
    return 0;
  } catch (e) {
    if (e instanceof AppError) {
      const details = Object.entries(fieldTexts(e.fields)).map(([k, m]) => `  ${k}: ${m}`);
      env.stderr(`latchkey client create: ${e.message}\n${details.join("\n")}${details.length ? "\n" : ""}`);
      return 1;
    }
    throw e;
  } finally {
    runtime.close();
  }
}
