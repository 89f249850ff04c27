//! Helpers shared by the connected-apps suites (apps_*.rs): registering apps, reporting usage,
//! asking `/authorize` about an app, and reading the notifications the outbox holds.

use diesel::prelude::*;
use gatehouse::db::schema::outbox;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{raw, Reply, TestApp};
use crate::governance::{api, root};

/// Registers an app as the bootstrap super admin; its id.
pub async fn register(app: &TestApp, client_id: &str, name: &str) -> String {
    let reply = root(
        app,
        Method::POST,
        "/apps",
        Some(json!({
            "client_id": client_id,
            "name": name,
            "description": format!("{name} for tests"),
            "developer": "Example Ltd",
            "support_url": "https://example.com/support",
            "privacy_url": "https://example.com/privacy",
            "permissions": ["tasks:read", "tasks:write"],
        })),
    )
    .await
    .expect(201);
    reply.body["id"].as_str().unwrap().to_owned()
}

/// Sets the app mode as the bootstrap super admin.
pub async fn set_mode(app: &TestApp, token: &str, mode: &str) {
    api(
        app,
        token,
        Method::PUT,
        "/apps/settings",
        Some(json!({ "app_mode": mode, "external_automation": true, "approval_recipients": null })),
    )
    .await
    .expect(200);
}

/// `/authorize` for `use_apps` with an app, as `token`'s holder.
pub async fn may_use(app: &TestApp, token: &str, user_id: &str, app_id: &str) -> Reply {
    api(
        app,
        token,
        Method::POST,
        "/authorize",
        Some(json!({ "user_id": user_id, "permission": "use_apps", "app_id": app_id })),
    )
    .await
    .expect(200)
}

/// The payloads of the outbox rows with `topic`, oldest first.
pub fn notifications(app: &TestApp, topic: &str) -> Vec<Value> {
    let mut conn = raw::connect(&app.database.url);
    let rows: Vec<String> = outbox::table
        .filter(outbox::topic.eq(topic))
        .order(outbox::created_at.asc())
        .select(outbox::payload)
        .load(&mut conn)
        .unwrap();
    rows.iter()
        .map(|p| serde_json::from_str(p).unwrap())
        .collect()
}
