/**
 * Branding over HTTP (Pocket ID paths): GET /api/application-images/{logo?light=,email,favicon,background}
 * (public; with nothing uploaded, as Pocket ID, a built-in default: the Latchkey icon for logo and favicon, a
 * plain background picture; the e-mail logo falls back to the logo), PUT (admin, multipart `file`), DELETE (admin); GET/PUT/DELETE
 * /api/application-images/default-profile-picture (admin, as Pocket ID: 404 while none is set), the picture users
 * without their own are shown instead of their initials; and /branding.css, linked by every page.
 */
import { Elysia } from "elysia";
import { readAppConfig } from "../../admin/app-config.ts";
import { appImage, brandingCssVersion, currentBrandingCss, hasAppImage, removeAppImage, uploadAppImage } from "../../admin/branding.ts";
import type { AppImageName } from "../../db/app-images.ts";
import { AppError } from "../../errors.ts";
import { msg } from "../../i18n/message.ts";
import { apiCall } from "../admin-auth.ts";
import { actorOf } from "../request-context.ts";
import { apiOperation } from "../openapi.ts";
import { LightQuery, NoContent, Upload } from "../schemas/common.ts";
import type { WebDeps } from "../web-deps.ts";
import { uploadedFile } from "./api-profile-pictures.ts";
import { routePolicy } from "../plugins/route-policy.ts";

function imageName(kind: string, light: unknown): AppImageName {
  if (kind === "logo") return light === "false" ? "logo-dark" : "logo-light";
  if (kind === "email") return "logo-email";
  if (kind === "favicon" || kind === "background") return kind;
  throw AppError.notFound(msg("appConfig.errNoSuchImage"));
}

export function apiBrandingRoutes(web: WebDeps) {
  const brandingImage = (request: Request, img: { type: string; data: Uint8Array; updatedAt: number } | null): Response => {
    if (!img) {
      const fallback = web.assets.find("favicon.svg")!.asset;
      return new Response(fallback.body, { headers: { "Content-Type": fallback.type, "Cache-Control": "no-cache", ETag: fallback.etag } });
    }
    const etag = `"${img.updatedAt}-${img.data.length}"`;
    const headers = { "Content-Type": img.type, "Cache-Control": "no-cache", ETag: etag };
    if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
    return new Response(new Uint8Array(img.data), { headers });
  };
  return new Elysia({ name: "api-branding" })
    .use(routePolicy(web))
    .get("/branding.css", ({ request }) => {
      const config = readAppConfig(web.db, { uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv });
      const css = currentBrandingCss(web.db, config);
      const etag = `"${brandingCssVersion(css)}"`;
      const headers = { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "no-cache", ETag: etag };
      if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
      return new Response(css, { headers });
    })
    // Always-present URLs for pages: the uploaded image, or the built-in icon.
    .get("/branding/logo", ({ request, query }) => brandingImage(request, appImage(web.db, query.light === "false" ? "logo-dark" : "logo-light")))
    .get("/branding/favicon", ({ request }) => brandingImage(request, appImage(web.db, "favicon")))
    // Static paths: they win over /api/application-images/:kind, which never names this image.
    .get("/api/application-images/default-profile-picture", ({ request }) => {
      const img = appImage(web.db, "default-profile-picture");
      if (!img) throw AppError.notFound(msg("appConfig.errNoSuchImage"));
      const etag = `"${img.updatedAt}-${img.data.length}"`;
      const headers = { "Content-Type": img.type, "Cache-Control": "private, no-cache", ETag: etag, "X-Content-Type-Options": "nosniff" };
      if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
      return new Response(new Uint8Array(img.data), { headers });
    }, { adminApi: true, budget: "admin-api", detail: apiOperation("Application configuration", "The default profile picture (404 while none is set)") })
    .put("/api/application-images/default-profile-picture", async ({ request, body, principal }) => {
      await apiCall(async () => uploadAppImage(web, actorOf(request, principal), "default-profile-picture", await uploadedFile(body)));
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", bodyLimit: "upload", body: Upload, response: { 204: NoContent }, detail: apiOperation("Application configuration", "Set the picture shown for users without their own instead of their initials (multipart field file; PNG/JPEG/GIF/WebP ≤ 2 MB)") })
    .delete("/api/application-images/default-profile-picture", ({ request, principal }) => {
      if (!hasAppImage(web.db, "default-profile-picture")) throw AppError.notFound(msg("appConfig.errNoSuchImage"));
      removeAppImage(web, actorOf(request, principal), "default-profile-picture");
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("Application configuration", "Remove the default profile picture (initials again; 404 while none is set)") })
    .get("/api/application-images/:kind", ({ request, params, query }) => {
      const name = imageName(params.kind, query.light);
      const img = appImage(web.db, name);
      if (!img) {
        const fallback = web.assets.find(name === "background" ? "background.svg" : "favicon.svg")!.asset;
        // An SVG under /api: never a document that could run anything.
        const headers = { "Content-Type": fallback.type, "Cache-Control": "public, max-age=300", ETag: fallback.etag, "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'" };
        if (request.headers.get("if-none-match") === fallback.etag) return new Response(null, { status: 304, headers });
        return new Response(fallback.body, { headers });
      }
      const etag = `"${img.updatedAt}-${img.data.length}"`;
      const headers = { "Content-Type": img.type, "Cache-Control": "public, max-age=300", ETag: etag };
      if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
      return new Response(new Uint8Array(img.data), { headers });
    }, { query: LightQuery, detail: apiOperation("Application configuration", "Branding image: logo (?light=false for dark), email (the e-mail logo, else the logo), favicon, background") })
    .put("/api/application-images/:kind", async ({ request, params, query, body, principal }) => {
      const name = imageName(params.kind, query.light);
      await apiCall(async () => uploadAppImage(web, actorOf(request, principal), name, await uploadedFile(body)));
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", bodyLimit: "upload", query: LightQuery, body: Upload, response: { 204: NoContent }, detail: apiOperation("Application configuration", "Upload a branding image (multipart field file; PNG/JPEG/GIF/WebP, ICO for favicon, PNG/JPEG for email; ≤ 2 MB)") })
    .delete("/api/application-images/:kind", ({ request, params, query, principal }) => {
      const name = imageName(params.kind, query.light);
      removeAppImage(web, actorOf(request, principal), name);
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", query: LightQuery, response: { 204: NoContent }, detail: apiOperation("Application configuration", "Remove a branding image") });
}
