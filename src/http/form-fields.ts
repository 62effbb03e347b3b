/** Reading fields from a parsed form or JSON body without trusting its shape. */
export type Body = Record<string, unknown> | null | undefined;

/** The string value of `name`, or "" when it is missing or not a string. */
export function text(body: unknown, name: string): string {
  const v = body && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === "string" ? v : "";
}
