/**
 * startTestServer(env?, opts?): the whole app in this process behind a real HTTP listener.
 *
 *   const server = await startTestServer();          // APP_URL = http://localhost:<free port>
 *   await fetch(server.url + "/login");
 *   server.deps.db …                                  // the same database the server uses
 *   await server.stop();                              // closes the listener, database and temp folder
 *
 * - The port is bound first (port 0), then the configuration is built with it, so APP_URL (and with
 *   it the WebAuthn RP id/origin) is exactly what a browser sees. `localhost`, never an IP: WebAuthn
 *   refuses IP addresses.
 * - `opts.clock`: "system" (default; real time, as a browser needs) or "fixed" (deps.clock is a
 *   FixedClock the test advances).
 * - The socket address is passed to app.handle like `latchkey serve` does, and discovery/JWKS are static
 *   routes like there (src/http/prerendered.ts).
 */
import type { Server } from "bun";
import type { App } from "../../src/app.ts";
import { servePrerendered } from "../../src/http/prerendered.ts";
import { systemClock, type FixedClock } from "../../src/lib/clock.ts";
import { createTestApp, makeTestDeps, type TestDeps } from "./test-deps.ts";

export interface TestServer {
  url: string;
  port: number;
  deps: TestDeps;
  app: App;
  stop(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}, opts: { clock?: "system" | "fixed" } = {}): Promise<TestServer> {
  let app: App | null = null;
  const fetch = (request: Request, srv: Server<undefined>) => (app ? app.handle(request, srv.requestIP(request)?.address ?? null) : new Response("starting", { status: 503 }));
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch });
  const url = `http://localhost:${server.port}`;
  const deps = makeTestDeps({ APP_URL: url, ...env });
  if ((opts.clock ?? "system") === "system") (deps as { clock: FixedClock | typeof systemClock }).clock = systemClock;
  app = await createTestApp(deps);
  // Discovery and JWKS as static routes, as `latchkey serve` does.
  const stopPrerendering = await servePrerendered(server, app, fetch);
  return {
    url,
    port: server.port!,
    deps,
    app,
    async stop() {
      stopPrerendering();
      await server.stop(true);
      deps.cleanup();
    },
  };
}
