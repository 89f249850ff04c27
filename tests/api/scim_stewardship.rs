//! Which users an IdP connection may change: its own, unmanaged ones only after an admin lets
//! it take them over, never another connection's; and never the last active super admin, so
//! SCIM cannot lock an organization out of its admin API.

use crate::common;

use common::{id_of, spawn_app, user_body, TestApp};
use diesel::RunQueryDsl;
use futures_util::future::join_all;
use gatehouse::audit::Actor;
use gatehouse::db::ConnectionFactory;
use gatehouse::directory::{users, Caller};
use gatehouse::idp::Dialect;
use reqwest::Method;
use serde_json::{json, Value};

/// A user made outside SCIM (as the admin API or bootstrap would): no connection manages it.
fn unmanaged_user(app: &TestApp, user_name: &str, role: &str) -> String {
    let mut conn = ConnectionFactory::new(&app.database.url)
        .unwrap()
        .open()
        .unwrap();
    let caller = Caller {
        org_id: app.creds.org_id.clone(),
        actor: Actor::User(app.creds.admin_user_id.to_string()),
        connection_id: None,
        scim_base: app.scim.clone(),
        dialect: Dialect::Generic,
    };
    let created = users::create(&mut conn, &caller, user_body(user_name)).unwrap();
    let id = id_of(&created.resource);
    diesel::sql_query("UPDATE users SET role = ? WHERE id = ?")
        .bind::<diesel::sql_types::Text, _>(role)
        .bind::<diesel::sql_types::Text, _>(&id)
        .execute(&mut conn)
        .unwrap();
    id
}

async fn admin(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, format!("{}/api/v1{path}", app.address))
        .bearer_auth(&app.creds.admin_token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn allow_takeover(app: &TestApp, connection_id: &str) {
    let (status, body) = admin(
        app,
        Method::PATCH,
        &format!("/idp-connections/{connection_id}"),
        Some(json!({ "takeover_unmanaged_users": true })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["takeover_unmanaged_users"], true);
}

fn deactivate() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "path": "active", "value": false }],
    })
}

#[actix_web::test]
async fn a_connection_cannot_change_a_user_it_did_not_provision() {
    let app = spawn_app().await;
    let admin_id = app.creds.admin_user_id.to_string();
    let path = format!("/Users/{admin_id}");

    let res = app.patch(&path, deactivate()).await;
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("take over"),
        "{body}"
    );
    assert_eq!(
        app.put(&path, user_body("admin@example.com"))
            .await
            .status(),
        403
    );
    assert_eq!(app.delete(&path).await.status(), 403);

    let (status, me) = admin(&app, Method::GET, "/me", None).await;
    assert_eq!(status, 200, "the super admin still signs in: {me}");
    assert_eq!(app.get(&path).await.status(), 200, "reading stays allowed");
}

#[actix_web::test]
async fn a_connection_allowed_to_take_over_links_the_user_and_others_stay_out() {
    let app = spawn_app().await;
    let id = unmanaged_user(&app, "legacy@example.com", "member");
    let path = format!("/Users/{id}");
    assert_eq!(app.patch(&path, deactivate()).await.status(), 403);

    allow_takeover(&app, &app.creds.scim_connection_id.to_string()).await;
    let res = app.patch(&path, deactivate()).await;
    assert_eq!(res.status(), 200);
    let (_, audit) = admin(&app, Method::GET, "/audit-events", None).await;
    let taken = audit.to_string();
    assert!(taken.contains("user.taken_over"), "{audit}");

    // A second connection of the organization, even one allowed to take over, cannot change a
    // user the first one manages now.
    let (status, second) = admin(
        &app,
        Method::POST,
        "/idp-connections",
        Some(json!({ "name": "Second IdP" })),
    )
    .await;
    assert_eq!(status, 201, "{second}");
    let second_id = second["connection"]["id"].as_str().unwrap().to_owned();
    allow_takeover(&app, &second_id).await;
    let res = app
        .client
        .patch(format!("{}{path}", app.scim))
        .bearer_auth(second["secret"]["token"].as_str().unwrap())
        .header("Content-Type", common::SCIM_JSON)
        .body(deactivate().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("another IdP connection"));
}

#[actix_web::test]
async fn the_last_active_super_admin_is_never_deactivated_or_deleted() {
    let app = spawn_app().await;
    allow_takeover(&app, &app.creds.scim_connection_id.to_string()).await;
    let path = format!("/Users/{}", app.creds.admin_user_id);

    let res = app.patch(&path, deactivate()).await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "409");
    assert!(body.get("scimType").is_none(), "{body}");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("last active super admin"));
    let mut inactive = user_body("admin@example.com");
    inactive["active"] = json!(false);
    assert_eq!(app.put(&path, inactive).await.status(), 409);
    assert_eq!(app.delete(&path).await.status(), 409);

    let (status, _) = admin(&app, Method::GET, "/me", None).await;
    assert_eq!(status, 200, "the organization keeps its super admin");

    // With a second super admin, the first may go.
    unmanaged_user(&app, "second.admin@example.com", "super_admin");
    assert_eq!(app.patch(&path, deactivate()).await.status(), 200);
}

/// Two deactivations of the organization's two super admins at once: each sees the other still
/// active, but only one may pass. Meaningful on MariaDB, where the two really run concurrently.
#[actix_web::test]
async fn racing_deactivations_leave_one_super_admin() {
    let app = spawn_app().await;
    allow_takeover(&app, &app.creds.scim_connection_id.to_string()).await;
    for round in 0..3 {
        let mut admins = vec![app.creds.admin_user_id.to_string()];
        if round > 0 {
            // The survivor of the last round is active; add one partner each round.
            admins = active_super_admins(&app).await;
        }
        let partner = unmanaged_user(&app, &format!("sa{round}@example.com"), "super_admin");
        admins.push(partner);
        let paths: Vec<String> = admins.iter().map(|id| format!("/Users/{id}")).collect();
        let answers = join_all(paths.iter().map(|p| app.patch_status(p, deactivate()))).await;
        let mut sorted = answers.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![200, 409], "round {round}: {answers:?}");
        assert_eq!(active_super_admins(&app).await.len(), 1);
    }
}

async fn active_super_admins(app: &TestApp) -> Vec<String> {
    let mut conn = ConnectionFactory::new(&app.database.url)
        .unwrap()
        .open()
        .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let rows: Vec<Id> =
        diesel::sql_query("SELECT id FROM users WHERE role = 'super_admin' AND active = ?")
            .bind::<diesel::sql_types::Bool, _>(true)
            .load(&mut conn)
            .unwrap();
    rows.into_iter().map(|r| r.id).collect()
}

impl TestApp {
    async fn patch_status(&self, path: &str, body: Value) -> u16 {
        self.patch(path, body).await.status().as_u16()
    }
}

#[actix_web::test]
async fn the_last_active_super_admin_cannot_be_demoted_either() {
    let app = spawn_app().await;
    let own = format!("/users/{}/role", app.creds.admin_user_id);
    let (status, body) = admin(&app, Method::PUT, &own, Some(json!({ "role_id": "admin" }))).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("last active super admin"));

    unmanaged_user(&app, "deputy@example.com", "super_admin");
    let (status, body) = admin(&app, Method::PUT, &own, Some(json!({ "role_id": "admin" }))).await;
    assert_eq!(status, 200, "{body}");
}
