/** Sign-up tokens (admin) and the self sign-up in the JSON API; the rules are src/admin/signup-tokens.ts's and src/admin/signups.ts's. */
import { t } from "elysia";
import { checkedByDomain, Duration, IdList, Input, IntLike, IsoTime, Maybe, Nullable, OptionalBody, ShortText } from "./common.ts";

export const SignupTokenInput = OptionalBody(
  Input(
    {
      ttl: t.Optional(Duration({ description: "How long the link works (default 1 day, at most 366 days)" })),
      usageLimit: t.Optional(checkedByDomain(IntLike({ description: "How many accounts it may create (default 1)" }), { minimum: 1, maximum: 100 })),
      userGroupIds: t.Optional(t.Union([IdList(), ShortText(), t.Null()], { error: "must be a list of strings" })),
    },
    { $id: "SignupTokenInput" },
  ),
);

export const SignupToken = t.Object(
  {
    id: t.String(),
    prefix: t.String(),
    usageLimit: t.Integer(),
    usageCount: t.Integer(),
    createdAt: Nullable(IsoTime),
    expiresAt: Nullable(IsoTime),
    expired: t.Boolean(),
    userGroupIds: t.Array(t.String()),
  },
  { $id: "SignupToken" },
);

export const SignupTokenCreated = t.Composite([SignupToken, t.Object({ token: t.String(), url: t.String() })], {
  $id: "SignupTokenCreated",
  description: "The token and its link are shown only here and only once.",
});

export const SignupInput = Input(
  {
    username: Maybe(ShortText()),
    email: Maybe(ShortText()),
    firstName: Maybe(ShortText()),
    lastName: Maybe(ShortText()),
    token: Maybe(ShortText({ description: "The sign-up token, when sign-ups are withToken" })),
  },
  { $id: "SignupInput", description: "username and firstName are required; email too when requireUserEmail is on." },
);

export const SetupInput = Input(
  {
    username: Maybe(ShortText()),
    email: Maybe(ShortText()),
    firstName: Maybe(ShortText()),
    lastName: Maybe(ShortText()),
  },
  { $id: "SetupInput", description: "The first administrator: username and firstName are required; email too when requireUserEmail is on." },
);
