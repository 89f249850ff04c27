//! The app registry of an organization and its insights (reference 000 "Viewing connected apps
//! and app insights", "Blocking apps", "Unblocking apps"): register, describe, remove, block
//! and unblock apps; the connected-apps list with last activity and active members; one app's
//! detail with recent usage and the permissions granted to it.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::settings::{self, AppMode};
use super::{audit, requests};
use crate::db::app_usage;
use crate::db::apps::{self as store, AppRow};
use crate::db::{DbConnection, DbError};
use crate::governance::roles::GovernanceError;
use crate::rbac::{Authorized, ManageApps};

/// "Active members": distinct users with a use in this many days, today included.
pub const ACTIVE_DAYS: i64 = 30;

/// An app as the admin API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppView {
    pub id: String,
    pub client_id: String,
    pub name: String,
    pub description: String,
    pub developer: String,
    pub support_url: Option<String>,
    pub privacy_url: Option<String>,
    /// The permissions granted to the app (what it asked for when registered).
    pub permissions: Vec<String>,
    pub blocked: bool,
    pub approved: bool,
    /// What the organization's mode makes of it: `allowed`, `blocked` or `not_approved`.
    #[schema(value_type = String)]
    pub status: &'static str,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
}

/// An app of the connected-apps list: the app, its last activity and its active members.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppSummary {
    #[serde(flatten)]
    pub app: AppView,
    #[schema(value_type = Option<String>)]
    pub last_activity_at: Option<NaiveDateTime>,
    /// Distinct users with a use in the last `active_members_window_days` days.
    pub active_members: i64,
    pub active_members_window_days: i64,
}

/// One app with its usage per day over the recent window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppDetail {
    #[serde(flatten)]
    pub app: AppView,
    #[schema(value_type = Option<String>)]
    pub last_activity_at: Option<NaiveDateTime>,
    pub active_members: i64,
    pub recent_usage: RecentUsage,
}

/// Uses over the last `window_days` days, and per day (days without use are left out).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecentUsage {
    pub window_days: i64,
    pub uses: i64,
    pub days: Vec<UsageDay>,
}

/// One day's uses of an app and how many users used it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UsageDay {
    /// The day (UTC), `YYYY-MM-DD`.
    #[schema(value_type = String)]
    pub day: chrono::NaiveDate,
    pub uses: i64,
    pub users: i64,
}

impl AppView {
    pub fn from_row(row: &AppRow, mode: AppMode) -> AppView {
        AppView {
            id: row.id.clone(),
            client_id: row.client_id.clone(),
            name: row.name.clone(),
            description: row.description.clone(),
            developer: row.developer.clone(),
            support_url: row.support_url.clone(),
            privacy_url: row.privacy_url.clone(),
            permissions: serde_json::from_str(&row.permissions).unwrap_or_default(),
            blocked: row.blocked,
            approved: row.approved,
            status: status(row, mode),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Whether the organization lets its users use the app at all (the per-user parts come in
/// `decide`).
pub fn status(row: &AppRow, mode: AppMode) -> &'static str {
    if row.blocked {
        "blocked"
    } else if mode == AppMode::RequireApproval && !row.approved {
        "not_approved"
    } else {
        "allowed"
    }
}

/// An app's description, as registered or replaced.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppInput {
    /// The host application's identifier, the same in every organization.
    pub client_id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub developer: String,
    pub support_url: Option<String>,
    pub privacy_url: Option<String>,
    #[serde(default)]
    pub permissions: Vec<String>,
}

fn validate(input: &AppInput) -> Result<(), GovernanceError> {
    let bad = |m: String| Err(GovernanceError::Invalid(m));
    for (field, value, max) in [
        ("client_id", &input.client_id, 255),
        ("name", &input.name, 255),
    ] {
        if value.trim().is_empty() || value.chars().count() > max {
            return bad(format!("{field} must hold 1 to {max} characters"));
        }
    }
    if input.developer.chars().count() > 255 || input.description.chars().count() > 10_000 {
        return bad("developer holds at most 255 characters, description 10,000".into());
    }
    for (field, url) in [
        ("support_url", &input.support_url),
        ("privacy_url", &input.privacy_url),
    ] {
        if let Some(url) = url {
            let web = url.starts_with("https://") || url.starts_with("http://");
            if !web || url.len() > 1024 || url.contains(char::is_whitespace) {
                return bad(format!(
                    "{field} must be an http(s) URL of at most 1024 bytes"
                ));
            }
        }
    }
    if input.permissions.len() > 100
        || input
            .permissions
            .iter()
            .any(|p| p.trim().is_empty() || p.len() > 100)
    {
        return bad("permissions: at most 100 names of 1 to 100 bytes".into());
    }
    Ok(())
}

fn taken(err: DbError, client_id: &str) -> GovernanceError {
    match err {
        DbError::UniqueViolation(_) => GovernanceError::Conflict(format!(
            "an app with client_id {client_id:?} is already registered"
        )),
        other => GovernanceError::Db(other),
    }
}

pub(crate) fn find(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> Result<AppRow, GovernanceError> {
    store::find(conn, org_id, id)?
        .ok_or_else(|| GovernanceError::NotFound(format!("no app {id:?} in this organization")))
}

pub fn create(
    conn: &mut DbConnection,
    auth: &Authorized<ManageApps>,
    input: &AppInput,
) -> Result<AppView, GovernanceError> {
    validate(input)?;
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        let now = crate::clock::now();
        let row = AppRow {
            org_id: org.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            client_id: input.client_id.trim().to_owned(),
            name: input.name.trim().to_owned(),
            description: input.description.clone(),
            developer: input.developer.clone(),
            support_url: input.support_url.clone(),
            privacy_url: input.privacy_url.clone(),
            permissions: json!(input.permissions).to_string(),
            blocked: false,
            approved: false,
            created_at: now,
            updated_at: now,
        };
        store::insert(c, &row).map_err(|e| taken(e.into(), &row.client_id))?;
        let mode = settings::load(c, &org)?.app_mode;
        let view = AppView::from_row(&row, mode);
        audit(
            c,
            &auth.org_id,
            &auth.actor(),
            "app.created",
            &row.id,
            json!(view),
        )?;
        Ok(view)
    })
}

pub fn replace(
    conn: &mut DbConnection,
    auth: &Authorized<ManageApps>,
    id: &str,
    input: &AppInput,
) -> Result<AppView, GovernanceError> {
    validate(input)?;
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        let mut row = find(c, &org, id)?;
        row.client_id = input.client_id.trim().to_owned();
        row.name = input.name.trim().to_owned();
        row.description = input.description.clone();
        row.developer = input.developer.clone();
        row.support_url = input.support_url.clone();
        row.privacy_url = input.privacy_url.clone();
        row.permissions = json!(input.permissions).to_string();
        row.updated_at = crate::clock::now();
        store::update(c, &row).map_err(|e| taken(e.into(), &row.client_id))?;
        let view = AppView::from_row(&row, settings::load(c, &org)?.app_mode);
        audit(
            c,
            &auth.org_id,
            &auth.actor(),
            "app.updated",
            id,
            json!(view),
        )?;
        Ok(view)
    })
}

pub fn delete(
    conn: &mut DbConnection,
    auth: &Authorized<ManageApps>,
    id: &str,
) -> Result<(), GovernanceError> {
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        let row = find(c, &org, id)?;
        store::delete(c, &org, id)?;
        let details = json!({ "client_id": row.client_id, "name": row.name });
        audit(c, &auth.org_id, &auth.actor(), "app.deleted", id, details)
    })
}

/// Blocks the app for every user of the organization, members and guests (reference 000
/// "Blocking apps"); in require-approval mode it also withdraws an approval.
pub fn block(
    conn: &mut DbConnection,
    auth: &Authorized<ManageApps>,
    id: &str,
) -> Result<AppView, GovernanceError> {
    set_blocked(conn, auth, id, true)
}

/// Unblocks the app; in require-approval mode unblocking is approving (reference 000
/// "Unblocking apps"), which also settles the app's pending approval requests as approved.
pub fn unblock(
    conn: &mut DbConnection,
    auth: &Authorized<ManageApps>,
    id: &str,
) -> Result<AppView, GovernanceError> {
    set_blocked(conn, auth, id, false)
}

fn set_blocked(
    conn: &mut DbConnection,
    auth: &Authorized<ManageApps>,
    id: &str,
    blocked: bool,
) -> Result<AppView, GovernanceError> {
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        let mut row = find(c, &org, id)?;
        let mode = settings::load(c, &org)?.app_mode;
        let approving = !blocked && mode == AppMode::RequireApproval;
        row.blocked = blocked;
        row.approved = !blocked && (row.approved || approving);
        row.updated_at = crate::clock::now();
        store::set_state(c, &org, id, blocked, row.approved, row.updated_at)?;
        let action = match (blocked, approving) {
            (true, _) => "app.blocked",
            (false, true) => "app.approved",
            (false, false) => "app.unblocked",
        };
        audit(c, &auth.org_id, &auth.actor(), action, id, json!({}))?;
        if approving {
            requests::settle_pending(c, auth, &row, None)?;
        }
        Ok(AppView::from_row(&row, mode))
    })
}

/// The connected apps: every registered app with its last activity and active members
/// (distinct users with a use in the last `ACTIVE_DAYS` days, today included).
pub fn list(conn: &mut DbConnection, org_id: &str) -> Result<Vec<AppSummary>, GovernanceError> {
    let mode = settings::load(conn, org_id)?.app_mode;
    let since = crate::clock::now().date() - Duration::days(ACTIVE_DAYS - 1);
    let activity = app_usage::activity(conn, org_id, since)?;
    Ok(store::list(conn, org_id)?
        .iter()
        .map(|row| {
            let a = activity.iter().find(|a| a.app_id == row.id);
            AppSummary {
                app: AppView::from_row(row, mode),
                last_activity_at: a.and_then(|a| a.last_used_at),
                active_members: a.map_or(0, |a| a.active_members),
                active_members_window_days: ACTIVE_DAYS,
            }
        })
        .collect())
}

/// One app: its description, the permissions granted to it, and its usage per day over the
/// last `ACTIVE_DAYS` days.
pub fn detail(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> Result<AppDetail, GovernanceError> {
    let row = find(conn, org_id, id)?;
    let mode = settings::load(conn, org_id)?.app_mode;
    let since = crate::clock::now().date() - Duration::days(ACTIVE_DAYS - 1);
    let days = app_usage::days(conn, org_id, id, since)?;
    let activity = app_usage::activity(conn, org_id, since)?;
    let a = activity.iter().find(|a| a.app_id == row.id);
    Ok(AppDetail {
        app: AppView::from_row(&row, mode),
        last_activity_at: a.and_then(|a| a.last_used_at),
        active_members: a.map_or(0, |a| a.active_members),
        recent_usage: RecentUsage {
            window_days: ACTIVE_DAYS,
            uses: days.iter().map(|d| d.uses).sum::<i64>(),
            days: days
                .iter()
                .map(|d| UsageDay {
                    day: d.day,
                    uses: d.uses,
                    users: d.users,
                })
                .collect(),
        },
    })
}
