//! Concurrent writes end to end (RFC 7644 §3.14, §3.5.2 atomicity; uniqueness under races).
//! These matter most on MariaDB, where requests really run in parallel transactions; they
//! must hold on SQLite too.

use crate::common;

use futures_util::future::join_all;

use common::{group_body, id_of, member_ids, patch_body, spawn_app, user_body, Reply};
use reqwest::Method;
use serde_json::{json, Value};

fn statuses(replies: &[Reply]) -> Vec<u16> {
    let mut s: Vec<u16> = replies.iter().map(|r| r.status).collect();
    s.sort_unstable();
    s
}

fn describe(replies: &[Reply]) -> String {
    replies
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.status,
                r.text.chars().take(200).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The PATCH operations adding one member.
fn add_member(uid: &str) -> Value {
    json!([{ "op": "add", "path": "members", "value": [{ "value": uid }] }])
}

fn assert_all_succeeded(replies: &[Reply]) {
    assert!(
        replies.iter().all(|r| r.status == 200),
        "every request succeeds:\n{}",
        describe(replies)
    );
}

#[actix_web::test]
async fn ten_parallel_member_adds_to_one_group_all_land() {
    let app = spawn_app().await;
    let mut users = Vec::new();
    for i in 0..10 {
        users.push(id_of(
            &app.create_user(&format!("par{i}@example.com")).await,
        ));
    }
    let group = app.create_group("Crowded", &[]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let replies = join_all(
        users
            .iter()
            .map(|uid| app.patch_ops(&path, add_member(uid))),
    )
    .await;
    assert_all_succeeded(&replies);
    let got = app.get_reply(&path).await.expect(200);
    let mut expected = users.clone();
    expected.sort();
    assert_eq!(member_ids(&got.body), expected, "all ten members landed");
    assert_ne!(
        got.header("etag"),
        group["meta"]["version"].as_str().unwrap()
    );
    for uid in &users {
        let user = app.get_ok(&format!("/Users/{uid}")).await;
        assert_eq!(user["groups"][0]["value"], group["id"]);
    }
}

#[actix_web::test]
async fn one_user_added_to_eight_groups_in_parallel_lists_all_eight() {
    let app = spawn_app().await;
    let uid = id_of(&app.create_user("joins.everything@example.com").await);
    let mut groups = Vec::new();
    for i in 0..8 {
        groups.push(id_of(&app.create_group(&format!("Team {i}"), &[]).await));
    }
    let paths: Vec<String> = groups.iter().map(|gid| format!("/Groups/{gid}")).collect();
    let replies = join_all(
        paths
            .iter()
            .map(|path| app.patch_ops(path, add_member(&uid))),
    )
    .await;
    assert_all_succeeded(&replies);
    // The user's group list is kept with the user; none of the parallel writers may lose another's.
    let user = app.get_ok(&format!("/Users/{uid}")).await;
    let mut listed: Vec<String> = user["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["value"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    groups.sort();
    assert_eq!(listed, groups, "{user}");
}

#[actix_web::test]
async fn parallel_member_adds_and_removes_on_one_group_all_apply() {
    let app = spawn_app().await;
    let mut users = Vec::new();
    for i in 0..8 {
        users.push(id_of(
            &app.create_user(&format!("mix{i}@example.com")).await,
        ));
    }
    let (stay, leave) = users.split_at(4);
    let initial: Vec<&str> = leave.iter().map(String::as_str).collect();
    let group = app.create_group("Churn", &initial).await;
    let path = format!("/Groups/{}", id_of(&group));
    let adds = stay
        .iter()
        .map(|uid| json!([{ "op": "add", "path": "members", "value": [{ "value": uid }] }]));
    let removes = leave
        .iter()
        .map(|uid| json!([{ "op": "remove", "path": format!("members[value eq \"{uid}\"]") }]));
    let ops: Vec<_> = adds.chain(removes).collect();
    let replies = join_all(ops.into_iter().map(|op| app.patch_ops(&path, op))).await;
    assert!(
        replies.iter().all(|r| r.status == 200),
        "{}",
        describe(&replies)
    );
    let got = app.get_ok(&path).await;
    let mut expected = stay.to_vec();
    expected.sort();
    assert_eq!(member_ids(&got), expected);
}

#[actix_web::test]
async fn eight_parallel_creates_of_one_user_name_give_one_201_and_seven_409() {
    let app = spawn_app().await;
    let names = [
        "racer@example.com",
        "Racer@example.com",
        "racer@example.com",
        "RACER@EXAMPLE.COM",
        "racer@example.com",
        "racer@Example.com",
        "racer@example.com",
        "racer@example.com",
    ];
    let replies = join_all(names.iter().map(|n| app.post_reply("/Users", user_body(n)))).await;
    assert_eq!(
        statuses(&replies),
        [201, 409, 409, 409, 409, 409, 409, 409],
        "{}",
        describe(&replies)
    );
    for r in replies.into_iter().filter(|r| r.status == 409) {
        r.expect_error(409, Some("uniqueness"));
    }
    let found = app
        .user_ids_where("userName eq \"racer@example.com\"")
        .await;
    assert_eq!(found.len(), 1);
}

#[actix_web::test]
async fn parallel_creates_of_one_group_name_give_one_201() {
    let app = spawn_app().await;
    let replies =
        join_all((0..6).map(|_| app.post_reply("/Groups", group_body("Racers", &[])))).await;
    assert_eq!(
        statuses(&replies),
        [201, 409, 409, 409, 409, 409],
        "{}",
        describe(&replies)
    );
    assert_eq!(
        app.group_ids_where("displayName eq \"Racers\"").await.len(),
        1
    );
}

#[actix_web::test]
async fn two_patches_with_the_same_if_match_give_one_200_and_one_412() {
    let app = spawn_app().await;
    let user = app.create_user("contended@example.com").await;
    let path = format!("/Users/{}", id_of(&user));
    let tag = user["meta"]["version"].as_str().unwrap().to_owned();
    let headers = [("If-Match", tag.as_str())];
    let patch = |title: &'static str| {
        app.send(
            Method::PATCH,
            &path,
            Some(patch_body(
                json!([{ "op": "replace", "path": "title", "value": title }]),
            )),
            &headers,
        )
    };
    let replies = join_all([patch("First"), patch("Second")]).await;
    assert_eq!(statuses(&replies), [200, 412], "{}", describe(&replies));
    let winner = replies.iter().find(|r| r.status == 200).unwrap();
    let got = app.get_ok(&path).await;
    assert_eq!(
        got["title"], winner.body["title"],
        "the winner's write stands"
    );
    assert_eq!(got["meta"]["version"], winner.body["meta"]["version"]);
    assert_ne!(got["meta"]["version"], tag.as_str());
}

#[actix_web::test]
async fn group_patches_with_the_same_if_match_give_one_200_and_the_rest_412() {
    let app = spawn_app().await;
    let mut users = Vec::new();
    for i in 0..4 {
        users.push(id_of(&app.create_user(&format!("gm{i}@example.com")).await));
    }
    let group = app.create_group("Guarded", &[]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let tag = group["meta"]["version"].as_str().unwrap().to_owned();
    let headers = [("If-Match", tag.as_str())];
    let replies = join_all(users.iter().map(|uid| {
        app.send(
            Method::PATCH,
            &path,
            Some(patch_body(
                json!([{ "op": "add", "path": "members", "value": [{ "value": uid }] }]),
            )),
            &headers,
        )
    }))
    .await;
    assert_eq!(
        statuses(&replies),
        [200, 412, 412, 412],
        "{}",
        describe(&replies)
    );
    let got = app.get_ok(&path).await;
    assert_eq!(member_ids(&got).len(), 1, "only the winner's member: {got}");
}

#[actix_web::test]
async fn parallel_puts_without_if_match_all_apply_in_some_order() {
    let app = spawn_app().await;
    let user = app.create_user("last.writer@example.com").await;
    let path = format!("/Users/{}", id_of(&user));
    let titles: Vec<String> = (0..6).map(|i| format!("Title {i}")).collect();
    let replies = join_all(titles.iter().map(|t| {
        let mut body = user_body("last.writer@example.com");
        body["title"] = json!(t);
        app.put_reply(&path, body)
    }))
    .await;
    assert!(
        replies.iter().all(|r| r.status == 200),
        "{}",
        describe(&replies)
    );
    let got = app.get_ok(&path).await;
    assert!(titles.iter().any(|t| got["title"] == t.as_str()));
    let versions: std::collections::BTreeSet<String> = replies
        .iter()
        .map(|r| r.header("etag"))
        .chain([user["meta"]["version"].as_str().unwrap().to_owned()])
        .collect();
    assert_eq!(versions.len(), 7, "six writes, six new versions");
}

#[actix_web::test]
async fn parallel_deletes_of_one_user_give_one_204_and_the_rest_404() {
    let app = spawn_app().await;
    let uid = id_of(&app.create_user("deleted.once@example.com").await);
    app.create_group("Holds Him", &[&uid]).await;
    let path = format!("/Users/{uid}");
    let replies = join_all((0..5).map(|_| app.delete_reply(&path))).await;
    assert_eq!(
        statuses(&replies),
        [204, 404, 404, 404, 404],
        "{}",
        describe(&replies)
    );
    app.get_reply(&path).await.expect_error(404, None);
}
