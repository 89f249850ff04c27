//! IdP connections as admins manage them: which dialect a connection speaks, how it
//! authenticates (bearer secrets, or JWTs from a configured issuer), its request limit, and its
//! secrets. Rotation issues a second secret while the first stays valid; the old one is revoked
//! when the IdP has switched. Every change is audited in its transaction.
//!
//! Reading connections needs an admin; creating, changing them and issuing or revoking their
//! secrets needs the super admin (`ManageConnections`), since a connection writes identities.
//! Each connection has its own SCIM base URL (`…/scim/v2/connections/{id}`): the only place a
//! JWT-authenticated connection is reached, so a token is checked against that one connection.

mod validate;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::jwks_url::JwksNetworkPolicy;
use crate::audit::{self, AuditEvent};
use crate::db::orgs::{self, ConnectionChanges, ConnectionRow, NewConnection};
use crate::db::tokens::{self as token_store, TokenRow};
use crate::db::{transaction, DbConnection, DbError, RetryClassify};
use crate::ids::{ConnectionId, OrgId};
use crate::rbac::{Authorized, ManageConnections, ReadConnections};
use crate::tokens::{self, IssuedToken, TokenKind, TokenRequest};

/// A connection as the admin API shows it (never a secret or a key).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConnectionView {
    pub id: String,
    pub name: String,
    pub dialect: String,
    pub auth_mode: String,
    pub jwt_issuer: Option<String>,
    pub jwt_audience: Option<String>,
    pub jwks_url: Option<String>,
    pub has_static_key: bool,
    /// Claims a JWT must carry besides `iss` and `aud` (an object), or null.
    pub jwt_required_claims: Option<Value>,
    pub requests_per_minute: Option<i32>,
    pub disabled: bool,
    /// Whether the connection may take over users it did not create (see `directory::stewardship`).
    pub takeover_unmanaged_users: bool,
    /// UTC without an offset, microsecond precision (e.g. `2026-01-31T12:00:00.123456`).
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    /// This connection's own SCIM base URL, where its JWTs (and its secrets) are accepted.
    pub scim_base_url: String,
}

impl ConnectionView {
    /// Sets `scim_base_url` from the service's SCIM base (`…/scim/v2`).
    pub fn located(mut self, scim_base: &str) -> Self {
        self.scim_base_url = format!("{scim_base}/connections/{}", self.id);
        self
    }
}

impl From<ConnectionRow> for ConnectionView {
    fn from(row: ConnectionRow) -> Self {
        ConnectionView {
            id: row.id,
            name: row.name,
            dialect: row.dialect,
            auth_mode: row.auth_mode,
            jwt_issuer: row.jwt_issuer,
            jwt_audience: row.jwt_audience,
            jwks_url: row.jwks_url,
            has_static_key: row.jwt_static_key.is_some(),
            jwt_required_claims: row
                .jwt_required_claims
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok()),
            requests_per_minute: row.requests_per_minute,
            disabled: row.disabled,
            takeover_unmanaged_users: row.takeover_unmanaged,
            created_at: row.created_at,
            scim_base_url: String::new(),
        }
    }
}

/// A connection secret's metadata.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SecretView {
    pub id: String,
    pub name: String,
    /// UTC without an offset, microsecond precision (e.g. `2026-01-31T12:00:00.123456`).
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    /// UTC without an offset, microsecond precision (e.g. `2026-01-31T12:00:00.123456`).
    #[schema(value_type = Option<String>)]
    pub expires_at: Option<NaiveDateTime>,
    /// UTC without an offset, microsecond precision (e.g. `2026-01-31T12:00:00.123456`).
    #[schema(value_type = Option<String>)]
    pub last_used_at: Option<NaiveDateTime>,
    /// UTC without an offset, microsecond precision (e.g. `2026-01-31T12:00:00.123456`).
    #[schema(value_type = Option<String>)]
    pub revoked_at: Option<NaiveDateTime>,
}

impl From<TokenRow> for SecretView {
    fn from(t: TokenRow) -> Self {
        SecretView {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A new connection.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConnectionSpec {
    pub name: String,
    #[serde(default = "generic")]
    pub dialect: String,
    pub requests_per_minute: Option<i32>,
}

fn generic() -> String {
    "generic".into()
}

/// Changes to a connection; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionUpdate {
    pub name: Option<String>,
    pub dialect: Option<String>,
    pub auth_mode: Option<String>,
    #[serde(default, with = "double_option")]
    pub jwt_issuer: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    pub jwt_audience: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    pub jwks_url: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    pub jwt_static_key: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    pub requests_per_minute: Option<Option<i32>>,
    pub disabled: Option<bool>,
    pub takeover_unmanaged_users: Option<bool>,
    /// e.g. `{"tid": "…", "appid": "…"}`; `null` pins nothing.
    #[serde(default, with = "double_option")]
    pub jwt_required_claims: Option<Option<Value>>,
}

/// `Option<Option<T>>` where a missing field is `None` and `null` is `Some(None)`.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("{0}")]
    Invalid(String),
    #[error("no such connection or secret")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ConnectionError {
    fn from(e: diesel::result::Error) -> Self {
        ConnectionError::Db(e.into())
    }
}

impl RetryClassify for ConnectionError {
    fn is_retryable(&self) -> bool {
        matches!(self, ConnectionError::Db(DbError::Query(e)) if crate::db::is_retryable(e))
    }

    fn database_error(&self) -> Option<&diesel::result::Error> {
        match self {
            ConnectionError::Db(DbError::Query(e)) => Some(e),
            _ => None,
        }
    }
}

fn audit(
    conn: &mut DbConnection,
    auth: &Authorized<ManageConnections>,
    action: &str,
    target: &str,
    details: serde_json::Value,
) -> Result<(), ConnectionError> {
    let actor = auth.actor();
    audit::record(
        conn,
        AuditEvent {
            org_id: &auth.org_id,
            actor: &actor,
            action,
            target_kind: "idp_connection",
            target_id: target,
            details,
        },
    )?;
    Ok(())
}

/// Creates a connection and its first secret (shown once).
pub fn create(
    conn: &mut DbConnection,
    auth: &Authorized<ManageConnections>,
    spec: &NewConnectionSpec,
) -> Result<(ConnectionView, IssuedToken), ConnectionError> {
    let name = validate::name(&spec.name)?;
    let name = name.as_str();
    validate::dialect(&spec.dialect)?;
    validate::rate(spec.requests_per_minute)?;
    transaction(conn, |conn| {
        let id = ConnectionId::new();
        orgs::insert_connection(
            conn,
            &NewConnection {
                id: &id,
                org_id: &auth.org_id,
                name,
                dialect: &spec.dialect,
            },
        )?;
        if spec.requests_per_minute.is_some() {
            let changes = ConnectionChanges {
                requests_per_minute: Some(spec.requests_per_minute),
                ..Default::default()
            };
            orgs::update_connection(conn, auth.org_id.as_str(), id.as_str(), &changes)?;
        }
        let secret = issue(conn, auth, id.as_str(), "initial secret")?;
        audit(
            conn,
            auth,
            "idp_connection.created",
            id.as_str(),
            json!({ "name": name, "dialect": spec.dialect }),
        )?;
        let row = find(conn, &auth.org_id, id.as_str())?;
        Ok((row.into(), secret))
    })
}

pub fn list(
    conn: &mut DbConnection,
    auth: &Authorized<ReadConnections>,
) -> Result<Vec<ConnectionView>, ConnectionError> {
    Ok(orgs::list_connections(conn, auth.org_id.as_str())?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub fn get(
    conn: &mut DbConnection,
    auth: &Authorized<ReadConnections>,
    id: &str,
) -> Result<ConnectionView, ConnectionError> {
    find(conn, &auth.org_id, id).map(Into::into)
}

/// Applies changes; a connection switched to JWT must name its issuer, audience and keys. A
/// `jwks_url` must pass the network policy (`idp::jwks_url`).
pub fn update(
    conn: &mut DbConnection,
    auth: &Authorized<ManageConnections>,
    id: &str,
    update: &ConnectionUpdate,
    network: JwksNetworkPolicy,
) -> Result<ConnectionView, ConnectionError> {
    let changes = validate::changes(update, network)?;
    transaction(conn, |conn| {
        find(conn, &auth.org_id, id)?;
        orgs::update_connection(conn, auth.org_id.as_str(), id, &changes)?;
        let row = find(conn, &auth.org_id, id)?;
        if row.auth_mode == "jwt"
            && (row.jwt_issuer.is_none()
                || row.jwt_audience.is_none()
                || (row.jwks_url.is_none() && row.jwt_static_key.is_none()))
        {
            return Err(ConnectionError::Invalid(
                "a jwt connection needs jwt_issuer, jwt_audience and jwks_url or jwt_static_key"
                    .into(),
            ));
        }
        audit(
            conn,
            auth,
            "idp_connection.updated",
            id,
            json!({ "dialect": row.dialect, "auth_mode": row.auth_mode, "disabled": row.disabled,
                    "requests_per_minute": row.requests_per_minute,
                    "jwt_issuer": row.jwt_issuer, "jwt_audience": row.jwt_audience,
                    "jwks_url": row.jwks_url, "jwt_required_claims": row.jwt_required_claims,
                    "takeover_unmanaged_users": row.takeover_unmanaged }),
        )?;
        Ok(row.into())
    })
}

/// Issues another secret for a connection (rotation: the existing ones stay valid).
pub fn rotate_secret(
    conn: &mut DbConnection,
    auth: &Authorized<ManageConnections>,
    id: &str,
) -> Result<IssuedToken, ConnectionError> {
    transaction(conn, |conn| {
        find(conn, &auth.org_id, id)?;
        let secret = issue(conn, auth, id, "rotated secret")?;
        audit(
            conn,
            auth,
            "idp_connection.secret_issued",
            id,
            json!({ "secret_id": secret.id }),
        )?;
        Ok(secret)
    })
}

pub fn list_secrets(
    conn: &mut DbConnection,
    auth: &Authorized<ReadConnections>,
    id: &str,
) -> Result<Vec<SecretView>, ConnectionError> {
    find(conn, &auth.org_id, id)?;
    Ok(
        token_store::tokens_of_subject(conn, auth.org_id.as_str(), id)?
            .into_iter()
            .map(Into::into)
            .collect(),
    )
}

/// Revokes one secret of a connection; it stops working at once.
pub fn revoke_secret(
    conn: &mut DbConnection,
    auth: &Authorized<ManageConnections>,
    id: &str,
    secret_id: &str,
) -> Result<(), ConnectionError> {
    transaction(conn, |conn| {
        find(conn, &auth.org_id, id)?;
        if !token_store::revoke(
            conn,
            auth.org_id.as_str(),
            id,
            secret_id,
            crate::clock::now(),
        )? {
            return Err(ConnectionError::NotFound);
        }
        audit(
            conn,
            auth,
            "idp_connection.secret_revoked",
            id,
            json!({ "secret_id": secret_id }),
        )?;
        Ok(())
    })
}

fn issue(
    conn: &mut DbConnection,
    auth: &Authorized<ManageConnections>,
    id: &str,
    name: &str,
) -> Result<IssuedToken, ConnectionError> {
    Ok(tokens::issue(
        conn,
        &TokenRequest {
            org_id: &auth.org_id,
            kind: TokenKind::ScimConnection,
            subject_id: id,
            name,
            created_by: Some(auth.user_id.as_str()),
            expires_at: None,
        },
    )?)
}

fn find(
    conn: &mut DbConnection,
    org_id: &OrgId,
    id: &str,
) -> Result<ConnectionRow, ConnectionError> {
    orgs::find_connection(conn, org_id.as_str(), id)?.ok_or(ConnectionError::NotFound)
}
