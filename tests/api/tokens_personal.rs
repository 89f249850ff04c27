//! Personal access tokens (issue 13 "Tokens"): create one's own (shown once), the admin listing
//! with its filters, revocation by an admin (the owner notified) and by the owner, introspection
//! that is never an oracle for other organizations, and the credential inventory.

use diesel::prelude::*;
use gatehouse::db::schema::outbox;
use gatehouse::db::ConnectionFactory;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{spawn_app, TestApp};
use crate::governance::{api, assert_problem, root, token_for, user_with_role};

/// The outbox rows of a topic, as `(idempotency key, payload)`.
pub fn notices(app: &TestApp, topic: &str) -> Vec<(String, Value)> {
    let factory = ConnectionFactory::new(&app.database.url).unwrap();
    let mut conn = factory.open().unwrap();
    outbox::table
        .filter(outbox::topic.eq(topic))
        .select((outbox::idempotency_key, outbox::payload))
        .load::<(String, String)>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|(k, p)| (k, serde_json::from_str(&p).unwrap()))
        .collect()
}

/// A second organization in the app's own database (bootstrapped directly); its credentials.
pub fn second_org(app: &TestApp) -> gatehouse::bootstrap::BootstrapOutput {
    let factory = ConnectionFactory::new(&app.database.url).unwrap();
    let mut conn = factory.open().unwrap();
    gatehouse::bootstrap::bootstrap(
        &mut conn,
        &gatehouse::bootstrap::BootstrapRequest {
            org_name: "Other".into(),
            domain: "other.example".into(),
            admin_email: "boss@other.example".into(),
        },
        "http://localhost",
    )
    .unwrap()
}

async fn create(app: &TestApp, token: &str, name: &str) -> Value {
    api(
        app,
        token,
        Method::POST,
        "/tokens",
        Some(json!({ "name": name })),
    )
    .await
    .expect(201)
    .body
}

#[actix_web::test]
async fn a_member_creates_a_token_shown_once_that_works_on_the_admin_api() {
    let app = spawn_app().await;
    let (member, bootstrap) = user_with_role(&app, "dev@example.com", "member").await;
    let created = create(&app, &bootstrap, "ci script").await;
    let plaintext = created["token"].as_str().unwrap();
    assert!(plaintext.starts_with("gat_"));
    assert!(created["expires_at"].is_string());
    api(&app, plaintext, Method::GET, "/me", None)
        .await
        .expect(200);
    // The listing never shows the secret.
    let list = root(&app, Method::GET, &format!("/tokens?owner={member}"), None)
        .await
        .expect(200);
    let tokens = list.body["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert!(!list.text.contains(plaintext));
    assert_eq!(tokens[1]["name"], "ci script");
    assert_eq!(tokens[1]["owner_user_name"], "dev@example.com");
}

#[actix_web::test]
async fn a_role_without_personal_tokens_cannot_create_one() {
    let app = spawn_app().await;
    let role = crate::governance::custom_role(
        &app,
        "No tokens",
        "member",
        json!({ "use_personal_access_tokens": false }),
    )
    .await;
    let (_, token) = user_with_role(&app, "nope@example.com", &role).await;
    // Their token is refused by policy, with the reason.
    let reply = api(
        &app,
        &token,
        Method::POST,
        "/tokens",
        Some(json!({ "name": "x" })),
    )
    .await;
    assert_problem(&reply, 403, "use_personal_access_tokens");
}

#[actix_web::test]
async fn the_listing_filters_by_owner_and_last_use() {
    let app = spawn_app().await;
    let (a, ta) = user_with_role(&app, "a@example.com", "member").await;
    let (_b, _tb) = user_with_role(&app, "b@example.com", "member").await;
    let all = root(&app, Method::GET, "/tokens", None)
        .await
        .expect(200)
        .body;
    // The root's, a's and b's.
    assert_eq!(all["tokens"].as_array().unwrap().len(), 3);
    let only_a = root(&app, Method::GET, &format!("/tokens?owner={a}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(only_a["tokens"].as_array().unwrap().len(), 1);
    // a uses their token: it has a last use; b's never used.
    api(&app, &ta, Method::GET, "/me", None).await.expect(200);
    let after = "2000-01-01T00:00:00";
    let used = root(
        &app,
        Method::GET,
        &format!("/tokens?last_used_after={after}"),
        None,
    )
    .await
    .expect(200)
    .body;
    let owners: Vec<&str> = used["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["owner_id"].as_str().unwrap())
        .collect();
    assert!(owners.contains(&a.as_str()));
    assert_eq!(owners.len(), 2, "a and the root have used theirs: {used}");
    let before = root(
        &app,
        Method::GET,
        &format!("/tokens?last_used_before={after}"),
        None,
    )
    .await
    .expect(200)
    .body;
    assert_eq!(before["tokens"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn an_admin_revokes_a_token_and_the_owner_is_notified() {
    let app = spawn_app().await;
    let (member, token) = user_with_role(&app, "m@example.com", "member").await;
    // Used twice: the second answer comes from the credential cache.
    for _ in 0..2 {
        api(&app, &token, Method::GET, "/me", None)
            .await
            .expect(200);
    }
    let list = root(&app, Method::GET, &format!("/tokens?owner={member}"), None)
        .await
        .expect(200)
        .body;
    let id = list["tokens"][0]["id"].as_str().unwrap().to_owned();
    // A member may not revoke someone else's token.
    let (_, other) = user_with_role(&app, "o@example.com", "member").await;
    let reply = api(&app, &other, Method::DELETE, &format!("/tokens/{id}"), None).await;
    assert_problem(&reply, 403, "view_members");
    root(&app, Method::DELETE, &format!("/tokens/{id}"), None)
        .await
        .expect(204);
    api(&app, &token, Method::GET, "/me", None)
        .await
        .expect(401);
    let sent = notices(&app, "token.revoked");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1["recipients"], json!([member]));
    assert_eq!(sent[0].1["data"]["token_id"], id);
    // Gone from the listing; a second revoke is 404.
    root(&app, Method::DELETE, &format!("/tokens/{id}"), None)
        .await
        .expect(404);
}

#[actix_web::test]
async fn a_person_revokes_their_own_token_without_a_notice() {
    let app = spawn_app().await;
    let (_, token) = user_with_role(&app, "self@example.com", "member").await;
    let created = create(&app, &token, "second").await;
    let id = created["id"].as_str().unwrap();
    api(&app, &token, Method::DELETE, &format!("/tokens/{id}"), None)
        .await
        .expect(204);
    let second = created["token"].as_str().unwrap();
    api(&app, second, Method::GET, "/me", None)
        .await
        .expect(401);
    api(&app, &token, Method::GET, "/me", None)
        .await
        .expect(200);
    assert!(notices(&app, "token.revoked").is_empty());
}

#[actix_web::test]
async fn introspection_answers_for_the_callers_organization_only() {
    let app = spawn_app().await;
    let (member, token) = user_with_role(&app, "i@example.com", "member").await;
    let live = root(
        &app,
        Method::POST,
        "/tokens/introspect",
        Some(json!({ "token": token })),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(live["active"], true);
    assert_eq!(live["kind"], "personal");
    assert_eq!(live["owner"], member);
    assert!(live["scopes"]
        .as_array()
        .unwrap()
        .contains(&json!("use_personal_access_tokens")));
    assert!(
        live["expires_at"].is_null(),
        "issued without expiry by the harness"
    );
    // Another organization's token, a made-up one, and a revoked one: the same answer.
    let other_org = second_org(&app);
    api(&app, &other_org.admin_token, Method::GET, "/me", None)
        .await
        .expect(200);
    for probe in [other_org.admin_token.clone(), "gat_nonsense".to_owned()] {
        let r = root(
            &app,
            Method::POST,
            "/tokens/introspect",
            Some(json!({ "token": probe })),
        )
        .await
        .expect(200)
        .body;
        assert_eq!(r, json!({ "active": false }));
    }
    // A member may not introspect.
    let reply = api(
        &app,
        &token,
        Method::POST,
        "/tokens/introspect",
        Some(json!({ "token": token })),
    )
    .await;
    assert_eq!(reply.status, 403);
}

#[actix_web::test]
async fn the_credential_inventory_lists_every_kind() {
    let app = spawn_app().await;
    let (_, _token) = user_with_role(&app, "inv@example.com", "member").await;
    let account = root(
        &app,
        Method::POST,
        "/service-accounts",
        Some(json!({ "name": "Deploy bot", "role_id": "member" })),
    )
    .await
    .expect(201)
    .body;
    let aid = account["id"].as_str().unwrap();
    root(
        &app,
        Method::POST,
        &format!("/service-accounts/{aid}/tokens"),
        Some(json!({ "name": "deploy" })),
    )
    .await
    .expect(201);
    let inv = root(&app, Method::GET, "/credentials", None)
        .await
        .expect(200)
        .body;
    let creds = inv["credentials"].as_array().unwrap();
    let kinds: Vec<&str> = creds.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"personal"));
    assert!(kinds.contains(&"service_account"));
    assert!(kinds.contains(&"scim_connection"));
    let sa = creds
        .iter()
        .find(|c| c["kind"] == "service_account")
        .unwrap();
    assert_eq!(sa["owner_name"], "Deploy bot");
    assert!(sa["expires_at"].is_string());
    for c in creds {
        for key in ["id", "owner_id", "created_at"] {
            assert!(!c[key].is_null(), "{c}");
        }
        assert!(c.get("secret_hash").is_none());
    }
    let _ = token_for;
}
