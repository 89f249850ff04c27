//! Decisions on project actions (`POST /authorize` with `project_id`): the effective level
//! together with the organization's view of the user (reference 002 "Troubleshooting tips":
//! the object level, the role, the licence). The chain, in order:
//! 1. a deactivated user may do nothing;
//! 2. the user's role must exist;
//! 3. a membership (the user's or a team's) must give a level that allows the action; the
//!    reason names the membership, or says that none gives access. An organization role, even
//!    super admin, gives no level on a project: object access is granted per object (002
//!    "Object access level ... applies to a single object");
//! 4. a guest-based role never changes a project's structure or its members, whatever level a
//!    membership gives (the choice here, in line with guests never creating teams or goals);
//! 5. a view-only licence only views (002: "a user needs both a sufficient license and role";
//!    the licence rule of the catalogue: a view-only licence never creates or changes).
//!
//! No org-wide setting governs project actions today; the chain has no such link.

use super::{AccessLevel, EffectiveLevel, MemberKind, ProjectAction};
use crate::governance::roles::model::{OrgModel, UserModel};
use crate::governance::roles::reference::{Link, Reason};
use crate::governance::roles::{BaseRole, Licence};

/// A decision on a project action, with its reasons; `access_level` is the effective level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectDecision {
    pub allowed: bool,
    pub denied_by: Option<Link>,
    pub reasons: Vec<Reason>,
    pub access_level: Option<AccessLevel>,
}

fn reason(link: Link, name: &str, allows: bool, detail: String) -> Reason {
    Reason {
        link,
        name: name.to_owned(),
        allows,
        detail,
    }
}

/// What a membership reason says of where the level comes from.
pub fn source(e: &EffectiveLevel) -> String {
    match e.member_kind {
        MemberKind::User => format!(
            "the user's own membership {} gives {}",
            e.membership_id,
            e.level.as_str()
        ),
        MemberKind::Team => format!(
            "membership {} of team {:?} ({}), which the user belongs to, gives {}",
            e.membership_id,
            e.team_name.as_deref().unwrap_or_default(),
            e.member_id,
            e.level.as_str()
        ),
    }
}

/// Decides `action` on project `project_id` for `user`, whose effective level is `effective`.
pub fn decide(
    org: &OrgModel,
    user: &UserModel,
    action: ProjectAction,
    project_id: &str,
    effective: Option<&EffectiveLevel>,
) -> ProjectDecision {
    let mut reasons = Vec::new();
    let access_level = effective.map(|e| e.level);
    let deny = |mut reasons: Vec<Reason>, r: Reason| {
        let link = r.link;
        reasons.push(r);
        ProjectDecision {
            allowed: false,
            denied_by: Some(link),
            reasons,
            access_level,
        }
    };
    if !user.active {
        let r = reason(
            Link::User,
            "active",
            false,
            "the user is deactivated".into(),
        );
        return deny(reasons, r);
    }
    let Some(role) = org.roles.get(&user.role) else {
        let detail = "the user's role no longer exists".into();
        return deny(
            reasons,
            reason(Link::Role, user.role.as_str(), false, detail),
        );
    };
    let Some(e) = effective else {
        let detail = "no membership of the user, nor of a team they belong to, gives access \
                      to this project"
            .into();
        return deny(reasons, reason(Link::Membership, project_id, false, detail));
    };
    if !e.level.allows(action) {
        let detail = format!(
            "{}, which does not allow {} (it needs {})",
            source(e),
            action.as_str(),
            action.needs().as_str()
        );
        return deny(
            reasons,
            reason(Link::Membership, &e.membership_id, false, detail),
        );
    }
    let detail = format!("{}, which allows {}", source(e), action.as_str());
    reasons.push(reason(Link::Membership, &e.membership_id, true, detail));
    if role.base == BaseRole::Guest && action.is_structural() {
        let detail = format!(
            "role {:?} is guest-based: guests never change a project's structure or members",
            role.name
        );
        return deny(
            reasons,
            reason(Link::BaseRole, BaseRole::Guest.as_str(), false, detail),
        );
    }
    if user.licence == Licence::ViewOnly && action.writes() {
        let detail = "a view-only licence only views projects".into();
        return deny(
            reasons,
            reason(Link::Licence, Licence::ViewOnly.as_str(), false, detail),
        );
    }
    let detail = format!("the {} licence allows it", user.licence.as_str());
    reasons.push(reason(Link::Licence, user.licence.as_str(), true, detail));
    ProjectDecision {
        allowed: true,
        denied_by: None,
        reasons,
        access_level,
    }
}
