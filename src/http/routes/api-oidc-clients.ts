/**
 * Admin REST API for OIDC clients (Pocket ID paths): /api/oidc/clients…
 * The rules and the audit live in src/oidc/client-input.ts and src/admin/oidc-clients.ts; this module shapes JSON.
 */
import { decodeClientIdParams } from "../client-id-param.ts";
import { Elysia, t } from "elysia";
import { clientDto, clientInputFromJson, listClientsPage } from "../../admin/oidc-client-admin.ts";
import { parseListQuery } from "../../admin/pagination.ts";
import { FieldErrors, strList, timestamp } from "../../admin/validation.ts";
import { AppError } from "../../errors.ts";
import { msg } from "../../i18n/message.ts";
import { createClient, deleteClient, refreshDocumentClient, setAllowedGroups, updateClient } from "../../admin/oidc-clients.ts";
import { createClientSecret, listClientSecrets, revokeClientSecret } from "../../oidc/client-secrets.ts";
import { findClientById, type OidcClient } from "../../oidc/clients.ts";
import type { Actor } from "../../audit/actor.ts";
import { isoTime } from "../../admin/pagination.ts";
import { apiCall } from "../admin-auth.ts";
import { actorOf } from "../request-context.ts";
import { apiOperation, LIST_ERRORS } from "../openapi.ts";
import { jsonResponse } from "../responses.ts";
import { clientLogo, downloadClientLogo, removeClientLogo, saveClientLogo } from "../../admin/client-logos.ts";
import { LightQuery, ListQuery, NoContent, Paginated, Upload } from "../schemas/common.ts";
import { Client, ClientCreated, ClientInput, ClientMeta, ClientPreview, ClientPreviewQuery, ClientSecret, ClientSecretCreated, ClientSecretInput } from "../schemas/oidc-clients.ts";
import { previewClientTokens } from "../../oidc/client-preview.ts";
import { UserGroupIds } from "../schemas/users.ts";
import { uploadedFile } from "./api-profile-pictures.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

function getClient(web: WebDeps, id: string) {
  const c = findClientById(web.db, id);
  if (!c) throw AppError.notFound(msg("clients.errorNoSuchClient"));
  return c;
}

const secretJson = (s: { id: string; prefix: string; createdAt: number; expiresAt: number | null; expired: boolean }) => ({
  id: s.id,
  prefix: s.prefix,
  createdAt: isoTime(s.createdAt),
  expiresAt: isoTime(s.expiresAt),
  expired: s.expired,
  // Pocket ID's name for "not expired" (its OidcClientSecretDto), so its automation reads it unchanged.
  isActive: !s.expired,
});

type Logos = { light: Uint8Array | null; dark: Uint8Array | null };

/** Pocket ID's logoUrl / darkLogoUrl: downloaded through the safe fetcher and checked (null, absent or "": no change). */
async function logosFromUrls(web: WebDeps, body: unknown): Promise<Logos> {
  const b = (body ?? {}) as { logoUrl?: unknown; darkLogoUrl?: unknown };
  const given = (v: unknown) => v !== undefined && v !== null && v !== "";
  return {
    light: given(b.logoUrl) ? await apiCall(() => downloadClientLogo(web, b.logoUrl, "logoUrl")) : null,
    dark: given(b.darkLogoUrl) ? await apiCall(() => downloadClientLogo(web, b.darkLogoUrl, "darkLogoUrl")) : null,
  };
}

/** Stores downloaded logos; the client as it is afterwards, or null when there was nothing to store. */
async function storeLogos(web: WebDeps, actor: Actor, clientId: string, logos: Logos): Promise<OidcClient | null> {
  if (!logos.light && !logos.dark) return null;
  if (logos.light) await saveClientLogo(web, actor, clientId, logos.light, false);
  if (logos.dark) await saveClientLogo(web, actor, clientId, logos.dark, true);
  return findClientById(web.db, clientId);
}

export function apiOidcClientRoutes(web: WebDeps) {
  return new Elysia({ name: "api-oidc-clients" })
    // A client id may arrive as ~base64url (an https URL id: src/http/client-id-param.ts).
    .onTransform(decodeClientIdParams)
    .use(routePolicy(web))
    .get("/api/oidc/clients", ({ query }) => {
      return jsonResponse(listClientsPage(web.db, parseListQuery(query)));
    }, { adminApi: true, budget: "admin-api", query: ListQuery, response: { 200: Paginated(Client) }, detail: apiOperation("OIDC clients", "List and search OIDC clients", { errors: LIST_ERRORS }) })
    .post("/api/oidc/clients", async ({ request, body, principal }) => {
      const input = clientInputFromJson(body, { creating: true });
      // Downloaded (and checked) before anything is written, so a refused logo URL leaves no client behind.
      const logos = await logosFromUrls(web, body);
      const actor = actorOf(request, principal);
      const { client, secret } = apiCall(() => createClient(web, actor, input));
      const stored = await storeLogos(web, actor, client.id, logos);
      return jsonResponse({ ...clientDto(web.db, stored ?? client), ...(secret ? { secret: secret.secret, secretId: secret.id } : {}) }, { status: 201 });
    }, { adminApi: true, budget: "admin-api", body: ClientInput, response: { 201: ClientCreated }, detail: apiOperation("OIDC clients", "Create a client (confidential clients get their first secret in the answer, once)") })
    .get("/api/oidc/clients/:id", ({ params }) => {
      return jsonResponse(clientDto(web.db, getClient(web, params.id)));
    }, { adminApi: true, budget: "admin-api", response: { 200: Client }, detail: apiOperation("OIDC clients", "Get a client") })
    .put("/api/oidc/clients/:id", async ({ request, params, body, principal }) => {
      const current = getClient(web, params.id);
      // Omitted fields keep their value, so `{"isGroupRestricted": false}` alone is a valid update.
      const input = clientInputFromJson(body, { creating: false });
      if (input.name === undefined) input.name = current.name;
      if (input.callbackUrls === undefined) input.callbackUrls = current.callbackUrls;
      const logos = await logosFromUrls(web, body);
      const actor = actorOf(request, principal);
      const client = apiCall(() => updateClient(web, actor, params.id, input));
      return jsonResponse(clientDto(web.db, (await storeLogos(web, actor, client.id, logos)) ?? client));
    }, { adminApi: true, budget: "admin-api", body: ClientInput, response: { 200: Client }, detail: apiOperation("OIDC clients", "Update a client (omitted fields keep their value)") })
    .post("/api/oidc/clients/:id/refresh", async ({ request, params, principal }) => {
      getClient(web, params.id);
      const client = await apiCall(() => refreshDocumentClient(web, actorOf(request, principal), params.id));
      return jsonResponse(clientDto(web.db, client));
    }, {
      adminApi: true,
      budget: "admin-api",
      response: { 200: Client },
      detail: apiOperation("OIDC clients", "Fetch a Client ID Metadata Document client's document again now (Pocket ID v2.13); the stored client is unchanged when the document is refused", {
        errors: { 400: "Not a metadata document client, no longer on the allowlist, or the document was refused (the reason is in the message)" },
      }),
    })
    .delete("/api/oidc/clients/:id", ({ request, params, principal }) => {
      getClient(web, params.id);
      deleteClient(web, actorOf(request, principal), params.id);
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("OIDC clients", "Delete a client") })
    .put("/api/oidc/clients/:id/allowed-user-groups", ({ request, params, body, principal }) => {
      getClient(web, params.id);
      const errors = new FieldErrors();
      const ids = strList(errors, body, "userGroupIds");
      errors.throwIfAny();
      const client = apiCall(() => setAllowedGroups(web, actorOf(request, principal), params.id, ids));
      return jsonResponse(clientDto(web.db, client));
    }, { adminApi: true, budget: "admin-api", body: UserGroupIds, response: { 200: Client }, detail: apiOperation("OIDC clients", "Set the allowed groups ({userGroupIds})") })
    .get("/api/oidc/clients/:id/meta", ({ params }) => {
      // Public metadata (Pocket ID): what a sign-in page may show about a client, nothing secret.
      const c = getClient(web, params.id);
      return jsonResponse({ id: c.id, name: c.name, description: c.description, hasLogo: c.hasLogo, hasDarkLogo: c.hasDarkLogo, launchURL: c.launchUrl, requiresReauthentication: c.requiresReauthentication, clientType: c.clientType });
    }, { response: { 200: ClientMeta }, detail: apiOperation("OIDC clients", "Public client metadata (name, description, logos, launch URL, re-authentication)") })
    .get("/api/oidc/clients/:id/logo", ({ request, params, query }) => {
      const logo = clientLogo(web.db, params.id, query.light === "false");
      if (!logo) throw AppError.notFound(msg("clients.errorNoLogo"));
      const etag = `"${logo.updatedAt}-${logo.data.length}"`;
      const headers = { "Content-Type": logo.type, "Cache-Control": "public, max-age=300", ETag: etag };
      if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
      return new Response(new Uint8Array(logo.data), { headers });
    }, { query: LightQuery, detail: apiOperation("OIDC clients", "Client logo (?light=false for the dark variant, falling back to light)") })
    .post("/api/oidc/clients/:id/logo", async ({ request, params, query, body, principal }) => {
      getClient(web, params.id);
      const dark = query.light === "false";
      await apiCall(async () => saveClientLogo(web, actorOf(request, principal), params.id, await uploadedFile(body), dark));
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", bodyLimit: "upload", query: LightQuery, body: Upload, response: { 204: NoContent }, detail: apiOperation("OIDC clients", "Upload a logo (multipart field file; PNG/JPEG/GIF/WebP ≤ 2 MB; ?light=false for dark)") })
    .delete("/api/oidc/clients/:id/logo", ({ request, params, query, principal }) => {
      getClient(web, params.id);
      const dark = query.light === "false";
      removeClientLogo(web, actorOf(request, principal), params.id, dark);
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", query: LightQuery, response: { 204: NoContent }, detail: apiOperation("OIDC clients", "Delete a logo (?light=false for dark)") })
    .get("/api/oidc/clients/:id/secrets", ({ params }) => {
      getClient(web, params.id);
      return jsonResponse(listClientSecrets(web, params.id).map(secretJson));
    }, { adminApi: true, budget: "admin-api", response: { 200: t.Array(ClientSecret) }, detail: apiOperation("OIDC clients", "List secrets (prefix, created, expiry)") })
    .post("/api/oidc/clients/:id/secrets", ({ request, params, body, principal }) => {
      getClient(web, params.id);
      const input = body ?? {};
      const errors = new FieldErrors();
      const expiresAt = timestamp(errors, input, "expiresAt");
      apiCall(() => errors.throwIfAny());
      // Pocket ID's `{secret?, expiresAt?}`: absent, null or "" → generated; a string → that value (declarative).
      // Never the value in the audit log: the domain records the secret by id and prefix only.
      const s = apiCall(() => createClientSecret(web, actorOf(request, principal), params.id, { expiresAt, secret: input.secret ?? null }));
      // Pocket ID's answer: the value in `secret`, generated or given (automation that reads it back keeps
      // working; a given value is only what the caller sent over the same channel). Shown this once.
      return jsonResponse({ ...secretJson(s), secret: s.secret }, { status: 201 });
    }, { adminApi: true, budget: "admin-api", body: ClientSecretInput, response: { 201: ClientSecretCreated }, detail: apiOperation("OIDC clients", "Create a secret ({secret?, expiresAt?}): generated and returned once, or the given value (declarative, as in Pocket ID v2.12); either is returned once in `secret`", { errors: { 409: "The given value is already a secret of this client (live, or expired and not revoked) or of another client" } }) })
    .delete("/api/oidc/clients/:id/secrets/:secretId", ({ request, params, principal }) => {
      getClient(web, params.id);
      if (!revokeClientSecret(web, actorOf(request, principal), params.id, params.secretId)) throw AppError.notFound(msg("clients.errorNoSuchSecret"));
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("OIDC clients", "Revoke a secret") })
    .get("/api/oidc/clients/:id/preview/:userId", ({ params, query }) => {
      const client = getClient(web, params.id);
      return jsonResponse(previewClientTokens({ db: web.db, clock: web.clock, random: web.random, issuer: web.config.appUrl }, client, params.userId, query.scopes));
    }, {
      adminApi: true,
      budget: "admin-api",
      query: ClientPreviewQuery,
      response: { 200: ClientPreview },
      detail: apiOperation("OIDC clients", "Preview the claims of the ID token, access token and userinfo answer this client would receive for a user (?scopes=openid profile email); nothing is signed or stored", {
        errors: { 403: "The user is disabled, or not in a group allowed to use the client", 404: "No such client or user" },
      }),
    });
}
