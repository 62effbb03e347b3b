/** The sealed-box purpose of a provider's bearer token: bound to its row, so a token copied to another row does not open. */
export function tokenPurpose(providerId: string): string {
  return `scim-token:${providerId}`;
}
