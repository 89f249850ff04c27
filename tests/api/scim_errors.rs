//! SCIM errors end to end (RFC 7644 §3.12): each error the service produces, with its HTTP
//! status, `status` as a string, `scimType` and a `detail`, always as `application/scim+json`;
//! and bodies no client should send never get a 500.

use crate::common;

use common::{group_body, id_of, spawn_app, user_body, Reply, GROUP_SCHEMA, PATCH_OP};
use reqwest::Method;
use serde_json::json;

#[actix_web::test]
async fn malformed_json_is_400_invalid_syntax_on_every_write() {
    let app = spawn_app().await;
    let uid = id_of(&app.create_user("syntax@example.com").await);
    let gid = id_of(&app.create_group("Syntax", &[]).await);
    let broken = r#"{"userName": "x@example.com", "#;
    for (method, path) in [
        (Method::POST, "/Users".to_owned()),
        (Method::PUT, format!("/Users/{uid}")),
        (Method::PATCH, format!("/Users/{uid}")),
        (Method::POST, "/Users/.search".to_owned()),
        (Method::POST, "/Groups".to_owned()),
        (Method::PUT, format!("/Groups/{gid}")),
        (Method::PATCH, format!("/Groups/{gid}")),
        (Method::POST, "/Groups/.search".to_owned()),
    ] {
        let res = app
            .send_raw(method.clone(), &path, Some(common::SCIM_JSON), broken)
            .await;
        assert_eq!(res.status, 400, "{method} {path}: {}", res.text);
        res.expect_error(400, Some("invalidSyntax"));
    }
}

#[actix_web::test]
async fn a_body_that_is_not_a_json_object_or_is_empty_is_400_invalid_syntax() {
    let app = spawn_app().await;
    for body in ["[1, 2]", "\"a string\"", "42", "null", ""] {
        let res = app
            .send_raw(Method::POST, "/Users", Some(common::SCIM_JSON), body)
            .await;
        assert_eq!(res.status, 400, "{body:?}: {}", res.text);
        res.expect_error(400, Some("invalidSyntax"));
    }
}

#[actix_web::test]
async fn not_found_is_404_with_a_scim_error() {
    let app = spawn_app().await;
    for path in [
        "/Users/does-not-exist",
        "/Groups/does-not-exist",
        "/NoSuchEndpoint",
        "/Users/does-not-exist/extra",
    ] {
        let res = app.get_reply(path).await;
        assert_eq!(res.status, 404, "{path}: {}", res.text);
        res.expect_error(404, None);
    }
}

#[actix_web::test]
async fn uniqueness_is_409() {
    let app = spawn_app().await;
    app.create_user("dup@example.com").await;
    app.post_reply("/Users", user_body("dup@example.com"))
        .await
        .expect_error(409, Some("uniqueness"));
    app.create_group("Dup", &[]).await;
    app.post_reply("/Groups", group_body("Dup", &[]))
        .await
        .expect_error(409, Some("uniqueness"));
}

#[actix_web::test]
async fn each_400_scim_type_is_produced_where_rfc_7644_assigns_it() {
    let app = spawn_app().await;
    let uid = id_of(&app.create_user("types@example.com").await);
    let path = format!("/Users/{uid}");
    // invalidFilter
    app.get_reply(&format!("/Users{}", common::filter_query("userName eq")))
        .await
        .expect_error(400, Some("invalidFilter"));
    // invalidValue
    app.post_reply("/Users", json!({ "schemas": [common::USER_SCHEMA] }))
        .await
        .expect_error(400, Some("invalidValue"));
    // invalidSyntax
    app.send_raw(Method::POST, "/Users", Some(common::SCIM_JSON), "{")
        .await
        .expect_error(400, Some("invalidSyntax"));
    // invalidPath
    app.patch_ops(
        &path,
        json!([{ "op": "replace", "path": "nope", "value": 1 }]),
    )
    .await
    .expect_error(400, Some("invalidPath"));
    // noTarget
    app.patch_ops(&path, json!([{ "op": "remove" }]))
        .await
        .expect_error(400, Some("noTarget"));
    // mutability
    app.patch_ops(
        &path,
        json!([{ "op": "replace", "path": "id", "value": "x" }]),
    )
    .await
    .expect_error(400, Some("mutability"));
}

#[actix_web::test]
async fn a_failed_precondition_is_412() {
    let app = spawn_app().await;
    let uid = id_of(&app.create_user("pre@example.com").await);
    let res = app
        .send(
            Method::DELETE,
            &format!("/Users/{uid}"),
            None,
            &[("If-Match", "W/\"not-the-version\"")],
        )
        .await
        .expect_error(412, None);
    assert!(res.body.get("scimType").is_none(), "{}", res.text);
}

#[actix_web::test]
async fn a_body_over_the_limit_is_413_with_a_scim_error() {
    let app = spawn_app().await;
    let mut body = user_body("huge@example.com");
    body["displayName"] = json!("x".repeat(2 * 1024 * 1024));
    app.post_reply("/Users", body).await.expect_error(413, None);
}

#[actix_web::test]
async fn an_unauthenticated_request_is_401_with_a_scim_error() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(format!("{}/Users", app.scim))
        .bearer_auth("gsc_wrong")
        .send()
        .await
        .unwrap();
    Reply::read(res).await.expect_error(401, None);
}

/// RFC 7644 §3.11: "A service provider that does not support this feature SHOULD respond with
/// HTTP status code 501 (Not Implemented)."
#[actix_web::test]
async fn me_is_501_not_implemented() {
    let app = spawn_app().await;
    let res = app.get_reply("/Me").await;
    res.expect_error(501, None);
}

/// Methods an endpoint doesn't serve still get a SCIM error body, not an empty response.
#[actix_web::test]
async fn an_unsupported_method_gets_a_scim_error() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::PUT, "/Users"),
        (Method::DELETE, "/Groups"),
        (Method::POST, "/ServiceProviderConfig"),
    ] {
        let res = app.send(method.clone(), path, Some(json!({})), &[]).await;
        assert!(
            [404, 405, 501].contains(&res.status),
            "{method} {path}: {} {}",
            res.status,
            res.text
        );
        let status = res.status;
        res.expect_error(status, None);
    }
}

#[actix_web::test]
async fn strange_bodies_never_cause_a_500() {
    let app = spawn_app().await;
    let uid = id_of(&app.create_user("strange@example.com").await);
    let gid = id_of(&app.create_group("Strange", &[]).await);
    let user = format!("/Users/{uid}");
    let group = format!("/Groups/{gid}");
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let cases: Vec<(Method, String, String)> = vec![
        (Method::POST, "/Users".into(), json!({ "userName": "a", "emails": [1, 2] }).to_string()),
        (Method::POST, "/Users".into(), json!({ "userName": "a", "name": [] }).to_string()),
        (Method::POST, "/Users".into(), json!({ "userName": "a", "name": { "givenName": { "x": 1 } } }).to_string()),
        (Method::POST, "/Users".into(), json!({ "userName": ["a"] }).to_string()),
        (Method::POST, "/Users".into(), json!({ "userName": "a", "schemas": "x" }).to_string()),
        (Method::POST, "/Users".into(), json!({ "userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "x" }).to_string()),
        (Method::POST, "/Users".into(), json!({ "userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "manager": 5 } }).to_string()),
        (Method::POST, "/Users".into(), json!({ "userName": "x".repeat(300) }).to_string()),
        (Method::POST, "/Users".into(), deep.clone()),
        (Method::POST, "/Users".into(), "{\"userName\": \"\\ud800\"}".into()),
        (Method::POST, "/Groups".into(), json!({ "displayName": "G", "members": "x" }).to_string()),
        (Method::POST, "/Groups".into(), json!({ "displayName": "G", "members": [{ "value": 5 }] }).to_string()),
        (Method::POST, "/Groups".into(), json!({ "schemas": [GROUP_SCHEMA], "displayName": "y".repeat(300) }).to_string()),
        (Method::PATCH, user.clone(), json!({ "schemas": [PATCH_OP], "Operations": "x" }).to_string()),
        (Method::PATCH, user.clone(), json!({ "schemas": [PATCH_OP], "Operations": [{ "op": 1 }] }).to_string()),
        (Method::PATCH, user.clone(), json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "add", "path": 5, "value": 1 }] }).to_string()),
        (Method::PATCH, user.clone(), json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "add", "value": "x" }] }).to_string()),
        (Method::PATCH, user.clone(), json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "add", "path": "emails[value eq 1].value.x", "value": 1 }] }).to_string()),
        (Method::PATCH, user.clone(), json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "replace", "path": "name", "value": [1] }] }).to_string()),
        (Method::PATCH, user.clone(), json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "add", "path": "emails", "value": [null] }] }).to_string()),
        (Method::PATCH, group.clone(), json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "add", "path": "members", "value": "x" }] }).to_string()),
        (Method::PATCH, group.clone(), json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "remove", "path": "members[display pr]" }] }).to_string()),
        (Method::PATCH, group.clone(), json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "remove", "path": "members[value gt \"a\"]" }] }).to_string()),
        (Method::PATCH, group.clone(), json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "replace", "path": "members[value eq \"x\"].display", "value": "y" }] }).to_string()),
        (Method::POST, "/Users/.search".into(), json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": "ten" }).to_string()),
        (Method::POST, "/Users/.search".into(), json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": 5 }).to_string()),
        (Method::POST, "/Users/.search".into(), json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "sortBy": "emails[" }).to_string()),
        (Method::POST, "/Users/.search".into(), json!({ "filter": "userName pr" }).to_string()),
    ];
    for (method, path, body) in cases {
        let res = app
            .send_raw(method.clone(), &path, Some(common::SCIM_JSON), &body)
            .await;
        let shown: String = body.chars().take(120).collect();
        assert!(
            (400..500).contains(&res.status),
            "{method} {path} {shown}: {} {}",
            res.status,
            res.text
        );
        let status = res.status;
        res.expect_error(status, None);
    }
    // Odd but well-formed values: any answer but a 5xx.
    let res = app
        .post_reply(
            "/Users",
            json!({ "userName": "nul\u{0000}byte@example.com" }),
        )
        .await;
    assert!(
        res.status < 500,
        "NUL in userName: {} {}",
        res.status,
        res.text
    );
    // Odd query strings too.
    for path in [
        "/Users?count=abc",
        "/Users?startIndex=1.5",
        "/Users?sortBy=nonexistent",
        "/Users?sortBy=emails[",
        "/Users?sortOrder=sideways",
        "/Users?attributes=%5B%5D",
        "/Users?filter=%00",
        "/Users?filter=userName%20eq%20%22%E2%80%AE%22",
        "/Groups?sortBy=members",
        "/Users?startIndex=9223372036854775807&count=5",
        "/Users?startIndex=99999999999999999999999",
        "/Users?count=9223372036854775807",
        "/Users?startIndex=-9223372036854775808",
    ] {
        let res = app.get_reply(path).await;
        assert!(res.status < 500, "{path}: {} {}", res.status, res.text);
        if res.status >= 400 {
            let status = res.status;
            res.expect_error(status, None);
        }
    }
    // The service still works.
    app.get_ok(&user).await;
}

#[actix_web::test]
async fn a_search_request_without_its_schema_is_400_invalid_syntax() {
    let app = spawn_app().await;
    app.post_reply("/Users/.search", json!({ "filter": "userName pr" }))
        .await
        .expect_error(400, Some("invalidSyntax"));
}
