/** Small response builders shared by route modules. */

export function htmlResponse(body: string | JSX.Element, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return new Response(String(body), {
    status: init.status ?? 200,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", ...init.headers },
  });
}

export function jsonResponse(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return new Response(JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...init.headers },
  });
}

export function redirectResponse(location: string, status: 302 | 303 = 303, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers: { Location: location, "Cache-Control": "no-store", ...headers } });
}

/** For htmx requests a full-page navigation is done with HX-Redirect; plain requests get a 303. */
export function navigate(request: Request, location: string): Response {
  if (request.headers.get("hx-request") === "true") return new Response(null, { status: 204, headers: { "HX-Redirect": location } });
  return redirectResponse(location);
}

export function isHtmx(request: Request): boolean {
  return request.headers.get("hx-request") === "true";
}

/**
 * A response decided before the handler by a hook that cannot answer (a page's sign-in redirect from a
 * route's transform hook): thrown, and answered as it is by the error mapper.
 */
export class EarlyResponse extends Error {
  constructor(readonly response: Response) {
    super("early response");
  }
}
