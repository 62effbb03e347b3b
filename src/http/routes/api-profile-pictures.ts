/**
 * Profile pictures: GET /api/users/:id/profile-picture.png (public, as in Pocket ID: it is the
 * `picture` claim; always a raster image, the initials as a 256 px PNG), GET /api/users/:id/profile-picture
 * (public, for our pages: the initials as SVG), PUT/DELETE /api/users/:id/profile-picture (admin) and
 * /api/users/me/profile-picture (the signed-in user). Upload = multipart field `file`.
 */
import { Elysia } from "elysia";
import { profilePictureOf, resetProfilePicture, resetProfilePictureOfUser, saveProfilePicture, setProfilePictureOfUser } from "../../admin/profile-pictures.ts";
import { getUser } from "../../admin/user-admin.ts";
import { findUser } from "../../admin/users.ts";
import { AppError } from "../../errors.ts";
import { msg } from "../../i18n/message.ts";
import { apiCall } from "../admin-auth.ts";
import { actorOf } from "../request-context.ts";
import { apiOperation } from "../openapi.ts";
import { NoContent, Upload } from "../schemas/common.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

export function uploadedFile(body: unknown): Uint8Array | Promise<Uint8Array> {
  const file = typeof body === "object" && body !== null ? (body as Record<string, unknown>).file : undefined;
  const f = Array.isArray(file) ? file[0] : file;
  if (!(f instanceof Blob)) throw AppError.badRequest(msg("appConfig.errUploadField"));
  if (f.size > 2 * 1024 * 1024) throw new AppError("payload_too_large", msg("appConfig.errPictureTooLarge"), { file: msg("appConfig.errPictureTooLarge") });
  return f.arrayBuffer().then((b) => new Uint8Array(b));
}

export function apiProfilePictureRoutes(web: WebDeps) {
  const servePicture = async (request: Request, userId: string, want: "raster" | "any"): Promise<Response> => {
    const user = findUser(web.db, userId);
    if (!user) throw AppError.notFound(msg("appConfig.errNoSuchUser"));
    const pic = await profilePictureOf(web.db, user, want);
    const etag = `"${user.id.slice(0, 8)}-${pic.version}"`;
    const headers: Record<string, string> = { "Content-Type": pic.type, "Cache-Control": "public, max-age=300", ETag: etag, "X-Content-Type-Options": "nosniff" };
    // A generated SVG is only shapes and text: opened on its own, it may load and run nothing.
    if (pic.type === "image/svg+xml") headers["Content-Security-Policy"] = "default-src 'none'";
    if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
    return new Response(pic.body as Uint8Array<ArrayBuffer>, { headers });
  };
  return new Elysia({ name: "api-profile-pictures" })
    .use(routePolicy(web))
    .get("/api/users/:id/profile-picture.png", ({ request, params }) => servePicture(request, params.id, "raster"), {
      detail: apiOperation("Profile pictures", "Profile picture as a raster image: the uploaded one (PNG, JPEG, GIF or WebP), or the initials as a 256 px PNG; the picture claim"),
    })
    .get("/api/users/:id/profile-picture", ({ request, params }) => servePicture(request, params.id, "any"), {
      detail: apiOperation("Profile pictures", "Profile picture for pages: the uploaded one, or the initials as SVG (sharp at any size)"),
    })
    .put("/api/users/me/profile-picture", async ({ body, principal }) => {
      if (principal.isStatic) throw AppError.notFound(msg("appConfig.errNoSuchUser"));
      await apiCall(async () => saveProfilePicture(web, principal.userId, await uploadedFile(body)));
      return new Response(null, { status: 204 });
    }, { userApi: true, budget: "admin-api", bodyLimit: "upload", body: Upload, response: { 204: NoContent }, detail: apiOperation("Profile pictures", "Upload your own picture") })
    .delete("/api/users/me/profile-picture", ({ principal }) => {
      if (!principal.isStatic) resetProfilePicture(web.db, principal.userId);
      return new Response(null, { status: 204 });
    }, { userApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("Profile pictures", "Reset your own picture") })
    .put("/api/users/:id/profile-picture", async ({ request, params, body, principal }) => {
      getUser(web.db, params.id);
      await apiCall(async () => setProfilePictureOfUser(web, actorOf(request, principal), params.id, await uploadedFile(body)));
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", bodyLimit: "upload", body: Upload, response: { 204: NoContent }, detail: apiOperation("Profile pictures", "Upload a user's picture (multipart field file; PNG/JPEG/GIF/WebP ≤ 2 MB, checked by content)") })
    .delete("/api/users/:id/profile-picture", ({ request, params, principal }) => {
      getUser(web.db, params.id);
      resetProfilePictureOfUser(web, actorOf(request, principal), params.id);
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("Profile pictures", "Reset a user's picture to initials") });
}
