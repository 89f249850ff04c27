//! Projects and memberships as the admin API answers them, in the reference's shape (reference
//! 003 "New /memberships interface"): `gid`, `resource_type`, the member with its kind and
//! name, the parent project with its owner, and the `access_level`.

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::AccessLevel;
use crate::db::projects::{MembershipListed, ProjectListed};

/// What a member is: a user, or a team (a SCIM group pushed by the IdP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    User,
    Team,
}

impl MemberKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::User => "user",
            MemberKind::Team => "team",
        }
    }

    /// A stored kind (anything but `team` is a user).
    pub fn from_stored(s: &str) -> MemberKind {
        if s == "team" {
            MemberKind::Team
        } else {
            MemberKind::User
        }
    }
}

/// A user, named.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserRef {
    pub gid: String,
    /// Always `user`.
    #[schema(value_type = String)]
    pub resource_type: &'static str,
    pub name: String,
}

impl UserRef {
    fn owner(id: &Option<String>, name: &Option<String>) -> Option<UserRef> {
        id.as_ref().map(|gid| UserRef {
            gid: gid.clone(),
            resource_type: "user",
            name: name.clone().unwrap_or_default(),
        })
    }
}

/// A project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectView {
    pub gid: String,
    /// Always `project`.
    #[schema(value_type = String)]
    pub resource_type: &'static str,
    pub name: String,
    /// The user accountable for the project (null once that user is deleted).
    pub owner: Option<UserRef>,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
}

impl ProjectView {
    pub fn from_listed(row: &ProjectListed) -> ProjectView {
        ProjectView {
            gid: row.id.clone(),
            resource_type: "project",
            name: row.name.clone(),
            owner: UserRef::owner(&row.owner_id, &row.owner_name),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The member of a membership: a user or a team, named.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberRef {
    pub gid: String,
    pub resource_type: MemberKind,
    pub name: String,
}

/// The project a membership belongs to, with its owner.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParentRef {
    pub gid: String,
    /// Always `project`.
    #[schema(value_type = String)]
    pub resource_type: &'static str,
    pub name: String,
    pub owner: Option<UserRef>,
}

/// A project membership.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MembershipView {
    pub gid: String,
    /// Always `membership`.
    #[schema(value_type = String)]
    pub resource_type: &'static str,
    /// Always `project_membership`.
    #[schema(value_type = String)]
    pub resource_subtype: &'static str,
    pub member: MemberRef,
    pub parent: ParentRef,
    pub access_level: AccessLevel,
}

impl MembershipView {
    pub fn from_listed(row: &MembershipListed) -> MembershipView {
        MembershipView {
            gid: row.id.clone(),
            resource_type: "membership",
            resource_subtype: "project_membership",
            member: MemberRef {
                gid: row.member_id.clone(),
                resource_type: MemberKind::from_stored(&row.member_kind),
                name: row.member_name.clone().unwrap_or_default(),
            },
            parent: ParentRef {
                gid: row.project_id.clone(),
                resource_type: "project",
                name: row.project_name.clone(),
                owner: UserRef::owner(&row.owner_id, &row.owner_name),
            },
            // Stored values are written from `AccessLevel` only.
            access_level: AccessLevel::parse(&row.access_level).unwrap_or(AccessLevel::Viewer),
        }
    }
}

/// Where the next page starts: pass `offset` back as the `offset` query parameter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NextPage {
    /// An opaque token.
    pub offset: String,
}

/// One page of projects; `next_page` is null on the last.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectPage {
    pub data: Vec<ProjectView>,
    pub next_page: Option<NextPage>,
}

/// One page of memberships; `next_page` is null on the last.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MembershipPage {
    pub data: Vec<MembershipView>,
    pub next_page: Option<NextPage>,
}

/// Splits `limit + 1` rows read into a page and where the next one starts.
pub(crate) fn paged<R, V>(
    mut rows: Vec<R>,
    limit: i64,
    id: impl Fn(&R) -> &str,
    view: impl Fn(&R) -> V,
) -> (Vec<V>, Option<NextPage>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_page = more.then(|| NextPage {
        offset: rows.last().map(|r| id(r).to_owned()).unwrap_or_default(),
    });
    (rows.iter().map(view).collect(), next_page)
}
