/** API keys in the JSON API (Pocket ID's ApiKeyDto); the rules are src/admin/api-keys.ts's. */
import { t } from "elysia";
import { checkedByDomain, Input, IsoTime, Maybe, Nullable, ShortText, Timestamp } from "./common.ts";

export const ApiKeyInput = Input(
  {
    name: Maybe(checkedByDomain(ShortText(), { minLength: 3, maxLength: 50 })),
    description: Maybe(checkedByDomain(ShortText(), { maxLength: 250 })),
    expiresAt: t.Optional(Timestamp({ description: "Required: in the future, at most apiKeyMaxLifetimeDays ahead" })),
  },
  { $id: "ApiKeyInput", description: "name and expiresAt are required." },
);

export const ApiKeyRenewal = Input(
  { expiresAt: t.Optional(Timestamp({ description: "Required: in the future, at most apiKeyMaxLifetimeDays ahead" })) },
  { $id: "ApiKeyRenewal" },
);

export const ApiKey = t.Object(
  { id: t.String(), name: t.String(), description: t.String(), prefix: t.String(), createdAt: Nullable(IsoTime), expiresAt: Nullable(IsoTime), lastUsedAt: Nullable(IsoTime) },
  { $id: "ApiKey" },
);

export const ApiKeyCreated = t.Object({ apiKey: ApiKey, token: t.String({ description: "The key, shown only here and only once" }) }, { $id: "ApiKeyCreated" });
