//! The connected-apps operations, called as `every_operation_answers_as_documented` calls the
//! others: a success and the problems each answers.

use serde_json::json;

use super::conformance::Caller::{Member, Root};
use super::conformance::Conformance;

const APPS: &str = "/api/v1/apps";
const APP: &str = "/api/v1/apps/{id}";
const SETTINGS: &str = "/api/v1/apps/settings";
const ASK: &str = "/api/v1/apps/{id}/approval-requests";
const APPROVE: &str = "/api/v1/apps/approval-requests/{id}/approve";
const DENY: &str = "/api/v1/apps/approval-requests/{id}/deny";

pub async fn registry_and_usage(c: &mut Conformance, member_id: &str) {
    let chat = json!({ "client_id": "com.example.chat", "name": "Chat", "permissions": ["read"] });
    let created = c
        .expect(Root, &format!("POST {APPS}"), &[], Some(chat.clone()), 201)
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    c.expect(Root, &format!("POST {APPS}"), &[], Some(chat.clone()), 409)
        .await;
    let empty = json!({ "client_id": "", "name": "Nameless" });
    c.expect(Root, &format!("POST {APPS}"), &[], Some(empty.clone()), 422)
        .await;
    c.expect_raw(Root, &format!("POST {APPS}"), "{", 400).await;
    c.expect(
        Member,
        &format!("POST {APPS}"),
        &[],
        Some(chat.clone()),
        403,
    )
    .await;

    let usage = format!("POST {APP}/usage");
    let one = json!({ "user_id": member_id });
    c.expect(Root, &usage, &[&id], Some(one.clone()), 200).await;
    let batch = json!({ "events": [one.clone(), { "user_id": member_id }] });
    c.expect(Root, &usage, &[&id], Some(batch), 200).await;
    let none = json!({ "events": [] });
    c.expect(Root, &usage, &[&id], Some(none), 422).await;
    c.expect(Root, &usage, &["nope"], Some(one.clone()), 404)
        .await;

    c.expect(Root, &format!("GET {APPS}"), &[], None, 200).await;
    c.expect(Member, &format!("GET {APPS}"), &[], None, 403)
        .await;
    c.expect(Root, &format!("GET {APP}"), &[&id], None, 200)
        .await;
    c.expect(Root, &format!("GET {APP}"), &["nope"], None, 404)
        .await;
    let renamed = json!({ "client_id": "com.example.chat", "name": "Chat 2", "developer": "Ex" });
    c.expect(
        Root,
        &format!("PUT {APP}"),
        &[&id],
        Some(renamed.clone()),
        200,
    )
    .await;
    c.expect(Root, &format!("PUT {APP}"), &[&id], Some(empty), 422)
        .await;
    c.expect(Root, &format!("PUT {APP}"), &["nope"], Some(renamed), 404)
        .await;

    for action in ["block", "unblock"] {
        let call = format!("POST {APP}/{action}");
        c.expect(Root, &call, &[&id], None, 200).await;
        c.expect(Root, &call, &["nope"], None, 404).await;
        c.expect(Member, &call, &[&id], None, 403).await;
    }

    let decide = json!({ "user_id": member_id, "permission": "use_apps", "app_id": id });
    c.expect(Root, "POST /api/v1/authorize", &[], Some(decide), 200)
        .await;
    let automation = json!({ "user_id": member_id, "permission": "external_automation" });
    c.expect(Root, "POST /api/v1/authorize", &[], Some(automation), 200)
        .await;
    let elsewhere = json!({ "user_id": member_id, "permission": "use_apps", "app_id": "nope" });
    c.expect(Root, "POST /api/v1/authorize", &[], Some(elsewhere), 404)
        .await;

    requests_and_export(c, &chat).await;

    c.expect(Root, &format!("DELETE {APP}"), &[&id], None, 204)
        .await;
    c.expect(Root, &format!("DELETE {APP}"), &[&id], None, 404)
        .await;
}

/// App settings, approval requests (asked by the member, decided by root) and the export.
async fn requests_and_export(c: &mut Conformance, chat: &serde_json::Value) {
    c.expect(Root, &format!("GET {SETTINGS}"), &[], None, 200)
        .await;
    c.expect(Member, &format!("GET {SETTINGS}"), &[], None, 403)
        .await;
    let strict = json!({
        "app_mode": "require_approval",
        "external_automation": false,
        "approval_recipients": null,
    });
    c.expect(Root, &format!("PUT {SETTINGS}"), &[], Some(strict), 200)
        .await;
    let wrong = json!({ "app_mode": "sometimes", "external_automation": true });
    c.expect(Root, &format!("PUT {SETTINGS}"), &[], Some(wrong), 422)
        .await;

    // Two apps not approved: one request approved, one denied.
    let mut asked = Vec::new();
    for client in ["com.example.notes", "com.example.draw"] {
        let input = json!({ "client_id": client, "name": client });
        let app = c
            .expect(Root, &format!("POST {APPS}"), &[], Some(input), 201)
            .await;
        let app = app["id"].as_str().unwrap().to_owned();
        let request = c
            .expect(Member, &format!("POST {ASK}"), &[&app], None, 201)
            .await;
        c.expect(Member, &format!("POST {ASK}"), &[&app], None, 200)
            .await;
        asked.push(request["id"].as_str().unwrap().to_owned());
    }
    c.expect(Member, &format!("POST {ASK}"), &["nope"], None, 404)
        .await;
    let list = format!("GET {APPS}/approval-requests?status=pending");
    c.expect(Root, &list, &[], None, 200).await;
    let reason = json!({ "reason": "fine by us" });
    c.expect(
        Root,
        &format!("POST {APPROVE}"),
        &[&asked[0]],
        Some(reason.clone()),
        200,
    )
    .await;
    c.expect(Root, &format!("POST {APPROVE}"), &[&asked[0]], None, 409)
        .await;
    c.expect(Root, &format!("POST {APPROVE}"), &["nope"], None, 404)
        .await;
    c.expect(Member, &format!("POST {APPROVE}"), &[&asked[1]], None, 403)
        .await;
    let unknown = json!({ "why": "no" });
    c.expect(
        Root,
        &format!("POST {DENY}"),
        &[&asked[1]],
        Some(unknown),
        422,
    )
    .await;
    c.expect(
        Root,
        &format!("POST {DENY}"),
        &[&asked[1]],
        Some(reason),
        200,
    )
    .await;
    c.expect(Root, &format!("POST {DENY}"), &["nope"], None, 404)
        .await;
    // An app already allowed cannot be asked for.
    let allowed = c.expect(Root, &format!("GET {APPS}"), &[], None, 200).await;
    let approved = allowed["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["status"] == "allowed" && a["client_id"] != chat["client_id"])
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .unwrap();
    c.expect(Member, &format!("POST {ASK}"), &[&approved], None, 409)
        .await;

    let export = c
        .expect(Root, &format!("POST {APPS}/exports"), &[], None, 201)
        .await;
    let export = export["id"].as_str().unwrap().to_owned();
    c.expect(Member, &format!("POST {APPS}/exports"), &[], None, 403)
        .await;
    let download = format!("GET {APPS}/exports/{{id}}");
    c.expect(Root, &download, &[&export], None, 200).await;
    c.expect(Root, &download, &["nope"], None, 404).await;
    c.expect(Member, &download, &[&export], None, 403).await;
}
