/**
 * Admin pages for OIDC clients: /settings/admin/oidc-clients[/new|/:id]. The rules live in src/oidc/client-input.ts
 * and src/admin/oidc-clients.ts; a new client admits nobody until groups are chosen or it is unrestricted.
 */
import { clientApiAccess } from "./admin-apis.ts";
import { decodeClientIdParams } from "../client-id-param.ts";
import { Elysia } from "elysia";
import { clientInputFromForm, federatedRowsFromForm, federatedRowsOf, listClientsPage } from "../../admin/oidc-client-admin.ts";
import { parseListQuery } from "../../admin/pagination.ts";
import { listGroupChoices } from "../../admin/user-groups.ts";
import { AppError } from "../../errors.ts";
import { msg } from "../../i18n/message.ts";
import { createClient, deleteClient, refreshDocumentClient, updateClient } from "../../admin/oidc-clients.ts";
import { createClientSecret, listClientSecrets, revokeClientSecret } from "../../oidc/client-secrets.ts";
import { findClientById, type OidcClient, EITHER_SECRET_METHOD } from "../../oidc/clients.ts";
import {
  ClientDetailContent,
  ClientDetailPage,
  ClientForm,
  ClientList,
  ClientsPage,
  DocumentSection,
  EMPTY_CLIENT,
  LogoSection,
  NewClientContent,
  NewClientPage,
  SecretsSection,
  type ClientFormValues,
} from "../../../templates/pages/admin/oidc-clients.tsx";
import { actorOf } from "../request-context.ts";
import { afterChange, attempt, checked, formOf, fragment, listOf, pageCtx } from "../admin-pages.ts";
import { htmlResponse, isHtmx, navigate } from "../responses.ts";
import { downloadClientLogo, removeClientLogo, saveClientLogo } from "../../admin/client-logos.ts";
import { clientPathSegment } from "../client-id-param.ts";
import { uploadedFile } from "./api-profile-pictures.ts";
import type { WebDeps } from "../web-deps.ts";
import { backchannelStatusOf } from "../../oidc/backchannel-logout.ts";
import { previewClientTokensFor } from "../../oidc/client-preview.ts";
import { federatedIdentitiesOf } from "../../oidc/federated-identities.ts";
import { PreviewResult, type PreviewState } from "../../../templates/pages/admin/client-preview.tsx";
import { routePolicy } from "../plugins/route-policy.ts";
import { createScimProvider, deleteScimProvider, findScimProviderOfClient, scimStatus, updateScimProvider } from "../../scim/providers.ts";
import { ScimSection, type ScimSectionState } from "../../../templates/pages/admin/client-scim.tsx";
import { runManualSync } from "./api-scim.ts";

function valuesOf(web: WebDeps, c: OidcClient): ClientFormValues {
  return {
    federated: federatedRowsOf(federatedIdentitiesOf(web.db, c.id)),
    id: c.id,
    name: c.name,
    description: c.description,
    launchUrl: c.launchUrl ?? "",
    callbackUrls: c.callbackUrls,
    logoutCallbackUrls: c.logoutCallbackUrls,
    isPublic: c.isPublic,
    pkceEnabled: c.pkceEnabled,
    requiresReauthentication: c.requiresReauthentication,
    skipConsent: c.skipConsent,
    accessTokenDurationMinutes: String(c.accessTokenDurationMinutes),
    refreshTokenDurationMinutes: String(c.refreshTokenDurationMinutes),
    requirePar: c.requirePar,
    backchannelLogoutUri: c.backchannelLogoutUri ?? "",
    tokenEndpointAuthMethod: c.tokenEndpointAuthMethod === "private_key_jwt" || c.tokenEndpointAuthMethodFixed ? c.tokenEndpointAuthMethod : EITHER_SECRET_METHOD,
    jwks: c.jwks ?? "",
    jwksUri: c.jwksUri ?? "",
    credentialsScopes: c.credentialsScopes.join(" "),
    access: c.unrestricted ? "everyone" : "groups",
    allowedGroupIds: c.allowedGroupIds,
  };
}

function valuesFromForm(f: Record<string, unknown>): ClientFormValues {
  const s = (k: string) => (typeof f[k] === "string" ? (f[k] as string) : "");
  return {
    federated: federatedRowsFromForm(f),
    id: s("id"),
    name: s("name"),
    description: s("description"),
    launchUrl: s("launchUrl"),
    callbackUrls: listOf(f.callbackUrl),
    logoutCallbackUrls: listOf(f.logoutCallbackUrl),
    isPublic: checked(f.isPublic),
    pkceEnabled: checked(f.pkceEnabled),
    requiresReauthentication: checked(f.requiresReauthentication),
    skipConsent: checked(f.skipConsent),
    accessTokenDurationMinutes: s("accessTokenDurationMinutes"),
    refreshTokenDurationMinutes: s("refreshTokenDurationMinutes"),
    requirePar: checked(f.requirePar),
    backchannelLogoutUri: s("backchannelLogoutUri"),
    tokenEndpointAuthMethod: s("tokenEndpointAuthMethod"),
    jwks: s("jwks"),
    jwksUri: s("jwksUri"),
    credentialsScopes: s("credentialsScopes"),
    access: f.access === "everyone" ? "everyone" : "groups",
    allowedGroupIds: listOf(f.userGroupIds),
  };
}

export function adminOidcClientRoutes(web: WebDeps) {
  const groups = () => listGroupChoices(web.db);
  const getClient = (id: string) => {
    const c = findClientById(web.db, id);
    if (!c) throw AppError.notFound(msg("clients.errorNotFound"));
    return c;
  };
  const detail = (c: OidcClient) => ({
    client: c,
    values: valuesOf(web, c),
    groups: groups(),
    secrets: listClientSecrets(web, c.id),
    appUrl: web.config.appUrl,
    backchannel: backchannelStatusOf(web.db, c.id),
    scim: scimState(c.id),
    apiAccess: clientApiAccess(web.db, c.id),
  });
  const scimState = (clientId: string, more: Partial<ScimSectionState> = {}): ScimSectionState => {
    const provider = findScimProviderOfClient(web.db, clientId);
    return { provider, status: provider ? scimStatus(provider, web.clock.now()) : null, ...more };
  };
  const scimSection = (request: Request, clientId: string, more: Partial<ScimSectionState> = {}, status = 200) =>
    htmlResponse(ScimSection({ ctx: pageCtx(web, request), clientId, s: scimState(clientId, more) }), { status });
  const base = (id: string) => `/settings/admin/oidc-clients/${clientPathSegment(id)}`;
  // Without a secret such a client still authenticates: the secrets section says so.
  const hasFederated = (id: string) => federatedIdentitiesOf(web.db, id).length > 0;

  return new Elysia({ name: "admin-oidc-clients" })
    // A client id may arrive as ~base64url (an https URL id: src/http/client-id-param.ts).
    .onTransform(decodeClientIdParams)
    .use(routePolicy(web))
    .get("/settings/admin/oidc-clients", ({ request, query }) => {
      const q = parseListQuery(query);
      const page = listClientsPage(web.db, q);
      if (isHtmx(request) && request.headers.get("hx-target") === "client-list") return htmlResponse(ClientList({ ctx: pageCtx(web, request), page, search: q.search }));
      const ctx = pageCtx(web, request);
      const notice = query.deleted ? ctx.t("clients.deleted", { name: String(query.deleted) }) : undefined;
      return htmlResponse(ClientsPage({ ctx, page, search: q.search, notice }));
    }, { adminPage: true })
    .get("/settings/admin/oidc-clients/new", ({ request }) => htmlResponse(NewClientPage({ ctx: pageCtx(web, request), values: EMPTY_CLIENT, groups: groups() })), { adminPage: true })
    .post("/settings/admin/oidc-clients", ({ request, body, session }) => {
      const f = formOf(body);
      const values = valuesFromForm(f);
      const ctx = pageCtx(web, request);
      const r = attempt(web, request, () => createClient(web, actorOf(request, session), clientInputFromForm(f, { creating: true })));
      if (!r.ok) {
        if (isHtmx(request)) return htmlResponse(NewClientContent({ ctx, values, groups: groups(), errors: r.errors }), { status: 422 });
        return htmlResponse(NewClientPage({ ctx, values, groups: groups(), errors: r.errors }), { status: 422 });
      }
      const { client, secret } = r.value;
      // The secret exists only in this response: render the client page with it (and move the URL there).
      const headers = { "HX-Push-Url": base(client.id) };
      if (isHtmx(request)) return htmlResponse(ClientDetailContent({ ctx, d: detail(client), createdSecret: secret?.secret }), { headers });
      return htmlResponse(ClientDetailPage({ ctx, d: detail(client), createdSecret: secret?.secret }));
    }, { adminPage: true })
    .get("/settings/admin/oidc-clients/:id", ({ request, params, query }) => htmlResponse(ClientDetailPage({ ctx: pageCtx(web, request), d: detail(getClient(params.id)), saved: query.saved === "1" })), { adminPage: true })
    // The token preview (a GET: it changes nothing). htmx swaps the result; a plain GET renders the page with it.
    .get("/settings/admin/oidc-clients/:id/preview", ({ request, params }) => {
      const client = getClient(params.id);
      const ctx = pageCtx(web, request);
      const url = new URL(request.url);
      const state: PreviewState = { login: url.searchParams.get("user") ?? "", scopes: url.searchParams.getAll("scope") };
      try {
        state.result = previewClientTokensFor({ db: web.db, clock: web.clock, random: web.random, issuer: web.config.appUrl }, client, state.login, state.scopes);
      } catch (e) {
        if (!(e instanceof AppError) || !["bad_request", "not_found", "forbidden"].includes(e.code)) throw e;
        state.error = ctx.text(e.text);
      }
      const status = state.error ? 422 : 200;
      if (isHtmx(request)) return htmlResponse(PreviewResult({ ctx, state }), { status });
      return htmlResponse(ClientDetailPage({ ctx, d: detail(client), preview: state }), { status });
    }, { adminPage: true })
    // The page's one form: settings and who may sign in, saved together. The whole page is re-rendered
    // from what is stored (badges, snippets and secrets depend on the settings); a refusal re-renders the form.
    .post("/settings/admin/oidc-clients/:id", ({ request, params, body, session }) => {
      getClient(params.id);
      const f = formOf(body);
      const values = { ...valuesFromForm(f), id: params.id };
      const ctx = pageCtx(web, request);
      const r = attempt(web, request, () => updateClient(web, actorOf(request, session), params.id, clientInputFromForm(f, { creating: false })));
      if (!r.ok) {
        const form = ClientForm({ ctx, action: base(params.id), values, groups: groups(), creating: false, errors: r.errors, target: "#client-page", appUrl: web.config.appUrl });
        if (isHtmx(request)) return htmlResponse(form, { status: 422, headers: { "HX-Retarget": "#client-form", "HX-Reswap": "outerHTML" } });
        return htmlResponse(ClientDetailPage({ ctx, d: { ...detail(getClient(params.id)), values }, errors: r.errors }), { status: 422 });
      }
      return afterChange(request, `${base(params.id)}?saved=1`, () =>
        fragment(ClientDetailContent({ ctx, d: detail(r.value), saved: true }), { flash: { kind: "success", message: ctx.t("clients.saved", { name: r.value.name }) } }),
      );
    }, { adminPage: true })
    .post("/settings/admin/oidc-clients/:id/secrets", ({ request, params, body, session }) => {
      getClient(params.id);
      const ctx = pageCtx(web, request);
      // The form's optional "secret" field declares the value (same rules as the admin API).
      const given = formOf(body).secret;
      const declaring = typeof given === "string" && given !== "";
      const r = attempt(web, request, () => {
        try {
          return createClientSecret(web, actorOf(request, session), params.id, { secret: declaring ? given : null });
        } catch (e) {
          // A value already in use is a problem with the typed value, shown at the field like the others.
          if (e instanceof AppError && e.code === "conflict") throw AppError.validation(e.text, { secret: e.text });
          throw e;
        }
      });
      if (!r.ok) {
        const message = r.errors.secret ?? Object.values(r.errors)[0];
        const secrets = listClientSecrets(web, params.id);
        return htmlResponse(SecretsSection({ ctx, clientId: params.id, secrets, federated: hasFederated(params.id), ...(declaring ? { valueError: message } : { error: message }) }), { status: 422 });
      }
      if (r.value.declared) {
        const message = ctx.t("clients.secretAdded", { prefix: r.value.prefix });
        return afterChange(request, base(params.id), () => fragment(SecretsSection({ ctx, clientId: params.id, secrets: listClientSecrets(web, params.id), federated: hasFederated(params.id) }), { flash: { kind: "success", message } }));
      }
      // Without htmx the new secret would be lost after a redirect: it is shown in the page itself.
      if (!isHtmx(request)) return htmlResponse(ClientDetailPage({ ctx, d: detail(getClient(params.id)), createdSecret: r.value.secret }));
      return htmlResponse(SecretsSection({ ctx, clientId: params.id, secrets: listClientSecrets(web, params.id), federated: hasFederated(params.id), created: r.value.secret }));
    }, { adminPage: true })
    .post("/settings/admin/oidc-clients/:id/secrets/:secretId/revoke", ({ request, params, session }) => {
      getClient(params.id);
      if (!revokeClientSecret(web, actorOf(request, session), params.id, params.secretId)) throw AppError.notFound(msg("clients.errorSecretNotFound"));
      return afterChange(request, base(params.id), () =>
        fragment(SecretsSection({ ctx: pageCtx(web, request), clientId: params.id, secrets: listClientSecrets(web, params.id), federated: hasFederated(params.id) }), { flash: { kind: "success", message: pageCtx(web, request).t("clients.secretRevoked") } }),
      );
    }, { adminPage: true })
    .post("/settings/admin/oidc-clients/:id/logo", async ({ request, params, query, body, session }) => {
      getClient(params.id);
      const dark = query.variant === "dark";
      const ctx = pageCtx(web, request);
      try {
        await saveClientLogo(web, actorOf(request, session), params.id, await uploadedFile(body), dark);
      } catch (e) {
        if (!(e instanceof AppError) || e.status >= 500) throw e;
        return htmlResponse(LogoSection({ ctx, client: getClient(params.id), error: ctx.text(e.text) }), { status: 422 });
      }
      return afterChange(request, base(params.id), () => htmlResponse(LogoSection({ ctx, client: getClient(params.id), notice: ctx.t("clients.logoUpdated") })));
    }, { adminPage: true, bodyLimit: "upload" })
    // Pocket ID's logoUrl in the form: the server downloads the image (safe fetcher) and stores it as an upload.
    .post("/settings/admin/oidc-clients/:id/logo-url", async ({ request, params, query, body, session }) => {
      getClient(params.id);
      const dark = query.variant === "dark";
      const ctx = pageCtx(web, request);
      try {
        const bytes = await downloadClientLogo(web, formOf(body).logoUrl, "logoUrl");
        await saveClientLogo(web, actorOf(request, session), params.id, bytes, dark);
      } catch (e) {
        if (!(e instanceof AppError) || e.status >= 500) throw e;
        return htmlResponse(LogoSection({ ctx, client: getClient(params.id), error: ctx.text(e.text) }), { status: 422 });
      }
      return afterChange(request, base(params.id), () => htmlResponse(LogoSection({ ctx, client: getClient(params.id), notice: ctx.t("clients.logoUpdated") })));
    }, { adminPage: true })
    // A metadata document's client: fetch its document now (the page then shows what it says).
    .post("/settings/admin/oidc-clients/:id/refresh", async ({ request, params, session }) => {
      getClient(params.id);
      const ctx = pageCtx(web, request);
      try {
        await refreshDocumentClient(web, actorOf(request, session), params.id);
      } catch (e) {
        if (!(e instanceof AppError) || e.status >= 500) throw e;
        const section = DocumentSection({ ctx, client: getClient(params.id), error: ctx.text(e.text) });
        return htmlResponse(section, { status: 422, headers: isHtmx(request) ? { "HX-Retarget": "#client-document", "HX-Reswap": "outerHTML" } : {} });
      }
      return afterChange(request, base(params.id), () =>
        fragment(ClientDetailContent({ ctx, d: detail(getClient(params.id)) }), { flash: { kind: "success", message: ctx.t("clients.documentRefreshed") } }),
      );
    }, { adminPage: true })
    .post("/settings/admin/oidc-clients/:id/logo/delete", ({ request, params, query, session }) => {
      const dark = query.variant === "dark";
      removeClientLogo(web, actorOf(request, session), params.id, dark);
      const ctx = pageCtx(web, request);
      return afterChange(request, base(params.id), () => htmlResponse(LogoSection({ ctx, client: getClient(params.id), notice: ctx.t("clients.logoRemoved") })));
    }, { adminPage: true })
    // SCIM provisioning: save (create or update), sync now, turn off. The token field is write-only: empty
    // keeps the stored token, "removeToken" removes it.
    .post("/settings/admin/oidc-clients/:id/scim", ({ request, params, body, session }) => {
      getClient(params.id);
      const f = formOf(body);
      const endpoint = typeof f.endpoint === "string" ? f.endpoint : "";
      const token = typeof f.token === "string" ? f.token.trim() : "";
      const current = findScimProviderOfClient(web.db, params.id);
      const input: Record<string, unknown> = { endpoint, oidcClientId: params.id };
      if (token !== "") input.token = token;
      else if (current && checked(f.removeToken)) input.token = "";
      const actor = actorOf(request, session);
      const r = attempt(web, request, () => (current ? updateScimProvider(web, actor, current.id, input) : createScimProvider(web, actor, input)));
      if (!r.ok) return scimSection(request, params.id, { endpoint, errors: r.errors }, 422);
      return afterChange(request, base(params.id), () => scimSection(request, params.id, { notice: pageCtx(web, request).t("scim.saved") }));
    }, { adminPage: true })
    .post("/settings/admin/oidc-clients/:id/scim/sync", async ({ request, params, session }) => {
      getClient(params.id);
      const current = findScimProviderOfClient(web.db, params.id);
      if (!current) throw AppError.notFound(msg("scim.errorNoSuchProvider"));
      const ctx = pageCtx(web, request);
      let outcome: Partial<ScimSectionState>;
      try {
        const r = await runManualSync(web, request, session, current.id);
        outcome = { notice: ctx.t(r.finished ? "scim.syncDone" : "scim.syncStillRunning") };
      } catch (e) {
        // The outcome is shown in the section (the status keeps the error too).
        if (!(e instanceof AppError) || (e.code !== "upstream_failed" && e.code !== "conflict")) throw e;
        outcome = { error: ctx.text(e.text) };
      }
      return afterChange(request, base(params.id), () => scimSection(request, params.id, outcome));
    }, { adminPage: true })
    .post("/settings/admin/oidc-clients/:id/scim/delete", ({ request, params, session }) => {
      getClient(params.id);
      const current = findScimProviderOfClient(web.db, params.id);
      if (current) deleteScimProvider(web, actorOf(request, session), current.id);
      return afterChange(request, base(params.id), () => scimSection(request, params.id, { notice: pageCtx(web, request).t("scim.removed") }));
    }, { adminPage: true })
    .post("/settings/admin/oidc-clients/:id/delete", ({ request, params, session }) => {
      const c = getClient(params.id);
      deleteClient(web, actorOf(request, session), c.id);
      return navigate(request, `/settings/admin/oidc-clients?deleted=${encodeURIComponent(c.name)}`);
    }, { adminPage: true });
}
