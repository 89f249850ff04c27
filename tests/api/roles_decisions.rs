//! Decisions: org-wide overrides, the AI hierarchy, licences, internal and external users and
//! verified domains, delegation, and the explaining endpoints.

use reqwest::Method;
use serde_json::json;

use crate::common::{id_of, spawn_app};
use crate::governance::{
    allowed, api, assert_problem, custom_role, root, token_for, user_with_role,
};

#[actix_web::test]
async fn an_org_setting_turned_off_overrides_every_role_and_locks_role_edits() {
    let app = spawn_app().await;
    let (member, _) = user_with_role(&app, "m@example.com", "member").await;
    assert!(allowed(&app, &member, "upload_files").await);
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "upload_files": false, "apps": false })),
    )
    .await
    .expect(200);
    // At once on this instance.
    assert!(!allowed(&app, &member, "upload_files").await);
    assert!(
        !allowed(&app, &app.creds.admin_user_id.to_string(), "use_apps").await,
        "not even super admin"
    );
    let reply = root(
        &app,
        Method::PATCH,
        "/roles/member",
        Some(json!({ "permissions": { "upload_files": false } })),
    )
    .await;
    assert_problem(&reply, 409, "upload_files");
    let reply = root(
        &app,
        Method::POST,
        "/roles",
        Some(json!({ "name": "X", "base_role": "member", "permissions": { "use_apps": false } })),
    )
    .await;
    assert_problem(&reply, 409, "org setting apps");
    let d = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "user_id": member, "permission": "upload_files" })),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(d["denied_by"], "org_setting");
}

#[actix_web::test]
async fn turning_ai_off_at_the_top_turns_its_three_sub_permissions_off() {
    let app = spawn_app().await;
    let role = custom_role(&app, "No AI", "member", json!({ "ai": false })).await;
    let (user, _) = user_with_role(&app, "noai@example.com", &role).await;
    let (member, _) = user_with_role(&app, "ai@example.com", "member").await;
    for p in ["ai", "core_ai", "proactive_ai", "ai_automations"] {
        assert!(
            !allowed(&app, &user, p).await,
            "{p} off under the role's AI switch"
        );
        assert!(allowed(&app, &member, p).await, "{p} on by default");
    }
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "ai": false })),
    )
    .await
    .expect(200);
    for p in ["ai", "core_ai", "proactive_ai", "ai_automations"] {
        assert!(
            !allowed(&app, &member, p).await,
            "{p} off with the org AI switch"
        );
    }
    let reply = root(
        &app,
        Method::PATCH,
        "/roles/member",
        Some(json!({ "permissions": { "core_ai": false } })),
    )
    .await;
    assert_problem(&reply, 409, "org setting ai");
}

#[actix_web::test]
async fn a_view_only_licence_blocks_creating_but_not_exporting() {
    let app = spawn_app().await;
    let (user, _) = user_with_role(&app, "viewer@example.com", "member").await;
    root(
        &app,
        Method::PUT,
        &format!("/users/{user}/licence"),
        Some(json!({ "licence": "view_only" })),
    )
    .await
    .expect(200);
    assert!(!allowed(&app, &user, "create_company_goals").await);
    assert!(!allowed(&app, &user, "upload_files").await);
    assert!(allowed(&app, &user, "export_project_data").await);
    let d = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "user_id": user, "permission": "create_teams" })),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(d["allowed"], false);
    assert_eq!(d["denied_by"], "licence");
    let last = d["reasons"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["name"], "view_only");
}

#[actix_web::test]
async fn scim_users_get_the_role_default_of_their_type() {
    let app = spawn_app().await;
    let internal = app.create_user("alice@example.com").await;
    let external = app.create_user("carol@partner.org").await;
    let u = root(
        &app,
        Method::GET,
        &format!("/users/{}", id_of(&internal)),
        None,
    )
    .await
    .expect(200)
    .body;
    assert_eq!(
        (u["role"].as_str(), u["type"].as_str()),
        (Some("member"), Some("internal"))
    );
    let u = root(
        &app,
        Method::GET,
        &format!("/users/{}", id_of(&external)),
        None,
    )
    .await
    .expect(200)
    .body;
    assert_eq!(
        (u["role"].as_str(), u["type"].as_str()),
        (Some("guest"), Some("external"))
    );
    // Role defaults are org settings.
    let contractor = custom_role(&app, "Contractor", "member", json!({})).await;
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "default_internal_role": contractor })),
    )
    .await
    .expect(200);
    let bob = app.create_user("bob@example.com").await;
    let u = root(&app, Method::GET, &format!("/users/{}", id_of(&bob)), None)
        .await
        .expect(200)
        .body;
    assert_eq!(u["role"], contractor.as_str());
    let reply = root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "default_external_role": "member" })),
    )
    .await;
    assert_problem(&reply, 422, "guest-based");
}

#[actix_web::test]
async fn external_users_hold_only_guest_based_roles_and_internal_users_never_guest() {
    let app = spawn_app().await;
    let ext = id_of(&app.create_user("x@partner.org").await);
    let int = id_of(&app.create_user("i@example.com").await);
    let reply = root(
        &app,
        Method::PUT,
        &format!("/users/{ext}/role"),
        Some(json!({ "role_id": "member" })),
    )
    .await;
    assert_problem(&reply, 422, "external");
    let reply = root(
        &app,
        Method::PUT,
        &format!("/users/{int}/role"),
        Some(json!({ "role_id": "guest" })),
    )
    .await;
    assert_problem(&reply, 422, "internal");
    let vendor = custom_role(&app, "Vendor", "guest", json!({})).await;
    root(
        &app,
        Method::PUT,
        &format!("/users/{ext}/role"),
        Some(json!({ "role_id": vendor })),
    )
    .await
    .expect(200);
    let reply = root(
        &app,
        Method::PUT,
        &format!("/users/{int}/role"),
        Some(json!({ "role_id": "nope" })),
    )
    .await;
    assert_problem(&reply, 422, "nope");
    root(
        &app,
        Method::PUT,
        "/users/00000000-0000-0000-0000-000000000000/role",
        Some(json!({ "role_id": "member" })),
    )
    .await
    .expect(404);
}

#[actix_web::test]
async fn adding_and_removing_a_verified_domain_moves_users_to_their_new_type_default() {
    let app = spawn_app().await;
    let ext = id_of(&app.create_user("dana@partner.org").await);
    let both = app
        .create_user_from(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "eve@partner.org",
            "emails": [{ "value": "eve@example.com", "primary": true }],
        }))
        .await;
    let both = id_of(&both);
    let reply = root(
        &app,
        Method::POST,
        "/org/domains",
        Some(json!({ "domain": "Partner.org" })),
    )
    .await
    .expect(201);
    assert_eq!(reply.body["users_moved"], 1, "eve was internal already");
    let u = root(&app, Method::GET, &format!("/users/{ext}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (u["role"].as_str(), u["type"].as_str()),
        (Some("member"), Some("internal"))
    );
    let reply = root(&app, Method::DELETE, "/org/domains/partner.org", None)
        .await
        .expect(200);
    assert_eq!(reply.body["users_moved"], 1);
    let u = root(&app, Method::GET, &format!("/users/{ext}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (u["role"].as_str(), u["type"].as_str()),
        (Some("guest"), Some("external"))
    );
    let u = root(&app, Method::GET, &format!("/users/{both}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(
        u["type"], "internal",
        "an email at example.com keeps eve internal"
    );
    let events = root(&app, Method::GET, "/audit-events?limit=1000", None)
        .await
        .expect(200)
        .body;
    let moves = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "user.role_changed" && e["target_id"] == ext.as_str())
        .count();
    assert_eq!(moves, 2, "each move audited per user");
    // Never leave the organization without a super admin.
    let reply = root(&app, Method::DELETE, "/org/domains/example.com", None).await;
    assert_problem(&reply, 409, "super admin");
    let domains = root(&app, Method::GET, "/org/domains", None)
        .await
        .expect(200)
        .body;
    assert_eq!(domains["domains"], json!(["example.com"]));
}

#[actix_web::test]
async fn callers_without_the_permission_get_403_naming_it_on_every_admin_endpoint() {
    let app = spawn_app().await;
    let (_, member) = user_with_role(&app, "m@example.com", "member").await;
    let (_, admin) = user_with_role(&app, "a@example.com", "admin").await;
    for (method, path, body, token, needle) in [
        (Method::GET, "/roles", None, &member, "view_members"),
        (
            Method::POST,
            "/roles",
            Some(json!({ "name": "x", "base_role": "member" })),
            &admin,
            "manage_roles",
        ),
        (
            Method::PUT,
            "/users/x/role",
            Some(json!({ "role_id": "member" })),
            &member,
            "assign_roles",
        ),
        (
            Method::PATCH,
            "/org/settings",
            Some(json!({ "ai": false })),
            &admin,
            "manage_org_settings",
        ),
        (
            Method::POST,
            "/idp-connections",
            Some(json!({ "name": "x" })),
            &admin,
            "manage_idp_connections",
        ),
        (
            Method::GET,
            "/idp-connections",
            None,
            &member,
            "view_members",
        ),
        (
            Method::GET,
            "/audit-events",
            None,
            &member,
            "read_audit_trail",
        ),
        (
            Method::POST,
            "/authorize",
            Some(json!({ "user_id": "x", "permission": "ai" })),
            &member,
            "view_members",
        ),
    ] {
        let reply = api(&app, token, method, path, body).await;
        assert_problem(&reply, 403, needle);
    }
    api(&app, &admin, Method::GET, "/audit-events", None)
        .await
        .expect(200);
}

#[actix_web::test]
async fn admins_assign_roles_but_never_super_admin_and_super_admins_delegate_role_management() {
    let app = spawn_app().await;
    let (admin_id, admin) = user_with_role(&app, "a@example.com", "admin").await;
    let (target, _) = user_with_role(&app, "t@example.com", "member").await;
    api(
        &app,
        &admin,
        Method::PUT,
        &format!("/users/{target}/role"),
        Some(json!({ "role_id": "admin" })),
    )
    .await
    .expect(200);
    let reply = api(
        &app,
        &admin,
        Method::PUT,
        &format!("/users/{target}/role"),
        Some(json!({ "role_id": "super_admin" })),
    )
    .await;
    assert_problem(&reply, 403, "super admin");
    let root_id = app.creds.admin_user_id.to_string();
    let reply = api(
        &app,
        &admin,
        Method::PUT,
        &format!("/users/{root_id}/role"),
        Some(json!({ "role_id": "member" })),
    )
    .await;
    assert_problem(&reply, 403, "above");
    // Only super admins change the admin role's user management.
    let reply = api(
        &app,
        &admin,
        Method::PATCH,
        "/roles/admin",
        Some(json!({ "permissions": { "manage_roles": true } })),
    )
    .await;
    assert_problem(&reply, 403, "manage_roles");
    root(
        &app,
        Method::PATCH,
        "/roles/admin",
        Some(json!({ "permissions": { "manage_roles": true, "assign_roles": false } })),
    )
    .await
    .expect(200);
    // At once: the admin manages roles now and no longer assigns them.
    api(
        &app,
        &admin,
        Method::POST,
        "/roles",
        Some(json!({ "name": "Helper", "base_role": "member" })),
    )
    .await
    .expect(201);
    let reply = api(
        &app,
        &admin,
        Method::PUT,
        &format!("/users/{target}/role"),
        Some(json!({ "role_id": "member" })),
    )
    .await;
    assert_problem(&reply, 403, "assign_roles");
    // A delegated role manager can't give a role what their own role lacks.
    root(
        &app,
        Method::PATCH,
        "/roles/admin",
        Some(json!({ "permissions": { "use_apps": false } })),
    )
    .await
    .expect(200);
    let reply = api(
        &app,
        &admin,
        Method::PATCH,
        "/roles/member",
        Some(json!({ "permissions": { "use_apps": false } })),
    )
    .await;
    reply.expect(200);
    let reply = api(
        &app,
        &admin,
        Method::PATCH,
        "/roles/member",
        Some(json!({ "permissions": { "use_apps": true } })),
    )
    .await;
    assert_problem(&reply, 403, "use_apps");
    let me = api(
        &app,
        &admin,
        Method::GET,
        &format!("/users/{admin_id}/permissions"),
        None,
    )
    .await
    .expect(200);
    assert_eq!(me.body["role"], "admin");
}

#[actix_web::test]
async fn the_permissions_endpoint_explains_every_permission_with_its_reason_chain() {
    let app = spawn_app().await;
    let role = custom_role(
        &app,
        "Limited",
        "member",
        json!({ "delete_tasks": false, "delete_own_tasks": true }),
    )
    .await;
    let (user, token) = user_with_role(&app, "l@example.com", &role).await;
    let answer = api(
        &app,
        &token,
        Method::GET,
        &format!("/users/{user}/permissions"),
        None,
    )
    .await
    .expect(200)
    .body;
    let list = answer["permissions"].as_array().unwrap();
    assert_eq!(list.len(), 24, "every permission of the catalogue");
    let of = |name: &str| {
        list.iter()
            .find(|d| d["permission"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(of("delete_tasks")["allowed"], false);
    assert_eq!(of("delete_tasks")["denied_by"], "role");
    assert_eq!(of("delete_own_tasks")["allowed"], true);
    let upload = of("upload_files");
    let links: Vec<&str> = upload["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["link"].as_str().unwrap())
        .collect();
    assert_eq!(links, ["org_setting", "role", "licence"]);
    assert_eq!(of("manage_roles")["denied_by"], "base_role");
    // Another member may not read it; an admin may.
    let (_, other) = user_with_role(&app, "o@example.com", "member").await;
    api(
        &app,
        &other,
        Method::GET,
        &format!("/users/{user}/permissions"),
        None,
    )
    .await
    .expect(403);
}

#[actix_web::test]
async fn authorize_answers_batches_and_refuses_bad_input_without_500() {
    let app = spawn_app().await;
    let (user, _) = user_with_role(&app, "b@example.com", "member").await;
    let checks: Vec<_> = ["ai", "create_teams", "manage_roles"]
        .iter()
        .map(|p| json!({ "user_id": user, "permission": p }))
        .collect();
    let reply = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "checks": checks })),
    )
    .await
    .expect(200);
    let allowed: Vec<bool> = reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["allowed"].as_bool().unwrap())
        .collect();
    assert_eq!(allowed, [true, true, false]);
    let many: Vec<_> = (0..101)
        .map(|_| json!({ "user_id": user, "permission": "ai" }))
        .collect();
    assert_problem(
        &root(
            &app,
            Method::POST,
            "/authorize",
            Some(json!({ "checks": many })),
        )
        .await,
        422,
        "100",
    );
    assert_problem(
        &root(
            &app,
            Method::POST,
            "/authorize",
            Some(json!({ "user_id": user, "permission": "fly" })),
        )
        .await,
        422,
        "fly",
    );
    assert_problem(
        &root(
            &app,
            Method::POST,
            "/authorize",
            Some(json!({ "user_id": "nobody", "permission": "ai" })),
        )
        .await,
        404,
        "nobody",
    );
    assert_problem(
        &root(
            &app,
            Method::POST,
            "/authorize",
            Some(json!({ "user_id": user, "permission": "ai", "project_id": "p1" })),
        )
        .await,
        422,
        "not a project action",
    );
    let reply = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!("just a string")),
    )
    .await;
    assert_eq!(reply.status, 422);
    let _ = token_for;
}

#[actix_web::test]
async fn the_trusted_domain_restriction_needs_domains_and_applies_org_wide_when_set() {
    let app = spawn_app().await;
    let (user, _) = user_with_role(&app, "r@example.com", "member").await;
    assert!(!allowed(&app, &user, "restrict_guest_invites_to_trusted_domains").await);
    let reply = root(
        &app,
        Method::PATCH,
        "/roles/member",
        Some(json!({ "permissions": { "restrict_guest_invites_to_trusted_domains": true } })),
    )
    .await;
    assert_problem(&reply, 409, "trusted_domains");
    let reply = root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "restrict_guest_invites_to_trusted_domains": true })),
    )
    .await;
    assert_problem(&reply, 422, "trusted domain");
    root(&app, Method::PATCH, "/org/settings", Some(json!({ "trusted_domains": ["Partner.org"], "restrict_guest_invites_to_trusted_domains": true }))).await.expect(200);
    assert!(allowed(&app, &user, "restrict_guest_invites_to_trusted_domains").await);
    let s = root(&app, Method::GET, "/org/settings", None)
        .await
        .expect(200)
        .body;
    assert_eq!(s["trusted_domains"], json!(["partner.org"]));
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "guest_invites": false, "restrict_guest_invites_to_trusted_domains": false })),
    )
    .await
    .expect(200);
    assert!(!allowed(&app, &user, "invite_guests").await);
}

#[actix_web::test]
async fn a_user_deactivated_over_scim_is_denied_within_the_recheck_interval() {
    let app = spawn_app().await;
    let (user, _) = user_with_role(&app, "leaver@example.com", "member").await;
    assert!(allowed(&app, &user, "use_apps").await);
    app.patch_ops(
        &format!("/Users/{user}"),
        json!([{ "op": "replace", "path": "active", "value": false }]),
    )
    .await
    .expect(200);
    // The SCIM write bumps the governance version; views re-read it at most once a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let d = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "user_id": user, "permission": "use_apps" })),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(d["allowed"], false);
    assert_eq!(d["denied_by"], "user");
}

#[actix_web::test]
async fn a_remembered_admin_token_follows_a_role_change_at_once() {
    let app = spawn_app().await;
    let (admin, token) = user_with_role(&app, "a@example.com", "admin").await;
    // Twice: the second call is served from this instance's memory of the token.
    for _ in 0..2 {
        api(&app, &token, Method::GET, "/audit-events?limit=1", None)
            .await
            .expect(200);
    }
    root(
        &app,
        Method::PUT,
        &format!("/users/{admin}/role"),
        Some(json!({ "role_id": "member" })),
    )
    .await
    .expect(200);
    let reply = api(&app, &token, Method::GET, "/audit-events?limit=1", None).await;
    assert_problem(&reply, 403, "read_audit_trail");
}
