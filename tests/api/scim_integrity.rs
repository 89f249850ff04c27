//! Directory integrity (issue 11): what a client writes is text a database and a reader can
//! hold (no control characters, nothing longer than its column); a stored value never breaks a
//! read; Bulk pays the rate limit per operation.

use crate::common;

use common::{id_of, raw, spawn_with, test_settings, user_body, TestApp, TestDatabase};
use serde_json::{json, Value};

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn group(name: &str) -> Value {
    json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name })
}

fn assert_names(reply: common::Reply, attribute: &str) {
    let reply = reply.expect_error(400, Some("invalidValue"));
    let detail = reply.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(attribute),
        "detail names {attribute}: {detail}"
    );
}

#[actix_web::test]
async fn control_characters_are_refused_in_post_put_patch_and_bulk() {
    let app = common::spawn_app().await;
    assert_names(
        app.post_reply("/Groups", group("a\u{0}b")).await,
        "displayName",
    );
    assert_names(
        app.post_reply("/Groups", group("a\u{7f}b")).await,
        "displayName",
    );
    let mut user = user_body("ctl@example.com");
    user["name"] = json!({ "givenName": "Ann\u{1b}[31m" });
    assert_names(app.post_reply("/Users", user).await, "name.givenName");

    let g = app.create_group("Clean", &[]).await;
    let path = format!("/Groups/{}", id_of(&g));
    assert_names(app.put_reply(&path, group("x\u{0}")).await, "displayName");
    let ops = json!([{ "op": "replace", "path": "displayName", "value": "y\u{8}" }]);
    assert_names(app.patch_ops(&path, ops).await, "displayName");
    let u = app.create_user("clean@example.com").await;
    let ops = json!([{ "op": "add", "path": "title", "value": "t\u{0}" }]);
    assert_names(
        app.patch_ops(&format!("/Users/{}", id_of(&u)), ops).await,
        "title",
    );

    let bulk = json!({
        "schemas": [BULK_REQUEST],
        "Operations": [{ "method": "POST", "path": "/Groups", "bulkId": "g", "data": group("b\u{0}") }],
    });
    let reply = app.post_reply("/Bulk", bulk).await.expect(200);
    let op = &reply.body["Operations"][0];
    assert_eq!(op["status"], "400", "{}", reply.text);
    assert_eq!(op["response"]["scimType"], "invalidValue", "{}", reply.text);

    // TAB, LF and CR are text (a multi-line address, a pasted title).
    let mut user = user_body("lines@example.com");
    user["title"] = json!("Head\tof\r\nThings");
    app.post_reply("/Users", user).await.expect(201);
}

/// A group name holding a NUL, stored before validation refused it, must not break reading its
/// members (SQLite's `length()` of a text stops at a NUL).
#[actix_web::test]
async fn a_stored_nul_in_a_group_name_does_not_break_reading_its_members() {
    let app = common::spawn_app().await;
    let g = app.create_group("Plain", &[]).await;
    let gid = id_of(&g);
    let mut conn = raw::connect(&app.database.url);
    let nul_name = if app.database.is_mysql() {
        "CONCAT('Ops', CHAR(0), 'Team')"
    } else {
        "'Ops' || char(0) || 'Team'"
    };
    raw::execute(
        &mut conn,
        &format!("UPDATE scim_groups SET display_name = {nul_name} WHERE id = '{gid}'"),
    );
    let u = app.create_user("member@example.com").await;
    let uid = id_of(&u);
    let ops = json!([{ "op": "add", "path": "members", "value": [{ "value": uid }] }]);
    app.patch_ops(&format!("/Groups/{gid}"), ops)
        .await
        .expect(200);

    let user = app.get_ok(&format!("/Users/{uid}")).await;
    assert_eq!(user["groups"][0]["value"], gid.as_str());
    assert_eq!(user["groups"][0]["display"], "Ops\u{0}Team");
    let list = app.get_ok("/Users?count=200").await;
    assert!(list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == uid.as_str() && r["groups"][0]["value"] == gid.as_str()));
}

#[actix_web::test]
async fn values_longer_than_their_columns_are_400_not_500() {
    let app = common::spawn_app().await;
    let mut user = user_body("long@example.com");
    user["externalId"] = json!("x".repeat(256));
    assert_names(app.post_reply("/Users", user).await, "externalId");

    let mut user = user_body("type@example.com");
    user["emails"] = json!([{ "value": "type@example.com", "type": "w".repeat(65) }]);
    assert_names(app.post_reply("/Users", user).await, "emails.type");

    // 255 characters, but "İ" lower-cases to two: the lower-cased copy would not fit.
    let name = "İ".repeat(200);
    assert_names(app.post_reply("/Users", user_body(&name)).await, "userName");
    assert_names(app.post_reply("/Groups", group(&name)).await, "displayName");
    let mut g = group("Long external");
    g["externalId"] = json!("e".repeat(300));
    assert_names(app.post_reply("/Groups", g).await, "externalId");

    // At the limit, all fit.
    let mut user = user_body(&"a".repeat(255));
    user["externalId"] = json!("x".repeat(255));
    user["emails"] = json!([{ "value": "fits@example.com", "type": "w".repeat(64) }]);
    app.post_reply("/Users", user).await.expect(201);
}

async fn limited_app(per_minute: u32) -> TestApp {
    let database = TestDatabase::fresh();
    let mut settings = test_settings(&database.url);
    settings.scim.requests_per_minute = per_minute;
    spawn_with(settings, database).await
}

fn user_posts(prefix: &str, n: usize) -> Value {
    let ops: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "method": "POST", "path": "/Users", "bulkId": format!("{prefix}{i}"),
                "data": user_body(&format!("{prefix}{i}@example.com")),
            })
        })
        .collect();
    json!({ "schemas": [BULK_REQUEST], "Operations": ops })
}

#[actix_web::test]
async fn each_bulk_operation_costs_one_request_of_the_rate_limit() {
    let app = limited_app(20).await;
    // 10 operations: 10 of the 20 requests of the minute.
    let reply = app
        .post_reply("/Bulk", user_posts("a", 10))
        .await
        .expect(200);
    assert_eq!(reply.body["Operations"].as_array().unwrap().len(), 10);
    // 15 more do not fit in what is left: 429 before anything runs.
    let reply = app.post_reply("/Bulk", user_posts("b", 15)).await;
    assert_eq!(reply.status, 429, "{}", reply.text);
    assert!(reply.header("retry-after").parse::<u64>().unwrap() >= 1);
    assert!(app.user_ids_where("userName sw \"b\"").await.is_empty());
    // More operations than a minute allows can never pass: 413 naming the limit.
    let reply = app.post_reply("/Bulk", user_posts("c", 25)).await;
    assert_eq!(reply.status, 413, "{}", reply.text);
}
