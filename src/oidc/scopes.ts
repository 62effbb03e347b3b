/** Supported scopes and how they are described to the person on the consent screen. */
import { msg, type Message } from "../i18n/message.ts";

export const SUPPORTED_SCOPES = ["openid", "profile", "email", "groups", "offline_access"] as const;
export type Scope = (typeof SUPPORTED_SCOPES)[number];

/** How each scope is described to the person (consent and device pages), as catalogue messages. */
export const SCOPE_DESCRIPTIONS: Record<Scope, { title: Message; detail: Message }> = {
  openid: { title: msg("oidc.scopeOpenidTitle"), detail: msg("oidc.scopeOpenidDetail") },
  profile: { title: msg("oidc.scopeProfileTitle"), detail: msg("oidc.scopeProfileDetail") },
  email: { title: msg("oidc.scopeEmailTitle"), detail: msg("oidc.scopeEmailDetail") },
  groups: { title: msg("oidc.scopeGroupsTitle"), detail: msg("oidc.scopeGroupsDetail") },
  offline_access: { title: msg("oidc.scopeOfflineAccessTitle"), detail: msg("oidc.scopeOfflineAccessDetail") },
};

/** Parses a scope parameter: known scopes only (unknown ones are ignored, as Pocket ID does), in a stable order. */
export function parseScopes(scope: string | null): Scope[] {
  if (!scope) return [];
  const requested = new Set(scope.split(" ").filter(Boolean));
  return SUPPORTED_SCOPES.filter((s) => requested.has(s));
}

export function scopeString(scopes: readonly string[]): string {
  return scopes.join(" ");
}

export function isSubset(needed: readonly string[], granted: readonly string[]): boolean {
  const g = new Set(granted);
  return needed.every((s) => g.has(s));
}
