/**
 * Discovery and JWKS as Bun.serve static routes.
 *
 * Both documents are the same for every request until the signing key set changes, so they are rendered once
 * through the ordinary routes (the same body, ETag, CORS, cache and security headers as `app.handle` gives)
 * and handed to Bun.serve as static Responses: Bun answers GET and HEAD — and `If-None-Match` with 304 — natively,
 * without running JavaScript per request. Other methods (the CORS preflight, a stray POST) still reach the app.
 * Unlike dynamic responses they carry no X-Request-Id and are not in the access log.
 *
 * The key set is polled every second (it notices `latchkey key-rotate` from another process and a retired
 * key's window closing, see src/oidc/signing-keys.ts), with whether client metadata documents are accepted (discovery's
 * client_id_metadata_document_supported follows the cimdUrlAllowlist); when either changes the routes are rendered
 * again and swapped with `server.reload`.
 */
import type { Server } from "bun";
import type { App } from "../app.ts";
import { keySet } from "../oidc/signing-keys.ts";
import { clientMetadataAllowlist } from "../oidc/client-metadata-documents.ts";

export const PRERENDERED_PATHS = [
  "/.well-known/openid-configuration",
  "/.well-known/oauth-authorization-server",
  "/.well-known/jwks.json",
] as const;

const POLL_MS = 1000;

type Fetch = (request: Request, server: Server<undefined>) => Response | Promise<Response>;
type StaticRoutes = Record<string, { GET: Response }>;

async function renderRoutes(app: App): Promise<StaticRoutes> {
  const routes: StaticRoutes = {};
  for (const path of PRERENDERED_PATHS) {
    const response = await app.render(path);
    // Only a complete 200 document is frozen; anything else stays dynamic.
    if (response.status !== 200) continue;
    routes[path] = { GET: new Response(await response.arrayBuffer(), { status: 200, headers: response.headers }) };
  }
  return routes;
}

/**
 * Installs the static routes on `server` (next to its `fetch`) and keeps them current.
 * Returns the function that stops the polling.
 */
export async function servePrerendered(server: Server<undefined>, app: App, fetch: Fetch): Promise<() => void> {
  let version = "";
  let busy = false;
  const refresh = async () => {
    const current = `${keySet(app.web).version}:${clientMetadataAllowlist(app.web).length > 0}`;
    if (current === version || busy) return;
    busy = true;
    try {
      const routes = await renderRoutes(app);
      server.reload({ routes, fetch });
      version = current;
    } finally {
      busy = false;
    }
  };
  await refresh();
  const timer = setInterval(() => {
    refresh().catch((error: unknown) => app.web.log.error("could not refresh the discovery and JWKS documents", { error: String(error) }));
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
