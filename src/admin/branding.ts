/**
 * Branding: uploaded images (logo light/dark, the e-mail logo, favicon, login background, and the default profile
 * picture shown for users without their own instead of their initials) and the stylesheet that
 * applies the accent colour, animations setting and background on every page (/branding.css).
 * - Images are checked by content (file-type): PNG, JPEG, GIF, WebP (and ICO for the favicon);
 *   SVG is refused because, served from this origin, it could carry script. ≤ 2 MiB. The e-mail logo: PNG or JPEG
 *   only, as Pocket ID (mail apps show other formats unreliably).
 * - The accent colour is validated as #rrggbb before it reaches CSS, so nothing can be injected.
 * - Image changes are audited (ADMIN_CHANGE application_image upload / delete).
 */
import type { Database } from "../db/database.ts";
import { deleteAppImage, findAppImage, saveAppImage, type AppImageName, type AppImage } from "../db/app-images.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { nowSeconds } from "../lib/clock.ts";
import { auditedChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import type { AppConfig } from "./app-config.ts";

export const APP_IMAGE_NAMES: AppImageName[] = ["logo-light", "logo-dark", "logo-email", "favicon", "background", "default-profile-picture"];
const EMAIL_LOGO_TYPES = new Set(["image/png", "image/jpeg"]);
const MAX_BYTES = 2 * 1024 * 1024;
const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

export function isAppImageName(v: string): v is AppImageName {
  return (APP_IMAGE_NAMES as string[]).includes(v);
}

export async function uploadAppImage(deps: AuditDeps, actor: Actor, name: AppImageName, bytes: Uint8Array): Promise<string> {
  if (bytes.length === 0) throw AppError.validation(msg("appConfig.errImageEmpty"), { file: msg("appConfig.errImageEmpty") });
  if (bytes.length > MAX_BYTES) throw new AppError("payload_too_large", msg("appConfig.errImageTooLarge"), { file: msg("appConfig.errImageTooLarge") });
  const { fileTypeFromBuffer } = await import("file-type"); // loaded on the first upload, not at start (idle RSS)
  const type = await fileTypeFromBuffer(bytes);
  if (name === "logo-email" && !(type && EMAIL_LOGO_TYPES.has(type.mime))) {
    throw new AppError("unsupported_media_type", msg("appConfig.errEmailLogoType"), { file: msg("appConfig.errEmailLogoType") });
  }
  const ok = type && (IMAGE_TYPES.has(type.mime) || (name === "favicon" && type.mime === "image/x-icon"));
  if (!ok) throw new AppError("unsupported_media_type", msg("appConfig.errImageType"), { file: msg("appConfig.errImageType") });
  const mime = type.mime;
  return auditedChange(
    deps,
    actor,
    () => {
      saveAppImage(deps.db, name, { type: mime, data: bytes, updatedAt: nowSeconds(deps.clock) });
      return mime;
    },
    () => ({ entity: "application_image", action: "upload", id: name, changes: { type: mime } }),
  );
}

export function removeAppImage(deps: AuditDeps, actor: Actor, name: AppImageName): void {
  auditedChange(deps, actor, () => deleteAppImage(deps.db, name), () => ({ entity: "application_image", action: "delete", id: name }));
}

/** The image to serve; the dark logo and the e-mail logo fall back to the light one. */
export function appImage(db: Database, name: AppImageName): AppImage | null {
  if (name === "logo-dark" || name === "logo-email") return findAppImage(db, name) ?? findAppImage(db, "logo-light");
  return findAppImage(db, name);
}

export function hasAppImage(db: Database, name: AppImageName): boolean {
  return findAppImage(db, name) !== null;
}

function shade(hex: string, amount: number): string {
  const n = parseInt(hex.slice(1), 16);
  const ch = (v: number) => Math.max(0, Math.min(255, Math.round(amount < 0 ? v * (1 + amount) : v + (255 - v) * amount)));
  const r = ch((n >> 16) & 255);
  const g = ch((n >> 8) & 255);
  const b = ch(n & 255);
  return `#${((r << 16) | (g << 8) | b).toString(16).padStart(6, "0")}`;
}

/** The stylesheet /branding.css serves now, from the stored configuration and background image. */
export function currentBrandingCss(db: Database, config: Pick<AppConfig, "accentColor" | "disableAnimations">): string {
  const bg = findAppImage(db, "background");
  return brandingCss(config, { background: bg !== null, backgroundVersion: bg?.updatedAt ?? 0 });
}

/** A short fingerprint of a stylesheet: its ETag, and the `?v=` a page uses to load a changed one without reloading. */
export function brandingCssVersion(css: string): string {
  return Bun.hash(css).toString(16);
}

/** When each uploaded image last changed (null: none uploaded), so previews can ask for the new one. */
export function appImageVersions(db: Database): Record<AppImageName, number | null> {
  return Object.fromEntries(APP_IMAGE_NAMES.map((n) => [n, findAppImage(db, n)?.updatedAt ?? null])) as Record<AppImageName, number | null>;
}

/** The per-installation stylesheet: accent colour, animations, login background. */
export function brandingCss(config: Pick<AppConfig, "accentColor" | "disableAnimations">, opts: { background: boolean; backgroundVersion: number }): string {
  const out: string[] = ["/* Latchkey branding (Administration → Configuration) */"];
  if (/^#[0-9a-fA-F]{6}$/.test(config.accentColor)) {
    const c = config.accentColor.toLowerCase();
    out.push(
      `:root { --accent: ${c}; --accent-hover: ${shade(c, -0.15)}; --accent-soft: color-mix(in srgb, ${c} 12%, white); --accent-contrast: #ffffff; }`,
      `@media (prefers-color-scheme: dark) { :root { --accent: ${shade(c, 0.35)}; --accent-hover: ${shade(c, 0.5)}; --accent-soft: color-mix(in srgb, ${c} 25%, #0b0d12); --accent-contrast: #0b0d12; } }`,
    );
  }
  if (config.disableAnimations) out.push("*, *::before, *::after { transition: none !important; animation: none !important; }");
  if (opts.background) {
    out.push(`.layout-card { background-image: url("/api/application-images/background?v=${opts.backgroundVersion}"); background-size: cover; background-position: center; background-attachment: fixed; }`);
  }
  return out.join("\n") + "\n";
}
