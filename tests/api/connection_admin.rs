//! Who may change IdP connections, and what they may store: creating a connection, changing it
//! (its authentication above all) and issuing secrets need the super admin; an admin may read.
//! Values longer than their columns are refused as 400 problem+json, never a 500 from MySQL's
//! strict mode (run on MariaDB too).

use crate::common;

use common::{Reply, TestApp};
use diesel::RunQueryDsl;
use gatehouse::db::ConnectionFactory;
use gatehouse::ids::OrgId;
use gatehouse::tokens::{self, TokenKind, TokenRequest};
use reqwest::Method;
use serde_json::{json, Value};

/// A personal access token of a new user holding `role`.
async fn token_of_a(app: &TestApp, role: &str) -> String {
    let user = app.create_user(&format!("a-{role}@example.com")).await;
    let uid = user["id"].as_str().unwrap().to_owned();
    let factory = ConnectionFactory::new(&app.database.url).unwrap();
    let mut conn = factory.open().unwrap();
    diesel::sql_query("UPDATE users SET role = ? WHERE id = ?")
        .bind::<diesel::sql_types::Text, _>(role)
        .bind::<diesel::sql_types::Text, _>(&uid)
        .execute(&mut conn)
        .unwrap();
    tokens::issue(
        &mut conn,
        &TokenRequest {
            org_id: &OrgId(app.creds.org_id.to_string()),
            kind: TokenKind::Personal,
            subject_id: &uid,
            name: "test token",
            created_by: None,
            expires_at: None,
        },
    )
    .unwrap()
    .plaintext
}

async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Reply {
    let mut req = app
        .client
        .request(method.clone(), format!("{}/api/v1{path}", app.address))
        .bearer_auth(token);
    if method != Method::GET {
        req = req.json(&body);
    }
    Reply::read(req.send().await.unwrap()).await
}

#[actix_web::test]
async fn an_admin_reads_connections_but_only_a_super_admin_changes_them() {
    let app = common::spawn_app().await;
    let admin = token_of_a(&app, "admin").await;
    let id = app.creds.scim_connection_id.to_string();
    for (method, path, body) in [
        (
            Method::POST,
            "/idp-connections".to_owned(),
            json!({ "name": "Mine" }),
        ),
        (
            Method::PATCH,
            format!("/idp-connections/{id}"),
            json!({ "auth_mode": "jwt" }),
        ),
        (
            Method::PATCH,
            format!("/idp-connections/{id}"),
            json!({ "disabled": true }),
        ),
        (
            Method::POST,
            format!("/idp-connections/{id}/secrets"),
            json!({}),
        ),
    ] {
        let reply = call(&app, &admin, method.clone(), &path, body).await;
        assert_eq!(reply.status, 403, "{method} {path}: {}", reply.text);
        assert_eq!(reply.header("content-type"), "application/problem+json");
        let detail = reply.body["detail"].as_str().unwrap();
        assert!(
            detail.contains("super admin"),
            "names what is missing: {detail}"
        );
    }
    call(&app, &admin, Method::GET, "/idp-connections", json!(null))
        .await
        .expect(200);
    call(
        &app,
        &admin,
        Method::GET,
        &format!("/idp-connections/{id}"),
        json!(null),
    )
    .await
    .expect(200);
    call(
        &app,
        &admin,
        Method::GET,
        &format!("/idp-connections/{id}/secrets"),
        json!(null),
    )
    .await
    .expect(200);
    // Nothing changed; the super admin still can.
    let super_admin = app.creds.admin_token.clone();
    let after = call(
        &app,
        &super_admin,
        Method::GET,
        &format!("/idp-connections/{id}"),
        json!(null),
    )
    .await
    .expect(200);
    assert_eq!(after.body["disabled"], false);
    call(
        &app,
        &super_admin,
        Method::POST,
        &format!("/idp-connections/{id}/secrets"),
        json!({}),
    )
    .await
    .expect(201);
}

#[actix_web::test]
async fn values_longer_than_their_columns_are_a_400_with_a_detail() {
    let app = common::spawn_app().await;
    let token = app.creds.admin_token.clone();
    let id = app.creds.scim_connection_id.to_string();
    let long = |n: usize| "x".repeat(n);
    let reply = call(
        &app,
        &token,
        Method::POST,
        "/idp-connections",
        json!({ "name": long(256) }),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    for (field, body) in [
        ("name", json!({ "name": long(256) })),
        (
            "jwt_issuer",
            json!({ "jwt_issuer": format!("https://{}", long(1100)) }),
        ),
        ("jwt_audience", json!({ "jwt_audience": long(1025) })),
        (
            "jwks_url",
            json!({ "jwks_url": format!("https://idp.example.com/{}", long(2100)) }),
        ),
        ("jwt_static_key", json!({ "jwt_static_key": long(70_000) })),
        (
            "jwt_required_claims",
            json!({ "jwt_required_claims": { "tid": long(5000) } }),
        ),
    ] {
        let reply = call(
            &app,
            &token,
            Method::PATCH,
            &format!("/idp-connections/{id}"),
            body,
        )
        .await;
        assert_eq!(reply.status, 400, "{field}: {}", reply.text);
        assert_eq!(reply.header("content-type"), "application/problem+json");
        let detail = reply.body["detail"].as_str().unwrap();
        assert!(detail.contains(field), "{field}: {detail}");
    }
    // At the limit, every value is stored and read back whole.
    let name = format!("ü{}", long(254));
    let issuer = format!("https://{}", long(1016));
    let reply = call(
        &app,
        &token,
        Method::PATCH,
        &format!("/idp-connections/{id}"),
        json!({ "name": name, "jwt_issuer": issuer, "jwt_audience": long(1024) }),
    )
    .await
    .expect(200);
    assert_eq!(reply.body["name"], name);
    assert_eq!(reply.body["jwt_issuer"], issuer);
}
