//! The role mapping and invite operations, called as `every_operation_answers_as_documented`
//! calls the others: a success and the problems each answers.

use serde_json::json;

use super::conformance::Caller::{Member, Root};
use super::conformance::Conformance;

pub async fn role_mapping(c: &mut Conformance, connection: &str) {
    let (mapping, preview) = (
        "/api/v1/idp-connections/{id}/role-mapping",
        "/api/v1/idp-connections/{id}/role-mapping/preview",
    );
    let rules = json!({ "rules": [{ "filter": "title eq \"Lead\"", "role_id": "admin" }] });
    c.expect(Root, &format!("GET {mapping}"), &[connection], None, 200)
        .await;
    c.expect(Root, &format!("GET {mapping}"), &["nope"], None, 404)
        .await;
    c.expect(Member, &format!("GET {mapping}"), &[connection], None, 403)
        .await;
    let page = format!("POST {preview}?offset=0&limit=10");
    c.expect(Root, &page, &[connection], Some(rules.clone()), 200)
        .await;
    let broken = json!({ "rules": [{ "filter": "title eq", "role_id": "admin" }] });
    c.expect(Root, &page, &[connection], Some(broken.clone()), 422)
        .await;
    c.expect(
        Root,
        &format!("POST {preview}"),
        &["nope"],
        Some(rules.clone()),
        404,
    )
    .await;
    c.expect(
        Member,
        &format!("POST {preview}"),
        &[connection],
        Some(rules.clone()),
        403,
    )
    .await;
    c.expect(
        Root,
        &format!("PUT {mapping}"),
        &[connection],
        Some(rules.clone()),
        200,
    )
    .await;
    c.expect(
        Root,
        &format!("PUT {mapping}"),
        &[connection],
        Some(broken),
        422,
    )
    .await;
    c.expect(
        Root,
        &format!("PUT {mapping}"),
        &["nope"],
        Some(rules.clone()),
        404,
    )
    .await;
    c.expect(
        Member,
        &format!("PUT {mapping}"),
        &[connection],
        Some(rules),
        403,
    )
    .await;
    c.expect(
        Member,
        &format!("DELETE {mapping}"),
        &[connection],
        None,
        403,
    )
    .await;
    c.expect(Root, &format!("DELETE {mapping}"), &["nope"], None, 404)
        .await;
    c.expect(Root, &format!("DELETE {mapping}"), &[connection], None, 200)
        .await;
}

pub async fn invites(c: &mut Conformance) {
    let (all, one) = ("/api/v1/invites", "/api/v1/invites/{id}");
    let created = c
        .expect(
            Root,
            &format!("POST {all}"),
            &[],
            Some(json!({ "email": "new@example.com" })),
            201,
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    c.expect(
        Root,
        &format!("POST {all}"),
        &[],
        Some(json!({ "email": "nope" })),
        422,
    )
    .await;
    c.expect_raw(Root, &format!("POST {all}"), "{", 400).await;
    let taken = json!({ "email": "member@example.com" });
    c.expect(Root, &format!("POST {all}"), &[], Some(taken), 409)
        .await;
    let chosen = json!({ "email": "x@example.com", "role_id": "admin" });
    c.expect(Member, &format!("POST {all}"), &[], Some(chosen), 403)
        .await;
    c.expect(
        Root,
        &format!("GET {all}?status=pending&offset=0&limit=10"),
        &[],
        None,
        200,
    )
    .await;
    c.expect(Root, &format!("GET {all}?limit=0"), &[], None, 422)
        .await;
    c.expect(Root, &format!("GET {all}?limit=many"), &[], None, 400)
        .await;
    c.expect(Member, &format!("GET {all}"), &[], None, 403)
        .await;
    c.expect(Root, &format!("GET {one}"), &[&id], None, 200)
        .await;
    c.expect(Root, &format!("GET {one}"), &["nope"], None, 404)
        .await;
    c.expect(Member, &format!("GET {one}"), &[&id], None, 403)
        .await;
    let role = format!("PUT {one}/role");
    c.expect(
        Root,
        &role,
        &[&id],
        Some(json!({ "role_id": "admin" })),
        200,
    )
    .await;
    c.expect(Root, &role, &[&id], Some(json!({ "role_id": "nope" })), 422)
        .await;
    c.expect(
        Root,
        &role,
        &["nope"],
        Some(json!({ "role_id": "admin" })),
        404,
    )
    .await;
    c.expect(
        Member,
        &role,
        &[&id],
        Some(json!({ "role_id": "admin" })),
        403,
    )
    .await;
    let accept = format!("POST {one}/accept");
    c.expect(Root, &accept, &["nope"], None, 404).await;
    c.expect(
        Root,
        &accept,
        &[&id],
        Some(json!({ "display_name": "" })),
        422,
    )
    .await;
    c.expect(
        Root,
        &accept,
        &[&id],
        Some(json!({ "display_name": "New" })),
        201,
    )
    .await;
    c.expect(Root, &accept, &[&id], None, 409).await;
    c.expect(
        Root,
        &role,
        &[&id],
        Some(json!({ "role_id": "member" })),
        409,
    )
    .await;
    let other = c
        .expect(
            Root,
            &format!("POST {all}"),
            &[],
            Some(json!({ "email": "later@example.com" })),
            201,
        )
        .await;
    let other = other["id"].as_str().unwrap().to_owned();
    c.expect(Member, &format!("DELETE {one}"), &[&other], None, 403)
        .await;
    c.expect(Root, &format!("DELETE {one}"), &[&other], None, 204)
        .await;
    c.expect(Root, &format!("DELETE {one}"), &[&other], None, 409)
        .await;
    c.expect(Root, &format!("DELETE {one}"), &["nope"], None, 404)
        .await;
}
