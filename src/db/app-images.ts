/** Branding images (logo light/dark, e-mail logo, favicon, login background, default profile picture), kept in the kv table as base64 JSON. */
import type { Database } from "./database.ts";

export type AppImageName = "logo-light" | "logo-dark" | "logo-email" | "favicon" | "background" | "default-profile-picture";
export type AppImage = { type: string; data: Uint8Array; updatedAt: number };

const key = (name: AppImageName) => `app_image:${name}`;

export function findAppImage(db: Database, name: AppImageName): AppImage | null {
  const row = db.query<{ value: string }, [string]>("SELECT value FROM kv WHERE key = ?").get(key(name));
  if (!row) return null;
  try {
    const v = JSON.parse(row.value) as { type: string; data: string; updatedAt: number };
    return { type: v.type, data: new Uint8Array(Buffer.from(v.data, "base64")), updatedAt: v.updatedAt };
  } catch {
    return null;
  }
}

export function saveAppImage(db: Database, name: AppImageName, image: AppImage): void {
  const value = JSON.stringify({ type: image.type, data: Buffer.from(image.data).toString("base64"), updatedAt: image.updatedAt });
  db.query("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key(name), value);
}

export function deleteAppImage(db: Database, name: AppImageName): boolean {
  return db.query("DELETE FROM kv WHERE key = ?").run(key(name)).changes > 0;
}
