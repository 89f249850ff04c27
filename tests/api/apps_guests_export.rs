//! A guest who joins a require-approval organization while using an unapproved app (usage in
//! another organization, or reported here): blocked for them and notified once. The 90-day
//! CSV export: its contents, the download, the notification to the admin who asked.

use reqwest::Method;
use serde_json::json;

use crate::apps_support::{may_use, notifications, register, set_mode};
use crate::common::{spawn_app, user_body};
use crate::governance::{api, root, user_with_role};

#[actix_web::test]
async fn a_guest_using_an_unapproved_app_elsewhere_is_blocked_and_notified_once() {
    let app = spawn_app().await;
    let root_token = app.creds.admin_token.clone();
    // Their home organization, where they use the app.
    let home = app.other_organization("home.example");
    let created = app
        .send_as(
            &home.scim_token,
            Method::POST,
            "/Users",
            Some(user_body("gwen@home.example")),
        )
        .await
        .expect(201);
    let home_user = created.body["id"].as_str().unwrap().to_owned();
    let home_app = api(
        &app,
        &home.admin_token,
        Method::POST,
        "/apps",
        Some(json!({ "client_id": "com.example.chat", "name": "Chat" })),
    )
    .await
    .expect(201);
    let home_app = home_app.body["id"].as_str().unwrap().to_owned();
    api(
        &app,
        &home.admin_token,
        Method::POST,
        &format!("/apps/{home_app}/usage"),
        Some(json!({ "user_id": home_user })),
    )
    .await
    .expect(200);

    // This organization requires approval; the same person joins it as a guest.
    let id = register(&app, "com.example.chat", "Chat").await;
    set_mode(&app, &root_token, "require_approval").await;
    let (guest, _) = user_with_role(&app, "gwen@home.example", "guest").await;
    let (member, _) = user_with_role(&app, "mia@example.com", "member").await;
    // Blocked and told as they join (the SCIM create), before any use here.
    let sent = notifications(&app, "app.blocked_for_guest");
    assert_eq!(sent.len(), 1, "on joining: {sent:?}");
    for _ in 0..2 {
        let d = may_use(&app, &root_token, &guest, &id).await;
        assert_eq!(d.body["allowed"], false);
        assert!(d.text.contains("blocked for you"), "{}", d.text);
    }
    let sent = notifications(&app, "app.blocked_for_guest");
    assert_eq!(sent.len(), 1, "once: {sent:?}");
    assert_eq!(sent[0]["recipients"], json!([guest]));
    // A member without usage elsewhere is simply not approved.
    let d = may_use(&app, &root_token, &member, &id).await;
    assert!(d.text.contains("not approved"), "{}", d.text);
    // Approving the app lifts the guest's block.
    root(&app, Method::POST, &format!("/apps/{id}/unblock"), None)
        .await
        .expect(200);
    assert_eq!(
        may_use(&app, &root_token, &guest, &id).await.body["allowed"],
        true
    );
}

#[actix_web::test]
async fn a_guest_reported_using_an_unapproved_app_here_is_blocked_and_notified() {
    let app = spawn_app().await;
    let root_token = app.creds.admin_token.clone();
    let id = register(&app, "com.example.chat", "Chat").await;
    set_mode(&app, &root_token, "require_approval").await;
    let (guest, _) = user_with_role(&app, "gwen@partner.example", "guest").await;
    let (member, _) = user_with_role(&app, "mia@example.com", "member").await;
    let reply = root(
        &app,
        Method::POST,
        &format!("/apps/{id}/usage"),
        Some(json!({ "events": [{ "user_id": guest }, { "user_id": member }] })),
    )
    .await
    .expect(200);
    assert_eq!(reply.body["blocked_for"], json!([guest]));
    let sent = notifications(&app, "app.blocked_for_guest");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["data"]["app_id"], id.as_str());
}

#[actix_web::test]
async fn the_export_lists_each_users_uses_in_90_days_and_last_use_as_csv() {
    let app = spawn_app().await;
    let (u1, _) = user_with_role(&app, "ana@example.com", "member").await;
    let (u2, _) = user_with_role(&app, "bo@example.com", "member").await;
    let (u3, _) = user_with_role(&app, "cy@example.com", "member").await;
    let chat = register(&app, "com.example.chat", "Chat").await;
    let ago = |n: i64| (chrono::Utc::now() - chrono::Duration::days(n)).to_rfc3339();
    root(
        &app,
        Method::POST,
        &format!("/apps/{chat}/usage"),
        Some(json!({ "events": [
            { "user_id": u1, "at": ago(1) },
            { "user_id": u1, "at": ago(10) },
            { "user_id": u1, "at": ago(10) },
            { "user_id": u2, "at": ago(89) },
            { "user_id": u3, "at": ago(120) },
        ]})),
    )
    .await
    .expect(200);
    let created = root(&app, Method::POST, "/apps/exports", None)
        .await
        .expect(201);
    assert_eq!(created.body["rows"], 2, "cy's use is older than 90 days");
    let export_id = created.body["id"].as_str().unwrap().to_owned();

    let ready = notifications(&app, "export.ready");
    assert_eq!(ready.len(), 1);
    assert_eq!(
        ready[0]["recipients"],
        json!([app.creds.admin_user_id.to_string()])
    );
    assert_eq!(ready[0]["data"]["export_id"], export_id.as_str());

    let res = app
        .client
        .get(format!("{}/api/v1/apps/exports/{export_id}", app.address))
        .bearer_auth(&app.creds.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "app",
            "client_id",
            "email",
            "uses_last_90_days",
            "last_used"
        ]
    );
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    rows.sort();
    let day = |n: i64| {
        (chrono::Utc::now() - chrono::Duration::days(n))
            .date_naive()
            .to_string()
    };
    assert_eq!(
        rows,
        vec![
            vec![
                "Chat".into(),
                "com.example.chat".into(),
                "ana@example.com".into(),
                "3".into(),
                day(1)
            ],
            vec![
                "Chat".into(),
                "com.example.chat".into(),
                "bo@example.com".into(),
                "1".into(),
                day(89)
            ],
        ]
    );
    let other = app.other_organization("other.example");
    let reply = api(
        &app,
        &other.admin_token,
        Method::GET,
        &format!("/apps/exports/{export_id}"),
        None,
    )
    .await;
    assert_eq!(reply.status, 404);
}
