-- Issue 24: the application configuration is cached per process (src/admin/app-config.ts readAppConfig) and
-- checked against this counter on every read: one indexed row instead of every app_config row and the parsing of
-- each value, four times per passkey sign-in. Bumped by triggers in the same transaction as every change, as for
-- the signing keys (0017), so another process on the same file sees a change at its next read.
INSERT INTO change_versions (name, version) VALUES ('app_config', 0);

CREATE TRIGGER app_config_version_insert AFTER INSERT ON app_config
BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'app_config';
END;
CREATE TRIGGER app_config_version_update AFTER UPDATE ON app_config
BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'app_config';
END;
CREATE TRIGGER app_config_version_delete AFTER DELETE ON app_config
BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'app_config';
END;
