//! A small directory — users with emails, the enterprise and gatehouse extensions and plural
//! JSON attributes, groups with user and group members — stored the way `db::users` and
//! `db::groups` store it, and rendered the way `directory::render` renders it, so the SQL can
//! be checked against the in-memory evaluator on the same data.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Value};

use super::super::SqlValue;

pub const ORG: &str = "org-1";
pub const OTHER_ORG: &str = "org-2";

pub struct User {
    pub id: &'static str,
    pub org: &'static str,
    pub doc: Value,
    pub created: NaiveDateTime,
    pub updated: NaiveDateTime,
}

pub struct Group {
    pub id: &'static str,
    pub org: &'static str,
    pub doc: Value,
    pub created: NaiveDateTime,
    /// (member id, "User" | "Group")
    pub members: Vec<(&'static str, &'static str)>,
}

pub fn at(day: u32, micros: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, day)
        .and_then(|d| d.and_hms_micro_opt(10, 0, 0, micros))
        .unwrap()
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GATEHOUSE: &str = "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User";

pub fn users() -> Vec<User> {
    vec![
        User {
            id: "u1",
            org: ORG,
            doc: json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE, GATEHOUSE],
                "userName": "BJensen",
                "externalId": "ext-1",
                "displayName": "Babs Jensen",
                "name": {"formatted": "Ms. Barbara J Jensen III", "givenName": "Barbara", "familyName": "Jensen"},
                "title": "Tour Guide",
                // Read by the test resource type `THING` only.
                "age": 42,
                "height": 1.75,
                "active": true,
                "emails": [
                    {"value": "BJensen@Example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"}
                ],
                "phoneNumbers": [{"value": "555-1234", "type": "work"}],
                "roles": [{"value": "Admin", "primary": true}, {"value": "auditor"}],
                "addresses": [{"locality": "Hollywood", "type": "work", "primary": true}],
                ENTERPRISE: {
                    "employeeNumber": "701984",
                    "department": "Tour Operations",
                    "manager": {"value": "u3", "displayName": "Zed"}
                },
                GATEHOUSE: {"role": "admin", "external": false}
            }),
            created: at(1, 0),
            updated: at(5, 250_000),
        },
        User {
            id: "u2",
            org: ORG,
            doc: json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE, GATEHOUSE],
                "userName": "jsmith",
                "age": 7,
                "name": {"givenName": "John"},
                "active": false,
                "emails": [{"value": "john@other.net", "type": "Home"}],
                // A bare string where an object belongs: the SQL must skip it, not fail.
                "roles": [{"value": "user", "type": "app", "primary": "False"}, "stray"],
                "addresses": [{"locality": "Paris"}, {"locality": "Lyon", "primary": true}],
                ENTERPRISE: {"department": "Sales", "employeeNumber": ""},
                // Some IdPs send booleans as strings; the evaluator accepts them.
                GATEHOUSE: {"external": "True"}
            }),
            created: at(2, 500_000),
            updated: at(2, 500_000),
        },
        User {
            id: "u3",
            org: ORG,
            doc: json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "zed_100%",
                "displayName": "Zed!",
                "nickName": "",
                "height": 1.5,
                "active": true,
                "emails": [{"value": "zed@example.com", "primary": false}],
                "roles": []
            }),
            created: at(3, 0),
            updated: at(3, 1),
        },
        User {
            id: "u4",
            org: ORG,
            doc: json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", GATEHOUSE],
                "userName": "Émile",
                "externalId": "EXT-1",
                "displayName": "emile",
                "age": -1,
                "height": 2,
                "name": {"familyName": "Zola", "formatted": null},
                "active": true,
                "emails": [
                    {"value": "Émile@Example.org", "type": "work"},
                    {"value": "e_1@x.org", "type": "other", "primary": true}
                ],
                GATEHOUSE: {"role": "user", "external": true}
            }),
            created: at(4, 0),
            updated: at(6, 0),
        },
        // Another tenant's user: never selected.
        User {
            id: "u9",
            org: OTHER_ORG,
            doc: json!({"userName": "bjensen2", "displayName": "Babs Jensen", "active": true}),
            created: at(1, 0),
            updated: at(1, 0),
        },
    ]
}

pub fn groups() -> Vec<Group> {
    vec![
        Group {
            id: "g1",
            org: ORG,
            doc: json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Admins", "externalId": "okta-1"}),
            created: at(1, 0),
            members: vec![("u1", "User"), ("u2", "User")],
        },
        Group {
            id: "g2",
            org: ORG,
            doc: json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales Team"}),
            created: at(2, 0),
            members: vec![("u2", "User"), ("g1", "Group")],
        },
        Group {
            id: "g3",
            org: ORG,
            doc: json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Empty_%"}),
            created: at(3, 0),
            members: vec![],
        },
    ]
}

fn text(doc: &Value, pointer: &str) -> Option<SqlValue> {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .map(|s| SqlValue::Text(s.to_owned()))
}

fn lower(doc: &Value, pointer: &str) -> Option<SqlValue> {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .map(|s| SqlValue::Text(s.to_lowercase()))
}

fn t(s: &str) -> Option<SqlValue> {
    Some(SqlValue::Text(s.to_owned()))
}

/// The statements and parameters that store the fixture, as the storage code would.
pub fn inserts() -> Vec<(&'static str, Vec<Option<SqlValue>>)> {
    let mut out = Vec::new();
    for org in [ORG, OTHER_ORG] {
        out.push((
            "INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)",
            vec![t(org), t(org), Some(SqlValue::Timestamp(at(1, 0)))],
        ));
    }
    for u in users() {
        let d = &u.doc;
        out.push((
            "INSERT INTO users (id, org_id, user_name, user_name_lower, external_id, display_name, \
             given_name, family_name, active, attributes, role, role_source, licence, is_external, \
             managed_by, version, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                t(u.id),
                t(u.org),
                text(d, "/userName"),
                lower(d, "/userName"),
                text(d, "/externalId"),
                text(d, "/displayName"),
                text(d, "/name/givenName"),
                text(d, "/name/familyName"),
                Some(SqlValue::Bool(d["active"].as_bool().unwrap_or(true))),
                Some(SqlValue::Text(d.to_string())),
                t("member"),
                t("default"),
                None,
                Some(SqlValue::Bool(false)),
                None,
                Some(SqlValue::Int(1)),
                Some(SqlValue::Timestamp(u.created)),
                Some(SqlValue::Timestamp(u.updated)),
            ],
        ));
        for (i, email) in d["emails"].as_array().into_iter().flatten().enumerate() {
            out.push((
                "INSERT INTO user_emails (id, org_id, user_id, value, value_lower, email_type, is_primary) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
                vec![
                    Some(SqlValue::Text(format!("{}-e{i}", u.id))),
                    t(u.org),
                    t(u.id),
                    text(email, "/value"),
                    lower(email, "/value"),
                    text(email, "/type"),
                    Some(SqlValue::Bool(email["primary"].as_bool().unwrap_or(false))),
                ],
            ));
        }
    }
    for g in groups() {
        let d = &g.doc;
        out.push((
            "INSERT INTO scim_groups (id, org_id, display_name, display_name_lower, external_id, \
             attributes, managed_by, version, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                t(g.id),
                t(g.org),
                text(d, "/displayName"),
                lower(d, "/displayName"),
                text(d, "/externalId"),
                Some(SqlValue::Text(d.to_string())),
                None,
                Some(SqlValue::Int(1)),
                Some(SqlValue::Timestamp(g.created)),
                Some(SqlValue::Timestamp(g.created)),
            ],
        ));
    }
    for g in groups() {
        for (i, (member, kind)) in g.members.iter().enumerate() {
            out.push((
                "INSERT INTO group_members (group_id, member_id, org_id, member_type, created_at) \
                 VALUES (?, ?, ?, ?, ?)",
                vec![
                    t(g.id),
                    t(member),
                    t(g.org),
                    t(kind),
                    Some(SqlValue::Timestamp(at(10, i as u32))),
                ],
            ));
        }
    }
    out
}

fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn meta(kind: &str, created: NaiveDateTime, updated: NaiveDateTime) -> Value {
    json!({"resourceType": kind, "created": rfc3339(created), "lastModified": rfc3339(updated)})
}

/// The users of `ORG` as the service returns them: document, id, derived groups, meta.
pub fn rendered_users() -> Vec<(&'static str, Value)> {
    let groups = groups();
    users()
        .into_iter()
        .filter(|u| u.org == ORG)
        .map(|u| {
            let mut doc = u.doc.clone();
            doc["id"] = json!(u.id);
            let memberships: Vec<Value> = groups
                .iter()
                .filter(|g| g.members.iter().any(|(m, _)| *m == u.id))
                .map(|g| json!({"value": g.id, "display": g.doc["displayName"], "type": "direct"}))
                .collect();
            if !memberships.is_empty() {
                doc["groups"] = Value::Array(memberships);
            }
            doc["meta"] = meta("User", u.created, u.updated);
            (u.id, doc)
        })
        .collect()
}

/// The groups of `ORG` as the service returns them, members with their display names.
pub fn rendered_groups() -> Vec<(&'static str, Value)> {
    let users = users();
    let groups = groups();
    groups
        .iter()
        .filter(|g| g.org == ORG)
        .map(|g| {
            let mut doc = g.doc.clone();
            doc["id"] = json!(g.id);
            let members: Vec<Value> = g
                .members
                .iter()
                .map(|(id, kind)| {
                    let display = users
                        .iter()
                        .find(|u| u.id == *id)
                        .map(|u| {
                            u.doc
                                .get("displayName")
                                .unwrap_or(&u.doc["userName"])
                                .clone()
                        })
                        .or_else(|| {
                            groups
                                .iter()
                                .find(|o| o.id == *id)
                                .map(|o| o.doc["displayName"].clone())
                        })
                        .unwrap_or(Value::Null);
                    json!({"value": id, "type": kind, "display": display})
                })
                .collect();
            if !members.is_empty() {
                doc["members"] = Value::Array(members);
            }
            doc["meta"] = meta("Group", g.created, g.created);
            (g.id, doc)
        })
        .collect()
}
