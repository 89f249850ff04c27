-- The version of an organization's set of active super admins: every change that could remove
-- one (deactivation, deletion) claims the next version, so two such changes cannot both pass the
-- "someone else is still super admin" check (optimistic; no lock, so it holds on Galera too).
ALTER TABLE organizations ADD COLUMN admin_guard_version BIGINT NOT NULL DEFAULT 0;
-- Whether a connection may take over users it did not create (bootstrap or admin-API users):
-- off unless an admin turns it on.
ALTER TABLE idp_connections ADD COLUMN takeover_unmanaged BOOLEAN NOT NULL DEFAULT FALSE;
