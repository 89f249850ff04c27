ALTER TABLE idp_connections DROP COLUMN takeover_unmanaged;
ALTER TABLE organizations DROP COLUMN admin_guard_version;
