//! Roles through the admin API: the catalogue defaults of the standard roles, custom roles and
//! their independence, the fixed super admin, standard names, guest limits, deletion, tenancy.

use reqwest::Method;
use serde_json::json;

use crate::common::spawn_app;
use crate::governance::{allowed, api, assert_problem, custom_role, root, user_with_role};

#[actix_web::test]
async fn standard_roles_carry_the_catalogue_defaults() {
    let app = spawn_app().await;
    let roles = root(&app, Method::GET, "/roles", None)
        .await
        .expect(200)
        .body;
    let roles = roles["roles"].as_array().unwrap();
    let by_id = |id: &str| roles.iter().find(|r| r["id"] == id).unwrap().clone();
    let (sa, admin, member, guest) = (
        by_id("super_admin"),
        by_id("admin"),
        by_id("member"),
        by_id("guest"),
    );
    assert_eq!(sa["editable"], false);
    assert_eq!(sa["holders"], 1);
    // 001: every configurable permission is on for admin, member and guest except these.
    for p in [
        "invite_guests",
        "add_custom_fields_to_library",
        "share_portfolios_with_organization",
        "delete_tasks",
        "delete_own_tasks",
        "export_project_data",
        "import_files",
        "upload_files",
        "download_files_on_mobile",
        "use_personal_access_tokens",
        "use_apps",
        "ai",
        "core_ai",
        "proactive_ai",
        "ai_automations",
    ] {
        for role in [&admin, &member, &guest] {
            assert_eq!(role["permissions"][p], true, "{p} on {}", role["id"]);
        }
    }
    for p in ["create_company_goals", "create_teams"] {
        assert_eq!(admin["permissions"][p], true);
        assert_eq!(member["permissions"][p], true);
        assert!(
            guest["permissions"].get(p).is_none(),
            "guests can never enable {p}"
        );
    }
    for role in [&admin, &member, &guest] {
        assert_eq!(
            role["permissions"]["restrict_guest_invites_to_trusted_domains"],
            false
        );
    }
    assert_eq!(admin["permissions"]["manage_roles"], false);
    assert_eq!(admin["permissions"]["assign_roles"], true);
    assert!(member["permissions"].get("assign_roles").is_none());
}

#[actix_web::test]
async fn a_custom_role_copies_its_base_at_creation_and_is_independent_afterwards() {
    let app = spawn_app().await;
    root(
        &app,
        Method::PATCH,
        "/roles/member",
        Some(json!({ "permissions": { "export_project_data": false } })),
    )
    .await
    .expect(200);
    let pm = custom_role(&app, "Project manager", "member", json!({})).await;
    let role = root(&app, Method::GET, &format!("/roles/{pm}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(
        role["permissions"]["export_project_data"], false,
        "copied as it was"
    );
    assert_eq!(role["base_role"], "member");
    // A later change of the base does not reach the custom role, nor the other way round.
    root(
        &app,
        Method::PATCH,
        "/roles/member",
        Some(json!({ "permissions": { "export_project_data": true, "import_files": false } })),
    )
    .await
    .expect(200);
    let role = root(&app, Method::GET, &format!("/roles/{pm}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(role["permissions"]["export_project_data"], false);
    assert_eq!(role["permissions"]["import_files"], true);
}

#[actix_web::test]
async fn super_admin_is_fixed_and_no_role_is_based_on_it() {
    let app = spawn_app().await;
    let reply = root(
        &app,
        Method::PATCH,
        "/roles/super_admin",
        Some(json!({ "permissions": { "use_apps": false } })),
    )
    .await;
    assert_problem(&reply, 422, "fixed");
    let reply = root(
        &app,
        Method::POST,
        "/roles",
        Some(json!({ "name": "Root 2", "base_role": "super_admin" })),
    )
    .await;
    assert_problem(&reply, 422, "super admin");
}

#[actix_web::test]
async fn standard_roles_cannot_be_renamed_but_custom_roles_can() {
    let app = spawn_app().await;
    let reply = root(
        &app,
        Method::PATCH,
        "/roles/member",
        Some(json!({ "name": "Employee" })),
    )
    .await;
    assert_problem(&reply, 422, "renamed");
    let id = custom_role(&app, "Contractor", "member", json!({})).await;
    let reply = root(
        &app,
        Method::PATCH,
        &format!("/roles/{id}"),
        Some(json!({ "name": "Vendor" })),
    )
    .await
    .expect(200);
    assert_eq!(reply.body["name"], "Vendor");
    let reply = root(
        &app,
        Method::POST,
        "/roles",
        Some(json!({ "name": "vendor", "base_role": "member" })),
    )
    .await;
    assert_problem(&reply, 409, "already exists");
}

#[actix_web::test]
async fn a_guest_based_role_can_never_enable_goals_or_teams() {
    let app = spawn_app().await;
    for p in ["create_company_goals", "create_teams", "manage_roles"] {
        let reply = root(&app, Method::POST, "/roles", Some(json!({ "name": format!("G {p}"), "base_role": "guest", "permissions": { p: true } }))).await;
        assert_problem(&reply, 422, p);
        let reply = root(
            &app,
            Method::PATCH,
            "/roles/guest",
            Some(json!({ "permissions": { p: true } })),
        )
        .await;
        assert_problem(&reply, 422, p);
    }
    let reply = root(
        &app,
        Method::PATCH,
        "/roles/guest",
        Some(json!({ "permissions": { "no_such_thing": true } })),
    )
    .await;
    assert_problem(&reply, 422, "no_such_thing");
}

#[actix_web::test]
async fn deleting_a_custom_role_that_users_hold_is_409_naming_how_many() {
    let app = spawn_app().await;
    let id = custom_role(&app, "Analyst", "member", json!({})).await;
    user_with_role(&app, "a1@example.com", &id).await;
    user_with_role(&app, "a2@example.com", &id).await;
    let reply = root(&app, Method::DELETE, &format!("/roles/{id}"), None).await;
    assert_problem(&reply, 409, "2 user(s)");
    let unused = custom_role(&app, "Unused", "member", json!({})).await;
    root(&app, Method::DELETE, &format!("/roles/{unused}"), None)
        .await
        .expect(204);
    root(&app, Method::GET, &format!("/roles/{unused}"), None)
        .await
        .expect(404);
    let reply = root(&app, Method::DELETE, "/roles/member", None).await;
    assert_problem(&reply, 409, "standard");
}

#[actix_web::test]
async fn role_changes_are_audited_with_who_did_them() {
    let app = spawn_app().await;
    let id = custom_role(&app, "Audited", "member", json!({ "ai": false })).await;
    root(
        &app,
        Method::PATCH,
        &format!("/roles/{id}"),
        Some(json!({ "permissions": { "ai": true } })),
    )
    .await
    .expect(200);
    root(&app, Method::DELETE, &format!("/roles/{id}"), None)
        .await
        .expect(204);
    let events = root(&app, Method::GET, "/audit-events", None)
        .await
        .expect(200)
        .body;
    for action in ["role.created", "role.updated", "role.deleted"] {
        let e = events["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == action)
            .unwrap();
        assert_eq!(
            e["actor_id"],
            app.creds.admin_user_id.to_string(),
            "{action}"
        );
        assert_eq!(e["target_id"], id.as_str());
    }
}

#[actix_web::test]
async fn another_organizations_roles_and_users_are_not_found() {
    let app = spawn_app().await;
    let id = custom_role(&app, "Ours", "member", json!({})).await;
    let (user, _) = user_with_role(&app, "u@example.com", "member").await;
    let other = app.other_organization("other.test");
    let t = other.admin_token.clone();
    api(&app, &t, Method::GET, &format!("/roles/{id}"), None)
        .await
        .expect(404);
    api(
        &app,
        &t,
        Method::PATCH,
        &format!("/roles/{id}"),
        Some(json!({ "name": "x" })),
    )
    .await
    .expect(404);
    api(&app, &t, Method::GET, &format!("/users/{user}"), None)
        .await
        .expect(404);
    let body = json!({ "role_id": "admin" });
    api(
        &app,
        &t,
        Method::PUT,
        &format!("/users/{user}/role"),
        Some(body),
    )
    .await
    .expect(404);
    let body = json!({ "user_id": user, "permission": "use_apps" });
    api(&app, &t, Method::POST, "/authorize", Some(body))
        .await
        .expect(404);
    api(
        &app,
        &t,
        Method::GET,
        &format!("/users/{user}/permissions"),
        None,
    )
    .await
    .expect(404);
    let list = api(&app, &t, Method::GET, "/roles", None)
        .await
        .expect(200)
        .body;
    assert!(list["roles"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != id.as_str()));
    assert!(allowed(&app, &user, "use_apps").await);
}

#[actix_web::test]
async fn a_thousand_custom_roles_list_and_decide() {
    let app = spawn_app().await;
    // Created through storage directly: a thousand API round trips would only time the harness.
    {
        use gatehouse::db::roles::{insert_role, RoleRow};
        let factory = gatehouse::db::ConnectionFactory::new(&app.database.url).unwrap();
        let mut conn = factory.open().unwrap();
        let now = chrono::Utc::now().naive_utc();
        for i in 0..1000 {
            insert_role(
                &mut conn,
                &RoleRow {
                    org_id: app.creds.org_id.to_string(),
                    id: format!("bulk-{i}"),
                    name: format!("Bulk {i}"),
                    name_lower: format!("bulk {i}"),
                    description: String::new(),
                    base_role: "member".into(),
                    standard: false,
                    permissions: if i % 2 == 0 {
                        "use_apps".into()
                    } else {
                        String::new()
                    },
                    version: 1,
                    created_at: now,
                    updated_at: now,
                    invite_default_internal_role: None,
                    invite_default_external_role: None,
                },
            )
            .unwrap();
        }
    }
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "apps": true })),
    )
    .await
    .expect(200);
    let list = root(&app, Method::GET, "/roles", None)
        .await
        .expect(200)
        .body;
    assert_eq!(list["roles"].as_array().unwrap().len(), 1004);
    let (even, _) = user_with_role(&app, "even@example.com", "bulk-998").await;
    let (odd, _) = user_with_role(&app, "odd@example.com", "bulk-999").await;
    assert!(allowed(&app, &even, "use_apps").await);
    assert!(!allowed(&app, &odd, "use_apps").await);
}
