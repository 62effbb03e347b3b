/**
 * Markup for the tags in OIDC page messages (`ctx.rich`): the text they receive is already escaped,
 * so these only wrap it.
 */
export const bold = (text: string): string => `<strong>${text}</strong>`;
export const deviceCode = (text: string): string => `<strong class="device-code">${text}</strong>`;
