//! Groups of 100,000 members: emptying, replacing and removing by filter work at any size (no
//! statement binds every member; issue 11), and renaming or deleting one writes no member row
//! (issue 15); the members' `groups` and ETags follow.

use crate::common;

use common::{id_of, raw, TestApp};
use serde_json::{json, Value};

const MEMBERS: usize = 100_000;

/// The group's member count, read through the group's members.
fn member_count(conn: &mut gatehouse::db::DbConnection, group_id: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let rows: Vec<Count> = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM group_members WHERE group_id = '{group_id}'"
    ))
    .load(conn)
    .unwrap();
    rows[0].n
}

async fn groups_of(app: &TestApp, user_id: &str) -> Vec<String> {
    let user = app.get_ok(&format!("/Users/{user_id}")).await;
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
async fn a_group_of_100k_members_can_be_emptied_replaced_and_filtered() {
    let mut app = common::spawn_app().await;
    // Alone, each request takes a few seconds; beside the rest of the suite on two cores, more.
    // No idle connections: seeding between requests outlasts the server's keep-alive, and a
    // reused connection the server is closing fails the next request.
    app.client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(180))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mysql = app.database.is_mysql();
    let mut conn = raw::connect(&app.database.url);
    raw::seed_users(&mut conn, mysql, app.creds.org_id.as_str(), MEMBERS);
    let kept = id_of(&app.create_user("kept@example.com").await);
    let g = app.create_group("Everyone", &[&kept]).await;
    let gid = id_of(&g);
    let path = format!("/Groups/{gid}?excludedAttributes=members");
    let started = std::time::Instant::now();

    // PATCH remove with a filter matching all but one.
    assert_eq!(raw::seed_members(&mut conn, mysql, &gid), MEMBERS);
    let ops = json!([{ "op": "remove", "path": format!("members[value ne \"{kept}\"]") }]);
    app.patch_ops(&path, ops).await.expect(200);
    assert_eq!(member_count(&mut conn, &gid), 1);
    assert_eq!(groups_of(&app, &kept).await, vec![gid.clone()]);

    // PUT replacing the list with one member.
    raw::seed_members(&mut conn, mysql, &gid);
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Everyone",
        "members": [{ "value": kept }],
    });
    app.put_reply(&path, body).await.expect(200);
    assert_eq!(member_count(&mut conn, &gid), 1);

    // PATCH replace of members.
    raw::seed_members(&mut conn, mysql, &gid);
    let ops = json!([{ "op": "replace", "path": "members", "value": [{ "value": kept }] }]);
    app.patch_ops(&path, ops).await.expect(200);
    assert_eq!(member_count(&mut conn, &gid), 1);

    // PATCH remove of every member (no filter).
    raw::seed_members(&mut conn, mysql, &gid);
    let ops = json!([{ "op": "remove", "path": "members" }]);
    app.patch_ops(&path, ops).await.expect(200);
    assert_eq!(member_count(&mut conn, &gid), 0);
    assert!(groups_of(&app, &kept).await.is_empty());
    let group: Value = app.get_ok(&format!("/Groups/{gid}")).await;
    assert!(group.get("members").is_none(), "{group}");
    eprintln!(
        "four operations on {MEMBERS} members: {:?}",
        started.elapsed()
    );
}

/// Issue 15: a rename or delete of a group writes no member row; the members' `groups` and
/// ETags follow all the same, because both are derived from the group rows when read.
#[actix_web::test]
async fn renaming_and_deleting_a_group_of_100k_members_writes_no_member() {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Versions {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        total: i64,
    }
    let mut app = common::spawn_app().await;
    app.client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(180))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mysql = app.database.is_mysql();
    let mut conn = raw::connect(&app.database.url);
    raw::seed_users(&mut conn, mysql, app.creds.org_id.as_str(), MEMBERS);
    let g = app.create_group("Everyone", &[]).await;
    let gid = id_of(&g);
    raw::seed_members(&mut conn, mysql, &gid);
    let versions = |conn: &mut gatehouse::db::DbConnection| -> i64 {
        let rows: Vec<Versions> = diesel::sql_query(
            "SELECT CAST(SUM(version) AS SIGNED) AS total FROM users WHERE id LIKE 'seed-%'",
        )
        .load(conn)
        .unwrap();
        rows[0].total
    };
    let stored = versions(&mut conn);
    let member = "/Users/seed-050000";
    let before = app.get_reply(member).await.expect(200);
    assert_eq!(before.body["groups"][0]["display"], "Everyone");

    let started = std::time::Instant::now();
    let ops = json!([{ "op": "replace", "path": "displayName", "value": "Everybody" }]);
    app.patch_ops(&format!("/Groups/{gid}?excludedAttributes=members"), ops)
        .await
        .expect(200);
    let renamed = app.get_reply(member).await.expect(200);
    assert_eq!(renamed.body["groups"][0]["display"], "Everybody");
    assert_ne!(renamed.header("etag"), before.header("etag"));
    // The old ETag no longer validates a write.
    app.send(
        reqwest::Method::DELETE,
        member,
        None,
        &[("If-Match", &before.header("etag"))],
    )
    .await
    .expect_error(412, None);

    app.delete_reply(&format!("/Groups/{gid}"))
        .await
        .expect(204);
    let gone = app.get_reply(member).await.expect(200);
    assert!(gone.body.get("groups").is_none(), "{}", gone.text);
    assert_ne!(gone.header("etag"), renamed.header("etag"));
    eprintln!(
        "rename and delete of {MEMBERS} members: {:?}",
        started.elapsed()
    );
    assert_eq!(versions(&mut conn), stored, "no member row was written");
}
