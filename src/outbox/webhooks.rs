//! Webhook endpoints per organization, as super admins manage them: create (the secret is
//! shown once), list, delete, rotate the secret (the previous one keeps signing for a rotation
//! period), re-enable one that answered 410. An endpoint that answers 410 Gone is disabled by
//! the worker (Standard Webhooks: the receiver asks to stop), audited as the system's act.
//!
//! A URL is an admin's input that gatehouse will POST to, so it follows the JWKS URL policy
//! (`idp::jwks_url`): https to public addresses only, unless `[outbox]
//! allow_private_networks`; the worker's client resolves through the same checked resolver.

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

use super::signature;
use crate::audit::{self, Actor, AuditEvent};
use crate::db::webhooks::{self as store, WebhookRow};
use crate::db::{transaction, DbConnection, DbError, RetryClassify};
use crate::idp::jwks_url::{self, JwksNetworkPolicy};
use crate::ids::OrgId;
use crate::rbac::{Authorized, ManageNotifications, ReadNotifications};

/// An endpoint as the admin API shows it (never a secret).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub disabled: bool,
    /// UTC, no offset.
    #[schema(value_type = Option<String>)]
    pub disabled_at: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
    /// Until when the previous secret still signs, after a rotation (UTC, no offset).
    #[schema(value_type = Option<String>)]
    pub previous_secret_valid_until: Option<NaiveDateTime>,
    /// UTC, no offset.
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
}

impl From<WebhookRow> for WebhookView {
    fn from(r: WebhookRow) -> Self {
        WebhookView {
            id: r.id,
            url: r.url,
            disabled: r.disabled_at.is_some(),
            disabled_at: r.disabled_at,
            disabled_reason: r.disabled_reason,
            previous_secret_valid_until: r.previous_valid_until,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("{0}")]
    Invalid(String),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for OutboxError {
    fn from(e: diesel::result::Error) -> Self {
        OutboxError::Db(e.into())
    }
}

impl RetryClassify for OutboxError {
    fn is_retryable(&self) -> bool {
        matches!(self, OutboxError::Db(DbError::Query(e)) if crate::db::is_retryable(e))
    }

    fn database_error(&self) -> Option<&diesel::result::Error> {
        match self {
            OutboxError::Db(DbError::Query(e)) => Some(e),
            _ => None,
        }
    }
}

/// Checks a webhook URL with the JWKS URL rule (same parser, same address classes).
pub fn check_url(raw: &str, allow_private_networks: bool) -> Result<String, OutboxError> {
    let policy = JwksNetworkPolicy {
        allow_private_networks,
    };
    jwks_url::check_jwks_url(raw, policy)
        .map(|u| u.to_string())
        .map_err(|e| OutboxError::Invalid(e.replace("jwks_url", "url")))
}

/// `check_url`, then the addresses the host resolves to now.
pub async fn check_url_resolved(
    raw: &str,
    allow_private_networks: bool,
) -> Result<(), OutboxError> {
    let policy = JwksNetworkPolicy {
        allow_private_networks,
    };
    jwks_url::check_resolved(raw, policy)
        .await
        .map(|_| ())
        .map_err(|e| OutboxError::Invalid(e.replace("jwks_url", "url")))
}

fn record(
    conn: &mut DbConnection,
    org_id: &OrgId,
    actor: &Actor,
    action: &str,
    id: &str,
    details: serde_json::Value,
) -> Result<(), OutboxError> {
    audit::record(
        conn,
        AuditEvent {
            org_id,
            actor,
            action,
            target_kind: "webhook_endpoint",
            target_id: id,
            details,
        },
    )?;
    Ok(())
}

/// Creates an endpoint; its view and its secret (shown this once).
pub fn create(
    conn: &mut DbConnection,
    auth: &Authorized<ManageNotifications>,
    url: &str,
    allow_private_networks: bool,
) -> Result<(WebhookView, String), OutboxError> {
    let url = check_url(url, allow_private_networks)?;
    transaction(conn, |c| {
        let row = WebhookRow {
            id: uuid::Uuid::new_v4().to_string(),
            org_id: auth.org_id.to_string(),
            url: url.clone(),
            secret: signature::new_secret(),
            previous_secret: None,
            previous_valid_until: None,
            disabled_at: None,
            disabled_reason: None,
            created_at: crate::clock::now(),
        };
        store::insert(c, &row)?;
        record(
            c,
            &auth.org_id,
            &auth.actor(),
            "webhook.created",
            &row.id,
            json!({ "url": row.url }),
        )?;
        let secret = row.secret.clone();
        Ok((row.into(), secret))
    })
}

pub fn list(
    conn: &mut DbConnection,
    auth: &Authorized<ReadNotifications>,
) -> Result<Vec<WebhookView>, OutboxError> {
    let rows = store::list(conn, auth.org_id.as_str())?;
    Ok(rows.into_iter().map(WebhookView::from).collect())
}

pub fn delete(
    conn: &mut DbConnection,
    auth: &Authorized<ManageNotifications>,
    id: &str,
) -> Result<(), OutboxError> {
    transaction(conn, |c| {
        if !store::delete(c, auth.org_id.as_str(), id)? {
            return Err(OutboxError::NotFound);
        }
        record(
            c,
            &auth.org_id,
            &auth.actor(),
            "webhook.deleted",
            id,
            json!({}),
        )
    })
}

/// A new secret (shown once); the previous one keeps signing for `keep_previous_seconds`.
pub fn rotate_secret(
    conn: &mut DbConnection,
    auth: &Authorized<ManageNotifications>,
    id: &str,
    keep_previous_seconds: u64,
) -> Result<(String, NaiveDateTime), OutboxError> {
    let keep = i64::try_from(keep_previous_seconds).unwrap_or(i64::MAX / 2_000_000);
    let until = crate::clock::now() + chrono::Duration::seconds(keep.min(366 * 86_400));
    transaction(conn, |c| {
        let row = store::get(c, auth.org_id.as_str(), id)?.ok_or(OutboxError::NotFound)?;
        let secret = signature::new_secret();
        store::rotate(c, auth.org_id.as_str(), id, &secret, &row.secret, until)?;
        record(
            c,
            &auth.org_id,
            &auth.actor(),
            "webhook.secret_rotated",
            id,
            json!({ "previous_secret_valid_until": until }),
        )?;
        Ok((secret, until))
    })
}

/// Turns an endpoint that was disabled (e.g. after a 410) back on.
pub fn enable(
    conn: &mut DbConnection,
    auth: &Authorized<ManageNotifications>,
    id: &str,
) -> Result<WebhookView, OutboxError> {
    transaction(conn, |c| {
        store::enable(c, auth.org_id.as_str(), id)?;
        let row = store::get(c, auth.org_id.as_str(), id)?.ok_or(OutboxError::NotFound)?;
        record(
            c,
            &auth.org_id,
            &auth.actor(),
            "webhook.enabled",
            id,
            json!({}),
        )?;
        Ok(row.into())
    })
}

/// The worker's act on a 410 Gone: the endpoint stops receiving, audited as the system's.
pub fn disable_gone(conn: &mut DbConnection, org_id: &str, id: &str) -> Result<(), OutboxError> {
    let org = OrgId(org_id.to_owned());
    transaction(conn, |c| {
        let reason = "the endpoint answered 410 Gone";
        if store::disable(c, org_id, id, reason, crate::clock::now())? {
            record(
                c,
                &org,
                &Actor::System,
                "webhook.disabled",
                id,
                json!({ "reason": reason }),
            )?;
        }
        Ok(())
    })
}

/// The secrets that sign a delivery now: the current one, and the previous one while its
/// rotation period lasts.
pub fn signing_secrets(row: &WebhookRow, now: NaiveDateTime) -> Vec<&str> {
    let mut out = vec![row.secret.as_str()];
    if let (Some(prev), Some(until)) = (&row.previous_secret, row.previous_valid_until) {
        if until > now {
            out.push(prev.as_str());
        }
    }
    out
}
