/**
 * Admin REST API for SCIM service providers (Pocket ID's paths and JSON): GET /api/oidc/clients/:id/scim-service-provider,
 * POST /api/scim/service-provider, PUT/DELETE /api/scim/service-provider/:id, POST /api/scim/service-provider/:id/sync.
 * The rules, the audit and the sync live in src/scim/; this module shapes JSON. The token is never returned.
 */
import { decodeClientIdParams } from "../client-id-param.ts";
import { Elysia } from "elysia";
import { AppError } from "../../errors.ts";
import { msg } from "../../i18n/message.ts";
import { randomToken } from "../../lib/random.ts";
import {
  createScimProvider,
  deleteScimProvider,
  getScimProvider,
  getScimProviderOfClient,
  scimProviderDto,
  scimStatus,
  syncScimProviderNow,
  type ScimProviderStatus,
  updateScimProvider,
} from "../../scim/providers.ts";
import type { ScimSyncDeps } from "../../scim/sync.ts";
import { apiCall } from "../admin-auth.ts";
import { apiOperation } from "../openapi.ts";
import { routePolicy } from "../plugins/route-policy.ts";
import { actorOf, type Caller } from "../request-context.ts";
import { jsonResponse } from "../responses.ts";
import { NoContent } from "../schemas/common.ts";
import { ScimProvider, ScimProviderInput, ScimSyncStatus } from "../schemas/scim.ts";
import type { WebDeps } from "../web-deps.ts";

/** What a sync asked for over HTTP runs with: the runtime's fetch, and a claim named for this request. */
export function manualSyncDeps(web: WebDeps): ScimSyncDeps & WebDeps {
  return { ...web, fetch: (url, init) => fetch(url, init), instanceId: `manual-${randomToken(web.random, 9)}` };
}

/**
 * How long "Sync now" waits for the sync before answering (below the server's 30 s idle timeout): a sync still
 * running then goes on, and its outcome is the provider's status.
 */
export const MANUAL_SYNC_WAIT_MS = 25_000;

/**
 * Runs "Sync now": `finished` with the status, a sync that did not complete is 502 with the server's words (the
 * status keeps them too), and one still running after the wait is left to finish (`finished: false`).
 */
export async function runManualSync(web: WebDeps, request: Request, principal: Caller, id: string): Promise<{ finished: boolean; status: ScimProviderStatus }> {
  const run = syncScimProviderNow(manualSyncDeps(web), actorOf(request, principal), id);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([run, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), web.scimSyncWaitMs ?? MANUAL_SYNC_WAIT_MS)))]);
  clearTimeout(timer);
  if (outcome === null) {
    run.catch((e: unknown) => web.log.error("SCIM sync asked for by an administrator failed", { provider: id, error: e instanceof Error ? e.message : String(e) }));
    return { finished: false, status: scimStatus(getScimProvider(web.db, id), web.clock.now()) };
  }
  if (outcome.outcome === "failed") throw new AppError("upstream_failed", msg("scim.syncFailed", { error: outcome.error ?? "" }));
  return { finished: true, status: scimStatus(getScimProvider(web.db, id), web.clock.now()) };
}

export function apiScimRoutes(web: WebDeps) {
  return new Elysia({ name: "api-scim" })
    // A client id may arrive as ~base64url (an https URL id: src/http/client-id-param.ts).
    .onTransform(decodeClientIdParams)
    .use(routePolicy(web))
    .get("/api/oidc/clients/:id/scim-service-provider", ({ params }) => {
      return jsonResponse(scimProviderDto(web, getScimProviderOfClient(web.db, params.id)));
    }, { adminApi: true, budget: "admin-api", response: { 200: ScimProvider }, detail: apiOperation("SCIM", "Get the SCIM service provider of a client (404 when it has none)") })
    .post("/api/scim/service-provider", ({ request, body, principal }) => {
      const p = apiCall(() => createScimProvider(web, actorOf(request, principal), body));
      return jsonResponse(scimProviderDto(web, p), { status: 201 });
    }, { adminApi: true, budget: "admin-api", body: ScimProviderInput, response: { 201: ScimProvider }, detail: apiOperation("SCIM", "Create a SCIM service provider for a client ({endpoint, token, oidcClientId}); synced within a minute", { errors: { 409: "The client already has a SCIM service provider" } }) })
    .put("/api/scim/service-provider/:id", ({ request, params, body, principal }) => {
      const p = apiCall(() => updateScimProvider(web, actorOf(request, principal), params.id, body));
      return jsonResponse(scimProviderDto(web, p));
    }, { adminApi: true, budget: "admin-api", body: ScimProviderInput, response: { 200: ScimProvider }, detail: apiOperation("SCIM", "Update a SCIM service provider (omitted fields keep their value; token null keeps, \"\" removes it)", { errors: { 409: "The client already has another SCIM service provider" } }) })
    .delete("/api/scim/service-provider/:id", ({ request, params, principal }) => {
      deleteScimProvider(web, actorOf(request, principal), params.id);
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("SCIM", "Delete a SCIM service provider (what it provisioned stays on the remote server)") })
    .post("/api/scim/service-provider/:id/sync", async ({ request, params, principal }) => {
      const r = await runManualSync(web, request, principal, params.id);
      return jsonResponse(r.status, { status: r.finished ? 200 : 202 });
    }, { adminApi: true, budget: "admin-api", response: { 200: ScimSyncStatus, 202: ScimSyncStatus }, detail: apiOperation("SCIM", "Sync now: push every user and group of the client, answering when done (202 with running: true when it takes longer than 25 s; it goes on)", { errors: { 409: "A sync of this provider is already running", 502: "The sync did not complete (the message says why; the status keeps it)" } }) });
}
