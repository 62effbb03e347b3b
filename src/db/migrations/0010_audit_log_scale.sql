-- The audit log at a million rows (issue 6). The client filter matches data.clientName or data.clientId:
-- each gets an index in newest-first order, so a filtered page merges two index walks instead of
-- scanning the table. audit_logs_time_id served an older (created_at, id) order; the list now breaks
-- ties by rowid, which audit_logs_time (0001) already carries, and a second time index could lure the
-- planner into sorting within each second.
DROP INDEX audit_logs_time_id;
DROP INDEX audit_logs_client_name;
CREATE INDEX audit_logs_client_name_time ON audit_logs(json_extract(data, '$.clientName'), created_at);
CREATE INDEX audit_logs_client_id_time ON audit_logs(json_extract(data, '$.clientId'), created_at);
