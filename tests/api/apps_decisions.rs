//! Connected apps in `/authorize`: block and unblock in allow-all mode, the allow list of
//! require-approval mode (unblocking approves), a block by another organization of the same
//! person (not named), the use_apps decision first, and the external automation switch.

use reqwest::Method;
use serde_json::json;

use crate::apps_support::{may_use, register, set_mode};
use crate::common::{spawn_app, user_body};
use crate::governance::{api, assert_problem, root, user_with_role};

#[actix_web::test]
async fn a_blocked_app_is_refused_to_members_and_guests_until_unblocked() {
    let app = spawn_app().await;
    let root_token = app.creds.admin_token.clone();
    let (member, _) = user_with_role(&app, "mia@example.com", "member").await;
    let (guest, _) = user_with_role(&app, "gus@partner.example", "guest").await;
    let id = register(&app, "com.example.chat", "Chat").await;
    for user in [&member, &guest] {
        let d = may_use(&app, &root_token, user, &id).await;
        assert_eq!(d.body["allowed"], true, "{}", d.text);
    }
    root(&app, Method::POST, &format!("/apps/{id}/block"), None)
        .await
        .expect(200);
    for user in [&member, &guest] {
        let d = may_use(&app, &root_token, user, &id).await;
        assert_eq!(d.body["allowed"], false);
        assert_eq!(d.body["denied_by"], "app");
        assert!(
            d.text.contains("blocked by this organization"),
            "{}",
            d.text
        );
    }
    let unblocked = root(&app, Method::POST, &format!("/apps/{id}/unblock"), None)
        .await
        .expect(200);
    assert_eq!(unblocked.body["status"], "allowed");
    let d = may_use(&app, &root_token, &member, &id).await;
    assert_eq!(d.body["allowed"], true);
}

#[actix_web::test]
async fn require_approval_allows_only_approved_apps_and_unblocking_approves() {
    let app = spawn_app().await;
    let root_token = app.creds.admin_token.clone();
    let (member, _) = user_with_role(&app, "mia@example.com", "member").await;
    let id = register(&app, "com.example.chat", "Chat").await;
    set_mode(&app, &root_token, "require_approval").await;
    let d = may_use(&app, &root_token, &member, &id).await;
    assert_eq!(d.body["allowed"], false);
    assert!(d.text.contains("not approved"), "{}", d.text);
    let approved = root(&app, Method::POST, &format!("/apps/{id}/unblock"), None)
        .await
        .expect(200);
    assert_eq!(approved.body["approved"], true);
    assert_eq!(
        may_use(&app, &root_token, &member, &id).await.body["allowed"],
        true
    );
    // Blocking withdraws the approval.
    root(&app, Method::POST, &format!("/apps/{id}/block"), None)
        .await
        .expect(200);
    assert_eq!(
        may_use(&app, &root_token, &member, &id).await.body["allowed"],
        false
    );
    // Back to allow-all: blocked stays blocked, the approval list no longer matters.
    set_mode(&app, &root_token, "allow_all").await;
    assert_eq!(
        may_use(&app, &root_token, &member, &id).await.body["allowed"],
        false
    );
    root(&app, Method::POST, &format!("/apps/{id}/unblock"), None)
        .await
        .expect(200);
    assert_eq!(
        may_use(&app, &root_token, &member, &id).await.body["allowed"],
        true
    );
}

#[actix_web::test]
async fn a_block_by_another_organization_of_the_person_refuses_the_app_without_naming_it() {
    let app = spawn_app().await;
    let root_token = app.creds.admin_token.clone();
    let (person, _) = user_with_role(&app, "pat@example.com", "member").await;
    let (someone_else, _) = user_with_role(&app, "sam@example.com", "member").await;
    let here = register(&app, "com.example.chat", "Chat").await;

    let other = app.other_organization("elsewhere.example");
    app.send_as(
        &other.scim_token,
        Method::POST,
        "/Users",
        Some(user_body("PAT@example.com")),
    )
    .await
    .expect(201);
    let there = api(
        &app,
        &other.admin_token,
        Method::POST,
        "/apps",
        Some(json!({ "client_id": "com.example.chat", "name": "Chat" })),
    )
    .await
    .expect(201);
    let there = there.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        may_use(&app, &root_token, &person, &here).await.body["allowed"],
        true
    );
    api(
        &app,
        &other.admin_token,
        Method::POST,
        &format!("/apps/{there}/block"),
        None,
    )
    .await
    .expect(200);

    let d = may_use(&app, &root_token, &person, &here).await;
    assert_eq!(d.body["allowed"], false);
    assert!(
        d.text.contains("blocked by an organization you belong to"),
        "{}",
        d.text
    );
    for secret in [
        other.org_id.to_string(),
        there.clone(),
        "elsewhere.example".into(),
    ] {
        assert!(!d.text.contains(&secret), "{secret} leaked: {}", d.text);
    }
    // Only that person: a colleague who is not in the other organization may use it.
    assert_eq!(
        may_use(&app, &root_token, &someone_else, &here).await.body["allowed"],
        true
    );
}

#[actix_web::test]
async fn the_use_apps_decision_comes_first_and_app_checks_are_validated() {
    let app = spawn_app().await;
    let root_token = app.creds.admin_token.clone();
    let (member, _) = user_with_role(&app, "mia@example.com", "member").await;
    let id = register(&app, "com.example.chat", "Chat").await;
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "apps": false })),
    )
    .await
    .expect(200);
    let d = may_use(&app, &root_token, &member, &id).await;
    assert_eq!(d.body["allowed"], false);
    assert_eq!(d.body["denied_by"], "org_setting");

    let reply = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "user_id": member, "permission": "upload_files", "app_id": id })),
    )
    .await;
    assert_problem(&reply, 422, "app_id goes with use_apps");
    let reply = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "user_id": member, "permission": "use_apps", "app_id": "nope" })),
    )
    .await;
    assert_problem(&reply, 404, "no app");
    let batch = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "checks": [
            { "user_id": member, "permission": "use_apps", "app_id": id },
            { "user_id": member, "permission": "upload_files" },
        ]})),
    )
    .await
    .expect(200);
    assert_eq!(batch.body["results"][0]["allowed"], false);
    assert_eq!(batch.body["results"][1]["allowed"], true);
}

#[actix_web::test]
async fn external_automation_follows_the_org_setting() {
    let app = spawn_app().await;
    let (member, _) = user_with_role(&app, "mia@example.com", "member").await;
    let ask = json!({ "user_id": member, "permission": "external_automation" });
    let d = root(&app, Method::POST, "/authorize", Some(ask.clone()))
        .await
        .expect(200);
    assert_eq!(d.body["allowed"], true, "allowed by default: {}", d.text);
    root(
        &app,
        Method::PUT,
        "/apps/settings",
        Some(
            json!({ "app_mode": "allow_all", "external_automation": false,
                     "approval_recipients": null }),
        ),
    )
    .await
    .expect(200);
    let d = root(&app, Method::POST, "/authorize", Some(ask))
        .await
        .expect(200);
    assert_eq!(d.body["allowed"], false);
    assert_eq!(d.body["denied_by"], "org_setting");
    let settings = root(&app, Method::GET, "/apps/settings", None)
        .await
        .expect(200);
    assert_eq!(settings.body["external_automation"], false);
}
