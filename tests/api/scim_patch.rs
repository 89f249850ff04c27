//! PATCH end to end (RFC 7644 §3.5.2): add, remove and replace in every path form, on Users and
//! Groups; atomicity; the error types of §3.5.2 and §3.12; the response and its projection.

use crate::common;

use common::{
    id_of, member_ids, patch_body, sorted, spawn_app, user_body, TestApp, ENTERPRISE, PATCH_OP,
};
use reqwest::Method;
use serde_json::{json, Value};

/// A user with a work (primary) and a home email, a name and a title; returns its path.
async fn rich_user(app: &TestApp, user_name: &str) -> String {
    let mut body = user_body(user_name);
    body["emails"] = json!([
        { "value": user_name, "type": "work", "primary": true },
        { "value": "home@home.example", "type": "home" },
    ]);
    body["title"] = json!("Engineer");
    body["nickName"] = json!("Nick");
    let user = app.create_user_from(body).await;
    format!("/Users/{}", id_of(&user))
}

fn email<'a>(user: &'a Value, kind: &str) -> &'a Value {
    user["emails"]
        .as_array()
        .unwrap_or_else(|| panic!("emails in {user}"))
        .iter()
        .find(|e| e["type"] == kind)
        .unwrap_or_else(|| panic!("a {kind} email in {user}"))
}

/// PATCH that must answer 200; the returned resource, checked equal to a fresh GET.
async fn patch_ok(app: &TestApp, path: &str, ops: Value) -> Value {
    let res = app.patch_ops(path, ops).await.expect(200);
    assert!(res
        .header("content-type")
        .starts_with("application/scim+json"));
    assert_eq!(res.header("etag"), res.body["meta"]["version"]);
    let fresh = app.get_ok(path).await;
    assert_eq!(
        res.body, fresh,
        "the PATCH response is the resource as stored"
    );
    res.body
}

// ----- Users: the three operations, with and without a path -----

#[actix_web::test]
async fn add_without_a_path_sets_the_attributes_in_the_value() {
    let app = spawn_app().await;
    let path = rich_user(&app, "pathless.add@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([{ "op": "add", "value": {
            "displayName": "Path Less",
            "title": "Director",
            "name": { "middleName": "M" },
        } }]),
    )
    .await;
    assert_eq!(user["displayName"], "Path Less");
    assert_eq!(user["title"], "Director");
    assert_eq!(user["name"]["middleName"], "M");
    assert_eq!(user["name"]["givenName"], "Given", "other name parts kept");
}

#[actix_web::test]
async fn replace_without_a_path_can_deactivate_a_user() {
    let app = spawn_app().await;
    let path = rich_user(&app, "deactivate@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([{ "op": "replace", "value": { "active": false } }]),
    )
    .await;
    assert_eq!(user["active"], false);
    assert_eq!(user["title"], "Engineer", "nothing else changed");
    assert_eq!(user["emails"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn add_and_replace_with_a_path_set_a_simple_attribute() {
    let app = spawn_app().await;
    let path = rich_user(&app, "simple@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([
            { "op": "add", "path": "displayName", "value": "Added" },
            { "op": "replace", "path": "title", "value": "Replaced" },
            { "op": "replace", "path": "userType", "value": "Employee" },
        ]),
    )
    .await;
    assert_eq!(user["displayName"], "Added");
    assert_eq!(user["title"], "Replaced");
    assert_eq!(
        user["userType"], "Employee",
        "replace of an absent attribute adds it"
    );
}

#[actix_web::test]
async fn remove_with_a_path_clears_an_attribute() {
    let app = spawn_app().await;
    let path = rich_user(&app, "remove@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([
            { "op": "remove", "path": "nickName" },
            { "op": "remove", "path": "emails" },
        ]),
    )
    .await;
    assert!(user.get("nickName").is_none(), "{user}");
    assert!(user.get("emails").is_none(), "{user}");
    assert_eq!(user["title"], "Engineer");
    // The email index follows the document.
    assert!(app
        .user_ids_where("emails.value eq \"remove@example.com\"")
        .await
        .is_empty());
}

#[actix_web::test]
async fn sub_attribute_paths_set_and_remove_name_parts() {
    let app = spawn_app().await;
    let path = rich_user(&app, "names@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([
            { "op": "replace", "path": "name.givenName", "value": "Barbara" },
            { "op": "add", "path": "name.honorificPrefix", "value": "Ms." },
            { "op": "remove", "path": "name.familyName" },
        ]),
    )
    .await;
    assert_eq!(
        user["name"],
        json!({ "givenName": "Barbara", "honorificPrefix": "Ms." })
    );
    assert_eq!(
        app.user_ids_where("name.givenName eq \"barbara\"")
            .await
            .len(),
        1,
        "the indexed column follows"
    );
}

#[actix_web::test]
async fn extension_qualified_paths_reach_the_enterprise_extension() {
    let app = spawn_app().await;
    let manager = id_of(&app.create_user("mgr@example.com").await);
    let path = rich_user(&app, "ext.patch@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([
            { "op": "add", "path": format!("{ENTERPRISE}:department"), "value": "Finance" },
            { "op": "replace", "path": format!("{ENTERPRISE}:manager.value"), "value": manager },
            { "op": "add", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "42" },
        ]),
    )
    .await;
    assert_eq!(user[ENTERPRISE]["department"], "Finance");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "42");
    assert_eq!(user[ENTERPRISE]["manager"]["value"], manager.as_str());
    assert!(user["schemas"]
        .as_array()
        .unwrap()
        .contains(&json!(ENTERPRISE)));

    let user = patch_ok(
        &app,
        &path,
        json!([
            { "op": "remove", "path": format!("{ENTERPRISE}:department") },
            { "op": "remove", "path": format!("{ENTERPRISE}:manager") },
            { "op": "remove", "path": format!("{ENTERPRISE}:employeeNumber") },
        ]),
    )
    .await;
    assert!(user.get(ENTERPRISE).is_none(), "{user}");
    assert!(
        !user["schemas"]
            .as_array()
            .unwrap()
            .contains(&json!(ENTERPRISE)),
        "an extension with no data leaves schemas: {user}"
    );
}

#[actix_web::test]
async fn a_path_less_value_may_carry_the_extension_object() {
    let app = spawn_app().await;
    let path = rich_user(&app, "ext.pathless@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([{ "op": "replace", "value": {
            ENTERPRISE: { "costCenter": "CC-9", "division": "North" },
        } }]),
    )
    .await;
    assert_eq!(user[ENTERPRISE]["costCenter"], "CC-9");
    assert_eq!(user[ENTERPRISE]["division"], "North");
}

#[actix_web::test]
async fn a_value_path_filter_replaces_only_the_matching_email() {
    let app = spawn_app().await;
    let path = rich_user(&app, "vp@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([{
            "op": "replace",
            "path": "emails[type eq \"work\"].value",
            "value": "vp.new@example.com",
        }]),
    )
    .await;
    assert_eq!(email(&user, "work")["value"], "vp.new@example.com");
    assert_eq!(email(&user, "work")["primary"], true);
    assert_eq!(email(&user, "home")["value"], "home@home.example");
    assert_eq!(user["emails"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.user_ids_where("emails.value eq \"vp.new@example.com\"")
            .await
            .len(),
        1
    );
}

#[actix_web::test]
async fn a_value_path_filter_removes_only_the_matching_email() {
    let app = spawn_app().await;
    let path = rich_user(&app, "vp.remove@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([{ "op": "remove", "path": "emails[type eq \"home\"]" }]),
    )
    .await;
    let emails = user["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 1, "{user}");
    assert_eq!(emails[0]["type"], "work");
}

#[actix_web::test]
async fn a_value_path_filter_that_matches_nothing_is_400_no_target_on_replace() {
    // RFC 7644 §3.5.2.3: a valuePath with no match on replace fails with noTarget.
    let app = spawn_app().await;
    let path = rich_user(&app, "vp.none@example.com").await;
    let before = app.get_ok(&path).await;
    app.patch_ops(
        &path,
        json!([{
            "op": "replace",
            "path": "emails[value co \"nowhere\"].display",
            "value": "x",
        }]),
    )
    .await
    .expect_error(400, Some("noTarget"));
    app.patch_ops(
        &path,
        json!([{
            "op": "replace",
            "path": "emails[value co \"nowhere\"]",
            "value": { "display": "x" },
        }]),
    )
    .await
    .expect_error(400, Some("noTarget"));
    assert_eq!(app.get_ok(&path).await, before);
}

#[actix_web::test]
async fn setting_primary_on_one_email_clears_it_on_the_other() {
    let app = spawn_app().await;
    let path = rich_user(&app, "primary@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([{ "op": "replace", "path": "emails[type eq \"home\"].primary", "value": true }]),
    )
    .await;
    assert_eq!(email(&user, "home")["primary"], true);
    assert_ne!(email(&user, "work")["primary"], true, "{user}");
    // Adding a new primary email moves the flag again.
    let user = patch_ok(
        &app,
        &path,
        json!([{ "op": "add", "path": "emails", "value": [
            { "value": "other@other.example", "type": "other", "primary": true },
        ] }]),
    )
    .await;
    let primaries: Vec<&Value> = user["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["primary"] == true)
        .collect();
    assert_eq!(primaries.len(), 1, "{user}");
    assert_eq!(primaries[0]["type"], "other");
    assert_eq!(user["emails"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn add_to_a_multi_valued_attribute_appends_and_replace_swaps_the_list() {
    let app = spawn_app().await;
    let path = rich_user(&app, "multi@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([{ "op": "add", "path": "phoneNumbers", "value": [{ "value": "+1 555 0101", "type": "work" }] }]),
    )
    .await;
    assert_eq!(user["phoneNumbers"].as_array().unwrap().len(), 1);
    let user = patch_ok(
        &app,
        &path,
        json!([{ "op": "add", "path": "phoneNumbers", "value": [{ "value": "+1 555 0102", "type": "mobile" }] }]),
    )
    .await;
    assert_eq!(user["phoneNumbers"].as_array().unwrap().len(), 2);
    let user = patch_ok(
        &app,
        &path,
        json!([{ "op": "replace", "path": "emails", "value": [{ "value": "only@example.com", "type": "work" }] }]),
    )
    .await;
    assert_eq!(
        user["emails"],
        json!([{ "value": "only@example.com", "type": "work" }])
    );
}

#[actix_web::test]
async fn attribute_names_and_ops_are_case_insensitive() {
    let app = spawn_app().await;
    let path = rich_user(&app, "case.patch@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([
            { "op": "Replace", "path": "Name.GivenName", "value": "Cased" },
            { "op": "ADD", "path": "DISPLAYNAME", "value": "Shout" },
            { "op": "Remove", "path": "NickName" },
            { "op": "replace", "path": "EMAILS[TYPE eq \"home\"].VALUE", "value": "h2@home.example" },
        ]),
    )
    .await;
    assert_eq!(user["name"]["givenName"], "Cased");
    assert!(
        user["name"].get("GivenName").is_none(),
        "stored in canonical case: {user}"
    );
    assert_eq!(user["displayName"], "Shout");
    assert!(user.get("DISPLAYNAME").is_none());
    assert!(user.get("nickName").is_none());
    assert_eq!(email(&user, "home")["value"], "h2@home.example");
}

#[actix_web::test]
async fn a_patch_that_changes_nothing_keeps_the_version() {
    let app = spawn_app().await;
    let path = rich_user(&app, "noop@example.com").await;
    let before = app.get_reply(&path).await.expect(200);
    let res = app
        .patch_ops(
            &path,
            json!([{ "op": "replace", "path": "title", "value": "Engineer" }]),
        )
        .await
        .expect(200);
    assert_eq!(res.header("etag"), before.header("etag"));
    assert_eq!(res.body["meta"], before.body["meta"]);
}

#[actix_web::test]
async fn a_wrongly_typed_patch_value_is_400_invalid_value() {
    let app = spawn_app().await;
    let path = rich_user(&app, "typed.patch@example.com").await;
    let before = app.get_ok(&path).await;
    for op in [
        json!({ "op": "replace", "path": "active", "value": "yes" }),
        json!({ "op": "replace", "value": { "active": "no" } }),
        json!({ "op": "add", "path": "emails", "value": [{ "value": 5 }] }),
        json!({ "op": "replace", "path": "name.givenName", "value": 12 }),
    ] {
        app.patch_ops(&path, json!([op]))
            .await
            .expect_error(400, Some("invalidValue"));
    }
    assert_eq!(app.get_ok(&path).await, before);
}

// ----- Users: atomicity and the PATCH error types -----

#[actix_web::test]
async fn a_bad_second_operation_is_400_invalid_path_and_nothing_changes() {
    let app = spawn_app().await;
    let path = rich_user(&app, "atomic@example.com").await;
    let before = app.get_reply(&path).await.expect(200);
    app.patch_ops(
        &path,
        json!([
            { "op": "replace", "path": "displayName", "value": "Half Done" },
            { "op": "replace", "path": "noSuchAttribute", "value": "x" },
        ]),
    )
    .await
    .expect_error(400, Some("invalidPath"));
    app.patch_ops(
        &path,
        json!([
            { "op": "replace", "path": "displayName", "value": "Half Done" },
            { "op": "replace", "path": "emails[type eq ", "value": "x" },
        ]),
    )
    .await
    .expect_error(400, Some("invalidPath"));
    let after = app.get_reply(&path).await.expect(200);
    assert!(after.body.get("displayName").is_none(), "{}", after.text);
    assert_eq!(after.header("etag"), before.header("etag"));
    assert_eq!(after.body, before.body);
}

#[actix_web::test]
async fn remove_without_a_path_is_400_no_target() {
    let app = spawn_app().await;
    let path = rich_user(&app, "notarget@example.com").await;
    let before = app.get_ok(&path).await;
    app.patch_ops(
        &path,
        json!([{ "op": "remove", "value": { "title": "Engineer" } }]),
    )
    .await
    .expect_error(400, Some("noTarget"));
    app.patch_ops(&path, json!([{ "op": "remove" }]))
        .await
        .expect_error(400, Some("noTarget"));
    assert_eq!(app.get_ok(&path).await, before);
}

#[actix_web::test]
async fn operations_on_read_only_id_and_meta_are_400_mutability() {
    let app = spawn_app().await;
    let path = rich_user(&app, "readonly@example.com").await;
    let before = app.get_ok(&path).await;
    for op in [
        json!({ "op": "replace", "path": "id", "value": "new-id" }),
        json!({ "op": "remove", "path": "id" }),
        json!({ "op": "add", "path": "meta", "value": { "resourceType": "Group" } }),
        json!({ "op": "replace", "path": "meta.created", "value": "2001-01-01T00:00:00Z" }),
        json!({ "op": "remove", "path": "meta.lastModified" }),
    ] {
        let res = app.patch_ops(&path, json!(std::slice::from_ref(&op))).await;
        assert_eq!(res.status, 400, "{op}: {}", res.text);
        res.expect_error(400, Some("mutability"));
    }
    // userName is required: removing it is mutability too (RFC 7644 §3.5.2.2).
    app.patch_ops(&path, json!([{ "op": "remove", "path": "userName" }]))
        .await
        .expect_error(400, Some("mutability"));
    assert_eq!(app.get_ok(&path).await, before);
}

#[actix_web::test]
async fn a_malformed_patch_request_is_400_invalid_syntax() {
    let app = spawn_app().await;
    let path = rich_user(&app, "syntax@example.com").await;
    for body in [
        json!({ "Operations": [{ "op": "replace", "path": "title", "value": "x" }] }),
        json!({ "schemas": [PATCH_OP] }),
        json!({ "schemas": [PATCH_OP], "Operations": [] }),
        json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "move", "path": "title" }] }),
        json!({ "schemas": [PATCH_OP], "Operations": ["replace"] }),
    ] {
        let res = app
            .send(Method::PATCH, &path, Some(body.clone()), &[])
            .await;
        assert_eq!(res.status, 400, "{body}: {}", res.text);
        res.expect_error(400, Some("invalidSyntax"));
    }
}

#[actix_web::test]
async fn patch_answers_200_with_the_resource_honouring_attributes() {
    let app = spawn_app().await;
    let path = rich_user(&app, "projected.patch@example.com").await;
    let res = app
        .send(
            Method::PATCH,
            &format!("{path}?attributes=title,name.familyName"),
            Some(patch_body(
                json!([{ "op": "replace", "path": "title", "value": "Boss" }]),
            )),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(res.body["title"], "Boss");
    assert_eq!(res.body["name"], json!({ "familyName": "Family" }));
    assert!(res.body["id"].is_string());
    for absent in ["userName", "emails", "nickName", "meta"] {
        assert!(res.body.get(absent).is_none(), "{absent}: {}", res.text);
    }
    assert!(!res.header("etag").is_empty());
    let res = app
        .send(
            Method::PATCH,
            &format!("{path}?excludedAttributes=emails"),
            Some(patch_body(
                json!([{ "op": "replace", "path": "title", "value": "Chief" }]),
            )),
            &[],
        )
        .await
        .expect(200);
    assert!(res.body.get("emails").is_none());
    assert_eq!(res.body["title"], "Chief");
    assert_eq!(res.body["userName"], "projected.patch@example.com");
}

// ----- Groups -----

async fn users(app: &TestApp, n: usize, prefix: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(id_of(
            &app.create_user(&format!("{prefix}{i}@example.com")).await,
        ));
    }
    ids
}

fn refs(ids: &[&str]) -> Value {
    Value::Array(ids.iter().map(|id| json!({ "value": id })).collect())
}

#[actix_web::test]
async fn members_can_be_added_several_at_once() {
    let app = spawn_app().await;
    let u = users(&app, 3, "add").await;
    let group = app.create_group("Adders", &[]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let got = patch_ok(
        &app,
        &path,
        json!([{ "op": "add", "path": "members", "value": refs(&[&u[0], &u[1], &u[2]]) }]),
    )
    .await;
    assert_eq!(member_ids(&got), sorted(&[&u[0], &u[1], &u[2]]));
    // Path-less add with members (Entra / Okta style) adds too.
    let more = users(&app, 1, "more").await;
    let got = patch_ok(
        &app,
        &path,
        json!([{ "op": "add", "value": { "members": refs(&[&more[0]]) } }]),
    )
    .await;
    assert_eq!(member_ids(&got).len(), 4);
}

#[actix_web::test]
async fn a_member_is_removed_by_a_value_filter() {
    let app = spawn_app().await;
    let u = users(&app, 3, "rm").await;
    let group = app.create_group("Removers", &[&u[0], &u[1], &u[2]]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let got = patch_ok(
        &app,
        &path,
        json!([{ "op": "remove", "path": format!("members[value eq \"{}\"]", u[1]) }]),
    )
    .await;
    assert_eq!(member_ids(&got), sorted(&[&u[0], &u[2]]));
    let user = app.get_ok(&format!("/Users/{}", u[1])).await;
    assert!(user.get("groups").is_none(), "{user}");
}

#[actix_web::test]
async fn members_are_removed_by_a_value_list() {
    let app = spawn_app().await;
    let u = users(&app, 3, "rmlist").await;
    let group = app.create_group("Listers", &[&u[0], &u[1], &u[2]]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let got = patch_ok(
        &app,
        &path,
        json!([{ "op": "remove", "path": "members", "value": refs(&[&u[0], &u[2]]) }]),
    )
    .await;
    assert_eq!(member_ids(&got), [u[1].clone()]);
}

#[actix_web::test]
async fn replace_of_members_swaps_the_whole_list_and_remove_empties_it() {
    let app = spawn_app().await;
    let u = users(&app, 4, "swap").await;
    let group = app.create_group("Swappers", &[&u[0], &u[1]]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let got = patch_ok(
        &app,
        &path,
        json!([{ "op": "replace", "path": "members", "value": refs(&[&u[2], &u[3]]) }]),
    )
    .await;
    assert_eq!(member_ids(&got), sorted(&[&u[2], &u[3]]));
    let got = patch_ok(&app, &path, json!([{ "op": "remove", "path": "members" }])).await;
    assert!(got.get("members").is_none(), "{got}");
    assert_eq!(got["displayName"], "Swappers");
}

#[actix_web::test]
async fn re_adding_an_existing_member_is_a_no_op_that_keeps_the_version() {
    let app = spawn_app().await;
    let u = users(&app, 1, "again").await;
    let group = app.create_group("Idempotent", &[&u[0]]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let before = app.get_reply(&path).await.expect(200);
    let res = app
        .patch_ops(
            &path,
            json!([{ "op": "add", "path": "members", "value": refs(&[&u[0]]) }]),
        )
        .await
        .expect(200);
    assert_eq!(member_ids(&res.body), [u[0].clone()]);
    assert_eq!(res.header("etag"), before.header("etag"));
    assert_eq!(res.body["meta"], before.body["meta"]);
}

#[actix_web::test]
async fn removing_an_absent_member_changes_nothing() {
    let app = spawn_app().await;
    let u = users(&app, 2, "absent").await;
    let group = app.create_group("Unmoved", &[&u[0]]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let before = app.get_reply(&path).await.expect(200);
    for ops in [
        json!([{ "op": "remove", "path": format!("members[value eq \"{}\"]", u[1]) }]),
        json!([{ "op": "remove", "path": "members", "value": refs(&[&u[1]]) }]),
    ] {
        let res = app.patch_ops(&path, ops).await.expect(200);
        assert_eq!(member_ids(&res.body), [u[0].clone()]);
        assert_eq!(res.header("etag"), before.header("etag"));
    }
}

#[actix_web::test]
async fn a_group_can_be_renamed_by_path_and_by_a_path_less_value_echoing_its_id() {
    let app = spawn_app().await;
    let u = users(&app, 1, "rename").await;
    let group = app.create_group("Before", &[&u[0]]).await;
    let gid = id_of(&group);
    let path = format!("/Groups/{gid}");
    let got = patch_ok(
        &app,
        &path,
        json!([{ "op": "replace", "path": "displayName", "value": "Middle" }]),
    )
    .await;
    assert_eq!(got["displayName"], "Middle");
    // Okta: {"op":"replace","value":{"id":…,"displayName":…}}.
    let got = patch_ok(
        &app,
        &path,
        json!([{ "op": "replace", "value": { "id": gid, "displayName": "After" } }]),
    )
    .await;
    assert_eq!(got["displayName"], "After");
    assert_eq!(member_ids(&got), [u[0].clone()], "members untouched");
    let user = app.get_ok(&format!("/Users/{}", u[0])).await;
    assert_eq!(user["groups"][0]["display"], "After");
}

#[actix_web::test]
async fn a_group_patch_with_a_bad_second_operation_changes_nothing() {
    let app = spawn_app().await;
    let u = users(&app, 2, "gatomic").await;
    let group = app.create_group("Atomic", &[&u[0]]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let before = app.get_reply(&path).await.expect(200);
    app.patch_ops(
        &path,
        json!([
            { "op": "add", "path": "members", "value": refs(&[&u[1]]) },
            { "op": "replace", "path": "noSuchAttribute", "value": "x" },
        ]),
    )
    .await
    .expect_error(400, Some("invalidPath"));
    app.patch_ops(
        &path,
        json!([
            { "op": "replace", "path": "displayName", "value": "Renamed" },
            { "op": "add", "path": "members", "value": refs(&["not-a-member-id"]) },
        ]),
    )
    .await
    .expect_error(400, Some("invalidValue"));
    let after = app.get_reply(&path).await.expect(200);
    assert_eq!(member_ids(&after.body), [u[0].clone()]);
    assert_eq!(after.body["displayName"], "Atomic");
    assert_eq!(after.header("etag"), before.header("etag"));
}

#[actix_web::test]
async fn group_patch_errors_follow_rfc_7644() {
    let app = spawn_app().await;
    let group = app.create_group("Errors", &[]).await;
    let path = format!("/Groups/{}", id_of(&group));
    app.patch_ops(&path, json!([{ "op": "remove" }]))
        .await
        .expect_error(400, Some("noTarget"));
    app.patch_ops(
        &path,
        json!([{ "op": "replace", "path": "id", "value": "x" }]),
    )
    .await
    .expect_error(400, Some("mutability"));
    app.patch_ops(
        &path,
        json!([{ "op": "replace", "path": "meta.lastModified", "value": "2001-01-01T00:00:00Z" }]),
    )
    .await
    .expect_error(400, Some("mutability"));
    app.patch_ops(&path, json!([{ "op": "remove", "path": "displayName" }]))
        .await
        .expect_error(400, Some("mutability"));
    app.patch_ops(
        &path,
        json!([{ "op": "add", "path": "owner", "value": "x" }]),
    )
    .await
    .expect_error(400, Some("invalidPath"));
    assert_eq!(app.get_ok(&path).await["displayName"], "Errors");
}

#[actix_web::test]
async fn a_group_patch_response_honours_excluded_attributes() {
    let app = spawn_app().await;
    let u = users(&app, 1, "gproj").await;
    let group = app.create_group("Projected", &[]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let res = app
        .send(
            Method::PATCH,
            &format!("{path}?excludedAttributes=members"),
            Some(patch_body(
                json!([{ "op": "add", "path": "members", "value": refs(&[&u[0]]) }]),
            )),
            &[],
        )
        .await
        .expect(200);
    assert!(res.body.get("members").is_none(), "{}", res.text);
    assert_eq!(res.body["displayName"], "Projected");
    assert_eq!(member_ids(&app.get_ok(&path).await), [u[0].clone()]);
}

#[actix_web::test]
async fn entra_forms_set_the_manager_from_a_bare_id_and_dotted_keys_in_a_path_less_value() {
    let app = spawn_app().await;
    let manager = id_of(&app.create_user("entra.mgr@example.com").await);
    let path = rich_user(&app, "entra.report@example.com").await;
    let user = patch_ok(
        &app,
        &path,
        json!([
            { "op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": manager },
            { "op": "Replace", "value": {
                "name.familyName": "Dotted",
                format!("{ENTERPRISE}:department"): "Dotted Dept",
            } },
        ]),
    )
    .await;
    assert_eq!(user[ENTERPRISE]["manager"]["value"], manager.as_str());
    assert_eq!(user[ENTERPRISE]["department"], "Dotted Dept");
    assert_eq!(user["name"]["familyName"], "Dotted");
    assert_eq!(user["name"]["givenName"], "Given");
    // Entra clears the manager with a remove, or with an empty value.
    let user = patch_ok(
        &app,
        &path,
        json!([{ "op": "Replace", "path": format!("{ENTERPRISE}:manager"), "value": "" }]),
    )
    .await;
    assert!(user[ENTERPRISE].get("manager").is_none(), "{user}");
    assert_eq!(user[ENTERPRISE]["department"], "Dotted Dept");
}

#[actix_web::test]
async fn members_are_removed_by_a_type_filter() {
    let app = spawn_app().await;
    let u = users(&app, 2, "bytype").await;
    let child = id_of(&app.create_group("Nested Child", &[]).await);
    let group = app.create_group("Mixed", &[&u[0], &child, &u[1]]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let got = patch_ok(
        &app,
        &path,
        json!([{ "op": "remove", "path": "members[type eq \"Group\"]" }]),
    )
    .await;
    assert_eq!(member_ids(&got), sorted(&[&u[0], &u[1]]));
}

#[actix_web::test]
async fn a_member_patch_keeps_other_member_rows_and_the_users_groups_in_step() {
    let app = spawn_app().await;
    let u = users(&app, 3, "step").await;
    let group = app.create_group("Step", &[&u[0], &u[1]]).await;
    let gid = id_of(&group);
    let path = format!("/Groups/{gid}");
    patch_ok(
        &app,
        &path,
        json!([
            { "op": "remove", "path": format!("members[value eq \"{}\"]", u[0]) },
            { "op": "add", "path": "members", "value": refs(&[&u[2]]) },
        ]),
    )
    .await;
    for (uid, member) in [(&u[0], false), (&u[1], true), (&u[2], true)] {
        let user = app.get_ok(&format!("/Users/{uid}")).await;
        let groups: Vec<&str> = user["groups"]
            .as_array()
            .map(|g| g.iter().map(|x| x["value"].as_str().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(groups.contains(&gid.as_str()), member, "{uid}: {user}");
    }
}
