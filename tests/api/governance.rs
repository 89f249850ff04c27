//! Helpers shared by the governance suites (roles_*.rs): admin-API calls with any token, users
//! with a given role and their tokens.

use gatehouse::db::ConnectionFactory;
use gatehouse::ids::OrgId;
use gatehouse::tokens::{self, TokenKind, TokenRequest};
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{id_of, Reply, TestApp};

/// An admin-API request with `token`, read whole.
pub async fn api(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = app
        .client
        .request(method, format!("{}/api/v1{}", app.address, path))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    Reply::read(req.send().await.unwrap()).await
}

/// As the bootstrap super admin.
pub async fn root(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Reply {
    api(app, &app.creds.admin_token.clone(), method, path, body).await
}

/// A personal access token for a user of the app's first organization.
pub fn token_for(app: &TestApp, user_id: &str) -> String {
    let factory = ConnectionFactory::new(&app.database.url).unwrap();
    let mut conn = factory.open().unwrap();
    tokens::issue(
        &mut conn,
        &TokenRequest {
            org_id: &OrgId(app.creds.org_id.to_string()),
            kind: TokenKind::Personal,
            subject_id: user_id,
            name: "test token",
            created_by: None,
            expires_at: None,
        },
    )
    .unwrap()
    .plaintext
}

/// A user created over SCIM, given `role` by the super admin (unless it is their default);
/// their id and a token.
pub async fn user_with_role(app: &TestApp, user_name: &str, role: &str) -> (String, String) {
    let user = app.create_user(user_name).await;
    let id = id_of(&user);
    root(
        app,
        Method::PUT,
        &format!("/users/{id}/role"),
        Some(json!({ "role_id": role })),
    )
    .await
    .expect(200);
    let token = token_for(app, &id);
    (id, token)
}

/// Creates a custom role as the super admin; its id.
pub async fn custom_role(app: &TestApp, name: &str, base: &str, permissions: Value) -> String {
    let reply = root(
        app,
        Method::POST,
        "/roles",
        Some(json!({ "name": name, "base_role": base, "permissions": permissions })),
    )
    .await
    .expect(201);
    reply.body["id"].as_str().unwrap().to_owned()
}

/// Whether `permission` is allowed for a user, per `POST /authorize`.
pub async fn allowed(app: &TestApp, user_id: &str, permission: &str) -> bool {
    let reply = root(
        app,
        Method::POST,
        "/authorize",
        Some(json!({ "user_id": user_id, "permission": permission })),
    )
    .await
    .expect(200);
    reply.body["allowed"].as_bool().unwrap()
}

/// Asserts a problem+json error with `status` whose detail mentions `needle`.
pub fn assert_problem(reply: &Reply, status: u16, needle: &str) {
    assert_eq!(reply.status, status, "body: {}", reply.text);
    assert!(
        reply
            .header("content-type")
            .starts_with("application/problem+json"),
        "problem+json: {}",
        reply.text
    );
    let detail = reply.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(needle),
        "detail {detail:?} should name {needle:?}"
    );
}
