//! The project and membership operations (and the legacy project-member ones), called as
//! `every_operation_answers_as_documented` calls the others: a success and the problems each
//! answers.

use serde_json::json;

use super::conformance::Caller::{Member, Root};
use super::conformance::Conformance;

const PROJECTS: &str = "/api/v1/projects";
const PROJECT: &str = "/api/v1/projects/{id}";
const MEMBERSHIPS: &str = "/api/v1/memberships";
const MEMBERSHIP: &str = "/api/v1/memberships/{id}";

pub async fn projects_and_memberships(c: &mut Conformance, member_id: &str) {
    let root_id = c.app.creds.admin_user_id.to_string();
    let new = json!({ "name": "Launch", "owner": root_id });
    let created = c
        .expect(
            Root,
            &format!("POST {PROJECTS}"),
            &[],
            Some(new.clone()),
            201,
        )
        .await;
    let id = created["gid"].as_str().unwrap().to_owned();
    let ghost = json!({ "name": "Launch", "owner": "ghost" });
    c.expect(Root, &format!("POST {PROJECTS}"), &[], Some(ghost), 404)
        .await;
    let blank = json!({ "name": "" });
    c.expect(
        Root,
        &format!("POST {PROJECTS}"),
        &[],
        Some(blank.clone()),
        422,
    )
    .await;
    c.expect_raw(Root, &format!("POST {PROJECTS}"), "{", 400)
        .await;
    c.expect(Member, &format!("POST {PROJECTS}"), &[], Some(new), 403)
        .await;
    c.expect(Root, &format!("GET {PROJECTS}?limit=1"), &[], None, 200)
        .await;
    c.expect(Root, &format!("GET {PROJECTS}?limit=0"), &[], None, 400)
        .await;
    c.expect(Member, &format!("GET {PROJECTS}"), &[], None, 403)
        .await;
    c.expect(Root, &format!("GET {PROJECT}"), &[&id], None, 200)
        .await;
    c.expect(Root, &format!("GET {PROJECT}"), &["nope"], None, 404)
        .await;
    c.expect(Member, &format!("GET {PROJECT}"), &[&id], None, 403)
        .await;
    let rename = json!({ "name": "Launch 2" });
    c.expect(
        Root,
        &format!("PUT {PROJECT}"),
        &[&id],
        Some(rename.clone()),
        200,
    )
    .await;
    c.expect(Root, &format!("PUT {PROJECT}"), &[&id], Some(blank), 422)
        .await;
    c.expect(
        Root,
        &format!("PUT {PROJECT}"),
        &["nope"],
        Some(rename.clone()),
        404,
    )
    .await;
    c.expect(Member, &format!("PUT {PROJECT}"), &[&id], Some(rename), 403)
        .await;

    let add = json!({ "member": member_id, "parent": id, "write_access": "comment_only" });
    let m = c
        .expect(
            Root,
            &format!("POST {MEMBERSHIPS}"),
            &[],
            Some(add.clone()),
            201,
        )
        .await;
    let m = m["gid"].as_str().unwrap().to_owned();
    c.expect(
        Root,
        &format!("POST {MEMBERSHIPS}"),
        &[],
        Some(add.clone()),
        409,
    )
    .await;
    let unknown = json!({ "member": member_id, "parent": id, "access_level": "boss" });
    c.expect(
        Root,
        &format!("POST {MEMBERSHIPS}"),
        &[],
        Some(unknown),
        400,
    )
    .await;
    let nobody = json!({ "member": "nobody", "parent": id });
    c.expect(Root, &format!("POST {MEMBERSHIPS}"), &[], Some(nobody), 404)
        .await;
    let shape = json!({ "member": member_id });
    c.expect(Root, &format!("POST {MEMBERSHIPS}"), &[], Some(shape), 422)
        .await;
    c.expect(Member, &format!("POST {MEMBERSHIPS}"), &[], Some(add), 403)
        .await;
    let list = format!("GET {MEMBERSHIPS}?parent={id}&member={member_id}&limit=10");
    c.expect(Root, &list, &[], None, 200).await;
    c.expect(
        Root,
        &format!("GET {MEMBERSHIPS}?limit=500"),
        &[],
        None,
        400,
    )
    .await;
    c.expect(
        Root,
        &format!("GET {MEMBERSHIPS}?parent=nope"),
        &[],
        None,
        404,
    )
    .await;
    c.expect(Member, &format!("GET {MEMBERSHIPS}"), &[], None, 403)
        .await;
    c.expect(Root, &format!("GET {MEMBERSHIP}"), &[&m], None, 200)
        .await;
    c.expect(Root, &format!("GET {MEMBERSHIP}"), &["nope"], None, 404)
        .await;
    c.expect(Member, &format!("GET {MEMBERSHIP}"), &[&m], None, 403)
        .await;
    let level = json!({ "access_level": "viewer" });
    c.expect(
        Root,
        &format!("PUT {MEMBERSHIP}"),
        &[&m],
        Some(level.clone()),
        200,
    )
    .await;
    let bad = json!({ "write_access": "editor" });
    c.expect(Root, &format!("PUT {MEMBERSHIP}"), &[&m], Some(bad), 400)
        .await;
    let shape = json!({ "level": "viewer" });
    c.expect(Root, &format!("PUT {MEMBERSHIP}"), &[&m], Some(shape), 422)
        .await;
    c.expect(
        Root,
        &format!("PUT {MEMBERSHIP}"),
        &["nope"],
        Some(level.clone()),
        404,
    )
    .await;
    c.expect(
        Member,
        &format!("PUT {MEMBERSHIP}"),
        &[&m],
        Some(level),
        403,
    )
    .await;

    let decide = json!({ "user_id": member_id, "permission": "comment", "project_id": id });
    c.expect(Root, "POST /api/v1/authorize", &[], Some(decide), 200)
        .await;
    let batch = json!({ "checks": [
        { "user_id": member_id, "permission": "view", "project_id": id },
        { "user_id": member_id, "permission": "upload_files" },
    ] });
    c.expect(Root, "POST /api/v1/authorize", &[], Some(batch), 200)
        .await;

    legacy(c, &id, member_id, &m).await;

    c.expect(Member, &format!("DELETE {MEMBERSHIP}"), &[&m], None, 403)
        .await;
    c.expect(Root, &format!("DELETE {MEMBERSHIP}"), &[&m], None, 204)
        .await;
    c.expect(Root, &format!("DELETE {MEMBERSHIP}"), &[&m], None, 404)
        .await;
    c.expect(Member, &format!("DELETE {PROJECT}"), &[&id], None, 403)
        .await;
    c.expect(Root, &format!("DELETE {PROJECT}"), &[&id], None, 204)
        .await;
    c.expect(Root, &format!("DELETE {PROJECT}"), &[&id], None, 404)
        .await;
}

async fn legacy(c: &mut Conformance, id: &str, member_id: &str, membership: &str) {
    let list = "GET /api/v1/projects/{id}/project_memberships";
    c.expect(Root, list, &[id], None, 200).await;
    c.expect(Root, &format!("{list}?limit=0"), &[id], None, 400)
        .await;
    c.expect(Root, list, &["nope"], None, 404).await;
    c.expect(Member, list, &[id], None, 403).await;
    let one = "GET /api/v1/project_memberships/{id}";
    c.expect(Root, one, &[membership], None, 200).await;
    c.expect(Root, one, &["nope"], None, 404).await;
    c.expect(Member, one, &[membership], None, 403).await;

    let add = "POST /api/v1/projects/{id}/addMembers";
    let root_id = c.app.creds.admin_user_id.to_string();
    let body = json!({ "members": [root_id, member_id] });
    c.expect(Root, add, &[id], Some(body.clone()), 200).await;
    let csv = json!({ "members": root_id, "access_level": "viewer" });
    c.expect(Root, add, &[id], Some(csv), 200).await;
    let bad = json!({ "members": [member_id], "write_access": "all" });
    c.expect(Root, add, &[id], Some(bad), 400).await;
    c.expect(Root, add, &[id], Some(json!({ "members": [] })), 422)
        .await;
    c.expect(Root, add, &["nope"], Some(body.clone()), 404)
        .await;
    c.expect(Member, add, &[id], Some(body), 403).await;

    let remove = "POST /api/v1/projects/{id}/removeMembers";
    let body = json!({ "members": [root_id] });
    c.expect(Root, remove, &[id], Some(body.clone()), 200).await;
    let ghost = json!({ "members": ["ghost"] });
    c.expect(Root, remove, &[id], Some(ghost), 404).await;
    c.expect(Root, remove, &[id], Some(json!({ "members": "" })), 422)
        .await;
    c.expect(Member, remove, &[id], Some(body), 403).await;
}
