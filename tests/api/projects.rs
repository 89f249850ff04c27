//! Projects and their memberships (issue 14): the registry, every access level and the legacy
//! `write_access` mapping, the `editor` default, the `/memberships` shapes, the legacy
//! project-member endpoints with their `Deprecation` header, bad input that changes nothing,
//! other tenants' objects as 404s, the permissions the calls need, and memberships following
//! the directory (a deleted team or user takes its memberships along).

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{id_of, spawn_app, Reply, TestApp};
use crate::governance::{assert_problem, root, user_with_role};

/// Registers a project as the super admin; its id.
pub async fn project(app: &TestApp, name: &str, owner: Option<&str>) -> String {
    let reply = root(
        app,
        Method::POST,
        "/projects",
        Some(json!({ "name": name, "owner": owner })),
    )
    .await
    .expect(201);
    reply.body["gid"].as_str().unwrap().to_owned()
}

/// `POST /memberships` as the super admin with `extra` fields (a level) merged in.
pub async fn add(app: &TestApp, member: &str, parent: &str, extra: Value) -> Reply {
    let mut body = json!({ "member": member, "parent": parent });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    root(app, Method::POST, "/memberships", Some(body)).await
}

/// The memberships of a project, as `/memberships?parent=` lists them.
async fn memberships_of(app: &TestApp, project: &str) -> Vec<Value> {
    let reply = root(
        app,
        Method::GET,
        &format!("/memberships?parent={project}&limit=100"),
        None,
    )
    .await
    .expect(200);
    reply.body["data"].as_array().unwrap().clone()
}

fn gid(v: &Value) -> String {
    v["gid"].as_str().unwrap().to_owned()
}

/// The actions of the organization's audit trail, newest first.
async fn audit_actions(app: &TestApp) -> Vec<String> {
    let events = root(app, Method::GET, "/audit-events?limit=1000", None)
        .await
        .expect(200);
    events.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn projects_are_created_listed_read_renamed_and_deleted_with_their_memberships() {
    let app = spawn_app().await;
    let owner = id_of(&app.create_user("owner@example.com").await);
    let p = root(
        &app,
        Method::POST,
        "/projects",
        Some(json!({ "name": "Launch", "owner": owner })),
    )
    .await
    .expect(201)
    .body;
    assert_eq!(p["resource_type"], "project");
    assert_eq!(p["name"], "Launch");
    assert_eq!(p["owner"]["gid"], owner.as_str());
    assert_eq!(p["owner"]["resource_type"], "user");
    assert_eq!(p["owner"]["name"], "owner@example.com");
    let id = gid(&p);
    // The owner is a direct admin member.
    let members = memberships_of(&app, &id).await;
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["member"]["gid"], owner.as_str());
    assert_eq!(members[0]["access_level"], "admin");

    let renamed = root(
        &app,
        Method::PUT,
        &format!("/projects/{id}"),
        Some(json!({ "name": "Launch 2" })),
    )
    .await
    .expect(200);
    assert_eq!(renamed.body["name"], "Launch 2");
    let got = root(&app, Method::GET, &format!("/projects/{id}"), None)
        .await
        .expect(200);
    assert_eq!(got.body["name"], "Launch 2");

    // Pages in id order, every project once.
    let mut made = vec![id.clone()];
    for i in 0..4 {
        made.push(project(&app, &format!("P{i}"), None).await);
    }
    let mut seen = Vec::new();
    let mut path = "/projects?limit=2".to_owned();
    loop {
        let page = root(&app, Method::GET, &path, None).await.expect(200).body;
        seen.extend(page["data"].as_array().unwrap().iter().map(gid));
        match page["next_page"]["offset"].as_str() {
            Some(next) => path = format!("/projects?limit=2&offset={next}"),
            None => break,
        }
    }
    made.sort();
    assert_eq!(seen, made);

    root(&app, Method::DELETE, &format!("/projects/{id}"), None)
        .await
        .expect(204);
    let gone = root(&app, Method::GET, &format!("/projects/{id}"), None).await;
    assert_problem(&gone, 404, &id);
    let membership = gid(&members[0]);
    let gone = root(
        &app,
        Method::GET,
        &format!("/memberships/{membership}"),
        None,
    )
    .await;
    assert_problem(&gone, 404, &membership);
    let actions = audit_actions(&app).await;
    for action in ["project.created", "project.renamed", "project.deleted"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[actix_web::test]
async fn every_access_level_and_legacy_value_is_stored_and_answered_as_access_level() {
    let app = spawn_app().await;
    let p = project(&app, "Levels", None).await;
    let cases = [
        (json!({ "access_level": "admin" }), "admin"),
        (json!({ "access_level": "editor" }), "editor"),
        (json!({ "access_level": "commenter" }), "commenter"),
        (json!({ "access_level": "viewer" }), "viewer"),
        (json!({ "write_access": "full_write" }), "admin"),
        (json!({ "write_access": "comment_only" }), "commenter"),
        // Reference 003: editor is the default.
        (json!({}), "editor"),
    ];
    for (i, (level, want)) in cases.into_iter().enumerate() {
        let user = id_of(&app.create_user(&format!("l{i}@example.com")).await);
        let m = add(&app, &user, &p, level.clone()).await.expect(201).body;
        assert_eq!(m["access_level"], want, "{level}");
        assert!(m.get("write_access").is_none());
        let again = root(
            &app,
            Method::GET,
            &format!("/memberships/{}", gid(&m)),
            None,
        )
        .await
        .expect(200);
        assert_eq!(again.body["access_level"], want);
    }
    // A change of level, by either name.
    let user = id_of(&app.create_user("change@example.com").await);
    let m = gid(&add(&app, &user, &p, json!({})).await.expect(201).body);
    for (body, want) in [
        (json!({ "access_level": "viewer" }), "viewer"),
        (json!({ "write_access": "full_write" }), "admin"),
        (json!({ "write_access": "comment_only" }), "commenter"),
    ] {
        let changed = root(&app, Method::PUT, &format!("/memberships/{m}"), Some(body))
            .await
            .expect(200);
        assert_eq!(changed.body["access_level"], want);
    }
    let actions = audit_actions(&app).await;
    let changes = actions
        .iter()
        .filter(|a| *a == "project_membership.changed");
    assert_eq!(changes.count(), 3);
}

#[actix_web::test]
async fn memberships_answer_in_the_reference_shape_and_filter_by_parent_and_member() {
    let app = spawn_app().await;
    let owner = id_of(&app.create_user("rainbow@example.com").await);
    let greg = id_of(&app.create_user("greg@example.com").await);
    let team = id_of(&app.create_group("Marketing Team", &[&greg]).await);
    let p = project(&app, "Upcoming Product Launches", Some(&owner)).await;
    let other = project(&app, "Other", None).await;
    let user_m = add(&app, &greg, &p, json!({ "access_level": "admin" }))
        .await
        .expect(201)
        .body;
    let team_m = add(&app, &team, &p, json!({ "access_level": "commenter" }))
        .await
        .expect(201)
        .body;
    add(&app, &team, &other, json!({})).await.expect(201);

    assert_eq!(user_m["resource_type"], "membership");
    assert_eq!(user_m["resource_subtype"], "project_membership");
    assert_eq!(
        user_m["member"],
        json!({ "gid": greg, "resource_type": "user", "name": "greg@example.com" })
    );
    assert_eq!(
        user_m["parent"],
        json!({
            "gid": p, "resource_type": "project", "name": "Upcoming Product Launches",
            "owner": { "gid": owner, "resource_type": "user", "name": "rainbow@example.com" },
        })
    );
    assert_eq!(user_m["access_level"], "admin");
    assert_eq!(
        team_m["member"],
        json!({ "gid": team, "resource_type": "team", "name": "Marketing Team" })
    );
    assert_eq!(team_m["access_level"], "commenter");

    // By parent: the owner's, Greg's and the team's; by member: the team's two; by both: one.
    assert_eq!(memberships_of(&app, &p).await.len(), 3);
    let by_member = root(
        &app,
        Method::GET,
        &format!("/memberships?member={team}"),
        None,
    )
    .await
    .expect(200);
    assert_eq!(by_member.body["data"].as_array().unwrap().len(), 2);
    let both = root(
        &app,
        Method::GET,
        &format!("/memberships?member={team}&parent={other}"),
        None,
    )
    .await
    .expect(200);
    let data = both.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["parent"]["gid"], other.as_str());
    assert_eq!(data[0]["parent"]["owner"], Value::Null);
    // Pages of one, in order, to the end.
    let first = root(
        &app,
        Method::GET,
        &format!("/memberships?parent={p}&limit=1"),
        None,
    )
    .await
    .expect(200)
    .body;
    let next = first["next_page"]["offset"].as_str().unwrap();
    let second = root(
        &app,
        Method::GET,
        &format!("/memberships?parent={p}&limit=2&offset={next}"),
        None,
    )
    .await
    .expect(200)
    .body;
    assert_eq!(second["data"].as_array().unwrap().len(), 2);
    assert_eq!(second["next_page"], Value::Null);

    root(
        &app,
        Method::DELETE,
        &format!("/memberships/{}", gid(&user_m)),
        None,
    )
    .await
    .expect(204);
    assert_eq!(memberships_of(&app, &p).await.len(), 2);
    let actions = audit_actions(&app).await;
    for action in ["project_membership.created", "project_membership.deleted"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[actix_web::test]
async fn bad_input_is_a_clear_problem_and_changes_nothing() {
    let app = spawn_app().await;
    let user = id_of(&app.create_user("bad@example.com").await);
    let p = project(&app, "Strict", None).await;
    for (extra, needle) in [
        (json!({ "access_level": "owner" }), "owner"),
        (json!({ "access_level": "Admin" }), "Admin"),
        (json!({ "write_access": "read_only" }), "read_only"),
        (
            json!({ "access_level": "admin", "write_access": "full_write" }),
            "not both",
        ),
    ] {
        assert_problem(&add(&app, &user, &p, extra).await, 400, needle);
    }
    assert!(memberships_of(&app, &p).await.is_empty(), "nothing added");

    let m = gid(&add(&app, &user, &p, json!({ "access_level": "viewer" }))
        .await
        .expect(201)
        .body);
    for body in [json!({ "access_level": "superuser" }), json!({})] {
        let reply = root(&app, Method::PUT, &format!("/memberships/{m}"), Some(body)).await;
        assert_eq!(reply.status, 400, "{}", reply.text);
    }
    let kept = root(&app, Method::GET, &format!("/memberships/{m}"), None)
        .await
        .expect(200);
    assert_eq!(kept.body["access_level"], "viewer", "unchanged");

    assert_problem(
        &add(&app, &user, &p, json!({})).await,
        409,
        "already a member",
    );
    assert_problem(&add(&app, "nobody", &p, json!({})).await, 404, "nobody");
    assert_problem(
        &add(&app, &user, "nowhere", json!({})).await,
        404,
        "nowhere",
    );
    let reply = root(
        &app,
        Method::POST,
        "/projects",
        Some(json!({ "name": " " })),
    )
    .await;
    assert_problem(&reply, 422, "name");
    let reply = root(
        &app,
        Method::POST,
        "/projects",
        Some(json!({ "name": "X", "owner": "ghost" })),
    )
    .await;
    assert_problem(&reply, 404, "ghost");
    let reply = root(&app, Method::GET, "/memberships?limit=0", None).await;
    assert_problem(&reply, 400, "limit");
    let reply = root(
        &app,
        Method::POST,
        "/memberships",
        Some(json!({ "member": user, "parent": p, "level": "admin" })),
    )
    .await;
    assert_eq!(reply.status, 422, "an unknown field: {}", reply.text);
    assert_eq!(memberships_of(&app, &p).await.len(), 1);
}

#[actix_web::test]
async fn another_organizations_projects_users_and_teams_are_404s() {
    let app = spawn_app().await;
    let other = app.other_organization("other.example");
    let theirs = app
        .send_as(
            &other.scim_token,
            Method::POST,
            "/Users",
            Some(crate::common::user_body("them@other.example")),
        )
        .await
        .expect(201);
    let their_user = id_of(&theirs.body);
    let their_team = app
        .send_as(
            &other.scim_token,
            Method::POST,
            "/Groups",
            Some(crate::common::group_body("Their team", &[&their_user])),
        )
        .await
        .expect(201);
    let their_team = id_of(&their_team.body);
    let their_project = crate::governance::api(
        &app,
        &other.admin_token,
        Method::POST,
        "/projects",
        Some(json!({ "name": "Theirs", "owner": their_user })),
    )
    .await
    .expect(201);
    let their_project = gid(&their_project.body);
    let their_membership = crate::governance::api(
        &app,
        &other.admin_token,
        Method::GET,
        &format!("/memberships?parent={their_project}"),
        None,
    )
    .await
    .expect(200);
    let their_membership = gid(&their_membership.body["data"][0]);

    let mine = project(&app, "Mine", None).await;
    let me = id_of(&app.create_user("me@example.com").await);
    for member in [&their_user, &their_team] {
        assert_problem(&add(&app, member, &mine, json!({})).await, 404, member);
    }
    assert_problem(
        &add(&app, &me, &their_project, json!({})).await,
        404,
        &their_project,
    );
    for (method, path) in [
        (Method::GET, format!("/projects/{their_project}")),
        (Method::DELETE, format!("/projects/{their_project}")),
        (Method::GET, format!("/memberships/{their_membership}")),
        (Method::DELETE, format!("/memberships/{their_membership}")),
        (Method::GET, format!("/memberships?parent={their_project}")),
        (Method::GET, format!("/memberships?member={their_user}")),
        (
            Method::GET,
            format!("/project_memberships/{their_membership}"),
        ),
    ] {
        let reply = root(&app, method.clone(), &path, None).await;
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.text);
    }
    let reply = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "user_id": me, "permission": "view", "project_id": their_project })),
    )
    .await;
    assert_problem(&reply, 404, &their_project);
    // Theirs is untouched.
    crate::governance::api(
        &app,
        &other.admin_token,
        Method::GET,
        &format!("/memberships/{their_membership}"),
        None,
    )
    .await
    .expect(200);
}

#[actix_web::test]
async fn reading_takes_view_members_and_changing_takes_assign_roles() {
    let app = spawn_app().await;
    let (_, member) = user_with_role(&app, "member@example.com", "member").await;
    let (admin_id, admin) = user_with_role(&app, "an.admin@example.com", "admin").await;
    let p = project(&app, "Guarded", None).await;
    let api = crate::governance::api;
    for (method, path, body) in [
        (Method::GET, "/projects".to_owned(), None),
        (Method::GET, format!("/memberships?parent={p}"), None),
        (
            Method::POST,
            "/projects".to_owned(),
            Some(json!({ "name": "X" })),
        ),
        (
            Method::POST,
            "/memberships".to_owned(),
            Some(json!({ "member": admin_id, "parent": p })),
        ),
    ] {
        let reply = api(&app, &member, method, &path, body).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.text);
    }
    // An admin reads and changes.
    api(&app, &admin, Method::GET, "/projects", None)
        .await
        .expect(200);
    let body = json!({ "member": admin_id, "parent": p });
    api(&app, &admin, Method::POST, "/memberships", Some(body))
        .await
        .expect(201);
    // An admin-based role without assign_roles reads, but changes nothing.
    let role =
        crate::governance::custom_role(&app, "Auditor", "admin", json!({ "assign_roles": false }))
            .await;
    let (_, auditor) = user_with_role(&app, "auditor@example.com", &role).await;
    api(&app, &auditor, Method::GET, "/projects", None)
        .await
        .expect(200);
    let reply = api(
        &app,
        &auditor,
        Method::POST,
        "/projects",
        Some(json!({ "name": "Nope" })),
    )
    .await;
    assert_problem(&reply, 403, "assign_roles");
}

#[actix_web::test]
async fn legacy_project_member_endpoints_work_and_name_their_successor() {
    let app = spawn_app().await;
    let a = id_of(&app.create_user("a@example.com").await);
    let b = id_of(&app.create_user("b@example.com").await);
    let p = project(&app, "Legacy", None).await;

    let added = root(
        &app,
        Method::POST,
        &format!("/projects/{p}/addMembers"),
        Some(json!({ "members": format!("{a},{b}") })),
    )
    .await
    .expect(200);
    assert_eq!(added.body["gid"], p.as_str());
    assert_eq!(added.header("deprecation"), "@1796428800");
    assert_eq!(
        added.header("link"),
        "</api/v1/memberships>; rel=\"successor-version\""
    );
    let members = memberships_of(&app, &p).await;
    assert_eq!(members.len(), 2);
    assert!(
        members.iter().all(|m| m["access_level"] == "editor"),
        "default editor"
    );
    // Adding again keeps the level; a legacy level applies to the new one only.
    let c = id_of(&app.create_user("c@example.com").await);
    root(
        &app,
        Method::POST,
        &format!("/projects/{p}/addMembers"),
        Some(json!({ "members": [a, c], "write_access": "comment_only" })),
    )
    .await
    .expect(200);
    let levels: Vec<(String, String)> = memberships_of(&app, &p)
        .await
        .iter()
        .map(|m| {
            (
                m["member"]["gid"].as_str().unwrap().to_owned(),
                m["access_level"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(levels.contains(&(a.clone(), "editor".into())), "{levels:?}");
    assert!(
        levels.contains(&(c.clone(), "commenter".into())),
        "{levels:?}"
    );

    let listed = root(
        &app,
        Method::GET,
        &format!("/projects/{p}/project_memberships"),
        None,
    )
    .await
    .expect(200);
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 3);
    assert_eq!(listed.header("deprecation"), "@1796428800");
    assert_eq!(
        listed.header("link"),
        format!("</api/v1/memberships?parent={p}>; rel=\"successor-version\"")
    );
    let one = gid(&listed.body["data"][0]);
    let got = root(
        &app,
        Method::GET,
        &format!("/project_memberships/{one}"),
        None,
    )
    .await
    .expect(200);
    assert_eq!(got.body["resource_type"], "membership");
    assert_eq!(
        got.header("link"),
        format!("</api/v1/memberships/{one}>; rel=\"successor-version\"")
    );

    // All or nothing: an unknown member removes no one.
    let reply = root(
        &app,
        Method::POST,
        &format!("/projects/{p}/removeMembers"),
        Some(json!({ "members": [a, "ghost"] })),
    )
    .await;
    assert_problem(&reply, 404, "ghost");
    assert_eq!(memberships_of(&app, &p).await.len(), 3);
    let removed = root(
        &app,
        Method::POST,
        &format!("/projects/{p}/removeMembers"),
        Some(json!({ "members": [a, b] })),
    )
    .await
    .expect(200);
    assert!(removed.header("deprecation").starts_with('@'));
    let left = memberships_of(&app, &p).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["member"]["gid"], c.as_str());
    let reply = root(
        &app,
        Method::POST,
        &format!("/projects/{p}/addMembers"),
        Some(json!({ "members": [b], "access_level": "boss" })),
    )
    .await;
    assert_problem(&reply, 400, "boss");
    assert_eq!(memberships_of(&app, &p).await.len(), 1);
}

#[actix_web::test]
async fn deleting_a_team_or_a_user_over_scim_removes_their_memberships() {
    let app = spawn_app().await;
    let owner = id_of(&app.create_user("owner@example.com").await);
    let user = id_of(&app.create_user("u@example.com").await);
    let team = id_of(&app.create_group("Team", &[&user]).await);
    let p = project(&app, "Lifecycle", Some(&owner)).await;
    add(&app, &team, &p, json!({ "access_level": "admin" }))
        .await
        .expect(201);
    add(&app, &user, &p, json!({ "access_level": "viewer" }))
        .await
        .expect(201);
    assert_eq!(memberships_of(&app, &p).await.len(), 3);

    assert_eq!(app.delete(&format!("/Groups/{team}")).await.status(), 204);
    let left = memberships_of(&app, &p).await;
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|m| m["member"]["resource_type"] == "user"));
    // Audited with the delete (the two newest events, in either order within one instant).
    let mut newest = audit_actions(&app).await[..2].to_vec();
    newest.sort();
    assert_eq!(
        newest,
        ["group.deleted", "project_memberships.member_deleted"]
    );

    assert_eq!(app.delete(&format!("/Users/{user}")).await.status(), 204);
    assert_eq!(memberships_of(&app, &p).await.len(), 1);
    // The owner's deletion leaves the project without owner or members.
    assert_eq!(app.delete(&format!("/Users/{owner}")).await.status(), 204);
    assert!(memberships_of(&app, &p).await.is_empty());
    let project = root(&app, Method::GET, &format!("/projects/{p}"), None)
        .await
        .expect(200);
    assert_eq!(project.body["owner"], Value::Null);
}
