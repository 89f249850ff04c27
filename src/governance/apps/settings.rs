//! The organization's app settings (reference 000 "Global app settings"): the mode (allow all,
//! the default, with a block list; or require approval, with an allow list), whether rules may
//! be triggered by web requests from external services, and who receives approval requests
//! (default: every super admin). Kept in `app_settings`, apart from the role settings.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::audit;
use crate::db::apps::{self as store, AppSettingsRow};
use crate::db::{users, DbConnection};
use crate::governance::roles::GovernanceError;
use crate::rbac::{Authorized, ManageApps};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppMode {
    /// Every app may be used unless blocked (the default).
    AllowAll,
    /// No app may be used unless approved.
    RequireApproval,
}

impl AppMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AppMode::AllowAll => "allow_all",
            AppMode::RequireApproval => "require_approval",
        }
    }

    fn from_stored(s: &str) -> AppMode {
        match s {
            "require_approval" => AppMode::RequireApproval,
            _ => AppMode::AllowAll,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppSettings {
    pub app_mode: AppMode,
    /// Rules may be triggered by web requests from external services (default: allowed).
    pub external_automation: bool,
    /// Who is told of approval requests; `null`: every super admin.
    pub approval_recipients: Option<Vec<String>>,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            app_mode: AppMode::AllowAll,
            external_automation: true,
            approval_recipients: None,
        }
    }
}

/// The organization's settings (the defaults when none were ever saved).
pub fn load(conn: &mut DbConnection, org_id: &str) -> Result<AppSettings, GovernanceError> {
    Ok(match store::find_settings(conn, org_id)? {
        None => AppSettings::default(),
        Some(row) => AppSettings {
            app_mode: AppMode::from_stored(&row.app_mode),
            external_automation: row.external_automation,
            approval_recipients: row
                .approval_recipients
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok()),
        },
    })
}

/// Replaces the settings. Recipients must be users of the organization.
pub fn save(
    conn: &mut DbConnection,
    auth: &Authorized<ManageApps>,
    new: &AppSettings,
) -> Result<AppSettings, GovernanceError> {
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        if let Some(recipients) = &new.approval_recipients {
            if recipients.is_empty() {
                return Err(GovernanceError::Invalid(
                    "approval_recipients names at least one user (null: every super admin)".into(),
                ));
            }
            for id in recipients {
                if users::find_user(c, &org, id)?.is_none() {
                    return Err(GovernanceError::Invalid(format!(
                        "approval_recipients: no user {id:?} in this organization"
                    )));
                }
            }
        }
        let before = load(c, &org)?;
        store::save_settings(
            c,
            &AppSettingsRow {
                org_id: org.clone(),
                app_mode: new.app_mode.as_str().into(),
                external_automation: new.external_automation,
                approval_recipients: new
                    .approval_recipients
                    .as_ref()
                    .map(|r| json!(r).to_string()),
                updated_at: crate::clock::now(),
            },
        )?;
        audit(
            c,
            &auth.org_id,
            &auth.actor(),
            "app.settings_changed",
            "settings",
            json!({ "before": before, "after": new }),
        )?;
        Ok(new.clone())
    })
}

/// Who receives approval requests: the configured users, else every super admin.
pub fn approval_recipients(
    conn: &mut DbConnection,
    org_id: &str,
    settings: &AppSettings,
) -> Result<Vec<String>, GovernanceError> {
    Ok(match &settings.approval_recipients {
        Some(ids) => ids.clone(),
        None => store::super_admins(conn, org_id)?,
    })
}
