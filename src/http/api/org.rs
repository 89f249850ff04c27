//! `/api/v1/org/settings` and `/api/v1/org/domains`: the org-wide settings that override roles,
//! the role defaults, and the verified domains that decide who is internal.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::roles::settings::{self, DomainChange, SettingsPatch, SettingsView};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageOrgSettings, ViewMembers};

pub fn configure(r: &mut ApiRoutes) {
    r.get("/org/settings", get_settings)
        .patch("/org/settings", update_settings)
        .get("/org/domains", list_domains)
        .post("/org/domains", add_domain)
        .delete("/org/domains/{domain}", remove_domain);
}

/// The organization's verified domains.
#[derive(Debug, Serialize, ToSchema)]
pub struct DomainList {
    pub domains: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/org/settings",
    tag = "org",
    operation_id = "getOrgSettings",
    summary = "The org-wide settings that override roles, trusted domains and role defaults",
    description = "Requires the view_members permission (a 403 names it when missing).",
    responses(
        (status = 200, description = "The settings", body = SettingsView),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn get_settings(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewMembers>()?;
    let view = state.api(move |c| settings::get(c, &auth)).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    patch,
    path = "/api/v1/org/settings",
    tag = "org",
    operation_id = "updateOrgSettings",
    summary = "Change org settings; absent fields keep their value",
    description = "Requires the manage_org_settings permission (a 403 names it when missing).",
    request_body = SettingsPatch,
    responses(
        (status = 200, description = "The settings as changed", body = SettingsView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn update_settings(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageOrgSettings>()?;
    let patch: SettingsPatch = parse(&body)?;
    let org = auth.org_id.to_string();
    let view = state
        .api(move |c| settings::update(c, &auth, &patch))
        .await?;
    state.decisions.forget(&org);
    // Turning personal access tokens off revoked them; a guest restriction refuses some: no
    // remembered token may outlive the change.
    state.admin_credentials.clear();
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    get,
    path = "/api/v1/org/domains",
    tag = "org",
    operation_id = "listDomains",
    summary = "Verified domains (users at one are internal)",
    description = "Requires the view_members permission (a 403 names it when missing).",
    responses(
        (status = 200, description = "The verified domains", body = DomainList),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn list_domains(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewMembers>()?;
    let domains = state.api(move |c| settings::list_domains(c, &auth)).await?;
    Ok(HttpResponse::Ok().json(DomainList { domains }))
}

/// The body of `POST /org/domains`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewDomain {
    domain: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/org/domains",
    tag = "org",
    operation_id = "addDomain",
    summary = "Add a verified domain",
    description = "Requires the manage_org_settings permission (a 403 names it when missing). \
        Users who become internal get the internal role default, audited per user.",
    request_body = NewDomain,
    responses(
        (status = 201, description = "The domain and how many users moved", body = DomainChange),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn add_domain(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageOrgSettings>()?;
    let new: NewDomain = parse(&body)?;
    let org = auth.org_id.to_string();
    let change = state
        .api(move |c| settings::add_domain(c, &auth, &new.domain))
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Created().json(change))
}

#[utoipa::path(
    delete,
    path = "/api/v1/org/domains/{domain}",
    tag = "org",
    operation_id = "removeDomain",
    summary = "Remove a verified domain",
    description = "Requires the manage_org_settings permission (a 403 names it when missing). \
        Users who become external get the external role default (409 if no super admin would \
        be left).",
    params(("domain" = String, Path, description = "The verified domain")),
    responses(
        (status = 200, description = "The domain and how many users moved", body = DomainChange),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn remove_domain(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageOrgSettings>()?;
    let domain = path.into_inner();
    let org = auth.org_id.to_string();
    let change = state
        .api(move |c| settings::remove_domain(c, &auth, &domain))
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Ok().json(change))
}
