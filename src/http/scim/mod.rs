//! The SCIM 2.0 service provider endpoints (`/scim/v2`): discovery, Users and Groups. Every
//! endpoint is also served under each connection's own base URL,
//! `/scim/v2/connections/{connection_id}`: the same handlers, with locations built from that
//! base. That URL is how a JWT-authenticated connection is reached (the URL, not the token,
//! names the one connection a token is checked against; see `http::auth`).

mod agents;
mod bulk;
pub mod error;
mod groups;
mod params;
mod resources;
mod root;
mod users;

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::directory::agentic_applications::AgenticApplications;
use crate::directory::agents::Agents;
use crate::http::{AppState, ScimCaller};
use crate::scim::schema;
use crate::scim::ScimError;
use agents::AgentEndpoint;
use error::{ScimFailure, SCIM_CONTENT_TYPE};
use groups::Groups;
use users::Users;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/connections/{connection_id}").configure(endpoints));
    endpoints(cfg);
}

/// The `{id}` of a resource path, taken by name: under a connection's base URL the path has a
/// second parameter, `connection_id`.
pub struct ResourceId(String);

impl std::ops::Deref for ResourceId {
    type Target = String;
    fn deref(&self) -> &String {
        &self.0
    }
}

impl actix_web::FromRequest for ResourceId {
    type Error = ScimFailure;
    type Future = std::future::Ready<Result<Self, ScimFailure>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        #[derive(serde::Deserialize)]
        struct Named {
            id: String,
        }
        // `load` percent-decodes the segment the way `web::Path` does.
        std::future::ready(match req.match_info().load::<Named>() {
            Ok(named) => Ok(ResourceId(named.id)),
            Err(_) => Err(ScimError::NotFound("no such resource".into()).into()),
        })
    }
}

fn endpoints(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/ServiceProviderConfig", "GET").route(web::get().to(service_provider_config)),
    )
    .service(resource("/ResourceTypes", "GET").route(web::get().to(resource_types)))
    .service(resource("/ResourceTypes/{id}", "GET").route(web::get().to(resource_type)))
    .service(resource("/Schemas", "GET").route(web::get().to(schemas)))
    .service(resource("/Schemas/{id}", "GET").route(web::get().to(schema_by_id)))
    // RFC 7644 §3.4.2.1, §3.4.3: queries at the server root search every resource type.
    .service(resource("", "GET").route(web::get().to(root::list)))
    .service(resource("/.search", "POST").route(web::post().to(root::search)))
    // RFC 7644 §3.11: /Me is optional; an IdP connection is not a user, so there is no "me".
    .service(web::resource("/Me").to(me))
    .service(
        resource("/Users", "GET, POST")
            .route(web::get().to(resources::list::<Users>))
            .route(web::post().to(resources::create::<Users>)),
    )
    .service(resource("/Users/.search", "POST").route(web::post().to(resources::search::<Users>)))
    .service(
        resource("/Users/{id}", "GET, PUT, PATCH, DELETE")
            .route(web::get().to(resources::get::<Users>))
            .route(web::put().to(resources::replace::<Users>))
            .route(web::patch().to(resources::patch::<Users>))
            .route(web::delete().to(resources::delete::<Users>)),
    )
    .service(
        resource("/Groups", "GET, POST")
            .route(web::get().to(resources::list::<Groups>))
            .route(web::post().to(resources::create::<Groups>)),
    )
    .service(resource("/Groups/.search", "POST").route(web::post().to(resources::search::<Groups>)))
    .service(
        resource("/Groups/{id}", "GET, PUT, PATCH, DELETE")
            .route(web::get().to(resources::get::<Groups>))
            .route(web::put().to(resources::replace::<Groups>))
            .route(web::patch().to(resources::patch::<Groups>))
            .route(web::delete().to(resources::delete::<Groups>)),
    )
    .service(resource("/Bulk", "POST").route(web::post().to(bulk::bulk)))
    .configure(resource_type_endpoints::<AgentEndpoint<Agents>>)
    .configure(resource_type_endpoints::<AgentEndpoint<AgenticApplications>>)
    .default_service(web::to(unknown_endpoint));
}

/// The list, search and per-resource paths of a resource type, at its `endpoint`.
fn resource_type_endpoints<E: resources::Endpoint>(cfg: &mut web::ServiceConfig) {
    let endpoint = E::RT.endpoint;
    cfg.service(
        resource(endpoint, "GET, POST")
            .route(web::get().to(resources::list::<E>))
            .route(web::post().to(resources::create::<E>)),
    )
    .service(
        resource(&format!("{endpoint}/.search"), "POST")
            .route(web::post().to(resources::search::<E>)),
    )
    .service(
        resource(&format!("{endpoint}/{{id}}"), "GET, PUT, PATCH, DELETE")
            .route(web::get().to(resources::get::<E>))
            .route(web::put().to(resources::replace::<E>))
            .route(web::patch().to(resources::patch::<E>))
            .route(web::delete().to(resources::delete::<E>)),
    );
}

/// A SCIM resource path whose other methods get 405 with `Allow` and a SCIM error body. The
/// path with a trailing slash is the same resource: Microsoft's SCIM reference code and its
/// Postman collection send `/Users/?filter=…` and `/Groups/`.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource([path.to_owned(), format!("{path}/")]).default_service(web::to(
        move |_caller: ScimCaller| async move {
            Err::<HttpResponse, _>(ScimFailure::MethodNotAllowed { allow })
        },
    ))
}

async fn me(_caller: ScimCaller) -> Result<HttpResponse, ScimFailure> {
    Err(ScimError::NotImplemented(
        "/Me is not supported: the caller is an IdP connection, not a user".into(),
    )
    .into())
}

/// RFC 7644 §4: discovery endpoints don't filter, and a `filter` SHOULD get 403 so that a
/// client can't assume whatever it asked for matched.
struct Unfiltered;

impl actix_web::FromRequest for Unfiltered {
    type Error = ScimFailure;
    type Future = std::future::Ready<Result<Self, ScimFailure>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let filtered = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
            .map(|pairs| pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case("filter")))
            .unwrap_or(false);
        std::future::ready(if filtered {
            Err(ScimError::Forbidden("discovery endpoints do not support filtering".into()).into())
        } else {
            Ok(Unfiltered)
        })
    }
}

fn scim_json(body: Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(SCIM_CONTENT_TYPE)
        .body(body.to_string())
}

fn list_of(resources: Vec<Value>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": resources.len(),
        "itemsPerPage": resources.len(),
        "startIndex": 1,
        "Resources": resources,
    })
}

/// RFC 7643 §5: what this service supports, from its configuration.
async fn service_provider_config(
    _unfiltered: Unfiltered,
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
) -> HttpResponse {
    let s = &state.settings.scim;
    let base = caller.scim_base;
    let (agent_key, agent_extension) = schema::agent_definitions::service_provider_config_entry();
    let mut config = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": format!("{}/api/v1/openapi.json", state.base_url),
        "patch": { "supported": true },
        "bulk": { "supported": true, "maxOperations": s.bulk_max_operations, "maxPayloadSize": s.bulk_max_payload_bytes },
        "filter": { "supported": true, "maxResults": s.max_results },
        "changePassword": { "supported": false },
        "sort": { "supported": true },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "The bearer secret of an IdP connection, sent as `Authorization: Bearer …`",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    });
    // draft-abbey-scim-agent-extension-00 §4.1: the agent resource types are advertised here.
    if s.advertise_agent_extension {
        config[agent_key] = agent_extension;
    }
    scim_json(config)
}

async fn resource_types(_unfiltered: Unfiltered, ScimCaller(caller): ScimCaller) -> HttpResponse {
    scim_json(list_of(schema::resource_types_json(&caller.scim_base)))
}

async fn resource_type(
    _unfiltered: Unfiltered,
    ScimCaller(caller): ScimCaller,
    id: ResourceId,
) -> Result<HttpResponse, ScimFailure> {
    schema::resource_type_json(&caller.scim_base, &id)
        .map(scim_json)
        .ok_or_else(|| ScimError::NotFound(format!("no resource type {:?}", id.as_str())).into())
}

async fn schemas(_unfiltered: Unfiltered, ScimCaller(caller): ScimCaller) -> HttpResponse {
    scim_json(list_of(schema::schemas_json(&caller.scim_base)))
}

async fn schema_by_id(
    _unfiltered: Unfiltered,
    ScimCaller(caller): ScimCaller,
    id: ResourceId,
) -> Result<HttpResponse, ScimFailure> {
    schema::schema_json(&caller.scim_base, &id)
        .map(scim_json)
        .ok_or_else(|| ScimError::NotFound(format!("no schema {:?}", id.as_str())).into())
}

async fn unknown_endpoint(_caller: ScimCaller) -> Result<HttpResponse, ScimFailure> {
    Err(ScimError::NotFound("no such SCIM endpoint".into()).into())
}
