//! What stops tokens (issue 13): the org-wide switch (revokes all, refuses new ones, revives
//! none), guest API restrictions, deprovisioning across the credential cache, the at-risk
//! report, leaked-token reports and service accounts.

use chrono::Duration;
use diesel::prelude::*;
use gatehouse::db::schema::tokens;
use gatehouse::db::ConnectionFactory;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{id_of, spawn_app, TestApp};
use crate::governance::{allowed, api, assert_problem, root, token_for, user_with_role};
use crate::tokens_personal::notices;

/// A service account with `role` and one of its tokens.
async fn service_account(app: &TestApp, token: &str, role: &str) -> (String, String) {
    let account = api(
        app,
        token,
        Method::POST,
        "/service-accounts",
        Some(json!({ "name": format!("{role} bot"), "role_id": role })),
    )
    .await
    .expect(201)
    .body;
    let id = account["id"].as_str().unwrap().to_owned();
    let created = api(
        app,
        token,
        Method::POST,
        &format!("/service-accounts/{id}/tokens"),
        Some(json!({ "name": "bot token" })),
    )
    .await
    .expect(201)
    .body;
    let t = created["token"].as_str().unwrap().to_owned();
    assert!(t.starts_with("gsa_"));
    (id, t)
}

/// The IdP deactivates a user over SCIM.
async fn deactivate(app: &TestApp, user: &str) {
    app.patch_ops(
        &format!("/Users/{user}"),
        json!([{ "op": "replace", "path": "active", "value": false }]),
    )
    .await
    .expect(200);
}

#[actix_web::test]
async fn turning_personal_tokens_off_revokes_them_all_and_turning_on_revives_none() {
    let app = spawn_app().await;
    let (member, member_token) = user_with_role(&app, "m@example.com", "member").await;
    let (_, bot) = service_account(&app, &app.creds.admin_token.clone(), "super_admin").await;
    api(&app, &member_token, Method::GET, "/me", None)
        .await
        .expect(200);
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "personal_access_tokens": false })),
    )
    .await
    .expect(200);
    // Every personal token, the caller's own included, is revoked in that change.
    api(&app, &member_token, Method::GET, "/me", None)
        .await
        .expect(401);
    root(&app, Method::GET, "/me", None).await.expect(401);
    let revoked = notices(&app, "token.revoked");
    assert_eq!(revoked.len(), 2, "the member's and the root's");
    assert!(revoked
        .iter()
        .any(|(_, p)| p["recipients"] == json!([member])));
    // New ones are refused while off, even for a super admin (here: acting as one).
    let reply = api(
        &app,
        &bot,
        Method::POST,
        "/tokens",
        Some(json!({ "name": "x" })),
    )
    .await;
    assert_problem(&reply, 403, "use_personal_access_tokens");
    // A token minted behind the API's back is refused too (the decision is checked on use).
    let sneaked = token_for(&app, &member);
    assert_problem(
        &api(&app, &sneaked, Method::GET, "/me", None).await,
        403,
        "use_personal_access_tokens",
    );
    // Back on: nothing revoked comes back.
    api(
        &app,
        &bot,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "personal_access_tokens": true })),
    )
    .await
    .expect(200);
    api(&app, &member_token, Method::GET, "/me", None)
        .await
        .expect(401);
    root(&app, Method::GET, "/me", None).await.expect(401);
    api(&app, &sneaked, Method::GET, "/me", None)
        .await
        .expect(200);
}

#[actix_web::test]
async fn guests_are_refused_personal_tokens_and_apps_while_restricted() {
    let app = spawn_app().await;
    let guest = id_of(&app.create_user("visitor@elsewhere.org").await);
    let guest_token = token_for(&app, &guest);
    let (_, member_token) = user_with_role(&app, "staff@example.com", "member").await;
    // Used twice: the second time from the credential cache.
    for _ in 0..2 {
        api(&app, &guest_token, Method::GET, "/me", None)
            .await
            .expect(200);
    }
    assert!(allowed(&app, &guest, "use_apps").await);
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "restrict_guest_personal_access_tokens": true, "restrict_guest_apps": true })),
    )
    .await
    .expect(200);
    let reply = api(&app, &guest_token, Method::GET, "/me", None).await;
    assert_problem(&reply, 403, "guest restriction");
    api(&app, &member_token, Method::GET, "/me", None)
        .await
        .expect(200);
    let d = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "user_id": guest, "permission": "use_personal_access_tokens" })),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(d["allowed"], false, "{d}");
    assert!(
        d.to_string()
            .contains("restrict_guest_personal_access_tokens"),
        "{d}"
    );
    assert!(!allowed(&app, &guest, "use_apps").await);
    // Lifting the restriction lets the (unrevoked) token work again.
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "restrict_guest_personal_access_tokens": false })),
    )
    .await
    .expect(200);
    api(&app, &guest_token, Method::GET, "/me", None)
        .await
        .expect(200);
    assert!(!allowed(&app, &guest, "use_apps").await);
}

#[actix_web::test]
async fn a_user_deactivated_or_deleted_over_scim_is_refused_on_the_next_request() {
    let app = spawn_app().await;
    let (a, ta) = user_with_role(&app, "a@example.com", "member").await;
    let (b, tb) = user_with_role(&app, "b@example.com", "member").await;
    for t in [&ta, &tb, &ta, &tb] {
        api(&app, t, Method::GET, "/me", None).await.expect(200);
    }
    deactivate(&app, &a).await;
    api(&app, &ta, Method::GET, "/me", None).await.expect(401);
    assert_eq!(app.delete(&format!("/Users/{b}")).await.status(), 204);
    api(&app, &tb, Method::GET, "/me", None).await.expect(401);
}

#[actix_web::test]
async fn the_at_risk_report_names_deactivated_expiring_and_restricted_owners() {
    let app = spawn_app().await;
    let (left, _) = user_with_role(&app, "left@example.com", "member").await;
    let (soon, _) = user_with_role(&app, "soon@example.com", "member").await;
    let (_fine, _) = user_with_role(&app, "fine@example.com", "member").await;
    let guest = id_of(&app.create_user("g@elsewhere.org").await);
    token_for(&app, &guest);
    deactivate(&app, &left).await;
    {
        let factory = ConnectionFactory::new(&app.database.url).unwrap();
        let mut conn = factory.open().unwrap();
        diesel::update(tokens::table.filter(tokens::subject_id.eq(&soon)))
            .set(tokens::expires_at.eq(gatehouse::clock::now() + Duration::days(2)))
            .execute(&mut conn)
            .unwrap();
    }
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "restrict_guest_personal_access_tokens": true })),
    )
    .await
    .expect(200);
    let report = root(&app, Method::GET, "/tokens/at-risk", None)
        .await
        .expect(200)
        .body;
    let reasons = |owner: &str| -> Vec<Value> {
        report["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["owner_id"] == owner)
            .flat_map(|t| t["reasons"].as_array().unwrap().clone())
            .collect()
    };
    assert_eq!(reasons(&left), vec![json!("owner_deactivated")]);
    assert_eq!(reasons(&soon), vec![json!("expiring")]);
    assert_eq!(reasons(&guest), vec![json!("guest_restricted")]);
    assert_eq!(report["tokens"].as_array().unwrap().len(), 3, "{report}");
}

#[actix_web::test]
async fn leaked_tokens_are_revoked_with_the_same_answer_whatever_was_sent() {
    let app = spawn_app().await;
    let other = crate::tokens_personal::second_org(&app);
    let (member, token) = user_with_role(&app, "leaky@example.com", "member").await;
    let url = format!("{}/api/v1/tokens/revoke-leaked", app.address);
    let send = |body: Value| {
        let client = app.client.clone();
        let url = url.clone();
        async move {
            crate::common::Reply::read(client.post(url).json(&body).send().await.unwrap()).await
        }
    };
    let nothing = send(json!({ "tokens": ["gat_made_up", "hello"] }))
        .await
        .expect(202);
    let mut corrupted = token.clone();
    corrupted.pop();
    corrupted.push('x');
    let found = send(json!({ "tokens": [token, corrupted, "nope", other.admin_token.clone()] }))
        .await
        .expect(202);
    assert_eq!(nothing.body, found.body);
    api(&app, &token, Method::GET, "/me", None)
        .await
        .expect(401);
    // A valid token of another organization is revoked too: the report needs no tenant.
    api(&app, &other.admin_token, Method::GET, "/me", None)
        .await
        .expect(401);
    let sent = notices(&app, "token.revoked");
    assert!(sent
        .iter()
        .any(|(_, p)| p["recipients"] == json!([member]) && p["data"]["reason"] == "leaked"));
    root(&app, Method::GET, "/me", None).await.expect(200);
    let too_many: Vec<String> = (0..1001).map(|i| format!("t{i}")).collect();
    send(json!({ "tokens": too_many })).await.expect(400);
}

#[actix_web::test]
async fn service_accounts_act_with_their_role_and_outlive_their_creator() {
    let app = spawn_app().await;
    let (creator, creator_token) = user_with_role(&app, "sa@example.com", "super_admin").await;
    let (_, admin_token) = user_with_role(&app, "adm@example.com", "admin").await;
    // Only super admins manage them.
    let reply = api(&app, &admin_token, Method::GET, "/service-accounts", None).await;
    assert_problem(&reply, 403, "manage_org_settings");
    let (acct, bot) = service_account(&app, &creator_token, "admin").await;
    let (_, weak) = service_account(&app, &creator_token, "member").await;
    api(&app, &bot, Method::GET, "/audit-events?limit=1", None)
        .await
        .expect(200);
    assert_problem(
        &api(&app, &weak, Method::GET, "/audit-events?limit=1", None).await,
        403,
        "read_audit_trail",
    );
    // What the account does, the audit trail names it for, not its creator.
    api(
        &app,
        &bot,
        Method::POST,
        "/invites",
        Some(json!({ "email": "invited-by-bot@example.com" })),
    )
    .await
    .expect(201);
    let events = root(&app, Method::GET, "/audit-events?limit=1", None)
        .await
        .expect(200)
        .body;
    let newest = &events["events"][0];
    assert_eq!(newest["action"], "invite.created", "{events}");
    assert_eq!(newest["actor_kind"], "service_account");
    assert_eq!(newest["actor_id"], acct.as_str());
    // The creator leaves (deactivated by the IdP): the account and its token keep working.
    deactivate(&app, &creator).await;
    api(&app, &bot, Method::GET, "/audit-events?limit=1", None)
        .await
        .expect(200);
    let listed = root(&app, Method::GET, "/service-accounts", None)
        .await
        .expect(200)
        .body;
    assert_eq!(listed["service_accounts"].as_array().unwrap().len(), 2);
    let intro = root(
        &app,
        Method::POST,
        "/tokens/introspect",
        Some(json!({ "token": bot })),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(intro["kind"], "service_account");
    assert_eq!(intro["owner"], acct);
    // Deleting the account stops its tokens.
    root(
        &app,
        Method::DELETE,
        &format!("/service-accounts/{acct}"),
        None,
    )
    .await
    .expect(204);
    api(&app, &bot, Method::GET, "/audit-events?limit=1", None)
        .await
        .expect(401);
}
