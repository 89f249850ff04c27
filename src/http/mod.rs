//! HTTP: the routes of each surface (`/scim/v2`, `/api/v1`, health), the request context
//! (request id, span, one log line per request), auth extractors and error responses.

pub mod api;
mod auth;
pub mod auth_limit;
mod context;
mod health;
pub mod metrics;
pub(crate) mod request_target;
pub mod scim;
pub mod throttle;

pub use auth::{AdminCaller, ScimCaller};
pub use context::request_context;

use std::sync::Arc;

use actix_web::web;

use crate::config::Settings;
use crate::db::orgs::ConnectionRow;
use crate::db::{self, DbConnection, DbError, Pool};
use crate::telemetry::BlockingFailed;
use crate::tokens::cache::CredentialCache;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub base_url: String,
    pub limiter: throttle::RateLimiter,
    /// Failed authentications per client address (per instance, safe to lose).
    pub auth_failures: auth_limit::FailedAuthLimiter,
    /// Verifies IdP-issued JWTs; its key cache is per instance and safe to lose.
    pub jwt: crate::idp::jwt::JwtVerifier,
    /// IdP connection secrets verified in the last few seconds (per instance, safe to lose);
    /// cleared whenever a connection or its secrets change.
    pub scim_credentials: CredentialCache<ConnectionRow>,
    /// Personal access tokens verified in the last few seconds and whose user they are (per
    /// instance, safe to lose): with a fresh decision view, an admin call authenticates without
    /// a database round trip. Permissions never come from here, always from the view.
    pub admin_credentials: CredentialCache<AdminIdentity>,
    /// Compiled per-organization decision views (per instance, safe to lose).
    pub decisions: Arc<crate::governance::roles::DecisionCache>,
    /// Effective project levels this instance read (per instance, safe to lose).
    pub levels: Arc<crate::governance::projects::cache::LevelCache>,
    /// The app-actor grants personal tokens used today, as this instance wrote them (issue 14;
    /// per instance, safe to lose).
    pub grant_uses: Arc<crate::governance::actors::used_grants::GrantUseLog>,
}

/// Whose personal access token a request presented.
#[derive(Debug, Clone)]
pub struct AdminIdentity {
    pub org_id: String,
    pub user_id: String,
    pub token_id: String,
}

impl AppState {
    /// An admin API handler's database work: `with_conn`, with whatever error the work's layer
    /// has turned into the problem answer it maps to.
    pub async fn api<T, E, F>(&self, work: F) -> Result<T, api::problem::ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<api::problem::ApiError> + Send + 'static,
    {
        self.with_conn(move |c| work(c).map_err(Into::into)).await
    }

    /// Runs database work on the blocking pool with a pooled connection. A pool that can't hand
    /// out a connection within its timeout (database down) gives `DbError::Unavailable`; work
    /// that panics gives `DbError::Panicked` (a 500: a bug must never look like an outage).
    pub async fn with_conn<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let decisions = self.decisions.clone();
        let levels = self.levels.clone();
        crate::telemetry::run_blocking(move || {
            // Whatever changed roles, settings or user roles (an admin call, a SCIM write that
            // role mapping re-evaluated) drops this instance's compiled view at once; whatever
            // changed memberships or a team's members, its cached levels.
            db::roles::take_governance_changes();
            db::project_levels::take_access_changes();
            crate::outbox::take_enqueued();
            let result = match db::checkout(&pool) {
                Ok(mut conn) => work(&mut conn),
                Err(e) => Err(E::from(e)),
            };
            for org in db::roles::take_governance_changes() {
                decisions.forget(&org);
            }
            levels.apply(db::project_levels::take_access_changes());
            // A notification written by this work is delivered now, not at the next poll.
            if crate::outbox::take_enqueued() {
                crate::outbox::worker::wake();
            }
            result
        })
        .await
        .map_err(|e| {
            E::from(match e {
                BlockingFailed::Panicked(cause) => DbError::Panicked(cause),
                cancelled @ BlockingFailed::Cancelled => {
                    DbError::Unavailable(cancelled.to_string())
                }
            })
        })?
    }

    /// The SCIM base URL, e.g. `http://127.0.0.1:8080/scim/v2`.
    pub fn scim_base(&self) -> String {
        format!("{}/scim/v2", self.base_url)
    }
}

/// Mounts every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(health::healthz)))
        .service(web::resource("/readyz").route(web::get().to(health::readyz)))
        .service(web::scope("/scim/v2").configure(scim::configure))
        .service(web::scope(api::API_BASE).configure(api::configure));
}
