import type { Deps } from "../deps.ts";
import { readAppConfig } from "../admin/app-config.ts";
import { findUserById } from "../db/users.ts";
import type { PageContext } from "../../templates/page-context.ts";
import type { AssetRegistry } from "./assets.ts";
import { csrfTokenFor, currentSession } from "./request-context.ts";

export function displayNameOf(u: { first_name: string; last_name: string; display_name: string; username: string }): string {
  return u.display_name || [u.first_name, u.last_name].filter(Boolean).join(" ") || u.username;
}

export function buildPageContext(deps: Deps, assets: AssetRegistry, request: Request): PageContext {
  const session = currentSession(deps, request);
  const user = session ? findUserById(deps.db, session.userId) : null;
  const appConfig = readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
  return {
    appName: appConfig.appName,
    csrfToken: csrfTokenFor(deps, request),
    user: user ? { id: user.id, username: user.username, displayName: displayNameOf(user), isAdmin: user.is_admin === 1 } : null,
    currentPath: new URL(request.url).pathname,
    asset: (name) => assets.url(name),
  };
}
