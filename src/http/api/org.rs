//! `/api/v1/org/settings` and `/api/v1/org/domains`: the org-wide settings that override roles,
//! the role defaults, and the verified domains that decide who is internal.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::problem::ApiError;
use super::roles::parse;
use crate::governance::roles::settings::{self, SettingsPatch};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageOrgSettings, ViewMembers};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/org/settings", web::get().to(get_settings))
        .route("/org/settings", web::patch().to(update_settings))
        .route("/org/domains", web::get().to(list_domains))
        .route("/org/domains", web::post().to(add_domain))
        .route("/org/domains/{domain}", web::delete().to(remove_domain));
}

async fn get_settings(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewMembers>()?;
    let view = state
        .with_conn(move |c| settings::get(c, &auth).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

async fn update_settings(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageOrgSettings>()?;
    let patch: SettingsPatch = parse(&body)?;
    let org = auth.org_id.to_string();
    let view = state
        .with_conn(move |c| settings::update(c, &auth, &patch).map_err(ApiError::from))
        .await?;
    state.decisions.forget(&org);
    // Turning personal access tokens off revoked them; a guest restriction refuses some: no
    // remembered token may outlive the change.
    state.admin_credentials.clear();
    Ok(HttpResponse::Ok().json(view))
}

async fn list_domains(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewMembers>()?;
    let domains = state
        .with_conn(move |c| settings::list_domains(c, &auth).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "domains": domains })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDomain {
    domain: String,
}

async fn add_domain(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageOrgSettings>()?;
    let new: NewDomain = parse(&body)?;
    let org = auth.org_id.to_string();
    let change = state
        .with_conn(move |c| settings::add_domain(c, &auth, &new.domain).map_err(ApiError::from))
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Created().json(change))
}

async fn remove_domain(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageOrgSettings>()?;
    let domain = path.into_inner();
    let org = auth.org_id.to_string();
    let change = state
        .with_conn(move |c| settings::remove_domain(c, &auth, &domain).map_err(ApiError::from))
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Ok().json(change))
}
