//! App actors over SCIM (draft-abbey-scim-agent-extension-00): `/Agents` and
//! `/AgenticApplications` with the lifecycle an IdP drives (create, read, replace, deactivate,
//! delete), filters and paging in SQL, `If-Match`, uniqueness of `name`, stewardship by the
//! provisioning connection, tenant isolation and the discovery documents. An Agent is an app
//! actor: never a user, and its tokens end with it.

use crate::common;

use common::{filter_query, id_of, ids_in, raw, spawn_app, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const AGENT: &str = "urn:ietf:params:scim:schemas:core:2.0:Agent";
const APP: &str = "urn:ietf:params:scim:schemas:core:2.0:AgenticApplication";

pub(crate) fn agent_body(name: &str) -> Value {
    json!({
        "schemas": [AGENT],
        "name": name,
        "displayName": format!("Agent {name}"),
        "active": true,
    })
}

pub(crate) fn app_body(name: &str) -> Value {
    json!({
        "schemas": [APP],
        "name": name,
        "displayName": format!("App {name}"),
        "active": true,
    })
}

async fn create_agent(app: &TestApp, body: Value) -> Value {
    app.post_reply("/Agents", body).await.expect(201).body
}

/// Runs the lifecycle scim-sanity runs on a type: POST → GET → PUT → PATCH active=false → GET
/// → DELETE → GET 404, checking what each answer must carry.
async fn lifecycle(app: &TestApp, endpoint: &str, resource_type: &str, body: Value) {
    let mut body = body;
    // A client-supplied id is ignored (RFC 7643 §3.1: assigned by the service provider).
    body["id"] = json!("client-chosen-id");
    let created = app.post_reply(endpoint, body).await.expect(201);
    let id = id_of(&created.body);
    assert_ne!(id, "client-chosen-id");
    assert_eq!(created.body["meta"]["resourceType"], resource_type);
    let location = format!("{}{endpoint}/{id}", app.scim);
    assert_eq!(created.header("location"), location);
    assert_eq!(created.body["meta"]["location"], location);
    assert_eq!(created.header("etag"), created.body["meta"]["version"]);
    assert_eq!(created.body["active"], true);

    let path = format!("{endpoint}/{id}");
    let read = app.get_ok(&path).await;
    assert_eq!(read, created.body);

    let mut put = read.clone();
    put.as_object_mut().unwrap().remove("meta");
    put["displayName"] = json!("Renamed");
    let replaced = app.put_reply(&path, put).await.expect(200).body;
    assert_eq!(replaced["displayName"], "Renamed");
    assert_ne!(replaced["meta"]["version"], read["meta"]["version"]);

    let patched = app
        .patch_ops(
            &path,
            json!([{ "op": "replace", "path": "active", "value": false }]),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(patched["active"], false);
    let read = app.get_ok(&path).await;
    assert_eq!(read["active"], false);
    assert_eq!(read["displayName"], "Renamed");

    app.delete_reply(&path).await.expect(204);
    app.get_reply(&path).await.expect_error(404, None);
    app.delete_reply(&path).await.expect_error(404, None);
}

#[actix_web::test]
async fn an_agent_goes_through_its_whole_lifecycle() {
    let app = spawn_app().await;
    lifecycle(&app, "/Agents", "Agent", agent_body("helpdesk-bot")).await;
}

#[actix_web::test]
async fn an_agentic_application_goes_through_its_whole_lifecycle() {
    let app = spawn_app().await;
    lifecycle(
        &app,
        "/AgenticApplications",
        "AgenticApplication",
        app_body("support-desk"),
    )
    .await;
}

#[actix_web::test]
async fn an_agent_keeps_the_draft_attributes_it_does_not_interpret() {
    let app = spawn_app().await;
    let mut body = agent_body("researcher");
    body["agentType"] = json!("Researcher");
    body["description"] = json!("Finds papers");
    body["externalId"] = json!("ext-1");
    body["subject"] = json!("oidc-sub-42");
    body["protocols"] =
        json!([{ "type": "MCP-Server", "specificationUrl": "https://example.com/mcp" }]);
    // Read-only and null values are ignored, as for users.
    body["groups"] = json!([{ "value": "some-group" }]);
    body["parent"] = Value::Null;
    let created = create_agent(&app, body).await;
    assert_eq!(created["agentType"], "Researcher");
    assert_eq!(created["description"], "Finds papers");
    assert_eq!(created["externalId"], "ext-1");
    assert_eq!(created["subject"], "oidc-sub-42");
    assert_eq!(created["protocols"][0]["type"], "MCP-Server");
    assert!(created.get("groups").is_none(), "{created}");
    assert!(created.get("parent").is_none(), "{created}");
    assert_eq!(created["schemas"], json!([AGENT]));

    // PUT replaces: what it leaves out (or sends as null) is gone.
    let path = format!("/Agents/{}", id_of(&created));
    let mut put = agent_body("researcher");
    put["description"] = Value::Null;
    let replaced = app.put_reply(&path, put).await.expect(200).body;
    for gone in [
        "description",
        "agentType",
        "subject",
        "protocols",
        "externalId",
    ] {
        assert!(replaced.get(gone).is_none(), "{gone} in {replaced}");
    }
    // Unassigned `active` (RFC 7644 §3.5.2.2 remove) is shown as absent and means active.
    let removed = app
        .patch_ops(&path, json!([{ "op": "remove", "path": "active" }]))
        .await
        .expect(200)
        .body;
    assert!(removed.get("active").is_none(), "{removed}");
    let active = app
        .get_ok(&format!("/Agents{}", filter_query("active eq true")))
        .await;
    assert_eq!(ids_in(&active), [id_of(&created)]);
    // groups are read-only for agents, as for users.
    app.patch_ops(
        &path,
        json!([{ "op": "add", "path": "groups", "value": [{ "value": "g" }] }]),
    )
    .await
    .expect_error(400, Some("mutability"));
}

#[actix_web::test]
async fn name_is_required_and_unique_in_the_organization() {
    let app = spawn_app().await;
    for endpoint in ["/Agents", "/AgenticApplications"] {
        let schema = if endpoint == "/Agents" { AGENT } else { APP };
        app.post_reply(
            endpoint,
            json!({ "schemas": [schema], "displayName": "No name" }),
        )
        .await
        .expect_error(400, Some("invalidValue"));
        let body = json!({ "schemas": [schema], "name": "dup" });
        app.post_reply(endpoint, body.clone()).await.expect(201);
        app.post_reply(endpoint, body.clone())
            .await
            .expect_error(409, Some("uniqueness"));
        // Renaming onto a taken name is refused too, and changes nothing.
        let other = app
            .post_reply(endpoint, json!({ "schemas": [schema], "name": "other" }))
            .await
            .expect(201)
            .body;
        let path = format!("{endpoint}/{}", id_of(&other));
        app.patch_ops(
            &path,
            json!([{ "op": "replace", "path": "name", "value": "dup" }]),
        )
        .await
        .expect_error(409, Some("uniqueness"));
        assert_eq!(app.get_ok(&path).await["name"], "other");
    }
    // Another organization has its own names.
    let other = app.other_organization("agents-elsewhere.example");
    let reply = app
        .send_as(
            &other.scim_token,
            Method::POST,
            "/Agents",
            Some(json!({ "schemas": [AGENT], "name": "dup" })),
        )
        .await;
    reply.expect(201);
}

#[actix_web::test]
async fn agents_are_filtered_sorted_and_paged_in_sql() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for (i, kind) in ["Assistant", "Researcher", "Assistant", "Bot", "Assistant"]
        .iter()
        .enumerate()
    {
        let mut body = agent_body(&format!("agent-{i}"));
        body["agentType"] = json!(kind);
        body["externalId"] = json!(format!("ext-{i}"));
        body["subject"] = json!(format!("sub-{i}"));
        body["active"] = json!(i != 3);
        ids.push(id_of(&create_agent(&app, body).await));
    }
    let ids_where = |filter: &str| {
        let app = &app;
        let filter = filter.to_owned();
        async move {
            ids_in(
                &app.get_ok(&format!("/Agents{}", filter_query(&filter)))
                    .await,
            )
        }
    };
    assert_eq!(ids_where(r#"name eq "agent-2""#).await, [ids[2].clone()]);
    assert_eq!(
        ids_where(r#"externalId eq "ext-4""#).await,
        [ids[4].clone()]
    );
    assert_eq!(
        ids_where(r#"agentType eq "assistant""#).await,
        [ids[0].clone(), ids[2].clone(), ids[4].clone()]
    );
    assert_eq!(ids_where("active eq false").await, [ids[3].clone()]);
    assert_eq!(
        ids_where(r#"displayName sw "Agent agent-1""#).await,
        [ids[1].clone()]
    );
    // An attribute kept in the document is filtered in SQL too.
    assert_eq!(ids_where(r#"subject eq "sub-3""#).await, [ids[3].clone()]);
    assert_eq!(
        ids_where(r#"agentType eq "Bot" or name eq "agent-0""#).await,
        [ids[0].clone(), ids[3].clone()]
    );
    assert_eq!(
        ids_where(r#"meta.created gt "2000-01-01T00:00:00Z""#)
            .await
            .len(),
        5
    );
    // name is caseExact: it is compared as its unique key compares it.
    assert!(ids_where(r#"name eq "AGENT-2""#).await.is_empty());
    app.get_reply(&format!("/Agents{}", filter_query(r#"nope eq "x""#)))
        .await
        .expect_error(400, Some("invalidFilter"));

    // Paging and sorting.
    let page = app.get_ok("/Agents?startIndex=2&count=2").await;
    assert_eq!(page["totalResults"], 5);
    assert_eq!(page["startIndex"], 2);
    assert_eq!(ids_in(&page), [ids[1].clone(), ids[2].clone()]);
    let sorted = app
        .get_ok("/Agents?sortBy=name&sortOrder=descending&count=2")
        .await;
    assert_eq!(ids_in(&sorted), [ids[4].clone(), ids[3].clone()]);
    let counted = app.get_ok("/Agents?count=0").await;
    assert_eq!(counted["totalResults"], 5);
    assert_eq!(counted["Resources"], json!([]));
    let searched = app
        .search("Agents", json!({ "filter": "agentType eq \"Bot\"" }))
        .await
        .expect(200)
        .body;
    assert_eq!(ids_in(&searched), [ids[3].clone()]);
}

#[actix_web::test]
async fn agentic_applications_are_filtered_on_columns_and_document() {
    let app = spawn_app().await;
    let first = app
        .post_reply("/AgenticApplications", app_body("crm"))
        .await
        .expect(201)
        .body;
    let mut body = app_body("wiki");
    body["active"] = json!(false);
    body["oAuthConfiguration"] = json!({ "clientId": "client-9", "issuer": "https://idp.example" });
    let second = app
        .post_reply("/AgenticApplications", body)
        .await
        .expect(201)
        .body;
    let ids_where = |filter: &'static str| {
        let app = &app;
        async move {
            ids_in(
                &app.get_ok(&format!("/AgenticApplications{}", filter_query(filter)))
                    .await,
            )
        }
    };
    assert_eq!(ids_where(r#"name eq "crm""#).await, [id_of(&first)]);
    assert_eq!(
        ids_where(r#"displayName eq "app wiki""#).await,
        [id_of(&second)]
    );
    assert_eq!(ids_where("active eq true").await, [id_of(&first)]);
    assert_eq!(
        ids_where(r#"oAuthConfiguration.clientId eq "client-9""#).await,
        [id_of(&second)]
    );
}

#[actix_web::test]
async fn if_match_makes_the_slower_writer_lose() {
    let app = spawn_app().await;
    let created = create_agent(&app, agent_body("racer")).await;
    let path = format!("/Agents/{}", id_of(&created));
    let seen = created["meta"]["version"].as_str().unwrap().to_owned();

    // The first writer, with the version it saw, wins.
    let first = app
        .send(
            Method::PATCH,
            &path,
            Some(common::patch_body(
                json!([{ "op": "replace", "path": "displayName", "value": "first" }]),
            )),
            &[("If-Match", &seen)],
        )
        .await
        .expect(200);
    // The second, with the same (now stale) version, gets 412 and changes nothing.
    let mut put = agent_body("racer");
    put["displayName"] = json!("second");
    app.send(Method::PUT, &path, Some(put), &[("If-Match", &seen)])
        .await
        .expect_error(412, None);
    app.send(Method::DELETE, &path, None, &[("If-Match", &seen)])
        .await
        .expect_error(412, None);
    let read = app.get_ok(&path).await;
    assert_eq!(read["displayName"], "first");
    assert_eq!(read["meta"]["version"], first.body["meta"]["version"]);
    // GET with If-None-Match on the current version: 304.
    let current = first.header("etag");
    app.send(Method::GET, &path, None, &[("If-None-Match", &current)])
        .await
        .expect(304);
    app.send(Method::DELETE, &path, None, &[("If-Match", &current)])
        .await
        .expect(204);
}

#[actix_web::test]
async fn another_organization_gets_404_for_an_agent() {
    let app = spawn_app().await;
    let agent = create_agent(&app, agent_body("private")).await;
    let application = app
        .post_reply("/AgenticApplications", app_body("private-app"))
        .await
        .expect(201)
        .body;
    let other = app.other_organization("agents-tenant.example");
    for path in [
        format!("/Agents/{}", id_of(&agent)),
        format!("/AgenticApplications/{}", id_of(&application)),
    ] {
        let token = other.scim_token.as_str();
        app.send_as(token, Method::GET, &path, None)
            .await
            .expect_error(404, None);
        let patch =
            common::patch_body(json!([{ "op": "replace", "path": "active", "value": false }]));
        app.send_as(token, Method::PATCH, &path, Some(patch))
            .await
            .expect_error(404, None);
        app.send_as(token, Method::DELETE, &path, None)
            .await
            .expect_error(404, None);
    }
    let list = app
        .send_as(&other.scim_token, Method::GET, "/Agents", None)
        .await
        .expect(200)
        .body;
    assert_eq!(list["totalResults"], 0);
    assert_eq!(
        app.get_ok(&format!("/Agents/{}", id_of(&agent))).await["active"],
        true
    );
}

/// An app actor made on the admin API: no connection manages it.
pub(crate) fn admin_created_actor(app: &TestApp, name: &str) -> String {
    let mut conn = raw::connect(&app.database.url);
    let now = gatehouse::clock::now();
    let id = uuid::Uuid::new_v4().to_string();
    gatehouse::db::app_actors::insert(
        &mut conn,
        &gatehouse::db::app_actors::AppActorRow {
            org_id: app.creds.org_id.to_string(),
            id: id.clone(),
            name: name.into(),
            display_name: None,
            description: None,
            agent_type: Some("integration".into()),
            active: true,
            owner_kind: None,
            owner_id: None,
            created_by: Some(app.creds.admin_user_id.to_string()),
            created_via: "admin".into(),
            connection_id: None,
            external_id: None,
            document: "{}".into(),
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
    id
}

/// An admin-API call as the super admin that must succeed; its body.
pub(crate) async fn admin_api(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    crate::governance::root(app, method, path, body)
        .await
        .expect_ok()
        .body
}

#[actix_web::test]
async fn a_connection_changes_only_the_agents_it_provisioned() {
    let app = spawn_app().await;
    let deactivate = json!([{ "op": "replace", "path": "active", "value": false }]);

    // Another connection's agent is out of reach.
    let second = app.create_idp_connection("Second IdP", "generic").await;
    let theirs = app
        .send_as(
            &second.secret,
            Method::POST,
            "/Agents",
            Some(agent_body("theirs")),
        )
        .await
        .expect(201)
        .body;
    let theirs_path = format!("/Agents/{}", id_of(&theirs));
    app.patch_ops(&theirs_path, deactivate.clone())
        .await
        .expect_error(403, None);
    app.delete_reply(&theirs_path).await.expect_error(403, None);
    // Everyone in the organization can read it.
    assert_eq!(app.get_ok(&theirs_path).await["active"], true);

    // An admin-created actor is out of reach until an admin allows take-over.
    let actor = admin_created_actor(&app, "admin-made");
    let path = format!("/Agents/{actor}");
    let read = app.get_ok(&path).await;
    assert_eq!(read["name"], "admin-made");
    assert_eq!(read["agentType"], "integration");
    app.patch_ops(&path, deactivate.clone())
        .await
        .expect_error(403, None);
    let connection = app.creds.scim_connection_id.to_string();
    admin_api(
        &app,
        Method::PATCH,
        &format!("/idp-connections/{connection}"),
        Some(json!({ "takeover_unmanaged_users": true })),
    )
    .await;
    let patched = app
        .patch_ops(&path, deactivate.clone())
        .await
        .expect(200)
        .body;
    assert_eq!(patched["active"], false);
    // Now the bootstrap connection manages it; the second connection still can't touch it.
    app.send_as(
        &second.secret,
        Method::PATCH,
        &path,
        Some(common::patch_body(deactivate.clone())),
    )
    .await
    .expect_error(403, None);

    let events = admin_api(&app, Method::GET, "/audit-events?limit=50", None).await;
    let events = events["events"].as_array().unwrap();
    let taken = events
        .iter()
        .find(|e| e["action"] == "agent.taken_over")
        .expect("a take-over event");
    assert_eq!(taken["target_id"], actor);
    assert_eq!(taken["actor_kind"], "idp_connection");
    let created = events
        .iter()
        .find(|e| e["action"] == "agent.created" && e["target_id"] == id_of(&theirs))
        .expect("a creation event");
    assert_eq!(created["actor_id"], second.id);
    assert_eq!(created["target_kind"], "app_actor");
    let details: Value = serde_json::from_str(created["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["connection_id"], second.id);
}

#[actix_web::test]
async fn deleting_an_agent_revokes_its_tokens() {
    let app = spawn_app().await;
    let agent = create_agent(&app, agent_body("token-holder")).await;
    let id = id_of(&agent);
    let mut conn = raw::connect(&app.database.url);
    let now = gatehouse::clock::now();
    let token_id = uuid::Uuid::new_v4().to_string();
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "INSERT INTO tokens (id, org_id, kind, key_id, secret_hash, subject_id, name, \
             created_at) VALUES (?, ?, 'app_actor', ?, 'x', ?, 'ci', ?)",
        )
        .bind::<diesel::sql_types::Text, _>(&token_id)
        .bind::<diesel::sql_types::Text, _>(app.creds.org_id.to_string())
        .bind::<diesel::sql_types::Text, _>(uuid::Uuid::new_v4().simple().to_string())
        .bind::<diesel::sql_types::Text, _>(&id)
        .bind::<diesel::sql_types::Timestamp, _>(now),
        &mut conn,
    )
    .unwrap();
    app.delete_reply(&format!("/Agents/{id}")).await.expect(204);
    let token = gatehouse::db::tokens::find_in_org(&mut conn, app.creds.org_id.as_str(), &token_id)
        .unwrap()
        .expect("the token row stays, revoked");
    assert!(token.revoked_at.is_some());
}

#[actix_web::test]
async fn agents_are_never_users() {
    let app = spawn_app().await;
    let users_before = app.get_ok("/Users?count=0").await["totalResults"].clone();
    let admin_users_before = admin_api(&app, Method::GET, "/users", None).await;
    create_agent(&app, agent_body("not-a-person")).await;
    assert_eq!(
        app.get_ok("/Users?count=0").await["totalResults"],
        users_before
    );
    assert_eq!(
        admin_api(&app, Method::GET, "/users", None).await,
        admin_users_before
    );
    // A user and an agent may share a name: they are different things.
    let user = app.create_user("not-a-person").await;
    assert_eq!(user["userName"], "not-a-person");
    // The root search lists both, each with its own type.
    let all = app
        .post_reply(
            "/.search",
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": "displayName pr or userName pr",
            }),
        )
        .await
        .expect(200)
        .body;
    let types: Vec<&str> = all["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"Agent") && types.contains(&"User"),
        "{types:?}"
    );
}

#[actix_web::test]
async fn discovery_advertises_agents_and_agentic_applications() {
    let app = spawn_app().await;
    let types = app.get_ok("/ResourceTypes").await;
    let names: Vec<&str> = types["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["User", "Group", "Agent", "AgenticApplication"]);
    let agent = app.get_ok("/ResourceTypes/Agent").await;
    assert_eq!(agent["endpoint"], "/Agents");
    assert_eq!(agent["schema"], AGENT);
    let schema = app.get_ok(&format!("/Schemas/{AGENT}")).await;
    let name = schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "name")
        .unwrap();
    assert_eq!(name["required"], true);
    assert_eq!(name["uniqueness"], "server");
    app.get_ok(&format!("/Schemas/{APP}")).await;
    let config = app.get_ok("/ServiceProviderConfig").await;
    assert_eq!(
        config["agentExtension"],
        json!({ "supported": true, "agentsSupported": true, "agenticApplicationsSupported": true })
    );
}

#[actix_web::test]
async fn an_agentic_application_is_changed_only_by_its_connection() {
    let app = spawn_app().await;
    let second = app.create_idp_connection("Second IdP", "generic").await;
    let theirs = app
        .send_as(
            &second.secret,
            Method::POST,
            "/AgenticApplications",
            Some(app_body("their-app")),
        )
        .await
        .expect(201)
        .body;
    let path = format!("/AgenticApplications/{}", id_of(&theirs));
    app.patch_ops(&path, json!([{ "op": "remove", "path": "displayName" }]))
        .await
        .expect_error(403, None);
    app.delete_reply(&path).await.expect_error(403, None);
    // Its own connection removes an attribute, then deletes it.
    let patched = app
        .send_as(
            &second.secret,
            Method::PATCH,
            &path,
            Some(common::patch_body(
                json!([{ "op": "remove", "path": "displayName" }]),
            )),
        )
        .await
        .expect(200)
        .body;
    assert!(patched.get("displayName").is_none(), "{patched}");
    app.send_as(&second.secret, Method::DELETE, &path, None)
        .await
        .expect(204);
}

#[actix_web::test]
async fn a_root_search_narrows_a_filter_to_the_types_that_have_its_attributes() {
    let app = spawn_app().await;
    let mut body = agent_body("root-found");
    body["agentType"] = json!("Assistant");
    let agent = create_agent(&app, body).await;
    app.create_user("someone").await;
    let found = app
        .post_reply(
            "/.search",
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": "agentType eq \"assistant\"",
            }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(ids_in(&found), [id_of(&agent)]);
    assert_eq!(found["Resources"][0]["meta"]["resourceType"], "Agent");
}

#[actix_web::test]
async fn of_two_racing_writers_with_the_same_if_match_exactly_one_wins() {
    let app = spawn_app().await;
    let created = create_agent(&app, agent_body("raced")).await;
    let path = format!("/Agents/{}", id_of(&created));
    let seen = created["meta"]["version"].as_str().unwrap().to_owned();
    let writes = (0..6).map(|i| {
        let (app, path, seen) = (&app, path.clone(), seen.clone());
        async move {
            let ops = json!([{ "op": "replace", "path": "displayName", "value": format!("w{i}") }]);
            app.send(
                Method::PATCH,
                &path,
                Some(common::patch_body(ops)),
                &[("If-Match", &seen)],
            )
            .await
        }
    });
    let replies = futures_util::future::join_all(writes).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 412),
        "{statuses:?}"
    );
    let winner = replies.iter().find(|r| r.status == 200).unwrap();
    let read = app.get_ok(&path).await;
    assert_eq!(read["displayName"], winner.body["displayName"]);
    assert_eq!(read["meta"]["version"], "W/\"2\"");
}

#[actix_web::test]
async fn the_agent_extension_object_can_be_left_out_of_the_service_provider_config() {
    let database = common::TestDatabase::fresh();
    let mut settings = common::test_settings(&database.url);
    settings.scim.advertise_agent_extension = false;
    let app = common::spawn_with(settings, database).await;
    let config = app.get_ok("/ServiceProviderConfig").await;
    assert!(config.get("agentExtension").is_none(), "{config}");
    // The resource types are listed and served all the same.
    let types = app.get_ok("/ResourceTypes").await;
    assert_eq!(types["totalResults"], 4);
    create_agent(&app, agent_body("still-served")).await;
}

#[actix_web::test]
async fn an_entra_connection_may_send_booleans_as_strings_for_agents_too() {
    let app = spawn_app().await;
    let entra = app.create_idp_connection("Entra", "entra").await;
    let mut body = agent_body("entra-agent");
    body["active"] = json!("False");
    let created = app
        .send_as(&entra.secret, Method::POST, "/Agents", Some(body))
        .await
        .expect(201)
        .body;
    assert_eq!(created["active"], false);
    let path = format!("/Agents/{}", id_of(&created));
    let ops = json!([{ "op": "Replace", "path": "active", "value": "True" }]);
    let patched = app
        .send_as(
            &entra.secret,
            Method::PATCH,
            &path,
            Some(common::patch_body(ops)),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(patched["active"], true);
}

/// `owners` names the agent's accountable owner, as the admin API shows it: the first value
/// that is a user or a group of the organization. A value of another organization is never
/// linked; a write without owners leaves the agent with none (the IdP is the source of truth).
#[actix_web::test]
async fn owners_name_the_agents_accountable_owner() {
    let app = spawn_app().await;
    let user = id_of(&app.create_user("agent.owner@example.com").await);
    let team = id_of(&app.create_group("Agent owners", &[]).await);
    let stranger = app
        .other_organization("owners.example")
        .admin_user_id
        .to_string();
    let owner_of = |id: String| {
        let app = &app;
        async move {
            crate::governance::root(app, Method::GET, &format!("/app-actors/{id}"), None)
                .await
                .expect(200)
                .body["owner"]
                .clone()
        }
    };
    let mut body = agent_body("owned-agent");
    body["owners"] = json!([{ "value": stranger }, { "value": user }]);
    let agent = id_of(&create_agent(&app, body).await);
    assert_eq!(
        owner_of(agent.clone()).await,
        json!({ "kind": "user", "id": user })
    );

    let to_team = json!([{ "op": "replace", "path": "owners", "value": [{ "value": team }] }]);
    let patched = app
        .patch_ops(&format!("/Agents/{agent}"), to_team)
        .await
        .expect(200);
    assert_eq!(patched.body["owners"][0]["value"], team.as_str());
    assert_eq!(
        owner_of(agent.clone()).await,
        json!({ "kind": "team", "id": team })
    );

    let only_stranger =
        json!([{ "op": "replace", "path": "owners", "value": [{ "value": stranger }] }]);
    app.patch_ops(&format!("/Agents/{agent}"), only_stranger)
        .await
        .expect(200);
    assert_eq!(owner_of(agent.clone()).await, Value::Null);

    let mut with_owner = agent_body("owned-agent");
    with_owner["owners"] = json!([{ "value": user }]);
    app.put_reply(&format!("/Agents/{agent}"), with_owner)
        .await
        .expect(200);
    assert_eq!(owner_of(agent.clone()).await["id"], user.as_str());
    app.put_reply(&format!("/Agents/{agent}"), agent_body("owned-agent"))
        .await
        .expect(200);
    assert_eq!(owner_of(agent).await, Value::Null);
}
