/**
 * Generated initials avatars (for people who uploaded no picture).
 * - One drawing, an SVG: up to two initials in a real typeface on a colour derived from the user id.
 *   Browsers get the SVG itself (crisp at any size); clients that need a raster (the `picture` claim,
 *   /api/users/<id>/profile-picture.png as in Pocket ID) get the same SVG rendered to a 256 px PNG by
 *   ./avatar-raster.ts, which embeds the typeface it names first (Inter SemiBold), so both look alike.
 * - Initials come from the Latin, Greek and Cyrillic scripts and the digits 0–9, which that typeface covers;
 *   a name in another script gets a person silhouette drawn as paths (no font needed) rather than a "?".
 * - The text is one or two letters or digits, XML-escaped all the same.
 */
import { createHash } from "node:crypto";

/** Pixel size of the PNG served where a raster is needed. */
export const AVATAR_PNG_SIZE = 256;
/** Part of the cache validators: bump when the drawing changes, so caches fetch the new one. */
export const AVATAR_DESIGN = "2";

const PALETTE = ["#4f46e5", "#0e7490", "#15803d", "#be123c", "#b45309", "#7c3aed", "#0369a1", "#a21caf"];
const FONT_STACK = `Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif`;
const DRAWABLE = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}0-9]$/u;

/** The first drawable character of `s`, upper-cased (one character even where upper-casing gives two, as ß → S). */
function initialOf(s: string): string | undefined {
  for (const ch of s.normalize("NFC")) {
    if (!DRAWABLE.test(ch)) continue;
    const upper = [...ch.toLocaleUpperCase("und")][0]!;
    return DRAWABLE.test(upper) ? upper : ch;
  }
  return undefined;
}

/** Up to two initials from the names; "" when none of them has a letter or digit that can be drawn. */
export function initialsOf(u: { firstName: string; lastName: string; displayName: string; username: string }): string {
  const first = initialOf(u.firstName);
  const last = initialOf(u.lastName);
  if (first && last) return first + last;
  const words = (u.displayName || u.username).split(/[\s._@-]+/u).filter((w) => initialOf(w) !== undefined);
  if (words.length >= 2) return initialOf(words[0]!)! + initialOf(words[1]!)!;
  if (words.length === 1) {
    const chars = [...words[0]!.normalize("NFC")].filter((c) => DRAWABLE.test(c));
    return chars.slice(0, 2).map((c) => initialOf(c)!).join("");
  }
  return first ?? last ?? "";
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The avatar as an SVG document (square, 256 units, scales to any size). */
export function initialsAvatarSvg(initials: string, seed: string): string {
  const colour = PALETTE[createHash("sha256").update(seed).digest()[0]! % PALETTE.length]!;
  const s = AVATAR_PNG_SIZE;
  const body = initials
    ? `<text x="128" y="128" dy="0.35em" text-anchor="middle" font-family='${FONT_STACK}' font-size="${initials.length > 1 ? 104 : 120}" font-weight="600" fill="#ffffff">${escapeXml(initials)}</text>`
    : // A person: head and shoulders, for names with no drawable initial.
      `<circle cx="128" cy="100" r="44" fill="#ffffff" fill-opacity="0.92"/><path d="M48 220c0-44 36-72 80-72s80 28 80 72z" fill="#ffffff" fill-opacity="0.92"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${s}" height="${s}" viewBox="0 0 ${s} ${s}" role="img" aria-label="${escapeXml(initials)}"><rect width="${s}" height="${s}" fill="${colour}"/>${body}</svg>`;
}
