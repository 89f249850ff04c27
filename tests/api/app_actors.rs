//! App actors (issue 14): CRUD apart from people, explicit grants, tokens carrying a subset of
//! them, decisions that intersect grants with the user a token acts for and the org settings,
//! audit attribution to the actor, and survival of the creator's departure.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{spawn_app, Reply, TestApp};
use crate::governance::{api, assert_problem, root, user_with_role};

/// Creates an actor as the super admin; its body.
pub async fn actor(app: &TestApp, name: &str, grants: Value) -> Value {
    root(
        app,
        Method::POST,
        "/app-actors",
        Some(json!({ "name": name, "grants": grants })),
    )
    .await
    .expect(201)
    .body
}

/// Issues a token for an actor as the super admin; the reply.
pub async fn issue(app: &TestApp, actor_id: &str, body: Value) -> Reply {
    root(
        app,
        Method::POST,
        &format!("/app-actors/{actor_id}/tokens"),
        Some(body),
    )
    .await
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn deactivate_over_scim(app: &TestApp, user: &str) {
    app.patch_ops(
        &format!("/Users/{user}"),
        json!([{ "op": "replace", "path": "active", "value": false }]),
    )
    .await
    .expect(200);
}

#[actix_web::test]
async fn an_app_actor_is_created_read_listed_changed_and_never_counted_as_a_user() {
    let app = spawn_app().await;
    let users_before = root(&app, Method::GET, "/users", None)
        .await
        .expect(200)
        .body;
    let a = actor(
        &app,
        "Sync bot",
        json!([{ "resource": "users", "access": "read" },
               { "resource": "projects", "access": "write", "projects": ["p2", "p1"] }]),
    )
    .await;
    assert_eq!(a["active"], true);
    assert_eq!(a["created_via"], "admin");
    assert_eq!(a["grants"].as_array().unwrap().len(), 2);
    let aid = id(&a);
    let got = root(&app, Method::GET, &format!("/app-actors/{aid}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(got["name"], "Sync bot");
    let list = root(&app, Method::GET, "/app-actors", None)
        .await
        .expect(200)
        .body;
    assert_eq!(list["app_actors"].as_array().unwrap().len(), 1);
    // Never a user: the user list is unchanged.
    let users_after = root(&app, Method::GET, "/users", None)
        .await
        .expect(200)
        .body;
    assert_eq!(users_before, users_after);
    // A taken name is a 409; bad input changes nothing.
    let clash = root(
        &app,
        Method::POST,
        "/app-actors",
        Some(json!({ "name": "Sync bot" })),
    )
    .await;
    assert_problem(&clash, 409, "already exists");
    for bad in [
        json!({ "name": "" }),
        json!({ "name": "x", "grants": [{ "resource": "everything", "access": "read" }] }),
        json!({ "name": "x", "grants": [{ "resource": "users", "access": "read", "projects": ["p"] }] }),
        json!({ "name": "x", "owner": { "kind": "user", "id": "nobody" } }),
        json!({ "name": "x", "surprise": 1 }),
    ] {
        let reply = root(&app, Method::POST, "/app-actors", Some(bad.clone())).await;
        assert!(
            reply.status == 400 || reply.status == 422,
            "{bad}: {}",
            reply.text
        );
    }
    let list = root(&app, Method::GET, "/app-actors", None)
        .await
        .expect(200)
        .body;
    assert_eq!(list["app_actors"].as_array().unwrap().len(), 1);
    let changed = root(
        &app,
        Method::PATCH,
        &format!("/app-actors/{aid}"),
        Some(
            json!({ "name": "Sync bot 2", "grants": [{ "resource": "users", "access": "read" }] }),
        ),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(changed["name"], "Sync bot 2");
    assert_eq!(
        changed["grants"],
        json!([{ "resource": "users", "access": "read" }])
    );
    root(&app, Method::DELETE, &format!("/app-actors/{aid}"), None)
        .await
        .expect(204);
    root(&app, Method::GET, &format!("/app-actors/{aid}"), None)
        .await
        .expect(404);
}

#[actix_web::test]
async fn a_token_carries_a_subset_of_its_actors_grants_and_asking_for_more_is_a_422() {
    let app = spawn_app().await;
    let a = actor(
        &app,
        "Reporter",
        json!([{ "resource": "audit_events", "access": "read" },
               { "resource": "projects", "access": "read", "projects": ["p1"] }]),
    )
    .await;
    let aid = id(&a);
    for more in [
        json!([{ "resource": "users", "access": "read" }]),
        json!([{ "resource": "audit_events", "access": "write" }]),
        json!([{ "resource": "projects", "access": "read" }]),
        json!([{ "resource": "projects", "access": "read", "projects": ["p1", "p2"] }]),
    ] {
        let reply = issue(&app, &aid, json!({ "name": "t", "grants": more })).await;
        assert_problem(&reply, 422, "subset");
    }
    let t = issue(
        &app,
        &aid,
        json!({ "name": "audit reader", "grants": [{ "resource": "audit_events", "access": "read" }] }),
    )
    .await
    .expect(201)
    .body;
    let token = t["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("gaa_"));
    // What the token carries works; what it doesn't is a 403 naming the grant.
    api(&app, &token, Method::GET, "/audit-events", None)
        .await
        .expect(200);
    let reply = api(&app, &token, Method::GET, "/users", None).await;
    assert_problem(&reply, 403, "users");
    // App actors never manage app actors, whatever they hold.
    let reply = api(&app, &token, Method::GET, "/app-actors", None).await;
    assert_eq!(reply.status, 403);
    // The listing shows the token's grants, never its secret.
    let list = root(
        &app,
        Method::GET,
        &format!("/app-actors/{aid}/tokens"),
        None,
    )
    .await
    .expect(200)
    .body;
    let listed = &list["tokens"][0];
    assert_eq!(
        listed["grants"],
        json!([{ "resource": "audit_events", "access": "read" }])
    );
    assert!(listed.get("token").is_none());
    // Narrowing the actor's grants narrows its tokens at once.
    root(
        &app,
        Method::PATCH,
        &format!("/app-actors/{aid}"),
        Some(json!({ "grants": [] })),
    )
    .await
    .expect(200);
    let reply = api(&app, &token, Method::GET, "/audit-events", None).await;
    assert_eq!(reply.status, 403);
    // Revoked: 401.
    let tid = t["id"].as_str().unwrap();
    root(
        &app,
        Method::DELETE,
        &format!("/app-actors/{aid}/tokens/{tid}"),
        None,
    )
    .await
    .expect(204);
    api(&app, &token, Method::GET, "/audit-events", None)
        .await
        .expect(401);
}

#[actix_web::test]
async fn acting_for_a_user_needs_both_the_grant_and_the_users_permission() {
    let app = spawn_app().await;
    let (member, _) = user_with_role(&app, "mem@example.com", "member").await;
    let (admin, _) = user_with_role(&app, "adm@example.com", "admin").await;
    let a = actor(
        &app,
        "Helper",
        json!([{ "resource": "audit_events", "access": "read" }]),
    )
    .await;
    let aid = id(&a);
    let for_member = issue(&app, &aid, json!({ "name": "m", "on_behalf_of": member }))
        .await
        .expect(201)
        .body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let for_admin = issue(&app, &aid, json!({ "name": "a", "on_behalf_of": admin }))
        .await
        .expect(201)
        .body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The grant allows it, the member may not read the audit trail: refused.
    let reply = api(&app, &for_member, Method::GET, "/audit-events", None).await;
    assert_problem(&reply, 403, "read_audit_trail");
    // Both allow it.
    api(&app, &for_admin, Method::GET, "/audit-events", None)
        .await
        .expect(200);
    // The user allows it, the grant doesn't: refused.
    let reply = api(&app, &for_admin, Method::GET, "/users", None).await;
    assert_eq!(reply.status, 403);
    // A deactivated user: refused with the reason.
    deactivate_over_scim(&app, &admin).await;
    let reply = api(&app, &for_admin, Method::GET, "/audit-events", None).await;
    assert_problem(&reply, 403, "deactivated");
    // A user of nowhere is bad input.
    let reply = issue(&app, &aid, json!({ "name": "x", "on_behalf_of": "nobody" })).await;
    assert_problem(&reply, 422, "on_behalf_of");
}

#[actix_web::test]
async fn every_action_of_an_app_actor_is_attributed_to_it_with_its_credential() {
    let app = spawn_app().await;
    let (admin, _) = user_with_role(&app, "boss@example.com", "admin").await;
    let a = actor(
        &app,
        "Revoker",
        json!([{ "resource": "tokens", "access": "write" },
               { "resource": "audit_events", "access": "read" }]),
    )
    .await;
    let aid = id(&a);
    let t = issue(&app, &aid, json!({ "name": "r", "on_behalf_of": admin }))
        .await
        .expect(201)
        .body;
    let token = t["token"].as_str().unwrap().to_owned();
    let tid = t["id"].as_str().unwrap().to_owned();
    // The admin's own personal token, revoked by the app acting for them.
    let (victim, pat) = user_with_role(&app, "v@example.com", "member").await;
    let listed = root(&app, Method::GET, &format!("/tokens?owner={victim}"), None)
        .await
        .expect(200)
        .body;
    let pat_id = listed["tokens"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed["tokens"].as_array().unwrap().len(), 1);
    api(
        &app,
        &token,
        Method::DELETE,
        &format!("/tokens/{pat_id}"),
        None,
    )
    .await
    .expect(204);
    api(&app, &pat, Method::GET, "/me", None).await.expect(401);
    let events = root(
        &app,
        Method::GET,
        "/audit-events?actor_kind=app_actor",
        None,
    )
    .await
    .expect(200)
    .body;
    let events = events["events"].as_array().unwrap();
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["actor_kind"] == "app_actor"));
    let revoked = events
        .iter()
        .find(|e| e["action"] == "token.revoked")
        .expect("the revocation is attributed to the app actor");
    assert_eq!(revoked["actor_id"], aid);
    assert_eq!(revoked["on_behalf_of"], admin);
    let details: Value = serde_json::from_str(revoked["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["credential"], tid);
    // The filter leaves people's events out, and refuses unknown kinds.
    let people = root(&app, Method::GET, "/audit-events?actor_kind=user", None)
        .await
        .expect(200)
        .body;
    assert!(people["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor_kind"] == "user"));
    root(&app, Method::GET, "/audit-events?actor_kind=robot", None)
        .await
        .expect(400);
}

#[actix_web::test]
async fn an_app_actor_outlives_its_creators_deactivation_and_deletion() {
    let app = spawn_app().await;
    let (creator, creator_token) = user_with_role(&app, "dev@example.com", "super_admin").await;
    let a = api(
        &app,
        &creator_token,
        Method::POST,
        "/app-actors",
        Some(
            json!({ "name": "Nightly", "owner": { "kind": "user", "id": creator },
                     "grants": [{ "resource": "audit_events", "access": "read" }] }),
        ),
    )
    .await
    .expect(201)
    .body;
    assert_eq!(a["created_by"], creator);
    let aid = id(&a);
    let token = api(
        &app,
        &creator_token,
        Method::POST,
        &format!("/app-actors/{aid}/tokens"),
        Some(json!({ "name": "nightly" })),
    )
    .await
    .expect(201)
    .body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    deactivate_over_scim(&app, &creator).await;
    api(&app, &creator_token, Method::GET, "/me", None)
        .await
        .expect(401);
    api(&app, &token, Method::GET, "/audit-events", None)
        .await
        .expect(200);
    app.delete(&format!("/Users/{creator}")).await;
    api(&app, &token, Method::GET, "/audit-events", None)
        .await
        .expect(200);
    root(&app, Method::GET, &format!("/app-actors/{aid}"), None)
        .await
        .expect(200);
}

#[actix_web::test]
async fn a_deactivated_or_deleted_actor_is_refused_and_org_settings_refuse_with_a_reason() {
    let app = spawn_app().await;
    let a = actor(
        &app,
        "Ops",
        json!([{ "resource": "audit_events", "access": "read" }]),
    )
    .await;
    let aid = id(&a);
    let token = issue(&app, &aid, json!({ "name": "ops" }))
        .await
        .expect(201)
        .body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/app-actors/{aid}");
    root(&app, Method::PATCH, &path, Some(json!({ "active": false })))
        .await
        .expect(200);
    api(&app, &token, Method::GET, "/audit-events", None)
        .await
        .expect(401);
    root(&app, Method::PATCH, &path, Some(json!({ "active": true })))
        .await
        .expect(200);
    api(&app, &token, Method::GET, "/audit-events", None)
        .await
        .expect(200);
    // External automation off: refused, saying why.
    let settings = |on: bool| json!({ "app_mode": "allow_all", "external_automation": on, "approval_recipients": null });
    root(&app, Method::PUT, "/apps/settings", Some(settings(false)))
        .await
        .expect(200);
    let reply = api(&app, &token, Method::GET, "/audit-events", None).await;
    assert_problem(&reply, 403, "external_automation");
    root(&app, Method::PUT, "/apps/settings", Some(settings(true)))
        .await
        .expect(200);
    // Apps turned off for the organization.
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "apps": false })),
    )
    .await
    .expect(200);
    let reply = api(&app, &token, Method::GET, "/audit-events", None).await;
    assert_problem(&reply, 403, "apps");
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "apps": true })),
    )
    .await
    .expect(200);
    // Deleting the actor revokes its tokens.
    root(&app, Method::DELETE, &path, None).await.expect(204);
    api(&app, &token, Method::GET, "/audit-events", None)
        .await
        .expect(401);
}

#[actix_web::test]
async fn another_organizations_app_actors_are_not_found() {
    let app = spawn_app().await;
    let a = actor(&app, "Ours", json!([])).await;
    let aid = id(&a);
    let other = app.other_organization("other.test");
    let t = other.admin_token.clone();
    for (method, path, body) in [
        (Method::GET, format!("/app-actors/{aid}"), None),
        (
            Method::PATCH,
            format!("/app-actors/{aid}"),
            Some(json!({ "name": "x" })),
        ),
        (Method::DELETE, format!("/app-actors/{aid}"), None),
        (Method::GET, format!("/app-actors/{aid}/tokens"), None),
        (
            Method::POST,
            format!("/app-actors/{aid}/tokens"),
            Some(json!({ "name": "x" })),
        ),
    ] {
        api(&app, &t, method, &path, body).await.expect(404);
    }
    let theirs = api(&app, &t, Method::GET, "/app-actors", None)
        .await
        .expect(200)
        .body;
    assert_eq!(theirs["app_actors"], json!([]));
    root(&app, Method::GET, &format!("/app-actors/{aid}"), None)
        .await
        .expect(200);
}

#[actix_web::test]
async fn authorize_answers_for_an_app_actor_with_the_reason_chain() {
    let app = spawn_app().await;
    let (member, _) = user_with_role(&app, "m@example.com", "member").await;
    let a = actor(
        &app,
        "Planner",
        json!([{ "resource": "projects", "access": "write", "projects": ["p1"] },
               { "resource": "users", "access": "read" }]),
    )
    .await;
    let aid = id(&a);
    let ask = |body: Value| {
        let app = &app;
        async move {
            root(app, Method::POST, "/authorize", Some(body))
                .await
                .expect(200)
                .body
        }
    };
    let d = ask(
        json!({ "app_actor_id": aid, "resource": "projects", "access": "write",
                        "project_id": "p1" }),
    )
    .await;
    assert_eq!(d["allowed"], true, "{d}");
    let d = ask(
        json!({ "app_actor_id": aid, "resource": "projects", "access": "write",
                        "project_id": "p2" }),
    )
    .await;
    assert_eq!(d["allowed"], false);
    assert_eq!(d["denied_by"], "grant");
    assert!(d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == "project_not_in_grant"));
    let d = ask(json!({ "app_actor_id": aid, "resource": "groups", "access": "read" })).await;
    assert_eq!(d["denied_by"], "grant");
    // Acting for a member who may not view members: the user link refuses.
    let d = ask(
        json!({ "app_actor_id": aid, "resource": "users", "access": "read",
                        "on_behalf_of": member }),
    )
    .await;
    assert_eq!(d["allowed"], false);
    assert_eq!(d["denied_by"], "user");
    let d = ask(json!({ "app_actor_id": aid, "resource": "users", "access": "read" })).await;
    assert_eq!(d["allowed"], true);
    // An org setting.
    root(
        &app,
        Method::PUT,
        "/apps/settings",
        Some(
            json!({ "app_mode": "allow_all", "external_automation": false,
                     "approval_recipients": null }),
        ),
    )
    .await
    .expect(200);
    let d = ask(json!({ "app_actor_id": aid, "resource": "users", "access": "read" })).await;
    assert_eq!(d["denied_by"], "org_setting");
    // Unknown actor: 404; bad input: 422.
    root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "app_actor_id": "nope", "resource": "users", "access": "read" })),
    )
    .await
    .expect(404);
    let reply = root(
        &app,
        Method::POST,
        "/authorize",
        Some(json!({ "app_actor_id": aid, "resource": "everything", "access": "read" })),
    )
    .await;
    assert!(reply.status == 400 || reply.status == 422, "{}", reply.text);
}

#[actix_web::test]
async fn an_app_actor_token_is_introspected_and_follows_the_service_account_policy() {
    use gatehouse::governance::tokens::policy::sweep_expiry_warnings;

    let app = spawn_app().await;
    let a = actor(
        &app,
        "Introspected",
        json!([{ "resource": "audit_events", "access": "read" }]),
    )
    .await;
    let t = issue(
        &app,
        &id(&a),
        json!({ "name": "reader", "grants": [{ "resource": "audit_events", "access": "read" }] }),
    )
    .await
    .expect(201)
    .body;
    let token = t["token"].as_str().unwrap().to_owned();
    let introspect = |token: String| {
        let app = &app;
        async move {
            root(
                app,
                Method::POST,
                "/tokens/introspect",
                Some(json!({ "token": token })),
            )
            .await
            .expect(200)
            .body
        }
    };
    let seen = introspect(token.clone()).await;
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["kind"], "app_actor");
    assert_eq!(seen["owner"], id(&a));
    assert_eq!(
        seen["grants"],
        json!([{ "resource": "audit_events", "access": "read" }])
    );
    assert_eq!(seen["scopes"], json!(["read_audit_trail"]));
    // The service-account policy re-dates app actors' tokens too (never later).
    root(
        &app,
        Method::PUT,
        "/tokens/policy",
        Some(json!({ "service_account": 30 })),
    )
    .await
    .expect(200);
    let redated = introspect(token.clone()).await;
    let at = chrono::NaiveDateTime::parse_from_str(
        redated["expires_at"].as_str().unwrap(),
        "%Y-%m-%dT%H:%M:%S%.f",
    )
    .unwrap();
    let days = (at - gatehouse::clock::now()).num_days();
    assert!((29..=30).contains(&days), "{redated}");
    // Within a week of expiry, its issuer is warned like for a service account's token.
    let factory = gatehouse::db::ConnectionFactory::new(&app.database.url).unwrap();
    let mut conn = factory.open().unwrap();
    let written = sweep_expiry_warnings(&mut conn, at - chrono::Duration::days(3)).unwrap();
    assert_eq!(written, 1);
    // A deactivated actor's token is not active.
    root(
        &app,
        Method::PATCH,
        &format!("/app-actors/{}", id(&a)),
        Some(json!({ "active": false })),
    )
    .await
    .expect(200);
    assert_eq!(introspect(token).await, json!({ "active": false }));
}

#[actix_web::test]
async fn acting_for_a_user_on_a_project_needs_the_users_access_level_there() {
    use crate::projects::{add, project};

    let app = spawn_app().await;
    let (member, _) = user_with_role(&app, "viewer@example.com", "member").await;
    let p = project(&app, "Roadmap", None).await;
    add(&app, &member, &p, json!({ "access_level": "viewer" }))
        .await
        .expect(201);
    let a = actor(
        &app,
        "Planner bot",
        json!([{ "resource": "projects", "access": "write" },
               { "resource": "projects", "access": "read" }]),
    )
    .await;
    let ask = |access: &'static str, project: String| {
        let (app, aid, member) = (&app, id(&a), member.clone());
        async move {
            root(
                app,
                Method::POST,
                "/authorize",
                Some(
                    json!({ "app_actor_id": aid, "resource": "projects", "access": access,
                             "project_id": project, "on_behalf_of": member }),
                ),
            )
            .await
            .expect(200)
            .body
        }
    };
    // A viewer may have the app read the project for them, not edit it.
    let read = ask("read", p.clone()).await;
    assert_eq!(read["allowed"], true, "{read}");
    assert!(
        read["reasons"].to_string().contains("gives viewer"),
        "{read}"
    );
    let write = ask("write", p.clone()).await;
    assert_eq!(write["allowed"], false, "{write}");
    assert_eq!(write["denied_by"], "user");
    assert!(write["reasons"].to_string().contains("project_level"));
    // Without the app acting for anyone, the grant alone decides.
    let alone = root(
        &app,
        Method::POST,
        "/authorize",
        Some(
            json!({ "app_actor_id": id(&a), "resource": "projects", "access": "write",
                     "project_id": p }),
        ),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(alone["allowed"], true, "{alone}");
    // A project the user has no membership in.
    let other = project(&app, "Elsewhere", None).await;
    let none = ask("read", other).await;
    assert_eq!(none["allowed"], false, "{none}");
}
