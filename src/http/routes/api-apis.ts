/** Admin REST API for API resources and their client grants (Pocket ID v2.10+ paths): /api/apis…, /api/api-access… */
import { decodeClientIdParams } from "../client-id-param.ts";
import { Elysia } from "elysia";
import {
  createApi,
  deleteApi,
  getApi,
  listApiClients,
  listApis,
  listAssignableApis,
  listAssignableClients,
  listClientApis,
  removeClientApiAccess,
  setApiCimdAccess,
  setApiPermissions,
  setClientApiAccess,
  toApiDto,
  updateApi,
} from "../../admin/apis.ts";
import { parseListQuery } from "../../admin/pagination.ts";
import { apiCall } from "../admin-auth.ts";
import { apiOperation, LIST_ERRORS } from "../openapi.ts";
import { routePolicy } from "../plugins/route-policy.ts";
import { actorOf } from "../request-context.ts";
import { jsonResponse } from "../responses.ts";
import { Api, ApiCimdAccessInput, ApiClient, ApiClientAccess, ApiClientGrant, ApiClientGrantInput, ApiCreateInput, ApiPermissionsInput, ApiUpdateInput, ClientApiGrant } from "../schemas/apis.ts";
import { ListQuery, NoContent, Paginated } from "../schemas/common.ts";
import type { WebDeps } from "../web-deps.ts";
import { t } from "elysia";

const TAG = "APIs";

export function apiApiRoutes(web: WebDeps) {
  const guard = { adminApi: true, budget: "admin-api" } as const;
  return new Elysia({ name: "api-apis" })
    // A client id may arrive as ~base64url (an https URL id: src/http/client-id-param.ts).
    .onTransform(decodeClientIdParams)
    .use(routePolicy(web))
    .get("/api/apis", ({ query }) => jsonResponse(listApis(web.db, parseListQuery(query))), {
      ...guard,
      query: ListQuery,
      response: { 200: Paginated(Api) },
      detail: apiOperation(TAG, "List and search APIs (name or resource)", { errors: LIST_ERRORS }),
    })
    .post(
      "/api/apis",
      ({ request, body, principal }) => {
        const api = apiCall(() => createApi(web, actorOf(request, principal), body));
        return jsonResponse(toApiDto(web.db, api), { status: 201 });
      },
      { ...guard, body: ApiCreateInput, response: { 201: Api }, detail: apiOperation(TAG, "Create an API (resource server)") },
    )
    .get("/api/apis/:id", ({ params }) => jsonResponse(toApiDto(web.db, getApi(web.db, params.id))), {
      ...guard,
      response: { 200: Api },
      detail: apiOperation(TAG, "Get an API with its permissions"),
    })
    .put(
      "/api/apis/:id",
      ({ request, params, body, principal }) => jsonResponse(toApiDto(web.db, apiCall(() => updateApi(web, actorOf(request, principal), params.id, body)))),
      { ...guard, body: ApiUpdateInput, response: { 200: Api }, detail: apiOperation(TAG, "Rename an API (its resource cannot change)") },
    )
    .delete(
      "/api/apis/:id",
      ({ request, params, principal }) => {
        deleteApi(web, actorOf(request, principal), params.id);
        return new Response(null, { status: 204 });
      },
      { ...guard, response: { 204: NoContent }, detail: apiOperation(TAG, "Delete an API with its permissions and client grants") },
    )
    .put(
      "/api/apis/:id/permissions",
      ({ request, params, body, principal }) => jsonResponse(toApiDto(web.db, apiCall(() => setApiPermissions(web, actorOf(request, principal), params.id, body)))),
      { ...guard, body: ApiPermissionsInput, response: { 200: Api }, detail: apiOperation(TAG, "Replace the permissions of an API") },
    )
    .put(
      "/api/apis/:id/cimd-access",
      ({ request, params, body, principal }) => jsonResponse(toApiDto(web.db, apiCall(() => setApiCimdAccess(web, actorOf(request, principal), params.id, body)))),
      {
        ...guard,
        body: ApiCimdAccessInput,
        response: { 200: Api },
        detail: apiOperation(TAG, "Open an API to clients registered from a Client ID Metadata Document ({enabled, permissionIds})", {
          description: "When enabled, every such client may request people's tokens for the API with the selected permissions; the selection is kept while it is off.",
        }),
      },
    )
    .get("/api/apis/:id/clients", ({ params, query }) => jsonResponse(listApiClients(web.db, params.id, parseListQuery(query))), {
      ...guard,
      query: ListQuery,
      response: { 200: Paginated(ApiClientAccess) },
      detail: apiOperation(TAG, "List the clients that may use an API, with their grants", { errors: LIST_ERRORS }),
    })
    .get("/api/apis/:id/assignable-clients", ({ params, query }) => jsonResponse(listAssignableClients(web.db, params.id, parseListQuery(query))), {
      ...guard,
      query: ListQuery,
      response: { 200: Paginated(ApiClient) },
      detail: apiOperation(TAG, "List the clients without a grant on an API", { errors: LIST_ERRORS }),
    })
    .put(
      "/api/apis/:id/clients/:clientId",
      ({ request, params, body, principal }) => jsonResponse(apiCall(() => setClientApiAccess(web, actorOf(request, principal), params.id, params.clientId, body))),
      { ...guard, body: ApiClientGrantInput, response: { 200: ApiClientGrant }, detail: apiOperation(TAG, "Set what one client may do with an API") },
    )
    .delete(
      "/api/apis/:id/clients/:clientId",
      ({ request, params, principal }) => {
        removeClientApiAccess(web, actorOf(request, principal), params.id, params.clientId);
        return new Response(null, { status: 204 });
      },
      { ...guard, response: { 204: NoContent }, detail: apiOperation(TAG, "Revoke a client's access to an API") },
    )
    .get("/api/api-access/:clientId/apis", ({ params }) => jsonResponse(listClientApis(web.db, params.clientId)), {
      ...guard,
      response: { 200: t.Array(ClientApiGrant) },
      detail: apiOperation(TAG, "List the APIs a client may use, with its grants"),
    })
    .get("/api/api-access/:clientId/assignable-apis", ({ params, query }) => jsonResponse(listAssignableApis(web.db, params.clientId, parseListQuery(query))), {
      ...guard,
      query: ListQuery,
      response: { 200: Paginated(Api) },
      detail: apiOperation(TAG, "List the APIs a client cannot use yet", { errors: LIST_ERRORS }),
    });
}
