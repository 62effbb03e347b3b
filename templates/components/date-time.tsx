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
