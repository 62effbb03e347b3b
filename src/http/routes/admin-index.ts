/** Every administration route module (admin pages, admin REST API, my apps, sign-ups), mounted once in src/app.ts. */
import { Elysia } from "elysia";
import type { WebDeps } from "../web-deps.ts";
import { apiApiKeyRoutes } from "./api-api-keys.ts";
import { apiApiRoutes } from "./api-apis.ts";
import { adminApiRoutes } from "./admin-apis.ts";
import { apiAppConfigRoutes } from "./api-app-config.ts";
import { apiCustomClaimRoutes } from "./api-custom-claims.ts";
import { apiOidcClientRoutes } from "./api-oidc-clients.ts";
import { apiScimRoutes } from "./api-scim.ts";
import { apiProfilePictureRoutes } from "./api-profile-pictures.ts";
import { adminUserRoutes } from "./admin-users.ts";
import { adminUserGroupRoutes } from "./admin-user-groups.ts";
import { adminApiKeyRoutes } from "./admin-api-keys.ts";
import { adminAppConfigRoutes } from "./admin-app-config.ts";
import { adminOidcClientRoutes } from "./admin-oidc-clients.ts";
import { myAppsRoutes } from "./admin-my-apps.ts";
import { signupRoutes } from "./admin-signups.ts";
import { apiBrandingRoutes } from "./api-branding.ts";
import { apiSignupTokenRoutes } from "./api-signup-tokens.ts";
import { apiUserGroupRoutes } from "./api-user-groups.ts";
import { apiUserRoutes } from "./api-users.ts";
import { apiVersionRoutes } from "./api-version.ts";
import { adminProtectedAppRoutes } from "./admin-protected-apps.ts";
import { apiProtectedAppRoutes } from "./api-protected-apps.ts";
import { adminLdapRoutes } from "./admin-ldap.ts";
import { adminBackupRoutes } from "./admin-backups.ts";

export function adminRoutes(web: WebDeps) {
  return new Elysia({ name: "admin-index" })
    .use(apiUserRoutes(web))
    .use(apiVersionRoutes(web))
    .use(apiUserGroupRoutes(web))
    .use(apiCustomClaimRoutes(web))
    .use(apiApiKeyRoutes(web))
    .use(apiAppConfigRoutes(web))
    .use(apiOidcClientRoutes(web))
    .use(apiScimRoutes(web))
    .use(apiApiRoutes(web))
    .use(apiSignupTokenRoutes(web))
    .use(apiProfilePictureRoutes(web))
    .use(adminUserRoutes(web))
    .use(adminUserGroupRoutes(web))
    .use(adminApiKeyRoutes(web))
    .use(adminAppConfigRoutes(web))
    .use(adminBackupRoutes(web))
    .use(adminOidcClientRoutes(web))
    .use(adminApiRoutes(web))
    .use(apiProtectedAppRoutes(web))
    .use(adminProtectedAppRoutes(web))
    .use(myAppsRoutes(web))
    .use(signupRoutes(web))
    .use(apiBrandingRoutes(web))
    .use(adminLdapRoutes(web));
}
