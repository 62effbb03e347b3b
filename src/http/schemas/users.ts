/**
 * Users, user groups and custom claims in the JSON API (Pocket ID's DTOs).
 * The rules (username pattern, unique names, group ids that exist, the last administrator) are the
 * domain's: src/admin/user-admin.ts, src/admin/users.ts, src/admin/user-groups.ts, src/admin/validation.ts.
 */
import { t } from "elysia";
import { BoolLike, checkedByDomain, CustomClaim, Duration, GroupBrief, IdList, Input, IsoTime, Maybe, Nullable, OptionalBody, ShortText } from "./common.ts";

/** A list of ids as src/admin/validation.ts `strList()` reads it: a JSON list, or one id alone. */
const Ids = () => t.Optional(t.Union([IdList(), ShortText(), t.Null()], { error: "must be a list of strings" }));

export const UserInput = Input(
  {
    id: Maybe(ShortText({ description: "Optional on creation: the UUID to use (e.g. when moving from Pocket ID)" })),
    username: Maybe(ShortText()),
    email: Maybe(ShortText()),
    firstName: Maybe(ShortText()),
    lastName: Maybe(ShortText()),
    displayName: Maybe(ShortText()),
    isAdmin: t.Optional(BoolLike()),
    disabled: t.Optional(BoolLike()),
    emailVerified: t.Optional(BoolLike()),
    locale: Maybe(ShortText({ examples: ["en", "de-CH"] })),
    userGroupIds: Ids(),
  },
  { $id: "UserInput", description: "username and firstName are required; email too when requireUserEmail is on. Omitted booleans are false." },
);

export const OwnProfileInput = Input(
  {
    username: Maybe(ShortText()),
    email: Maybe(ShortText()),
    firstName: Maybe(ShortText()),
    lastName: Maybe(ShortText()),
    displayName: Maybe(ShortText()),
    locale: Maybe(ShortText({ examples: ["en", "de", "pt-BR"] })),
  },
  {
    $id: "OwnProfileInput",
    description:
      "The whole profile, replaced (username and firstName are required; email too when requireUserEmail is on). " +
      "locale: a supported language, null or empty to follow the browser, omitted to keep it. isAdmin, disabled, emailVerified and userGroupIds are ignored.",
  },
);

export const User = t.Object(
  {
    id: t.String(),
    username: t.String(),
    email: Nullable(t.String()),
    emailVerified: t.Boolean(),
    firstName: t.String(),
    lastName: t.String(),
    displayName: t.String(),
    isAdmin: t.Boolean(),
    disabled: t.Boolean(),
    locale: Nullable(t.String()),
    ldapId: Nullable(t.String()),
    createdAt: Nullable(IsoTime),
    customClaims: t.Array(CustomClaim),
    userGroups: t.Array(GroupBrief),
  },
  { $id: "User" },
);

export const UserGroupIds = Input({ userGroupIds: Ids() }, { $id: "UserGroupIds" });

export const Ttl = OptionalBody(Input({ ttl: t.Optional(Duration()) }, { $id: "Ttl" }));

export const LoginCode = t.Object({ token: t.String(), expiresAt: IsoTime, url: t.String() }, { $id: "LoginCode" });

export const UserPasskey = t.Object(
  { id: t.String(), name: t.String(), createdAt: Nullable(IsoTime), lastUsedAt: Nullable(IsoTime), backupEligible: t.Boolean(), deviceType: Nullable(t.String()) },
  { $id: "Passkey" },
);

export const UserSession = t.Object(
  {
    id: t.String(),
    createdAt: Nullable(IsoTime),
    lastSeenAt: Nullable(IsoTime),
    expiresAt: Nullable(IsoTime),
    ipAddress: Nullable(t.String()),
    userAgent: Nullable(t.String()),
    amr: t.Array(t.String()),
  },
  { $id: "Session" },
);

export const UserGroupInput = Input(
  {
    friendlyName: Maybe(checkedByDomain(ShortText(), { maxLength: 50 })),
    name: Maybe(checkedByDomain(ShortText({ description: "Derived from friendlyName when omitted" }), { maxLength: 255 })),
  },
  { $id: "UserGroupInput", description: "friendlyName is required." },
);

export const UserGroup = t.Object(
  { id: t.String(), name: t.String(), friendlyName: t.String(), ldapId: Nullable(t.String()), createdAt: Nullable(IsoTime), customClaims: t.Array(CustomClaim) },
  { $id: "UserGroup" },
);

export const UserGroupWithCount = t.Composite([UserGroup, t.Object({ userCount: t.Integer() })], { $id: "UserGroupWithCount" });

export const UserGroupDetail = t.Composite(
  [UserGroup, t.Object({ users: t.Array(User), allowedOidcClients: t.Array(t.Object({ id: t.String(), name: t.String() })) })],
  { $id: "UserGroupDetail" },
);

export const UserIds = Input({ userIds: Ids() }, { $id: "UserIds" });
export const ClientIds = Input({ oidcClientIds: Ids() }, { $id: "ClientIds" });

export { CustomClaim, CustomClaimList } from "./common.ts";

