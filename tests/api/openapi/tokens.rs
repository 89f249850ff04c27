//! The token governance operations (personal access tokens, their policy, the at-risk report,
//! the credential inventory, leak reports and service accounts), called as
//! `every_operation_answers_as_documented` calls the others: a success and the problems each
//! answers.

use serde_json::json;

use super::conformance::Caller::{Member, Nobody, Root};
use super::conformance::Conformance;
use crate::governance::{custom_role, user_with_role};

pub async fn personal_tokens(c: &mut Conformance, member_id: &str) {
    let (all, one) = ("/api/v1/tokens", "/api/v1/tokens/{id}");
    let laptop = json!({ "name": "laptop", "expires_in_days": 30 });
    let created = c
        .expect(Member, &format!("POST {all}"), &[], Some(laptop), 201)
        .await;
    let (id, secret) = (
        created["id"].as_str().unwrap().to_owned(),
        created["token"].as_str().unwrap().to_owned(),
    );
    let unnamed = json!({ "name": " " });
    c.expect(Root, &format!("POST {all}"), &[], Some(unnamed), 422)
        .await;
    let misspelt = json!({ "nme": "x" });
    c.expect(Root, &format!("POST {all}"), &[], Some(misspelt), 422)
        .await;
    c.expect_raw(Root, &format!("POST {all}"), "{not json", 400)
        .await;
    // A role without use_personal_access_tokens is refused, naming the permission.
    let role = custom_role(
        &c.app,
        "No tokens",
        "member",
        json!({ "use_personal_access_tokens": false }),
    )
    .await;
    let (_, refused) = user_with_role(&c.app, "notokens@example.com", &role).await;
    let member = std::mem::replace(&mut c.member, refused);
    let named = json!({ "name": "x" });
    c.expect(Member, &format!("POST {all}"), &[], Some(named), 403)
        .await;
    c.member = member;

    c.expect(Root, &format!("GET {all}"), &[], None, 200).await;
    let used = format!("GET {all}?last_used_after=2000-01-01T00:00:00");
    c.expect(Root, &used, &[], None, 200).await;
    let mine = format!("GET {all}?owner={member_id}");
    let listed = c.expect(Root, &mine, &[], None, 200).await;
    let ids: Vec<&str> = listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert!(ids.contains(&id.as_str()), "{listed}");
    let garbled = format!("GET {all}?last_used_before=yesterday");
    c.expect(Root, &garbled, &[], None, 400).await;
    c.expect(Member, &format!("GET {all}"), &[], None, 403)
        .await;

    let introspect = "POST /api/v1/tokens/introspect";
    let live = c
        .expect(Root, introspect, &[], Some(json!({ "token": secret })), 200)
        .await;
    assert_eq!(live["active"], true);
    let unknown = json!({ "token": "gat_not_a_token" });
    c.expect(Root, introspect, &[], Some(unknown), 200).await;
    c.expect(Root, introspect, &[], Some(json!({ "tokn": "x" })), 422)
        .await;
    c.expect(Member, introspect, &[], Some(json!({ "token": "x" })), 403)
        .await;

    // Someone else's token: a member may not revoke it, an admin may.
    let roots = c
        .expect(
            Root,
            &format!("POST {all}"),
            &[],
            Some(json!({ "name": "ci" })),
            201,
        )
        .await;
    let roots = roots["id"].as_str().unwrap().to_owned();
    c.expect(Member, &format!("DELETE {one}"), &[&roots], None, 403)
        .await;
    c.expect(Root, &format!("DELETE {one}"), &[&roots], None, 204)
        .await;
    c.expect(Member, &format!("DELETE {one}"), &[&id], None, 204)
        .await;
    c.expect(Root, &format!("DELETE {one}"), &[&id], None, 404)
        .await;
}

pub async fn policy_and_reports(c: &mut Conformance) {
    let policy = "/api/v1/tokens/policy";
    c.expect(Root, &format!("GET {policy}"), &[], None, 200)
        .await;
    c.expect(Member, &format!("GET {policy}"), &[], None, 403)
        .await;
    let put = format!("PUT {policy}");
    let ninety = json!({ "service_account": 90 });
    let now = c.expect(Root, &put, &[], Some(ninety), 200).await;
    assert_eq!(now["service_account"]["effective_days"], 90);
    let back = json!({ "service_account": "default", "personal": null });
    c.expect(Root, &put, &[], Some(back), 200).await;
    c.expect(Root, &put, &[], Some(json!({ "personal": 45 })), 422)
        .await;
    c.expect_raw(Root, &put, "{not json", 400).await;
    c.expect(Member, &put, &[], Some(json!({})), 403).await;

    for report in ["/api/v1/tokens/at-risk", "/api/v1/credentials"] {
        c.expect(Root, &format!("GET {report}"), &[], None, 200)
            .await;
        c.expect(Member, &format!("GET {report}"), &[], None, 403)
            .await;
    }

    let leaked = "POST /api/v1/tokens/revoke-leaked";
    let report = json!({ "tokens": ["gat_not_a_token"] });
    c.expect(Nobody, leaked, &[], Some(report), 202).await;
    c.expect(Nobody, leaked, &[], Some(json!({ "tokens": "x" })), 422)
        .await;
    c.expect_raw(Nobody, leaked, "{not json", 400).await;
    let too_many = json!({ "tokens": vec!["gat_x"; 1001] });
    c.expect(Nobody, leaked, &[], Some(too_many), 400).await;
}

pub async fn service_accounts(c: &mut Conformance) {
    let (all, one) = ("/api/v1/service-accounts", "/api/v1/service-accounts/{id}");
    let ci = json!({ "name": "ci", "role_id": "member" });
    let created = c
        .expect(Root, &format!("POST {all}"), &[], Some(ci.clone()), 201)
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let no_role = json!({ "name": "ci" });
    c.expect(Root, &format!("POST {all}"), &[], Some(no_role), 422)
        .await;
    c.expect_raw(Root, &format!("POST {all}"), "{not json", 400)
        .await;
    c.expect(Member, &format!("POST {all}"), &[], Some(ci), 403)
        .await;
    c.expect(Root, &format!("GET {all}"), &[], None, 200).await;
    c.expect(Member, &format!("GET {all}"), &[], None, 403)
        .await;

    let tokens = format!("{one}/tokens");
    let deploy = json!({ "name": "deploy" });
    let issued = c
        .expect(
            Root,
            &format!("POST {tokens}"),
            &[&id],
            Some(deploy.clone()),
            201,
        )
        .await;
    let token = issued["id"].as_str().unwrap().to_owned();
    c.expect(
        Root,
        &format!("POST {tokens}"),
        &["nope"],
        Some(deploy.clone()),
        404,
    )
    .await;
    c.expect(
        Root,
        &format!("POST {tokens}"),
        &[&id],
        Some(json!({})),
        422,
    )
    .await;
    c.expect(Member, &format!("POST {tokens}"), &[&id], Some(deploy), 403)
        .await;
    let listed = c
        .expect(Root, &format!("GET {tokens}"), &[&id], None, 200)
        .await;
    assert_eq!(listed["tokens"][0]["id"], token.as_str());
    c.expect(Root, &format!("GET {tokens}"), &["nope"], None, 404)
        .await;
    c.expect(Member, &format!("GET {tokens}"), &[&id], None, 403)
        .await;
    let revoke = format!("DELETE {tokens}/{{token_id}}");
    c.expect(Member, &revoke, &[&id, &token], None, 403).await;
    c.expect(Root, &revoke, &[&id, &token], None, 204).await;
    c.expect(Root, &revoke, &[&id, &token], None, 404).await;

    c.expect(Member, &format!("DELETE {one}"), &[&id], None, 403)
        .await;
    c.expect(Root, &format!("DELETE {one}"), &[&id], None, 204)
        .await;
    c.expect(Root, &format!("DELETE {one}"), &[&id], None, 404)
        .await;
}
