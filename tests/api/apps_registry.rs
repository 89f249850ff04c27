//! Connected apps: the registry, usage reports kept per user and day, the connected-apps list
//! with last activity and active members, one app's detail, who may manage apps, tenancy.

use diesel::prelude::*;
use futures_util::future::join_all;
use gatehouse::db::schema::app_usage_days;
use reqwest::Method;
use serde_json::json;

use crate::apps_support::register;
use crate::common::{raw, spawn_app};
use crate::governance::{api, assert_problem, root, user_with_role};

fn days_ago(n: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(n)).to_rfc3339()
}

#[actix_web::test]
async fn connected_apps_show_last_activity_and_members_active_in_30_days() {
    let app = spawn_app().await;
    let (u1, _) = user_with_role(&app, "ana@example.com", "member").await;
    let (u2, _) = user_with_role(&app, "bo@example.com", "member").await;
    let id = register(&app, "com.example.tracker", "Tracker").await;
    let reply = root(
        &app,
        Method::POST,
        &format!("/apps/{id}/usage"),
        Some(json!({ "events": [
            { "user_id": u1, "at": days_ago(0) },
            { "user_id": u1 },
            { "user_id": u2, "at": days_ago(40) },
        ]})),
    )
    .await
    .expect(200);
    assert_eq!(reply.body["recorded"], 3);

    let list = root(&app, Method::GET, "/apps", None).await.expect(200);
    let listed = &list.body["apps"][0];
    assert_eq!(listed["id"], id.as_str());
    assert_eq!(listed["active_members"], 1, "bo's use is 40 days old");
    assert_eq!(listed["active_members_window_days"], 30);
    assert!(listed["last_activity_at"].is_string());
    assert_eq!(listed["status"], "allowed");

    let detail = root(&app, Method::GET, &format!("/apps/{id}"), None)
        .await
        .expect(200);
    assert_eq!(detail.body["developer"], "Example Ltd");
    assert_eq!(detail.body["support_url"], "https://example.com/support");
    assert_eq!(detail.body["privacy_url"], "https://example.com/privacy");
    assert_eq!(
        detail.body["permissions"],
        json!(["tasks:read", "tasks:write"])
    );
    assert_eq!(detail.body["recent_usage"]["uses"], 2);
    assert_eq!(detail.body["recent_usage"]["days"][0]["users"], 1);
}

#[actix_web::test]
async fn usage_is_one_counted_row_per_user_and_day() {
    let app = spawn_app().await;
    let (u1, _) = user_with_role(&app, "ana@example.com", "member").await;
    let (u2, _) = user_with_role(&app, "bo@example.com", "member").await;
    let id = register(&app, "com.example.tracker", "Tracker").await;
    for _ in 0..3 {
        root(
            &app,
            Method::POST,
            &format!("/apps/{id}/usage"),
            Some(json!({ "user_id": u1 })),
        )
        .await
        .expect(200);
    }
    root(
        &app,
        Method::POST,
        &format!("/apps/{id}/usage"),
        Some(json!({ "events": [{ "user_id": u2 }, { "user_id": u2, "at": days_ago(1) }] })),
    )
    .await
    .expect(200);
    let mut conn = raw::connect(&app.database.url);
    let mut rows: Vec<(String, i64)> = app_usage_days::table
        .filter(app_usage_days::app_id.eq(&id))
        .select((app_usage_days::user_id, app_usage_days::uses))
        .load(&mut conn)
        .unwrap();
    rows.sort();
    let mut expected = vec![(u1.clone(), 3), (u2.clone(), 1), (u2.clone(), 1)];
    expected.sort();
    assert_eq!(rows, expected);
}

#[actix_web::test]
async fn usage_reports_are_validated() {
    let app = spawn_app().await;
    let (u1, _) = user_with_role(&app, "ana@example.com", "member").await;
    let id = register(&app, "com.example.tracker", "Tracker").await;
    let path = format!("/apps/{id}/usage");
    let too_many: Vec<_> = (0..1001).map(|_| json!({ "user_id": u1 })).collect();
    let reply = root(
        &app,
        Method::POST,
        &path,
        Some(json!({ "events": too_many })),
    )
    .await;
    assert_problem(&reply, 422, "1 to 1000 events");
    let reply = root(
        &app,
        Method::POST,
        &path,
        Some(json!({ "user_id": "nobody" })),
    )
    .await;
    assert_problem(&reply, 404, "no user");
    let future = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let reply = root(
        &app,
        Method::POST,
        &path,
        Some(json!({ "user_id": u1, "at": future })),
    )
    .await;
    assert_problem(&reply, 422, "future");
    let reply = root(
        &app,
        Method::POST,
        "/apps/nope/usage",
        Some(json!({ "user_id": u1 })),
    )
    .await;
    assert_problem(&reply, 404, "no app");
}

#[actix_web::test]
async fn apps_are_managed_by_super_admins_within_their_organization() {
    let app = spawn_app().await;
    let id = register(&app, "com.example.tracker", "Tracker").await;
    let (_, admin) = user_with_role(&app, "adam@example.com", "admin").await;
    let reply = api(
        &app,
        &admin,
        Method::POST,
        &format!("/apps/{id}/block"),
        None,
    )
    .await;
    assert_problem(&reply, 403, "manage_org_settings");
    let reply = api(&app, &admin, Method::GET, "/apps", None).await;
    assert_eq!(reply.status, 403);

    let again = root(
        &app,
        Method::POST,
        "/apps",
        Some(json!({ "client_id": "com.example.tracker", "name": "Copy" })),
    )
    .await;
    assert_problem(&again, 409, "already registered");
    let bad = root(
        &app,
        Method::POST,
        "/apps",
        Some(json!({ "client_id": "x", "name": "X", "support_url": "javascript:alert(1)" })),
    )
    .await;
    assert_problem(&bad, 422, "support_url");

    let other = app.other_organization("other.example");
    let reply = api(
        &app,
        &other.admin_token,
        Method::GET,
        &format!("/apps/{id}"),
        None,
    )
    .await;
    assert_problem(&reply, 404, "no app");
    let reply = api(
        &app,
        &other.admin_token,
        Method::DELETE,
        &format!("/apps/{id}"),
        None,
    )
    .await;
    assert_eq!(reply.status, 404);

    let renamed = root(
        &app,
        Method::PUT,
        &format!("/apps/{id}"),
        Some(json!({ "client_id": "com.example.tracker", "name": "Tracker 2" })),
    )
    .await
    .expect(200);
    assert_eq!(renamed.body["name"], "Tracker 2");
    root(&app, Method::DELETE, &format!("/apps/{id}"), None)
        .await
        .expect(204);
    let audit = root(&app, Method::GET, "/audit-events", None)
        .await
        .expect(200);
    let actions: Vec<&str> = audit.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in ["app.created", "app.updated", "app.deleted"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

#[actix_web::test]
async fn concurrent_reports_for_one_user_and_day_all_count() {
    let app = spawn_app().await;
    let (u1, _) = user_with_role(&app, "ana@example.com", "member").await;
    let id = register(&app, "com.example.tracker", "Tracker").await;
    let path = format!("/apps/{id}/usage");
    let calls = (0..16).map(|_| {
        root(
            &app,
            Method::POST,
            &path,
            Some(json!({ "events": [{ "user_id": u1 }, { "user_id": u1 }] })),
        )
    });
    // All in flight at once: the upserts of one (user, day) row race on both backends.
    for reply in join_all(calls).await {
        reply.expect(200);
    }
    let mut conn = raw::connect(&app.database.url);
    let uses: Vec<i64> = app_usage_days::table
        .filter(app_usage_days::app_id.eq(&id))
        .select(app_usage_days::uses)
        .load(&mut conn)
        .unwrap();
    assert_eq!(uses, vec![32], "one row, every use counted");
}
