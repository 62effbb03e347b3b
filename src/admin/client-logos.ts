/**
 * OIDC client logos (light and dark), uploaded by an administrator.
 * - Type decided by content (file-type): PNG, JPEG, GIF, WebP; ≤ 2 MiB. SVG is refused: served from
 *   our origin it could carry script.
 * - Without a dark logo the light one is used for both.
 * - Changes are audited (ADMIN_CHANGE oidc_client set_logo / delete_logo).
 */
import type { Database } from "../db/database.ts";
import { findClientLogo, setClientLogo, type ClientLogo } from "../db/client-logos.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { nowSeconds } from "../lib/clock.ts";
import { auditedChange, type Actor, type AuditDeps } from "../audit/actor.ts";

export const MAX_LOGO_BYTES = 2 * 1024 * 1024;
const ALLOWED = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

export async function saveClientLogo(deps: AuditDeps, actor: Actor, clientId: string, bytes: Uint8Array, dark: boolean): Promise<string> {
  if (bytes.length === 0) throw AppError.validation(msg("clients.errorLogoMissing"), { file: msg("clients.errorLogoEmpty") });
  if (bytes.length > MAX_LOGO_BYTES) throw new AppError("payload_too_large", msg("clients.errorLogoTooLarge"), { file: msg("clients.errorLogoTooLargeField") });
  const { fileTypeFromBuffer } = await import("file-type"); // loaded on the first upload, not at start (idle RSS)
  const type = await fileTypeFromBuffer(bytes);
  if (!type || !ALLOWED.has(type.mime)) throw new AppError("unsupported_media_type", msg("clients.errorLogoType"), { file: msg("clients.errorLogoTypeField") });
  const mime = type.mime;
  return auditedChange(
    deps,
    actor,
    () => {
      if (!setClientLogo(deps.db, clientId, dark, { data: bytes, type: mime }, nowSeconds(deps.clock))) throw AppError.notFound(msg("clients.errorNoSuchClient"));
      return mime;
    },
    () => ({ entity: "oidc_client", action: "set_logo", id: clientId, changes: { dark, type: mime } }),
  );
}

export function removeClientLogo(deps: AuditDeps, actor: Actor, clientId: string, dark: boolean): void {
  auditedChange(
    deps,
    actor,
    () => {
      if (!setClientLogo(deps.db, clientId, dark, null, nowSeconds(deps.clock))) throw AppError.notFound(msg("clients.errorNoSuchClient"));
    },
    () => ({ entity: "oidc_client", action: "delete_logo", id: clientId, changes: { dark } }),
  );
}

/** The logo to show: the dark one when asked and present, else the light one. */
export function clientLogo(db: Database, clientId: string, dark: boolean): ClientLogo | null {
  return (dark ? findClientLogo(db, clientId, true) : null) ?? findClientLogo(db, clientId, false);
}
