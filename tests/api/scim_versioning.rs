//! Versioning end to end (RFC 7644 §3.14, RFC 7643 §3.1 `meta.version`, RFC 7232): ETags,
//! `If-None-Match` on reads and `If-Match` on every write.

use crate::common;

use common::{group_body, id_of, member_ids, patch_body, spawn_app, user_body, Reply, TestApp};
use reqwest::Method;
use serde_json::json;

fn etag(reply: &Reply) -> String {
    let tag = reply.header("etag");
    assert!(!tag.is_empty(), "an ETag header: {}", reply.text);
    tag
}

/// RFC 7232 §2.3: `W/"…"` or `"…"`.
fn is_entity_tag(tag: &str) -> bool {
    let opaque = tag.strip_prefix("W/").unwrap_or(tag);
    opaque.len() >= 2 && opaque.starts_with('"') && opaque.ends_with('"')
}

async fn user_path(app: &TestApp, name: &str) -> String {
    format!("/Users/{}", id_of(&app.create_user(name).await))
}

#[actix_web::test]
async fn the_etag_header_equals_meta_version_on_every_response() {
    let app = spawn_app().await;
    let created = app
        .post_reply("/Users", user_body("etag@example.com"))
        .await
        .expect(201);
    let path = format!("/Users/{}", id_of(&created.body));
    let got = app.get_reply(&path).await.expect(200);
    let put = app
        .put_reply(&path, user_body("etag@example.com"))
        .await
        .expect(200);
    let patched = app
        .patch_ops(
            &path,
            json!([{ "op": "replace", "path": "title", "value": "X" }]),
        )
        .await
        .expect(200);
    let group = app
        .post_reply("/Groups", group_body("Tagged", &[]))
        .await
        .expect(201);
    let gpath = format!("/Groups/{}", id_of(&group.body));
    let gget = app.get_reply(&gpath).await.expect(200);
    for (label, reply) in [
        ("POST user", &created),
        ("GET user", &got),
        ("PUT user", &put),
        ("PATCH user", &patched),
        ("POST group", &group),
        ("GET group", &gget),
    ] {
        let tag = etag(reply);
        assert!(is_entity_tag(&tag), "{label}: {tag:?}");
        assert_eq!(reply.body["meta"]["version"], tag, "{label}");
    }
    // A listed resource carries the same version as its own GET.
    let list = app.get_ok("/Users?count=10").await;
    let listed = list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == created.body["id"])
        .unwrap();
    assert_eq!(listed["meta"]["version"], etag(&patched));
}

#[actix_web::test]
async fn every_change_produces_a_new_version_and_moves_last_modified() {
    let app = spawn_app().await;
    let created = app
        .post_reply("/Users", user_body("versions@example.com"))
        .await
        .expect(201);
    let path = format!("/Users/{}", id_of(&created.body));
    let mut body = user_body("versions@example.com");
    body["title"] = json!("One");
    let put = app.put_reply(&path, body).await.expect(200);
    let patched = app
        .patch_ops(
            &path,
            json!([{ "op": "replace", "path": "title", "value": "Two" }]),
        )
        .await
        .expect(200);
    let tags = [etag(&created), etag(&put), etag(&patched)];
    assert_ne!(tags[0], tags[1]);
    assert_ne!(tags[1], tags[2]);
    assert_ne!(tags[0], tags[2]);
    assert_eq!(
        patched.body["meta"]["created"],
        created.body["meta"]["created"]
    );
    let t = |r: &Reply, k: &str| {
        chrono::DateTime::parse_from_rfc3339(r.body["meta"][k].as_str().unwrap()).unwrap()
    };
    assert!(t(&put, "lastModified") >= t(&created, "lastModified"));
    assert!(t(&patched, "lastModified") >= t(&put, "lastModified"));
    assert!(t(&patched, "lastModified") > t(&created, "created"));
}

#[actix_web::test]
async fn if_none_match_with_the_current_etag_is_304() {
    let app = spawn_app().await;
    let path = user_path(&app, "cached@example.com").await;
    let current = etag(&app.get_reply(&path).await.expect(200));
    let res = app
        .send(Method::GET, &path, None, &[("If-None-Match", &current)])
        .await
        .expect(304);
    assert!(res.text.is_empty(), "a 304 has no body: {}", res.text);
    assert_eq!(res.header("etag"), current);
    // A stale tag gets the resource.
    let res = app
        .send(
            Method::GET,
            &path,
            None,
            &[("If-None-Match", "W/\"stale\"")],
        )
        .await
        .expect(200);
    assert_eq!(res.body["meta"]["version"], current);
    // After a change, the old tag no longer matches.
    app.patch_ops(
        &path,
        json!([{ "op": "replace", "path": "title", "value": "New" }]),
    )
    .await
    .expect(200);
    let res = app
        .send(Method::GET, &path, None, &[("If-None-Match", &current)])
        .await
        .expect(200);
    assert_eq!(res.body["title"], "New");
    // Groups too.
    let group = app.create_group("Cached", &[]).await;
    let gpath = format!("/Groups/{}", id_of(&group));
    let gtag = group["meta"]["version"].as_str().unwrap().to_owned();
    app.send(Method::GET, &gpath, None, &[("If-None-Match", &gtag)])
        .await
        .expect(304);
}

#[actix_web::test]
async fn a_stale_if_match_on_put_is_412_and_changes_nothing() {
    let app = spawn_app().await;
    let path = user_path(&app, "stale.put@example.com").await;
    let stale = etag(&app.get_reply(&path).await.expect(200));
    app.patch_ops(
        &path,
        json!([{ "op": "replace", "path": "title", "value": "Moved On" }]),
    )
    .await
    .expect(200);
    let before = app.get_reply(&path).await.expect(200);
    let mut body = user_body("stale.put@example.com");
    body["title"] = json!("Lost Update");
    app.send(Method::PUT, &path, Some(body), &[("If-Match", &stale)])
        .await
        .expect_error(412, None);
    let after = app.get_reply(&path).await.expect(200);
    assert_eq!(after.body, before.body);
    assert_eq!(after.body["title"], "Moved On");
}

#[actix_web::test]
async fn a_stale_if_match_on_patch_is_412_and_changes_nothing() {
    let app = spawn_app().await;
    let path = user_path(&app, "stale.patch@example.com").await;
    let stale = etag(&app.get_reply(&path).await.expect(200));
    app.patch_ops(
        &path,
        json!([{ "op": "replace", "path": "title", "value": "Moved On" }]),
    )
    .await
    .expect(200);
    let before = app.get_reply(&path).await.expect(200);
    app.send(
        Method::PATCH,
        &path,
        Some(patch_body(
            json!([{ "op": "replace", "path": "title", "value": "Lost Update" }]),
        )),
        &[("If-Match", &stale)],
    )
    .await
    .expect_error(412, None);
    assert_eq!(app.get_reply(&path).await.expect(200).body, before.body);
}

#[actix_web::test]
async fn a_stale_if_match_on_delete_is_412_and_the_user_remains() {
    let app = spawn_app().await;
    let path = user_path(&app, "stale.delete@example.com").await;
    let stale = etag(&app.get_reply(&path).await.expect(200));
    app.patch_ops(
        &path,
        json!([{ "op": "replace", "path": "title", "value": "Moved On" }]),
    )
    .await
    .expect(200);
    app.send(Method::DELETE, &path, None, &[("If-Match", &stale)])
        .await
        .expect_error(412, None);
    app.get_reply(&path).await.expect(200);
}

#[actix_web::test]
async fn the_current_if_match_lets_each_write_through_with_a_new_etag() {
    let app = spawn_app().await;
    let path = user_path(&app, "current@example.com").await;
    let v1 = etag(&app.get_reply(&path).await.expect(200));
    let mut body = user_body("current@example.com");
    body["title"] = json!("Put");
    let put = app
        .send(Method::PUT, &path, Some(body), &[("If-Match", &v1)])
        .await
        .expect(200);
    let v2 = etag(&put);
    assert_ne!(v2, v1);
    assert_eq!(put.body["title"], "Put");
    let patched = app
        .send(
            Method::PATCH,
            &path,
            Some(patch_body(
                json!([{ "op": "replace", "path": "title", "value": "Patched" }]),
            )),
            &[("If-Match", &v2)],
        )
        .await
        .expect(200);
    let v3 = etag(&patched);
    assert_ne!(v3, v2);
    assert_eq!(patched.body["title"], "Patched");
    // A list of tags matches if any does; `*` matches any version.
    app.send(
        Method::PATCH,
        &path,
        Some(patch_body(
            json!([{ "op": "replace", "path": "title", "value": "Listed" }]),
        )),
        &[("If-Match", &format!("W/\"old\", {v3}"))],
    )
    .await
    .expect(200);
    app.send(
        Method::PATCH,
        &path,
        Some(patch_body(
            json!([{ "op": "replace", "path": "title", "value": "Star" }]),
        )),
        &[("If-Match", "*")],
    )
    .await
    .expect(200);
    let latest = etag(&app.get_reply(&path).await.expect(200));
    app.send(Method::DELETE, &path, None, &[("If-Match", &latest)])
        .await
        .expect(204);
    app.get_reply(&path).await.expect_error(404, None);
}

#[actix_web::test]
async fn a_member_patch_bumps_the_group_version_and_if_match_guards_it() {
    let app = spawn_app().await;
    let u1 = id_of(&app.create_user("m1@example.com").await);
    let u2 = id_of(&app.create_user("m2@example.com").await);
    let group = app.create_group("Versioned", &[]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let v1 = group["meta"]["version"].as_str().unwrap().to_owned();
    let added = app
        .send(
            Method::PATCH,
            &path,
            Some(patch_body(
                json!([{ "op": "add", "path": "members", "value": [{ "value": u1 }] }]),
            )),
            &[("If-Match", &v1)],
        )
        .await
        .expect(200);
    let v2 = etag(&added);
    assert_ne!(v2, v1, "a member add is a new version");
    // The stale tag can't add another member.
    app.send(
        Method::PATCH,
        &path,
        Some(patch_body(
            json!([{ "op": "add", "path": "members", "value": [{ "value": u2 }] }]),
        )),
        &[("If-Match", &v1)],
    )
    .await
    .expect_error(412, None);
    let now = app.get_reply(&path).await.expect(200);
    assert_eq!(member_ids(&now.body), std::slice::from_ref(&u1));
    assert_eq!(etag(&now), v2);
    // A member removal is a new version too.
    let removed = app
        .patch_ops(
            &path,
            json!([{ "op": "remove", "path": format!("members[value eq \"{u1}\"]") }]),
        )
        .await
        .expect(200);
    assert_ne!(etag(&removed), v2);
    // PUT and DELETE on a group honour If-Match.
    app.send(
        Method::PUT,
        &path,
        Some(group_body("Versioned", &[&u2])),
        &[("If-Match", &v2)],
    )
    .await
    .expect_error(412, None);
    app.send(Method::DELETE, &path, None, &[("If-Match", &v2)])
        .await
        .expect_error(412, None);
    app.get_reply(&path).await.expect(200);
}

/// RFC 7643 §3.1 `meta.version` / RFC 7644 §3.14: the ETag changes when the resource does. A
/// user's `groups` is part of the user resource, so joining a group is a change of the user: an
/// `If-None-Match` with the old tag must not answer 304 with the old memberships.
#[actix_web::test]
async fn joining_a_group_changes_the_users_etag() {
    let app = spawn_app().await;
    let user = app.create_user("joins@example.com").await;
    let path = format!("/Users/{}", id_of(&user));
    let before = etag(&app.get_reply(&path).await.expect(200));
    app.create_group("Joined", &[&id_of(&user)]).await;
    let res = app
        .send(Method::GET, &path, None, &[("If-None-Match", &before)])
        .await;
    assert_eq!(
        res.status, 200,
        "the user's groups changed, so its old ETag must not validate: {}",
        res.text
    );
    assert_ne!(etag(&res), before);
    assert_eq!(res.body["groups"][0]["display"], "Joined");
}

/// The same rule for a group whose member was deleted: the group's `members` changed.
#[actix_web::test]
async fn deleting_a_member_changes_the_groups_etag() {
    let app = spawn_app().await;
    let uid = id_of(&app.create_user("deleted.member@example.com").await);
    let group = app.create_group("Loses A Member", &[&uid]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let before = etag(&app.get_reply(&path).await.expect(200));
    app.delete_reply(&format!("/Users/{uid}")).await.expect(204);
    let now = app.get_reply(&path).await.expect(200);
    assert!(now.body.get("members").is_none());
    assert_ne!(
        etag(&now),
        before,
        "the group's members changed, so must its version"
    );
    // And a client holding the old version must not be told nothing changed.
    app.send(Method::GET, &path, None, &[("If-None-Match", &before)])
        .await
        .expect(200);
}

#[actix_web::test]
async fn a_member_change_moves_the_groups_last_modified() {
    let app = spawn_app().await;
    let uid = id_of(&app.create_user("lm@example.com").await);
    let group = app.create_group("Last Modified", &[]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let patched = app
        .patch_ops(
            &path,
            json!([{ "op": "add", "path": "members", "value": [{ "value": uid }] }]),
        )
        .await
        .expect(200);
    let t =
        |v: &serde_json::Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    assert!(t(&patched.body["meta"]["lastModified"]) > t(&group["meta"]["lastModified"]));
    assert_eq!(patched.body["meta"]["created"], group["meta"]["created"]);
    let since = group["meta"]["lastModified"].as_str().unwrap();
    assert_eq!(
        app.group_ids_where(&format!("meta.lastModified gt \"{since}\""))
            .await,
        [id_of(&group)]
    );
}
