//! Role mapping from the IdP: rules as SCIM filters over the user as stored (attributes,
//! extension attributes, each shape of Entra's app roles, group membership), first match wins,
//! the default for the user's type when none matches, the internal/external guard, evaluation in
//! the transaction of every SCIM change, the IdP as source of truth, preview = apply, and who
//! may do what.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{id_of, patch_body, spawn_app, TestApp};
use crate::governance::{api, assert_problem, custom_role, root, token_for, user_with_role};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const DEPT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";

fn mapping_path(connection: &str) -> String {
    format!("/idp-connections/{connection}/role-mapping")
}

/// Applies `rules` to a connection as the super admin; the reply body.
async fn apply(app: &TestApp, connection: &str, rules: Value) -> Value {
    root(
        app,
        Method::PUT,
        &mapping_path(connection),
        Some(json!({ "rules": rules })),
    )
    .await
    .expect(200)
    .body
}

async fn user(app: &TestApp, id: &str) -> Value {
    root(app, Method::GET, &format!("/users/{id}"), None)
        .await
        .expect(200)
        .body
}

async fn role_of(app: &TestApp, id: &str) -> String {
    user(app, id).await["role"].as_str().unwrap().to_owned()
}

async fn events(app: &TestApp, action: &str, target: &str) -> Vec<Value> {
    let all = root(app, Method::GET, "/audit-events?limit=1000", None)
        .await
        .expect(200)
        .body;
    all["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action && e["target_id"] == target)
        .map(|e| serde_json::from_str(e["details"].as_str().unwrap()).unwrap())
        .collect()
}

fn with_department(user_name: &str, department: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": user_name,
        ENTERPRISE: { "department": department },
    })
}

fn default_connection(app: &TestApp) -> String {
    app.creds.scim_connection_id.to_string()
}

#[actix_web::test]
async fn an_extension_attribute_rule_maps_new_users_and_no_match_gives_the_type_default() {
    let app = spawn_app().await;
    let finance = custom_role(&app, "Finance", "member", json!({})).await;
    let conn = default_connection(&app);
    apply(
        &app,
        &conn,
        json!([{ "filter": format!("{DEPT} eq \"Finance\""), "role_id": finance }]),
    )
    .await;
    let ann = id_of(
        &app.create_user_from(with_department("ann@example.com", "Finance"))
            .await,
    );
    let u = user(&app, &ann).await;
    assert_eq!(u["role"], finance.as_str());
    assert_eq!(u["role_source"], format!("idp:{conn}"));
    let moved = events(&app, "user.role_changed", &ann).await;
    assert_eq!(moved.len(), 1);
    assert_eq!(
        (moved[0]["rule"].clone(), moved[0]["cause"].clone()),
        (json!(0), json!("user_created"))
    );
    // No rule matches: the default for an internal user, and the trail says so.
    let bob = id_of(
        &app.create_user_from(with_department("bob@example.com", "Sales"))
            .await,
    );
    assert_eq!(role_of(&app, &bob).await, "member");
    let mapped = events(&app, "user.role_mapped", &bob).await;
    assert_eq!(mapped.len(), 1);
    assert_eq!(mapped[0]["no_rule_matched"], true);
    // A PATCH that changes the attribute moves the user in the same request.
    app.patch_ops(
        &format!("/Users/{bob}"),
        json!([{ "op": "replace", "path": DEPT, "value": "Finance" }]),
    )
    .await
    .expect(200);
    assert_eq!(role_of(&app, &bob).await, finance);
    // And a PUT that drops it moves them back.
    app.put_reply(
        &format!("/Users/{bob}"),
        with_department("bob@example.com", "Ops"),
    )
    .await
    .expect(200);
    assert_eq!(role_of(&app, &bob).await, "member");
    let back = events(&app, "user.role_changed", &bob).await;
    assert!(back
        .iter()
        .any(|e| e["no_rule_matched"] == true && e["to"] == "member"));
}

#[actix_web::test]
async fn rules_are_validated_when_saved_and_name_the_rule_and_position() {
    let app = spawn_app().await;
    let conn = default_connection(&app);
    let reply = root(
        &app,
        Method::PUT,
        &mapping_path(&conn),
        Some(json!({ "rules": [
            { "filter": "title pr", "role_id": "admin" },
            { "filter": "title eq \"x\" and (", "role_id": "admin" },
        ]})),
    )
    .await;
    assert_problem(&reply, 422, "rules[1].filter");
    assert!(
        reply.body["detail"].as_str().unwrap().contains("offset"),
        "{}",
        reply.text
    );
    let reply = root(
        &app,
        Method::PUT,
        &mapping_path(&conn),
        Some(json!({ "rules": [{ "filter": "title pr", "role_id": "no-such-role" }] })),
    )
    .await;
    assert_problem(&reply, 422, "rules[0].role_id");
    let reply = root(
        &app,
        Method::PUT,
        &mapping_path(&conn),
        Some(json!({ "rules": [{ "filter": "title pr", "role": "admin" }] })),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    // Nothing was saved.
    let m = root(&app, Method::GET, &mapping_path(&conn), None)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (m["enabled"].clone(), m["rules"].clone()),
        (json!(false), json!([]))
    );
    // Unknown connections, and another organization's, are 404.
    let reply = root(&app, Method::GET, &mapping_path("nope"), None).await;
    assert_problem(&reply, 404, "nope");
    let other = app.other_organization("other.test");
    let reply = api(
        &app,
        &other.admin_token,
        Method::GET,
        &mapping_path(&conn),
        None,
    )
    .await;
    assert_eq!(reply.status, 404);
}

#[actix_web::test]
async fn every_shape_of_entra_app_roles_maps_to_the_same_role() {
    let app = spawn_app().await;
    let approver = custom_role(&app, "Approver", "member", json!({})).await;
    let entra = app.create_idp_connection("Entra", "entra").await;
    apply(
        &app,
        &entra.id,
        json!([{ "filter": "roles[value eq \"Finance.Approver\"]", "role_id": approver }]),
    )
    .await;
    let create = |name: &str| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name, "active": "True",
        })
    };
    // One role per user: arrives on create with a string boolean…
    let mut single = create("single@example.com");
    single["roles"] = json!([{ "primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Finance.Approver" }]);
    let single = app
        .send_as(&entra.secret, Method::POST, "/Users", Some(single))
        .await
        .expect(201);
    assert_eq!(role_of(&app, &id_of(&single.body)).await, approver);
    // …or later as a PATCH on the primary value path.
    let path_user = app
        .send_as(
            &entra.secret,
            Method::POST,
            "/Users",
            Some(create("path@example.com")),
        )
        .await
        .expect(201);
    let path_user = id_of(&path_user.body);
    assert_eq!(role_of(&app, &path_user).await, "member");
    app.send_as(
        &entra.secret,
        Method::PATCH,
        &format!("/Users/{path_user}"),
        Some(patch_body(json!([{ "op": "Add", "path": "roles[primary eq \"True\"].value", "value": "Finance.Approver" }]))),
    )
    .await
    .expect(200);
    assert_eq!(role_of(&app, &path_user).await, approver);
    // Every role ("AppRoleAssignmentsComplex"): a JSON object encoded as a string.
    let complex = app
        .send_as(
            &entra.secret,
            Method::POST,
            "/Users",
            Some(create("complex@example.com")),
        )
        .await
        .expect(201);
    let complex = id_of(&complex.body);
    app.send_as(
        &entra.secret,
        Method::PATCH,
        &format!("/Users/{complex}"),
        Some(patch_body(json!([{ "op": "Add", "path": "roles", "value": [
            { "value": "{\"id\":\"7c1e\",\"value\":\"Reader\",\"displayName\":\"Reader\"}" },
            { "value": "{\"id\":\"9a2f\",\"value\":\"Finance.Approver\",\"displayName\":\"Approver\"}" },
        ]}]))),
    )
    .await
    .expect(200);
    assert_eq!(role_of(&app, &complex).await, approver);
    // What the IdP sent is kept as sent.
    let stored = app.get_ok(&format!("/Users/{complex}")).await;
    assert!(stored["roles"][1]["value"]
        .as_str()
        .unwrap()
        .starts_with('{'));
}

#[actix_web::test]
async fn group_membership_moves_users_and_renames_and_deletes_re_evaluate_members() {
    let app = spawn_app().await;
    let leads = custom_role(&app, "Eng leads", "admin", json!({})).await;
    let conn = default_connection(&app);
    apply(
        &app,
        &conn,
        json!([{ "filter": "groups[display eq \"Eng Leads\"]", "role_id": leads }]),
    )
    .await;
    let ann = id_of(&app.create_user("ann@example.com").await);
    let bob = id_of(&app.create_user("bob@example.com").await);
    let group = app.create_group("Eng Leads", &[&ann]).await;
    let group = id_of(&group);
    assert_eq!(
        role_of(&app, &ann).await,
        leads,
        "joined with the group's creation"
    );
    app.patch_ops(
        &format!("/Groups/{group}"),
        json!([{ "op": "add", "path": "members", "value": [{ "value": bob }] }]),
    )
    .await
    .expect_ok();
    assert_eq!(role_of(&app, &bob).await, leads);
    app.patch_ops(
        &format!("/Groups/{group}"),
        json!([{ "op": "remove", "path": format!("members[value eq \"{bob}\"]") }]),
    )
    .await
    .expect_ok();
    assert_eq!(role_of(&app, &bob).await, "member", "left the group");
    // A rename re-evaluates every member, both ways.
    app.patch_ops(
        &format!("/Groups/{group}"),
        json!([{ "op": "replace", "path": "displayName", "value": "Eng Alumni" }]),
    )
    .await
    .expect_ok();
    assert_eq!(role_of(&app, &ann).await, "member");
    let renamed = events(&app, "user.role_changed", &ann).await;
    assert_eq!(renamed[0]["cause"], "group_renamed", "newest first");
    app.patch_ops(
        &format!("/Groups/{group}"),
        json!([{ "op": "replace", "path": "displayName", "value": "Eng Leads" }]),
    )
    .await
    .expect_ok();
    assert_eq!(role_of(&app, &ann).await, leads);
    // Rules match a group by id too.
    apply(
        &app,
        &conn,
        json!([{ "filter": format!("groups.value eq \"{group}\""), "role_id": leads }]),
    )
    .await;
    assert_eq!(role_of(&app, &ann).await, leads);
    app.delete_reply(&format!("/Groups/{group}"))
        .await
        .expect(204);
    assert_eq!(role_of(&app, &ann).await, "member", "the group is gone");
}

#[actix_web::test]
async fn first_match_wins_and_a_rule_an_external_user_may_not_follow_is_skipped_and_audited() {
    let app = spawn_app().await;
    let contractors = custom_role(&app, "Contractors", "guest", json!({})).await;
    let conn = default_connection(&app);
    apply(
        &app,
        &conn,
        json!([
            { "filter": "title eq \"Engineer\"", "role_id": "admin" },
            { "filter": "title eq \"Engineer\"", "role_id": contractors },
            { "filter": "title pr", "role_id": "member" },
        ]),
    )
    .await;
    let engineer = |name: &str| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name, "title": "Engineer",
        })
    };
    let internal = id_of(&app.create_user_from(engineer("in@example.com")).await);
    assert_eq!(
        role_of(&app, &internal).await,
        "admin",
        "the first match wins"
    );
    let external = id_of(&app.create_user_from(engineer("out@partner.org")).await);
    assert_eq!(role_of(&app, &external).await, contractors);
    let moved = events(&app, "user.role_changed", &external).await;
    assert_eq!(moved[0]["skipped_rules"], json!([0]));
    assert_eq!(moved[0]["rule"], 1);
}

#[actix_web::test]
async fn the_admin_api_refuses_to_override_a_role_the_idp_decides() {
    let app = spawn_app().await;
    let conn = default_connection(&app);
    let ann = id_of(&app.create_user("ann@example.com").await);
    // Before mapping, an admin assigns roles.
    root(
        &app,
        Method::PUT,
        &format!("/users/{ann}/role"),
        Some(json!({ "role_id": "admin" })),
    )
    .await
    .expect(200);
    apply(&app, &conn, json!([])).await;
    assert_eq!(role_of(&app, &ann).await, "member", "the rules decide now");
    let reply = root(
        &app,
        Method::PUT,
        &format!("/users/{ann}/role"),
        Some(json!({ "role_id": "admin" })),
    )
    .await;
    assert_problem(&reply, 409, &conn);
    assert!(reply.body["detail"]
        .as_str()
        .unwrap()
        .contains("Default SCIM connection"));
    // Users no connection manages are still assigned through the API.
    let other = app.create_idp_connection("Other", "generic").await;
    let free = app
        .send_as(
            &other.secret,
            Method::POST,
            "/Users",
            Some(crate::common::user_body("free@example.com")),
        )
        .await
        .expect(201);
    root(
        &app,
        Method::PUT,
        &format!("/users/{}/role", id_of(&free.body)),
        Some(json!({ "role_id": "admin" })),
    )
    .await
    .expect(200);
    // Turning mapping off hands the users back to the admin API, roles unchanged.
    let off = root(&app, Method::DELETE, &mapping_path(&conn), None)
        .await
        .expect(200);
    assert_eq!(off.body["enabled"], false);
    assert_eq!(user(&app, &ann).await["role_source"], "idp_mapping_removed");
    root(
        &app,
        Method::PUT,
        &format!("/users/{ann}/role"),
        Some(json!({ "role_id": "admin" })),
    )
    .await
    .expect(200);
}

#[actix_web::test]
async fn preview_changes_nothing_and_apply_makes_exactly_the_previewed_moves() {
    let app = spawn_app().await;
    let finance = custom_role(&app, "Finance", "member", json!({})).await;
    let conn = default_connection(&app);
    let mut ids = Vec::new();
    for i in 0..12 {
        let dept = if i % 3 == 0 { "Finance" } else { "Sales" };
        let name = if i == 5 {
            format!("u{i}@partner.org")
        } else {
            format!("u{i}@example.com")
        };
        ids.push(id_of(
            &app.create_user_from(with_department(&name, dept)).await,
        ));
    }
    let rules = json!([{ "filter": format!("{DEPT} eq \"Finance\""), "role_id": finance }]);
    let preview = |offset: usize, limit: usize| {
        let rules = rules.clone();
        let app = &app;
        let conn = conn.clone();
        async move {
            root(
                app,
                Method::POST,
                &format!(
                    "{}/preview?offset={offset}&limit={limit}",
                    mapping_path(&conn)
                ),
                Some(json!({ "rules": rules })),
            )
            .await
            .expect(200)
            .body
        }
    };
    let first = preview(0, 2).await;
    assert_eq!(first["users_moving"], 4);
    assert_eq!(
        first["changes"],
        json!([{ "from": "member", "to": finance, "users": 4 }])
    );
    let second = preview(2, 2).await;
    let mut previewed: Vec<String> = first["moves"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["moves"].as_array().unwrap())
        .map(|m| m["user_id"].as_str().unwrap().to_owned())
        .collect();
    previewed.sort();
    assert_eq!(previewed.len(), 4, "two pages of two");
    for id in &ids {
        assert_ne!(
            role_of(&app, id).await,
            finance,
            "a preview changes nothing"
        );
    }
    assert_eq!(
        root(&app, Method::GET, &mapping_path(&conn), None)
            .await
            .body["enabled"],
        false
    );
    let applied = apply(&app, &conn, rules.clone()).await;
    assert_eq!(applied["users_moved"], 4);
    assert_eq!(applied["changes"], first["changes"]);
    let mut moved = Vec::new();
    for id in &ids {
        if role_of(&app, id).await == finance {
            moved.push(id.clone());
            assert_eq!(events(&app, "user.role_changed", id).await.len(), 1);
        }
    }
    moved.sort();
    assert_eq!(moved, previewed, "apply moves exactly the previewed users");
    // Every user the connection manages is now decided by it.
    for id in &ids {
        assert_eq!(user(&app, id).await["role_source"], format!("idp:{conn}"));
    }
    assert_eq!(
        preview(0, 10).await["users_moving"],
        0,
        "nothing left to move"
    );
}

#[actix_web::test]
async fn only_super_admins_apply_rules_admins_may_read_and_preview_members_neither() {
    let app = spawn_app().await;
    let conn = default_connection(&app);
    let (_, admin) = user_with_role(&app, "adm@example.com", "admin").await;
    let (_, member) = user_with_role(&app, "mem@example.com", "member").await;
    let body = json!({ "rules": [{ "filter": "title pr", "role_id": "admin" }] });
    let reply = api(
        &app,
        &admin,
        Method::PUT,
        &mapping_path(&conn),
        Some(body.clone()),
    )
    .await;
    assert_problem(&reply, 403, "manage_idp_connections");
    let reply = api(&app, &admin, Method::DELETE, &mapping_path(&conn), None).await;
    assert_problem(&reply, 403, "manage_idp_connections");
    api(&app, &admin, Method::GET, &mapping_path(&conn), None)
        .await
        .expect(200);
    api(
        &app,
        &admin,
        Method::POST,
        &format!("{}/preview", mapping_path(&conn)),
        Some(body.clone()),
    )
    .await
    .expect(200);
    let reply = api(&app, &member, Method::GET, &mapping_path(&conn), None).await;
    assert_eq!(reply.status, 403);
    let reply = api(
        &app,
        &member,
        Method::POST,
        &format!("{}/preview", mapping_path(&conn)),
        Some(body),
    )
    .await;
    assert_eq!(reply.status, 403);
}

#[actix_web::test]
async fn a_role_named_by_a_rule_cannot_be_deleted() {
    let app = spawn_app().await;
    let finance = custom_role(&app, "Finance", "member", json!({})).await;
    let conn = default_connection(&app);
    apply(
        &app,
        &conn,
        json!([{ "filter": "title pr", "role_id": finance }]),
    )
    .await;
    let reply = root(&app, Method::DELETE, &format!("/roles/{finance}"), None).await;
    assert_problem(&reply, 409, &conn);
    apply(&app, &conn, json!([])).await;
    root(&app, Method::DELETE, &format!("/roles/{finance}"), None)
        .await
        .expect(204);
}

#[actix_web::test]
async fn a_verified_domain_change_re_evaluates_mapped_users_under_their_new_type() {
    let app = spawn_app().await;
    let conn = default_connection(&app);
    apply(
        &app,
        &conn,
        json!([{ "filter": "title eq \"Lead\"", "role_id": "admin" }]),
    )
    .await;
    let lead = id_of(
        &app.create_user_from(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "lead@partner.org", "title": "Lead",
        }))
        .await,
    );
    assert_eq!(
        role_of(&app, &lead).await,
        "guest",
        "external: the admin rule is skipped"
    );
    root(
        &app,
        Method::POST,
        "/org/domains",
        Some(json!({ "domain": "partner.org" })),
    )
    .await
    .expect(201);
    let u = user(&app, &lead).await;
    assert_eq!(
        (u["type"].as_str(), u["role"].as_str()),
        (Some("internal"), Some("admin"))
    );
    assert_eq!(
        u["role_source"],
        format!("idp:{conn}"),
        "still decided by the IdP"
    );
}

/// The end-to-end case: an Entra-style user with a department and an app role lands in
/// the mapped custom role; a group membership change moves them; the admin API refuses to
/// override; the permissions endpoint explains the result; a second organization sees nothing.
#[actix_web::test]
async fn entra_user_lands_in_the_mapped_role_and_moves_with_their_groups() {
    let app = spawn_app().await;
    let approvers = custom_role(
        &app,
        "Finance approvers",
        "member",
        json!({ "delete_tasks": false }),
    )
    .await;
    let leads = custom_role(&app, "Finance leads", "admin", json!({})).await;
    let entra = app.create_idp_connection("Entra ID", "entra").await;
    apply(
        &app,
        &entra.id,
        json!([
            { "filter": "groups[display eq \"Finance Leads\"]", "role_id": leads },
            { "filter": format!("{DEPT} eq \"Finance\" and roles[primary eq true].value eq \"Approver\""), "role_id": approvers },
        ]),
    )
    .await;
    let created = app
        .send_as(
            &entra.secret,
            Method::POST,
            "/Users",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
                "externalId": "0a1b2c",
                "userName": "ann@example.com",
                "active": "True",
                "displayName": "Ann",
                "roles": [{ "primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Approver" }],
                ENTERPRISE: { "department": "Finance" },
            })),
        )
        .await
        .expect(201);
    let ann = id_of(&created.body);
    assert_eq!(role_of(&app, &ann).await, approvers);
    // A group membership change moves them.
    let group = app
        .send_as(
            &entra.secret,
            Method::POST,
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Finance Leads", "members": [],
            })),
        )
        .await
        .expect(201);
    let group = id_of(&group.body);
    app.send_as(
        &entra.secret,
        Method::PATCH,
        &format!("/Groups/{group}"),
        Some(patch_body(
            json!([{ "op": "Add", "path": "members", "value": [{ "value": ann }] }]),
        )),
    )
    .await
    .expect_ok();
    assert_eq!(role_of(&app, &ann).await, leads);
    // The admin API refuses to override.
    let reply = root(
        &app,
        Method::PUT,
        &format!("/users/{ann}/role"),
        Some(json!({ "role_id": "member" })),
    )
    .await;
    assert_problem(&reply, 409, "Entra ID");
    // The permissions endpoint explains the result.
    let token = token_for(&app, &ann);
    let answer = api(
        &app,
        &token,
        Method::GET,
        &format!("/users/{ann}/permissions"),
        None,
    )
    .await
    .expect(200)
    .body;
    assert_eq!(answer["role"], leads.as_str());
    assert_eq!(answer["role_source"], format!("idp:{}", entra.id));
    let delete = answer["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["permission"] == "delete_tasks")
        .unwrap()
        .clone();
    assert_eq!(
        delete["allowed"], true,
        "the leads role, not the approvers role"
    );
    // Leaving the group moves them back to the approvers rule.
    app.send_as(
        &entra.secret,
        Method::PATCH,
        &format!("/Groups/{group}"),
        Some(patch_body(
            json!([{ "op": "Remove", "path": "members", "value": [{ "value": ann }] }]),
        )),
    )
    .await
    .expect_ok();
    assert_eq!(role_of(&app, &ann).await, approvers);
    // A second organization sees none of it.
    let other = app.other_organization("elsewhere.test");
    let reply = api(
        &app,
        &other.admin_token,
        Method::GET,
        &format!("/users/{ann}"),
        None,
    )
    .await;
    assert_eq!(reply.status, 404);
    let reply = api(
        &app,
        &other.admin_token,
        Method::GET,
        &mapping_path(&entra.id),
        None,
    )
    .await;
    assert_eq!(reply.status, 404);
    let roles = api(&app, &other.admin_token, Method::GET, "/roles", None)
        .await
        .expect(200)
        .body;
    assert!(!roles.to_string().contains("Finance leads"));
}

/// A change to what rules read on the user (their department) racing a change to their groups:
/// each transaction sees only its own half. Leaving the group and leaving Finance at once: each
/// alone keeps the user a lead, so neither role changes, yet together they end it. Without a
/// conflict between the two transactions the user would stay a lead. On MariaDB these run as
/// parallel transactions.
#[actix_web::test]
async fn racing_attribute_and_membership_changes_leave_the_role_the_final_state_decides() {
    use futures_util::future::join_all;
    let app = spawn_app().await;
    let leads = custom_role(&app, "Finance leads", "admin", json!({})).await;
    let conn = default_connection(&app);
    apply(
        &app,
        &conn,
        json!([{
            "filter": format!("{DEPT} eq \"Finance\" or groups[display eq \"Leads\"]"),
            "role_id": leads,
        }]),
    )
    .await;
    let group = id_of(&app.create_group("Leads", &[]).await);
    let mut users = Vec::new();
    for i in 0..8 {
        users.push(id_of(
            &app.create_user_from(with_department(&format!("r{i}@example.com"), "Sales"))
                .await,
        ));
    }
    for round in 0..3 {
        let (dept, op) = if round % 2 == 0 {
            ("Finance", "add")
        } else {
            ("Sales", "remove")
        };
        let user_paths: Vec<String> = users.iter().map(|u| format!("/Users/{u}")).collect();
        let group_path = format!("/Groups/{group}");
        let patches = user_paths.iter().map(|path| {
            app.patch_ops(
                path,
                json!([{ "op": "replace", "path": DEPT, "value": dept }]),
            )
        });
        let members = users.iter().map(|u| {
            let ops = if op == "add" {
                json!([{ "op": "add", "path": "members", "value": [{ "value": u }] }])
            } else {
                json!([{ "op": "remove", "path": format!("members[value eq \"{u}\"]") }])
            };
            app.patch_ops(&group_path, ops)
        });
        let (a, b) = futures_util::future::join(join_all(patches), join_all(members)).await;
        for reply in a.into_iter().chain(b) {
            reply.expect_ok();
        }
        let expected = if op == "add" {
            leads.clone()
        } else {
            "member".to_owned()
        };
        for u in &users {
            assert_eq!(role_of(&app, u).await, expected, "round {round}, user {u}");
        }
    }
}
