//! IdP connections through the admin API: dialects, secret rotation and revocation, least
//! privilege, tenant isolation, and per-connection throttling with `Retry-After`.

use crate::common;

use std::time::Duration;

use common::{spawn_app, TestApp};
use gatehouse::db::ConnectionFactory;
use gatehouse::ids::OrgId;
use gatehouse::tokens::{self, TokenKind, TokenRequest};
use serde_json::{json, Value};

async fn admin_post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1{path}", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Creates a connection and returns (connection id, first secret).
async fn create_connection(app: &TestApp, body: Value) -> (String, String) {
    let res = admin_post(app, &app.creds.admin_token, "/idp-connections", body).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    (
        created["connection"]["id"].as_str().unwrap().to_owned(),
        created["secret"]["token"].as_str().unwrap().to_owned(),
    )
}

async fn scim_get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.scim))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn an_entra_connection_accepts_string_booleans_that_a_generic_one_refuses() {
    let app = spawn_app().await;
    let (_, entra) = create_connection(&app, json!({ "name": "Entra", "dialect": "entra" })).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "entra@example.com",
        "active": "False",
    });
    let res = app
        .client
        .post(format!("{}/Users", app.scim))
        .bearer_auth(&entra)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["active"], json!(false));

    let mut generic = body.clone();
    generic["userName"] = json!("generic@example.com");
    let res = app.post("/Users", generic).await;
    assert_eq!(res.status(), 400, "the generic dialect is strict RFC");
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["scimType"], "invalidValue");
}

#[actix_web::test]
async fn a_rotated_secret_works_beside_the_old_one_until_the_old_one_is_revoked() {
    let app = spawn_app().await;
    let (id, first) = create_connection(&app, json!({ "name": "Okta", "dialect": "okta" })).await;
    let res = admin_post(
        &app,
        &app.creds.admin_token,
        &format!("/idp-connections/{id}/secrets"),
        json!({}),
    )
    .await;
    assert_eq!(res.status(), 201);
    let second = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(scim_get(&app, &first, "/Users").await.status(), 200);
    assert_eq!(scim_get(&app, &second, "/Users").await.status(), 200);

    let secrets: Value = app
        .admin_get(&format!("/idp-connections/{id}/secrets"))
        .await
        .json()
        .await
        .unwrap();
    let first_id = secrets["secrets"][0]["id"].as_str().unwrap().to_owned();
    assert!(secrets["secrets"][0]["last_used_at"].is_string());
    let res = app
        .client
        .delete(format!(
            "{}/api/v1/idp-connections/{id}/secrets/{first_id}",
            app.address
        ))
        .bearer_auth(&app.creds.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        scim_get(&app, &first, "/Users").await.status(),
        401,
        "the revoked secret stops at once"
    );
    assert_eq!(scim_get(&app, &second, "/Users").await.status(), 200);

    let events: Value = app.admin_get("/audit-events").await.json().await.unwrap();
    let actions: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "idp_connection.created",
        "idp_connection.secret_issued",
        "idp_connection.secret_revoked",
    ] {
        assert!(actions.contains(&action), "{action} audited");
    }
}

#[actix_web::test]
async fn a_member_may_not_manage_connections() {
    let app = spawn_app().await;
    let member = app.create_user("member@example.com").await;
    let factory = ConnectionFactory::new(&app.database.url).unwrap();
    let mut conn = factory.open().unwrap();
    let token = tokens::issue(
        &mut conn,
        &TokenRequest {
            org_id: &OrgId(app.creds.org_id.to_string()),
            kind: TokenKind::Personal,
            subject_id: member["id"].as_str().unwrap(),
            name: "member token",
            created_by: None,
            expires_at: None,
        },
    )
    .unwrap();
    let res = admin_post(
        &app,
        &token.plaintext,
        "/idp-connections",
        json!({ "name": "x" }),
    )
    .await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = app
        .client
        .get(format!("{}/api/v1/idp-connections", app.address))
        .bearer_auth(&token.plaintext)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[actix_web::test]
async fn bad_connection_settings_are_refused_with_problem_json_and_change_nothing() {
    let app = spawn_app().await;
    let res = admin_post(
        &app,
        &app.creds.admin_token,
        "/idp-connections",
        json!({ "name": "x", "dialect": "ldap" }),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let (id, _) = create_connection(&app, json!({ "name": "Entra" })).await;
    let res = app
        .client
        .patch(format!("{}/api/v1/idp-connections/{id}", app.address))
        .bearer_auth(&app.creds.admin_token)
        .json(&json!({ "auth_mode": "jwt", "jwt_issuer": "https://sts.example/" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        400,
        "a JWT connection needs an audience and keys"
    );
    let after: Value = app
        .admin_get(&format!("/idp-connections/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["auth_mode"], "bearer", "nothing half-written");
    assert!(after["jwt_issuer"].is_null());
    let res = app
        .client
        .patch(format!("{}/api/v1/idp-connections/{id}", app.address))
        .bearer_auth(&app.creds.admin_token)
        .json(&json!({ "auth_mode": "jwt", "jwt_issuer": "i", "jwt_audience": "a", "jwks_url": "http://evil.example/keys" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "keys must come over TLS");
}

#[actix_web::test]
async fn past_its_limit_a_connection_gets_429_with_retry_after_and_recovers() {
    let app = spawn_app().await;
    let (_, secret) = create_connection(
        &app,
        json!({ "name": "Limited", "requests_per_minute": 60 }),
    )
    .await;
    for _ in 0..60 {
        assert_eq!(
            scim_get(&app, &secret, "/ServiceProviderConfig")
                .await
                .status(),
            200
        );
    }
    let res = scim_get(&app, &secret, "/Users").await;
    assert_eq!(res.status(), 429);
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "429");
    assert_eq!(
        app.get("/Users").await.status(),
        200,
        "other connections are not throttled"
    );
    tokio::time::sleep(Duration::from_secs(retry_after) + Duration::from_millis(100)).await;
    assert_eq!(
        scim_get(&app, &secret, "/Users").await.status(),
        200,
        "recovered after Retry-After"
    );
}

#[actix_web::test]
async fn another_organizations_admin_cannot_see_a_connection() {
    let app = spawn_app().await;
    let (id, _) = create_connection(&app, json!({ "name": "Mine" })).await;
    let factory = ConnectionFactory::new(&app.database.url).unwrap();
    let mut conn = factory.open().unwrap();
    let other = gatehouse::bootstrap::bootstrap(
        &mut conn,
        &gatehouse::bootstrap::BootstrapRequest {
            org_name: "Other".into(),
            domain: "other.example".into(),
            admin_email: "root@other.example".into(),
        },
        &app.address,
    )
    .unwrap();
    let res = app
        .client
        .get(format!("{}/api/v1/idp-connections/{id}", app.address))
        .bearer_auth(&other.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = admin_post(
        &app,
        &other.admin_token,
        &format!("/idp-connections/{id}/secrets"),
        json!({}),
    )
    .await;
    assert_eq!(res.status(), 404);
}

/// Serves a fixed JWKS on a loopback port, like an IdP's key endpoint.
async fn serve_jwks() -> String {
    let body = std::fs::read_to_string(format!(
        "{}/tests/fixtures/jwt/jwks_initial.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(move || {
        let body = body.clone();
        actix_web::App::new().route(
            "/keys",
            actix_web::web::get().to(move || {
                let body = body.clone();
                async move {
                    actix_web::HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    format!("http://127.0.0.1:{port}/keys")
}

fn signed_jwt(issuer: &str, audience: &str, exp_in: i64) -> String {
    let pem = std::fs::read(format!(
        "{}/tests/fixtures/jwt/rsa_a.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("rsa-a".into());
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "iss": issuer, "aud": audience, "sub": "provisioner", "iat": now, "exp": now + exp_in });
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap(),
    )
    .unwrap()
}

#[actix_web::test]
async fn a_jwt_connection_provisions_end_to_end_with_keys_from_its_jwks() {
    // The JWKS is served on loopback, which the operator must allow.
    let app = crate::connection_routing::spawn_with_loopback_jwks().await;
    let jwks_url = serve_jwks().await;
    let (id, secret) =
        create_connection(&app, json!({ "name": "Entra JWT", "dialect": "entra" })).await;
    let (issuer, audience) = ("https://sts.example.test/tenant/", "api://gatehouse-test");
    let res = app
        .client
        .patch(format!("{}/api/v1/idp-connections/{id}", app.address))
        .bearer_auth(&app.creds.admin_token)
        .json(&json!({ "auth_mode": "jwt", "jwt_issuer": issuer, "jwt_audience": audience, "jwks_url": jwks_url }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.unwrap();
    // A JWT reaches its connection at the connection's own base URL, and only there.
    let base = updated["scim_base_url"].as_str().unwrap().to_owned();

    let token = signed_jwt(issuer, audience, 300);
    let res = app
        .client
        .post(format!("{base}/Users"))
        .bearer_auth(&token)
        .json(&json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "jwt@example.com", "active": "True" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        201,
        "the JWT authenticates as the Entra connection"
    );
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["active"], json!(true), "and its dialect applies");

    let events: Value = app.admin_get("/audit-events").await.json().await.unwrap();
    let created = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["target_id"] == user["id"])
        .cloned()
        .unwrap();
    assert_eq!(
        created["actor_id"],
        json!(id),
        "the audit trail names the connection"
    );

    for (refused, why) in [
        (
            signed_jwt(issuer, "api://someone-else", 300),
            "wrong audience",
        ),
        (
            signed_jwt("https://other-issuer/", audience, 300),
            "wrong issuer",
        ),
        (signed_jwt(issuer, audience, -600), "expired"),
        (
            secret.clone(),
            "a JWT connection no longer accepts its bearer secret",
        ),
    ] {
        let res = app
            .client
            .get(format!("{base}/Users"))
            .bearer_auth(&refused)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{why}");
    }
}

#[actix_web::test]
async fn deactivating_a_user_blocks_their_tokens_and_keeps_their_memberships_until_deleted() {
    let app = spawn_app().await;
    let user = app.create_user("leaver@example.com").await;
    let uid = user["id"].as_str().unwrap().to_owned();
    let group = app.create_group("Stays", &[&uid]).await;
    let factory = ConnectionFactory::new(&app.database.url).unwrap();
    let token = tokens::issue(
        &mut factory.open().unwrap(),
        &TokenRequest {
            org_id: &OrgId(app.creds.org_id.to_string()),
            kind: TokenKind::Personal,
            subject_id: &uid,
            name: "leaver's token",
            created_by: None,
            expires_at: None,
        },
    )
    .unwrap();
    let me = |t: String| {
        app.client
            .get(format!("{}/api/v1/me", app.address))
            .bearer_auth(t)
            .send()
    };
    assert_eq!(me(token.plaintext.clone()).await.unwrap().status(), 200);

    let deactivate = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "value": { "active": false } }]
    });
    assert_eq!(
        app.patch(&format!("/Users/{uid}"), deactivate)
            .await
            .status(),
        200
    );
    assert_eq!(
        me(token.plaintext.clone()).await.unwrap().status(),
        401,
        "a deactivated user's token is blocked"
    );
    let kept: Value = app
        .get(&format!("/Users/{uid}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        kept["groups"][0]["value"], group["id"],
        "memberships are kept"
    );

    let reactivate = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "path": "active", "value": true }]
    });
    assert_eq!(
        app.patch(&format!("/Users/{uid}"), reactivate)
            .await
            .status(),
        200
    );
    assert_eq!(
        me(token.plaintext.clone()).await.unwrap().status(),
        200,
        "reactivation restores access"
    );

    assert_eq!(app.delete(&format!("/Users/{uid}")).await.status(), 204);
    assert_eq!(me(token.plaintext).await.unwrap().status(), 401);
    let group: Value = app
        .get(&format!("/Groups/{}", group["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        group.get("members").is_none(),
        "delete removes the memberships"
    );
    let events: Value = app.admin_get("/audit-events").await.json().await.unwrap();
    let actions: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target_id"] == json!(uid))
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"user.patched") && actions.contains(&"user.deleted"),
        "{actions:?}"
    );
}

#[actix_web::test]
async fn disabling_a_connection_refuses_its_secret_at_once_despite_the_credential_cache() {
    let app = spawn_app().await;
    let (id, secret) = create_connection(&app, json!({ "name": "Okta", "dialect": "okta" })).await;
    // The first request verifies the secret against the database and remembers it.
    assert_eq!(scim_get(&app, &secret, "/Users").await.status(), 200);
    assert_eq!(scim_get(&app, &secret, "/Users").await.status(), 200);
    let set_disabled = |disabled: bool| {
        app.client
            .patch(format!("{}/api/v1/idp-connections/{id}", app.address))
            .bearer_auth(&app.creds.admin_token)
            .json(&json!({ "disabled": disabled }))
            .send()
    };
    assert_eq!(set_disabled(true).await.unwrap().status(), 200);
    assert_eq!(
        scim_get(&app, &secret, "/Users").await.status(),
        401,
        "a remembered secret must not outlive its connection's disabling"
    );
    assert_eq!(set_disabled(false).await.unwrap().status(), 200);
    assert_eq!(scim_get(&app, &secret, "/Users").await.status(), 200);
}
