//! Races between deletes and member changes (issue 11): a group delete racing member adds never
//! leaves a user listing the deleted group, and a member add racing the user's delete never
//! leaves a member row naming no one, nor a group that lost a member under its old ETag. These
//! matter on MariaDB, where the requests run in parallel transactions.

use crate::common;

use futures_util::future::join_all;

use common::{id_of, member_ids, spawn_app, Reply};
use serde_json::{json, Value};

fn add_member(uid: &str) -> Value {
    json!([{ "op": "add", "path": "members", "value": [{ "value": uid }] }])
}

fn groups_listed(user: &Value) -> Vec<String> {
    user["groups"]
        .as_array()
        .map(|g| {
            g.iter()
                .map(|g| g["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn a_group_delete_racing_member_adds_leaves_no_user_listing_it() {
    let app = spawn_app().await;
    for round in 0..4 {
        let mut users = Vec::new();
        for i in 0..6 {
            let name = format!("race{round}.{i}@example.com");
            users.push(id_of(&app.create_user(&name).await));
        }
        let gid = id_of(
            &app.create_group(&format!("Doomed {round}"), &[&users[0]])
                .await,
        );
        let path = format!("/Groups/{gid}");
        let adds = users[1..]
            .iter()
            .map(|uid| app.patch_ops(&path, add_member(uid)));
        let (replies, deleted) =
            futures_util::future::join(join_all(adds), app.delete_reply(&path)).await;
        assert_eq!(deleted.status, 204, "{}", deleted.text);
        for r in &replies {
            // An add loses to the delete (404) or lands before it (200): never a 500.
            assert!([200, 404].contains(&r.status), "{} {}", r.status, r.text);
        }
        for uid in &users {
            let user = app.get_ok(&format!("/Users/{uid}")).await;
            assert!(
                !groups_listed(&user).contains(&gid),
                "round {round}: {uid} still lists the deleted group: {user}"
            );
        }
    }
}

#[actix_web::test]
async fn a_member_add_racing_the_users_delete_leaves_no_dangling_member() {
    let app = spawn_app().await;
    let group = app.create_group("Survivors", &[]).await;
    let gid = id_of(&group);
    let path = format!("/Groups/{gid}");
    for round in 0..6 {
        let mut users = Vec::new();
        for i in 0..4 {
            let name = format!("gone{round}.{i}@example.com");
            users.push(id_of(&app.create_user(&name).await));
        }
        let adds = users
            .iter()
            .map(|uid| app.patch_ops(&path, add_member(uid)));
        let user_paths: Vec<String> = users.iter().map(|u| format!("/Users/{u}")).collect();
        let deletes = user_paths.iter().map(|p| app.delete_reply(p));
        let (added, deleted): (Vec<Reply>, Vec<Reply>) =
            futures_util::future::join(join_all(adds), join_all(deletes)).await;
        for d in &deleted {
            assert_eq!(d.status, 204, "{}", d.text);
        }
        for a in &added {
            // The add lands before the delete (200) or finds the user gone (400): never a 500.
            assert!([200, 400].contains(&a.status), "{} {}", a.status, a.text);
        }
        let now = app.get_reply(&path).await.expect(200);
        assert!(
            member_ids(&now.body).is_empty(),
            "round {round}: members naming deleted users: {}",
            now.text
        );
        // Every add that landed was undone by a delete: the group's ETag moved past it.
        for a in added.iter().filter(|a| a.status == 200) {
            if !member_ids(&a.body).is_empty() {
                assert_ne!(
                    now.header("etag"),
                    a.header("etag"),
                    "round {round}: the group lost a member but kept its ETag"
                );
            }
        }
    }
}
