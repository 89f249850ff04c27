//! Discovery end to end (RFC 7644 §4; RFC 7643 §5, §6, §7, §8.5–§8.7): what the service says
//! it supports, its resource types and its schemas, attribute by attribute.

use crate::common;

use common::{spawn_app, ENTERPRISE, GROUP_SCHEMA, LIST_RESPONSE, USER_SCHEMA};
use serde_json::{json, Value};

fn attribute<'a>(attrs: &'a Value, name: &str) -> &'a Value {
    attrs
        .as_array()
        .unwrap_or_else(|| panic!("an attribute list: {attrs}"))
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("attribute {name} in {attrs}"))
}

fn names(attrs: &Value) -> Vec<String> {
    attrs
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Every attribute (and sub-attribute) carries every RFC 7643 §7 characteristic.
fn check_characteristics(attrs: &Value, path: &str) {
    for attr in attrs.as_array().unwrap() {
        let name = format!("{path}{}", attr["name"].as_str().unwrap());
        let one_of = |key: &str, legal: &[&str]| {
            let v = attr[key]
                .as_str()
                .unwrap_or_else(|| panic!("{name}.{key}: {attr}"));
            assert!(legal.contains(&v), "{name}.{key} = {v}");
        };
        one_of(
            "type",
            &[
                "string",
                "boolean",
                "decimal",
                "integer",
                "dateTime",
                "binary",
                "reference",
                "complex",
            ],
        );
        one_of(
            "mutability",
            &["readOnly", "readWrite", "immutable", "writeOnly"],
        );
        one_of("returned", &["always", "never", "default", "request"]);
        one_of("uniqueness", &["none", "server", "global"]);
        for key in ["multiValued", "required", "caseExact"] {
            assert!(attr[key].is_boolean(), "{name}.{key}: {attr}");
        }
        assert!(attr["description"].is_string(), "{name}.description");
        if attr["type"] == "reference" {
            assert!(
                attr["referenceTypes"]
                    .as_array()
                    .is_some_and(|r| !r.is_empty()),
                "{name}.referenceTypes"
            );
        }
        if attr["type"] == "complex" {
            let subs = &attr["subAttributes"];
            assert!(subs.is_array(), "{name}.subAttributes");
            check_characteristics(subs, &format!("{name}."));
        }
    }
}

fn characteristics(attr: &Value) -> Value {
    json!({
        "type": attr["type"],
        "multiValued": attr["multiValued"],
        "required": attr["required"],
        "caseExact": attr["caseExact"],
        "mutability": attr["mutability"],
        "returned": attr["returned"],
        "uniqueness": attr["uniqueness"],
    })
}

#[actix_web::test]
async fn service_provider_config_advertises_what_the_service_supports() {
    let app = spawn_app().await;
    let res = app.get_reply("/ServiceProviderConfig").await.expect(200);
    assert!(res
        .header("content-type")
        .starts_with("application/scim+json"));
    let spc = res.body;
    assert_eq!(
        spc["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(spc["patch"]["supported"], true);
    assert_eq!(spc["filter"]["supported"], true);
    assert_eq!(spc["filter"]["maxResults"], 200);
    assert_eq!(spc["sort"]["supported"], true);
    assert_eq!(spc["etag"]["supported"], true);
    assert!(spc["changePassword"]["supported"].is_boolean());
    let bulk = &spc["bulk"];
    assert!(bulk["supported"].is_boolean(), "{spc}");
    assert!(bulk["maxOperations"].as_u64().is_some(), "{spc}");
    assert!(bulk["maxPayloadSize"].as_u64().is_some(), "{spc}");
    let schemes = spc["authenticationSchemes"].as_array().unwrap();
    assert!(!schemes.is_empty());
    for scheme in schemes {
        for key in ["type", "name", "description"] {
            assert!(scheme[key].is_string(), "{key} in {scheme}");
        }
    }
    assert!(schemes.iter().any(|s| s["type"] == "oauthbearertoken"));
    assert_eq!(spc["meta"]["resourceType"], "ServiceProviderConfig");
    assert_eq!(
        spc["meta"]["location"],
        format!("{}/ServiceProviderConfig", app.scim)
    );
}

#[actix_web::test]
async fn resource_types_list_user_and_group_with_their_extensions() {
    let app = spawn_app().await;
    let list = app.get_ok("/ResourceTypes").await;
    assert_eq!(list["schemas"], json!([LIST_RESPONSE]));
    // User and Group, then the agent types (tests/api/scim_agents.rs).
    assert_eq!(list["totalResults"], 4);
    let types = list["Resources"].as_array().unwrap();
    let user = types.iter().find(|t| t["id"] == "User").unwrap();
    let group = types.iter().find(|t| t["id"] == "Group").unwrap();
    for (rt, endpoint, schema) in [
        (user, "/Users", USER_SCHEMA),
        (group, "/Groups", GROUP_SCHEMA),
    ] {
        assert_eq!(
            rt["schemas"],
            json!(["urn:ietf:params:scim:schemas:core:2.0:ResourceType"])
        );
        assert_eq!(rt["endpoint"], endpoint);
        assert_eq!(rt["schema"], schema);
        assert!(rt["name"].is_string());
        assert_eq!(rt["meta"]["resourceType"], "ResourceType");
        assert_eq!(
            rt["meta"]["location"],
            format!("{}/ResourceTypes/{}", app.scim, rt["id"].as_str().unwrap())
        );
    }
    let extensions = user["schemaExtensions"].as_array().unwrap();
    let enterprise = extensions
        .iter()
        .find(|e| e["schema"] == ENTERPRISE)
        .expect("the enterprise extension");
    assert_eq!(enterprise["required"], false);

    let by_id = app.get_ok("/ResourceTypes/User").await;
    assert_eq!(&by_id, user);
    let by_id = app.get_ok("/ResourceTypes/Group").await;
    assert_eq!(&by_id, group);
}

#[actix_web::test]
async fn schemas_list_the_user_group_and_enterprise_schemas() {
    let app = spawn_app().await;
    let list = app.get_ok("/Schemas").await;
    assert_eq!(list["schemas"], json!([LIST_RESPONSE]));
    let ids: Vec<&str> = list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    for expected in [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE] {
        assert!(ids.contains(&expected), "{expected} in {ids:?}");
    }
    assert_eq!(list["totalResults"], ids.len());
    for schema in list["Resources"].as_array().unwrap() {
        let id = schema["id"].as_str().unwrap();
        assert_eq!(
            schema["schemas"],
            json!(["urn:ietf:params:scim:schemas:core:2.0:Schema"])
        );
        assert_eq!(schema["meta"]["resourceType"], "Schema");
        assert_eq!(
            schema["meta"]["location"],
            format!("{}/Schemas/{id}", app.scim)
        );
        check_characteristics(&schema["attributes"], "");
        // Each is also served at its own location.
        assert_eq!(&app.get_ok(&format!("/Schemas/{id}")).await, schema);
    }
}

#[actix_web::test]
async fn the_user_schema_lists_every_attribute_with_its_characteristics() {
    let app = spawn_app().await;
    let schema = app.get_ok(&format!("/Schemas/{USER_SCHEMA}")).await;
    assert_eq!(schema["id"], USER_SCHEMA);
    assert_eq!(schema["name"], "User");
    let attrs = &schema["attributes"];
    let listed = names(attrs);
    for name in [
        "userName",
        "name",
        "displayName",
        "nickName",
        "profileUrl",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
        "active",
        "password",
        "emails",
        "phoneNumbers",
        "ims",
        "photos",
        "addresses",
        "groups",
        "entitlements",
        "roles",
        "x509Certificates",
    ] {
        assert!(listed.iter().any(|n| n == name), "{name} in {listed:?}");
    }
    check_characteristics(attrs, "");

    let table = [
        (
            "userName",
            json!({ "type": "string", "multiValued": false, "required": true, "caseExact": false,
                    "mutability": "readWrite", "returned": "default", "uniqueness": "server" }),
        ),
        (
            "password",
            json!({ "type": "string", "multiValued": false, "required": false, "caseExact": false,
                    "mutability": "writeOnly", "returned": "never", "uniqueness": "none" }),
        ),
        (
            "active",
            json!({ "type": "boolean", "multiValued": false, "required": false, "caseExact": false,
                    "mutability": "readWrite", "returned": "default", "uniqueness": "none" }),
        ),
        (
            "emails",
            json!({ "type": "complex", "multiValued": true, "required": false, "caseExact": false,
                    "mutability": "readWrite", "returned": "default", "uniqueness": "none" }),
        ),
        (
            "groups",
            json!({ "type": "complex", "multiValued": true, "required": false, "caseExact": false,
                    "mutability": "readOnly", "returned": "default", "uniqueness": "none" }),
        ),
        (
            "profileUrl",
            json!({ "type": "reference", "multiValued": false, "required": false, "caseExact": false,
                    "mutability": "readWrite", "returned": "default", "uniqueness": "none" }),
        ),
    ];
    for (name, expected) in table {
        assert_eq!(characteristics(attribute(attrs, name)), expected, "{name}");
    }
    assert_eq!(
        names(&attribute(attrs, "emails")["subAttributes"]),
        ["value", "display", "type", "primary"]
    );
    assert_eq!(
        attribute(&attribute(attrs, "emails")["subAttributes"], "type")["canonicalValues"],
        json!(["work", "home", "other"])
    );
    let name_parts = names(&attribute(attrs, "name")["subAttributes"]);
    for part in [
        "formatted",
        "familyName",
        "givenName",
        "middleName",
        "honorificPrefix",
        "honorificSuffix",
    ] {
        assert!(name_parts.iter().any(|n| n == part), "name.{part}");
    }
    let groups_subs = &attribute(attrs, "groups")["subAttributes"];
    for sub in ["value", "$ref", "display", "type"] {
        assert_eq!(
            attribute(groups_subs, sub)["mutability"],
            "readOnly",
            "groups.{sub}"
        );
    }
    // The common attributes are not part of the schema (RFC 7643 §3.1).
    assert!(!listed.iter().any(|n| n == "id" || n == "meta"));
    // Schema ids are matched case-insensitively.
    let shouted = app
        .get_ok(&format!("/Schemas/{}", USER_SCHEMA.to_uppercase()))
        .await;
    assert_eq!(shouted["id"], USER_SCHEMA);
}

#[actix_web::test]
async fn the_group_schema_describes_display_name_and_members() {
    let app = spawn_app().await;
    let schema = app.get_ok(&format!("/Schemas/{GROUP_SCHEMA}")).await;
    let attrs = &schema["attributes"];
    check_characteristics(attrs, "");
    assert_eq!(attribute(attrs, "displayName")["type"], "string");
    let members = attribute(attrs, "members");
    assert_eq!(members["type"], "complex");
    assert_eq!(members["multiValued"], true);
    let subs = &members["subAttributes"];
    assert_eq!(attribute(subs, "value")["mutability"], "immutable");
    assert_eq!(attribute(subs, "$ref")["type"], "reference");
    let ref_types = attribute(subs, "$ref")["referenceTypes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(ref_types.contains(&json!("User")) && ref_types.contains(&json!("Group")));
    assert_eq!(
        attribute(subs, "type")["canonicalValues"],
        json!(["User", "Group"])
    );
}

#[actix_web::test]
async fn the_enterprise_extension_schema_includes_manager() {
    let app = spawn_app().await;
    let schema = app.get_ok(&format!("/Schemas/{ENTERPRISE}")).await;
    assert_eq!(schema["id"], ENTERPRISE);
    let attrs = &schema["attributes"];
    check_characteristics(attrs, "");
    for name in [
        "employeeNumber",
        "costCenter",
        "organization",
        "division",
        "department",
        "manager",
    ] {
        assert_eq!(attribute(attrs, name)["name"], name);
    }
    let manager = attribute(attrs, "manager");
    assert_eq!(manager["type"], "complex");
    assert_eq!(manager["multiValued"], false);
    let subs = &manager["subAttributes"];
    assert_eq!(names(subs), ["value", "$ref", "displayName"]);
    assert_eq!(attribute(subs, "displayName")["mutability"], "readOnly");
    assert_eq!(attribute(subs, "$ref")["referenceTypes"], json!(["User"]));
}

#[actix_web::test]
async fn an_unknown_schema_or_resource_type_is_404() {
    let app = spawn_app().await;
    app.get_reply("/Schemas/urn:example:params:scim:schemas:nope:2.0:Thing")
        .await
        .expect_error(404, None);
    app.get_reply("/ResourceTypes/Device")
        .await
        .expect_error(404, None);
}

/// RFC 7644 §4: on the discovery endpoints "If a "filter" is provided, the service provider
/// SHOULD respond with HTTP status code 403 (Forbidden) to ensure that clients cannot
/// incorrectly assume that any matching conditions specified in a filter are true."
#[actix_web::test]
async fn a_filter_on_a_discovery_endpoint_is_403() {
    let app = spawn_app().await;
    for endpoint in ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"] {
        let res = app
            .get_reply(&format!(
                "{endpoint}{}",
                common::filter_query("id eq \"Nothing\"")
            ))
            .await;
        assert_eq!(res.status, 403, "{endpoint}: {}", res.text);
        res.expect_error(403, None);
    }
}

/// RFC 7643 §7: `uniqueness` tells clients how the service enforces it. A second group with
/// the same displayName is refused (409 uniqueness), so the schema must not say "none".
#[actix_web::test]
async fn the_group_schema_advertises_the_display_name_uniqueness_it_enforces() {
    let app = spawn_app().await;
    app.create_group("Only Once", &[]).await;
    app.post_reply("/Groups", common::group_body("only once", &[]))
        .await
        .expect_error(409, Some("uniqueness"));
    let schema = app.get_ok(&format!("/Schemas/{GROUP_SCHEMA}")).await;
    let display_name = attribute(&schema["attributes"], "displayName");
    assert_eq!(display_name["uniqueness"], "server", "{display_name}");
}
