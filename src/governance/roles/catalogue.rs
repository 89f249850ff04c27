//! The permission catalogue: every permission a role can hold, its wire name, its default for
//! each standard role, and the rules that bind it (reference 001, "configurable permissions";
//! reference 002, "AI permissions" and "Organization settings"). Pure data: no storage, no HTTP.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One permission. The discriminant is the bit in a [`PermissionSet`]; the wire name
/// (`snake_case`) is what is stored and sent, so reordering variants never changes stored data.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Permission {
    // Invites (001 "Controls on the ability to invite users").
    InviteGuests,
    RestrictGuestInvitesToTrustedDomains,
    // Creation.
    CreateCompanyGoals,
    AddCustomFieldsToLibrary,
    CreateTeams,
    // Sharing.
    SharePortfoliosWithOrganization,
    // Tasks.
    DeleteTasks,
    DeleteOwnTasks,
    // Data in and out.
    ExportProjectData,
    ImportFiles,
    UploadFiles,
    DownloadFilesOnMobile,
    // Integrations.
    UsePersonalAccessTokens,
    UseApps,
    // AI (002 "AI permissions"): a top-level switch over three sub-permissions.
    Ai,
    CoreAi,
    ProactiveAi,
    AiAutomations,
    // Admin user management (001 "configurable permissions specifically for the admin role").
    ManageRoles,
    AssignRoles,
    // Inherent admin permissions (002 "Admins have a number of inherent permissions"): not
    // configurable on any role; they follow from the role's base.
    ViewMembers,
    ReadAuditTrail,
    ManageOrgSettings,
    ManageIdpConnections,
}

/// Which standard role a role is, or is based on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BaseRole {
    Guest,
    Member,
    Admin,
    SuperAdmin,
}

impl BaseRole {
    pub const ALL: [BaseRole; 4] = [
        BaseRole::SuperAdmin,
        BaseRole::Admin,
        BaseRole::Member,
        BaseRole::Guest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BaseRole::Guest => "guest",
            BaseRole::Member => "member",
            BaseRole::Admin => "admin",
            BaseRole::SuperAdmin => "super_admin",
        }
    }

    pub fn parse(s: &str) -> Option<BaseRole> {
        BaseRole::ALL.into_iter().find(|b| b.as_str() == s)
    }

    /// The standard role's display name.
    pub fn display_name(self) -> &'static str {
        match self {
            BaseRole::Guest => "Guest",
            BaseRole::Member => "Member",
            BaseRole::Admin => "Admin",
            BaseRole::SuperAdmin => "Super admin",
        }
    }

    /// Rank for "no one raises anyone above their own role".
    pub fn rank(self) -> u8 {
        self as u8
    }
}

/// A user's licence, independent of their role (002 "How does a user's license interact with
/// their role?"): an action needs both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Licence {
    Full,
    ViewOnly,
}

impl Licence {
    pub fn as_str(self) -> &'static str {
        match self {
            Licence::Full => "full",
            Licence::ViewOnly => "view_only",
        }
    }

    /// A stored licence; no licence recorded means a full one.
    pub fn from_stored(s: Option<&str>) -> Licence {
        match s {
            Some("view_only") => Licence::ViewOnly,
            _ => Licence::Full,
        }
    }
}

/// The org-wide settings that override roles (002 "How do organization default settings
/// interact with user roles?", and the org-wide AI switch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgSwitch {
    GuestInvites,
    RestrictGuestInvitesToTrustedDomains,
    UploadFiles,
    DownloadFilesOnMobile,
    PersonalAccessTokens,
    Apps,
    Ai,
}

impl OrgSwitch {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgSwitch::GuestInvites => "guest_invites",
            OrgSwitch::RestrictGuestInvitesToTrustedDomains => {
                "restrict_guest_invites_to_trusted_domains"
            }
            OrgSwitch::UploadFiles => "upload_files",
            OrgSwitch::DownloadFilesOnMobile => "download_files_on_mobile",
            OrgSwitch::PersonalAccessTokens => "personal_access_tokens",
            OrgSwitch::Apps => "apps",
            OrgSwitch::Ai => "ai",
        }
    }
}

/// What the catalogue says about one permission.
#[derive(Debug, Clone, Copy)]
pub struct PermissionSpec {
    pub permission: Permission,
    pub description: &'static str,
    /// Default on the standard admin, member and guest roles (001 default columns).
    pub admin_default: bool,
    pub member_default: bool,
    pub guest_default: bool,
    /// A guest-based role can never enable it (001: "not available to enable").
    pub never_for_guests: bool,
    /// Only admin-based roles may hold it (001: admin user management).
    pub admin_only: bool,
    /// Inherent: follows from the base role, not configurable on any role.
    pub inherent: bool,
    /// The org-wide setting that overrides it (the starred permissions, and AI).
    pub org_switch: Option<OrgSwitch>,
    /// The top-level permission it sits under (AI sub-permissions under `Ai`).
    pub parent: Option<Permission>,
    /// A view-only licence blocks it. The choice: a view-only licence reads and exports, but
    /// never creates, changes, deletes or brings data in, and never runs AI automations.
    pub blocked_by_view_only: bool,
}

const fn spec(permission: Permission, description: &'static str) -> PermissionSpec {
    PermissionSpec {
        permission,
        description,
        admin_default: true,
        member_default: true,
        guest_default: true,
        never_for_guests: false,
        admin_only: false,
        inherent: false,
        org_switch: None,
        parent: None,
        blocked_by_view_only: false,
    }
}

use Permission as P;

/// The catalogue, in the order of the reference tables.
pub const CATALOGUE: [PermissionSpec; 24] = [
    PermissionSpec {
        org_switch: Some(OrgSwitch::GuestInvites),
        blocked_by_view_only: true,
        ..spec(P::InviteGuests, "Invite guest users to the organization")
    },
    // Off everywhere by default: trusted domains must be configured first (001).
    PermissionSpec {
        admin_default: false,
        member_default: false,
        guest_default: false,
        org_switch: Some(OrgSwitch::RestrictGuestInvitesToTrustedDomains),
        ..spec(
            P::RestrictGuestInvitesToTrustedDomains,
            "Guest invites are restricted to the organization's trusted domains",
        )
    },
    PermissionSpec {
        guest_default: false,
        never_for_guests: true,
        blocked_by_view_only: true,
        ..spec(P::CreateCompanyGoals, "Create company goals")
    },
    PermissionSpec {
        blocked_by_view_only: true,
        ..spec(
            P::AddCustomFieldsToLibrary,
            "Add custom fields to the organization field library",
        )
    },
    PermissionSpec {
        guest_default: false,
        never_for_guests: true,
        blocked_by_view_only: true,
        ..spec(P::CreateTeams, "Create teams")
    },
    PermissionSpec {
        blocked_by_view_only: true,
        ..spec(
            P::SharePortfoliosWithOrganization,
            "Share portfolios with the organization",
        )
    },
    PermissionSpec {
        blocked_by_view_only: true,
        ..spec(P::DeleteTasks, "Delete any task")
    },
    PermissionSpec {
        blocked_by_view_only: true,
        ..spec(
            P::DeleteOwnTasks,
            "Delete self-created tasks when deleting tasks is off",
        )
    },
    spec(P::ExportProjectData, "Export project data"),
    PermissionSpec {
        blocked_by_view_only: true,
        ..spec(P::ImportFiles, "Import files into projects")
    },
    PermissionSpec {
        org_switch: Some(OrgSwitch::UploadFiles),
        blocked_by_view_only: true,
        ..spec(P::UploadFiles, "Upload files as attachments")
    },
    PermissionSpec {
        org_switch: Some(OrgSwitch::DownloadFilesOnMobile),
        ..spec(
            P::DownloadFilesOnMobile,
            "Download files from the mobile app",
        )
    },
    PermissionSpec {
        org_switch: Some(OrgSwitch::PersonalAccessTokens),
        ..spec(
            P::UsePersonalAccessTokens,
            "Create and use personal access tokens",
        )
    },
    PermissionSpec {
        org_switch: Some(OrgSwitch::Apps),
        ..spec(P::UseApps, "Use apps")
    },
    PermissionSpec {
        org_switch: Some(OrgSwitch::Ai),
        ..spec(
            P::Ai,
            "AI features (top-level switch over the AI permissions)",
        )
    },
    PermissionSpec {
        org_switch: Some(OrgSwitch::Ai),
        parent: Some(P::Ai),
        ..spec(P::CoreAi, "On-demand AI: chat, summaries, editor")
    },
    PermissionSpec {
        org_switch: Some(OrgSwitch::Ai),
        parent: Some(P::Ai),
        ..spec(P::ProactiveAi, "AI that generates content unprompted")
    },
    PermissionSpec {
        org_switch: Some(OrgSwitch::Ai),
        parent: Some(P::Ai),
        blocked_by_view_only: true,
        ..spec(P::AiAutomations, "Create and run AI automations")
    },
    // Admin user management (001): manage roles is off for admins by default; assign is on.
    PermissionSpec {
        admin_default: false,
        member_default: false,
        guest_default: false,
        admin_only: true,
        ..spec(
            P::ManageRoles,
            "Create, change and delete roles and their permissions",
        )
    },
    PermissionSpec {
        member_default: false,
        guest_default: false,
        admin_only: true,
        ..spec(P::AssignRoles, "Assign roles to users (never super admin)")
    },
    PermissionSpec {
        member_default: false,
        guest_default: false,
        admin_only: true,
        inherent: true,
        ..spec(
            P::ViewMembers,
            "See the organization's members and their permissions",
        )
    },
    PermissionSpec {
        member_default: false,
        guest_default: false,
        admin_only: true,
        inherent: true,
        ..spec(P::ReadAuditTrail, "Read the audit trail")
    },
    // Org-wide settings and IdP connections with their secrets: super admin only.
    PermissionSpec {
        admin_default: false,
        member_default: false,
        guest_default: false,
        admin_only: true,
        inherent: true,
        ..spec(
            P::ManageOrgSettings,
            "Change org-wide settings, role defaults and verified domains",
        )
    },
    PermissionSpec {
        admin_default: false,
        member_default: false,
        guest_default: false,
        admin_only: true,
        inherent: true,
        ..spec(
            P::ManageIdpConnections,
            "Manage IdP connections and their secrets (super admins only)",
        )
    },
];

impl Permission {
    pub const COUNT: usize = CATALOGUE.len();

    /// Every permission, in catalogue order.
    pub fn all() -> impl Iterator<Item = Permission> {
        CATALOGUE.iter().map(|s| s.permission)
    }

    pub fn spec(self) -> &'static PermissionSpec {
        &CATALOGUE[self as usize]
    }

    pub fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// The stable wire name, e.g. `invite_guests`.
    pub fn as_str(self) -> &'static str {
        match self {
            P::InviteGuests => "invite_guests",
            P::RestrictGuestInvitesToTrustedDomains => "restrict_guest_invites_to_trusted_domains",
            P::CreateCompanyGoals => "create_company_goals",
            P::AddCustomFieldsToLibrary => "add_custom_fields_to_library",
            P::CreateTeams => "create_teams",
            P::SharePortfoliosWithOrganization => "share_portfolios_with_organization",
            P::DeleteTasks => "delete_tasks",
            P::DeleteOwnTasks => "delete_own_tasks",
            P::ExportProjectData => "export_project_data",
            P::ImportFiles => "import_files",
            P::UploadFiles => "upload_files",
            P::DownloadFilesOnMobile => "download_files_on_mobile",
            P::UsePersonalAccessTokens => "use_personal_access_tokens",
            P::UseApps => "use_apps",
            P::Ai => "ai",
            P::CoreAi => "core_ai",
            P::ProactiveAi => "proactive_ai",
            P::AiAutomations => "ai_automations",
            P::ManageRoles => "manage_roles",
            P::AssignRoles => "assign_roles",
            P::ViewMembers => "view_members",
            P::ReadAuditTrail => "read_audit_trail",
            P::ManageOrgSettings => "manage_org_settings",
            P::ManageIdpConnections => "manage_idp_connections",
        }
    }

    pub fn parse(name: &str) -> Option<Permission> {
        Permission::all().find(|p| p.as_str() == name)
    }

    /// Whether a role with this base may hold the permission at all.
    pub fn available_to(self, base: BaseRole) -> bool {
        let s = self.spec();
        match base {
            BaseRole::SuperAdmin => true,
            BaseRole::Admin => true,
            BaseRole::Member => !s.admin_only,
            BaseRole::Guest => !s.admin_only && !s.never_for_guests,
        }
    }

    /// The default for a standard role of this base (what a new custom role starts from is
    /// the base role's *current* set, not this).
    pub fn default_for(self, base: BaseRole) -> bool {
        let s = self.spec();
        match base {
            // Super admin holds every capability; the trusted-domain restriction is a limit,
            // not a capability, so it holds none.
            BaseRole::SuperAdmin => self != P::RestrictGuestInvitesToTrustedDomains,
            BaseRole::Admin => s.admin_default,
            BaseRole::Member => s.member_default,
            BaseRole::Guest => s.guest_default,
        }
    }
}

/// A set of permissions as a bit set (one `u32`: the catalogue has 24 entries).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(pub u32);

impl PermissionSet {
    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn set(&mut self, p: Permission, on: bool) {
        if on {
            self.0 |= p.bit();
        } else {
            self.0 &= !p.bit();
        }
    }

    pub fn with(mut self, p: Permission, on: bool) -> Self {
        self.set(p, on);
        self
    }

    /// The defaults of a standard role.
    pub fn defaults_for(base: BaseRole) -> PermissionSet {
        Permission::all().fold(PermissionSet::default(), |set, p| {
            set.with(p, p.default_for(base))
        })
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::all().filter(move |p| self.contains(*p))
    }

    /// The stored form: the wire names of the permissions held, comma-separated.
    pub fn to_stored(self) -> String {
        self.iter()
            .map(Permission::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the stored form; unknown names (a permission retired later) are ignored.
    pub fn from_stored(s: &str) -> PermissionSet {
        s.split(',')
            .filter_map(|n| Permission::parse(n.trim()))
            .fold(PermissionSet::default(), |set, p| set.with(p, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_indexed_by_discriminant_and_names_round_trip() {
        for (i, s) in CATALOGUE.iter().enumerate() {
            assert_eq!(s.permission as usize, i);
            assert_eq!(Permission::parse(s.permission.as_str()), Some(s.permission));
            let wire = serde_json::to_value(s.permission).unwrap();
            assert_eq!(wire, s.permission.as_str());
        }
    }

    #[test]
    fn guests_can_never_create_goals_or_teams() {
        for p in [P::CreateCompanyGoals, P::CreateTeams] {
            assert!(!p.available_to(BaseRole::Guest));
            assert!(!p.default_for(BaseRole::Guest));
            assert!(p.default_for(BaseRole::Member));
        }
    }

    #[test]
    fn admins_assign_but_do_not_manage_roles_by_default() {
        assert!(P::AssignRoles.default_for(BaseRole::Admin));
        assert!(!P::ManageRoles.default_for(BaseRole::Admin));
        assert!(!P::AssignRoles.available_to(BaseRole::Member));
    }

    #[test]
    fn stored_form_round_trips() {
        let set = PermissionSet::defaults_for(BaseRole::Member);
        assert_eq!(PermissionSet::from_stored(&set.to_stored()), set);
        assert_eq!(PermissionSet::from_stored(""), PermissionSet::default());
    }
}
