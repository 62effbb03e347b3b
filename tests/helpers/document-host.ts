/**
 * A real HTTPS server on loopback standing in for the web hosts of client metadata documents, JWK Sets and logos.
 *
 *   const host = await startDocumentHost();
 *   host.serve("/app/client.json", () => Response.json({ … }));
 *   deps.outbound = host.policy;                     // the server under test may now reach it
 *   host.url("app.test", "/app/client.json")         // https://app.test:<port>/app/client.json
 *
 * - Every name under `.test` resolves (in `host.policy` only) to 127.0.0.1; the certificate (openssl, self-signed)
 *   holds CERTIFICATE_NAMES, and the policy trusts it, so the fetcher's real TLS, SNI and Host handling are exercised
 *   (another `.test` name resolves but fails the certificate check).
 * - `host.policy` admits 127.0.0.1 and otherwise applies the production address rules, so a redirect to
 *   another loopback address, a private one or cloud metadata is still refused; its deadline is short
 *   (`timeoutMs`) so a test of a slow server stays quick.
 * - `host.requests` counts requests per path (to see what was fetched again and what came from storage).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { productionOutboundPolicy, type OutboundPolicy } from "../../src/lib/outbound-fetch.ts";

export interface DocumentHost {
  port: number;
  policy: OutboundPolicy;
  requests: Map<string, number>;
  url(host: string, pathname: string): string;
  serve(pathname: string, handler: (request: Request) => Response | Promise<Response>): void;
  stop(): Promise<void>;
}

/** The names the certificate holds (TLS refuses a wildcard right under a top-level name such as `*.test`). */
export const CERTIFICATE_NAMES = ["app.test", "mcp.test", "other.test", "logos.test", "*.apps.test"];

function testCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "latchkey-cert-"));
  try {
    const r = Bun.spawnSync(
      ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=app.test", "-addext", `subjectAltName=${CERTIFICATE_NAMES.map((n) => `DNS:${n}`).join(",")}`],
      { stdout: "ignore", stderr: "pipe" },
    );
    if (r.exitCode !== 0) throw new Error(`openssl failed (tests/setup-system.sh installs it): ${r.stderr.toString()}`);
    return { key: readFileSync(path.join(dir, "key.pem"), "utf8"), cert: readFileSync(path.join(dir, "cert.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startDocumentHost(opts: { timeoutMs?: number } = {}): Promise<DocumentHost> {
  const { key, cert } = testCertificate();
  const routes = new Map<string, (request: Request) => Response | Promise<Response>>();
  const requests = new Map<string, number>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: { key, cert },
    fetch(request) {
      const { pathname } = new URL(request.url);
      requests.set(pathname, (requests.get(pathname) ?? 0) + 1);
      const handler = routes.get(pathname);
      return handler ? handler(request) : new Response("not found", { status: 404 });
    },
  });
  const production = productionOutboundPolicy();
  const policy: OutboundPolicy = {
    resolve: async (host) => {
      if (host.endsWith(".test")) return ["127.0.0.1"];
      throw new Error(`${host} does not resolve in tests`);
    },
    isAddressAllowed: (a) => a === "127.0.0.1" || production.isAddressAllowed(a),
    allowHttp: false,
    ca: cert,
    timeoutMs: opts.timeoutMs ?? 2000,
  };
  return {
    port: server.port!,
    policy,
    requests,
    url: (host, pathname) => `https://${host}:${server.port}${pathname}`,
    serve: (pathname, handler) => void routes.set(pathname, handler),
    stop: () => server.stop(true),
  };
}
