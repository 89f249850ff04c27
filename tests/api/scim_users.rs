//! SCIM Users end to end (RFC 7643 §4.1, §4.3; RFC 7644 §3.3–§3.6, §3.4.2.5): create, read,
//! replace, delete, uniqueness, validation, the enterprise extension, content types and
//! attribute projection.

use crate::common;

use common::{filter_query, id_of, spawn_app, user_body, Reply, ENTERPRISE, PATCH_OP, USER_SCHEMA};
use reqwest::Method;
use serde_json::{json, Value};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[actix_web::test]
async fn creating_a_user_returns_201_with_location_and_etag() {
    let app = spawn_app().await;
    let res = app
        .post_reply("/Users", user_body("new.user@example.com"))
        .await
        .expect(201);
    let user = &res.body;
    let id = id_of(user);
    assert!(!id.is_empty());
    assert!(res
        .header("content-type")
        .starts_with("application/scim+json"));
    assert_eq!(user["schemas"], json!([USER_SCHEMA]));
    assert_eq!(user["userName"], "new.user@example.com");
    let meta = &user["meta"];
    assert_eq!(meta["resourceType"], "User");
    let location = format!("{}/Users/{id}", app.scim);
    assert_eq!(meta["location"], location);
    assert_eq!(res.header("location"), location, "Location = meta.location");
    let etag = res.header("etag");
    assert!(!etag.is_empty(), "an ETag header");
    assert_eq!(meta["version"], etag, "ETag = meta.version");
    for key in ["created", "lastModified"] {
        let text = meta[key].as_str().unwrap();
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap_or_else(|e| panic!("meta.{key} {text:?} is not RFC 3339: {e}"));
    }
    assert_eq!(meta["created"], meta["lastModified"], "a new resource");
    // The Location names the resource just made.
    let fetched = app.get_ok(&format!("/Users/{id}")).await;
    assert_eq!(&fetched, user);
}

#[actix_web::test]
async fn a_user_can_be_read_by_id_with_its_etag() {
    let app = spawn_app().await;
    let created = app.create_user("read.me@example.com").await;
    let res = app
        .get_reply(&format!("/Users/{}", id_of(&created)))
        .await
        .expect(200);
    assert_eq!(res.body, created);
    assert_eq!(res.header("etag"), created["meta"]["version"]);
    assert!(res
        .header("content-type")
        .starts_with("application/scim+json"));
}

#[actix_web::test]
async fn an_unknown_user_id_is_404_for_get_put_patch_and_delete() {
    let app = spawn_app().await;
    let path = "/Users/00000000-0000-0000-0000-000000000000";
    app.get_reply(path).await.expect_error(404, None);
    app.put_reply(path, user_body("ghost@example.com"))
        .await
        .expect_error(404, None);
    app.patch_ops(
        path,
        json!([{ "op": "replace", "path": "active", "value": false }]),
    )
    .await
    .expect_error(404, None);
    app.delete_reply(path).await.expect_error(404, None);
}

#[actix_web::test]
async fn the_password_is_accepted_but_never_returned() {
    let app = spawn_app().await;
    let mut body = user_body("secret@example.com");
    body["password"] = json!("t1meMaCh1ne!");
    let res = app.post_reply("/Users", body.clone()).await.expect(201);
    assert!(res.body.get("password").is_none(), "{}", res.text);
    assert!(!res.text.contains("t1meMaCh1ne!"));
    let id = id_of(&res.body);
    let path = format!("/Users/{id}");
    for p in [
        path.clone(),
        format!("{path}?attributes=password"),
        format!("{path}?attributes=userName,password"),
        format!(
            "/Users{}",
            filter_query("userName eq \"secret@example.com\"")
        ),
        "/Users?attributes=password".to_owned(),
    ] {
        let got = app.get_reply(&p).await.expect(200);
        assert!(!got.text.contains("password"), "{p}: {}", got.text);
        assert!(!got.text.contains("t1meMaCh1ne!"), "{p}: {}", got.text);
    }
    let res = app.put_reply(&path, body.clone()).await.expect(200);
    assert!(!res.text.contains("t1meMaCh1ne!"), "{}", res.text);
    let res = app
        .patch_ops(
            &path,
            json!([{ "op": "replace", "path": "password", "value": "n3wPassw0rd" }]),
        )
        .await
        .expect(200);
    assert!(!res.text.contains("n3wPassw0rd"), "{}", res.text);
    assert!(res.body.get("password").is_none());
}

#[actix_web::test]
async fn read_only_id_meta_and_groups_in_a_post_body_are_ignored() {
    let app = spawn_app().await;
    let group = app.create_group("Admins", &[]).await;
    let gid = id_of(&group);
    let mut body = user_body("sneaky@example.com");
    body["id"] = json!("client-chosen-id");
    body["meta"] = json!({
        "resourceType": "Group",
        "created": "2001-01-01T00:00:00Z",
        "lastModified": "2001-01-01T00:00:00Z",
        "version": "W/\"999\"",
        "location": "https://evil.example/Users/x",
    });
    body["groups"] = json!([{ "value": gid, "display": "Admins" }]);
    let res = app.post_reply("/Users", body).await.expect(201);
    let user = res.body;
    assert_ne!(user["id"], "client-chosen-id");
    assert_eq!(user["meta"]["resourceType"], "User");
    assert_ne!(user["meta"]["created"], "2001-01-01T00:00:00Z");
    assert_ne!(user["meta"]["version"], "W/\"999\"");
    assert!(user["meta"]["location"]
        .as_str()
        .unwrap()
        .starts_with(&app.scim));
    assert!(user.get("groups").is_none(), "groups is readOnly: {user}");
    let group = app.get_ok(&format!("/Groups/{gid}")).await;
    assert!(group.get("members").is_none(), "no membership was made");
    assert_eq!(app.get_reply("/Users/client-chosen-id").await.status, 404);
}

#[actix_web::test]
async fn read_only_id_meta_and_groups_in_a_put_body_are_ignored() {
    let app = spawn_app().await;
    let user = app.create_user("put.ro@example.com").await;
    let id = id_of(&user);
    let member_of = app.create_group("Members", &[&id]).await;
    let other = app.create_group("Other", &[]).await;
    let mut body = user_body("put.ro@example.com");
    body["id"] = json!("another-id");
    body["meta"] = json!({ "created": "2001-01-01T00:00:00Z", "resourceType": "Group" });
    body["groups"] = json!([{ "value": id_of(&other) }]);
    let res = app
        .put_reply(&format!("/Users/{id}"), body)
        .await
        .expect(200);
    assert_eq!(res.body["id"], id.as_str());
    assert_eq!(res.body["meta"]["created"], user["meta"]["created"]);
    assert_eq!(res.body["meta"]["resourceType"], "User");
    let groups: Vec<&str> = res.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        groups,
        [id_of(&member_of).as_str()],
        "memberships unchanged"
    );
}

#[actix_web::test]
async fn put_replaces_the_user_and_removes_omitted_attributes() {
    let app = spawn_app().await;
    let mut body = user_body("full@example.com");
    body["displayName"] = json!("Full User");
    body["nickName"] = json!("Fully");
    body["title"] = json!("Engineer");
    body["phoneNumbers"] = json!([{ "value": "+1 555 0100", "type": "work" }]);
    body[ENTERPRISE] = json!({ "department": "R&D" });
    let user = app.create_user_from(body).await;
    let path = format!("/Users/{}", id_of(&user));
    let replacement = json!({
        "schemas": [USER_SCHEMA],
        "userName": "full@example.com",
        "name": { "givenName": "Only" },
        "title": "Architect",
    });
    let res = app.put_reply(&path, replacement).await.expect(200);
    for (label, got) in [("PUT", res.body), ("GET", app.get_ok(&path).await)] {
        for gone in [
            "displayName",
            "nickName",
            "phoneNumbers",
            "emails",
            ENTERPRISE,
        ] {
            assert!(got.get(gone).is_none(), "{label}: {gone} remains in {got}");
        }
        assert_eq!(got["name"], json!({ "givenName": "Only" }), "{label}");
        assert_eq!(got["title"], "Architect", "{label}");
        assert_eq!(got["schemas"], json!([USER_SCHEMA]), "{label}");
        assert_eq!(got["id"], user["id"]);
        assert_eq!(got["meta"]["created"], user["meta"]["created"]);
    }
}

#[actix_web::test]
async fn put_keeps_the_user_name_case_as_sent() {
    let app = spawn_app().await;
    let user = app.create_user("mixed.case@example.com").await;
    let path = format!("/Users/{}", id_of(&user));
    let res = app
        .put_reply(&path, user_body("Mixed.Case@Example.COM"))
        .await
        .expect(200);
    assert_eq!(res.body["userName"], "Mixed.Case@Example.COM");
    assert_eq!(
        app.get_ok(&path).await["userName"],
        "Mixed.Case@Example.COM"
    );
    let found = app
        .user_ids_where("userName eq \"mixed.case@example.com\"")
        .await;
    assert_eq!(found, [id_of(&user)]);
}

#[actix_web::test]
async fn deleting_a_user_is_204_then_get_and_a_second_delete_are_404() {
    let app = spawn_app().await;
    let user = app.create_user("bye@example.com").await;
    let path = format!("/Users/{}", id_of(&user));
    let res = app.delete_reply(&path).await.expect(204);
    assert!(res.text.is_empty(), "a 204 has no body: {}", res.text);
    app.get_reply(&path).await.expect_error(404, None);
    app.delete_reply(&path).await.expect_error(404, None);
    assert!(app
        .user_ids_where("userName eq \"bye@example.com\"")
        .await
        .is_empty());
}

#[actix_web::test]
async fn a_duplicate_user_name_is_409_uniqueness_whatever_its_case() {
    let app = spawn_app().await;
    app.create_user("Alice@x.example").await;
    for dup in ["Alice@x.example", "alice@x.example", "ALICE@X.EXAMPLE"] {
        app.post_reply("/Users", user_body(dup))
            .await
            .expect_error(409, Some("uniqueness"));
    }
    let found = app.user_ids_where("userName eq \"alice@x.example\"").await;
    assert_eq!(found.len(), 1, "no duplicate was stored");
}

#[actix_web::test]
async fn renaming_a_user_onto_a_taken_user_name_is_409_uniqueness() {
    let app = spawn_app().await;
    app.create_user("taken@example.com").await;
    let user = app.create_user("free@example.com").await;
    let path = format!("/Users/{}", id_of(&user));
    app.put_reply(&path, user_body("TAKEN@example.com"))
        .await
        .expect_error(409, Some("uniqueness"));
    app.patch_ops(
        &path,
        json!([{ "op": "replace", "path": "userName", "value": "Taken@Example.com" }]),
    )
    .await
    .expect_error(409, Some("uniqueness"));
    assert_eq!(app.get_ok(&path).await["userName"], "free@example.com");
}

#[actix_web::test]
async fn a_user_without_a_user_name_is_400_invalid_value() {
    let app = spawn_app().await;
    let mut missing = user_body("x@example.com");
    missing.as_object_mut().unwrap().remove("userName");
    let mut empty = user_body("x@example.com");
    empty["userName"] = json!("");
    let mut blank = user_body("x@example.com");
    blank["userName"] = json!("   ");
    let mut null = user_body("x@example.com");
    null["userName"] = Value::Null;
    for body in [missing, empty, blank, null] {
        app.post_reply("/Users", body.clone())
            .await
            .expect_error(400, Some("invalidValue"));
    }
    let listed = app.get_ok("/Users").await;
    assert_eq!(listed["totalResults"], 1, "only the bootstrap admin");
    // A PUT must carry it too.
    let user = app.create_user("keep@example.com").await;
    let mut body = user_body("keep@example.com");
    body.as_object_mut().unwrap().remove("userName");
    app.put_reply(&format!("/Users/{}", id_of(&user)), body)
        .await
        .expect_error(400, Some("invalidValue"));
}

#[actix_web::test]
async fn values_of_the_wrong_type_are_400_invalid_value() {
    let app = spawn_app().await;
    let cases: Vec<(&str, Value)> = vec![
        ("active", json!("yes")),
        ("active", json!(1)),
        ("emails", json!("x@example.com")),
        ("emails", json!([{ "value": 42 }])),
        (
            "emails",
            json!([{ "value": "a@example.com", "primary": "true" }]),
        ),
        ("userName", json!(42)),
        ("name", json!("Given Family")),
        ("name", json!({ "givenName": ["a"] })),
        ("displayName", json!({ "x": 1 })),
        ("phoneNumbers", json!({ "value": "+1" })),
    ];
    for (attr, value) in cases {
        let mut body = user_body("typed@example.com");
        body[attr] = value.clone();
        let res = app.post_reply("/Users", body).await;
        assert_eq!(res.status, 400, "{attr} = {value}: {}", res.text);
        res.expect_error(400, Some("invalidValue"));
    }
    assert_eq!(app.get_ok("/Users").await["totalResults"], 1);
    // PUT validates the same way.
    let user = app.create_user("typed@example.com").await;
    let mut body = user_body("typed@example.com");
    body["active"] = json!("no");
    app.put_reply(&format!("/Users/{}", id_of(&user)), body)
        .await
        .expect_error(400, Some("invalidValue"));
}

#[actix_web::test]
async fn two_primary_emails_are_400_invalid_value() {
    let app = spawn_app().await;
    let mut body = user_body("two@example.com");
    body["emails"] = json!([
        { "value": "two@example.com", "type": "work", "primary": true },
        { "value": "two@home.example", "type": "home", "primary": true },
    ]);
    app.post_reply("/Users", body)
        .await
        .expect_error(400, Some("invalidValue"));
}

#[actix_web::test]
async fn attribute_names_in_a_body_are_case_insensitive() {
    let app = spawn_app().await;
    let user = app
        .create_user_from(json!({
            "Schemas": [USER_SCHEMA],
            "USERNAME": "shouty@example.com",
            "Name": { "GivenName": "Shouty", "FAMILYNAME": "McShout" },
            "Emails": [{ "Value": "shouty@example.com", "TYPE": "work", "Primary": true }],
            "Active": false,
        }))
        .await;
    assert_eq!(user["userName"], "shouty@example.com");
    assert_eq!(user["name"]["givenName"], "Shouty");
    assert_eq!(user["name"]["familyName"], "McShout");
    assert_eq!(user["emails"][0]["value"], "shouty@example.com");
    assert_eq!(user["emails"][0]["primary"], true);
    assert_eq!(user["active"], false);
}

#[actix_web::test]
async fn the_enterprise_extension_round_trips_including_manager() {
    let app = spawn_app().await;
    let manager = app.create_user("boss@example.com").await;
    let mid = id_of(&manager);
    let mut body = user_body("report@example.com");
    body["schemas"] = json!([USER_SCHEMA, ENTERPRISE]);
    body[ENTERPRISE] = json!({
        "employeeNumber": "701984",
        "costCenter": "4130",
        "organization": "Universal Studios",
        "division": "Theme Park",
        "department": "Tour Operations",
        "manager": { "value": mid, "$ref": format!("{}/Users/{mid}", app.scim) },
    });
    let user = app.create_user_from(body).await;
    let path = format!("/Users/{}", id_of(&user));
    for (label, got) in [("POST", user.clone()), ("GET", app.get_ok(&path).await)] {
        let schemas = got["schemas"].as_array().unwrap();
        assert!(schemas.contains(&json!(USER_SCHEMA)), "{label}: {got}");
        assert!(schemas.contains(&json!(ENTERPRISE)), "{label}: {got}");
        let ext = &got[ENTERPRISE];
        assert_eq!(ext["employeeNumber"], "701984", "{label}");
        assert_eq!(ext["costCenter"], "4130", "{label}");
        assert_eq!(ext["organization"], "Universal Studios", "{label}");
        assert_eq!(ext["division"], "Theme Park", "{label}");
        assert_eq!(ext["department"], "Tour Operations", "{label}");
        assert_eq!(ext["manager"]["value"], mid.as_str(), "{label}");
    }
    // A PUT without the extension removes it, and its URN leaves `schemas`.
    let res = app
        .put_reply(&path, user_body("report@example.com"))
        .await
        .expect(200);
    assert!(res.body.get(ENTERPRISE).is_none(), "{}", res.text);
    assert!(!res.body["schemas"]
        .as_array()
        .unwrap()
        .contains(&json!(ENTERPRISE)));
}

#[actix_web::test]
async fn a_deactivated_user_is_still_found_by_a_user_name_filter() {
    let app = spawn_app().await;
    let user = app.create_user("sleeping@example.com").await;
    let id = id_of(&user);
    app.patch_ops(
        &format!("/Users/{id}"),
        json!([{ "op": "replace", "value": { "active": false } }]),
    )
    .await
    .expect(200);
    let list = app
        .get_ok(&format!(
            "/Users{}",
            filter_query("userName eq \"sleeping@example.com\"")
        ))
        .await;
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["id"], id.as_str());
    assert_eq!(list["Resources"][0]["active"], false);
    // Created inactive, too.
    let mut body = user_body("born.inactive@example.com");
    body["active"] = json!(false);
    let inactive = app.create_user_from(body).await;
    assert_eq!(
        app.user_ids_where("userName eq \"born.inactive@example.com\"")
            .await,
        [id_of(&inactive)]
    );
}

#[actix_web::test]
async fn application_json_is_accepted_as_the_request_content_type() {
    let app = spawn_app().await;
    let res = app
        .send_raw(
            Method::POST,
            "/Users",
            Some("application/json"),
            &user_body("plain.json@example.com").to_string(),
        )
        .await
        .expect(201);
    let path = format!("/Users/{}", id_of(&res.body));
    let mut body = user_body("plain.json@example.com");
    body["title"] = json!("Plain");
    let res = app
        .send_raw(
            Method::PUT,
            &path,
            Some("application/json; charset=utf-8"),
            &body.to_string(),
        )
        .await
        .expect(200);
    assert_eq!(res.body["title"], "Plain");
    let patch = json!({
        "schemas": [PATCH_OP],
        "Operations": [{ "op": "replace", "path": "title", "value": "Patched" }],
    });
    let res = app
        .send_raw(
            Method::PATCH,
            &path,
            Some("application/json"),
            &patch.to_string(),
        )
        .await
        .expect(200);
    assert_eq!(res.body["title"], "Patched");
    let search = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "title eq \"Patched\"",
    });
    let res = app
        .send_raw(
            Method::POST,
            "/Users/.search",
            Some("application/json"),
            &search.to_string(),
        )
        .await
        .expect(200);
    assert_eq!(res.body["totalResults"], 1);
}

#[actix_web::test]
async fn every_response_with_a_body_is_application_scim_json() {
    let app = spawn_app().await;
    let user = app.create_user("ct@example.com").await;
    let path = format!("/Users/{}", id_of(&user));
    let replies: Vec<(&str, Reply)> = vec![
        (
            "POST",
            app.post_reply("/Users", user_body("ct2@example.com")).await,
        ),
        ("GET", app.get_reply(&path).await),
        (
            "PUT",
            app.put_reply(&path, user_body("ct@example.com")).await,
        ),
        (
            "PATCH",
            app.patch_ops(
                &path,
                json!([{ "op": "replace", "path": "title", "value": "T" }]),
            )
            .await,
        ),
        ("list", app.get_reply("/Users").await),
        ("search", app.search("Users", json!({})).await),
        ("404", app.get_reply("/Users/nope").await),
        (
            "409",
            app.post_reply("/Users", user_body("ct@example.com")).await,
        ),
        (
            "400",
            app.post_reply("/Users", json!({ "schemas": [USER_SCHEMA] }))
                .await,
        ),
        (
            "400 filter",
            app.get_reply(&format!("/Users{}", filter_query("userName eq")))
                .await,
        ),
        (
            "412",
            app.send(
                Method::PUT,
                &path,
                Some(user_body("ct@example.com")),
                &[("If-Match", "W/\"999999\"")],
            )
            .await,
        ),
        ("discovery", app.get_reply("/ServiceProviderConfig").await),
    ];
    for (label, reply) in replies {
        assert!(
            reply
                .header("content-type")
                .starts_with("application/scim+json"),
            "{label} ({}): content type {:?}",
            reply.status,
            reply.header("content-type")
        );
    }
}

#[actix_web::test]
async fn attributes_and_excluded_attributes_shape_a_get() {
    let app = spawn_app().await;
    let mut body = user_body("shape@example.com");
    body["title"] = json!("Shaper");
    body[ENTERPRISE] = json!({ "department": "Shapes", "costCenter": "7" });
    let user = app.create_user_from(body).await;
    let path = format!("/Users/{}", id_of(&user));

    let got = app.get_ok(&format!("{path}?attributes=userName")).await;
    assert_eq!(got["userName"], "shape@example.com");
    assert_eq!(got["id"], user["id"], "id is returned always");
    for absent in ["name", "emails", "title", "active", ENTERPRISE] {
        assert!(
            got.get(absent).is_none(),
            "attributes=userName kept {absent}: {got}"
        );
    }

    let got = app
        .get_ok(&format!("{path}?attributes=name.givenName,title"))
        .await;
    assert_eq!(got["name"], json!({ "givenName": "Given" }));
    assert_eq!(got["title"], "Shaper");
    assert!(got.get("userName").is_none(), "{got}");

    let got = app
        .get_ok(&format!("{path}?attributes={ENTERPRISE}:department"))
        .await;
    assert_eq!(got[ENTERPRISE], json!({ "department": "Shapes" }), "{got}");
    assert!(got.get("emails").is_none());

    let got = app
        .get_ok(&format!("{path}?excludedAttributes=emails,name"))
        .await;
    assert!(
        got.get("emails").is_none() && got.get("name").is_none(),
        "{got}"
    );
    assert_eq!(got["userName"], "shape@example.com");
    assert_eq!(got["title"], "Shaper");
    assert_eq!(got[ENTERPRISE]["department"], "Shapes");

    let got = app
        .get_ok(&format!("{path}?excludedAttributes=id,name.familyName"))
        .await;
    assert_eq!(
        got["id"], user["id"],
        "id can't be excluded (returned always)"
    );
    assert_eq!(got["name"], json!({ "givenName": "Given" }));

    // Attribute names in the parameters are case-insensitive.
    let got = app.get_ok(&format!("{path}?attributes=USERNAME")).await;
    assert_eq!(got["userName"], "shape@example.com");
    assert!(got.get("emails").is_none());

    // The same on a list.
    let list = app
        .get_ok(&format!(
            "/Users{}&attributes=userName",
            filter_query("userName eq \"shape@example.com\"")
        ))
        .await;
    let only = &list["Resources"][0];
    assert_eq!(only["userName"], "shape@example.com");
    assert!(only.get("emails").is_none(), "{only}");
    assert!(only["id"].is_string());
}

#[actix_web::test]
async fn attributes_and_excluded_attributes_shape_post_put_and_patch_responses() {
    let app = spawn_app().await;
    let res = app
        .post_reply("/Users?attributes=userName", user_body("proj@example.com"))
        .await
        .expect(201);
    assert_eq!(
        keys(&res.body),
        ["id", "schemas", "userName"],
        "POST ?attributes=userName: {}",
        res.text
    );
    assert!(!res.header("etag").is_empty());
    assert!(!res.header("location").is_empty());
    let path = format!("/Users/{}", id_of(&res.body));

    let res = app
        .put_reply(
            &format!("{path}?excludedAttributes=emails,meta"),
            user_body("proj@example.com"),
        )
        .await
        .expect(200);
    assert!(res.body.get("emails").is_none(), "PUT: {}", res.text);
    assert!(res.body.get("meta").is_none(), "PUT: {}", res.text);
    assert_eq!(res.body["userName"], "proj@example.com");

    let res = app
        .send(
            Method::PATCH,
            &format!("{path}?attributes=active"),
            Some(common::patch_body(
                json!([{ "op": "replace", "path": "active", "value": false }]),
            )),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(
        keys(&res.body),
        ["active", "id", "schemas"],
        "PATCH: {}",
        res.text
    );
    assert_eq!(res.body["active"], false);
}

#[actix_web::test]
async fn null_and_empty_values_in_a_post_mean_absent() {
    let app = spawn_app().await;
    let mut body = user_body("nulls@example.com");
    body["displayName"] = Value::Null;
    body["title"] = json!("");
    body["phoneNumbers"] = json!([]);
    let user = app.create_user_from(body).await;
    for absent in ["displayName", "title", "phoneNumbers"] {
        assert!(user.get(absent).is_none(), "{absent}: {user}");
    }
}

#[actix_web::test]
async fn a_deleted_user_name_can_be_used_again() {
    let app = spawn_app().await;
    let first = app.create_user("reused@example.com").await;
    app.delete_reply(&format!("/Users/{}", id_of(&first)))
        .await
        .expect(204);
    let second = app.create_user("Reused@example.com").await;
    assert_ne!(second["id"], first["id"]);
}

#[actix_web::test]
async fn a_non_ascii_user_name_is_unique_regardless_of_case() {
    let app = spawn_app().await;
    app.create_user("Ärger@example.com").await;
    app.post_reply("/Users", user_body("ärger@example.com"))
        .await
        .expect_error(409, Some("uniqueness"));
}

#[actix_web::test]
async fn excluded_attributes_groups_hides_the_derived_memberships() {
    let app = spawn_app().await;
    let user = app.create_user("member.hidden@example.com").await;
    app.create_group("Hidden", &[&id_of(&user)]).await;
    let path = format!("/Users/{}", id_of(&user));
    assert!(app.get_ok(&path).await["groups"].is_array());
    let got = app
        .get_ok(&format!("{path}?excludedAttributes=groups"))
        .await;
    assert!(got.get("groups").is_none(), "{got}");
    let got = app.get_ok(&format!("{path}?attributes=groups")).await;
    assert_eq!(got["groups"][0]["display"], "Hidden");
    assert!(got.get("userName").is_none());
}
