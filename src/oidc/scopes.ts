/** Supported scopes and how they are described to the person on the consent screen. */

export const SUPPORTED_SCOPES = ["openid", "profile", "email", "groups", "offline_access"] as const;
export type Scope = (typeof SUPPORTED_SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<Scope, { title: string; detail: string }> = {
  openid: { title: "Confirm who you are", detail: "Your account identifier, so the app recognises you next time." },
  profile: { title: "See your profile", detail: "Your name, username and profile picture." },
  email: { title: "See your email address", detail: "Your email address and whether it is verified." },
  groups: { title: "See your groups", detail: "The names of the groups you belong to." },
  offline_access: { title: "Stay signed in", detail: "Keep access while you are away, until you revoke it." },
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
