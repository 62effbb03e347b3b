/**
 * Phone width and contrast (issue 20, problem 9), measured in headless Chromium from computed styles:
 * form-control borders reach WCAG's 3:1 against what is on either side of them and body and muted text
 * reach 4.5:1, in light and dark; at 390 px a snippet's Copy button never covers the snippet's text,
 * a passkey's "Last used" is never clipped, and badges share one height.
 */
import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { createProtectedApp } from "../../src/forward-auth/protected-apps.ts";
import { newPasskeyPage, setUpFirstAdmin, type TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import type { TestServer } from "../helpers/server.ts";

let server: TestServer;
let browser: TestBrowser;
browserWorld((w) => ({ server, browser } = w));

const SHOTS = process.env.CONTRAST_SHOTS; // a directory: screenshots for review, when set

interface Measured { what: string; ratio: number }

/** WCAG contrast of every visible control's border and of text, computed in the page. */
function measureContrast(page: Page): Promise<{ borders: Measured[]; texts: Measured[] }> {
  return page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const g = canvas.getContext("2d", { willReadFrequently: true })!;
    /** Any CSS colour → [r, g, b, a] (0–255, a 0–1), by painting it. */
    const rgba = (css: string): [number, number, number, number] => {
      g.clearRect(0, 0, 1, 1);
      g.fillStyle = "#000";
      g.fillStyle = css;
      g.fillRect(0, 0, 1, 1);
      const d = g.getImageData(0, 0, 1, 1).data;
      return [d[0]!, d[1]!, d[2]!, d[3]! / 255];
    };
    const over = (top: [number, number, number, number], under: [number, number, number]): [number, number, number] =>
      [0, 1, 2].map((i) => top[i]! * top[3] + under[i]! * (1 - top[3])) as [number, number, number];
    /** The opaque colour painted behind an element: its ancestors' backgrounds composited. */
    const backdrop = (el: Element | null): [number, number, number] => {
      const layers: [number, number, number, number][] = [];
      for (let e = el; e; e = e.parentElement) {
        const c = rgba(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      let base: [number, number, number] = [255, 255, 255];
      if (document.documentElement && layers.length && layers[layers.length - 1]![3] < 1) {
        base = matchMedia("(prefers-color-scheme: dark)").matches ? [0, 0, 0] : [255, 255, 255];
      }
      for (const l of layers.reverse()) base = over(l, base);
      return base;
    };
    const lum = (c: [number, number, number]) => {
      const [r, gg, b] = c.map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r! + 0.7152 * gg! + 0.0722 * b!;
    };
    const ratio = (a: [number, number, number], b: [number, number, number]) => {
      const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
      return (x! + 0.05) / (y! + 0.05);
    };
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
    };
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className && typeof el.className === "string" ? `.${el.className.trim().split(/\s+/).join(".")}` : ""}`;

    const borders: { what: string; ratio: number }[] = [];
    const controls = document.querySelectorAll(
      "input[type=text], input[type=email], input[type=url], input[type=number], input[type=search], input[type=password], input:not([type]), select, textarea",
    );
    for (const el of controls) {
      if (!visible(el) || (el as HTMLInputElement).disabled) continue;
      const style = getComputedStyle(el);
      const outside = backdrop(el.parentElement);
      const inside = backdrop(el);
      const border = over(rgba(style.borderTopColor), outside);
      borders.push({ what: `${name(el)} border vs page`, ratio: ratio(border, outside) });
      borders.push({ what: `${name(el)} border vs field`, ratio: ratio(border, inside) });
    }

    const texts: { what: string; ratio: number }[] = [];
    const samples = new Set<Element>([document.body, ...document.querySelectorAll(".muted, .meta, .hint, .lead, .badge, label, th, .nav-link, .admin-tab, .eyebrow, p, td")]);
    for (const el of samples) {
      if (!visible(el) || !el.textContent?.trim()) continue;
      const style = getComputedStyle(el);
      const bg = backdrop(el);
      const fg = over(rgba(style.color), bg);
      texts.push({ what: `${name(el)} “${el.textContent.trim().slice(0, 30)}”`, ratio: ratio(fg, bg) });
    }
    return { borders, texts };
  });
}

function expectAA(found: { borders: Measured[]; texts: Measured[] }, where: string): void {
  expect(found.borders.length, `${where}: no form controls measured`).toBeGreaterThan(0);
  const weakBorders = found.borders.filter((m) => m.ratio < 3).map((m) => `${m.what}: ${m.ratio.toFixed(2)}`);
  const weakTexts = found.texts.filter((m) => m.ratio < 4.5).map((m) => `${m.what}: ${m.ratio.toFixed(2)}`);
  expect({ where, weakBorders, weakTexts }).toEqual({ where, weakBorders: [], weakTexts: [] });
}

async function shoot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  const snippet = page.locator(".snippet").first();
  if (await snippet.isVisible()) await snippet.screenshot({ path: `${SHOTS}/${name}-snippet.png` });
}

describe("phone width and contrast", () => {
  let page: Page;
  let clientId: string;
  let appId: string;

  test("set-up: an administrator with a used passkey, an OIDC client and a protected app", async () => {
    ({ page } = await newPasskeyPage(browser));
    await setUpFirstAdmin(page, server.url);
    server.deps.db.run("UPDATE webauthn_credentials SET last_used_at = ?", [server.deps.clock.now() - 3 * 60_000]);
    clientId = createClient(server.deps, CLI_ACTOR, { name: "Forgejo", callbackUrls: ["https://git.example.com/user/oauth2/latchkey/callback"] }).client.id;
    appId = createProtectedApp(server.deps, CLI_ACTOR, { name: "Dashboard", hosts: ["dash.example.com"] }).id;
  });

  const pages = () => [
    { name: "account", path: "/settings/account" },
    { name: "admin-new-client", path: "/settings/admin/oidc-clients/new" },
    { name: "admin-client", path: `/settings/admin/oidc-clients/${clientId}` },
    { name: "admin-protected-app", path: `/settings/admin/protected-apps/${appId}` },
  ];

  for (const scheme of ["light", "dark"] as const) {
    test(`${scheme}: control borders ≥ 3:1 and text ≥ 4.5:1 on the account page and admin forms`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      for (const width of [390, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        for (const p of pages()) {
          await page.goto(`${server.url}${p.path}`);
          await shoot(page, `${p.name}-${width}-${scheme}`);
          if (p.name === "account" || p.name === "admin-new-client") expectAA(await measureContrast(page), `${p.name} ${width} ${scheme}`);
          else expect((await measureContrast(page)).texts.filter((m) => m.ratio < 4.5).map((m) => m.what)).toEqual([]);
        }
      }
    });
  }

  test("at 390 px a snippet's Copy button does not cover its text, on the client and protected-app pages", async () => {
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of [`/settings/admin/oidc-clients/${clientId}`, `/settings/admin/protected-apps/${appId}`]) {
      await page.goto(`${server.url}${path}`);
      const overlaps = await page.evaluate(() => {
        const found: string[] = [];
        let checked = 0;
        for (const snippet of document.querySelectorAll(".snippet")) {
          const button = snippet.querySelector("[data-copy]");
          const code = snippet.querySelector("pre code");
          if (!button || !code) continue;
          const pre = code.closest("pre")!;
          const b = button.getBoundingClientRect();
          // The text as laid out (every line box), clipped to what the <pre> shows.
          const range = document.createRange();
          range.selectNodeContents(code);
          const p = pre.getBoundingClientRect();
          for (const r of range.getClientRects()) {
            const left = Math.max(r.left, p.left), right = Math.min(r.right, p.right);
            if (right <= left || r.width === 0) continue;
            checked++;
            if (b.left < right && left < b.right && b.top < r.bottom && r.top < b.bottom) found.push(`${code.textContent!.slice(0, 40)}…`);
          }
        }
        return { checked, found };
      });
      expect(overlaps.checked, path).toBeGreaterThan(0);
      expect(overlaps.found, path).toEqual([]);
    }
  });

  test("at 390 px “Last used” is not clipped and badges are one height", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/settings/account`);
    const lastUsed = page.locator(".passkey-item .last-used");
    await expect(lastUsed.first().textContent()).resolves.toMatch(/^Last used /);
    const fits = await lastUsed.evaluateAll((els) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        const item = el.closest(".list-item")!.getBoundingClientRect();
        return { scroll: el.scrollWidth, client: el.clientWidth, inside: r.left >= item.left && r.right <= item.right };
      }),
    );
    for (const f of fits) {
      expect(f.scroll).toBeLessThanOrEqual(f.client);
      expect(f.inside).toBe(true);
    }

    await page.goto(`${server.url}/settings/admin/oidc-clients/${clientId}`);
    const heights = await page.locator(".badge").evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().height > 0).map((e) => Math.round(e.getBoundingClientRect().height)));
    await page.goto(`${server.url}/settings/account`);
    heights.push(...(await page.locator(".badge").evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().height > 0).map((e) => Math.round(e.getBoundingClientRect().height)))));
    expect(heights.length).toBeGreaterThan(1);
    expect(new Set(heights).size).toBe(1);
  });
});
