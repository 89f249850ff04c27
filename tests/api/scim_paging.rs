//! Paging and sorting end to end (RFC 7644 §3.4.2.3, §3.4.2.4), on GET and POST `/.search`.

use crate::common;

use std::collections::BTreeSet;

use common::{
    filter_query, id_of, ids_in, query, spawn_app, spawn_with, test_settings, user_body, TestApp,
    TestDatabase,
};
use serde_json::{json, Value};

/// Creates `n` users named `{prefix}{i:02}@example.com`; returns their ids in creation order.
async fn make_users(app: &TestApp, prefix: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        ids.push(id_of(
            &app.create_user(&format!("{prefix}{i:02}@example.com"))
                .await,
        ));
    }
    ids
}

fn resources(list: &Value) -> Vec<Value> {
    list.get("Resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

#[actix_web::test]
async fn start_index_and_count_select_a_one_based_page() {
    let app = spawn_app().await;
    make_users(&app, "page", 10).await; // 11 users with the bootstrap admin
    let all = ids_in(&app.get_ok("/Users?count=100").await);
    assert_eq!(all.len(), 11);

    let page = app.get_ok("/Users?startIndex=1&count=5").await;
    assert_eq!(page["schemas"], json!([common::LIST_RESPONSE]));
    assert_eq!(page["totalResults"], 11);
    assert_eq!(page["itemsPerPage"], 5);
    assert_eq!(page["startIndex"], 1);
    assert_eq!(ids_in(&page), all[0..5]);

    let page = app.get_ok("/Users?startIndex=6&count=5").await;
    assert_eq!(page["startIndex"], 6);
    assert_eq!(page["itemsPerPage"], 5);
    assert_eq!(ids_in(&page), all[5..10]);

    let page = app.get_ok("/Users?startIndex=11&count=5").await;
    assert_eq!(page["totalResults"], 11);
    assert_eq!(page["itemsPerPage"], 1);
    assert_eq!(ids_in(&page), all[10..11]);

    // Parameter names are case-insensitive in practice (Entra sends `startIndex`, others not).
    let page = app.get_ok("/Users?startindex=2&COUNT=1").await;
    assert_eq!(ids_in(&page), all[1..2]);
}

#[actix_web::test]
async fn count_zero_returns_only_the_total() {
    let app = spawn_app().await;
    make_users(&app, "zero", 3).await;
    let page = app.get_ok("/Users?count=0").await;
    assert_eq!(page["totalResults"], 4);
    assert_eq!(page["itemsPerPage"], 0);
    assert!(resources(&page).is_empty(), "{page}");
    let filtered = app
        .get_ok(&format!(
            "/Users{}&count=0",
            filter_query("userName sw \"zero\"")
        ))
        .await;
    assert_eq!(filtered["totalResults"], 3);
    assert!(resources(&filtered).is_empty());
    // A negative count is 0 (RFC 7644 §3.4.2.4).
    let page = app.get_ok("/Users?count=-3").await;
    assert_eq!(page["totalResults"], 4);
    assert!(resources(&page).is_empty(), "{page}");
}

#[actix_web::test]
async fn a_start_index_beyond_the_end_gives_an_empty_page_with_the_total() {
    let app = spawn_app().await;
    make_users(&app, "beyond", 3).await;
    let page = app.get_ok("/Users?startIndex=50&count=10").await;
    assert_eq!(page["totalResults"], 4);
    assert_eq!(page["itemsPerPage"], 0);
    assert_eq!(page["startIndex"], 50);
    assert!(resources(&page).is_empty(), "{page}");
}

#[actix_web::test]
async fn a_start_index_below_one_is_read_as_one() {
    let app = spawn_app().await;
    make_users(&app, "low", 4).await;
    let first = app.get_ok("/Users?startIndex=1&count=2").await;
    for start in ["0", "-5"] {
        let page = app
            .get_ok(&format!("/Users?startIndex={start}&count=2"))
            .await;
        assert_eq!(page["startIndex"], 1, "startIndex={start}");
        assert_eq!(ids_in(&page), ids_in(&first), "startIndex={start}");
        assert_eq!(page["totalResults"], 5);
    }
}

#[actix_web::test]
async fn count_is_capped_at_max_results() {
    let database = TestDatabase::fresh();
    let mut settings = test_settings(&database.url);
    settings.scim.max_results = 5;
    settings.scim.default_count = 4;
    let app = spawn_with(settings, database).await;
    make_users(&app, "cap", 9).await; // 10 with the admin
    let spc = app.get_ok("/ServiceProviderConfig").await;
    assert_eq!(spc["filter"]["maxResults"], 5);
    let page = app.get_ok("/Users?count=50").await;
    assert_eq!(page["totalResults"], 10);
    assert_eq!(page["itemsPerPage"], 5);
    assert_eq!(resources(&page).len(), 5);
    let searched = app
        .search("Users", json!({ "count": 50 }))
        .await
        .expect(200);
    assert_eq!(resources(&searched.body).len(), 5);
    // Without a count, the default page size.
    let page = app.get_ok("/Users").await;
    assert_eq!(page["itemsPerPage"], 4);
    assert_eq!(page["totalResults"], 10);
}

#[actix_web::test]
async fn the_default_max_results_is_200_and_caps_a_larger_count() {
    let app = spawn_app().await;
    let spc = app.get_ok("/ServiceProviderConfig").await;
    assert_eq!(spc["filter"]["maxResults"], 200);
    let page = app.get_ok("/Users?count=100000").await;
    assert_eq!(page["totalResults"], 1);
    assert_eq!(page["itemsPerPage"], 1);
}

#[actix_web::test]
async fn sort_by_user_name_orders_case_insensitively_both_ways() {
    let app = spawn_app().await;
    for name in [
        "mike@x.example",
        "Charlie@x.example",
        "zulu@x.example",
        "bravo@x.example",
    ] {
        app.create_user(name).await;
    }
    let names = |list: &Value| -> Vec<String> {
        resources(list)
            .iter()
            .map(|r| r["userName"].as_str().unwrap().to_owned())
            .collect()
    };
    let asc = app.get_ok("/Users?sortBy=userName").await;
    assert_eq!(
        names(&asc),
        [
            "admin@example.com",
            "bravo@x.example",
            "Charlie@x.example",
            "mike@x.example",
            "zulu@x.example"
        ]
    );
    let explicit = app
        .get_ok("/Users?sortBy=userName&sortOrder=ascending")
        .await;
    assert_eq!(names(&explicit), names(&asc));
    let desc = app
        .get_ok("/Users?sortBy=userName&sortOrder=descending")
        .await;
    let mut reversed = names(&asc);
    reversed.reverse();
    assert_eq!(names(&desc), reversed);
    // Paged, the order holds across pages.
    let p1 = app
        .get_ok("/Users?sortBy=userName&sortOrder=descending&startIndex=1&count=2")
        .await;
    let p2 = app
        .get_ok("/Users?sortBy=userName&sortOrder=descending&startIndex=3&count=3")
        .await;
    let mut paged = names(&p1);
    paged.extend(names(&p2));
    assert_eq!(paged, reversed);
}

#[actix_web::test]
async fn users_without_the_sort_attribute_sort_last_ascending() {
    // RFC 7644 §3.4.2.3: resources without a value for sortBy come last when ascending.
    let app = spawn_app().await;
    let mut with = user_body("with@example.com");
    with["title"] = json!("Alpha");
    let with = id_of(&app.create_user_from(with).await);
    let mut other = user_body("other@example.com");
    other["title"] = json!("Beta");
    let other = id_of(&app.create_user_from(other).await);
    let without = id_of(&app.create_user("without@example.com").await);
    let list = app.get_ok("/Users?sortBy=title").await;
    let ids = ids_in(&list);
    assert_eq!(ids[0..2], [with.clone(), other.clone()]);
    assert!(ids[2..].contains(&without));
    let list = app.get_ok("/Users?sortBy=title&sortOrder=descending").await;
    let ids = ids_in(&list);
    assert_eq!(ids[ids.len() - 2..], [other, with]);
}

#[actix_web::test]
async fn paging_is_stable_across_pages() {
    let app = spawn_app().await;
    // Every user has the same title, so sorting by it gives nothing but ties.
    let mut created = Vec::new();
    for i in 0..25 {
        let mut body = user_body(&format!("stable{i:02}@example.com"));
        body["title"] = json!("Same");
        created.push(id_of(&app.create_user_from(body).await));
    }
    for sort in ["", "&sortBy=title", "&sortBy=userName&sortOrder=descending"] {
        let mut seen: Vec<String> = Vec::new();
        let mut start = 1;
        loop {
            let page = app
                .get_ok(&format!(
                    "/Users{}&startIndex={start}&count=7{sort}",
                    filter_query("title eq \"Same\"")
                ))
                .await;
            assert_eq!(page["totalResults"], 25, "{sort}");
            let ids = ids_in(&page);
            if ids.is_empty() {
                break;
            }
            assert!(ids.len() <= 7);
            seen.extend(ids);
            start += 7;
        }
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: duplicates across pages");
        let expected: BTreeSet<&String> = created.iter().collect();
        assert_eq!(unique, expected, "{sort}: every user exactly once");
    }
}

#[actix_web::test]
async fn post_search_pages_and_sorts_like_get() {
    let app = spawn_app().await;
    make_users(&app, "search", 8).await;
    let get = app
        .get_ok(&format!(
            "/Users{}",
            query(&[
                ("filter", "userName sw \"search\""),
                ("sortBy", "userName"),
                ("sortOrder", "descending"),
                ("startIndex", "3"),
                ("count", "4"),
            ])
        ))
        .await;
    let post = app
        .search(
            "Users",
            json!({
                "filter": "userName sw \"search\"",
                "sortBy": "userName",
                "sortOrder": "descending",
                "startIndex": 3,
                "count": 4,
            }),
        )
        .await
        .expect(200);
    assert!(post
        .header("content-type")
        .starts_with("application/scim+json"));
    assert_eq!(post.body["totalResults"], 8);
    assert_eq!(post.body["startIndex"], 3);
    assert_eq!(post.body["itemsPerPage"], 4);
    assert_eq!(ids_in(&post.body), ids_in(&get));
    let names: Vec<String> = resources(&post.body)
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "search05@example.com",
            "search04@example.com",
            "search03@example.com",
            "search02@example.com"
        ]
    );
    // attributes in a SearchRequest may be a list (RFC 7644 §3.4.3).
    let post = app
        .search(
            "Users",
            json!({ "filter": "userName eq \"search00@example.com\"", "attributes": ["userName"] }),
        )
        .await
        .expect(200);
    let only = &post.body["Resources"][0];
    assert_eq!(only["userName"], "search00@example.com");
    assert!(only.get("emails").is_none(), "{only}");
}

#[actix_web::test]
async fn groups_page_and_sort_too() {
    let app = spawn_app().await;
    for name in ["Gamma", "alpha", "Beta"] {
        app.create_group(name, &[]).await;
    }
    let page = app
        .get_ok("/Groups?sortBy=displayName&startIndex=2&count=1")
        .await;
    assert_eq!(page["totalResults"], 3);
    assert_eq!(page["itemsPerPage"], 1);
    assert_eq!(page["Resources"][0]["displayName"], "Beta");
    let page = app
        .search(
            "Groups",
            json!({ "sortBy": "displayName", "sortOrder": "descending", "count": 2 }),
        )
        .await
        .expect(200);
    let names: Vec<&str> = page.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Gamma", "Beta"]);
}

/// RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary value, else its first.
#[actix_web::test]
async fn sorting_by_a_multi_valued_attribute_uses_the_primary_value() {
    let app = spawn_app().await;
    let mut u1 = user_body("sort1@example.com");
    u1["emails"] = json!([
        { "value": "zz@x.example", "type": "home" },
        { "value": "a1@x.example", "type": "work", "primary": true },
    ]);
    let u1 = id_of(&app.create_user_from(u1).await);
    let mut u2 = user_body("sort2@example.com");
    u2["emails"] = json!([{ "value": "b@x.example", "type": "work" }]);
    let u2 = id_of(&app.create_user_from(u2).await);
    let mut u3 = user_body("sort3@example.com");
    u3["emails"] = json!([
        { "value": "c@x.example", "type": "work" },
        { "value": "0@x.example", "type": "home" },
    ]);
    let u3 = id_of(&app.create_user_from(u3).await);
    let mut none = user_body("sort4@example.com");
    none.as_object_mut().unwrap().remove("emails");
    let none = id_of(&app.create_user_from(none).await);
    let admin = app
        .user_ids_where("userName eq \"admin@example.com\"")
        .await[0]
        .clone();
    for sort in ["emails", "emails.value"] {
        let ids = ids_in(&app.get_ok(&format!("/Users?sortBy={sort}")).await);
        assert_eq!(
            ids,
            [
                u1.clone(),
                admin.clone(),
                u2.clone(),
                u3.clone(),
                none.clone()
            ],
            "sortBy={sort}"
        );
    }
}

#[actix_web::test]
async fn sorting_by_last_modified_follows_the_latest_change() {
    let app = spawn_app().await;
    let ids = make_users(&app, "touched", 3).await;
    app.patch_ops(
        &format!("/Users/{}", ids[0]),
        json!([{ "op": "replace", "path": "title", "value": "Touched" }]),
    )
    .await
    .expect(200);
    let list = app
        .get_ok(&format!(
            "/Users{}&sortBy=meta.lastModified&sortOrder=descending",
            filter_query("userName sw \"touched\"")
        ))
        .await;
    assert_eq!(
        ids_in(&list),
        [ids[0].clone(), ids[2].clone(), ids[1].clone()]
    );
}
