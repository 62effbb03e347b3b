/** Admin REST API for sign-up tokens (Pocket ID paths). */
import { Elysia } from "elysia";
import { createSignupToken, listSignupTokenDtos, removeSignupToken } from "../../admin/signup-tokens.ts";
import { apiCall } from "../admin-auth.ts";
import { actorOf } from "../request-context.ts";
import { apiOperation } from "../openapi.ts";
import { jsonResponse } from "../responses.ts";
import { NoContent, Paginated } from "../schemas/common.ts";
import { SignupToken, SignupTokenCreated, SignupTokenInput } from "../schemas/signups.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

export function signupLink(web: WebDeps, token: string): string {
  return `${web.config.appUrl}/st/${token}`;
}

export function apiSignupTokenRoutes(web: WebDeps) {
  return new Elysia({ name: "api-signup-tokens" })
    .use(routePolicy(web))
    .get("/api/signup-tokens", () => {
      const data = listSignupTokenDtos(web);
      return jsonResponse({ data, pagination: { totalPages: 1, totalItems: data.length, currentPage: 1, itemsPerPage: data.length } });
    }, { adminApi: true, budget: "admin-api", response: { 200: Paginated(SignupToken) }, detail: apiOperation("Sign-ups", "List sign-up tokens") })
    .post("/api/signup-tokens", ({ request, body, principal }) => {
      const { token, signupToken } = apiCall(() => createSignupToken(web, actorOf(request, principal), body));
      return jsonResponse({ ...signupToken, token, url: signupLink(web, token) }, { status: 201 });
    }, { adminApi: true, budget: "admin-api", body: SignupTokenInput, response: { 201: SignupTokenCreated }, detail: apiOperation("Sign-ups", "Create a sign-up token ({ttl, usageLimit 1–100, userGroupIds}); token and URL returned once") })
    .delete("/api/signup-tokens/:id", ({ request, params, principal }) => {
      removeSignupToken(web, actorOf(request, principal), params.id);
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("Sign-ups", "Delete a sign-up token") });
}
