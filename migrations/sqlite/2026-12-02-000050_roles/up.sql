-- Roles and org-wide settings (issue 12). Mirrors migrations/mysql: see the comments there.
CREATE TABLE roles (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    description TEXT NOT NULL,
    base_role TEXT NOT NULL,
    standard BOOLEAN NOT NULL,
    permissions TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX roles_org_name ON roles (org_id, name_lower);

CREATE TABLE org_settings (
    org_id TEXT NOT NULL,
    guest_invites BOOLEAN NOT NULL,
    restrict_guest_invites BOOLEAN NOT NULL,
    trusted_domains TEXT NOT NULL,
    upload_files BOOLEAN NOT NULL,
    download_files_on_mobile BOOLEAN NOT NULL,
    personal_access_tokens BOOLEAN NOT NULL,
    apps BOOLEAN NOT NULL,
    ai BOOLEAN NOT NULL,
    default_internal_role TEXT NOT NULL,
    default_external_role TEXT NOT NULL,
    governance_version BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE INDEX users_org_role ON users (org_id, role);

-- The standard roles of every existing organization, with the ids users already hold and the
-- reference defaults (governance::roles::catalogue; a unit test keeps these lists in step).
INSERT INTO roles (org_id, id, name, name_lower, description, base_role, standard, permissions, version, created_at, updated_at)
SELECT id, 'super_admin', 'Super admin', 'super admin', 'Full control over the organization; fixed.', 'super_admin', 1, 'invite_guests,create_company_goals,add_custom_fields_to_library,create_teams,share_portfolios_with_organization,delete_tasks,delete_own_tasks,export_project_data,import_files,upload_files,download_files_on_mobile,use_personal_access_tokens,use_apps,ai,core_ai,proactive_ai,ai_automations,manage_roles,assign_roles', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now') FROM organizations;
INSERT INTO roles (org_id, id, name, name_lower, description, base_role, standard, permissions, version, created_at, updated_at)
SELECT id, 'admin', 'Admin', 'admin', 'Organization administrators.', 'admin', 1, 'invite_guests,create_company_goals,add_custom_fields_to_library,create_teams,share_portfolios_with_organization,delete_tasks,delete_own_tasks,export_project_data,import_files,upload_files,download_files_on_mobile,use_personal_access_tokens,use_apps,ai,core_ai,proactive_ai,ai_automations,assign_roles', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now') FROM organizations;
INSERT INTO roles (org_id, id, name, name_lower, description, base_role, standard, permissions, version, created_at, updated_at)
SELECT id, 'member', 'Member', 'member', 'Default role of internal users.', 'member', 1, 'invite_guests,create_company_goals,add_custom_fields_to_library,create_teams,share_portfolios_with_organization,delete_tasks,delete_own_tasks,export_project_data,import_files,upload_files,download_files_on_mobile,use_personal_access_tokens,use_apps,ai,core_ai,proactive_ai,ai_automations', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now') FROM organizations;
INSERT INTO roles (org_id, id, name, name_lower, description, base_role, standard, permissions, version, created_at, updated_at)
SELECT id, 'guest', 'Guest', 'guest', 'Default role of external users.', 'guest', 1, 'invite_guests,add_custom_fields_to_library,share_portfolios_with_organization,delete_tasks,delete_own_tasks,export_project_data,import_files,upload_files,download_files_on_mobile,use_personal_access_tokens,use_apps,ai,core_ai,proactive_ai,ai_automations', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now') FROM organizations;

INSERT INTO org_settings (org_id, guest_invites, restrict_guest_invites, trusted_domains, upload_files, download_files_on_mobile, personal_access_tokens, apps, ai, default_internal_role, default_external_role, governance_version, updated_at)
SELECT id, 1, 0, '', 1, 1, 1, 1, 1, 'member', 'guest', 1, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM organizations;
