//! The admin API's OpenAPI 3.1 document, generated from the handlers: each handler carries a
//! `#[utoipa::path]` annotation (method, path, parameters, request body, responses with their
//! problem+json errors) and the types it reads and writes derive `ToSchema`. [`ApiDoc`] lists
//! every annotated operation; the schemas they refer to are collected from the annotations.
//! The document is served at `GET /api/v1/openapi.json` (no token needed, as before) and kept
//! in `docs/openapi.json` by `gatehouse openapi > docs/openapi.json`; the `openapi` integration
//! test fails when that file is stale, when a route is served but not documented (or the other
//! way round), or when a response body does not fit the schema documented for its status.
//!
//! # How to add an endpoint
//!
//! 1. Write the handler and add it to its module's route list (`r.get("/things", list)` in the
//!    module's `configure(r: &mut ApiRoutes)`; never a bare actix route, see `routes`).
//! 2. Annotate the handler with `#[utoipa::path(...)]`: the method, the *full* path
//!    (`/api/v1/things/{id}`), a `tag`, an `operation_id`, `params(...)` for path and query
//!    parameters (`IntoParams` on a query struct), `request_body = Type` for a JSON body, and
//!    every response: `(status = 200, body = Type)` for success and
//!    `(status = 4xx, response = ProblemResponse)` for each error it can answer, 401 included
//!    (429 and 503 are added to every operation that needs a token, see [`BearerAuth`]).
//! 3. Answer with a typed struct deriving `Serialize` and `ToSchema`, never `json!`, so the
//!    schema is what is sent. Request bodies derive `ToSchema` too.
//! 4. List the handler in `paths(...)` of [`ApiDoc`] below.
//! 5. Regenerate `docs/openapi.json` (`cargo run -- openapi > docs/openapi.json`) and call the
//!    new operation in `tests/api/openapi.rs` with `Conformance::expect` (a success and the
//!    problems it answers): the test fails until every documented operation has a checked
//!    success and a checked 401, and each answer is checked against the document.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::Ref;
use utoipa::{Modify, OpenApi};

use super::problem::{Problem, ProblemResponse};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "gatehouse admin API",
        description = "The admin and governance API of gatehouse. Every call is authenticated \
            with a personal access token (`Authorization: Bearer gat_…`). Errors are \
            `application/problem+json` (RFC 9457). The SCIM 2.0 surface lives under `/scim/v2` \
            and is described by its own discovery endpoints (`/scim/v2/ServiceProviderConfig`, \
            `/ResourceTypes`, `/Schemas`)."
    ),
    paths(
        super::me,
        super::audit_events,
        serve,
        crate::http::health::healthz,
        crate::http::health::readyz,
        super::connections::list,
        super::connections::create,
        super::connections::get,
        super::connections::update,
        super::connections::list_secrets,
        super::connections::rotate_secret,
        super::connections::revoke_secret,
        super::role_mapping::get,
        super::role_mapping::preview,
        super::role_mapping::apply,
        super::role_mapping::turn_off,
        super::invites::create,
        super::invites::list,
        super::invites::get,
        super::invites::change_role,
        super::invites::revoke,
        super::invites::accept,
        super::notifications::create,
        super::notifications::list,
        super::notifications::delete,
        super::notifications::rotate,
        super::notifications::enable,
        super::notifications::dead,
        super::notifications::retry,
        super::roles::list,
        super::roles::create,
        super::roles::get,
        super::roles::update,
        super::roles::delete,
        super::users::list,
        super::users::get,
        super::users::set_role,
        super::users::set_licence,
        super::users::permissions,
        super::org::get_settings,
        super::org::update_settings,
        super::org::list_domains,
        super::org::add_domain,
        super::org::remove_domain,
        super::authorize::authorize,
        super::apps::list,
        super::apps::create,
        super::apps::detail,
        super::apps::replace,
        super::apps::delete,
        super::apps::block,
        super::apps::unblock,
        super::apps::report_usage,
        super::app_requests::get_settings,
        super::app_requests::put_settings,
        super::app_requests::ask,
        super::app_requests::list_requests,
        super::app_requests::approve,
        super::app_requests::deny,
        super::app_requests::create_export,
        super::app_requests::download_export,
        super::tokens::create,
        super::tokens::list,
        super::tokens::revoke,
        super::tokens::introspect,
        super::tokens::get_policy,
        super::tokens::put_policy,
        super::tokens::at_risk,
        super::tokens::credentials,
        super::tokens::revoke_leaked,
        super::service_accounts::create,
        super::service_accounts::list,
        super::service_accounts::delete,
        super::service_accounts::create_token,
        super::service_accounts::list_tokens,
        super::service_accounts::revoke_token,
        super::app_actors::create,
        super::app_actors::list,
        super::app_actors::get,
        super::app_actors::update,
        super::app_actors::delete,
        super::app_actors::create_token,
        super::app_actors::list_tokens,
        super::app_actors::revoke_token,
        super::projects::list,
        super::projects::create,
        super::projects::get,
        super::projects::rename,
        super::projects::delete,
        super::memberships::list,
        super::memberships::create,
        super::memberships::get,
        super::memberships::change_level,
        super::memberships::delete,
        super::legacy_memberships::list,
        super::legacy_memberships::get,
        super::legacy_memberships::add_members,
        super::legacy_memberships::remove_members,
        super::app_actor_moves::propose,
        super::app_actor_moves::confirm,
    ),
    components(schemas(Problem), responses(ProblemResponse)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "caller", description = "Who is calling"),
        (name = "audit", description = "The audit trail"),
        (name = "idp-connections", description = "IdP connections and their secrets"),
        (name = "roles", description = "Standard and custom roles"),
        (name = "users", description = "Users' roles, licences and permissions"),
        (name = "org", description = "Org-wide settings and verified domains"),
        (name = "decisions", description = "Authorization decisions for host applications"),
        (name = "apps", description = "Connected apps: registry, usage, block, approval, export"),
        (name = "tokens", description = "Personal access tokens, their policy and inventory"),
        (name = "service-accounts", description = "Service accounts and their tokens"),
        (name = "service", description = "Health and this document"),
        (name = "app-actors", description = "App actors: non-human identities, grants, tokens"),
        (name = "projects", description = "Projects, their memberships and access levels"),
    )
)]
pub struct ApiDoc;

/// The `bearer` security scheme every operation requires unless it says otherwise, and what
/// every such operation can answer besides its own responses: 429 when the client address is
/// out of failed authentications (refused before its token is looked at, `http::auth_limit`)
/// and 503 when the database is unreachable (the token itself is looked up there).
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("A personal access token (`gat_…`)."))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                // An operation with its own `security` is open (`security(())`).
                if operation.security.is_none() {
                    for status in ["429", "503"] {
                        let problem = Ref::from_response_name("Problem");
                        let responses = &mut operation.responses.responses;
                        responses.insert(status.into(), problem.into());
                    }
                }
            }
        }
    }
}

/// The document as pretty JSON with a final newline: what is served and what
/// `docs/openapi.json` holds.
pub fn document_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| match ApiDoc::openapi().to_pretty_json() {
        Ok(text) => text + "\n",
        // Serializing a document of strings and maps does not fail; say so if it ever does.
        Err(e) => format!("{{\"error\": \"the document could not be serialized: {e}\"}}\n"),
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "service",
    operation_id = "getOpenApi",
    summary = "This document",
    security(()),
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
pub(super) async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document_json())
}
