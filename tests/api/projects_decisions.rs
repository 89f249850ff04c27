//! Project decisions (`POST /authorize` with `project_id`, issue 14): each level's actions, the
//! reason naming the membership that gave the level, teams following SCIM membership at once,
//! highest wins in both orders, the organization role and licence on top, and a team of
//! 100,000 members answered by the same one lookup.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{id_of, raw, spawn_app, TestApp};
use crate::governance::{root, user_with_role};
use crate::projects::{add, project};

const ACTIONS: [&str; 5] = [
    "view",
    "comment",
    "edit_content",
    "edit_structure",
    "manage_members",
];

async fn decide(app: &TestApp, user: &str, action: &str, project: &str) -> Value {
    root(
        app,
        Method::POST,
        "/authorize",
        Some(json!({ "user_id": user, "permission": action, "project_id": project })),
    )
    .await
    .expect(200)
    .body
}

/// The actions allowed, in `ACTIONS` order, with one batch call.
async fn allowed_actions(app: &TestApp, user: &str, project: &str) -> Vec<bool> {
    let checks: Vec<Value> = ACTIONS
        .iter()
        .map(|a| json!({ "user_id": user, "permission": a, "project_id": project }))
        .collect();
    let reply = root(
        app,
        Method::POST,
        "/authorize",
        Some(json!({ "checks": checks })),
    )
    .await
    .expect(200);
    reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["allowed"].as_bool().unwrap())
        .collect()
}

/// The membership reason of an answer.
fn membership_reason(answer: &Value) -> Value {
    answer["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["link"] == "membership")
        .cloned()
        .unwrap_or_else(|| panic!("no membership reason in {answer}"))
}

#[actix_web::test]
async fn each_level_allows_its_actions_and_the_reason_names_the_membership() {
    let app = spawn_app().await;
    let p = project(&app, "Table", None).await;
    let table = [
        ("admin", [true, true, true, true, true]),
        ("editor", [true, true, true, false, false]),
        ("commenter", [true, true, false, false, false]),
        ("viewer", [true, false, false, false, false]),
    ];
    for (level, want) in table {
        let user = id_of(&app.create_user(&format!("level.{level}@example.com")).await);
        let m = add(&app, &user, &p, json!({ "access_level": level }))
            .await
            .expect(201);
        let m = m.body["gid"].as_str().unwrap().to_owned();
        assert_eq!(allowed_actions(&app, &user, &p).await, want, "{level}");
        let d = decide(&app, &user, "view", &p).await;
        assert_eq!(d["access_level"], level);
        assert_eq!(d["project_id"], p.as_str());
        let r = membership_reason(&d);
        assert_eq!(r["name"], m.as_str());
        assert_eq!(r["allows"], true);
        assert!(
            r["detail"].as_str().unwrap().contains("own membership"),
            "{r}"
        );
        if level != "admin" {
            let d = decide(&app, &user, "edit_structure", &p).await;
            assert_eq!(d["denied_by"], "membership");
            assert!(d["reasons"][0]["detail"]
                .as_str()
                .unwrap()
                .contains("needs admin"));
        }
    }
    // No membership: denied, and the reason says none gave access; no org role stands in.
    let super_admin = app.creds.admin_user_id.to_string();
    let d = decide(&app, &super_admin, "view", &p).await;
    assert_eq!(d["allowed"], false);
    assert_eq!(d["denied_by"], "membership");
    assert_eq!(d["access_level"], Value::Null);
    let r = membership_reason(&d);
    assert_eq!(r["name"], p.as_str());
    assert!(
        r["detail"].as_str().unwrap().contains("no membership"),
        "{r}"
    );
}

#[actix_web::test]
async fn a_team_level_follows_scim_membership_at_once() {
    let app = spawn_app().await;
    let user = id_of(&app.create_user("member@example.com").await);
    let team = app.create_group("Writers", &[]).await;
    let team_id = id_of(&team);
    let p = project(&app, "Docs", None).await;
    let m = add(&app, &team_id, &p, json!({ "access_level": "editor" }))
        .await
        .expect(201);
    let m = m.body["gid"].as_str().unwrap().to_owned();
    assert_eq!(
        decide(&app, &user, "edit_content", &p).await["allowed"],
        false
    );

    let add_op = json!([{ "op": "add", "path": "members", "value": [{ "value": user }] }]);
    app.patch_ops(&format!("/Groups/{team_id}"), add_op)
        .await
        .expect(200);
    let d = decide(&app, &user, "edit_content", &p).await;
    assert_eq!(d["allowed"], true, "{d}");
    let r = membership_reason(&d);
    assert_eq!(r["name"], m.as_str());
    assert!(r["detail"].as_str().unwrap().contains("Writers"), "{r}");
    // The team's new name is in the next answer (levels are held in memory, named as of now).
    let rename = json!([{ "op": "replace", "path": "displayName", "value": "Authors" }]);
    app.patch_ops(&format!("/Groups/{team_id}"), rename)
        .await
        .expect(200);
    let d = decide(&app, &user, "edit_content", &p).await;
    let r = membership_reason(&d);
    assert!(r["detail"].as_str().unwrap().contains("Authors"), "{r}");

    let remove = json!([{ "op": "remove", "path": format!("members[value eq \"{user}\"]") }]);
    app.patch_ops(&format!("/Groups/{team_id}"), remove)
        .await
        .expect(200);
    let d = decide(&app, &user, "view", &p).await;
    assert_eq!(d["allowed"], false, "{d}");
    assert_eq!(d["denied_by"], "membership");

    // Back in, then the group is deleted: the level goes with it.
    let add_op = json!([{ "op": "add", "path": "members", "value": [{ "value": user }] }]);
    app.patch_ops(&format!("/Groups/{team_id}"), add_op)
        .await
        .expect(200);
    assert_eq!(decide(&app, &user, "view", &p).await["allowed"], true);
    assert_eq!(
        app.delete(&format!("/Groups/{team_id}")).await.status(),
        204
    );
    assert_eq!(decide(&app, &user, "view", &p).await["allowed"], false);
}

#[actix_web::test]
async fn the_highest_level_wins_whichever_membership_came_first() {
    let app = spawn_app().await;
    // Team higher than direct, team added first then direct; and the other way round.
    for (team_level, direct_level, team_first, winner) in [
        ("admin", "viewer", true, "team"),
        ("admin", "viewer", false, "team"),
        ("commenter", "editor", true, "user"),
        ("commenter", "editor", false, "user"),
    ] {
        let n = format!("{team_level}{direct_level}{team_first}");
        let user = id_of(&app.create_user(&format!("{n}@example.com")).await);
        let team = id_of(&app.create_group(&format!("Team {n}"), &[&user]).await);
        let p = project(&app, &n, None).await;
        let mut ids = Vec::new();
        let order = if team_first {
            [(&team, team_level), (&user, direct_level)]
        } else {
            [(&user, direct_level), (&team, team_level)]
        };
        for (member, level) in order {
            let m = add(&app, member, &p, json!({ "access_level": level }))
                .await
                .expect(201);
            ids.push((member.clone(), m.body["gid"].as_str().unwrap().to_owned()));
        }
        let d = decide(&app, &user, "view", &p).await;
        let want_level = if winner == "team" {
            team_level
        } else {
            direct_level
        };
        assert_eq!(d["access_level"], want_level, "{n}: {d}");
        let winner_id = if winner == "team" { &team } else { &user };
        let want_m = &ids.iter().find(|(m, _)| m == winner_id).unwrap().1;
        assert_eq!(membership_reason(&d)["name"], want_m.as_str(), "{n}");
    }
}

#[actix_web::test]
async fn the_organization_role_and_licence_still_apply_on_top_of_the_level() {
    let app = spawn_app().await;
    let p = project(&app, "Layers", None).await;
    // A guest with admin level: content yes, structure and members never.
    let (guest, _) = user_with_role(&app, "guest@outside.test", "guest").await;
    add(&app, &guest, &p, json!({ "access_level": "admin" }))
        .await
        .expect(201);
    assert_eq!(
        allowed_actions(&app, &guest, &p).await,
        [true, true, true, false, false]
    );
    let d = decide(&app, &guest, "manage_members", &p).await;
    assert_eq!(d["denied_by"], "base_role");
    assert_eq!(membership_reason(&d)["allows"], true);

    // A view-only licence: view only.
    let viewer = id_of(&app.create_user("viewonly@example.com").await);
    add(&app, &viewer, &p, json!({ "access_level": "admin" }))
        .await
        .expect(201);
    root(
        &app,
        Method::PUT,
        &format!("/users/{viewer}/licence"),
        Some(json!({ "licence": "view_only" })),
    )
    .await
    .expect(200);
    assert_eq!(
        allowed_actions(&app, &viewer, &p).await,
        [true, false, false, false, false]
    );
    assert_eq!(
        decide(&app, &viewer, "comment", &p).await["denied_by"],
        "licence"
    );

    // A deactivated user: nothing, whatever the level.
    let gone = id_of(&app.create_user("gone@example.com").await);
    add(&app, &gone, &p, json!({ "access_level": "admin" }))
        .await
        .expect(201);
    let off = json!([{ "op": "replace", "path": "active", "value": false }]);
    app.patch_ops(&format!("/Users/{gone}"), off)
        .await
        .expect(200);
    let d = decide(&app, &gone, "view", &p).await;
    assert_eq!(d["allowed"], false);
    assert_eq!(d["denied_by"], "user");

    // Bad checks.
    let reply = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "user_id": gone, "permission": "fly", "project_id": p })),
    )
    .await;
    crate::governance::assert_problem(&reply, 422, "not a project action");
    let reply = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "user_id": gone, "permission": "view", "project_id": "nowhere" })),
    )
    .await;
    crate::governance::assert_problem(&reply, 404, "nowhere");
}

/// A team of 100,000 members: the level of a member comes from the same one lookup (their
/// teams and the project's memberships), and leaving the team is seen at once. Members are
/// seeded in SQL; no membership row is written per member.
#[actix_web::test]
async fn a_team_of_100k_members_gives_its_level_without_expanding() {
    const MEMBERS: usize = 100_000;
    let mut app = spawn_app().await;
    app.client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(180))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mysql = app.database.is_mysql();
    let mut conn = raw::connect(&app.database.url);
    raw::seed_users(&mut conn, mysql, app.creds.org_id.as_str(), MEMBERS);
    let team = id_of(&app.create_group("Everyone", &[]).await);
    assert_eq!(raw::seed_members(&mut conn, mysql, &team), MEMBERS);
    let p = project(&app, "Company", None).await;
    add(&app, &team, &p, json!({ "access_level": "commenter" }))
        .await
        .expect(201);
    let rows = raw::execute(
        &mut conn,
        &format!("UPDATE project_memberships SET updated_at = updated_at WHERE project_id = '{p}'"),
    );
    assert_eq!(rows, 1, "one membership row for the whole team");

    for member in ["seed-000001", "seed-050000", "seed-100000"] {
        let d = decide(&app, member, "comment", &p).await;
        assert_eq!(d["allowed"], true, "{member}: {d}");
        assert_eq!(d["access_level"], "commenter");
    }
    let d = decide(&app, "seed-050000", "edit_content", &p).await;
    assert_eq!(d["denied_by"], "membership");

    let remove = json!([{ "op": "remove", "path": "members[value eq \"seed-050000\"]" }]);
    app.patch_ops(
        &format!("/Groups/{team}?excludedAttributes=members"),
        remove,
    )
    .await
    .expect(200);
    assert_eq!(
        decide(&app, "seed-050000", "view", &p).await["allowed"],
        false
    );
    assert_eq!(
        decide(&app, "seed-050001", "view", &p).await["allowed"],
        true
    );
}

/// Another instance of the service on the app's database, with caches of its own; its address.
async fn second_instance(app: &TestApp) -> String {
    let settings = crate::common::test_settings(&app.database.url);
    let other = gatehouse::app::Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", other.port());
    actix_web::rt::spawn(other.run_until_stopped());
    address
}

/// Points the test app's requests at the instance listening at `address`.
fn talk_to(app: &mut TestApp, address: &str) {
    app.address = address.to_owned();
    app.scim = format!("{address}/scim/v2");
}

/// Asks until the answer's `allowed` is `want`; false if it never is within a few seconds
/// (levels are rechecked against the database once a second).
async fn comes_to(app: &TestApp, user: &str, action: &str, project: &str, want: bool) -> bool {
    for _ in 0..50 {
        if decide(app, user, action, project).await["allowed"] == want {
            return true;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// Levels are held in memory per instance: a change made through one instance is seen by it at
/// once and by another within its recheck interval, for a team's members (SCIM) and for a
/// membership's level (admin API) alike.
#[actix_web::test]
async fn a_change_through_one_instance_reaches_the_levels_another_holds() {
    let mut app = spawn_app().await;
    let (first, second) = (app.address.clone(), second_instance(&app).await);
    let user = id_of(&app.create_user("two.instances@example.com").await);
    let team = id_of(&app.create_group("Reviewers", &[&user]).await);
    let p = project(&app, "Shared", None).await;
    let m = add(&app, &team, &p, json!({ "access_level": "editor" }))
        .await
        .expect(201);
    let m = m.body["gid"].as_str().unwrap().to_owned();
    // Both instances hold the level.
    for address in [&first, &second] {
        talk_to(&mut app, address);
        let d = decide(&app, &user, "edit_content", &p).await;
        assert_eq!(d["allowed"], true, "{address}: {d}");
    }

    // The user leaves the team through the second instance: it knows at once...
    let remove = json!([{ "op": "remove", "path": format!("members[value eq \"{user}\"]") }]);
    app.patch_ops(&format!("/Groups/{team}"), remove)
        .await
        .expect(200);
    assert_eq!(decide(&app, &user, "view", &p).await["allowed"], false);
    // ...and the first within its interval.
    talk_to(&mut app, &first);
    assert!(comes_to(&app, &user, "view", &p, false).await);

    // Back in, and the team's level lowered through the first instance.
    let add_op = json!([{ "op": "add", "path": "members", "value": [{ "value": user }] }]);
    app.patch_ops(&format!("/Groups/{team}"), add_op)
        .await
        .expect(200);
    assert_eq!(
        decide(&app, &user, "edit_content", &p).await["allowed"],
        true
    );
    talk_to(&mut app, &second);
    assert!(comes_to(&app, &user, "edit_content", &p, true).await);
    talk_to(&mut app, &first);
    let level = json!({ "access_level": "viewer" });
    root(&app, Method::PUT, &format!("/memberships/{m}"), Some(level))
        .await
        .expect(200);
    assert_eq!(decide(&app, &user, "comment", &p).await["allowed"], false);
    talk_to(&mut app, &second);
    assert!(comes_to(&app, &user, "comment", &p, false).await);
    assert_eq!(
        decide(&app, &user, "view", &p).await["access_level"],
        "viewer"
    );
}

/// A batch of project checks over several users and projects answers each as a single check
/// would (read together, whatever is missing in one go), and an unknown project in a batch is a
/// 404 that names it.
#[actix_web::test]
async fn a_batch_of_project_checks_answers_each_as_a_single_check() {
    let app = spawn_app().await;
    let mut users = Vec::new();
    for i in 0..4 {
        users.push(id_of(
            &app.create_user(&format!("batch.{i}@example.com")).await,
        ));
    }
    let team = id_of(&app.create_group("Half", &[&users[0], &users[1]]).await);
    let (p, q) = (
        project(&app, "Batch P", None).await,
        project(&app, "Batch Q", None).await,
    );
    add(&app, &team, &p, json!({ "access_level": "commenter" }))
        .await
        .expect(201);
    add(&app, &users[1], &p, json!({ "access_level": "admin" }))
        .await
        .expect(201);
    add(&app, &users[2], &q, json!({ "access_level": "viewer" }))
        .await
        .expect(201);
    let mut checks = Vec::new();
    for user in &users {
        for project in [&p, &q] {
            for action in ["view", "comment", "edit_structure"] {
                checks.push((user.clone(), project.clone(), action));
            }
        }
    }
    let body = json!({ "checks": checks
        .iter()
        .map(|(u, p, a)| json!({ "user_id": u, "permission": a, "project_id": p }))
        .collect::<Vec<_>>() });
    // Once on a cold instance (everything read together), then warm: the same answers.
    for _ in 0..2 {
        let reply = root(&app, Method::POST, "/authorize", Some(body.clone()))
            .await
            .expect(200);
        let results = reply.body["results"].as_array().unwrap().clone();
        assert_eq!(results.len(), checks.len());
        for ((user, project, action), batch) in checks.iter().zip(&results) {
            let single = decide(&app, user, action, project).await;
            assert_eq!(batch, &single, "{user} {action} on {project}");
        }
        let want = |u: usize, project: &str, action: &str| {
            checks
                .iter()
                .zip(&results)
                .find(|((user, p, a), _)| user == &users[u] && p == project && *a == action)
                .map(|(_, r)| r["allowed"].as_bool().unwrap())
                .unwrap()
        };
        assert!(want(0, &p, "comment") && !want(0, &p, "edit_structure"));
        assert!(
            want(1, &p, "edit_structure"),
            "the direct admin wins over the team"
        );
        assert!(want(2, &q, "view") && !want(2, &q, "comment") && !want(2, &p, "view"));
        assert!(!want(3, &p, "view") && !want(3, &q, "view"));
    }
    let mut with_unknown = body.clone();
    with_unknown["checks"][5]["project_id"] = json!("no-such-project");
    let reply = root(&app, Method::POST, "/authorize", Some(with_unknown)).await;
    crate::governance::assert_problem(&reply, 404, "no-such-project");
}
