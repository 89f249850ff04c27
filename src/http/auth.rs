//! Who is calling. `ScimCaller`: an IdP connection, by its bearer secret (on `/scim/v2` or on
//! its own base URL `/scim/v2/connections/{id}`) or by a bearer JWT (on its own base URL only:
//! the URL names the one connection the token is verified against, so a token can never reach
//! another organization's connection). `AdminCaller`: a personal access token of an active user.
//! A missing or bad token is 401 with `WWW-Authenticate: Bearer`; which check failed goes to the
//! log only. Every failure spends the client address's failed-authentication budget, and an
//! address without budget gets 429 before any token is looked at (`auth_limit`). Tokens that are
//! not well-formed (a gatehouse token with a bad checksum, of the wrong kind, or not a JWT)
//! are refused without touching the database.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::api::problem::ApiError;
use super::auth_limit::{client_address, AdminAuthThrottled};
use super::scim::error::ScimFailure;
use super::throttle::ConnectionLimit;
use super::{AdminIdentity, AppState};
use crate::audit::Actor;
use crate::db::orgs::ConnectionRow;
use crate::db::{orgs, users, DbError};
use crate::directory::Caller;
use crate::governance::actors::used_grants::GrantUseLog;
use crate::governance::roles::{decisions, Permission, RoleId};
use crate::idp::jwt::JwtVerifier;
use crate::idp::Dialect;
use crate::ids::{OrgId, UserId};
use crate::rbac::{authorize, AdminPermission, Authorized, Principal};
use crate::tokens::{self, TokenKind};

/// An authenticated IdP connection.
#[derive(Debug, Clone)]
pub struct ScimCaller(pub Caller);

/// An authenticated person on the admin API.
#[derive(Debug, Clone)]
pub struct AdminCaller {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub role: String,
    /// What the caller may do, decided from the stored roles when the request came in, and
    /// who acts (a person or a service account).
    pub principal: Principal,
    /// Set when a personal access token was presented: its id and where its uses of
    /// app-actor grants are recorded (see `authorize`).
    pub personal_token: Option<PersonalToken>,
}

/// The personal access token a call presented, for recording the grants it uses.
#[derive(Debug, Clone)]
pub struct PersonalToken {
    pub id: String,
    uses: Arc<GrantUseLog>,
}

impl AdminCaller {
    pub fn actor(&self) -> Actor {
        self.principal.actor.clone()
    }

    /// Checks the caller's permissions for `P`; the proof is what the service function
    /// requires. A refusal is a 403 naming the missing permission.
    ///
    /// Issue 14: when a personal token passes the check for an action an app actor could do
    /// (`P::GRANT`), the grant is recorded as used by that token, so a move of the integration
    /// to an app actor can propose it. This is the one place that knows both; recording is a
    /// lookup in memory and at most one write per token, grant and day, off the request
    /// (`governance::actors::used_grants`).
    pub fn authorize<P: AdminPermission>(&self) -> Result<Authorized<P>, ApiError> {
        let authorized = authorize::<P>(&self.principal)
            .map_err(|denied| ApiError::forbidden(&denied.to_string()))?;
        self.record_grant_use::<P>();
        Ok(authorized)
    }

    /// Records that a personal token used `P`'s grant (for checks of `P` made elsewhere than
    /// `authorize`, once they succeeded); nothing for other credentials or grant-less `P`.
    pub fn record_grant_use<P: AdminPermission>(&self) {
        if let (Some(token), Some(grant)) = (&self.personal_token, P::GRANT) {
            token.uses.record(self.org_id.as_str(), &token.id, grant);
        }
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// A gatehouse token of `kind` with a valid checksum: decided without any database work.
fn well_formed(token: &str, kind: TokenKind) -> bool {
    matches!(tokens::secret::parse(token), Some(p) if p.kind == kind)
}

fn state(req: &HttpRequest) -> Option<web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>().cloned()
}

impl FromRequest for ScimCaller {
    type Error = ScimFailure;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = bearer(req);
        let state = state(req);
        let req = req.clone();
        // Set when the request came in under `/scim/v2/connections/{connection_id}`.
        let named = req.match_info().get("connection_id").map(str::to_owned);
        let client = state
            .as_ref()
            .and_then(|s| client_address(&req, &s.settings.auth.trusted_proxies));
        Box::pin(async move {
            let state = state.ok_or_else(|| ScimFailure::Internal("no app state".into()))?;
            if let Some(ip) = client {
                state
                    .auth_failures
                    .check(ip)
                    .map_err(|retry_after_secs| ScimFailure::AuthThrottled { retry_after_secs })?;
            }
            let found = match &token {
                Some(token) => authenticate_connection(&state, token, named.as_deref()).await?,
                None => Err("no bearer token".into()),
            };
            let connection = found.map_err(|reason| {
                tracing::info!(%reason, "SCIM credentials refused");
                if let Some(ip) = client {
                    state.auth_failures.record_failure(ip);
                }
                match token {
                    Some(_) => ScimFailure::Unauthorized("the bearer token is not valid"),
                    None => ScimFailure::Unauthorized("a bearer token is required"),
                }
            })?;
            crate::metrics::record_idp_request(&connection.id);
            let limit = connection
                .requests_per_minute
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(state.settings.scim.requests_per_minute);
            state
                .limiter
                .acquire(&connection.id, limit)
                .map_err(|retry_after_secs| ScimFailure::TooManyRequests { retry_after_secs })?;
            req.extensions_mut().insert(ConnectionLimit {
                connection_id: connection.id.clone(),
                per_minute: limit,
            });
            // Locations are built from the base the client used, so they lead back to it.
            let scim_base = match &named {
                Some(id) => format!("{}/connections/{id}", state.scim_base()),
                None => state.scim_base(),
            };
            Ok(ScimCaller(Caller {
                org_id: OrgId(connection.org_id),
                actor: Actor::IdpConnection(connection.id.clone()),
                dialect: Dialect::from_stored(&connection.dialect),
                connection_id: Some(connection.id),
                scim_base,
            }))
        })
    }
}

/// The connection `token` authenticates as, given the connection the URL names (if any); the
/// inner error is the refusal reason, for the log.
async fn authenticate_connection(
    state: &AppState,
    token: &str,
    named: Option<&str>,
) -> Result<Result<ConnectionRow, String>, ScimFailure> {
    if let Some(parsed) = tokens::secret::parse(token) {
        if parsed.kind != TokenKind::ScimConnection {
            return Ok(Err("a gatehouse token, but not a connection secret".into()));
        }
        let connection = match state.scim_credentials.get(token) {
            Some(connection) => Ok(connection),
            None => connection_by_secret(state, token.to_owned()).await?,
        };
        return Ok(connection.and_then(|c| match named {
            Some(id) if id != c.id => Err("the secret of another connection".into()),
            _ => Ok(c),
        }));
    }
    if !JwtVerifier::looks_like_jwt(token) {
        // Also a mistyped or made-up gatehouse token: its checksum fails without a lookup.
        return Ok(Err(
            "neither a well-formed gatehouse secret nor a JWT".into()
        ));
    }
    match named {
        Some(id) => connection_by_jwt(state, token, id).await,
        None => Ok(Err(
            "JWT connections are reached at their own base URL".into()
        )),
    }
}

/// A connection's bearer secret, checked against the database and then remembered for a few
/// seconds. A connection switched to JWT no longer accepts its secrets.
async fn connection_by_secret(
    state: &AppState,
    token: String,
) -> Result<Result<ConnectionRow, String>, ScimFailure> {
    let presented = token.clone();
    // Taken before the read: a revocation that clears the cache meanwhile voids the insert.
    let generation = state.scim_credentials.generation();
    let found = state
        .with_conn(move |conn| -> Result<_, DbError> {
            let row = match tokens::authenticate(conn, &token, TokenKind::ScimConnection)? {
                Ok(row) => row,
                Err(refusal) => return Ok(Err(refusal.to_string())),
            };
            match orgs::find_connection(conn, &row.org_id, &row.subject_id)? {
                Some(c) if c.disabled => Ok(Err("connection disabled".into())),
                Some(c) if c.auth_mode != "bearer" => {
                    Ok(Err("connection accepts only JWTs".into()))
                }
                Some(c) => Ok(Ok((c, row.expires_at))),
                None => Ok(Err("connection gone".into())),
            }
        })
        .await?;
    Ok(found.map(|(connection, expires_at)| {
        let valid_until = expires_at.map(|at| {
            let left = (at - crate::clock::now()).to_std().unwrap_or_default();
            std::time::Instant::now() + left
        });
        state
            .scim_credentials
            .insert(&presented, connection.clone(), valid_until, generation);
        connection
    }))
}

/// A bearer JWT, verified against the one connection the URL names and nothing else: keys,
/// issuer, audience, times and the claims the connection pins.
async fn connection_by_jwt(
    state: &AppState,
    token: &str,
    connection_id: &str,
) -> Result<Result<ConnectionRow, String>, ScimFailure> {
    let id = connection_id.to_owned();
    let connection = state
        .with_conn(move |conn| orgs::connection_named_in_url(conn, &id).map_err(DbError::from))
        .await?;
    let connection = match connection {
        None => return Ok(Err("no such connection".into())),
        Some(c) if c.disabled => return Ok(Err("connection disabled".into())),
        Some(c) if c.auth_mode != "jwt" => {
            return Ok(Err("the connection does not accept JWTs".into()))
        }
        Some(c) => c,
    };
    Ok(match state.jwt.verify(token, &connection).await {
        Ok(()) => Ok(connection),
        Err(refusal) => Err(refusal.to_string()),
    })
}

impl FromRequest for AdminCaller {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = bearer(req);
        let state = state(req);
        let client = state
            .as_ref()
            .and_then(|s| client_address(req, &s.settings.auth.trusted_proxies));
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("no app state"))?;
            if let Some(ip) = client {
                state
                    .auth_failures
                    .check(ip)
                    .map_err(|retry_after_secs| AdminAuthThrottled { retry_after_secs })?;
            }
            if let Some(caller) = token.as_deref().and_then(|t| remembered_admin(&state, t)) {
                return Ok(caller);
            }
            let missing = token.is_none();
            let cache = state.decisions.clone();
            // Taken before the read: a revocation that clears the cache meanwhile voids the insert.
            let generation = state.admin_credentials.generation();
            let presented = token.clone();
            if let Some(t) = token
                .as_deref()
                .filter(|t| well_formed(t, TokenKind::ServiceAccount))
            {
                return service_account_caller(&state, t.to_owned(), client).await;
            }
            if let Some(t) = token
                .as_deref()
                .filter(|t| well_formed(t, TokenKind::AppActor))
            {
                return app_actor_caller(&state, t.to_owned(), client).await;
            }
            let found = match token {
                None => Err("no bearer token".to_owned()),
                // Checked here, not in the pooled read: a forged token costs no connection.
                Some(token) if !well_formed(&token, TokenKind::Personal) => {
                    Err("not a well-formed personal access token".to_owned())
                }
                Some(token) => state
                    .with_conn(move |conn| -> Result<_, DbError> {
                        let row = match tokens::authenticate(conn, &token, TokenKind::Personal)? {
                            Ok(row) => row,
                            Err(refusal) => return Ok(Err(refusal.to_string())),
                        };
                        match users::find_user(conn, &row.org_id, &row.subject_id)? {
                            Some(user) if user.active => {
                                // The caller's permissions from the org's compiled view (a
                                // version check at most once a second, no query per permission).
                                let view = decisions::view(conn, &cache, &user.org_id)
                                    .map_err(decisions::into_db_error)?;
                                let model = decisions::user_model(
                                    &user.role,
                                    user.licence.as_deref(),
                                    user.active,
                                );
                                let (base, granted) = decisions::effective(&view, &model);
                                view.remember(&user.id, &model);
                                // Issue 13: the org switch, the role and the guest restriction
                                // decide whether personal tokens may be used at all.
                                if !granted.contains(Permission::UsePersonalAccessTokens) {
                                    return Ok(Err(NOT_PERMITTED.to_owned()));
                                }
                                Ok(Ok((user, base, granted, row.expires_at, row.id)))
                            }
                            Some(_) => Ok(Err("user deactivated".into())),
                            None => Ok(Err("user gone".into())),
                        }
                    })
                    .await
                    .map_err(ApiError::from)?,
            };
            match found {
                Ok((user, base, granted, expires_at, token_id)) => {
                    if let Some(token) = &presented {
                        remember_admin(&state, token, &user, &token_id, expires_at, generation);
                    }
                    Ok(AdminCaller {
                        personal_token: Some(PersonalToken {
                            id: token_id,
                            uses: state.grant_uses.clone(),
                        }),
                        principal: Principal {
                            actor: Actor::User(user.id.clone()),
                            org_id: OrgId(user.org_id.clone()),
                            user_id: UserId(user.id.clone()),
                            base,
                            granted,
                            scope: None,
                        },
                        org_id: OrgId(user.org_id),
                        user_id: UserId(user.id),
                        role: user.role,
                    })
                }
                Err(reason) if reason == NOT_PERMITTED => {
                    tracing::info!(%reason, "admin token refused");
                    Err(ApiError::forbidden(NOT_PERMITTED).into())
                }
                Err(reason) => {
                    tracing::info!(%reason, "admin token refused");
                    if let Some(ip) = client {
                        state.auth_failures.record_failure(ip);
                    }
                    Err(ApiError::unauthorized(if missing {
                        "a bearer token is required"
                    } else {
                        "the bearer token is not valid"
                    })
                    .into())
                }
            }
        })
    }
}

/// The hot path of admin authentication: a token verified in the last few seconds whose user
/// this instance's fresh decision view knows as active. No database work at all; anything else
/// (an unknown token, a stale view, an inactive user) takes the path that reads the database.
fn remembered_admin(state: &AppState, token: &str) -> Option<AdminCaller> {
    let who = state.admin_credentials.get(token)?;
    let (view, users) = decisions::from_memory(&state.decisions, &who.org_id, &[&who.user_id])?;
    let model = users.into_iter().next().filter(|m| m.active)?;
    let (base, granted) = decisions::effective(&view, &model);
    // A token its owner may no longer use takes the database path, which refuses it.
    if !granted.contains(Permission::UsePersonalAccessTokens) {
        return None;
    }
    Some(AdminCaller {
        personal_token: Some(PersonalToken {
            id: who.token_id,
            uses: state.grant_uses.clone(),
        }),
        principal: Principal {
            actor: Actor::User(who.user_id.clone()),
            org_id: OrgId(who.org_id.clone()),
            user_id: UserId(who.user_id.clone()),
            base,
            granted,
            scope: None,
        },
        org_id: OrgId(who.org_id),
        user_id: UserId(who.user_id),
        role: model.role.to_string(),
    })
}

/// Remembers a verified token for the credential cache's lifetime (or the token's, if shorter).
fn remember_admin(
    state: &AppState,
    token: &str,
    user: &users::UserRow,
    token_id: &str,
    expires_at: Option<chrono::NaiveDateTime>,
    generation: crate::tokens::cache::Generation,
) {
    let valid_until = expires_at.map(|at| {
        let left = (at - crate::clock::now()).to_std().unwrap_or_default();
        std::time::Instant::now() + left
    });
    let who = AdminIdentity {
        org_id: user.org_id.clone(),
        user_id: user.id.clone(),
        token_id: token_id.to_owned(),
    };
    state
        .admin_credentials
        .insert(token, who, valid_until, generation);
}

/// Why a valid personal token is refused by policy (403, not 401: the token is genuine; the
/// organization's decision says it may not be used).
const NOT_PERMITTED: &str = "personal access tokens may not be used by this user in this \
     organization (the use_personal_access_tokens decision: org switch, role or guest restriction)";

/// A service account's token on the admin API: the account acts with its role's permissions
/// (compiled like a user's with a full licence). Not remembered in the credential cache: every
/// call reads the token and the account, so deleting the account or revoking the token takes
/// effect on the next request on every instance.
async fn service_account_caller(
    state: &web::Data<AppState>,
    token: String,
    client: Option<std::net::IpAddr>,
) -> Result<AdminCaller, actix_web::Error> {
    let cache = state.decisions.clone();
    let found = state
        .with_conn(move |conn| -> Result<_, DbError> {
            let row = match tokens::authenticate(conn, &token, TokenKind::ServiceAccount)? {
                Ok(row) => row,
                Err(refusal) => return Ok(Err(refusal.to_string())),
            };
            let Some(account) = crate::governance::tokens::service_accounts::account_of(
                conn,
                &row.org_id,
                &row.subject_id,
            )?
            else {
                return Ok(Err("service account deleted".into()));
            };
            let view =
                decisions::view(conn, &cache, &account.org_id).map_err(decisions::into_db_error)?;
            match view.role(&RoleId(account.role.clone())) {
                Some(role) => Ok(Ok((account, role.base, role.full))),
                None => Ok(Err("the service account's role is gone".into())),
            }
        })
        .await
        .map_err(ApiError::from)?;
    match found {
        Ok((account, base, granted)) => Ok(AdminCaller {
            personal_token: None,
            principal: Principal {
                actor: Actor::ServiceAccount(account.id.clone()),
                org_id: OrgId(account.org_id.clone()),
                user_id: UserId(account.id.clone()),
                base: Some(base),
                granted,
                scope: None,
            },
            org_id: OrgId(account.org_id),
            user_id: UserId(account.id),
            role: account.role,
        }),
        Err(reason) => {
            tracing::info!(%reason, "service account token refused");
            if let Some(ip) = client {
                state.auth_failures.record_failure(ip);
            }
            Err(ApiError::unauthorized("the bearer token is not valid").into())
        }
    }
}

/// An app actor's token on the admin API (issue 14): the actor acts with its token's grants
/// (within its own), and with `on_behalf_of` only where the user may act too. Not remembered
/// in the credential cache, like service accounts: deactivating the actor or revoking the
/// token takes effect on the next request on every instance. A token the organization's
/// settings refuse (apps off, the app blocked or not approved, external automation off) or
/// whose user is deactivated is a 403 with the reason; any other failure is a 401.
async fn app_actor_caller(
    state: &web::Data<AppState>,
    token: String,
    client: Option<std::net::IpAddr>,
) -> Result<AdminCaller, actix_web::Error> {
    use crate::governance::actors::access::{self, Refused};
    let cache = state.decisions.clone();
    let found = state
        .with_conn(move |conn| -> Result<_, ApiError> {
            let credential = match access::authenticate(conn, &token)? {
                Ok(c) => c,
                Err(refused) => return Ok(Err(refused)),
            };
            let scope = std::sync::Arc::new(credential.scope.clone());
            let mut granted = crate::rbac::permissions_of_grants(&scope);
            let mut base = Some(crate::governance::roles::BaseRole::Member);
            if let Some(user_id) = &credential.on_behalf_of {
                let view = decisions::view(conn, &cache, &credential.org_id)?;
                let model = match decisions::user_entry(conn, &view, &credential.org_id, user_id)? {
                    Some(m) if m.active => m,
                    _ => return Ok(Err(Refused::Unauthenticated(ON_BEHALF_INACTIVE.into()))),
                };
                let (user_base, user_granted) = decisions::effective(&view, &model);
                granted = crate::governance::roles::PermissionSet(granted.0 & user_granted.0);
                base = user_base;
            }
            Ok(Ok((credential, scope, base, granted)))
        })
        .await?;
    match found {
        Ok((credential, scope, base, granted)) => Ok(AdminCaller {
            personal_token: None,
            principal: Principal {
                actor: Actor::AppActor {
                    id: credential.actor_id.clone(),
                    on_behalf_of: credential.on_behalf_of.clone(),
                    credential: Some(credential.token_id.clone()),
                },
                org_id: OrgId(credential.org_id.clone()),
                user_id: UserId(credential.actor_id.clone()),
                base,
                granted,
                scope: Some(scope),
            },
            org_id: OrgId(credential.org_id),
            user_id: UserId(credential.actor_id),
            role: "app_actor".to_owned(),
        }),
        Err(Refused::Denied(denial)) => {
            tracing::info!(
                reason = denial.detail(),
                "app actor token refused by org settings"
            );
            Err(ApiError::forbidden(&format!("{} ({})", denial.detail(), denial.name())).into())
        }
        Err(Refused::Unauthenticated(reason)) if reason == ON_BEHALF_INACTIVE => {
            tracing::info!(%reason, "app actor token refused");
            Err(ApiError::forbidden(ON_BEHALF_INACTIVE).into())
        }
        Err(Refused::Unauthenticated(reason)) => {
            tracing::info!(%reason, "app actor token refused");
            if let Some(ip) = client {
                state.auth_failures.record_failure(ip);
            }
            Err(ApiError::unauthorized("the bearer token is not valid").into())
        }
    }
}

/// Why a genuine app-actor token acting for a user is refused (403).
const ON_BEHALF_INACTIVE: &str =
    "the user this app actor's token acts for is deactivated or no longer in the organization";
