//! Moving a personal token's integration to an app actor (issue 14), called as
//! `every_operation_answers_as_documented` calls the others: a success and the problems each
//! answers.

use serde_json::json;

use super::conformance::Caller::{Member, Root};
use super::conformance::Conformance;

pub async fn moves(c: &mut Conformance) {
    let (propose, confirm) = (
        "POST /api/v1/app-actors/proposals",
        "POST /api/v1/app-actors/proposals/confirm",
    );
    // A token of the super admin's own, made for this (moving it revokes only it).
    let created = c
        .expect(
            Root,
            "POST /api/v1/tokens",
            &[],
            Some(json!({ "name": "nightly export" })),
            201,
        )
        .await;
    let token = json!({ "token_id": created["id"] });
    let nope = json!({ "token_id": "nope" });
    c.expect(Root, propose, &[], Some(token.clone()), 200).await;
    c.expect(Root, propose, &[], Some(nope.clone()), 404).await;
    c.expect_raw(Root, propose, "{not json", 400).await;
    c.expect(Member, propose, &[], Some(token.clone()), 403)
        .await;
    let more = json!({ "token_id": created["id"],
                       "grants": [{ "resource": "tokens", "access": "write" }] });
    c.expect(Root, confirm, &[], Some(more), 422).await;
    c.expect(Root, confirm, &[], Some(nope), 404).await;
    c.expect_raw(Root, confirm, "{not json", 400).await;
    c.expect(Member, confirm, &[], Some(token.clone()), 403)
        .await;
    c.expect(Root, confirm, &[], Some(token.clone()), 201).await;
    c.expect(Root, confirm, &[], Some(token.clone()), 409).await;
    c.expect(Root, propose, &[], Some(token), 409).await;
}
