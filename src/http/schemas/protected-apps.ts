/**
 * Protected apps (forward-auth) in the JSON API. Lists may also be sent as one string, one entry per
 * line or comma-separated, as the admin form does; the rules are src/forward-auth/protected-apps.ts's.
 */
import { t } from "elysia";
import { IDENTITY_HEADERS } from "../../forward-auth/protected-apps.ts";
import { checkedByDomain, Input, IntLike, IsoTime, LongText, MAX_LIST, Maybe, Nullable, ShortText } from "./common.ts";

/** A list as `listInput()` reads it: a JSON list, or a string with one entry per line or comma (null: empty). */
const List = (options: Record<string, unknown> = {}) =>
  t.Optional(t.Union([t.Array(ShortText(), { maxItems: MAX_LIST }), LongText(), t.Null()], { error: "must be a list of strings", ...options }));

export const ProtectedAppInput = Input(
  {
    name: Maybe(checkedByDomain(ShortText(), { maxLength: 80 })),
    hosts: List({ examples: [["app.example.com", "app.example.com:8443", "*.apps.example.com"]] }),
    pathPrefix: t.Optional(ShortText({ default: "/" })),
    isGroupRestricted: t.Optional(t.Boolean({ default: true, error: "Use true or false." })),
    reauthMaxAgeMinutes: t.Optional(checkedByDomain(IntLike({ description: "Whole minutes; null, 0 or empty: no re-authentication" }), { minimum: 1, maximum: 525_600 })),
    passHeaders: List({ description: `Any of ${IDENTITY_HEADERS.join(", ")}` }),
    userGroupIds: List({ description: "On creation: the groups that may use it" }),
  },
  { $id: "ProtectedAppInput", description: "name and hosts are required on creation; on update, omitted fields keep their value." },
);

export const ProtectedApp = t.Object(
  {
    id: t.String(),
    name: t.String(),
    hosts: t.Array(t.String()),
    pathPrefix: t.String(),
    isGroupRestricted: t.Boolean(),
    reauthMaxAgeMinutes: Nullable(t.Integer()),
    passHeaders: t.Array(t.String({ enum: [...IDENTITY_HEADERS] })),
    allowedUserGroupIds: t.Array(t.String()),
    createdAt: IsoTime,
    updatedAt: IsoTime,
  },
  { $id: "ProtectedApp" },
);

export const ProtectedAppGroups = Input({ userGroupIds: List() }, { $id: "UserGroupIdList" });
