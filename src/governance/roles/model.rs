//! The plain model of an organization's governance state as decisions read it: roles with their
//! base and permissions, and the org-wide settings. Built from storage, or by property tests.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::catalogue::{BaseRole, Licence, OrgSwitch, PermissionSet};
use super::RoleId;

/// One role as decisions read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleModel {
    pub id: RoleId,
    pub name: String,
    pub base: BaseRole,
    pub standard: bool,
    pub permissions: PermissionSet,
}

/// The org-wide settings (002 "Organization settings", the AI switch, role defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrgSettings {
    pub guest_invites: bool,
    pub restrict_guest_invites_to_trusted_domains: bool,
    pub trusted_domains: Vec<String>,
    pub upload_files: bool,
    pub download_files_on_mobile: bool,
    pub personal_access_tokens: bool,
    pub apps: bool,
    pub ai: bool,
    /// Issue 13 "Guest API restrictions": guest-based roles may not use apps (while on).
    pub restrict_guest_apps: bool,
    /// Guest-based roles may not use personal access tokens (while on).
    pub restrict_guest_personal_access_tokens: bool,
    pub default_internal_role: RoleId,
    pub default_external_role: RoleId,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            guest_invites: true,
            restrict_guest_invites_to_trusted_domains: false,
            trusted_domains: Vec::new(),
            upload_files: true,
            download_files_on_mobile: true,
            personal_access_tokens: true,
            apps: true,
            ai: true,
            restrict_guest_apps: false,
            restrict_guest_personal_access_tokens: false,
            default_internal_role: RoleId::standard(BaseRole::Member),
            default_external_role: RoleId::standard(BaseRole::Guest),
        }
    }
}

impl OrgSettings {
    /// Whether an org-wide switch is on.
    pub fn switch(&self, s: OrgSwitch) -> bool {
        match s {
            OrgSwitch::GuestInvites => self.guest_invites,
            OrgSwitch::RestrictGuestInvitesToTrustedDomains => {
                self.restrict_guest_invites_to_trusted_domains
            }
            OrgSwitch::UploadFiles => self.upload_files,
            OrgSwitch::DownloadFilesOnMobile => self.download_files_on_mobile,
            OrgSwitch::PersonalAccessTokens => self.personal_access_tokens,
            OrgSwitch::Apps => self.apps,
            OrgSwitch::Ai => self.ai,
        }
    }
}

impl OrgSettings {
    /// The guest restriction that withholds `permission` from guest-based roles, if it is on.
    pub fn guest_restriction(&self, permission: super::Permission) -> Option<&'static str> {
        match permission {
            super::Permission::UseApps if self.restrict_guest_apps => Some("restrict_guest_apps"),
            super::Permission::UsePersonalAccessTokens
                if self.restrict_guest_personal_access_tokens =>
            {
                Some("restrict_guest_personal_access_tokens")
            }
            _ => None,
        }
    }
}

/// An organization's roles and settings.
#[derive(Debug, Clone, Default)]
pub struct OrgModel {
    pub settings: OrgSettings,
    pub roles: HashMap<RoleId, RoleModel>,
}

/// A user as decisions read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserModel {
    pub role: RoleId,
    pub licence: Licence,
    pub active: bool,
}
