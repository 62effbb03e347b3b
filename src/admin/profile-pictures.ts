/**
 * Profile pictures: uploaded (by the user or an admin) or a generated initials PNG.
 * - The type is decided by the content (magic bytes via file-type), never by the file name or the
 *   declared Content-Type; only PNG, JPEG, GIF and WebP are accepted (no SVG: it can carry script).
 * - At most 2 MiB.
 * - An administrator's change is audited (ADMIN_CHANGE user set_profile_picture / reset_profile_picture);
 *   a person's change of their own picture is not.
 */
import type { Database } from "../db/database.ts";
import { findAppImage } from "../db/app-images.ts";
import { deleteProfilePicture, findProfilePicture, upsertProfilePicture } from "../db/profile-pictures.ts";
import type { User } from "../db/users.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { auditedChange, type Actor, type AuditDeps } from "../audit/actor.ts";

export const MAX_PICTURE_BYTES = 2 * 1024 * 1024;
const ALLOWED = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** The picture's type, by content; throws for empty, too large or unsupported uploads. */
async function pictureType(bytes: Uint8Array): Promise<string> {
  if (bytes.length === 0) throw AppError.validation(msg("appConfig.errPictureEmpty"), { file: msg("appConfig.errPictureEmpty") });
  if (bytes.length > MAX_PICTURE_BYTES) throw new AppError("payload_too_large", msg("appConfig.errPictureTooLarge"), { file: msg("appConfig.errPictureTooLarge") });
  const { fileTypeFromBuffer } = await import("file-type"); // loaded on the first upload, not at start (idle RSS)
  const type = await fileTypeFromBuffer(bytes);
  if (!type || !ALLOWED.has(type.mime)) {
    throw new AppError("unsupported_media_type", msg("appConfig.errPictureType"), { file: msg("appConfig.errPictureType") });
  }
  return type.mime;
}

/** The person sets their own picture; returns its type. */
export async function saveProfilePicture(deps: { db: Database; clock: Clock }, userId: string, bytes: Uint8Array): Promise<string> {
  const type = await pictureType(bytes);
  upsertProfilePicture(deps.db, { userId: userId, data: bytes, contentType: type, updatedAt: nowSeconds(deps.clock) });
  return type;
}

/** True when the user has an uploaded (or directory-synced) picture; false means the initials are shown. */
export function hasProfilePicture(db: Database, userId: string): boolean {
  return findProfilePicture(db, userId) !== null;
}

export function resetProfilePicture(db: Database, userId: string): boolean {
  return deleteProfilePicture(db, userId);
}

/** An administrator sets the picture of `userId`; returns its type. */
export async function setProfilePictureOfUser(deps: AuditDeps, actor: Actor, userId: string, bytes: Uint8Array): Promise<string> {
  const type = await pictureType(bytes);
  return auditedChange(
    deps,
    actor,
    () => {
      upsertProfilePicture(deps.db, { userId: userId, data: bytes, contentType: type, updatedAt: nowSeconds(deps.clock) });
      return type;
    },
    () => ({ entity: "user", action: "set_profile_picture", id: userId, changes: { type } }),
  );
}

/** An administrator goes back to the initials avatar for `userId`. */
export function resetProfilePictureOfUser(deps: AuditDeps, actor: Actor, userId: string): void {
  auditedChange(deps, actor, () => deleteProfilePicture(deps.db, userId), () => ({ entity: "user", action: "reset_profile_picture", id: userId }));
}

/** A picture to serve: its bytes, honest type, and a validator that changes whenever they do. */
export interface PictureFile {
  body: Uint8Array;
  type: string;
  /** Changes with the picture (upload time, or the names and the avatar design for initials). */
  version: string;
}

/** The initials avatar of `user`: the same drawing as SVG (pages) or PNG (raster for clients). */
async function initialsAvatar(user: User, format: "svg" | "png"): Promise<PictureFile> {
  // The avatar code and, for PNG, the renderer load with the first generated avatar, not at start (idle RSS).
  const { AVATAR_DESIGN, AVATAR_PNG_SIZE, initialsAvatarSvg, initialsOf } = await import("./initials-avatar.ts");
  const initials = initialsOf(user);
  const svg = initialsAvatarSvg(initials, user.id);
  const version = `i${AVATAR_DESIGN}-${Bun.hash(svg).toString(36)}`;
  if (format === "svg") return { body: new TextEncoder().encode(svg), type: "image/svg+xml", version };
  const key = `${version}-${AVATAR_PNG_SIZE}`;
  let png = pngCache.get(key);
  if (!png) {
    const { svgToPng } = await import("./avatar-raster.ts");
    png = await svgToPng(svg, AVATAR_PNG_SIZE);
    if (pngCache.size >= 500) pngCache.clear();
    pngCache.set(key, png);
  }
  return { body: png, type: "image/png", version };
}
const pngCache = new Map<string, Uint8Array>();

/**
 * The picture for `user`: the uploaded one as stored, else the administrator's default profile picture
 * (Pocket ID's application image) when one is set, else the initials avatar. `raster` is for clients that
 * need a bitmap (the `picture` claim's .png URL): the initials come as a 256 px PNG; pages take the SVG.
 */
export async function profilePictureOf(db: Database, user: User, want: "raster" | "any"): Promise<PictureFile> {
  const row = findProfilePicture(db, user.id);
  if (row) return { body: new Uint8Array(row.data), type: row.contentType, version: `u${row.updatedAt}-${row.data.length}` };
  const fallback = findAppImage(db, "default-profile-picture");
  if (fallback) return { body: fallback.data, type: fallback.type, version: `d${fallback.updatedAt}-${fallback.data.length}` };
  return initialsAvatar(user, want === "raster" ? "png" : "svg");
}
