-- Audit log: indexes for the administrators' filters (event, IP, client) and the newest-first
-- pagination (created_at DESC, id DESC). user_id and created_at already have theirs (0001).
CREATE INDEX audit_logs_time_id ON audit_logs(created_at, id);
CREATE INDEX audit_logs_event_time ON audit_logs(event, created_at);
CREATE INDEX audit_logs_ip_time ON audit_logs(ip_address, created_at);
CREATE INDEX audit_logs_client_name ON audit_logs(json_extract(data, '$.clientName'));
