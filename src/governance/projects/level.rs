//! Access levels on a project and the actions they allow (reference 003 "Access Levels for
//! projects"): `admin` changes content and structure, `editor` content but not structure,
//! `commenter` comments, `viewer` only views. The legacy `write_access` values are read and
//! mapped (`full_write` → admin, `comment_only` → commenter); answers always say `access_level`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A member's level on a project, lowest first (so `max` is "highest wins").
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AccessLevel {
    Viewer,
    Commenter,
    Editor,
    Admin,
}

impl AccessLevel {
    pub const ALL: [AccessLevel; 4] = [
        AccessLevel::Admin,
        AccessLevel::Editor,
        AccessLevel::Commenter,
        AccessLevel::Viewer,
    ];

    /// Reference 003 "Default Access Level for Projects": a member added without a level.
    pub const DEFAULT: AccessLevel = AccessLevel::Editor;

    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Admin => "admin",
            AccessLevel::Editor => "editor",
            AccessLevel::Commenter => "commenter",
            AccessLevel::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<AccessLevel> {
        AccessLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The legacy `write_access` value (reference 003: `editor` and `viewer` have no equivalent).
    pub fn from_write_access(s: &str) -> Option<AccessLevel> {
        match s {
            "full_write" => Some(AccessLevel::Admin),
            "comment_only" => Some(AccessLevel::Commenter),
            _ => None,
        }
    }

    /// Whether this level allows `action` on the project.
    pub fn allows(self, action: ProjectAction) -> bool {
        self >= action.needs()
    }
}

/// Why a level given on input was refused (a 400: the request names no valid level).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LevelError(pub String);

/// The level a request asks for: `access_level`, or the legacy `write_access`, or the default
/// (`editor`) when `default` is given and neither is. Both at once, or an unknown value, is an
/// error naming the accepted values.
pub fn requested_level(
    access_level: Option<&str>,
    write_access: Option<&str>,
    default: Option<AccessLevel>,
) -> Result<AccessLevel, LevelError> {
    match (access_level, write_access) {
        (Some(_), Some(_)) => Err(LevelError(
            "give access_level or the legacy write_access, not both".into(),
        )),
        (Some(level), None) => AccessLevel::parse(level).ok_or_else(|| {
            LevelError(format!(
                "access_level {level:?} is not one of admin, editor, commenter, viewer"
            ))
        }),
        (None, Some(legacy)) => AccessLevel::from_write_access(legacy).ok_or_else(|| {
            LevelError(format!(
                "write_access {legacy:?} is not one of full_write, comment_only"
            ))
        }),
        (None, None) => default.ok_or_else(|| LevelError("access_level is required".into())),
    }
}

/// What a host application asks about a project (`POST /authorize` with `project_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectAction {
    View,
    Comment,
    EditContent,
    EditStructure,
    ManageMembers,
}

impl ProjectAction {
    pub const ALL: [ProjectAction; 5] = [
        ProjectAction::View,
        ProjectAction::Comment,
        ProjectAction::EditContent,
        ProjectAction::EditStructure,
        ProjectAction::ManageMembers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectAction::View => "view",
            ProjectAction::Comment => "comment",
            ProjectAction::EditContent => "edit_content",
            ProjectAction::EditStructure => "edit_structure",
            ProjectAction::ManageMembers => "manage_members",
        }
    }

    pub fn parse(s: &str) -> Option<ProjectAction> {
        ProjectAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The lowest level that allows it (reference 003's table; managing membership is the
    /// object admin's, reference 002 "Object access level").
    pub fn needs(self) -> AccessLevel {
        match self {
            ProjectAction::View => AccessLevel::Viewer,
            ProjectAction::Comment => AccessLevel::Commenter,
            ProjectAction::EditContent => AccessLevel::Editor,
            ProjectAction::EditStructure | ProjectAction::ManageMembers => AccessLevel::Admin,
        }
    }

    /// Structure and membership: what a guest never does, whatever their level.
    pub fn is_structural(self) -> bool {
        self.needs() == AccessLevel::Admin
    }

    /// Only viewing reads; everything else writes (a view-only licence stops it).
    pub fn writes(self) -> bool {
        self != ProjectAction::View
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_legacy_values_parse_as_the_reference_maps_them() {
        let cases = [
            (Some("admin"), None, Ok(AccessLevel::Admin)),
            (Some("editor"), None, Ok(AccessLevel::Editor)),
            (Some("commenter"), None, Ok(AccessLevel::Commenter)),
            (Some("viewer"), None, Ok(AccessLevel::Viewer)),
            (None, Some("full_write"), Ok(AccessLevel::Admin)),
            (None, Some("comment_only"), Ok(AccessLevel::Commenter)),
            (None, None, Ok(AccessLevel::Editor)),
        ];
        for (level, legacy, want) in cases {
            let got = requested_level(level, legacy, Some(AccessLevel::DEFAULT));
            assert_eq!(
                got.map_err(|_| ()),
                want.map_err(|_: ()| ()),
                "{level:?} {legacy:?}"
            );
        }
        for (level, legacy) in [
            (Some("owner"), None),
            (Some("Admin"), None),
            (None, Some("editor")),
            (None, Some("read_only")),
            (Some("admin"), Some("full_write")),
        ] {
            assert!(requested_level(level, legacy, Some(AccessLevel::DEFAULT)).is_err());
        }
        assert!(requested_level(None, None, None).is_err());
    }

    #[test]
    fn each_level_allows_its_actions_and_those_below() {
        use ProjectAction::*;
        let table = [
            (AccessLevel::Admin, [true, true, true, true, true]),
            (AccessLevel::Editor, [true, true, true, false, false]),
            (AccessLevel::Commenter, [true, true, false, false, false]),
            (AccessLevel::Viewer, [true, false, false, false, false]),
        ];
        for (level, allowed) in table {
            for (action, want) in [View, Comment, EditContent, EditStructure, ManageMembers]
                .into_iter()
                .zip(allowed)
            {
                assert_eq!(level.allows(action), want, "{level:?} {action:?}");
            }
        }
        assert_eq!(
            [
                AccessLevel::Viewer,
                AccessLevel::Admin,
                AccessLevel::Commenter
            ]
            .into_iter()
            .max(),
            Some(AccessLevel::Admin)
        );
    }
}
