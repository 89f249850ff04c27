DROP INDEX tokens_org_kind_expires;
ALTER TABLE org_settings DROP COLUMN restrict_guest_personal_access_tokens;
ALTER TABLE org_settings DROP COLUMN restrict_guest_apps;
DROP TABLE service_accounts;
DROP TABLE token_policies;
