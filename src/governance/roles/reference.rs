//! The reference evaluator: one decision written straight from the reference rules, step by
//! step, with its reason chain. It is what explains a decision to an admin, and what the
//! property test holds the compiled view to. Clarity over speed: nothing here is precomputed.
//!
//! The rules, in the order they are applied:
//! 1. a deactivated user may do nothing;
//! 2. inherent permissions follow from the role's base only (002: admins' inherent
//!    permissions; super admin holds everything, fixed);
//! 3. admin user management (manage/assign roles) exists only on admin-based roles (001);
//! 4. an org-wide setting that is off overrides every role (002 "Organization settings"; the
//!    org AI switch "takes priority over AI permissions within RBAC");
//! 5. the role must hold the permission (super admin holds all; a guest-based role can never
//!    hold what guests may not enable); AI sub-permissions also need the role's top-level AI
//!    permission (002: "Disabling the top-level … disables the sub-permissions"); deleting
//!    self-created tasks is kept when deleting tasks is on (001);
//! 6. the licence must allow it (002: "a user needs both a sufficient license and role").
//!
//! The trusted-domain restriction is a limit, not a capability: "allowed" means it is in force
//! for the user, which is when they may invite guests and the org or their role restricts.

use serde::Serialize;
use utoipa::ToSchema;

use super::catalogue::{BaseRole, Licence, OrgSwitch, Permission};
use super::model::{OrgModel, UserModel};

/// Which link of the chain a reason is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    User,
    Inherent,
    OrgSetting,
    Role,
    BaseRole,
    Hierarchy,
    Licence,
    /// An app's state for this user (`/authorize` with `app_id`, `governance::apps::decide`).
    App,
    /// The project membership that gives the user their level, or that none does
    /// (`/authorize` with `project_id`, `governance::projects::decide`).
    Membership,
}

/// One link of a decision's reason chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Reason {
    pub link: Link,
    /// What the link names: a setting, a role id, a licence, a permission.
    pub name: String,
    /// Whether this link allowed the action (false: it denied it).
    pub allows: bool,
    pub detail: String,
}

/// A decision with its reasons; on a deny, `denied_by` names the link that denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Decision {
    pub permission: Permission,
    pub allowed: bool,
    pub denied_by: Option<Link>,
    pub reasons: Vec<Reason>,
}

struct Chain {
    permission: Permission,
    reasons: Vec<Reason>,
}

impl Chain {
    fn allow(&mut self, link: Link, name: &str, detail: String) {
        self.reasons.push(Reason {
            link,
            name: name.to_owned(),
            allows: true,
            detail,
        });
    }

    fn deny(mut self, link: Link, name: &str, detail: String) -> Decision {
        self.reasons.push(Reason {
            link,
            name: name.to_owned(),
            allows: false,
            detail,
        });
        Decision {
            permission: self.permission,
            allowed: false,
            denied_by: Some(link),
            reasons: self.reasons,
        }
    }

    fn done(self) -> Decision {
        Decision {
            permission: self.permission,
            allowed: true,
            denied_by: None,
            reasons: self.reasons,
        }
    }
}

/// Decides `permission` for `user` in `org`, explaining every step.
pub fn evaluate(org: &OrgModel, user: &UserModel, permission: Permission) -> Decision {
    let mut chain = Chain {
        permission,
        reasons: Vec::new(),
    };
    let spec = permission.spec();
    if !user.active {
        return chain.deny(Link::User, "active", "the user is deactivated".into());
    }
    let Some(role) = org.roles.get(&user.role) else {
        return chain.deny(
            Link::Role,
            user.role.as_str(),
            "the user's role no longer exists".into(),
        );
    };
    let base = role.base;
    let role_name = role.id.as_str();
    let based_on = format!("role {:?} is based on {}", role.name, base.as_str());

    if spec.inherent {
        let held = match base {
            BaseRole::SuperAdmin => true,
            BaseRole::Admin => spec.admin_default,
            BaseRole::Member | BaseRole::Guest => false,
        };
        return if held {
            chain.allow(
                Link::Inherent,
                base.as_str(),
                format!("{based_on}, which holds it inherently"),
            );
            chain.done()
        } else {
            chain.deny(
                Link::BaseRole,
                base.as_str(),
                format!("{based_on}, which does not hold it"),
            )
        };
    }

    if spec.admin_only && !matches!(base, BaseRole::Admin | BaseRole::SuperAdmin) {
        return chain.deny(
            Link::BaseRole,
            base.as_str(),
            format!("{based_on}; only admin-based roles can hold it"),
        );
    }

    if permission == Permission::RestrictGuestInvitesToTrustedDomains {
        return restriction(org, user, chain, &based_on);
    }

    if let Some(switch) = spec.org_switch {
        if !org.settings.switch(switch) {
            return chain.deny(
                Link::OrgSetting,
                switch.as_str(),
                "turned off for the whole organization, which overrides every role".into(),
            );
        }
        chain.allow(
            Link::OrgSetting,
            switch.as_str(),
            "on for the organization".into(),
        );
    }

    if base == BaseRole::Guest {
        if let Some(setting) = org.settings.guest_restriction(permission) {
            return chain.deny(
                Link::OrgSetting,
                setting,
                "the organization restricts guests from using it".into(),
            );
        }
    }

    if base == BaseRole::SuperAdmin {
        chain.allow(
            Link::Role,
            role_name,
            "super admin holds every permission (fixed)".into(),
        );
    } else {
        if base == BaseRole::Guest && spec.never_for_guests {
            return chain.deny(
                Link::BaseRole,
                base.as_str(),
                format!("{based_on}; guest-based roles can never hold it"),
            );
        }
        if let Some(parent) = spec.parent {
            if !role.permissions.contains(parent) {
                return chain.deny(
                    Link::Hierarchy,
                    parent.as_str(),
                    format!(
                        "role {:?} has the top-level {} permission off",
                        role.name,
                        parent.as_str()
                    ),
                );
            }
            chain.allow(
                Link::Hierarchy,
                parent.as_str(),
                format!(
                    "role {:?} has the top-level {} permission on",
                    role.name,
                    parent.as_str()
                ),
            );
        }
        let held = role.permissions.contains(permission);
        if held {
            chain.allow(
                Link::Role,
                role_name,
                format!("{based_on}; the role grants it"),
            );
        } else if permission == Permission::DeleteOwnTasks
            && role.permissions.contains(Permission::DeleteTasks)
        {
            chain.allow(
                Link::Role,
                role_name,
                format!("{based_on}; the role may delete any task, self-created ones included"),
            );
        } else {
            return chain.deny(
                Link::Role,
                role_name,
                format!("{based_on}; the role does not grant it"),
            );
        }
    }

    if spec.blocked_by_view_only && user.licence == Licence::ViewOnly {
        return chain.deny(
            Link::Licence,
            Licence::ViewOnly.as_str(),
            "a view-only licence reads and exports but may not create, change, delete, import, \
             invite or run AI automations"
                .into(),
        );
    }
    chain.allow(
        Link::Licence,
        user.licence.as_str(),
        "the licence allows it".into(),
    );
    chain.done()
}

/// The trusted-domain restriction on guest invites: in force when the user may invite guests
/// at all and the organization or the user's role restricts them.
fn restriction(org: &OrgModel, user: &UserModel, mut chain: Chain, based_on: &str) -> Decision {
    let invites = evaluate(org, user, Permission::InviteGuests);
    if !invites.allowed {
        let detail = "the user may not invite guests at all, so no restriction applies".into();
        return chain.deny(Link::Hierarchy, Permission::InviteGuests.as_str(), detail);
    }
    chain.allow(
        Link::Hierarchy,
        Permission::InviteGuests.as_str(),
        "the user may invite guests".into(),
    );
    let switch = OrgSwitch::RestrictGuestInvitesToTrustedDomains;
    if org.settings.switch(switch) {
        chain.allow(
            Link::OrgSetting,
            switch.as_str(),
            "the organization restricts every guest invite to its trusted domains".into(),
        );
        return chain.done();
    }
    let role = org.roles.get(&user.role);
    let restricted = role.is_some_and(|r| {
        r.base != BaseRole::SuperAdmin && r.permissions.contains(chain.permission)
    });
    let name = user.role.as_str();
    if restricted {
        chain.allow(
            Link::Role,
            name,
            format!("{based_on}; the role restricts guest invites to trusted domains"),
        );
        chain.done()
    } else {
        chain.deny(
            Link::Role,
            name,
            format!("{based_on}; neither the role nor the organization restricts guest invites"),
        )
    }
}
