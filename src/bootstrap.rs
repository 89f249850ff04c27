//! First-run setup: an organization with its verified domain, a super-admin user with a personal
//! access token, and an IdP connection with its SCIM bearer secret, all in one transaction.
//! The secrets are returned once to be printed and are never stored in clear.

use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Actor, AuditEvent};
use crate::db::orgs::{self, NewConnection};
use crate::db::users::{self as user_store, UserGovernance};
use crate::db::{transaction, DbConnection, DbError};
use crate::directory::users::columns_of;
use crate::ids::{ConnectionId, OrgId, UserId};
use crate::tokens::{self, TokenKind, TokenRequest};

/// What to create.
#[derive(Debug, Clone)]
pub struct BootstrapRequest {
    pub org_name: String,
    pub domain: String,
    pub admin_email: String,
}

/// What was created, with the two secrets in clear (shown once).
#[derive(Debug, Clone, Serialize)]
pub struct BootstrapOutput {
    pub org_id: OrgId,
    pub admin_user_id: UserId,
    pub admin_token: String,
    pub scim_connection_id: ConnectionId,
    pub scim_token: String,
    pub scim_base_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("{0}")]
    Invalid(String),
    #[error("the domain {0:?} already belongs to an organization")]
    DomainTaken(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for BootstrapError {
    fn from(err: diesel::result::Error) -> Self {
        BootstrapError::Db(err.into())
    }
}

impl crate::db::RetryClassify for BootstrapError {
    fn is_retryable(&self) -> bool {
        matches!(self, BootstrapError::Db(DbError::Query(e)) if crate::db::is_retryable(e))
    }

    fn database_error(&self) -> Option<&diesel::result::Error> {
        match self {
            BootstrapError::Db(DbError::Query(e)) => Some(e),
            _ => None,
        }
    }
}

/// Creates an organization and its first credentials.
pub fn bootstrap(
    conn: &mut DbConnection,
    req: &BootstrapRequest,
    base_url: &str,
) -> Result<BootstrapOutput, BootstrapError> {
    let domain = req.domain.trim().to_lowercase();
    let email = req.admin_email.trim().to_owned();
    if req.org_name.trim().is_empty() {
        return Err(BootstrapError::Invalid(
            "the organization name is empty".into(),
        ));
    }
    if domain.is_empty() || !domain.contains('.') || domain.contains(char::is_whitespace) {
        return Err(BootstrapError::Invalid(format!(
            "{:?} is not a domain",
            req.domain
        )));
    }
    if !validator::ValidateEmail::validate_email(&email) {
        return Err(BootstrapError::Invalid(format!(
            "{email:?} is not an email address"
        )));
    }
    transaction(conn, |conn| {
        let org_id = OrgId::new();
        let admin_id = UserId::new();
        let connection_id = ConnectionId::new();
        let system = Actor::System;
        orgs::insert_organization(conn, &org_id, req.org_name.trim())?;
        orgs::insert_domain(conn, &org_id, &domain, true).map_err(|e| match DbError::from(e) {
            DbError::UniqueViolation(_) => BootstrapError::DomainTaken(domain.clone()),
            other => other.into(),
        })?;
        crate::governance::roles::service::create_standard_roles(conn, &org_id)?;

        let doc = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": email,
            // Named for what it is; IdP clients (Okta's first check among them) expect every
            // listed user to carry a given and a family name.
            "name": { "givenName": "Bootstrap", "familyName": "Administrator", "formatted": "Bootstrap Administrator" },
            "displayName": "Bootstrap Administrator",
            "emails": [{ "value": email, "type": "work", "primary": true }],
            "active": true,
        });
        let cols = columns_of(&doc).map_err(|e| BootstrapError::Invalid(e.to_string()))?;
        let gov = UserGovernance {
            role: "super_admin",
            role_source: "bootstrap",
            is_external: false,
            managed_by: None,
        };
        let now = crate::clock::now();
        user_store::insert_user(conn, org_id.as_str(), admin_id.as_str(), &cols, &gov, now)?;
        user_store::replace_emails(
            conn,
            org_id.as_str(),
            admin_id.as_str(),
            &[user_store::EmailColumns {
                value: email.clone(),
                email_type: Some("work".into()),
                is_primary: true,
            }],
        )?;
        let admin_token = tokens::issue(
            conn,
            &TokenRequest {
                org_id: &org_id,
                kind: TokenKind::Personal,
                subject_id: admin_id.as_str(),
                name: "bootstrap super-admin token",
                created_by: None,
                expires_at: None,
            },
        )?;

        orgs::insert_connection(
            conn,
            &NewConnection {
                id: &connection_id,
                org_id: &org_id,
                name: "Default SCIM connection",
                dialect: "generic",
            },
        )?;
        let scim_token = tokens::issue(
            conn,
            &TokenRequest {
                org_id: &org_id,
                kind: TokenKind::ScimConnection,
                subject_id: connection_id.as_str(),
                name: "bootstrap SCIM secret",
                created_by: None,
                expires_at: None,
            },
        )?;

        for (action, kind, target) in [
            ("organization.created", "organization", org_id.as_str()),
            ("user.created", "user", admin_id.as_str()),
            ("token.issued", "token", admin_token.id.as_str()),
            (
                "idp_connection.created",
                "idp_connection",
                connection_id.as_str(),
            ),
            ("token.issued", "token", scim_token.id.as_str()),
        ] {
            audit::record(
                conn,
                AuditEvent {
                    org_id: &org_id,
                    actor: &system,
                    action,
                    target_kind: kind,
                    target_id: target,
                    details: json!({ "via": "bootstrap" }),
                },
            )?;
        }
        Ok(BootstrapOutput {
            org_id,
            admin_user_id: admin_id,
            admin_token: admin_token.plaintext,
            scim_connection_id: connection_id,
            scim_token: scim_token.plaintext,
            scim_base_url: format!("{base_url}/scim/v2"),
        })
    })
}

/// Bootstraps only if the database has no organization yet (the first `serve`). Two instances
/// starting at once can't both succeed: the domain's unique key refuses the second.
pub fn bootstrap_if_empty(
    conn: &mut DbConnection,
    req: &BootstrapRequest,
    base_url: &str,
) -> Result<Option<BootstrapOutput>, BootstrapError> {
    if orgs::count_organizations(conn)? > 0 {
        return Ok(None);
    }
    match bootstrap(conn, req, base_url) {
        Ok(out) => Ok(Some(out)),
        Err(BootstrapError::DomainTaken(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
