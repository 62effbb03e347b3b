/**
 * OIDC clients in the JSON API. Both spellings are accepted (Pocket ID's callbackURLs, launchURL… and
 * Latchkey's callbackUrls…; src/admin/oidc-client-admin.ts); the rules are src/oidc/client-input.ts's.
 */
import { t } from "elysia";
import { MAX_CALLBACK_URLS } from "../../oidc/client-input.ts";
import { MAX_GIVEN_SECRET_LENGTH, MIN_GIVEN_SECRET_LENGTH } from "../../oidc/client-secrets.ts";
import { checkedByDomain, GroupBrief, IdList, Input, IsoTime, LongText, MAX_LIST, Maybe, Nullable, OptionalBody, ShortText, Timestamp } from "./common.ts";

const Urls = () => Maybe(checkedByDomain(t.Array(LongText(), { maxItems: MAX_LIST }), { maxItems: MAX_CALLBACK_URLS }));
const Flag = () => Maybe(t.Boolean());
const Minutes = () => Maybe(checkedByDomain(t.Number(), { type: "integer", minimum: 1, maximum: 525_600 }));
const AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret", "none"];
const RESPONSE_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"];

/** Pocket ID's OidcClientFederatedIdentityDto; the rules (src/oidc/federated-identities.ts) are checked by the domain. */
const FederatedIdentityInput = t.Object(
  {
    issuer: Maybe(checkedByDomain(LongText({ description: "Required: the iss claim of the tokens (https URL), compared exactly" }), { maxLength: 1024 })),
    subject: Maybe(checkedByDomain(ShortText({ description: "The sub claim the tokens must carry; default: the client id" }), { maxLength: 512 })),
    audience: Maybe(checkedByDomain(ShortText({ description: "A value the aud claim must contain; default: APP_URL" }), { maxLength: 512 })),
    jwks: Maybe(checkedByDomain(LongText({ description: "The issuer's JWKS URL (https); default: issuer + /.well-known/jwks.json" }), { maxLength: 2048 })),
    replayProtection: Flag(),
  },
  { additionalProperties: true },
);
const FederatedIdentities = () =>
  Maybe(checkedByDomain(t.Array(FederatedIdentityInput, { maxItems: MAX_LIST }), { maxItems: 20 }), { error: "must be a list of {issuer, subject, audience, jwks, replayProtection}" });
const FederatedIdentity = t.Object({
  issuer: t.String(),
  subject: t.Optional(t.String()),
  audience: t.Optional(t.String()),
  jwks: t.Optional(t.String()),
  replayProtection: t.Boolean(),
});

export const ClientInput = Input(
  {
    id: Maybe(checkedByDomain(ShortText({ description: "Optional on creation; generated when absent" }), { pattern: "^[A-Za-z0-9._-]{2,128}$" })),
    name: Maybe(checkedByDomain(ShortText(), { maxLength: 100 })),
    description: Maybe(checkedByDomain(LongText(), { maxLength: 1000 })),
    callbackURLs: Urls(),
    callbackUrls: Urls(),
    logoutCallbackURLs: Urls(),
    logoutCallbackUrls: Urls(),
    launchURL: Maybe(LongText()),
    launchUrl: Maybe(LongText()),
    isPublic: Flag(),
    pkceEnabled: Flag(),
    requiresReauthentication: Flag(),
    skipConsent: Flag(),
    isGroupRestricted: Flag(),
    unrestricted: Flag(),
    allowedUserGroupIds: t.Optional(IdList()),
    allowedGroupIds: t.Optional(IdList()),
    accessTokenDurationMinutes: Minutes(),
    refreshTokenDurationMinutes: Minutes(),
    requirePar: Flag(),
    requiresPushedAuthorizationRequests: Flag(),
    requirePushedAuthorizationRequests: Flag(),
    backchannelLogoutUri: Maybe(LongText()),
    backchannelLogoutURL: Maybe(LongText()),
    tokenEndpointAuthMethod: Maybe(checkedByDomain(ShortText(), { enum: AUTH_METHODS })),
    jwks: Maybe(t.Union([t.Record(t.String(), t.Unknown()), LongText()], { description: "A JWK Set of public keys (object, or its JSON text)", error: "must be a JWK Set" })),
    jwksUri: Maybe(LongText()),
    jwksURL: Maybe(LongText()),
    credentialsScopes: Maybe(t.Union([t.Array(ShortText(), { maxItems: MAX_LIST }), LongText()], { error: "must be a list of scope names" })),
    credentials: Maybe(
      t.Object({ federatedIdentities: FederatedIdentities() }, { additionalProperties: true, description: "Pocket ID's credentials: its federatedIdentities replace the client's list (secrets are managed at …/secrets and ignored here)" }),
    ),
    federatedIdentities: FederatedIdentities(),
    logoUrl: Maybe(LongText({ description: "Pocket ID: an https URL the server downloads the light logo from (PNG, JPEG, GIF, WebP; ≤ 2 MB; public addresses only)" })),
    darkLogoUrl: Maybe(LongText({ description: "Pocket ID: the same for the dark logo" })),
  },
  {
    $id: "ClientInput",
    description:
      "name and callbackURLs are required on creation; on update, omitted fields keep their value " +
      "(credentials.federatedIdentities, or federatedIdentities, replaces the list when given). " +
      "Created without isGroupRestricted (or unrestricted), a client admits every user, as in Pocket ID, unless allowedUserGroupIds is given.",
  },
);

export const Client = t.Object(
  {
    id: t.String(),
    name: t.String(),
    description: t.String(),
    callbackURLs: t.Array(t.String()),
    logoutCallbackURLs: t.Array(t.String()),
    launchURL: Nullable(t.String()),
    isPublic: t.Boolean(),
    pkceEnabled: t.Boolean(),
    requiresReauthentication: t.Boolean(),
    skipConsent: t.Boolean(),
    isGroupRestricted: t.Boolean(),
    accessTokenDurationMinutes: t.Integer(),
    refreshTokenDurationMinutes: t.Integer(),
    requirePar: t.Boolean(),
    requiresPushedAuthorizationRequests: t.Boolean(),
    backchannelLogoutUri: Nullable(t.String()),
    backchannelLogoutURL: Nullable(t.String()),
    // null: no method chosen, either secret method is accepted; tokenEndpointAuthMethods lists what is accepted.
    tokenEndpointAuthMethod: Nullable(t.String({ enum: RESPONSE_AUTH_METHODS })),
    tokenEndpointAuthMethods: t.Array(t.String({ enum: RESPONSE_AUTH_METHODS })),
    jwks: Nullable(t.Record(t.String(), t.Unknown())),
    jwksUri: Nullable(t.String()),
    credentialsScopes: t.Array(t.String()),
    credentials: t.Object({ federatedIdentities: t.Array(FederatedIdentity) }),
    hasLogo: t.Boolean(),
    hasDarkLogo: t.Boolean(),
    allowedUserGroups: t.Array(GroupBrief),
    createdAt: Nullable(IsoTime),
    // Client ID Metadata Documents: "cimd" when the document at the id's URL is the registration.
    clientType: t.String({ enum: ["standard", "cimd"] }),
    metadataExpiresAt: Nullable(IsoTime),
    metadataGrantTypes: t.Array(t.String()),
  },
  { $id: "Client" },
);

export const ClientCreated = t.Composite([Client, t.Object({ secret: t.Optional(t.String()), secretId: t.Optional(t.String()) })], {
  $id: "ClientCreated",
  description: "A confidential client's first secret is in `secret`, shown only here.",
});

export const ClientMeta = t.Object(
  {
    id: t.String(),
    name: t.String(),
    description: t.String(),
    hasLogo: t.Boolean(),
    hasDarkLogo: t.Boolean(),
    launchURL: Nullable(t.String()),
    requiresReauthentication: t.Boolean(),
    clientType: t.String(),
  },
  { $id: "ClientMeta" },
);

export const ClientSecret = t.Object(
  {
    id: t.String(),
    prefix: t.String({ description: "The first 4 characters of the secret" }),
    createdAt: Nullable(IsoTime),
    expiresAt: Nullable(IsoTime),
    expired: t.Boolean(),
    isActive: t.Boolean({ description: "Not expired (Pocket ID's name)" }),
  },
  { $id: "ClientSecret" },
);

export const ClientSecretCreated = t.Composite(
  [ClientSecret, t.Object({ secret: t.String({ description: "The value, generated or given, shown only here and only once" }) })],
  { $id: "ClientSecretCreated" },
);

/** Pocket ID's `{secret?, expiresAt?}`: absent, null or "" → a generated value; a string → that value (declarative). */
export const ClientSecretInput = OptionalBody(
  Input(
    {
      secret: t.Optional(
        checkedByDomain(Nullable(LongText()), {
          minLength: MIN_GIVEN_SECRET_LENGTH,
          maxLength: MAX_GIVEN_SECRET_LENGTH,
          pattern: "^[!-~]+$",
          description:
            'Optional: the value to use instead of a generated one. 32–512 printable ASCII characters without spaces ("!" to "~"), since clients send it in a Basic header and in form bodies. In a Basic header clients must form-encode it (RFC 6749 2.3.1); letters, digits and - . _ ~ need no encoding. Absent, null or empty: a 32-character value is generated.',
        }),
      ),
      expiresAt: t.Optional(Timestamp({ description: "Optional: the secret stops working at this time (must be in the future)" })),
    },
    { $id: "ClientSecretInput" },
  ),
);

/** Pocket ID's `?scopes=` of the token preview: space- (or comma-) separated. */
export const ClientPreviewQuery = Input({ scopes: t.Optional(t.String({ maxLength: 1_000, description: "The scopes to preview, space-separated (e.g. openid profile email)" })) });

const Claims = t.Record(t.String(), t.Unknown());

export const ClientPreview = t.Object(
  {
    idToken: Nullable(Claims, { description: "The ID token's claims (null without openid)" }),
    accessToken: Claims,
    userInfo: Nullable(Claims, { description: "The userinfo answer (null without openid)" }),
  },
  { $id: "ClientPreview", description: "What this client would receive for this user and these scopes: claims only, nothing signed." },
);
