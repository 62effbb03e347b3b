/**
 * Static assets, embedded in the binary through `with { type: "file" }` imports.
 * Served at /static/<name>.<hash>.<ext> with a year-long immutable cache; the plain
 * /static/<name> path still works with a short cache, for bookmarks and old pages.
 */
import { createHash } from "node:crypto";
// @ts-ignore -- a file import: Bun gives the (embedded) path, not a module
import htmxPath from "../../node_modules/htmx.org/dist/htmx.min.js" with { type: "file" };
import cssPath from "../../static/css/app.css" with { type: "file" };
// @ts-ignore -- a file import: Bun gives the (embedded) path, not a module
import appJsPath from "../../static/js/app.js" with { type: "file" };
// @ts-ignore -- a file import: Bun gives the (embedded) path, not a module
import passkeyJsPath from "../../static/js/passkey.js" with { type: "file" };
// @ts-ignore -- a file import: Bun gives the (embedded) path, not a module
import deviceLoginJsPath from "../../static/js/device-login.js" with { type: "file" };
// @ts-ignore -- a file import: Bun gives the (embedded) path, not a module
import formPostJsPath from "../../static/js/form-post.js" with { type: "file" };
// @ts-ignore -- a file import: Bun gives the (embedded) path, not a module
import adminJsPath from "../../static/js/admin.js" with { type: "file" };
// @ts-ignore -- a file import: Bun gives the (embedded) path, not a module
import appConfigJsPath from "../../static/js/app-config.js" with { type: "file" };
import faviconPath from "../../static/img/favicon.svg" with { type: "file" };
// @ts-ignore -- a file import: Bun gives the (embedded) path, not a module
import backgroundPath from "../../static/img/background.svg" with { type: "file" };

const SOURCES: Record<string, string> = {
  "htmx.min.js": htmxPath,
  "app.css": cssPath,
  "app.js": appJsPath,
  "passkey.js": passkeyJsPath,
  "device-login.js": deviceLoginJsPath,
  "form-post.js": formPostJsPath,
  "admin.js": adminJsPath,
  "app-config.js": appConfigJsPath,
  "favicon.svg": faviconPath,
  "background.svg": backgroundPath,
};

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  woff2: "font/woff2",
};

export interface Asset {
  name: string;
  url: string;
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

export interface AssetRegistry {
  url(name: keyof typeof SOURCES | string): string;
  /** Looks an asset up by its request path below /static/. */
  find(path: string): { asset: Asset; immutable: boolean } | null;
}

export async function loadAssets(): Promise<AssetRegistry> {
  const byName = new Map<string, Asset>();
  const byHashed = new Map<string, Asset>();
  for (const [name, file] of Object.entries(SOURCES)) {
    const body = new Uint8Array(await Bun.file(file).arrayBuffer());
    const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
    const dot = name.lastIndexOf(".");
    const hashedName = `${name.slice(0, dot)}.${hash}${name.slice(dot)}`;
    const asset: Asset = { name, url: `/static/${hashedName}`, body, type: TYPES[name.slice(dot + 1)] ?? "application/octet-stream", etag: `"${hash}"` };
    byName.set(name, asset);
    byHashed.set(hashedName, asset);
  }
  return {
    url(name) {
      const a = byName.get(name);
      if (!a) throw new Error(`Unknown asset ${name}`);
      return a.url;
    },
    find(path) {
      const hashed = byHashed.get(path);
      if (hashed) return { asset: hashed, immutable: true };
      const plain = byName.get(path);
      return plain ? { asset: plain, immutable: false } : null;
    },
  };
}
