//! The discovery documents built from the static definitions: `/Schemas` (RFC 7643 §7, §8.7)
//! and `/ResourceTypes` (RFC 7643 §6, §8.6). They are rendered from the same definitions the
//! filter, PATCH and projection code read, so what the service advertises is what it does.
//! (`/ServiceProviderConfig` depends on runtime configuration and is built elsewhere.)

use serde_json::{json, Map, Value};

use super::definitions::RESOURCE_TYPES;
use super::types::{
    AttrType, AttributeDef, Mutability, ResourceTypeDef, Returned, SchemaDef, Uniqueness,
};

const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// Every schema resource, one per distinct schema of the resource types, in declaration order.
pub fn schemas_json(base_url: &str) -> Vec<Value> {
    all_schemas()
        .into_iter()
        .map(|schema| schema_document(base_url, schema))
        .collect()
}

/// The schema resource whose id (URN) matches `id` case-insensitively.
pub fn schema_json(base_url: &str, id: &str) -> Option<Value> {
    all_schemas()
        .into_iter()
        .find(|schema| schema.id.eq_ignore_ascii_case(id))
        .map(|schema| schema_document(base_url, schema))
}

/// Every resource-type resource.
pub fn resource_types_json(base_url: &str) -> Vec<Value> {
    RESOURCE_TYPES
        .iter()
        .map(|rt| resource_type_document(base_url, rt))
        .collect()
}

/// The resource-type resource whose id matches `id` case-insensitively.
pub fn resource_type_json(base_url: &str, id: &str) -> Option<Value> {
    RESOURCE_TYPES
        .iter()
        .find(|rt| rt.id.eq_ignore_ascii_case(id))
        .map(|rt| resource_type_document(base_url, rt))
}

/// The core schemas and extensions of every resource type, each once.
fn all_schemas() -> Vec<&'static SchemaDef> {
    let mut out: Vec<&'static SchemaDef> = Vec::new();
    for rt in RESOURCE_TYPES.iter() {
        let schemas = std::iter::once(rt.schema).chain(rt.extensions.iter().map(|e| e.schema));
        for schema in schemas {
            if !out.iter().any(|s| s.id == schema.id) {
                out.push(schema);
            }
        }
    }
    out
}

fn base(base_url: &str) -> &str {
    base_url.trim_end_matches('/')
}

fn schema_document(base_url: &str, schema: &SchemaDef) -> Value {
    json!({
        "schemas": [SCHEMA_URN],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": schema.attributes.iter().map(attribute_json).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Schema",
            "location": format!("{}/Schemas/{}", base(base_url), schema.id),
        },
    })
}

fn resource_type_document(base_url: &str, rt: &ResourceTypeDef) -> Value {
    let mut doc = json!({
        "schemas": [RESOURCE_TYPE_URN],
        "id": rt.id,
        "name": rt.name,
        "endpoint": rt.endpoint,
        "description": rt.description,
        "schema": rt.schema.id,
    });
    // RFC 7643 §6 makes `schemaExtensions` optional; omit it rather than send an empty list.
    if !rt.extensions.is_empty() {
        doc["schemaExtensions"] = rt
            .extensions
            .iter()
            .map(|e| json!({ "schema": e.schema.id, "required": e.required }))
            .collect();
    }
    doc["meta"] = json!({
        "resourceType": "ResourceType",
        "location": format!("{}/ResourceTypes/{}", base(base_url), rt.id),
    });
    doc
}

/// One attribute with every RFC 7643 §7 characteristic spelled out, so clients never have to
/// assume a default. `canonicalValues`, `referenceTypes` and `subAttributes` appear only when
/// they have content.
fn attribute_json(attr: &AttributeDef) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), attr.name.into());
    out.insert("type".into(), type_name(attr.ty).into());
    out.insert("multiValued".into(), attr.multi_valued.into());
    out.insert("description".into(), attr.description.into());
    out.insert("required".into(), attr.required.into());
    out.insert("caseExact".into(), attr.case_exact.into());
    out.insert("mutability".into(), mutability_name(attr.mutability).into());
    out.insert("returned".into(), returned_name(attr.returned).into());
    out.insert("uniqueness".into(), uniqueness_name(attr.uniqueness).into());
    if !attr.canonical_values.is_empty() {
        out.insert("canonicalValues".into(), attr.canonical_values.into());
    }
    if !attr.reference_types.is_empty() {
        out.insert("referenceTypes".into(), attr.reference_types.into());
    }
    if !attr.sub_attributes.is_empty() {
        let subs = attr.sub_attributes.iter().map(attribute_json).collect();
        out.insert("subAttributes".into(), Value::Array(subs));
    }
    Value::Object(out)
}

/// RFC 7643 §7 `type` keywords.
fn type_name(ty: AttrType) -> &'static str {
    match ty {
        AttrType::String => "string",
        AttrType::Boolean => "boolean",
        AttrType::Decimal => "decimal",
        AttrType::Integer => "integer",
        AttrType::DateTime => "dateTime",
        AttrType::Binary => "binary",
        AttrType::Reference => "reference",
        AttrType::Complex => "complex",
    }
}

fn mutability_name(m: Mutability) -> &'static str {
    match m {
        Mutability::ReadOnly => "readOnly",
        Mutability::ReadWrite => "readWrite",
        Mutability::Immutable => "immutable",
        Mutability::WriteOnly => "writeOnly",
    }
}

fn returned_name(r: Returned) -> &'static str {
    match r {
        Returned::Always => "always",
        Returned::Never => "never",
        Returned::Default => "default",
        Returned::Request => "request",
    }
}

fn uniqueness_name(u: Uniqueness) -> &'static str {
    match u {
        Uniqueness::None => "none",
        Uniqueness::Server => "server",
        Uniqueness::Global => "global",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::{GROUP, USER};

    const BASE: &str = "https://scim.example.com/scim/v2/";

    /// Walks an attribute list, asserting every attribute carries every characteristic with a
    /// legal keyword, and returns how many attributes (including sub-attributes) were seen.
    fn check_attributes(attrs: &Value) -> usize {
        let mut seen = 0;
        for attr in attrs.as_array().into_iter().flatten() {
            seen += 1;
            let name = attr["name"].as_str().unwrap_or_default();
            let keyword = |key: &str, legal: &[&str]| {
                let value = attr[key].as_str().unwrap_or_default();
                assert!(legal.contains(&value), "{name}.{key} = {value:?}");
            };
            keyword(
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
            keyword(
                "mutability",
                &["readOnly", "readWrite", "immutable", "writeOnly"],
            );
            keyword("returned", &["always", "never", "default", "request"]);
            keyword("uniqueness", &["none", "server", "global"]);
            for key in ["multiValued", "required", "caseExact"] {
                assert!(attr[key].is_boolean(), "{name}.{key}");
            }
            assert!(!attr["description"].as_str().unwrap_or_default().is_empty());
            let complex = attr["type"] == "complex";
            assert_eq!(complex, attr.get("subAttributes").is_some(), "{name}");
            if attr["type"] == "reference" {
                assert!(attr["referenceTypes"]
                    .as_array()
                    .is_some_and(|r| !r.is_empty()));
            }
            for key in ["canonicalValues", "referenceTypes"] {
                if let Some(list) = attr.get(key) {
                    assert!(
                        list.as_array().is_some_and(|l| !l.is_empty()),
                        "{name}.{key}"
                    );
                }
            }
            seen += check_attributes(&attr["subAttributes"]);
        }
        seen
    }

    fn count(attrs: &[AttributeDef]) -> usize {
        attrs.iter().map(|a| 1 + count(a.sub_attributes)).sum()
    }

    #[test]
    fn schemas_list_every_attribute_with_every_characteristic() {
        let docs = schemas_json(BASE);
        let ids: Vec<_> = docs
            .iter()
            .map(|d| d["id"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(
            ids,
            [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User",
                "urn:ietf:params:scim:schemas:core:2.0:Group",
                "urn:ietf:params:scim:schemas:core:2.0:Agent",
                "urn:ietf:params:scim:schemas:core:2.0:AgenticApplication",
            ]
        );
        for (doc, schema) in docs.iter().zip(all_schemas()) {
            assert_eq!(doc["schemas"], json!([SCHEMA_URN]));
            assert_eq!(doc["name"], schema.name);
            assert_eq!(
                check_attributes(&doc["attributes"]),
                count(schema.attributes)
            );
            assert_eq!(doc["meta"]["resourceType"], "Schema");
            let location = format!("https://scim.example.com/scim/v2/Schemas/{}", schema.id);
            assert_eq!(doc["meta"]["location"], location);
        }
    }

    #[test]
    fn user_schema_attributes_match_rfc_7643() {
        let user = schema_json(BASE, "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER");
        let user = user.unwrap_or_default();
        let attr = |name: &str| -> Value {
            user["attributes"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["name"] == name).cloned())
                .unwrap_or_default()
        };
        let user_name = attr("userName");
        assert_eq!(user_name["required"], true);
        assert_eq!(user_name["uniqueness"], "server");
        assert_eq!(user_name["caseExact"], false);
        let password = attr("password");
        assert_eq!(password["mutability"], "writeOnly");
        assert_eq!(password["returned"], "never");
        assert_eq!(attr("groups")["mutability"], "readOnly");
        assert_eq!(attr("profileUrl")["referenceTypes"], json!(["external"]));
        let emails = attr("emails");
        assert_eq!(emails["multiValued"], true);
        let names: Vec<_> = emails["subAttributes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s["name"].clone())
            .collect();
        assert_eq!(
            names,
            [
                json!("value"),
                json!("display"),
                json!("type"),
                json!("primary")
            ]
        );
        assert_eq!(
            emails["subAttributes"][2]["canonicalValues"],
            json!(["work", "home", "other"])
        );
        let names = [
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
        ];
        for name in names {
            assert_eq!(attr(name)["name"], name);
        }
        assert!(schema_json(BASE, "urn:example:nope").is_none());
    }

    #[test]
    fn resource_types_describe_endpoints_and_extensions() {
        let docs = resource_types_json(BASE);
        assert_eq!(docs.len(), 4);
        let user = resource_type_json(BASE, "user").unwrap_or_default();
        assert_eq!(docs[0], user);
        assert_eq!(
            user,
            json!({
                "schemas": [RESOURCE_TYPE_URN],
                "id": "User",
                "name": "User",
                "endpoint": "/Users",
                "description": USER.description,
                "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
                "schemaExtensions": [
                    {"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false},
                    {"schema": "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User", "required": false},
                ],
                "meta": {
                    "resourceType": "ResourceType",
                    "location": "https://scim.example.com/scim/v2/ResourceTypes/User",
                },
            })
        );
        let group = resource_type_json(BASE, "Group").unwrap_or_default();
        assert_eq!(group["endpoint"], GROUP.endpoint);
        assert!(group.get("schemaExtensions").is_none());
        assert!(resource_type_json(BASE, "Device").is_none());
        let agent = resource_type_json(BASE, "Agent").unwrap_or_default();
        assert_eq!(agent["endpoint"], "/Agents");
        assert_eq!(
            agent["schema"],
            "urn:ietf:params:scim:schemas:core:2.0:Agent"
        );
        let app = resource_type_json(BASE, "AgenticApplication").unwrap_or_default();
        assert_eq!(app["endpoint"], "/AgenticApplications");
    }
}
