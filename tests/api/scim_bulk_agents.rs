//! SCIM Bulk (RFC 7644 §3.7) on Agents and AgenticApplications, as on Users and Groups: every
//! method, `bulkId` references across types, per-operation errors and `failOnErrors`, name
//! uniqueness per operation, `version` as If-Match, stewardship by the provisioning connection,
//! tenant isolation and audit.

use crate::common;
use crate::scim_agents::{admin_api, admin_created_actor, agent_body, app_body};
use crate::scim_bulk::{assert_failed, bulk_ok, id_in, statuses, PATCH_OP};

use common::{filter_query, id_of, spawn_app, user_body, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn post(path: &str, bulk_id: &str, data: Value) -> Value {
    json!({ "method": "POST", "path": path, "bulkId": bulk_id, "data": data })
}

fn patch_active(path: &str, active: bool) -> Value {
    json!({
        "method": "PATCH", "path": path,
        "data": { "schemas": [PATCH_OP],
                  "Operations": [{ "op": "replace", "path": "active", "value": active }] },
    })
}

/// Posts a BulkRequest with another connection's token; the operation results.
async fn bulk_as(app: &TestApp, token: &str, operations: Value) -> Vec<Value> {
    let body = json!({ "schemas": [BULK_REQUEST], "Operations": operations });
    let reply = app
        .send_as(token, Method::POST, "/Bulk", Some(body))
        .await
        .expect(200);
    reply.body["Operations"].as_array().unwrap().clone()
}

/// How many resources at `endpoint` match `filter`.
async fn count(app: &TestApp, endpoint: &str, filter: &str) -> u64 {
    app.get_ok(&format!("{endpoint}{}", filter_query(filter)))
        .await["totalResults"]
        .as_u64()
        .unwrap()
}

#[actix_web::test]
async fn agents_and_applications_are_created_in_bulk_and_referenced_by_bulk_id() {
    let app = spawn_app().await;
    let mut application = app_body("support-desk");
    application["agents"] = json!([{ "value": "bulkId:bot" }]);
    let mut agent = agent_body("helpdesk-bot");
    agent["owners"] = json!([{ "value": "bulkId:owner" }]);
    let mut renamed = app_body("support-desk");
    renamed["displayName"] = json!("Support Desk");
    renamed["agents"] = json!([{ "value": "bulkId:bot" }]);
    // Listed before what they reference: references resolve whatever the order (§3.7.2).
    let results = bulk_ok(
        &app,
        json!([
            post("/AgenticApplications", "desk", application),
            patch_active("/Agents/bulkId:bot", false),
            { "method": "PUT", "path": "/AgenticApplications/bulkId:desk", "data": renamed },
            post("/Agents", "bot", agent),
            post("/Users", "owner", user_body("owner@example.com")),
            post("/Agents", "short-lived", agent_body("short-lived")),
            { "method": "DELETE", "path": "/Agents/bulkId:short-lived" },
        ]),
        None,
    )
    .await;
    let statuses = statuses(&results);
    assert_eq!(
        statuses,
        ["201", "200", "200", "201", "201", "201", "204"],
        "{results:?}"
    );
    for result in &results[..6] {
        assert!(result["version"].as_str().unwrap().starts_with("W/\""));
    }
    let (desk, bot, owner) = (id_in(&results[0]), id_in(&results[3]), id_in(&results[4]));
    assert_eq!(
        results[0]["location"],
        format!("{}/AgenticApplications/{desk}", app.scim)
    );
    assert_eq!(results[3]["location"], format!("{}/Agents/{bot}", app.scim));
    assert_eq!(results[1]["location"], results[3]["location"]);
    assert_eq!(
        results[6]["location"],
        format!("{}/Agents/{}", app.scim, id_in(&results[5]))
    );

    let read_agent = app.get_ok(&format!("/Agents/{bot}")).await;
    assert_eq!(read_agent["active"], false);
    assert_eq!(read_agent["owners"][0]["value"], owner);
    assert_eq!(read_agent["meta"]["version"], results[1]["version"]);
    let read_app = app.get_ok(&format!("/AgenticApplications/{desk}")).await;
    assert_eq!(read_app["displayName"], "Support Desk");
    assert_eq!(read_app["agents"][0]["value"], bot);
    assert_eq!(read_app["meta"]["version"], results[2]["version"]);
    app.get_reply(&format!("/Agents/{}", id_in(&results[5])))
        .await
        .expect_error(404, None);

    // Each operation wrote its own event, attributed to the connection.
    let events = admin_api(&app, Method::GET, "/audit-events?limit=50", None).await;
    let events = events["events"].as_array().unwrap();
    let event = |action: &str, target: &str| {
        events
            .iter()
            .find(|e| e["action"] == action && e["target_id"] == target)
            .unwrap_or_else(|| panic!("no {action} event for {target}"))
            .clone()
    };
    for (action, target) in [
        ("agent.created", &bot),
        ("agent.patched", &bot),
        ("agentic_application.created", &desk),
        ("agentic_application.replaced", &desk),
        ("agent.deleted", &id_in(&results[5])),
    ] {
        let e = event(action, target);
        assert_eq!(e["actor_kind"], "idp_connection", "{e}");
        assert_eq!(e["actor_id"], app.creds.scim_connection_id.to_string());
    }
}

#[actix_web::test]
async fn fail_on_errors_stops_after_a_failed_agent_operation() {
    let app = spawn_app().await;
    let mut nameless = agent_body("ignored");
    nameless.as_object_mut().unwrap().remove("name");
    let body = json!({
        "schemas": [BULK_REQUEST],
        "failOnErrors": 1,
        "Operations": [
            post("/Agents", "first", agent_body("first")),
            post("/Agents", "nameless", nameless),
            post("/AgenticApplications", "never", app_body("never")),
            post("/Agents", "neither", agent_body("neither")),
        ],
    });
    let reply = app.post_reply("/Bulk", body).await.expect(200);
    let results = reply.body["Operations"].as_array().unwrap();
    assert_eq!(results.len(), 2, "processing stops at the first error");
    assert_eq!(results[0]["status"], "201");
    assert_failed(&results[1], "400", Some("invalidValue"));
    assert!(
        results[1].get("location").is_none(),
        "a failed POST has none"
    );
    assert_eq!(count(&app, "/Agents", "name eq \"first\"").await, 1);
    assert_eq!(count(&app, "/Agents", "name eq \"neither\"").await, 0);
    assert_eq!(
        count(&app, "/AgenticApplications", "name eq \"never\"").await,
        0
    );
}

#[actix_web::test]
async fn a_taken_name_fails_only_its_operation_with_409() {
    let app = spawn_app().await;
    let existing = app
        .post_reply("/Agents", agent_body("taken"))
        .await
        .expect(201)
        .body;
    let mut rename = agent_body("taken");
    rename["displayName"] = json!("Renamed onto a taken name");
    let results = bulk_ok(
        &app,
        json!([
            post("/Agents", "dup", agent_body("taken")),
            post("/AgenticApplications", "a1", app_body("desk")),
            post("/AgenticApplications", "a2", app_body("desk")),
            post("/Agents", "other", agent_body("other")),
            { "method": "PUT", "path": "/Agents/bulkId:other", "data": rename },
            post("/Agents", "fine", agent_body("fine")),
        ]),
        None,
    )
    .await;
    assert_eq!(results.len(), 6, "every operation is processed");
    assert_failed(&results[0], "409", Some("uniqueness"));
    assert_eq!(results[1]["status"], "201");
    assert_failed(&results[2], "409", Some("uniqueness"));
    assert_eq!(results[3]["status"], "201");
    assert_failed(&results[4], "409", Some("uniqueness"));
    assert_eq!(results[4]["location"], results[3]["location"]);
    assert_eq!(results[5]["status"], "201");
    assert_eq!(count(&app, "/Agents", "name eq \"taken\"").await, 1);
    let other = app.get_ok(&format!("/Agents/{}", id_in(&results[3]))).await;
    assert_eq!(other["name"], "other", "the failed PUT changed nothing");
    let unchanged = app.get_ok(&format!("/Agents/{}", id_of(&existing))).await;
    assert_eq!(unchanged, existing);
}

#[actix_web::test]
async fn a_version_that_does_not_match_fails_that_agent_operation_with_412() {
    let app = spawn_app().await;
    let created = app
        .post_reply("/Agents", agent_body("versioned"))
        .await
        .expect(201);
    let etag = created.header("etag");
    let path = format!("/Agents/{}", id_of(&created.body));
    let mut stale = patch_active(&path, false);
    stale["version"] = json!("W/\"999\"");
    let mut fresh = patch_active(&path, false);
    fresh["version"] = json!(etag);
    let results = bulk_ok(
        &app,
        json!([
            stale,
            fresh,
            { "method": "DELETE", "path": path, "version": etag },
        ]),
        None,
    )
    .await;
    assert_failed(&results[0], "412", None);
    assert_eq!(results[0]["location"], format!("{}{path}", app.scim));
    assert_eq!(results[1]["status"], "200");
    assert_ne!(results[1]["version"], etag);
    assert_failed(&results[2], "412", None);
    let read = app.get_ok(&path).await;
    assert_eq!(read["active"], false);
    assert_eq!(read["meta"]["version"], results[1]["version"]);
}

#[actix_web::test]
async fn a_connection_cannot_change_in_bulk_what_it_did_not_provision() {
    let app = spawn_app().await;
    let second = app.create_idp_connection("Second IdP", "generic").await;
    let theirs = bulk_as(
        &app,
        &second.secret,
        json!([
            post("/Agents", "a", agent_body("theirs")),
            post("/AgenticApplications", "b", app_body("their-app")),
        ]),
    )
    .await;
    let agent = format!("/Agents/{}", id_in(&theirs[0]));
    let application = format!("/AgenticApplications/{}", id_in(&theirs[1]));
    let admin_made = format!("/Agents/{}", admin_created_actor(&app, "admin-made"));
    let before = [
        app.get_ok(&agent).await,
        app.get_ok(&application).await,
        app.get_ok(&admin_made).await,
    ];

    let mut put = agent_body("theirs");
    put["displayName"] = json!("Hijacked");
    let results = bulk_ok(
        &app,
        json!([
            patch_active(&agent, false),
            { "method": "PUT", "path": agent, "data": put },
            { "method": "DELETE", "path": agent },
            { "method": "DELETE", "path": application },
            patch_active(&admin_made, false),
        ]),
        None,
    )
    .await;
    assert_eq!(results.len(), 5);
    for result in &results {
        assert_failed(result, "403", None);
    }
    let after = [
        app.get_ok(&agent).await,
        app.get_ok(&application).await,
        app.get_ok(&admin_made).await,
    ];
    assert_eq!(after, before, "nothing changed");

    // Their own connection may.
    let results = bulk_as(
        &app,
        &second.secret,
        json!([
            { "method": "DELETE", "path": agent },
            { "method": "DELETE", "path": application },
        ]),
    )
    .await;
    assert_eq!(results[0]["status"], "204", "{results:?}");
    assert_eq!(results[1]["status"], "204", "{results:?}");
    app.get_reply(&agent).await.expect_error(404, None);
}

#[actix_web::test]
async fn another_organizations_agents_are_404_in_bulk() {
    let app = spawn_app().await;
    let created = bulk_ok(
        &app,
        json!([
            post("/Agents", "a", agent_body("private")),
            post("/AgenticApplications", "b", app_body("private-app")),
        ]),
        None,
    )
    .await;
    let agent = format!("/Agents/{}", id_in(&created[0]));
    let application = format!("/AgenticApplications/{}", id_in(&created[1]));
    let other = app.other_organization("bulk-agents-tenant.example");
    let results = bulk_as(
        &app,
        &other.scim_token,
        json!([
            patch_active(&agent, false),
            { "method": "PUT", "path": application, "data": app_body("renamed") },
            { "method": "DELETE", "path": agent },
            { "method": "DELETE", "path": application },
        ]),
    )
    .await;
    assert_eq!(results.len(), 4);
    for result in &results {
        assert_failed(result, "404", None);
    }
    assert_eq!(app.get_ok(&agent).await["active"], true);
    assert_eq!(app.get_ok(&application).await["name"], "private-app");
}
