//! Queries at the server root (RFC 7644 §3.4.2.1, §3.4.3): `POST /.search` and `GET /` search
//! Users and Groups together, with one filter, order and page.

use crate::common;

use std::collections::BTreeSet;

use common::{id_of, ids_in, query, spawn_app, user_body, TestApp, SEARCH_REQUEST};
use reqwest::Method;
use serde_json::{json, Value};

/// `POST /.search` with a SearchRequest made of `params`.
async fn root_search(app: &TestApp, params: Value) -> common::Reply {
    let mut body = params;
    body["schemas"] = json!([SEARCH_REQUEST]);
    app.post_reply("/.search", body).await
}

async fn user_named(app: &TestApp, user_name: &str, display: &str) -> String {
    let mut body = user_body(user_name);
    body["displayName"] = json!(display);
    id_of(&app.create_user_from(body).await)
}

/// The `(resourceType, id)` of each resource, checking that each carries its own schema.
fn typed(list: &Value) -> Vec<(String, String)> {
    list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("a ListResponse: {list}"))
        .iter()
        .map(|r| {
            let kind = r["meta"]["resourceType"].as_str().unwrap().to_owned();
            let schema = match kind.as_str() {
                "User" => common::USER_SCHEMA,
                "Group" => common::GROUP_SCHEMA,
                other => panic!("unexpected resource type {other}"),
            };
            assert!(
                r["schemas"].as_array().unwrap().contains(&json!(schema)),
                "{kind} without its schema: {r}"
            );
            (kind, r["id"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[actix_web::test]
async fn a_root_search_returns_users_and_groups_each_with_its_schema() {
    let app = spawn_app().await;
    let u1 = user_named(&app, "ada@example.com", "Ada").await;
    let u2 = user_named(&app, "bob@example.com", "Bob").await;
    let g1 = id_of(&app.create_group("Readers", &[&u1]).await);
    let g2 = id_of(&app.create_group("Writers", &[&u1, &u2]).await);

    let list = root_search(&app, json!({ "count": 100 }))
        .await
        .expect(200)
        .body;
    assert_eq!(list["schemas"], json!([common::LIST_RESPONSE]));
    // The bootstrap administrator is a user too.
    assert_eq!(list["totalResults"], 5);
    let found = typed(&list);
    for (kind, id) in [("User", &u1), ("User", &u2), ("Group", &g1), ("Group", &g2)] {
        assert!(
            found.contains(&(kind.to_owned(), id.clone())),
            "{kind} {id}"
        );
    }
    // Default order: creation time, so the groups (created last) come last.
    assert_eq!(
        found[3..],
        [("Group".into(), g1.clone()), ("Group".into(), g2)]
    );
    let writers = &list["Resources"][4];
    assert_eq!(writers["members"].as_array().unwrap().len(), 2);
    assert!(writers["meta"]["location"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/Groups/{}", id_of(writers))));
}

/// The `(resourceType, id)` pairs a root search with `filter` finds.
async fn found_by(app: &TestApp, filter: &str) -> BTreeSet<(String, String)> {
    let list = root_search(app, json!({ "filter": filter, "count": 50 }))
        .await
        .expect(200)
        .body;
    typed(&list).into_iter().collect()
}

#[actix_web::test]
async fn an_attribute_of_one_type_matches_nothing_of_the_other() {
    let app = spawn_app().await;
    let ops_user = user_named(&app, "ops.lead@example.com", "Ops").await;
    let other = user_named(&app, "dev@example.com", "Dev").await;
    let ops_group = id_of(&app.create_group("Ops", &[&other]).await);

    let user = |id: &str| ("User".to_owned(), id.to_owned());
    let group = |id: &str| ("Group".to_owned(), id.to_owned());

    // displayName is an attribute of both types.
    assert_eq!(
        found_by(&app, r#"displayName eq "ops""#).await,
        [user(&ops_user), group(&ops_group)].into()
    );
    // userName is a User attribute: Groups have none, so it matches no group.
    assert_eq!(
        found_by(&app, r#"userName sw "ops""#).await,
        [user(&ops_user)].into()
    );
    assert_eq!(
        found_by(
            &app,
            r#"members[value eq "ignored"] or userName eq "dev@example.com""#
        )
        .await,
        [user(&other)].into()
    );
    assert_eq!(
        found_by(&app, &format!(r#"members[value eq "{other}"]"#)).await,
        [group(&ops_group)].into()
    );
    // Nothing a group has can make `userName eq …` true, so its negation holds for every group.
    assert_eq!(
        found_by(&app, r#"not (userName pr) and displayName eq "Ops""#).await,
        [group(&ops_group)].into()
    );
    assert_eq!(
        found_by(
            &app,
            r#"userName eq "dev@example.com" and displayName eq "Ops""#
        )
        .await,
        BTreeSet::new()
    );
    // The same on GET at the root.
    let list = app
        .get_ok(&format!(
            "{}&count=50",
            query(&[("filter", r#"displayName eq "Ops""#)])
        ))
        .await;
    assert_eq!(list["totalResults"], 2);
}

#[actix_web::test]
async fn a_filter_on_an_attribute_no_type_has_is_400_invalid_filter() {
    let app = spawn_app().await;
    for filter in [
        "bogus pr",
        r#"userName eq "a" or nonsense eq 1"#,
        "userName eq",
        "(((",
    ] {
        root_search(&app, json!({ "filter": filter }))
            .await
            .expect_error(400, Some("invalidFilter"));
    }
    root_search(&app, json!({ "sortBy": "bogus" }))
        .await
        .expect_error(400, Some("invalidValue"));
    root_search(
        &app,
        json!({ "sortOrder": "sideways", "sortBy": "displayName" }),
    )
    .await
    .expect_error(400, Some("invalidValue"));
}

/// Walks every page of a search; checks the pages neither repeat nor skip a resource and that
/// `totalResults` stays the same. Returns the resources in order.
async fn walk(app: &TestApp, params: Value, count: i64) -> Vec<(String, String)> {
    let everything = root_search(app, json!({ "count": 1000 }).merge(&params))
        .await
        .expect(200)
        .body;
    let all = typed(&everything);
    let total = everything["totalResults"].as_i64().unwrap();
    assert_eq!(total, i64::try_from(all.len()).unwrap());
    let mut seen = Vec::new();
    let mut start = 1;
    loop {
        let page = root_search(
            app,
            json!({ "startIndex": start, "count": count }).merge(&params),
        )
        .await
        .expect(200)
        .body;
        assert_eq!(page["totalResults"], total, "{params} page at {start}");
        assert_eq!(page["startIndex"], start);
        let items = typed(&page);
        assert_eq!(page["itemsPerPage"], items.len());
        if items.is_empty() {
            break;
        }
        seen.extend(items);
        start += count;
    }
    assert_eq!(seen, all, "{params} in pages of {count}");
    seen
}

trait Merge {
    fn merge(self, other: &Value) -> Value;
}

impl Merge for Value {
    fn merge(mut self, other: &Value) -> Value {
        for (k, v) in other.as_object().unwrap() {
            self[k] = v.clone();
        }
        self
    }
}

#[actix_web::test]
async fn pages_across_types_neither_repeat_nor_skip_and_sort_by_a_common_key() {
    let app = spawn_app().await;
    let mut users = Vec::new();
    for (i, name) in ["mia", "Kai", "zoe", "ben", "Lea", "ann", "ted"]
        .iter()
        .enumerate()
    {
        users.push(user_named(&app, &format!("{name}@example.com"), &format!("{name} {i}")).await);
    }
    for name in ["Kitchen", "alpha", "Zeta", "Beta", "mid", "Omega"] {
        app.create_group(name, &[&users[0]]).await;
    }
    for count in [1, 2, 3, 5, 20] {
        walk(&app, json!({}), count).await;
    }

    // displayName, on both types: one case-insensitive order across them.
    let sorted = walk(&app, json!({ "sortBy": "displayName" }), 4).await;
    let names = |list: &[(String, String)], body: &Value| -> Vec<String> {
        let by_id: std::collections::HashMap<String, String> = body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    id_of(r),
                    r["displayName"].as_str().unwrap_or("").to_lowercase(),
                )
            })
            .collect();
        list.iter().map(|(_, id)| by_id[id].clone()).collect()
    };
    let all = root_search(&app, json!({ "count": 1000 }))
        .await
        .expect(200)
        .body;
    let ordered = names(&sorted, &all);
    // The bootstrap admin may have no displayName: it sorts last ascending.
    let with_names: Vec<&String> = ordered.iter().filter(|n| !n.is_empty()).collect();
    let mut expected = with_names.clone();
    expected.sort();
    assert_eq!(with_names, expected);

    let descending = walk(
        &app,
        json!({ "sortBy": "displayName", "sortOrder": "descending" }),
        3,
    )
    .await;
    let mut reversed = sorted.clone();
    reversed.reverse();
    assert_eq!(descending, reversed);

    // userName only Users have: groups have no value, so they sort last ascending, first
    // descending.
    let by_user_name = walk(&app, json!({ "sortBy": "userName" }), 5).await;
    assert!(by_user_name[..8].iter().all(|(kind, _)| kind == "User"));
    assert!(by_user_name[8..].iter().all(|(kind, _)| kind == "Group"));
    let by_user_name = walk(
        &app,
        json!({ "sortBy": "userName", "sortOrder": "descending" }),
        5,
    )
    .await;
    assert!(by_user_name[..6].iter().all(|(kind, _)| kind == "Group"));

    // A filter and paging together.
    let filtered = walk(
        &app,
        json!({ "filter": r#"displayName sw "k" or userName sw "k""#, "sortBy": "displayName" }),
        1,
    )
    .await;
    assert_eq!(filtered.len(), 2, "Kai and Kitchen");
}

#[actix_web::test]
async fn count_zero_gives_only_the_total() {
    let app = spawn_app().await;
    app.create_group("Only", &[]).await;
    let list = root_search(&app, json!({ "count": 0 }))
        .await
        .expect(200)
        .body;
    assert_eq!(list["totalResults"], 2);
    assert_eq!(list["itemsPerPage"], 0);
    let list = root_search(&app, json!({ "startIndex": 50, "count": 10 }))
        .await
        .expect(200)
        .body;
    assert_eq!(list["totalResults"], 2);
    assert_eq!(list["Resources"], json!([]));
}

#[actix_web::test]
async fn attributes_and_excluded_attributes_apply_to_each_type() {
    let app = spawn_app().await;
    let uid = user_named(&app, "proj@example.com", "Proj").await;
    app.create_group("Proj", &[&uid]).await;
    let list = root_search(
        &app,
        json!({ "filter": r#"displayName eq "proj""#, "attributes": ["displayName"] }),
    )
    .await
    .expect(200)
    .body;
    for r in list["Resources"].as_array().unwrap() {
        assert_eq!(r["displayName"], "Proj");
        assert!(r.get("id").is_some() && r.get("schemas").is_some(), "{r}");
        assert!(
            r.get("userName").is_none() && r.get("members").is_none(),
            "{r}"
        );
    }
    let list = app
        .get_ok(&format!(
            "/{}",
            query(&[
                ("filter", r#"displayName eq "proj""#),
                ("excludedAttributes", "members,emails")
            ])
        ))
        .await;
    let resources = list["Resources"].as_array().unwrap();
    assert_eq!(resources.len(), 2);
    for r in resources {
        assert!(
            r.get("members").is_none() && r.get("emails").is_none(),
            "{r}"
        );
        assert_eq!(r["displayName"], "Proj");
    }
}

#[actix_web::test]
async fn a_root_search_never_shows_another_organizations_resources() {
    let app = spawn_app().await;
    let other = app.other_organization("elsewhere.example");
    for (method, path, body) in [
        (
            Method::POST,
            "/Users",
            user_body("theirs@elsewhere.example"),
        ),
        (
            Method::POST,
            "/Groups",
            json!({ "schemas": [common::GROUP_SCHEMA], "displayName": "Theirs" }),
        ),
    ] {
        app.send_as(&other.scim_token, method, path, Some(body))
            .await
            .expect(201);
    }
    app.create_group("Ours", &[]).await;
    let list = root_search(&app, json!({})).await.expect(200).body;
    assert_eq!(list["totalResults"], 2, "our admin and our group: {list}");
    let list = root_search(
        &app,
        json!({ "filter": r#"displayName eq "Theirs" or userName sw "theirs""# }),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(list["totalResults"], 0);
}

#[actix_web::test]
async fn get_at_the_root_with_or_without_a_trailing_slash_lists_everything() {
    let app = spawn_app().await;
    app.create_group("Root", &[]).await;
    for path in ["", "/", "?count=10", "/?count=10"] {
        let list = app.get_ok(path).await;
        assert_eq!(list["totalResults"], 2, "GET /scim/v2{path}");
        assert_eq!(ids_in(&list).len(), 2);
    }
    // Other methods at the root are 405 with a SCIM error.
    let res = app.send(Method::DELETE, "/", None, &[]).await;
    assert_eq!(res.status, 405);
}

/// Root search is fuzzed with generated filters, orders and pages: whatever the client sends,
/// the answer is a 200 or a 4xx SCIM error, never a 5xx, and a 200 is a well-formed page.
#[actix_web::test]
async fn generated_root_searches_never_answer_5xx() {
    let app = spawn_app().await;
    let uid = user_named(&app, "fuzz@example.com", "Fuzz").await;
    app.create_group("Fuzz", &[&uid]).await;
    let attrs = [
        "userName",
        "displayName",
        "members",
        "members.value",
        "members.display",
        "emails",
        "emails.value",
        "emails[type eq \"work\"].value",
        "name.givenName",
        "active",
        "id",
        "externalId",
        "meta.created",
        "meta.lastModified",
        "meta.resourceType",
        "groups.display",
        "title",
        "nickName",
        "bogus",
        "name",
        "urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "password",
        "roles[primary eq true]",
    ];
    let ops = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"];
    let values = [
        "\"Fuzz\"",
        "\"\"",
        "true",
        "false",
        "null",
        "42",
        "-1.5",
        "\"2024-01-01T00:00:00Z\"",
        "\"é\\\"'%_\"",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        usize::try_from(seed % u64::try_from(n).unwrap()).unwrap()
    };
    let mut answered = 0;
    for round in 0..150 {
        let leaf = |next: &mut dyn FnMut(usize) -> usize| {
            let attr = attrs[next(attrs.len())];
            let op = ops[next(ops.len())];
            if op == "pr" {
                format!("{attr} pr")
            } else {
                format!("{attr} {op} {}", values[next(values.len())])
            }
        };
        let a = leaf(&mut next);
        let b = leaf(&mut next);
        let filter = match next(5) {
            0 => a,
            1 => format!("{a} and {b}"),
            2 => format!("{a} or not ({b})"),
            3 => format!("not ({a}) and ({b} or {a})"),
            _ => String::new(),
        };
        let start_index = [-3, 0, 1, 2, 7, 1_000_000][next(6)];
        let count = [-1, 0, 1, 3, 100, 1_000_000][next(6)];
        let mut params = json!({ "startIndex": start_index, "count": count });
        if !filter.is_empty() {
            params["filter"] = json!(filter);
        }
        if next(2) == 0 {
            params["sortBy"] = json!(attrs[next(attrs.len())]);
            params["sortOrder"] = json!(["ascending", "descending"][next(2)]);
        }
        if next(3) == 0 {
            params["excludedAttributes"] = json!(attrs[next(attrs.len())]);
        }
        let res = root_search(&app, params.clone()).await;
        assert!(
            res.status < 500,
            "round {round}: {params} → {} {}",
            res.status,
            res.text
        );
        if res.status == 200 {
            answered += 1;
            let items = res.body["Resources"].as_array().unwrap().len();
            assert_eq!(res.body["itemsPerPage"], items, "{params}");
            assert!(res.body["totalResults"].as_i64().unwrap() <= 3, "{params}");
        } else {
            assert_eq!(
                res.body["status"],
                res.status.to_string(),
                "{params}: {}",
                res.text
            );
        }
    }
    // The generator must reach the SQL, not only the parser's errors.
    assert!(
        answered >= 30,
        "only {answered} of 150 generated searches were answered"
    );
}
