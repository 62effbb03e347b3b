/** SCIM service providers in the JSON API (Pocket ID's ScimServiceProviderDTO; the rules are src/scim/providers.ts's). */
import { t } from "elysia";
import { MAX_ENDPOINT_LENGTH, MAX_TOKEN_LENGTH } from "../../scim/providers.ts";
import { checkedByDomain, Input, IsoTime, LongText, Maybe, Nullable, ShortText } from "./common.ts";
import { ClientMeta } from "./oidc-clients.ts";

export const ScimProviderInput = Input(
  {
    endpoint: Maybe(checkedByDomain(LongText({ examples: ["https://app.example.com/scim/v2"] }), { maxLength: MAX_ENDPOINT_LENGTH, format: "uri" })),
    token: Maybe(
      checkedByDomain(LongText({ description: "Bearer token, stored encrypted and never returned. On update: absent or null keeps the stored one, \"\" removes it." }), {
        maxLength: MAX_TOKEN_LENGTH,
      }),
    ),
    oidcClientId: Maybe(ShortText()),
  },
  { $id: "ScimServiceProviderInput", description: "endpoint and oidcClientId are required on creation; on update, omitted fields keep their value." },
);

const Count = () => t.Integer({ minimum: 0 });

export const ScimSyncCounts = t.Object(
  {
    usersCreated: Count(),
    usersUpdated: Count(),
    usersDeleted: Count(),
    usersDeactivated: Count(),
    usersUnchanged: Count(),
    groupsCreated: Count(),
    groupsUpdated: Count(),
    groupsDeleted: Count(),
    groupsUnchanged: Count(),
    failed: Count(),
  },
  { $id: "ScimSyncCounts" },
);

export const ScimSyncStatus = t.Object(
  {
    lastAttemptAt: Nullable(IsoTime),
    lastSyncedAt: Nullable(IsoTime, { description: "The last sync that completed without errors" }),
    lastError: Nullable(t.String()),
    counts: Nullable(ScimSyncCounts),
    running: t.Boolean(),
  },
  { $id: "ScimSyncStatus" },
);

export const ScimProvider = t.Object(
  {
    id: t.String(),
    endpoint: t.String(),
    hasToken: t.Boolean({ description: "Whether a bearer token is stored (the token itself is never returned)" }),
    lastSyncedAt: Nullable(IsoTime),
    oidcClientId: t.String(),
    oidcClient: ClientMeta,
    createdAt: Nullable(IsoTime),
    status: ScimSyncStatus,
  },
  { $id: "ScimServiceProvider" },
);
