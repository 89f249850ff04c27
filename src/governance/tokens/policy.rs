//! Expiration policies, separately for personal and service-account tokens (reference "Set
//! default expiration for personal access or service account tokens") and the expiry warnings.
//!
//! - The default is ten years; a super admin may choose 30, 60 or 90 days.
//! - Setting a policy re-dates every existing token of that kind to `min(its expiry, set time +
//!   period)`: "tokens created in the past will be set to expire 30 days from when the policy is
//!   set", and "Asana will not push the token dates out" when loosening. Since expiries only ever
//!   move down, the strictest expiry a token has had wins.
//! - New tokens expire at creation + period.
//! - Warnings 7 days before expiry and at expiry, once each: `sweep_expiry_warnings` enqueues
//!   them with dedupe keys, so two instances sweeping at once still write one row each.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{TOKEN_EXPIRED, TOKEN_EXPIRING};
use crate::audit::{self, AuditEvent};
use crate::db::{token_policies as store, tokens as token_store, transaction, DbConnection};
use crate::governance::roles::GovernanceError;
use crate::ids::OrgId;
use crate::outbox::{self, Notification};
use crate::rbac::{Authorized, ManageTokenPolicy, ManageTokens};
use crate::tokens::TokenKind;

/// Ten years, the default lifetime (reference: "Tokens have a default expiration of 10 years").
pub const DEFAULT_DAYS: i64 = 3650;
/// The periods a super admin may choose.
pub const ALLOWED_DAYS: [i32; 3] = [30, 60, 90];
/// Warnings go out this long before expiry ("a warning 7 days before their token expires").
pub const WARNING_DAYS: i64 = 7;

/// The kinds a policy governs.
pub const GOVERNED: [TokenKind; 2] = [TokenKind::Personal, TokenKind::ServiceAccount];

/// One kind's policy as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KindPolicy {
    /// 30, 60 or 90; `null` is the default.
    pub days: Option<i32>,
    /// The lifetime new tokens get, in days.
    pub effective_days: i64,
    #[schema(value_type = Option<String>)]
    pub set_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenPolicy {
    pub personal: KindPolicy,
    pub service_account: KindPolicy,
}

/// `PUT /tokens/policy`: absent kinds keep their policy; `"default"` (or `null`) restores ten
/// years; a number must be 30, 60 or 90.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyChange {
    /// 30, 60 or 90 days, or `"default"` / `null` for ten years.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = period_schema)]
    pub personal: Option<serde_json::Value>,
    /// 30, 60 or 90 days, or `"default"` / `null` for ten years.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = period_schema)]
    pub service_account: Option<serde_json::Value>,
}

/// The documented shape of a period in [`PolicyChange`]: 30, 60 or 90, `"default"`, or `null`.
fn period_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    let one_of = OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some([30, 60, 90])),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["default"])),
        )
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .build();
    Schema::OneOf(one_of)
}

/// Distinguishes a present `null` (Some(Null)) from an absent field (None).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

fn parse_period(kind: &str, v: &serde_json::Value) -> Result<Option<i32>, GovernanceError> {
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) if s == "default" => Ok(None),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(d) if ALLOWED_DAYS.iter().any(|a| i64::from(*a) == d) => Ok(Some(d as i32)),
            _ => Err(invalid(kind)),
        },
        _ => Err(invalid(kind)),
    }
}

fn invalid(kind: &str) -> GovernanceError {
    GovernanceError::Invalid(format!(
        "{kind}: the expiration must be 30, 60, 90 (days) or \"default\" (10 years)"
    ))
}

fn kind_policy(
    conn: &mut DbConnection,
    org: &str,
    kind: TokenKind,
) -> Result<KindPolicy, GovernanceError> {
    let row = store::find(conn, org, kind.as_str())?;
    let days = row.as_ref().and_then(|r| r.period_days);
    Ok(KindPolicy {
        days,
        effective_days: days.map_or(DEFAULT_DAYS, i64::from),
        set_at: row.map(|r| r.set_at),
    })
}

pub fn get(
    conn: &mut DbConnection,
    auth: &Authorized<ManageTokens>,
) -> Result<TokenPolicy, GovernanceError> {
    read(conn, auth.org_id.as_str())
}

fn read(conn: &mut DbConnection, org: &str) -> Result<TokenPolicy, GovernanceError> {
    Ok(TokenPolicy {
        personal: kind_policy(conn, org, TokenKind::Personal)?,
        service_account: kind_policy(conn, org, TokenKind::ServiceAccount)?,
    })
}

/// When a token of `kind` created now in `org` expires.
pub fn expiry_for_new(
    conn: &mut DbConnection,
    org: &str,
    kind: TokenKind,
    now: NaiveDateTime,
) -> Result<NaiveDateTime, GovernanceError> {
    let days = kind_policy(conn, org, kind)?.effective_days;
    Ok(now + Duration::days(days))
}

/// The token kinds a policy applies to: app actors' tokens (non-human, like service accounts')
/// follow the service-account policy.
fn governed_by(policy: TokenKind) -> &'static [TokenKind] {
    match policy {
        TokenKind::ServiceAccount => &[TokenKind::ServiceAccount, TokenKind::AppActor],
        TokenKind::Personal => &[TokenKind::Personal],
        TokenKind::ScimConnection | TokenKind::AppActor => &[],
    }
}

/// Sets one or both policies and re-dates existing tokens, in one transaction.
pub fn put(
    conn: &mut DbConnection,
    auth: &Authorized<ManageTokenPolicy>,
    change: &PolicyChange,
) -> Result<TokenPolicy, GovernanceError> {
    let mut wanted = Vec::new();
    if let Some(v) = &change.personal {
        wanted.push((TokenKind::Personal, parse_period("personal", v)?));
    }
    if let Some(v) = &change.service_account {
        wanted.push((
            TokenKind::ServiceAccount,
            parse_period("service_account", v)?,
        ));
    }
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        let now = crate::clock::now();
        for (kind, days) in &wanted {
            let before = kind_policy(conn, org, *kind)?;
            store::put(conn, org, kind.as_str(), *days, now)?;
            // Existing tokens: min(current expiry, set time + period); never later.
            let cap = now + Duration::days(days.map_or(DEFAULT_DAYS, i64::from));
            let mut redated = 0;
            for governed in governed_by(*kind) {
                redated += token_store::cap_expiry(conn, org, governed.as_str(), None, cap)?;
            }
            audit::record(
                conn,
                AuditEvent {
                    org_id: &auth.org_id,
                    actor: &auth.actor(),
                    action: "token.policy_changed",
                    target_kind: "organization",
                    target_id: org,
                    details: json!({
                        "kind": kind.as_str(),
                        "before_days": before.days,
                        "after_days": days,
                        "tokens_redated": redated,
                    }),
                },
            )?;
        }
        read(conn, org)
    })
}

/// Enqueues `token.expiring` for tokens expiring within the warning window and `token.expired`
/// for tokens that expired in the last 30 days, each once per token (dedupe keys
/// `token.expiring:{id}` / `token.expired:{id}`): safe to run on every instance, repeatedly.
/// Returns how many notifications it newly wrote. The periodic runner calls it.
pub fn sweep_expiry_warnings(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<usize, GovernanceError> {
    let kinds: Vec<&str> = GOVERNED
        .iter()
        .flat_map(|k| governed_by(*k))
        .map(|k| k.as_str())
        .collect();
    transaction(conn, |conn| {
        let mut written = 0;
        let soon =
            token_store::expiring_between(conn, &kinds, now, now + Duration::days(WARNING_DAYS))?;
        let gone = token_store::expiring_between(conn, &kinds, now - Duration::days(30), now)?;
        for (rows, topic) in [(&soon, TOKEN_EXPIRING), (&gone, TOKEN_EXPIRED)] {
            for row in rows.iter() {
                let org = OrgId(row.org_id.clone());
                if outbox::enqueue(
                    conn,
                    &Notification {
                        org_id: &org,
                        topic,
                        recipients: super::owner_recipients(row),
                        data: json!({
                            "token_id": row.id,
                            "name": row.name,
                            "kind": row.kind,
                            "expires_at": row.expires_at,
                        }),
                        dedupe_key: Some(format!("{topic}:{}", row.id)),
                    },
                )? {
                    written += 1;
                }
            }
        }
        Ok(written)
    })
}
