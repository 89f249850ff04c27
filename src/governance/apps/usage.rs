//! Usage reported by host applications: `{user_id, at}` or `{"events": [...]}` (up to 1,000),
//! kept as per-user, per-day counts. A report aggregates its events by (user, day) and upserts
//! one row each, in one transaction: no row is shared by every call (issue 13).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, SubsecRound};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::decide::{block_for_guest, is_guest};
use super::registry;
use super::settings::{self, AppMode};
use crate::db::{app_usage, apps as store, users, DbConnection};
use crate::governance::roles::GovernanceError;
use crate::rbac::{Authorized, ReportAppUsage};

pub const MAX_EVENTS: usize = 1000;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageEvent {
    pub user_id: String,
    /// When the app was used (RFC 3339); now if absent.
    #[schema(value_type = Option<String>)]
    pub at: Option<DateTime<FixedOffset>>,
}

/// One use, or a batch of 1 to 1000.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum UsageReport {
    Batch { events: Vec<UsageEvent> },
    One(UsageEvent),
}

impl UsageReport {
    pub fn into_events(self) -> Vec<UsageEvent> {
        match self {
            UsageReport::Batch { events } => events,
            UsageReport::One(e) => vec![e],
        }
    }
}

/// What a usage report recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UsageRecorded {
    /// How many events were recorded.
    pub recorded: usize,
    /// The guests the app was just blocked for (require-approval mode, app not approved).
    pub blocked_for: Vec<String>,
}

/// Records the events; answers how many were recorded and which guests the app was just
/// blocked for (see `decide` for the guest rule).
pub fn record(
    conn: &mut DbConnection,
    auth: &Authorized<ReportAppUsage>,
    app_id: &str,
    events: &[UsageEvent],
) -> Result<UsageRecorded, GovernanceError> {
    if events.is_empty() || events.len() > MAX_EVENTS {
        return Err(GovernanceError::Invalid(format!(
            "a report holds 1 to {MAX_EVENTS} events, not {}",
            events.len()
        )));
    }
    let now = crate::clock::now();
    // A clock a little ahead at the host is tolerated; a use in the future is not.
    let latest = now + Duration::minutes(5);
    let mut days: BTreeMap<(String, NaiveDate), (i64, NaiveDateTime)> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        let at = e.at.map(|t| t.naive_utc().trunc_subsecs(6)).unwrap_or(now);
        if at > latest {
            return Err(GovernanceError::Invalid(format!(
                "events[{i}].at is in the future"
            )));
        }
        let slot = days
            .entry((e.user_id.clone(), at.date()))
            .or_insert((0, at));
        slot.0 += 1;
        slot.1 = slot.1.max(at);
    }
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        let app = registry::find(c, &org, app_id)?;
        let mut ids: Vec<&str> = days.keys().map(|(u, _)| u.as_str()).collect();
        ids.dedup();
        let known = users::existing_user_ids(c, &org, &ids)?;
        if let Some(missing) = ids.iter().find(|id| !known.iter().any(|k| k == *id)) {
            return Err(GovernanceError::NotFound(format!(
                "no user {missing:?} in this organization"
            )));
        }
        for ((user, day), (uses, last)) in &days {
            app_usage::add_to_day(c, &org, app_id, user, *day, *uses, *last)?;
        }
        let mut blocked_for = Vec::new();
        let mode = settings::load(c, &org)?.app_mode;
        if mode == AppMode::RequireApproval && !app.approved && !app.blocked {
            for id in &ids {
                if !store::user_block_exists(c, &org, app_id, id)?
                    && is_guest(c, &org, id)?
                    && block_for_guest(c, &auth.org_id, id, &app)?
                {
                    blocked_for.push(id.to_string());
                }
            }
        }
        Ok(UsageRecorded {
            recorded: events.len(),
            blocked_for,
        })
    })
}
