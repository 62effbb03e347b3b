import type { MessageKey } from "../../src/i18n/catalog.ts";
import type { MessageParams } from "../../src/i18n/message.ts";
import type { PageContext } from "../page-context.ts";

/**
 * A moment, shown one way everywhere: medium date and short time in the viewer's language and time
 * zone (or "5 minutes ago" with `relative`), the exact time on hover. static/js/app.js re-renders it in
 * the browser's zone when the server did not know it yet.
 */
export function DateTime({ ctx, at, relative = false }: { ctx: PageContext; at: number; relative?: boolean }): JSX.Element {
  const shown = relative ? ctx.i18n.formatRelative(at, ctx.now) : ctx.i18n.formatDateTime(at, ctx.timeZone);
  return (
    <time datetime={new Date(at * 1000).toISOString()} title={ctx.i18n.formatExact(at, ctx.timeZone)} data-format={relative ? "relative" : "medium"} safe>
      {shown}
    </time>
  );
}

/**
 * A sentence with a moment inside, e.g. "Last seen <time>{at}</time>": the moment is a <DateTime>
 * (the viewer's format and zone, the exact time on hover), wherever the language puts it.
 */
export function dateSentence(ctx: PageContext, key: MessageKey, at: number, params: MessageParams = {}): JSX.Element {
  const values: Record<string, string | number | ((text: string) => string)> = {};
  for (const [name, value] of Object.entries(params)) values[name] = typeof value === "object" ? ctx.text(value) : value;
  return ctx.rich(key, { ...values, at: ctx.i18n.formatDateTime(at, ctx.timeZone), time: () => String(<DateTime ctx={ctx} at={at} />) }) as JSX.Element;
}
