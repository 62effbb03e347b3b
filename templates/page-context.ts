/** What every page needs from the request: branding, the CSRF token, the signed-in user, asset URLs. */
export interface PageUser {
  id: string;
  username: string;
  displayName: string;
  isAdmin: boolean;
}

export interface PageContext {
  appName: string;
  csrfToken: string;
  user: PageUser | null;
  currentPath: string;
  asset: (name: string) => string;
}
