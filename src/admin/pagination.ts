/**
 * Pocket ID's list query and page shape:
 * `?pagination[page]=1&pagination[limit]=20&sort[column]=name&sort[direction]=asc&search=…`
 * → `{ data: [...], pagination: { totalPages, totalItems, currentPage, itemsPerPage } }`.
 * Out-of-range page numbers and limits are clamped rather than refused; an unknown sort column or
 * direction is a 400 naming the accepted values (checkSortColumn, by each list with its own columns),
 * never a lookup of the request's string in an object (`constructor`, `__proto__` are not columns).
 */
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";

export interface ListQuery {
  page: number;
  limit: number;
  offset: number;
  search: string;
  sort?: string;
  direction: "asc" | "desc";
}

export interface Page<T> {
  data: T[];
  pagination: { totalPages: number; totalItems: number; currentPage: number; itemsPerPage: number };
}

function pick(q: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = q[n];
    if (typeof v === "string" && v !== "") return v;
    if (Array.isArray(v) && typeof v[0] === "string") return v[0];
  }
  return undefined;
}

export function parseListQuery(query: Record<string, unknown>, defaultLimit = 20): ListQuery {
  const pageRaw = Number(pick(query, "pagination[page]", "page") ?? 1);
  const limitRaw = Number(pick(query, "pagination[limit]", "limit") ?? defaultLimit);
  const page = Number.isInteger(pageRaw) && pageRaw >= 1 ? Math.min(pageRaw, 1_000_000) : 1;
  const limit = Number.isInteger(limitRaw) && limitRaw >= 1 ? Math.min(limitRaw, 100) : defaultLimit;
  const directionRaw = pick(query, "sort[direction]", "direction")?.toLowerCase() ?? "asc";
  if (directionRaw !== "asc" && directionRaw !== "desc") throw AppError.badRequest(msg("common.errorSortDirection"));
  const direction = directionRaw;
  return { page, limit, offset: (page - 1) * limit, search: (pick(query, "search", "q") ?? "").slice(0, 100), sort: pick(query, "sort[column]", "sort"), direction };
}

/** Refuses a sort column the list does not have (400 naming the ones it has); absent is the list's default. */
export function checkSortColumn(q: ListQuery, columns: readonly string[]): void {
  if (q.sort !== undefined && !columns.includes(q.sort)) {
    throw AppError.badRequest(msg("common.errorSortColumn", { columns: columns.join(", ") }));
  }
}

export function toPage<T>(data: T[], total: number, q: ListQuery): Page<T> {
  return { data, pagination: { totalPages: Math.max(1, Math.ceil(total / q.limit)), totalItems: total, currentPage: q.page, itemsPerPage: q.limit } };
}

/** Unix seconds → RFC 3339, the form Pocket ID's JSON uses for dates. */
export function isoTime(seconds: number | null): string | null {
  return seconds === null ? null : new Date(seconds * 1000).toISOString();
}
