//! The OpenAPI document against the service it describes: the committed `docs/openapi.json` is
//! the generated document; every `/api/v1` route the service mounts is documented and every
//! documented one is mounted; and for every documented operation, real calls to the running
//! app (successes and problem+json errors) answer with a documented status, the documented
//! content type and a body that fits the documented schema (`validate`, closed objects).

mod validate;

use std::collections::{BTreeMap, BTreeSet};

use gatehouse::http::api::openapi::document_json;
use gatehouse::http::api::routes::registered;
use reqwest::Method;
use serde_json::{json, Value};
use validate::{Document, Documented};

use crate::common::{id_of, spawn_with, test_settings, Reply, TestApp, TestDatabase};
use crate::governance::user_with_role;

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
    let Documented::Body { schema, .. } = doc.response("GET", "/api/v1/roles/{id}", 200).unwrap()
    else {
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

/// Calls the app and checks every answer against the document, remembering what was checked.
struct Conformance {
    doc: Document,
    app: TestApp,
    checked: BTreeMap<(String, String), BTreeSet<u16>>,
}

impl Conformance {
    /// `template` is the documented path, optionally with a query (`/api/v1/users?limit=0`);
    /// each `{…}` is replaced by the next of `args`.
    async fn send(
        &mut self,
        token: Option<&str>,
        method: Method,
        template: &str,
        args: &[&str],
        body: Option<String>,
    ) -> Reply {
        let (documented, query) = template.split_once('?').unwrap_or((template, ""));
        let mut path = String::new();
        let mut rest = documented;
        let mut args = args.iter();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').unwrap() + open;
            path.push_str(&rest[..open]);
            path.push_str(args.next().expect("an argument for each placeholder"));
            rest = &rest[close + 1..];
        }
        path.push_str(rest);
        if !query.is_empty() {
            path = format!("{path}?{query}");
        }
        let mut req = self
            .app
            .client
            .request(method.clone(), format!("{}{path}", self.app.address));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.header("Content-Type", "application/json").body(body);
        }
        let reply = Reply::read(req.send().await.unwrap()).await;
        let place = format!("{method} {path} -> {}: {}", reply.status, reply.text);
        match self.doc.response(method.as_str(), documented, reply.status) {
            Err(e) => panic!("{e}; {place}"),
            Ok(Documented::NoBody) => assert!(reply.text.is_empty(), "no body documented: {place}"),
            Ok(Documented::Body {
                content_type,
                schema,
            }) => {
                let sent = reply.header("content-type");
                assert_eq!(
                    sent.split(';').next().unwrap_or_default().trim(),
                    content_type,
                    "{place}"
                );
                let body: Value = serde_json::from_str(&reply.text)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {place}"));
                if let Err(errors) = self.doc.validate(&schema, &body) {
                    panic!("the body does not fit the documented schema: {errors:#?}\n{place}");
                }
            }
        }
        self.checked
            .entry((method.to_string(), documented.to_owned()))
            .or_default()
            .insert(reply.status);
        reply
    }

    async fn call(
        &mut self,
        token: &str,
        method: Method,
        template: &str,
        args: &[&str],
        body: Option<Value>,
    ) -> Reply {
        let body = body.map(|b| b.to_string());
        self.send(Some(token), method, template, args, body).await
    }

    /// Every documented operation was answered with a success, and each that needs a token
    /// was refused without one.
    fn assert_every_operation_checked(&self) {
        let mut missing = Vec::new();
        for (method, path) in self.doc.operations() {
            let seen = self.checked.get(&(method.clone(), path.clone()));
            let seen = seen.cloned().unwrap_or_default();
            if !seen.iter().any(|s| (200..300).contains(s)) {
                missing.push(format!("{method} {path}: no success checked"));
            }
            let open =
                self.doc.doc["paths"][&path][method.to_lowercase()]["security"] == json!([{}]);
            if !open && !seen.contains(&401) {
                missing.push(format!("{method} {path}: no 401 checked"));
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }
}

#[actix_web::test]
async fn every_operation_answers_as_documented() {
    let database = TestDatabase::fresh();
    let mut settings = test_settings(&database.url);
    // Every operation is called once without a token: more than the default failed-auth limit.
    settings.auth.failures_per_minute = 1000;
    let app = spawn_with(settings, database).await;
    let root = app.creds.admin_token.clone();
    let (member_id, member) = user_with_role(&app, "member@example.com", "member").await;
    let served: Value = serde_json::from_str(
        &app.client
            .get(format!("{}/api/v1/openapi.json", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        served,
        generated().doc,
        "the service serves the generated document"
    );
    let mut c = Conformance {
        doc: generated(),
        app,
        checked: BTreeMap::new(),
    };

    // Open operations, then every other one without a token (401 problem+json).
    for path in ["/healthz", "/readyz", "/api/v1/openapi.json"] {
        c.send(None, Method::GET, path, &[], None).await.expect(200);
    }
    for (method, path) in c.doc.operations() {
        let open = c.doc.doc["paths"][&path][method.to_lowercase()]["security"] == json!([{}]);
        if !open {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let args = ["x", "y"];
            let n = path.matches('{').count();
            c.send(None, method, &path, &args[..n], None)
                .await
                .expect(401);
        }
    }

    // The caller and the audit trail.
    c.call(&root, Method::GET, "/api/v1/me", &[], None)
        .await
        .expect(200);
    c.call(&member, Method::GET, "/api/v1/me", &[], None)
        .await
        .expect(200);
    c.call(&root, Method::GET, "/api/v1/audit-events", &[], None)
        .await
        .expect(200);
    c.call(
        &root,
        Method::GET,
        "/api/v1/audit-events?limit=0",
        &[],
        None,
    )
    .await
    .expect(400);
    c.call(
        &root,
        Method::GET,
        "/api/v1/audit-events?limit=many",
        &[],
        None,
    )
    .await
    .expect(400);
    c.call(&member, Method::GET, "/api/v1/audit-events", &[], None)
        .await
        .expect(403);

    // Roles.
    c.call(&root, Method::GET, "/api/v1/roles", &[], None)
        .await
        .expect(200);
    c.call(&root, Method::GET, "/api/v1/roles/{id}", &["admin"], None)
        .await
        .expect(200);
    c.call(&root, Method::GET, "/api/v1/roles/{id}", &["nope"], None)
        .await
        .expect(404);
    let new_role =
        json!({ "name": "Contractor", "base_role": "member", "permissions": { "ai": false } });
    let role = c
        .call(
            &root,
            Method::POST,
            "/api/v1/roles",
            &[],
            Some(new_role.clone()),
        )
        .await
        .expect(201);
    let role_id = id_of(&role.body);
    c.call(&root, Method::POST, "/api/v1/roles", &[], Some(new_role))
        .await
        .expect(409);
    c.call(
        &root,
        Method::POST,
        "/api/v1/roles",
        &[],
        Some(json!({ "name": "x" })),
    )
    .await
    .expect(422);
    c.send(
        Some(&root),
        Method::POST,
        "/api/v1/roles",
        &[],
        Some("{not json".into()),
    )
    .await
    .expect(400);
    c.call(&member, Method::POST, "/api/v1/roles", &[], Some(json!({})))
        .await
        .expect(403);
    let edit = json!({ "description": "People on contract" });
    c.call(
        &root,
        Method::PATCH,
        "/api/v1/roles/{id}",
        &[&role_id],
        Some(edit),
    )
    .await
    .expect(200);
    let bad = json!({ "permissions": { "no_such_permission": true } });
    c.call(
        &root,
        Method::PATCH,
        "/api/v1/roles/{id}",
        &[&role_id],
        Some(bad),
    )
    .await
    .expect(422);

    // Users: list, one, role and licence, permissions, and the role now held.
    c.call(&root, Method::GET, "/api/v1/users", &[], None)
        .await
        .expect(200);
    c.call(
        &root,
        Method::GET,
        "/api/v1/users?offset=0&limit=1",
        &[],
        None,
    )
    .await
    .expect(200);
    c.call(&root, Method::GET, "/api/v1/users?limit=0", &[], None)
        .await
        .expect(422);
    c.call(
        &root,
        Method::GET,
        "/api/v1/users/{id}",
        &[&member_id],
        None,
    )
    .await
    .expect(200);
    c.call(&root, Method::GET, "/api/v1/users/{id}", &["nope"], None)
        .await
        .expect(404);
    let to_role = json!({ "role_id": role_id });
    c.call(
        &root,
        Method::PUT,
        "/api/v1/users/{id}/role",
        &[&member_id],
        Some(to_role),
    )
    .await
    .expect(200);
    let unknown_role = json!({ "role_id": "nope" });
    c.call(
        &root,
        Method::PUT,
        "/api/v1/users/{id}/role",
        &[&member_id],
        Some(unknown_role),
    )
    .await
    .expect_problem();
    let licence = json!({ "licence": "view_only" });
    c.call(
        &root,
        Method::PUT,
        "/api/v1/users/{id}/licence",
        &[&member_id],
        Some(licence),
    )
    .await
    .expect(200);
    let bad_licence = json!({ "licence": "gold" });
    c.call(
        &root,
        Method::PUT,
        "/api/v1/users/{id}/licence",
        &[&member_id],
        Some(bad_licence),
    )
    .await
    .expect(422);
    c.call(
        &root,
        Method::DELETE,
        "/api/v1/roles/{id}",
        &[&role_id],
        None,
    )
    .await
    .expect(409);
    c.call(
        &member,
        Method::GET,
        "/api/v1/users/{id}/permissions",
        &[&member_id],
        None,
    )
    .await
    .expect(200);
    let root_id = c.app.creds.admin_user_id.to_string();
    c.call(
        &member,
        Method::GET,
        "/api/v1/users/{id}/permissions",
        &[&root_id],
        None,
    )
    .await
    .expect(403);
    c.call(
        &root,
        Method::GET,
        "/api/v1/users/{id}/permissions",
        &["nope"],
        None,
    )
    .await
    .expect(404);
    let back = json!({ "role_id": "member" });
    c.call(
        &root,
        Method::PUT,
        "/api/v1/users/{id}/role",
        &[&member_id],
        Some(back),
    )
    .await
    .expect(200);
    c.call(
        &root,
        Method::DELETE,
        "/api/v1/roles/{id}",
        &[&role_id],
        None,
    )
    .await
    .expect(204);
    c.call(
        &root,
        Method::DELETE,
        "/api/v1/roles/{id}",
        &[&role_id],
        None,
    )
    .await
    .expect(404);

    // Decisions.
    let one = json!({ "user_id": member_id, "permission": "upload_files" });
    c.call(
        &root,
        Method::POST,
        "/api/v1/authorize",
        &[],
        Some(one.clone()),
    )
    .await
    .expect(200);
    let batch = json!({ "checks": [one, { "user_id": member_id, "permission": "manage_roles" }] });
    c.call(&root, Method::POST, "/api/v1/authorize", &[], Some(batch))
        .await
        .expect(200);
    let unknown = json!({ "user_id": member_id, "permission": "fly" });
    c.call(&root, Method::POST, "/api/v1/authorize", &[], Some(unknown))
        .await
        .expect(422);
    let nobody = json!({ "user_id": "nope", "permission": "upload_files" });
    c.call(&root, Method::POST, "/api/v1/authorize", &[], Some(nobody))
        .await
        .expect(404);

    // Org settings and domains.
    c.call(&root, Method::GET, "/api/v1/org/settings", &[], None)
        .await
        .expect(200);
    let ai_off = json!({ "ai": false });
    c.call(
        &root,
        Method::PATCH,
        "/api/v1/org/settings",
        &[],
        Some(ai_off),
    )
    .await
    .expect(200);
    let wrong = json!({ "ai": "off" });
    c.call(
        &root,
        Method::PATCH,
        "/api/v1/org/settings",
        &[],
        Some(wrong),
    )
    .await
    .expect(422);
    c.call(
        &member,
        Method::PATCH,
        "/api/v1/org/settings",
        &[],
        Some(json!({})),
    )
    .await
    .expect(403);
    c.call(&root, Method::GET, "/api/v1/org/domains", &[], None)
        .await
        .expect(200);
    let domain = json!({ "domain": "corp.example" });
    c.call(
        &root,
        Method::POST,
        "/api/v1/org/domains",
        &[],
        Some(domain.clone()),
    )
    .await
    .expect(201);
    c.call(
        &root,
        Method::POST,
        "/api/v1/org/domains",
        &[],
        Some(domain),
    )
    .await
    .expect_problem();
    let not_a_domain = json!({ "domain": "not a domain" });
    c.call(
        &root,
        Method::POST,
        "/api/v1/org/domains",
        &[],
        Some(not_a_domain),
    )
    .await
    .expect(422);
    c.call(
        &root,
        Method::DELETE,
        "/api/v1/org/domains/{domain}",
        &["corp.example"],
        None,
    )
    .await
    .expect(200);
    c.call(
        &root,
        Method::DELETE,
        "/api/v1/org/domains/{domain}",
        &["corp.example"],
        None,
    )
    .await
    .expect(404);

    // IdP connections and their secrets.
    c.call(&root, Method::GET, "/api/v1/idp-connections", &[], None)
        .await
        .expect(200);
    c.call(&member, Method::GET, "/api/v1/idp-connections", &[], None)
        .await
        .expect(403);
    let okta = json!({ "name": "Okta", "dialect": "okta" });
    let created = c
        .call(
            &root,
            Method::POST,
            "/api/v1/idp-connections",
            &[],
            Some(okta),
        )
        .await
        .expect(201);
    let conn = created.body["connection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ldap = json!({ "name": "x", "dialect": "ldap" });
    c.call(
        &root,
        Method::POST,
        "/api/v1/idp-connections",
        &[],
        Some(ldap),
    )
    .await
    .expect(400);
    let misspelt = json!({ "nme": "x" });
    c.call(
        &root,
        Method::POST,
        "/api/v1/idp-connections",
        &[],
        Some(misspelt),
    )
    .await
    .expect(422);
    c.call(
        &root,
        Method::GET,
        "/api/v1/idp-connections/{id}",
        &[&conn],
        None,
    )
    .await
    .expect(200);
    c.call(
        &root,
        Method::GET,
        "/api/v1/idp-connections/{id}",
        &["nope"],
        None,
    )
    .await
    .expect(404);
    let pin = json!({ "requests_per_minute": 120, "jwt_required_claims": { "tid": "t1" } });
    c.call(
        &root,
        Method::PATCH,
        "/api/v1/idp-connections/{id}",
        &[&conn],
        Some(pin),
    )
    .await
    .expect(200);
    let half_jwt = json!({ "auth_mode": "jwt", "jwt_issuer": "https://sts.example/" });
    c.call(
        &root,
        Method::PATCH,
        "/api/v1/idp-connections/{id}",
        &[&conn],
        Some(half_jwt),
    )
    .await
    .expect(400);
    c.call(
        &root,
        Method::PATCH,
        "/api/v1/idp-connections/{id}",
        &["nope"],
        Some(json!({})),
    )
    .await
    .expect(404);
    let issued = c
        .call(
            &root,
            Method::POST,
            "/api/v1/idp-connections/{id}/secrets",
            &[&conn],
            None,
        )
        .await
        .expect(201);
    let secret = issued.body["id"].as_str().unwrap().to_owned();
    c.call(
        &root,
        Method::POST,
        "/api/v1/idp-connections/{id}/secrets",
        &["nope"],
        None,
    )
    .await
    .expect(404);
    c.call(
        &root,
        Method::GET,
        "/api/v1/idp-connections/{id}/secrets",
        &[&conn],
        None,
    )
    .await
    .expect(200);
    c.call(
        &root,
        Method::GET,
        "/api/v1/idp-connections/{id}/secrets",
        &["nope"],
        None,
    )
    .await
    .expect(404);
    let revoke = "/api/v1/idp-connections/{id}/secrets/{secret_id}";
    c.call(&member, Method::DELETE, revoke, &[&conn, &secret], None)
        .await
        .expect(403);
    c.call(&root, Method::DELETE, revoke, &[&conn, &secret], None)
        .await
        .expect(204);
    c.call(&root, Method::DELETE, revoke, &[&conn, "nope"], None)
        .await
        .expect(404);
    // The secret list now shows a revocation time, and the audit trail every change above.
    c.call(
        &root,
        Method::GET,
        "/api/v1/idp-connections/{id}/secrets",
        &[&conn],
        None,
    )
    .await
    .expect(200);
    c.call(
        &root,
        Method::GET,
        "/api/v1/audit-events?limit=1000",
        &[],
        None,
    )
    .await
    .expect(200);

    c.assert_every_operation_checked();
}

trait ExpectProblem {
    fn expect_problem(self) -> Reply;
}

impl ExpectProblem for Reply {
    /// A client error of any documented status (the document check already ran).
    fn expect_problem(self) -> Reply {
        assert!((400..500).contains(&self.status), "{}", self.text);
        self
    }
}
