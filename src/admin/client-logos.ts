/**
 * OIDC client logos (light and dark), uploaded by an administrator.
 * - Type decided by content (file-type): PNG, JPEG, GIF, WebP; ≤ 2 MiB. SVG is refused: served from
 *   our origin it could carry script.
 * - Without a dark logo the light one is used for both.
 * - Changes are audited (ADMIN_CHANGE oidc_client set_logo / delete_logo).
 * - By URL (Pocket ID's logoUrl / darkLogoUrl): the server downloads the image through the safe outbound fetcher
 *   (src/lib/outbound-fetch.ts: public addresses only, each of at most 3 redirects checked again, 2 MiB, 15 s, an
 *   image media type), then stores it as an upload — the same content checks, so an SVG or HTML answer is refused.
 */
import type { Database } from "../db/database.ts";
import { findClientLogo, setClientLogo, type ClientLogo } from "../db/client-logos.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { nowSeconds } from "../lib/clock.ts";
import { auditedChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import { fetchOutbound, OutboundFetchError, policyFor, type OutboundPolicy } from "../lib/outbound-fetch.ts";

export const MAX_LOGO_BYTES = 2 * 1024 * 1024;
const ALLOWED = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** The image type of a logo, decided by its content; throws the AppError an upload answers with. */
async function logoType(bytes: Uint8Array, field: string): Promise<string> {
  if (bytes.length === 0) throw AppError.validation(msg("clients.errorLogoMissing"), { [field]: msg("clients.errorLogoEmpty") });
  if (bytes.length > MAX_LOGO_BYTES) throw new AppError("payload_too_large", msg("clients.errorLogoTooLarge"), { [field]: msg("clients.errorLogoTooLargeField") });
  const { fileTypeFromBuffer } = await import("file-type"); // loaded on the first upload, not at start (idle RSS)
  const type = await fileTypeFromBuffer(bytes);
  if (!type || !ALLOWED.has(type.mime)) throw new AppError("unsupported_media_type", msg("clients.errorLogoType"), { [field]: msg("clients.errorLogoTypeField") });
  return type.mime;
}

export async function saveClientLogo(deps: AuditDeps, actor: Actor, clientId: string, bytes: Uint8Array, dark: boolean): Promise<string> {
  const mime = await logoType(bytes, "file");
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

/** What downloading a logo needs: the outbound policy (tests inject one) and LOCAL_IPV6_RANGES. */
export type LogoDownloadDeps = { outbound?: OutboundPolicy; config: { localIpv6Ranges: string[] } };

const LOGO_FETCH_TIMEOUT_MS = 15_000;

/**
 * Downloads the image at `url` for a client's logo and checks it as an upload; `field` names the input (logoUrl or
 * darkLogoUrl) in the 400/413/415 it throws. Store it with saveClientLogo.
 */
export async function downloadClientLogo(deps: LogoDownloadDeps, url: unknown, field: string): Promise<Uint8Array> {
  if (typeof url !== "string" || url.trim() === "" || url.length > 2048) throw AppError.validation(msg("clients.errorLogoUrl"), { [field]: msg("clients.errorLogoUrl") });
  let bytes: Uint8Array;
  try {
    const response = await fetchOutbound(policyFor(deps), url.trim(), {
      accept: (t) => t === "" || t.startsWith("image/"),
      acceptHeader: "image/png, image/jpeg, image/gif, image/webp",
      maxBytes: MAX_LOGO_BYTES,
      timeoutMs: LOGO_FETCH_TIMEOUT_MS,
      maxRedirects: 3,
      userAgent: "latchkey/oidc-logo-fetcher",
    });
    bytes = response.body;
  } catch (e) {
    if (!(e instanceof OutboundFetchError)) throw e;
    if (e.reason === "too-large") throw new AppError("payload_too_large", msg("clients.errorLogoTooLarge"), { [field]: msg("clients.errorLogoTooLargeField") });
    const problem = msg("clients.errorLogoDownload", { reason: e.message });
    throw AppError.validation(problem, { [field]: problem });
  }
  await logoType(bytes, field);
  return bytes;
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
