/**
 * The application configuration in the JSON API: Pocket ID's `[{key, type, value}]` answers and the
 * `{key: value}` update, one optional field per configuration key (src/admin/app-config.ts). Values
 * may be strings, as Pocket ID sends them, or typed JSON; null or "" resets a key to its default.
 * The rules per key (ranges, URLs, colours, enums) are src/admin/app-config-admin.ts's.
 */
import { t, type TSchema } from "elysia";
import { APP_CONFIG_DEFINITIONS } from "../../admin/app-config.ts";
import { BoolLike, Input, IntLike, LongText, MAX_LIST } from "./common.ts";

function valueSchema(kind: string): TSchema {
  switch (kind) {
    case "int":
      return IntLike();
    case "bool":
      return BoolLike();
    case "json":
      return t.Union([LongText({ description: "JSON text" }), t.Array(t.Unknown(), { maxItems: MAX_LIST }), t.Null()], { error: "must be JSON" });
    default:
      return t.Union([LongText(), t.Null()]);
  }
}

export const ConfigInput = Input(
  Object.fromEntries(Object.entries(APP_CONFIG_DEFINITIONS).map(([key, d]) => [key, t.Optional(valueSchema((d as { kind: string }).kind))])),
  {
    $id: "ConfigInput",
    description: "Only the keys sent change; null or an empty value resets a key to its default. Keys Latchkey does not know are ignored. Sensitive values read as XXXXXXXXXX; sending that back keeps the stored value.",
  },
);

export const ConfigEntry = t.Object(
  { key: t.String(), type: t.String({ enum: ["string", "number", "bool", "array"] }), value: t.String(), isPublic: t.Optional(t.Boolean()) },
  { $id: "ConfigEntry" },
);

export const LdapConnectionReport = t.Object({ ok: t.Boolean(), lines: t.Array(t.Object({ ok: t.Boolean(), text: t.String() })) }, { $id: "LdapConnectionReport" });
