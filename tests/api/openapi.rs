//! The OpenAPI document against the service it describes: the committed `docs/openapi.json` is
//! the generated document; every `/api/v1` route the service mounts is documented and every
//! documented one is mounted; and for every documented operation, real calls to the running
//! app (successes and problem+json errors) answer with a documented status, the documented
//! content type and a body that fits the documented schema (`validate`: objects are closed).

mod app_actor_moves;
mod app_actors;
mod apps;
mod conformance;
mod mapping_and_invites;
mod notifications;
mod projects;
mod tokens;
mod validate;

use std::collections::BTreeSet;

use gatehouse::http::api::openapi::document_json;
use gatehouse::http::api::routes::registered;
use serde_json::{json, Value};

use crate::common::{spawn_with, test_settings, TestApp, TestDatabase};
use crate::governance::user_with_role;
use conformance::Caller::{Member, Nobody, Root};
use conformance::Conformance;
use validate::{Document, Documented};

fn generated() -> Document {
    Document::new(serde_json::from_str(document_json()).unwrap())
}

#[test]
fn the_committed_document_is_the_generated_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let generated: Value = serde_json::from_str(document_json()).unwrap();
    assert!(
        committed == generated,
        "docs/openapi.json is stale: run `cargo run -- openapi > docs/openapi.json`"
    );
}

#[test]
fn every_mounted_route_is_documented_and_every_documented_route_is_mounted() {
    let table = registered();
    let mounted: BTreeSet<(String, String)> = table.iter().cloned().collect();
    assert_eq!(mounted.len(), table.len(), "a route is mounted twice");
    let documented: BTreeSet<(String, String)> = generated()
        .operations()
        .into_iter()
        .filter(|(_, path)| path.starts_with("/api/v1/"))
        .collect();
    let undocumented: Vec<_> = mounted.difference(&documented).collect();
    let unmounted: Vec<_> = documented.difference(&mounted).collect();
    assert!(
        undocumented.is_empty(),
        "mounted without #[utoipa::path] (or not listed in ApiDoc): {undocumented:?}"
    );
    assert!(
        unmounted.is_empty(),
        "documented but not mounted: {unmounted:?}"
    );
}

#[test]
fn the_validator_refuses_real_bodies_that_do_not_fit_the_real_document() {
    let doc = generated();
    let role = json!({
        "id": "member", "name": "Member", "description": "", "base_role": "member",
        "standard": true, "editable": true, "permissions": { "ai": true },
        "holders": 1, "version": 1
    });
    let Ok(Documented::Body { schema, .. }) = doc.response("GET", "/api/v1/roles/{id}", 200) else {
        panic!("GET /roles/{{id}} documents a body")
    };
    doc.validate(&schema, &role).unwrap();
    for (field, wrong) in [
        ("holders", json!("1")),
        ("base_role", json!("owner")),
        ("permissions", json!({ "ai": "yes" })),
        ("editable", Value::Null),
    ] {
        let mut body = role.clone();
        body[field] = wrong;
        assert!(doc.validate(&schema, &body).is_err(), "{field}");
    }
    let mut missing = role.clone();
    missing.as_object_mut().unwrap().remove("version");
    assert!(doc.validate(&schema, &missing).is_err());
    let mut extra = role;
    extra["token"] = json!("leaked");
    assert!(doc.validate(&schema, &extra).is_err());
    assert!(doc.response("GET", "/api/v1/roles/{id}", 418).is_err());
    assert!(doc.response("PUT", "/api/v1/roles/{id}", 200).is_err());
}

/// The app on a fresh database, allowing `n` failed authentications a minute per address.
async fn spawn_with_failed_auth_limit(n: u32) -> TestApp {
    let database = TestDatabase::fresh();
    let mut settings = test_settings(&database.url);
    settings.auth.failures_per_minute = n;
    // Webhook endpoints on a local address are accepted (the worker is off: nothing is sent).
    settings.outbox.allow_private_networks = true;
    spawn_with(settings, database).await
}

#[actix_web::test]
async fn every_operation_answers_as_documented() {
    // Every operation is called once without a token: more than the default failed-auth limit.
    let app = spawn_with_failed_auth_limit(1000).await;
    let (member_id, member) = user_with_role(&app, "member@example.com", "member").await;
    let root = app.creds.admin_token.clone();
    let mut c = Conformance::new(generated(), app, root, member);

    let served = c
        .expect(Nobody, "GET /api/v1/openapi.json", &[], None, 200)
        .await;
    assert_eq!(
        served, c.doc.doc,
        "the service serves the generated document"
    );
    c.expect(Nobody, "GET /healthz", &[], None, 200).await;
    c.expect(Nobody, "GET /readyz", &[], None, 200).await;
    for (method, path) in c.doc.operations() {
        if !c.is_open(&method, &path) {
            let args = &["x", "y"][..path.matches('{').count()];
            c.expect(Nobody, &format!("{method} {path}"), args, None, 401)
                .await;
        }
    }
    caller_and_audit(&mut c).await;
    roles_and_users(&mut c, &member_id).await;
    decisions_and_org(&mut c, &member_id).await;
    connections(&mut c).await;
    let connection = c.app.creds.scim_connection_id.to_string();
    mapping_and_invites::role_mapping(&mut c, &connection).await;
    mapping_and_invites::invites(&mut c).await;
    tokens::personal_tokens(&mut c, &member_id).await;
    tokens::policy_and_reports(&mut c).await;
    tokens::service_accounts(&mut c).await;
    notifications::webhooks_and_dead_letters(&mut c).await;
    apps::registry_and_usage(&mut c, &member_id).await;
    app_actors::app_actors(&mut c).await;
    projects::projects_and_memberships(&mut c, &member_id).await;
    app_actor_moves::moves(&mut c).await;
    // The audit trail now holds an event of every kind of change above.
    c.expect(Root, "GET /api/v1/audit-events?limit=1000", &[], None, 200)
        .await;
    c.assert_every_operation_checked();
}

#[actix_web::test]
async fn an_address_out_of_failed_authentications_gets_the_documented_429() {
    let app = spawn_with_failed_auth_limit(1).await;
    let wrong = "gat_not_a_token".to_owned();
    let mut c = Conformance::new(generated(), app, wrong.clone(), wrong);
    c.expect(Root, "GET /api/v1/roles", &[], None, 401).await;
    c.expect(Root, "GET /api/v1/roles", &[], None, 429).await;
    c.expect(Member, "POST /api/v1/authorize", &[], None, 429)
        .await;
}

async fn caller_and_audit(c: &mut Conformance) {
    c.expect(Root, "GET /api/v1/me", &[], None, 200).await;
    c.expect(Member, "GET /api/v1/me", &[], None, 200).await;
    c.expect(Root, "GET /api/v1/audit-events", &[], None, 200)
        .await;
    c.expect(Root, "GET /api/v1/audit-events?limit=0", &[], None, 400)
        .await;
    c.expect(Root, "GET /api/v1/audit-events?limit=many", &[], None, 400)
        .await;
    c.expect(Member, "GET /api/v1/audit-events", &[], None, 403)
        .await;
}

async fn roles_and_users(c: &mut Conformance, member_id: &str) {
    let (role, user) = ("/api/v1/roles/{id}", "/api/v1/users/{id}");
    c.expect(Root, "GET /api/v1/roles", &[], None, 200).await;
    c.expect(Root, &format!("GET {role}"), &["admin"], None, 200)
        .await;
    c.expect(Root, &format!("GET {role}"), &["nope"], None, 404)
        .await;
    let new =
        json!({ "name": "Contractor", "base_role": "member", "permissions": { "ai": false } });
    let created = c
        .expect(Root, "POST /api/v1/roles", &[], Some(new.clone()), 201)
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    c.expect(Root, "POST /api/v1/roles", &[], Some(new), 409)
        .await;
    c.expect(
        Root,
        "POST /api/v1/roles",
        &[],
        Some(json!({ "name": "x" })),
        422,
    )
    .await;
    c.expect_raw(Root, "POST /api/v1/roles", "{not json", 400)
        .await;
    c.expect(Member, "POST /api/v1/roles", &[], Some(json!({})), 403)
        .await;
    let edit = json!({ "description": "People on contract" });
    c.expect(Root, &format!("PATCH {role}"), &[&id], Some(edit), 200)
        .await;
    let bad = json!({ "permissions": { "no_such_permission": true } });
    c.expect(Root, &format!("PATCH {role}"), &[&id], Some(bad), 422)
        .await;

    c.expect(Root, "GET /api/v1/users", &[], None, 200).await;
    c.expect(Root, "GET /api/v1/users?offset=0&limit=1", &[], None, 200)
        .await;
    c.expect(Root, "GET /api/v1/users?limit=0", &[], None, 422)
        .await;
    c.expect(Root, &format!("GET {user}"), &[member_id], None, 200)
        .await;
    c.expect(Root, &format!("GET {user}"), &["nope"], None, 404)
        .await;
    let (set_role, set_licence) = (format!("PUT {user}/role"), format!("PUT {user}/licence"));
    let to_custom = json!({ "role_id": id });
    c.expect(Root, &set_role, &[member_id], Some(to_custom), 200)
        .await;
    let unknown = json!({ "role_id": "nope" });
    c.expect(Root, &set_role, &[member_id], Some(unknown), 422)
        .await;
    let licence = json!({ "licence": "view_only" });
    c.expect(Root, &set_licence, &[member_id], Some(licence), 200)
        .await;
    let gold = json!({ "licence": "gold" });
    c.expect(Root, &set_licence, &[member_id], Some(gold), 422)
        .await;
    c.expect(Root, &format!("DELETE {role}"), &[&id], None, 409)
        .await;
    let permissions = format!("GET {user}/permissions");
    c.expect(Member, &permissions, &[member_id], None, 200)
        .await;
    let root_id = c.app.creds.admin_user_id.to_string();
    c.expect(Member, &permissions, &[&root_id], None, 403).await;
    c.expect(Root, &permissions, &["nope"], None, 404).await;
    let back = json!({ "role_id": "member" });
    c.expect(Root, &set_role, &[member_id], Some(back), 200)
        .await;
    c.expect(Root, &format!("DELETE {role}"), &[&id], None, 204)
        .await;
    c.expect(Root, &format!("DELETE {role}"), &[&id], None, 404)
        .await;
}

async fn decisions_and_org(c: &mut Conformance, member_id: &str) {
    let one = json!({ "user_id": member_id, "permission": "upload_files" });
    c.expect(Root, "POST /api/v1/authorize", &[], Some(one.clone()), 200)
        .await;
    let other = json!({ "user_id": member_id, "permission": "manage_roles" });
    let batch = json!({ "checks": [one, other] });
    c.expect(Root, "POST /api/v1/authorize", &[], Some(batch), 200)
        .await;
    let unknown = json!({ "user_id": member_id, "permission": "fly" });
    c.expect(Root, "POST /api/v1/authorize", &[], Some(unknown), 422)
        .await;
    let nobody = json!({ "user_id": "nope", "permission": "upload_files" });
    c.expect(Root, "POST /api/v1/authorize", &[], Some(nobody), 404)
        .await;

    let settings = "/api/v1/org/settings";
    c.expect(Root, &format!("GET {settings}"), &[], None, 200)
        .await;
    let ai_off = json!({ "ai": false });
    c.expect(Root, &format!("PATCH {settings}"), &[], Some(ai_off), 200)
        .await;
    let wrong = json!({ "ai": "off" });
    c.expect(Root, &format!("PATCH {settings}"), &[], Some(wrong), 422)
        .await;
    c.expect(
        Member,
        &format!("PATCH {settings}"),
        &[],
        Some(json!({})),
        403,
    )
    .await;
    c.expect(Root, "GET /api/v1/org/domains", &[], None, 200)
        .await;
    let domain = json!({ "domain": "corp.example" });
    c.expect(
        Root,
        "POST /api/v1/org/domains",
        &[],
        Some(domain.clone()),
        201,
    )
    .await;
    c.expect(Root, "POST /api/v1/org/domains", &[], Some(domain), 409)
        .await;
    let not_a_domain = json!({ "domain": "not a domain" });
    c.expect(
        Root,
        "POST /api/v1/org/domains",
        &[],
        Some(not_a_domain),
        422,
    )
    .await;
    let remove = "DELETE /api/v1/org/domains/{domain}";
    c.expect(Root, remove, &["corp.example"], None, 200).await;
    c.expect(Root, remove, &["corp.example"], None, 404).await;
}

async fn connections(c: &mut Conformance) {
    let (all, one) = ("/api/v1/idp-connections", "/api/v1/idp-connections/{id}");
    c.expect(Root, &format!("GET {all}"), &[], None, 200).await;
    c.expect(Member, &format!("GET {all}"), &[], None, 403)
        .await;
    let okta = json!({ "name": "Okta", "dialect": "okta" });
    let created = c
        .expect(Root, &format!("POST {all}"), &[], Some(okta), 201)
        .await;
    let id = created["connection"]["id"].as_str().unwrap().to_owned();
    let ldap = json!({ "name": "x", "dialect": "ldap" });
    c.expect(Root, &format!("POST {all}"), &[], Some(ldap), 400)
        .await;
    let misspelt = json!({ "nme": "x" });
    c.expect(Root, &format!("POST {all}"), &[], Some(misspelt), 422)
        .await;
    c.expect(Root, &format!("GET {one}"), &[&id], None, 200)
        .await;
    c.expect(Root, &format!("GET {one}"), &["nope"], None, 404)
        .await;
    let pin = json!({ "requests_per_minute": 120, "jwt_required_claims": { "tid": "t1" } });
    c.expect(Root, &format!("PATCH {one}"), &[&id], Some(pin), 200)
        .await;
    let half_jwt = json!({ "auth_mode": "jwt", "jwt_issuer": "https://sts.example/" });
    c.expect(Root, &format!("PATCH {one}"), &[&id], Some(half_jwt), 400)
        .await;
    c.expect(
        Root,
        &format!("PATCH {one}"),
        &["nope"],
        Some(json!({})),
        404,
    )
    .await;

    let secrets = format!("{one}/secrets");
    let issued = c
        .expect(Root, &format!("POST {secrets}"), &[&id], None, 201)
        .await;
    let secret = issued["id"].as_str().unwrap().to_owned();
    c.expect(Root, &format!("POST {secrets}"), &["nope"], None, 404)
        .await;
    c.expect(Root, &format!("GET {secrets}"), &["nope"], None, 404)
        .await;
    let revoke = format!("DELETE {secrets}/{{secret_id}}");
    c.expect(Member, &revoke, &[&id, &secret], None, 403).await;
    c.expect(Root, &revoke, &[&id, &secret], None, 204).await;
    c.expect(Root, &revoke, &[&id, "nope"], None, 404).await;
    // The list now shows a revoked secret beside the first one.
    let listed = c
        .expect(Root, &format!("GET {secrets}"), &[&id], None, 200)
        .await;
    assert_eq!(listed["secrets"].as_array().unwrap().len(), 2);
}
