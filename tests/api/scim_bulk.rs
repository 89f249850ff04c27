//! SCIM Bulk (RFC 7644 §3.7) over HTTP: bulkId references in any order, every method, per
//! operation failures, failOnErrors, circular references, the maxOperations and maxPayloadSize
//! limits, `version` as If-Match, and the ServiceProviderConfig advertisement.

use crate::common;

use common::{id_of, spawn_app, spawn_with, test_settings, user_body, TestApp, TestDatabase};
use serde_json::{json, Value};

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
pub(crate) const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Posts a BulkRequest with these operations; returns the status and the body.
pub(crate) async fn bulk(
    app: &TestApp,
    operations: Value,
    fail_on_errors: Option<u64>,
) -> (u16, Value) {
    let mut body = json!({ "schemas": [BULK_REQUEST], "Operations": operations });
    if let Some(n) = fail_on_errors {
        body["failOnErrors"] = json!(n);
    }
    let res = app.post("/Bulk", body).await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    (status, body)
}

/// Posts a BulkRequest that must succeed as a whole; returns its operation results.
pub(crate) async fn bulk_ok(
    app: &TestApp,
    operations: Value,
    fail_on_errors: Option<u64>,
) -> Vec<Value> {
    let (status, body) = bulk(app, operations, fail_on_errors).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["schemas"], json!([BULK_RESPONSE]));
    body["Operations"].as_array().unwrap().clone()
}

fn post_user(bulk_id: &str, user_name: &str) -> Value {
    json!({ "method": "POST", "path": "/Users", "bulkId": bulk_id, "data": user_body(user_name) })
}

fn post_group(bulk_id: &str, name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({ "value": m })).collect();
    json!({
        "method": "POST", "path": "/Groups", "bulkId": bulk_id,
        "data": { "schemas": [GROUP], "displayName": name, "members": members },
    })
}

/// The id at the end of a result's location.
pub(crate) fn id_in(result: &Value) -> String {
    let location = result["location"].as_str().expect("a location");
    location.rsplit('/').next().unwrap().to_owned()
}

/// The status of each operation result, in order.
pub(crate) fn statuses(results: &[Value]) -> Vec<&str> {
    results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect()
}

/// Asserts an operation failed with this status and scimType, with a SCIM error as response.
pub(crate) fn assert_failed(result: &Value, status: &str, scim_type: Option<&str>) {
    assert_eq!(result["status"], status, "{result}");
    let response = &result["response"];
    assert_eq!(
        response["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(response["status"], status, "{result}");
    assert!(response["detail"].as_str().is_some_and(|d| !d.is_empty()));
    match scim_type {
        Some(t) => assert_eq!(response["scimType"], t, "{result}"),
        None => assert!(response.get("scimType").is_none(), "{result}"),
    }
}

async fn member_ids(app: &TestApp, group_id: &str) -> Vec<String> {
    let group: Value = app
        .get(&format!("/Groups/{group_id}"))
        .await
        .json()
        .await
        .unwrap();
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

async fn total_users(app: &TestApp, filter: &str) -> u64 {
    let listed: Value = app
        .get(&format!("/Users?filter={}", urlencode(filter)))
        .await
        .json()
        .await
        .unwrap();
    listed["totalResults"].as_u64().unwrap()
}

fn urlencode(s: &str) -> String {
    s.replace('%', "%25")
        .replace(' ', "%20")
        .replace('"', "%22")
}

#[actix_web::test]
async fn a_group_listed_before_its_users_references_them_by_bulk_id() {
    let app = spawn_app().await;
    let results = bulk_ok(
        &app,
        json!([
            post_group("g", "Tour Guides", &["bulkId:alice", "bulkId:bob"]),
            post_user("alice", "alice@example.com"),
            post_user("bob", "bob@example.com"),
        ]),
        None,
    )
    .await;
    assert_eq!(results.len(), 3);
    for (result, bulk_id) in results.iter().zip(["g", "alice", "bob"]) {
        assert_eq!(result["method"], "POST");
        assert_eq!(result["bulkId"], bulk_id, "results are in request order");
        assert_eq!(result["status"], "201", "{result}");
        assert!(result["version"].as_str().unwrap().starts_with("W/\""));
        assert!(result.get("response").is_none());
    }
    assert!(results[0]["location"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/Groups/", app.scim)));
    let (alice, bob) = (id_in(&results[1]), id_in(&results[2]));
    let mut expected = vec![alice.clone(), bob];
    expected.sort();
    assert_eq!(member_ids(&app, &id_in(&results[0])).await, expected);
    let user: Value = app
        .get(&format!("/Users/{alice}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["userName"], "alice@example.com");

    // Each operation is audited by the services, as the connection.
    let events: Value = app.admin_get("/audit-events").await.json().await.unwrap();
    let events = events["events"].as_array().unwrap();
    let created = events
        .iter()
        .find(|e| e["action"] == "user.created" && e["target_id"] == alice.as_str())
        .expect("the bulk create is audited");
    assert_eq!(created["actor_kind"], "idp_connection");
    assert!(events
        .iter()
        .any(|e| e["action"] == "group.created" && e["target_id"] == id_in(&results[0])));
}

#[actix_web::test]
async fn put_patch_and_delete_operations_act_on_existing_and_new_resources() {
    let app = spawn_app().await;
    let carol = id_of(&app.create_user("carol@example.com").await);
    let dave = id_of(&app.create_user("dave@example.com").await);
    let mut replaced = user_body("carol@example.com");
    replaced["displayName"] = json!("Carol Replaced");
    let results = bulk_ok(
        &app,
        json!([
            { "method": "PUT", "path": format!("/Users/{carol}"), "data": replaced },
            { "method": "patch", "path": format!("/Users/{carol}"), "data": {
                "schemas": [PATCH_OP],
                "Operations": [{ "op": "replace", "path": "title", "value": "Guide" }],
            }},
            { "method": "DELETE", "path": format!("/Users/{dave}") },
            { "method": "PATCH", "path": "/Groups/bulkId:team", "data": {
                "schemas": [PATCH_OP],
                "Operations": [{
                    "op": "add", "path": "members", "value": [{ "value": "bulkId:erin" }],
                }],
            }},
            post_group("team", "Team", &[carol.as_str()]),
            post_user("erin", "erin@example.com"),
        ]),
        None,
    )
    .await;
    let statuses = statuses(&results);
    assert_eq!(
        statuses,
        ["200", "200", "204", "200", "201", "201"],
        "{results:?}"
    );
    assert_eq!(
        results[1]["method"], "PATCH",
        "the method is echoed upper-cased"
    );
    assert_eq!(
        results[0]["location"],
        format!("{}/Users/{carol}", app.scim)
    );
    assert_eq!(results[2]["location"], format!("{}/Users/{dave}", app.scim));
    assert!(results[2].get("version").is_none());
    assert_ne!(results[0]["version"], results[1]["version"]);

    let user: Value = app
        .get(&format!("/Users/{carol}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["displayName"], "Carol Replaced");
    assert_eq!(user["title"], "Guide");
    assert_eq!(app.get(&format!("/Users/{dave}")).await.status(), 404);
    let team = id_in(&results[4]);
    assert_eq!(
        id_in(&results[3]),
        team,
        "the PATCH path resolved to the new group"
    );
    let mut expected = vec![carol, id_in(&results[5])];
    expected.sort();
    assert_eq!(member_ids(&app, &team).await, expected);
}

#[actix_web::test]
async fn fail_on_errors_stops_after_that_many_errors_and_omits_the_rest() {
    let app = spawn_app().await;
    let bad = json!({ "method": "POST", "path": "/Users", "bulkId": "bad",
                      "data": { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"] } });
    let results = bulk_ok(
        &app,
        json!([
            post_user("one", "one@example.com"),
            bad,
            post_user("three", "three@example.com"),
        ]),
        Some(1),
    )
    .await;
    assert_eq!(results.len(), 2, "the third operation is not processed");
    assert_eq!(results[0]["status"], "201");
    assert_failed(&results[1], "400", Some("invalidValue"));
    assert!(
        results[1].get("location").is_none(),
        "a failed POST has no location"
    );
    assert_eq!(
        total_users(&app, "userName eq \"three@example.com\"").await,
        0
    );
    assert_eq!(
        total_users(&app, "userName eq \"one@example.com\"").await,
        1
    );

    // failOnErrors: 2 lets the first error pass.
    let results = bulk_ok(
        &app,
        json!([
            { "method": "DELETE", "path": "/Users/nobody-1" },
            post_user("four", "four@example.com"),
            { "method": "DELETE", "path": "/Users/nobody-2" },
            post_user("five", "five@example.com"),
        ]),
        Some(2),
    )
    .await;
    let statuses = statuses(&results);
    assert_eq!(statuses, ["404", "201", "404"]);
    assert_eq!(
        total_users(&app, "userName eq \"five@example.com\"").await,
        0
    );
}

#[actix_web::test]
async fn bad_operations_fail_alone_and_the_good_ones_still_run() {
    let app = spawn_app().await;
    let results = bulk_ok(
        &app,
        json!([
            post_user("a", "a@example.com"),
            { "method": "GET", "path": "/Users", "bulkId": "get" },
            { "method": "POST", "path": "/Widgets", "bulkId": "w", "data": {} },
            { "method": "POST", "path": "/Users/abc", "bulkId": "p",
              "data": user_body("p@example.com") },
            { "method": "PUT", "path": "/Users", "data": user_body("q@example.com") },
            { "method": "POST", "path": "/Users", "data": user_body("nobulkid@example.com") },
            { "method": "DELETE", "path": "/Users/does-not-exist" },
            { "method": "PATCH", "path": "/Users/bulkId:a", "data": { "Operations": [] } },
            post_user("dup", "a@example.com"),
            { "method": "PUT", "path": "/Users/bulkId:nowhere",
              "data": user_body("x@example.com") },
            post_user("a", "again@example.com"),
            "not an object",
            post_user("b", "b@example.com"),
            { "method": "DELETE", "path": "/Groups/bulkId:w" },
        ]),
        None,
    )
    .await;
    assert_eq!(results.len(), 14, "every operation is processed");
    assert_eq!(results[0]["status"], "201");
    assert_failed(&results[1], "400", Some("invalidSyntax"));
    assert_eq!(results[1]["method"], "GET");
    assert_failed(&results[2], "400", Some("invalidPath"));
    assert_failed(&results[3], "400", Some("invalidPath"));
    assert_failed(&results[4], "400", Some("invalidPath"));
    assert_failed(&results[5], "400", Some("invalidValue"));
    assert_failed(&results[6], "404", None);
    assert_eq!(
        results[6]["location"],
        format!("{}/Users/does-not-exist", app.scim),
        "a failed DELETE keeps its location"
    );
    assert_failed(&results[7], "400", Some("invalidSyntax"));
    assert_eq!(id_in(&results[7]), id_in(&results[0]));
    assert_failed(&results[8], "409", Some("uniqueness"));
    assert_failed(&results[9], "400", Some("invalidValue"));
    assert_failed(&results[10], "400", Some("invalidValue"));
    assert_failed(&results[11], "400", Some("invalidSyntax"));
    assert_eq!(results[12]["status"], "201");
    assert_failed(&results[13], "409", None);
    assert!(
        results[13].get("location").is_none(),
        "the reference never resolved"
    );
    assert_eq!(total_users(&app, "userName sw \"again\"").await, 0);
    assert_eq!(total_users(&app, "userName eq \"b@example.com\"").await, 1);
}

#[actix_web::test]
async fn circular_references_fail_with_409_and_so_do_operations_that_depend_on_them() {
    let app = spawn_app().await;
    let results = bulk_ok(
        &app,
        json!([
            post_group("ga", "Group A", &["bulkId:gb"]),
            post_group("gb", "Group B", &["bulkId:ga"]),
            post_group("gc", "Group C", &["bulkId:ga"]),
            post_group("self", "Self", &["bulkId:self"]),
            post_user("u", "u@example.com"),
            post_group("gd", "Group D", &["bulkId:u"]),
        ]),
        None,
    )
    .await;
    assert_eq!(results.len(), 6);
    for i in [0, 1, 3] {
        assert_failed(&results[i], "409", None);
        assert!(results[i]["response"]["detail"]
            .as_str()
            .unwrap()
            .contains("circular"));
    }
    assert_failed(&results[2], "409", None);
    assert!(results[2]["response"]["detail"]
        .as_str()
        .unwrap()
        .contains("failed"));
    assert_eq!(results[4]["status"], "201");
    assert_eq!(results[5]["status"], "201");
    let groups: Value = app.get("/Groups").await.json().await.unwrap();
    assert_eq!(groups["totalResults"], 1, "only Group D exists: {groups}");
}

#[actix_web::test]
async fn a_version_that_does_not_match_fails_that_operation_with_412() {
    let app = spawn_app().await;
    let res = app.post("/Users", user_body("v@example.com")).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let id = id_of(&res.json::<Value>().await.unwrap());
    let patch = |title: &str| {
        json!({ "schemas": [PATCH_OP],
                "Operations": [{ "op": "replace", "path": "title", "value": title }] })
    };
    let results = bulk_ok(
        &app,
        json!([
            { "method": "PATCH", "path": format!("/Users/{id}"), "version": "W/\"999\"",
              "data": patch("stale") },
            { "method": "PATCH", "path": format!("/Users/{id}"), "version": etag,
              "data": patch("fresh") },
            { "method": "DELETE", "path": format!("/Users/{id}"), "version": etag },
        ]),
        None,
    )
    .await;
    assert_failed(&results[0], "412", None);
    assert_eq!(results[0]["location"], format!("{}/Users/{id}", app.scim));
    assert_eq!(results[1]["status"], "200");
    assert_ne!(results[1]["version"], etag);
    assert_failed(&results[2], "412", None);
    let user: Value = app.get(&format!("/Users/{id}")).await.json().await.unwrap();
    assert_eq!(user["title"], "fresh");
}

#[actix_web::test]
async fn more_operations_than_max_operations_is_413_and_runs_nothing() {
    let database = TestDatabase::fresh();
    let mut settings = test_settings(&database.url);
    settings.scim.bulk_max_operations = 2;
    let app = spawn_with(settings, database).await;
    let (status, body) = bulk(
        &app,
        json!([
            post_user("1", "1@example.com"),
            post_user("2", "2@example.com"),
            post_user("3", "3@example.com"),
        ]),
        None,
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["status"], "413");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("maxOperations (2)"));
    assert_eq!(total_users(&app, "userName eq \"1@example.com\"").await, 0);
    let results = bulk_ok(&app, json!([post_user("1", "1@example.com")]), None).await;
    assert_eq!(results[0]["status"], "201");
}

#[actix_web::test]
async fn the_bulk_body_limit_is_max_payload_size_not_the_generic_body_limit() {
    let database = TestDatabase::fresh();
    let mut settings = test_settings(&database.url);
    settings.http.max_body_bytes = 1024;
    settings.scim.bulk_max_payload_bytes = 8192;
    let app = spawn_with(settings, database).await;
    let ops = |n: usize| -> Value {
        (0..n)
            .map(|i| post_user(&format!("u{i}"), &format!("user{i}@example.com")))
            .collect()
    };
    // About 4 KB: over the generic limit, within maxPayloadSize.
    let results = bulk_ok(&app, ops(16), None).await;
    assert_eq!(results.len(), 16);
    assert!(results.iter().all(|r| r["status"] == "201"));
    // About 16 KB: over maxPayloadSize.
    let (status, body) = bulk(&app, ops(64), None).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["status"], "413");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("maxPayloadSize (8192"));
    assert_eq!(total_users(&app, "userName sw \"user\"").await, 16);
}

#[actix_web::test]
async fn a_malformed_bulk_request_is_400_as_a_whole() {
    let app = spawn_app().await;
    let cases = [
        (json!({ "Operations": [] }), "invalidSyntax"),
        (json!({ "schemas": [BULK_REQUEST] }), "invalidSyntax"),
        (
            json!({ "schemas": [BULK_REQUEST], "Operations": {} }),
            "invalidSyntax",
        ),
        (
            json!({ "schemas": [BULK_REQUEST], "failOnErrors": 0, "Operations": [] }),
            "invalidValue",
        ),
        (json!([]), "invalidSyntax"),
    ];
    for (body, scim_type) in cases {
        let res = app.post("/Bulk", body.clone()).await;
        assert_eq!(res.status(), 400, "{body}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["scimType"], scim_type, "{body}");
    }
    let results = bulk_ok(&app, json!([]), None).await;
    assert!(results.is_empty());
    let res = app
        .client
        .post(format!("{}/Bulk", app.scim))
        .header("Content-Type", common::SCIM_JSON)
        .body(json!({ "schemas": [BULK_REQUEST], "Operations": [] }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "Bulk needs the connection's token");
}

#[actix_web::test]
async fn the_service_provider_config_advertises_bulk_with_its_limits() {
    let app = spawn_app().await;
    let config: Value = app
        .get("/ServiceProviderConfig")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        config["bulk"],
        json!({ "supported": true, "maxOperations": 1000, "maxPayloadSize": 1048576 })
    );
}
