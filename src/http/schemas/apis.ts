/** Request and response schemas of the API resources admin API (Pocket ID v2.10+ JSON: src/admin/apis.ts). */
import { t } from "elysia";
import { checkedByDomain, IdList, Input, IsoTime, LongText, MAX_LIST, Maybe, Nullable, ShortText } from "./common.ts";

const Flag = () => Maybe(t.Boolean(), { error: "must be true or false" });
const PermissionIds = () => Maybe(IdList(), { error: "must be a list of permission ids" });

export const ApiCreateInput = Input(
  {
    name: Maybe(checkedByDomain(ShortText(), { minLength: 1, maxLength: 50 })),
    resource: Maybe(
      checkedByDomain(LongText({ description: "The resource identifier (RFC 8707) and token audience; cannot be changed later" }), {
        maxLength: 350,
        format: "uri",
      }),
    ),
  },
  { $id: "ApiCreateInput", description: "name and resource are required; resource is an absolute URI without fragment." },
);

export const ApiUpdateInput = Input({ name: Maybe(checkedByDomain(ShortText(), { minLength: 1, maxLength: 50 })) }, { $id: "ApiUpdateInput", description: "Only the name can change." });

export const ApiPermissionInput = Input(
  {
    key: Maybe(checkedByDomain(ShortText({ description: "The scope string" }), { minLength: 1, maxLength: 128 })),
    name: Maybe(checkedByDomain(ShortText(), { minLength: 1, maxLength: 50 })),
    description: Maybe(checkedByDomain(LongText(), { maxLength: 200 })),
  },
  { $id: "ApiPermissionInput" },
);

export const ApiPermissionsInput = Input(
  { permissions: Maybe(t.Array(ApiPermissionInput, { maxItems: MAX_LIST }), { error: "must be a list of permissions" }) },
  { $id: "ApiPermissionsInput", description: "The whole list of permissions; matched by key (kept keys keep their grants)." },
);

export const ApiCimdAccessInput = Input({ enabled: Flag(), permissionIds: PermissionIds() }, { $id: "ApiCimdAccessInput" });

export const ApiClientGrantInput = Input(
  { userDelegatedAccess: Flag(), clientAccess: Flag(), userDelegatedPermissionIds: PermissionIds(), clientPermissionIds: PermissionIds() },
  { $id: "ApiClientGrantInput", description: "A permission implies access for its subject type. Public clients cannot get client access." },
);

export const ApiPermission = t.Object(
  { id: t.String(), key: t.String(), name: t.String(), description: t.Optional(t.String()), allowedForCimdClients: t.Boolean() },
  { $id: "ApiPermission" },
);

export const Api = t.Object(
  { id: t.String(), name: t.String(), resource: t.String(), createdAt: Nullable(IsoTime), permissions: t.Array(ApiPermission), allowCimdClients: t.Boolean() },
  { $id: "Api" },
);

export const ApiClient = t.Object(
  { id: t.String(), name: t.String(), clientType: t.String(), isPublic: t.Boolean(), hasLogo: t.Boolean(), hasDarkLogo: t.Boolean() },
  { $id: "ApiClient" },
);

const grantFields = {
  userDelegatedAccess: t.Boolean(),
  clientAccess: t.Boolean(),
  userDelegatedPermissionIds: t.Array(t.String()),
  clientPermissionIds: t.Array(t.String()),
};
const cimdFields = { cimdGrantedAccess: t.Boolean(), cimdGrantedPermissionIds: t.Array(t.String()) };

export const ApiClientGrant = t.Object(grantFields, { $id: "ApiClientGrant" });
export const ApiClientAccess = t.Object({ client: ApiClient, ...grantFields, ...cimdFields }, { $id: "ApiClientAccess" });
export const ClientApiGrant = t.Object({ api: Api, ...grantFields, ...cimdFields }, { $id: "ClientApiGrant" });
