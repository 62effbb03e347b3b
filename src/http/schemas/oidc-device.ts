/** Pocket ID's JSON form of /device (src/http/routes/oidc.ts): the code as ?code= or {code}; the domain checks it. */
import { t } from "elysia";
import { Input, Maybe, Nullable, OptionalBody, ShortText } from "./common.ts";

const codeField = () => ShortText({ description: "The user code the device shows (XXXX-XXXX; case, dashes and spaces do not matter)" });

export const DeviceCodeQuery = Input({ code: t.Optional(codeField()) });

export const DeviceCodeBody = OptionalBody(Input({ code: Maybe(codeField()) }, { $id: "DeviceCode" }));

export const DeviceAuthorizationInfo = t.Object(
  {
    scope: t.String({ description: "The scopes asked for, space-separated" }),
    authorizationRequired: t.Boolean({ description: "True when the person has not yet consented to all of them" }),
    client: t.Object({
      id: t.String(),
      name: t.String(),
      description: Nullable(t.String()),
      hasLogo: t.Boolean(),
      hasDarkLogo: t.Boolean(),
      launchURL: Nullable(t.String()),
      requiresReauthentication: t.Boolean(),
      clientType: t.String(),
    }),
  },
  { $id: "DeviceAuthorizationInfo" },
);
