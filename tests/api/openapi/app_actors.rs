//! The app actor operations (issue 14), called as `every_operation_answers_as_documented` calls
//! the others: a success and the problems each answers.

use serde_json::json;

use super::conformance::Caller::{Member, Root};
use super::conformance::Conformance;

pub async fn app_actors(c: &mut Conformance) {
    let (all, one) = ("/api/v1/app-actors", "/api/v1/app-actors/{id}");
    let bot = json!({ "name": "bot", "agent_type": "integration",
                      "grants": [{ "resource": "audit_events", "access": "read" }] });
    let created = c
        .expect(Root, &format!("POST {all}"), &[], Some(bot.clone()), 201)
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    c.expect(Root, &format!("POST {all}"), &[], Some(bot.clone()), 409)
        .await;
    let bad = json!({ "name": "x", "grants": [{ "resource": "users", "access": "read",
                                                 "projects": ["p"] }] });
    c.expect(Root, &format!("POST {all}"), &[], Some(bad), 422)
        .await;
    c.expect_raw(Root, &format!("POST {all}"), "{not json", 400)
        .await;
    c.expect(Member, &format!("POST {all}"), &[], Some(bot), 403)
        .await;
    c.expect(Root, &format!("GET {all}"), &[], None, 200).await;
    c.expect(Root, &format!("GET {all}?limit=0"), &[], None, 422)
        .await;
    c.expect(Member, &format!("GET {all}"), &[], None, 403)
        .await;
    c.expect(Root, &format!("GET {one}"), &[&id], None, 200)
        .await;
    c.expect(Root, &format!("GET {one}"), &["nope"], None, 404)
        .await;
    let rename = json!({ "description": "nightly sync" });
    c.expect(Root, &format!("PATCH {one}"), &[&id], Some(rename), 200)
        .await;
    c.expect(
        Root,
        &format!("PATCH {one}"),
        &[&id],
        Some(json!({ "name": "" })),
        422,
    )
    .await;

    let tokens = format!("{one}/tokens");
    let issued = c
        .expect(
            Root,
            &format!("POST {tokens}"),
            &[&id],
            Some(json!({ "name": "sync" })),
            201,
        )
        .await;
    let token = issued["id"].as_str().unwrap().to_owned();
    let more = json!({ "name": "x", "grants": [{ "resource": "users", "access": "read" }] });
    c.expect(Root, &format!("POST {tokens}"), &[&id], Some(more), 422)
        .await;
    c.expect(
        Root,
        &format!("POST {tokens}"),
        &["nope"],
        Some(json!({ "name": "x" })),
        404,
    )
    .await;
    c.expect(Root, &format!("GET {tokens}"), &[&id], None, 200)
        .await;
    let revoke = format!("DELETE {tokens}/{{token_id}}");
    c.expect(Root, &revoke, &[&id, &token], None, 204).await;
    c.expect(Root, &revoke, &[&id, &token], None, 404).await;
    c.expect(Root, &format!("DELETE {one}"), &[&id], None, 204)
        .await;
    c.expect(Root, &format!("DELETE {one}"), &[&id], None, 404)
        .await;
}
