/**
 * GET /api/openapi.json: the OpenAPI 3.1 description of the admin REST API.
 * The operation table below is checked against the mounted routes by a test
 * (tests/unit/admin/openapi.test.ts): a route without an entry, or an entry without a route, fails.
 */
import { Elysia } from "elysia";
import { VERSION } from "../../version.ts";
import { jsonResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";

type Auth = "admin" | "user" | "session" | "none";
interface Op {
  method: "get" | "post" | "put" | "delete";
  path: string;
  summary: string;
  auth: Auth;
  tag: string;
  body?: string | { multipart: true };
  response?: string;
  status?: number;
  list?: boolean;
  /** The body may be omitted (every field optional). */
  bodyOptional?: boolean;
  /** When the operation answers 409, and why. */
  conflict?: string;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const S = (type: string, extra: Record<string, unknown> = {}) => ({ type, ...extra });
const str = S("string");
const bool = S("boolean");
const date = S("string", { format: "date-time" });
const nullable = (s: object) => ({ anyOf: [s, { type: "null" }] });
const arr = (items: object) => ({ type: "array", items });
const obj = (properties: Record<string, object>, required: string[] = []) => ({ type: "object", properties, ...(required.length ? { required } : {}) });

export const OPERATIONS: Op[] = [
  { method: "get", path: "/api/users", summary: "List and search users", auth: "admin", tag: "Users", response: "User", list: true },
  { method: "post", path: "/api/users", summary: "Create a user", auth: "admin", tag: "Users", body: "UserInput", response: "User", status: 201 },
  { method: "get", path: "/api/users/{id}", summary: "Get a user", auth: "admin", tag: "Users", response: "User" },
  { method: "put", path: "/api/users/{id}", summary: "Update a user", auth: "admin", tag: "Users", body: "UserInput", response: "User" },
  { method: "delete", path: "/api/users/{id}", summary: "Delete a user", auth: "admin", tag: "Users", status: 204 },
  { method: "get", path: "/api/users/{id}/groups", summary: "Groups of a user", auth: "admin", tag: "Users", response: "UserGroup[]" },
  { method: "put", path: "/api/users/{id}/user-groups", summary: "Set the groups of a user ({userGroupIds})", auth: "admin", tag: "Users", body: "UserGroupIds", response: "User" },
  { method: "get", path: "/api/users/{id}/webauthn-credentials", summary: "Passkeys of a user", auth: "admin", tag: "Users", response: "Passkey[]" },
  { method: "delete", path: "/api/users/{id}/webauthn-credentials/{credentialId}", summary: "Delete a passkey of a user", auth: "admin", tag: "Users", status: 204 },
  { method: "post", path: "/api/users/{id}/one-time-access-email", summary: "Email the user a login code ({ttl}, default 1h; 403 unless emailOneTimeAccessAsAdminEnabled)", auth: "admin", tag: "Users", body: "Ttl", status: 204 },
  { method: "post", path: "/api/users/{id}/one-time-access-token", summary: "Create a login code/link for a user ({ttl}: e.g. 15m, 1h; default 15m)", auth: "admin", tag: "Users", body: "Ttl", response: "LoginCode", status: 201 },
  { method: "get", path: "/api/users/{id}/sessions", summary: "Browser sessions of a user", auth: "admin", tag: "Users", response: "Session[]" },
  { method: "delete", path: "/api/users/{id}/sessions/{sessionId}", summary: "End a session of a user", auth: "admin", tag: "Users", status: 204 },
  { method: "get", path: "/api/users/{id}/profile-picture.png", summary: "Profile picture (uploaded, or a generated initials PNG); the picture claim", auth: "none", tag: "Profile pictures" },
  { method: "put", path: "/api/users/{id}/profile-picture", summary: "Upload a user's picture (multipart field file; PNG/JPEG/GIF/WebP ≤ 2 MB, checked by content)", auth: "admin", tag: "Profile pictures", body: { multipart: true }, status: 204 },
  { method: "delete", path: "/api/users/{id}/profile-picture", summary: "Reset a user's picture to initials", auth: "admin", tag: "Profile pictures", status: 204 },
  { method: "put", path: "/api/users/me/profile-picture", summary: "Upload your own picture", auth: "user", tag: "Profile pictures", body: { multipart: true }, status: 204 },
  { method: "delete", path: "/api/users/me/profile-picture", summary: "Reset your own picture", auth: "user", tag: "Profile pictures", status: 204 },
  { method: "get", path: "/api/user-groups", summary: "List and search groups", auth: "admin", tag: "User groups", response: "UserGroupWithCount", list: true },
  { method: "post", path: "/api/user-groups", summary: "Create a group (name derived from friendlyName when omitted)", auth: "admin", tag: "User groups", body: "UserGroupInput", response: "UserGroupDetail", status: 201 },
  { method: "get", path: "/api/user-groups/{id}", summary: "Get a group with members and allowed clients", auth: "admin", tag: "User groups", response: "UserGroupDetail" },
  { method: "put", path: "/api/user-groups/{id}", summary: "Update a group", auth: "admin", tag: "User groups", body: "UserGroupInput", response: "UserGroupDetail" },
  { method: "delete", path: "/api/user-groups/{id}", summary: "Delete a group", auth: "admin", tag: "User groups", status: 204 },
  { method: "put", path: "/api/user-groups/{id}/users", summary: "Set the members ({userIds})", auth: "admin", tag: "User groups", body: "UserIds", response: "UserGroupDetail" },
  { method: "put", path: "/api/user-groups/{id}/allowed-oidc-clients", summary: "Set the clients the group may use ({oidcClientIds})", auth: "admin", tag: "User groups", body: "ClientIds", response: "UserGroupDetail" },
  { method: "get", path: "/api/custom-claims/suggestions", summary: "Claim keys in use", auth: "admin", tag: "Custom claims", response: "string[]" },
  { method: "put", path: "/api/custom-claims/user/{userId}", summary: "Replace a user's custom claims", auth: "admin", tag: "Custom claims", body: "CustomClaim[]", response: "CustomClaim[]" },
  { method: "put", path: "/api/custom-claims/user-group/{userGroupId}", summary: "Replace a group's custom claims", auth: "admin", tag: "Custom claims", body: "CustomClaim[]", response: "CustomClaim[]" },
  { method: "get", path: "/api/oidc/clients", summary: "List and search OIDC clients", auth: "admin", tag: "OIDC clients", response: "Client", list: true },
  { method: "post", path: "/api/oidc/clients", summary: "Create a client (confidential clients get their first secret in the answer, once)", auth: "admin", tag: "OIDC clients", body: "ClientInput", response: "ClientCreated", status: 201 },
  { method: "get", path: "/api/oidc/clients/{id}", summary: "Get a client", auth: "admin", tag: "OIDC clients", response: "Client" },
  { method: "put", path: "/api/oidc/clients/{id}", summary: "Update a client (omitted fields keep their value)", auth: "admin", tag: "OIDC clients", body: "ClientInput", response: "Client" },
  { method: "delete", path: "/api/oidc/clients/{id}", summary: "Delete a client", auth: "admin", tag: "OIDC clients", status: 204 },
  { method: "put", path: "/api/oidc/clients/{id}/allowed-user-groups", summary: "Set the allowed groups ({userGroupIds})", auth: "admin", tag: "OIDC clients", body: "UserGroupIds", response: "Client" },
  { method: "get", path: "/api/oidc/clients/{id}/meta", summary: "Public client metadata (name, description, logos, launch URL, re-authentication)", auth: "none", tag: "OIDC clients" },
  { method: "get", path: "/api/oidc/clients/{id}/logo", summary: "Client logo (?light=false for the dark variant, falling back to light)", auth: "none", tag: "OIDC clients" },
  { method: "post", path: "/api/oidc/clients/{id}/logo", summary: "Upload a logo (multipart field file; PNG/JPEG/GIF/WebP ≤ 2 MB; ?light=false for dark)", auth: "admin", tag: "OIDC clients", body: { multipart: true }, status: 204 },
  { method: "delete", path: "/api/oidc/clients/{id}/logo", summary: "Delete a logo (?light=false for dark)", auth: "admin", tag: "OIDC clients", status: 204 },
  { method: "get", path: "/api/oidc/clients/{id}/secrets", summary: "List secrets (prefix, created, expiry)", auth: "admin", tag: "OIDC clients", response: "ClientSecret[]" },
  {
    method: "post",
    path: "/api/oidc/clients/{id}/secrets",
    summary: "Create a secret ({secret?, expiresAt?}): generated and returned once, or the given value (declarative, as in Pocket ID v2.12); either is returned once in `secret`",
    auth: "admin",
    tag: "OIDC clients",
    body: "ClientSecretInput",
    bodyOptional: true,
    response: "ClientSecretCreated",
    status: 201,
    conflict: "The given value is already a secret of this client (live, or expired and not revoked) or of another client",
  },
  { method: "delete", path: "/api/oidc/clients/{id}/secrets/{secretId}", summary: "Revoke a secret", auth: "admin", tag: "OIDC clients", status: 204 },
  { method: "get", path: "/api/oidc/users/me/clients", summary: "Apps you may use (My apps)", auth: "user", tag: "My apps", response: "LaunchableApp", list: true },
  { method: "get", path: "/api/oidc/users/me/authorized-clients", summary: "Apps you authorized", auth: "user", tag: "My apps", response: "AuthorizedApp", list: true },
  { method: "delete", path: "/api/oidc/users/me/authorized-clients/{clientId}", summary: "Revoke an app's access (ends its tokens)", auth: "user", tag: "My apps", status: 204 },
  { method: "get", path: "/api/oidc/users/{id}/authorized-clients", summary: "Apps a user authorized", auth: "admin", tag: "My apps", response: "AuthorizedApp", list: true },
  { method: "get", path: "/api/signup-tokens", summary: "List sign-up tokens", auth: "admin", tag: "Sign-ups", response: "SignupToken", list: true },
  { method: "post", path: "/api/signup-tokens", summary: "Create a sign-up token ({ttl, usageLimit 1–100, userGroupIds}); token and URL returned once", auth: "admin", tag: "Sign-ups", body: "SignupTokenInput", response: "SignupTokenCreated", status: 201 },
  { method: "delete", path: "/api/signup-tokens/{id}", summary: "Delete a sign-up token", auth: "admin", tag: "Sign-ups", status: 204 },
  { method: "post", path: "/api/signup", summary: "Self sign-up (open, or withToken + token); starts a session; add a passkey next", auth: "none", tag: "Sign-ups", body: "SignupInput", response: "User", status: 201 },
  { method: "get", path: "/api/application-configuration", summary: "Public configuration [{key, type, value}]", auth: "none", tag: "Application configuration", response: "ConfigEntry[]" },
  { method: "get", path: "/api/application-configuration/all", summary: "All configuration (with isPublic)", auth: "admin", tag: "Application configuration", response: "ConfigEntry[]" },
  { method: "put", path: "/api/application-configuration", summary: "Update configuration ({key: value}; empty resets to default; 403 with UI_CONFIG_DISABLED)", auth: "admin", tag: "Application configuration", body: "ConfigInput", response: "ConfigEntry[]" },
  { method: "post", path: "/api/application-configuration/test-email", summary: "Send a test email to the caller's address (204; 400 with the SMTP server's error in plain words)", auth: "admin", tag: "Application configuration", status: 204 },
  { method: "post", path: "/api/one-time-access-email", summary: "Email me a login code ({email, redirectPath}); 204 whether or not the address exists; the code works only in this browser", auth: "none", tag: "Application configuration", body: "EmailLoginCodeRequest", status: 204 },
  { method: "post", path: "/api/application-configuration/sync-ldap", summary: "Run the LDAP sync now (204; 409 with the reason when it could not run, nothing changed)", auth: "admin", tag: "Application configuration", status: 204 },
  { method: "post", path: "/api/application-configuration/test-ldap", summary: "Test the stored LDAP settings: bind and searches, in plain words", auth: "admin", tag: "Application configuration", response: "LdapConnectionReport" },
  { method: "get", path: "/api/api-keys", summary: "Your API keys", auth: "user", tag: "API keys", response: "ApiKey", list: true },
  { method: "post", path: "/api/api-keys", summary: "Create an API key ({name, description?, expiresAt ≤ apiKeyMaxLifetimeDays ahead}); browser session with a fresh passkey check (re-authentication cookie or a passkey sign-in < 60 s ago, else 403 reauthentication_required); the key is returned once", auth: "session", tag: "API keys", body: "ApiKeyInput", response: "ApiKeyCreated", status: 201 },
  { method: "post", path: "/api/api-keys/{id}/renew", summary: "Renew an expired key ({expiresAt ≤ apiKeyMaxLifetimeDays ahead}): new value (returned once), same id; browser session with a fresh passkey check, as for creating", auth: "session", tag: "API keys", body: "SecretInput", response: "ApiKeyCreated" },
  { method: "delete", path: "/api/api-keys/{id}", summary: "Revoke one of your API keys", auth: "user", tag: "API keys", status: 204 },
  { method: "get", path: "/api/application-images/{kind}", summary: "Branding image: logo (?light=false for dark), favicon, background", auth: "none", tag: "Application configuration" },
  { method: "put", path: "/api/application-images/{kind}", summary: "Upload a branding image (multipart field file; PNG/JPEG/GIF/WebP, ICO for favicon; ≤ 2 MB)", auth: "admin", tag: "Application configuration", body: { multipart: true }, status: 204 },
  { method: "delete", path: "/api/application-images/{kind}", summary: "Remove a branding image", auth: "admin", tag: "Application configuration", status: 204 },
  { method: "get", path: "/api/protected-apps", summary: "Protected apps (forward-auth)", auth: "admin", tag: "Protected apps", response: "ProtectedApp[]" },
  { method: "post", path: "/api/protected-apps", summary: "Add a protected app (restricted to userGroupIds; nobody when empty unless isGroupRestricted is false)", auth: "admin", tag: "Protected apps", body: "ProtectedAppInput", response: "ProtectedApp", status: 201 },
  { method: "get", path: "/api/protected-apps/{id}", summary: "Get a protected app", auth: "admin", tag: "Protected apps", response: "ProtectedApp" },
  { method: "put", path: "/api/protected-apps/{id}", summary: "Update a protected app (omitted fields keep their value)", auth: "admin", tag: "Protected apps", body: "ProtectedAppInput", response: "ProtectedApp" },
  { method: "put", path: "/api/protected-apps/{id}/allowed-user-groups", summary: "Set the groups that may use it ({userGroupIds})", auth: "admin", tag: "Protected apps", body: "UserGroupIds", response: "ProtectedApp" },
  { method: "delete", path: "/api/protected-apps/{id}", summary: "Delete a protected app", auth: "admin", tag: "Protected apps", status: 204 },
  { method: "get", path: "/api/openapi.json", summary: "This document", auth: "none", tag: "Meta" },
];

const claim = obj({ key: str, value: str }, ["key", "value"]);
const groupBrief = obj({ id: str, name: str, friendlyName: str });
const SCHEMAS: Record<string, object> = {
  Error: obj({ error: S("string", { examples: ["bad_request", "unauthenticated", "forbidden", "not_found"] }), message: str, fields: S("object", { additionalProperties: str, description: "Field-level messages (validation errors, status 400)" }) }, ["error", "message"]),
  Pagination: obj({ totalPages: S("integer"), totalItems: S("integer"), currentPage: S("integer"), itemsPerPage: S("integer") }),
  CustomClaim: claim,
  User: obj({ id: str, username: str, email: nullable(str), emailVerified: bool, firstName: str, lastName: str, displayName: str, isAdmin: bool, disabled: bool, locale: nullable(str), ldapId: nullable(str), createdAt: date, customClaims: arr(claim), userGroups: arr(groupBrief) }),
  UserInput: obj({ id: S("string", { format: "uuid" }), username: str, email: str, firstName: str, lastName: str, displayName: str, isAdmin: bool, disabled: bool, emailVerified: bool, locale: str, userGroupIds: arr(str) }, ["username", "firstName"]),
  UserGroupIds: obj({ userGroupIds: arr(str) }, ["userGroupIds"]),
  ProtectedApp: obj({
    id: str, name: str, hosts: arr(str), pathPrefix: str, isGroupRestricted: bool, reauthMaxAgeMinutes: nullable(S("integer")),
    passHeaders: arr(S("string", { enum: ["Remote-User", "Remote-Groups", "Remote-Email", "Remote-Name"] })), allowedUserGroupIds: arr(str), createdAt: date, updatedAt: date,
  }),
  ProtectedAppInput: obj({
    name: str, hosts: arr(S("string", { examples: ["app.example.com", "app.example.com:8443", "*.apps.example.com"] })), pathPrefix: S("string", { default: "/" }),
    isGroupRestricted: S("boolean", { default: true }), reauthMaxAgeMinutes: nullable(S("integer", { minimum: 1 })),
    passHeaders: arr(S("string", { enum: ["Remote-User", "Remote-Groups", "Remote-Email", "Remote-Name"] })), userGroupIds: arr(str),
  }, ["name", "hosts"]),
  UserIds: obj({ userIds: arr(str) }, ["userIds"]),
  ClientIds: obj({ oidcClientIds: arr(str) }, ["oidcClientIds"]),
  Ttl: obj({ ttl: S("string", { examples: ["15m", "1h", "7d"] }) }),
  EmailLoginCodeRequest: obj({ email: S("string", { format: "email" }), redirectPath: str }, ["email"]),
  LoginCode: obj({ token: str, expiresAt: date, url: str }),
  Passkey: obj({ id: str, name: str, createdAt: date, lastUsedAt: nullable(date), backupEligible: bool, deviceType: str }),
  Session: obj({ id: str, createdAt: date, lastSeenAt: date, expiresAt: date, ipAddress: nullable(str), userAgent: nullable(str), amr: arr(str) }),
  LdapConnectionReport: obj({ ok: bool, lines: arr(obj({ ok: bool, text: str })) }),
  UserGroup: obj({ id: str, name: str, friendlyName: str, ldapId: nullable(str), createdAt: date, customClaims: arr(claim) }),
  UserGroupWithCount: { allOf: [ref("UserGroup"), obj({ userCount: S("integer") })] },
  UserGroupDetail: { allOf: [ref("UserGroup"), obj({ users: arr(ref("User")), allowedOidcClients: arr(obj({ id: str, name: str })) })] },
  UserGroupInput: obj({ friendlyName: str, name: str }, ["friendlyName"]),
  Client: obj({
    id: str, name: str, description: str, callbackURLs: arr(str), logoutCallbackURLs: arr(str), launchURL: nullable(str), isPublic: bool, pkceEnabled: bool,
    requiresReauthentication: bool, skipConsent: bool, isGroupRestricted: bool, accessTokenDurationMinutes: S("integer"), refreshTokenDurationMinutes: S("integer"),
    requirePar: bool, backchannelLogoutUri: nullable(str),
    // null: not chosen, either secret method is accepted; tokenEndpointAuthMethods lists what is accepted.
    tokenEndpointAuthMethod: nullable(S("string", { enum: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"] })),
    tokenEndpointAuthMethods: arr(S("string", { enum: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"] })),
    jwks: nullable(S("object")), jwksUri: nullable(str), credentialsScopes: arr(str),
    hasLogo: bool, hasDarkLogo: bool, allowedUserGroups: arr(groupBrief), createdAt: date,
  }),
  ClientCreated: { allOf: [ref("Client"), obj({ secret: str, secretId: str })] },
  ClientInput: obj({
    id: S("string", { pattern: "^[A-Za-z0-9._-]{2,128}$" }), name: str, description: str, callbackURLs: arr(str), logoutCallbackURLs: arr(str), launchURL: nullable(str),
    isPublic: bool, pkceEnabled: bool, requiresReauthentication: bool, skipConsent: bool, isGroupRestricted: bool, allowedUserGroupIds: arr(str),
    accessTokenDurationMinutes: S("integer"), refreshTokenDurationMinutes: S("integer"),
    requirePar: bool, backchannelLogoutUri: nullable(str),
    tokenEndpointAuthMethod: nullable(S("string", { enum: ["client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret", "none"] })),
    jwks: nullable(S("object")), jwksUri: nullable(str), credentialsScopes: arr(str),
  }, ["name", "callbackURLs"]),
  ClientSecret: obj({ id: str, prefix: S("string", { description: "The first 4 characters of the secret" }), createdAt: date, expiresAt: nullable(date), expired: bool, isActive: S("boolean", { description: "Not expired (Pocket ID's name)" }) }),
  ClientSecretCreated: { allOf: [ref("ClientSecret"), obj({ secret: S("string", { description: "The generated value, shown only here and only once; absent when the value was given" }) })] },
  ClientSecretInput: obj({
    secret: S("string", {
      minLength: 32,
      maxLength: 512,
      pattern: "^[!-~]+$",
      description:
        "Optional: the value to use instead of a generated one. 32–512 printable ASCII characters without spaces (\"!\" to \"~\"), since clients send it in a Basic header and in form bodies. In a Basic header clients must form-encode it (RFC 6749 2.3.1); letters, digits and - . _ ~ need no encoding. Absent, null or empty: a 32-character value is generated.",
    }),
    expiresAt: S("string", { format: "date-time", description: "Optional: the secret stops working at this time (must be in the future)" }),
  }),
  SecretInput: obj({ expiresAt: date }),
  LaunchableApp: obj({ id: str, name: str, description: str, launchUrl: nullable(str), hasLogo: bool }),
  AuthorizedApp: obj({ client: obj({ id: str, name: str, hasLogo: bool }), scope: str, lastUsedAt: date }),
  SignupToken: obj({ id: str, prefix: str, usageLimit: S("integer"), usageCount: S("integer"), createdAt: date, expiresAt: date, expired: bool, userGroupIds: arr(str) }),
  SignupTokenCreated: { allOf: [ref("SignupToken"), obj({ token: str, url: str })] },
  SignupTokenInput: obj({ ttl: S("string", { examples: ["1h", "7d"] }), usageLimit: S("integer", { minimum: 1, maximum: 100 }), userGroupIds: arr(str) }),
  SignupInput: obj({ username: str, email: str, firstName: str, lastName: str, token: str }, ["username", "firstName"]),
  ConfigEntry: obj({ key: str, type: S("string", { enum: ["string", "number", "bool", "array"] }), value: str, isPublic: bool }),
  ConfigInput: S("object", { additionalProperties: true, description: "appName, sessionDuration, homePageUrl, emailsVerified, accentColor, disableAnimations, allowOwnAccountEdit, allowUserSignups, signupDefaultUserGroupIDs, signupDefaultCustomClaims, requireUserEmail, webauthn*" }),
  ApiKey: obj({ id: str, name: str, description: str, prefix: str, createdAt: date, expiresAt: date, lastUsedAt: nullable(date) }),
  ApiKeyCreated: obj({ apiKey: ref("ApiKey"), token: str }),
  ApiKeyInput: obj({ name: S("string", { minLength: 3, maxLength: 50 }), description: str, expiresAt: date }, ["name", "expiresAt"]),
};

function schemaOf(name: string): object {
  if (name.endsWith("[]")) {
    const inner = name.slice(0, -2);
    return arr(inner === "string" ? str : ref(inner));
  }
  return ref(name);
}

const LIST_PARAMS = [
  { name: "pagination[page]", in: "query", schema: S("integer", { minimum: 1 }) },
  { name: "pagination[limit]", in: "query", schema: S("integer", { minimum: 1, maximum: 100 }) },
  { name: "sort[column]", in: "query", schema: str },
  { name: "sort[direction]", in: "query", schema: S("string", { enum: ["asc", "desc"] }) },
  { name: "search", in: "query", schema: str },
];

export function buildOpenApi(appUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: str }));
    const ok = op.status ?? 200;
    const responses: Record<string, unknown> = {
      [String(ok)]: ok === 204 ? { description: "Done" } : { description: "OK", content: op.response ? { "application/json": { schema: op.list ? obj({ data: arr(ref(op.response)), pagination: ref("Pagination") }) : schemaOf(op.response) } } : undefined },
    };
    const err = (d: string) => ({ description: d, content: { "application/json": { schema: ref("Error") } } });
    if (op.body) responses["400"] = err("Validation failed (field messages in `fields`)");
    if (op.auth !== "none") responses["401"] = err("No or invalid credentials (unknown or expired API key)");
    if (op.auth === "admin" || op.auth === "session") responses["403"] = err(op.auth === "admin" ? "Not an administrator" : "API keys are refused here");
    if (params.length) responses["404"] = err("Unknown id");
    if (op.conflict) responses["409"] = err(op.conflict);
    const body =
      op.body === undefined
        ? undefined
        : typeof op.body === "object"
          ? { required: true, content: { "multipart/form-data": { schema: obj({ file: S("string", { format: "binary" }) }, ["file"]) } } }
          : { required: !op.bodyOptional, content: { "application/json": { schema: schemaOf(op.body) } } };
    const security = op.auth === "none" ? [] : op.auth === "session" ? [{ session: [] }] : [{ apiKey: [] }, { session: [] }];
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      tags: [op.tag],
      parameters: [...params, ...(op.list ? LIST_PARAMS : [])],
      ...(body ? { requestBody: body } : {}),
      responses,
      security,
      ...(op.auth === "admin" ? { description: "Requires an administrator (API key of an admin user, STATIC_API_KEY, or an admin browser session with X-CSRF-Token)." } : {}),
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Latchkey admin API", version: VERSION, description: "Pocket ID-compatible administration API. Authenticate with the X-API-Key header (create keys under Administration → API keys, or set STATIC_API_KEY)." },
    servers: [{ url: appUrl }],
    components: {
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        session: { type: "apiKey", in: "cookie", name: "latchkey_session", description: "Browser session; unsafe methods also need the X-CSRF-Token header." },
      },
      schemas: SCHEMAS,
    },
    paths,
  };
}

export function apiOpenApiRoutes(web: WebDeps) {
  let cached: string | null = null;
  return new Elysia({ name: "api-openapi" }).get("/api/openapi.json", () => {
    cached ??= JSON.stringify(buildOpenApi(web.config.appUrl));
    return new Response(cached, { headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache" } });
  });
}
