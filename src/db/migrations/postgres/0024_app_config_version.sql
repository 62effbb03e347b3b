-- Issue 24: the application configuration is cached per instance (src/admin/app-config.ts readAppConfig) and
-- checked against this counter on every read: one indexed row instead of every app_config row. Bumped by
-- triggers in the same transaction as every change, as for the signing keys (0017), so every instance sees a
-- change at its next read.
INSERT INTO change_versions (name, version) VALUES ('app_config', 0);

CREATE FUNCTION bump_app_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'app_config';
  RETURN NULL;
END;
$$;
CREATE TRIGGER app_config_version_insert AFTER INSERT ON app_config
  FOR EACH ROW EXECUTE FUNCTION bump_app_config_version();
CREATE TRIGGER app_config_version_update AFTER UPDATE ON app_config
  FOR EACH ROW EXECUTE FUNCTION bump_app_config_version();
CREATE TRIGGER app_config_version_delete AFTER DELETE ON app_config
  FOR EACH ROW EXECUTE FUNCTION bump_app_config_version();
