/**
 * Generated initials avatars as real PNGs (Pocket ID serves PNG at /api/users/<id>/profile-picture.png
 * and clients cache it as the `picture` claim): a 5×7 bitmap font scaled up on a colour derived
 * from the user id. No native image library is needed.
 */
import { createHash } from "node:crypto";
import { encodePng } from "../lib/png.ts";
import { ownValue } from "../lib/own.ts";

// 5×7 glyphs, one string per row, "#" = ink.
const FONT: Record<string, string[]> = {
  A: [" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"],
  B: ["#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "],
  C: [" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "],
  D: ["#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "],
  E: ["#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"],
  F: ["#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "],
  G: [" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"],
  H: ["#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"],
  I: [" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
  J: ["  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "],
  K: ["#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"],
  L: ["#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"],
  M: ["#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"],
  N: ["#   #", "#   #", "##  #", "# # #", "#  ##", "#   #", "#   #"],
  O: [" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "],
  P: ["#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "],
  Q: [" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"],
  R: ["#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"],
  S: [" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "],
  T: ["#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "],
  U: ["#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "],
  V: ["#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "],
  W: ["#   #", "#   #", "#   #", "# # #", "# # #", "# # #", " # # "],
  X: ["#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"],
  Y: ["#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "],
  Z: ["#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"],
  "0": [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
  "1": ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
  "2": [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
  "3": ["#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "],
  "4": ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
  "5": ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
  "6": ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
  "7": ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
  "8": [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
  "9": [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
  "?": [" ### ", "#   #", "    #", "   # ", "  #  ", "     ", "  #  "],
};

const PALETTE: [number, number, number][] = [
  [79, 70, 229], [14, 116, 144], [21, 128, 61], [190, 18, 60], [180, 83, 9], [124, 58, 237], [3, 105, 161], [162, 28, 175],
];

/** Up to two initials from the names (letters and digits only, Latin fallback "?"). */
export function initialsOf(u: { first_name: string; last_name: string; display_name: string; username: string }): string {
  const clean = (s: string) => s.normalize("NFD").replace(/[^A-Za-z0-9]/g, "").toUpperCase();
  const first = clean(u.first_name)[0];
  const last = clean(u.last_name)[0];
  if (first && last) return first + last;
  const words = (u.display_name || u.username).split(/[\s._@-]+/).map(clean).filter(Boolean);
  const out = words.length >= 2 ? words[0]![0]! + words[1]![0]! : (words[0] ?? "").slice(0, 2);
  return out || "?";
}

const cache = new Map<string, Uint8Array>();

/** A size×size PNG with the initials centred on a colour chosen from `seed`. */
export function renderInitialsAvatar(initials: string, seed: string, size = 128): Uint8Array {
  const key = `${initials}|${seed}|${size}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const colour = PALETTE[createHash("sha256").update(seed).digest()[0]! % PALETTE.length]!;
  const px = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) px.set(colour, i * 3);
  const glyphs = [...initials.slice(0, 2)].map((c) => ownValue(FONT, c) ?? FONT["?"]!);
  const scale = Math.floor(size / (glyphs.length === 1 ? 12 : 18));
  const gap = scale;
  const width = glyphs.length * 5 * scale + (glyphs.length - 1) * gap;
  const x0 = Math.floor((size - width) / 2);
  const y0 = Math.floor((size - 7 * scale) / 2);
  glyphs.forEach((g, gi) => {
    for (let row = 0; row < 7; row++)
      for (let col = 0; col < 5; col++) {
        if (g[row]![col] !== "#") continue;
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) {
            const x = x0 + gi * (5 * scale + gap) + col * scale + dx;
            const y = y0 + row * scale + dy;
            px.set([255, 255, 255], (y * size + x) * 3);
          }
      }
  });
  const png = encodePng(size, size, px);
  if (cache.size > 500) cache.clear();
  cache.set(key, png);
  return png;
}
