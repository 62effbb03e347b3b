/** The audit log in the JSON API (src/http/routes/audit-log.ts; the reader is src/audit/audit-queries.ts parseAuditQuery). */
import { t } from "elysia";
import { Input, IsoTime, Nullable } from "./common.ts";

const pagination = {
  "pagination[page]": t.Optional(t.String({ description: "Page number, from 1" })),
  "pagination[limit]": t.Optional(t.String({ description: "Items per page, 1–100 (default 20)" })),
  page: t.Optional(t.String({ deprecated: true })),
  limit: t.Optional(t.String({ deprecated: true })),
};

export const AuditLogPageQuery = Input(pagination);

/** Pocket ID's filters[…] names, and the shorter ones the pages use. */
export const AuditLogFilterQuery = Input({
  ...pagination,
  "filters[userId]": t.Optional(t.String({ description: "A user's id or username" })),
  "filters[event]": t.Optional(t.String({ description: "An event name, e.g. SIGN_IN" })),
  "filters[clientName]": t.Optional(t.String({ description: "An application's name" })),
  "filters[ipAddress]": t.Optional(t.String({ description: "An exact IP address" })),
  from: t.Optional(t.String({ description: "First day (YYYY-MM-DD, UTC)" })),
  to: t.Optional(t.String({ description: "Last day (YYYY-MM-DD, UTC)" })),
  user: t.Optional(t.String({ deprecated: true })),
  userId: t.Optional(t.String({ deprecated: true })),
  event: t.Optional(t.String({ deprecated: true })),
  client: t.Optional(t.String({ deprecated: true })),
  clientName: t.Optional(t.String({ deprecated: true })),
  ip: t.Optional(t.String({ deprecated: true })),
});

export const AuditLogEntry = t.Object(
  {
    id: t.String(),
    createdAt: IsoTime,
    event: t.String(),
    ipAddress: Nullable(t.String()),
    country: Nullable(t.String()),
    city: Nullable(t.String()),
    device: t.String(),
    userID: Nullable(t.String()),
    username: Nullable(t.String()),
    data: t.Record(t.String(), t.Unknown()),
  },
  { $id: "AuditLogEntry" },
);

export const AuditLogPage = t.Object(
  {
    data: t.Array(AuditLogEntry),
    pagination: t.Object({ totalPages: t.Number(), totalItems: t.Number(), currentPage: t.Number(), itemsPerPage: t.Number() }),
  },
  { $id: "AuditLogPage" },
);
