/** Shared helpers for the admin page routes (HTML side of the admin console). */
import { AppError, fieldTexts } from "../errors.ts";
import { FlashOob } from "../../templates/pages/admin/admin-shell.tsx";
import { buildPageContext, requestTranslator } from "./page-context.ts";
import { htmlResponse, isHtmx, redirectResponse } from "./responses.ts";
import type { WebDeps } from "./web-deps.ts";
import type { PageContext } from "../../templates/page-context.ts";

export function pageCtx(web: WebDeps, request: Request): PageContext {
  return buildPageContext(web, web.assets, request);
}

/** Runs a validating action; validation failures come back as field messages (in the viewer's language) instead of throwing. */
export function attempt<T>(web: WebDeps, request: Request, fn: () => T): { ok: true; value: T } | { ok: false; errors: Record<string, string> } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof AppError && e.code === "validation_failed") {
      const { text } = requestTranslator(web, request);
      return { ok: false, errors: Object.keys(e.fields).length ? fieldTexts(e.fields, text) : { _: text(e.text) } };
    }
    throw e;
  }
}

/** A fragment (htmx) with an optional out-of-band flash message. */
export function fragment(body: JSX.Element | string, opts: { status?: number; flash?: { kind: "success" | "error" | "info"; message: string }; headers?: Record<string, string> } = {}): Response {
  const flash = opts.flash ? String(FlashOob(opts.flash)) : "";
  return htmlResponse(String(body) + flash, { status: opts.status, headers: opts.headers });
}

/** After a change: htmx gets the fragment, a plain form post is sent back to `fallback` (PRG). */
export function afterChange(request: Request, fallback: string, render: () => Response): Response {
  return isHtmx(request) ? render() : redirectResponse(fallback);
}

/** Form bodies arrive as an object of strings (or arrays for repeated fields). */
export function formOf(body: unknown): Record<string, unknown> {
  return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

export function checked(v: unknown): boolean {
  return v === "on" || v === "true" || v === "1" || (Array.isArray(v) && v.some((x) => x === "on" || x === "true"));
}

export function listOf(v: unknown): string[] {
  return (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).map(String).filter((s) => s !== "");
}
