//! App approval requests: recipients (default every super admin, or configured), the
//! requester's acknowledgement, one request per user and app, the admins' pending list, and
//! approve or deny with a reason that reaches the requester.

use reqwest::Method;
use serde_json::json;

use crate::apps_support::{may_use, notifications, register, set_mode};
use crate::common::spawn_app;
use crate::governance::{api, assert_problem, root, user_with_role};

#[actix_web::test]
async fn a_request_reaches_every_super_admin_and_the_requester_once() {
    let app = spawn_app().await;
    let root_token = app.creds.admin_token.clone();
    let (second_super, _) = user_with_role(&app, "sue@example.com", "super_admin").await;
    let (member, member_token) = user_with_role(&app, "mia@example.com", "member").await;
    let id = register(&app, "com.example.chat", "Chat").await;
    set_mode(&app, &root_token, "require_approval").await;

    let path = format!("/apps/{id}/approval-requests");
    let first = api(&app, &member_token, Method::POST, &path, None)
        .await
        .expect(201);
    assert_eq!(first.body["status"], "pending");
    assert_eq!(first.body["requester_email"], "mia@example.com");
    let again = api(&app, &member_token, Method::POST, &path, None)
        .await
        .expect(200);
    assert_eq!(
        again.body["id"], first.body["id"],
        "one request per user and app"
    );

    let sent = notifications(&app, "app.approval_requested");
    assert_eq!(sent.len(), 1, "{sent:?}");
    let mut recipients: Vec<String> = sent[0]["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    recipients.sort();
    let mut supers = vec![app.creds.admin_user_id.to_string(), second_super];
    supers.sort();
    assert_eq!(recipients, supers);
    assert_eq!(sent[0]["data"]["requester_email"], "mia@example.com");
    let ack = notifications(&app, "app.approval_request_received");
    assert_eq!(ack.len(), 1);
    assert_eq!(ack[0]["recipients"], json!([member]));
}

#[actix_web::test]
async fn configured_recipients_receive_requests_and_an_allowed_app_needs_none() {
    let app = spawn_app().await;
    let (reviewer, _) = user_with_role(&app, "rita@example.com", "admin").await;
    let (_, member_token) = user_with_role(&app, "mia@example.com", "member").await;
    let id = register(&app, "com.example.chat", "Chat").await;
    let path = format!("/apps/{id}/approval-requests");
    let reply = api(&app, &member_token, Method::POST, &path, None).await;
    assert_problem(&reply, 409, "already allowed");

    let bad = root(
        &app,
        Method::PUT,
        "/apps/settings",
        Some(
            json!({ "app_mode": "require_approval", "external_automation": true,
                     "approval_recipients": ["nobody"] }),
        ),
    )
    .await;
    assert_problem(&bad, 422, "approval_recipients");
    root(
        &app,
        Method::PUT,
        "/apps/settings",
        Some(
            json!({ "app_mode": "require_approval", "external_automation": true,
                     "approval_recipients": [reviewer] }),
        ),
    )
    .await
    .expect(200);
    api(&app, &member_token, Method::POST, &path, None)
        .await
        .expect(201);
    let sent = notifications(&app, "app.approval_requested");
    assert_eq!(sent[0]["recipients"], json!([reviewer]));
}

#[actix_web::test]
async fn admins_list_pending_requests_and_the_decision_reaches_the_requester() {
    let app = spawn_app().await;
    let root_token = app.creds.admin_token.clone();
    let (_, admin_token) = user_with_role(&app, "adam@example.com", "admin").await;
    let (member, member_token) = user_with_role(&app, "mia@example.com", "member").await;
    let (other, other_token) = user_with_role(&app, "olga@example.com", "member").await;
    let id = register(&app, "com.example.chat", "Chat").await;
    set_mode(&app, &root_token, "require_approval").await;
    let path = format!("/apps/{id}/approval-requests");
    let request = api(&app, &member_token, Method::POST, &path, None)
        .await
        .expect(201);
    let request_id = request.body["id"].as_str().unwrap().to_owned();

    let pending = api(
        &app,
        &admin_token,
        Method::GET,
        "/apps/approval-requests",
        None,
    )
    .await
    .expect(200);
    assert_eq!(pending.body["requests"][0]["id"], request_id.as_str());
    assert_eq!(pending.body["requests"][0]["app_name"], "Chat");
    // Organization admins see requests; deciding is for super admins.
    let reply = api(
        &app,
        &admin_token,
        Method::POST,
        &format!("/apps/approval-requests/{request_id}/deny"),
        None,
    )
    .await;
    assert_eq!(reply.status, 403);

    let denied = root(
        &app,
        Method::POST,
        &format!("/apps/approval-requests/{request_id}/deny"),
        Some(json!({ "reason": "we use another chat" })),
    )
    .await
    .expect(200);
    assert_eq!(denied.body["request"]["status"], "denied");
    let decided = notifications(&app, "app.approval_decided");
    assert_eq!(decided.len(), 1);
    assert_eq!(decided[0]["recipients"], json!([member]));
    assert_eq!(decided[0]["data"]["decision"], "denied");
    assert_eq!(decided[0]["data"]["reason"], "we use another chat");
    let twice = root(
        &app,
        Method::POST,
        &format!("/apps/approval-requests/{request_id}/deny"),
        None,
    )
    .await;
    assert_problem(&twice, 409, "already denied");
    assert_eq!(
        may_use(&app, &root_token, &member, &id).await.body["allowed"],
        false
    );

    // Asked again: the same request, pending again; approving it approves the app and
    // settles everyone's pending request for it.
    let again = api(&app, &member_token, Method::POST, &path, None)
        .await
        .expect(201);
    assert_eq!(again.body["id"], request_id.as_str());
    api(&app, &other_token, Method::POST, &path, None)
        .await
        .expect(201);
    let approved = root(
        &app,
        Method::POST,
        &format!("/apps/approval-requests/{request_id}/approve"),
        None,
    )
    .await
    .expect(200);
    assert_eq!(approved.body["app"]["approved"], true);
    for user in [&member, &other] {
        assert_eq!(
            may_use(&app, &root_token, user, &id).await.body["allowed"],
            true
        );
    }
    let decided = notifications(&app, "app.approval_decided");
    assert_eq!(decided.len(), 3, "{decided:?}");
    let pending = root(&app, Method::GET, "/apps/approval-requests", None)
        .await
        .expect(200);
    assert_eq!(pending.body["requests"], json!([]));
}
