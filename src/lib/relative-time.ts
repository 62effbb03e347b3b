/** Times in words for pages: "just now", "5 minutes ago", "3 hours ago", "2 days ago", else a date. */
export function relativeTime(then: number, now: number): string {
  const s = Math.max(0, now - then);
  if (s < 60) return "just now";
  if (s < 3600) return plural(Math.floor(s / 60), "minute") + " ago";
  if (s < 86400) return plural(Math.floor(s / 3600), "hour") + " ago";
  if (s < 86400 * 14) return plural(Math.floor(s / 86400), "day") + " ago";
  return formatDate(then);
}

export function formatDate(seconds: number): string {
  return new Date(seconds * 1000).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}
