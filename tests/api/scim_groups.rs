//! SCIM Groups end to end (RFC 7643 §4.2, §4.1.2 `groups`; RFC 7644 §3.3–§3.6): members of
//! both kinds, the user's derived `groups`, replacement, deletion and its effect on memberships,
//! uniqueness and member validation.

use crate::common;

use common::{group_body, id_of, member_ids, sorted, spawn_app, user_body, GROUP_SCHEMA};
use reqwest::Method;
use serde_json::{json, Value};

fn group_ids_of_user(user: &Value) -> Vec<String> {
    let mut ids: Vec<String> = user["groups"]
        .as_array()
        .map(|g| {
            g.iter()
                .map(|x| x["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[actix_web::test]
async fn a_group_with_user_and_group_members_shows_value_ref_type_and_display() {
    let app = spawn_app().await;
    let mut body = user_body("member@example.com");
    body["displayName"] = json!("Member One");
    let user = app.create_user_from(body).await;
    let uid = id_of(&user);
    let child = app.create_group("Child Team", &[]).await;
    let cid = id_of(&child);
    let res = app
        .post_reply("/Groups", group_body("Parent Team", &[&uid, &cid]))
        .await
        .expect(201);
    let group = res.body.clone();
    let gid = id_of(&group);
    assert_eq!(group["schemas"], json!([GROUP_SCHEMA]));
    assert_eq!(group["displayName"], "Parent Team");
    assert_eq!(group["meta"]["resourceType"], "Group");
    let location = format!("{}/Groups/{gid}", app.scim);
    assert_eq!(group["meta"]["location"], location);
    assert_eq!(res.header("location"), location);
    assert_eq!(res.header("etag"), group["meta"]["version"]);

    for (label, got) in [
        ("POST", group),
        ("GET", app.get_ok(&format!("/Groups/{gid}")).await),
    ] {
        let members = got["members"].as_array().unwrap_or_else(|| panic!("{got}"));
        assert_eq!(members.len(), 2, "{label}: {got}");
        let find = |id: &str| {
            members
                .iter()
                .find(|m| m["value"] == id)
                .unwrap_or_else(|| panic!("{label}: member {id} in {got}"))
                .clone()
        };
        let u = find(&uid);
        assert_eq!(u["type"], "User", "{label}");
        assert_eq!(u["$ref"], format!("{}/Users/{uid}", app.scim), "{label}");
        assert_eq!(u["display"], "Member One", "{label}");
        let g = find(&cid);
        assert_eq!(g["type"], "Group", "{label}");
        assert_eq!(g["$ref"], format!("{}/Groups/{cid}", app.scim), "{label}");
        assert_eq!(g["display"], "Child Team", "{label}");
    }
}

#[actix_web::test]
async fn excluded_attributes_members_omits_the_members() {
    let app = spawn_app().await;
    let user = app.create_user("hidden@example.com").await;
    let group = app.create_group("Hidden Members", &[&id_of(&user)]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let got = app
        .get_ok(&format!("{path}?excludedAttributes=members"))
        .await;
    assert!(got.get("members").is_none(), "{got}");
    assert_eq!(got["displayName"], "Hidden Members");
    assert_eq!(got["id"], group["id"]);
    let got = app.get_ok(&format!("{path}?attributes=displayName")).await;
    assert!(got.get("members").is_none(), "{got}");
    assert_eq!(got["displayName"], "Hidden Members");
    let list = app.get_ok("/Groups?excludedAttributes=members").await;
    assert_eq!(list["totalResults"], 1);
    assert!(list["Resources"][0].get("members").is_none());
    assert_eq!(list["Resources"][0]["displayName"], "Hidden Members");
    // And members are there when asked for.
    let got = app
        .get_ok(&format!("{path}?attributes=members.value"))
        .await;
    assert_eq!(got["members"], json!([{ "value": id_of(&user) }]), "{got}");
}

#[actix_web::test]
async fn a_users_groups_attribute_lists_its_direct_memberships() {
    let app = spawn_app().await;
    let user = app.create_user("joiner@example.com").await;
    let uid = id_of(&user);
    assert!(user.get("groups").is_none(), "no groups yet: {user}");
    let a = app.create_group("Alpha", &[&uid]).await;
    let b = app.create_group("Beta", &[&uid]).await;
    app.create_group("Gamma", &[]).await;
    let got = app.get_ok(&format!("/Users/{uid}")).await;
    assert_eq!(
        group_ids_of_user(&got),
        sorted(&[&id_of(&a), &id_of(&b)]),
        "{got}"
    );
    let alpha = got["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["value"] == a["id"])
        .unwrap();
    assert_eq!(alpha["display"], "Alpha");
    assert_eq!(alpha["$ref"], format!("{}/Groups/{}", app.scim, id_of(&a)));
    assert_eq!(alpha["type"], "direct");
    // The list shows the same derived attribute.
    let list = app
        .get_ok(&format!(
            "/Users{}",
            common::filter_query("userName eq \"joiner@example.com\"")
        ))
        .await;
    assert_eq!(
        group_ids_of_user(&list["Resources"][0]),
        sorted(&[&id_of(&a), &id_of(&b)])
    );
}

#[actix_web::test]
async fn a_listed_users_groups_match_the_single_read_whatever_their_names_hold() {
    let app = spawn_app().await;
    let user = app.create_user("names@example.com").await;
    let uid = id_of(&user);
    // Names with the characters a compact encoding could trip on: separators, digits, accents.
    for name in ["b:12:x", "Émile", "a", "c,d;e", "12:"] {
        app.create_group(name, &[&uid]).await;
    }
    let single = app.get_ok(&format!("/Users/{uid}")).await;
    let list = app
        .get_ok(&format!(
            "/Users{}",
            common::filter_query("userName eq \"names@example.com\"")
        ))
        .await;
    let displays = |groups: &Value| -> Vec<String> {
        groups
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["display"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        displays(&single["groups"]),
        ["12:", "a", "b:12:x", "c,d;e", "Émile"],
        "ordered by display name, case-insensitively: {single}"
    );
    assert_eq!(list["Resources"][0]["groups"], single["groups"]);
    // Deep pages read the same derived attribute.
    let paged = app.get_ok("/Users?startIndex=2&count=1").await;
    let listed = &paged["Resources"][0];
    let expected = app.get_ok(&format!("/Users/{}", id_of(listed))).await;
    assert_eq!(listed.get("groups"), expected.get("groups"));
}

#[actix_web::test]
async fn a_users_groups_attribute_is_read_only() {
    let app = spawn_app().await;
    let user = app.create_user("ro.groups@example.com").await;
    let group = app.create_group("Readonly", &[]).await;
    let path = format!("/Users/{}", id_of(&user));
    app.patch_ops(
        &path,
        json!([{ "op": "add", "path": "groups", "value": [{ "value": id_of(&group) }] }]),
    )
    .await
    .expect_error(400, Some("mutability"));
    let got = app.get_ok(&path).await;
    assert!(got.get("groups").is_none(), "{got}");
}

#[actix_web::test]
async fn put_replaces_the_member_list() {
    let app = spawn_app().await;
    let u1 = id_of(&app.create_user("u1@example.com").await);
    let u2 = id_of(&app.create_user("u2@example.com").await);
    let u3 = id_of(&app.create_user("u3@example.com").await);
    let group = app.create_group("Replaceable", &[&u1, &u2]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let res = app
        .put_reply(&path, group_body("Replaceable", &[&u2, &u3]))
        .await
        .expect(200);
    assert_eq!(member_ids(&res.body), sorted(&[&u2, &u3]));
    assert_eq!(member_ids(&app.get_ok(&path).await), sorted(&[&u2, &u3]));
    let u1_now = app.get_ok(&format!("/Users/{u1}")).await;
    assert!(u1_now.get("groups").is_none(), "u1 left: {u1_now}");
    let u3_now = app.get_ok(&format!("/Users/{u3}")).await;
    assert_eq!(group_ids_of_user(&u3_now), [id_of(&group)]);

    // A PUT without members leaves none; a rename is kept.
    let res = app
        .put_reply(
            &path,
            json!({ "schemas": [GROUP_SCHEMA], "displayName": "Renamed" }),
        )
        .await
        .expect(200);
    assert!(res.body.get("members").is_none(), "{}", res.text);
    assert_eq!(res.body["displayName"], "Renamed");
    let got = app.get_ok(&path).await;
    assert!(got.get("members").is_none(), "{got}");
    assert_eq!(got["displayName"], "Renamed");
}

#[actix_web::test]
async fn deleting_a_group_removes_it_from_its_members_groups() {
    let app = spawn_app().await;
    let uid = id_of(&app.create_user("orphan@example.com").await);
    let doomed = app.create_group("Doomed", &[&uid]).await;
    let did = id_of(&doomed);
    let parent = app.create_group("Parent", &[&did, &uid]).await;
    let kept = app.create_group("Kept", &[&uid]).await;
    app.delete_reply(&format!("/Groups/{did}"))
        .await
        .expect(204);
    app.get_reply(&format!("/Groups/{did}"))
        .await
        .expect_error(404, None);
    app.delete_reply(&format!("/Groups/{did}"))
        .await
        .expect_error(404, None);
    let user = app.get_ok(&format!("/Users/{uid}")).await;
    assert_eq!(
        group_ids_of_user(&user),
        sorted(&[&id_of(&parent), &id_of(&kept)])
    );
    let parent_now = app.get_ok(&format!("/Groups/{}", id_of(&parent))).await;
    assert_eq!(
        member_ids(&parent_now),
        std::slice::from_ref(&uid),
        "{parent_now}"
    );
    let filtered = app
        .user_ids_where(&format!("groups.value eq \"{did}\""))
        .await;
    assert!(filtered.is_empty(), "{filtered:?}");
}

#[actix_web::test]
async fn deleting_a_user_removes_it_from_its_groups() {
    let app = spawn_app().await;
    let gone = id_of(&app.create_user("leaver@example.com").await);
    let stays = id_of(&app.create_user("stayer@example.com").await);
    let g1 = app.create_group("One", &[&gone, &stays]).await;
    let g2 = app.create_group("Two", &[&gone]).await;
    app.delete_reply(&format!("/Users/{gone}"))
        .await
        .expect(204);
    let g1 = app.get_ok(&format!("/Groups/{}", id_of(&g1))).await;
    assert_eq!(member_ids(&g1), std::slice::from_ref(&stays));
    let g2 = app.get_ok(&format!("/Groups/{}", id_of(&g2))).await;
    assert!(g2.get("members").is_none(), "{g2}");
    let with = app
        .group_ids_where(&format!("members.value eq \"{gone}\""))
        .await;
    assert!(with.is_empty());
}

#[actix_web::test]
async fn a_duplicate_display_name_is_409_uniqueness() {
    let app = spawn_app().await;
    app.create_group("Engineering", &[]).await;
    for dup in ["Engineering", "engineering", "ENGINEERING"] {
        app.post_reply("/Groups", group_body(dup, &[]))
            .await
            .expect_error(409, Some("uniqueness"));
    }
    let other = app.create_group("Sales", &[]).await;
    let path = format!("/Groups/{}", id_of(&other));
    app.put_reply(&path, group_body("Engineering", &[]))
        .await
        .expect_error(409, Some("uniqueness"));
    app.patch_ops(
        &path,
        json!([{ "op": "replace", "path": "displayName", "value": "Engineering" }]),
    )
    .await
    .expect_error(409, Some("uniqueness"));
    assert_eq!(app.get_ok(&path).await["displayName"], "Sales");
    assert_eq!(app.get_ok("/Groups").await["totalResults"], 2);
}

#[actix_web::test]
async fn a_group_without_a_display_name_is_400_invalid_value() {
    let app = spawn_app().await;
    for body in [
        json!({ "schemas": [GROUP_SCHEMA] }),
        json!({ "schemas": [GROUP_SCHEMA], "displayName": "" }),
        json!({ "schemas": [GROUP_SCHEMA], "displayName": 7 }),
    ] {
        app.post_reply("/Groups", body)
            .await
            .expect_error(400, Some("invalidValue"));
    }
    assert_eq!(app.get_ok("/Groups").await["totalResults"], 0);
}

#[actix_web::test]
async fn a_member_that_does_not_exist_is_400_invalid_value() {
    let app = spawn_app().await;
    let uid = id_of(&app.create_user("real@example.com").await);
    let ghost = "11111111-2222-3333-4444-555555555555";
    app.post_reply("/Groups", group_body("With Ghost", &[&uid, ghost]))
        .await
        .expect_error(400, Some("invalidValue"));
    assert!(app
        .group_ids_where("displayName eq \"With Ghost\"")
        .await
        .is_empty());
    let group = app.create_group("Real", &[&uid]).await;
    let path = format!("/Groups/{}", id_of(&group));
    app.patch_ops(
        &path,
        json!([{ "op": "add", "path": "members", "value": [{ "value": ghost }] }]),
    )
    .await
    .expect_error(400, Some("invalidValue"));
    app.put_reply(&path, group_body("Real", &[ghost]))
        .await
        .expect_error(400, Some("invalidValue"));
    assert_eq!(member_ids(&app.get_ok(&path).await), [uid]);
}

#[actix_web::test]
async fn a_member_of_another_organization_is_400_invalid_value() {
    let app = spawn_app().await;
    let other = app.other_organization("elsewhere.example");
    let theirs = app
        .send_as(
            &other.scim_token,
            Method::POST,
            "/Users",
            Some(user_body("theirs@elsewhere.example")),
        )
        .await
        .expect(201);
    let their_uid = id_of(&theirs.body);
    let their_group = app
        .send_as(
            &other.scim_token,
            Method::POST,
            "/Groups",
            Some(group_body("Their Group", &[])),
        )
        .await
        .expect(201);
    let their_gid = id_of(&their_group.body);
    for foreign in [&their_uid, &their_gid] {
        app.post_reply("/Groups", group_body("Ours", &[foreign]))
            .await
            .expect_error(400, Some("invalidValue"));
    }
    let ours = app.create_group("Ours", &[]).await;
    let path = format!("/Groups/{}", id_of(&ours));
    app.patch_ops(
        &path,
        json!([{ "op": "add", "path": "members", "value": [{ "value": their_uid }] }]),
    )
    .await
    .expect_error(400, Some("invalidValue"));
    assert!(app.get_ok(&path).await.get("members").is_none());
    // Their user is untouched and in no group of ours.
    let theirs_now = app
        .send_as(
            &other.scim_token,
            Method::GET,
            &format!("/Users/{their_uid}"),
            None,
        )
        .await
        .expect(200);
    assert!(theirs_now.body.get("groups").is_none());
}

#[actix_web::test]
async fn a_group_cannot_contain_itself() {
    let app = spawn_app().await;
    let group = app.create_group("Ouroboros", &[]).await;
    let gid = id_of(&group);
    let path = format!("/Groups/{gid}");
    app.patch_ops(
        &path,
        json!([{ "op": "add", "path": "members", "value": [{ "value": gid }] }]),
    )
    .await
    .expect_error(400, Some("invalidValue"));
    app.put_reply(&path, group_body("Ouroboros", &[&gid]))
        .await
        .expect_error(400, Some("invalidValue"));
    let got = app.get_ok(&path).await;
    assert!(got.get("members").is_none(), "{got}");
}

#[actix_web::test]
async fn the_external_id_of_a_group_round_trips() {
    let app = spawn_app().await;
    let mut body = group_body("External", &[]);
    body["externalId"] = json!("AAD-1234");
    let res = app.post_reply("/Groups", body).await.expect(201);
    assert_eq!(res.body["externalId"], "AAD-1234");
    let got = app.get_ok(&format!("/Groups/{}", id_of(&res.body))).await;
    assert_eq!(got["externalId"], "AAD-1234");
    assert_eq!(
        app.group_ids_where("externalId eq \"AAD-1234\"").await,
        [id_of(&res.body)]
    );
}

#[actix_web::test]
async fn member_display_and_ref_sent_by_a_client_do_not_break_a_create() {
    // Okta sends `display` and `$ref` with each member; they are derived, not stored.
    let app = spawn_app().await;
    let mut body = user_body("okta@example.com");
    body["displayName"] = json!("Real Name");
    let uid = id_of(&app.create_user_from(body).await);
    let res = app
        .post_reply(
            "/Groups",
            json!({
                "schemas": [GROUP_SCHEMA],
                "displayName": "Okta Push",
                "members": [{
                    "value": uid,
                    "display": "Client's idea of a name",
                    "$ref": "https://idp.example/Users/x",
                    "type": "User",
                }],
            }),
        )
        .await
        .expect(201);
    let m = &res.body["members"][0];
    assert_eq!(m["value"], uid.as_str());
    assert_eq!(m["$ref"], format!("{}/Users/{uid}", app.scim));
    assert_eq!(m["display"], "Real Name");
}

#[actix_web::test]
async fn a_deleted_groups_display_name_can_be_used_again() {
    let app = spawn_app().await;
    let first = app.create_group("Phoenix", &[]).await;
    app.delete_reply(&format!("/Groups/{}", id_of(&first)))
        .await
        .expect(204);
    let second = app.create_group("phoenix", &[]).await;
    assert_ne!(second["id"], first["id"]);
}

#[actix_web::test]
async fn a_members_display_follows_the_member_resource() {
    let app = spawn_app().await;
    let uid = id_of(&app.create_user("renamed.member@example.com").await);
    let child = id_of(&app.create_group("Old Child Name", &[]).await);
    let group = app.create_group("Container", &[&uid, &child]).await;
    let path = format!("/Groups/{}", id_of(&group));
    app.patch_ops(
        &format!("/Users/{uid}"),
        json!([{ "op": "replace", "path": "displayName", "value": "New Display" }]),
    )
    .await
    .expect(200);
    app.patch_ops(
        &format!("/Groups/{child}"),
        json!([{ "op": "replace", "path": "displayName", "value": "New Child Name" }]),
    )
    .await
    .expect(200);
    let got = app.get_ok(&path).await;
    let display = |id: &str| {
        got["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["value"] == id)
            .unwrap()["display"]
            .clone()
    };
    assert_eq!(display(&uid), "New Display");
    assert_eq!(display(&child), "New Child Name");
}

#[actix_web::test]
async fn renaming_a_group_renames_it_in_its_members_groups_and_changes_their_etag() {
    let app = spawn_app().await;
    let uid = id_of(&app.create_user("renamed.group@example.com").await);
    let other = id_of(&app.create_user("other.member@example.com").await);
    let group = app.create_group("Old Name", &[&uid, &other]).await;
    let user_path = format!("/Users/{uid}");
    let before = app.get_reply(&user_path).await.expect(200);
    assert_eq!(before.body["groups"][0]["display"], "Old Name");

    let group_path = format!("/Groups/{}", id_of(&group));
    app.patch_ops(
        &group_path,
        json!([{ "op": "replace", "path": "displayName", "value": "New Name" }]),
    )
    .await
    .expect(200);
    let after = app.get_reply(&user_path).await.expect(200);
    assert_eq!(after.body["groups"][0]["display"], "New Name");
    assert_ne!(after.header("etag"), before.header("etag"));
    // Lists and filters on groups see the new name too.
    let mut listed = app.user_ids_where("groups.display eq \"New Name\"").await;
    listed.sort();
    assert_eq!(listed, sorted(&[&uid, &other]));

    // A PUT that renames and drops a member: the kept one shows the new name, the dropped none.
    app.put_reply(
        &group_path,
        json!({ "schemas": [GROUP_SCHEMA], "displayName": "Newest", "members": [{ "value": uid }] }),
    )
    .await
    .expect(200);
    assert_eq!(
        app.get_ok(&user_path).await["groups"][0]["display"],
        "Newest"
    );
    let dropped = app.get_ok(&format!("/Users/{other}")).await;
    assert!(dropped.get("groups").is_none(), "{dropped}");
}
