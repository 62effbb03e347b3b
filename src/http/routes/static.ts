import { Elysia } from "elysia";
import type { WebDeps } from "../web-deps.ts";

export function staticRoutes(deps: WebDeps) {
  const serve = ({ params, request }: { params: Record<string, string>; request: Request }) => {
    const found = deps.assets.find(params["*"] ?? "");
    if (!found) return new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    const { asset, immutable } = found;
    const headers = {
      "Content-Type": asset.type,
      "Cache-Control": immutable ? "public, max-age=31536000, immutable" : "public, max-age=300",
      ETag: asset.etag,
    };
    if (request.headers.get("if-none-match") === asset.etag) return new Response(null, { status: 304, headers });
    return new Response(request.method === "HEAD" ? null : asset.body, { headers });
  };
  return new Elysia({ name: "static" })
    .get("/static/*", serve)
    .head("/static/*", serve)
    .get("/favicon.ico", () => new Response(null, { status: 301, headers: { Location: deps.assets.url("favicon.svg") } }));
}
