//! Moving an integration off a personal access token onto an app actor (issue 14): the grants a
//! personal token uses are recorded, proposed (last 90 days only), and confirming creates the
//! actor, issues its token and revokes the personal one (the owner notified, all audited).

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{raw, spawn_app, TestApp};
use crate::governance::{api, assert_problem, root, user_with_role};
use crate::tokens_personal::{notices, second_org};

/// An admin's personal token named `name` expiring in 3 days (so the at-risk report lists
/// it): its id and secret.
async fn integration_token(app: &TestApp, name: &str) -> (String, String, String) {
    let (owner, bootstrap) = user_with_role(app, &format!("{name}@example.com"), "admin").await;
    let (id, secret) = new_token(
        app,
        &bootstrap,
        json!({ "name": name, "expires_in_days": 3 }),
    )
    .await;
    (owner, id, secret)
}

/// A personal token created with `bearer` (its owner's): its id and secret.
async fn new_token(app: &TestApp, bearer: &str, body: Value) -> (String, String) {
    let created = api(app, bearer, Method::POST, "/tokens", Some(body))
        .await
        .expect(201)
        .body;
    (
        created["id"].as_str().unwrap().to_owned(),
        created["token"].as_str().unwrap().to_owned(),
    )
}

/// The integration's two kinds of calls: people (`users` `read`) and the audit trail
/// (`audit_events` `read`), each twice.
async fn run_integration(app: &TestApp, token: &str) {
    for _ in 0..2 {
        api(app, token, Method::GET, "/users", None)
            .await
            .expect(200);
        api(app, token, Method::GET, "/audit-events", None)
            .await
            .expect(200);
    }
}

async fn propose(app: &TestApp, token_id: &str) -> Value {
    root(
        app,
        Method::POST,
        "/app-actors/proposals",
        Some(json!({ "token_id": token_id })),
    )
    .await
    .expect(200)
    .body
}

fn grants_of(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            assert!(g.get("projects").is_none(), "org-wide: {g}");
            (
                g["resource"].as_str().unwrap().to_owned(),
                g["access"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<_> = list
        .iter()
        .map(|(k, a)| ((*k).to_owned(), (*a).to_owned()))
        .collect();
    out.sort();
    out
}

#[actix_web::test]
async fn a_move_proposes_the_grants_the_token_used_and_confirming_swaps_the_credentials() {
    let app = spawn_app().await;
    let (owner, token_id, token) = integration_token(&app, "ci-sync").await;
    // Nothing used yet: nothing proposed.
    assert_eq!(propose(&app, &token_id).await["grants"], json!([]));
    run_integration(&app, &token).await;
    // A call that needs no grant records nothing.
    api(&app, &token, Method::GET, "/me", None)
        .await
        .expect(200);

    let proposal = propose(&app, &token_id).await;
    assert_eq!(
        grants_of(&proposal["grants"]),
        pairs(&[("users", "read"), ("audit_events", "read")])
    );
    assert_eq!(proposal["token_id"], token_id);
    assert_eq!(proposal["suggested_name"], "ci-sync");
    assert_eq!(proposal["owner_id"], owner);
    assert_eq!(proposal["owner_user_name"], "ci-sync@example.com");
    assert!(proposal["last_used_at"].is_string(), "{proposal}");
    assert_eq!(
        proposal["confirm"],
        json!({ "method": "POST", "path": "/api/v1/app-actors/proposals/confirm" })
    );

    let done = root(
        &app,
        Method::POST,
        "/app-actors/proposals/confirm",
        Some(json!({ "token_id": token_id })),
    )
    .await
    .expect(201)
    .body;
    let actor = &done["app_actor"];
    assert_eq!(actor["name"], "ci-sync");
    assert_eq!(actor["owner"], json!({ "kind": "user", "id": owner }));
    assert_eq!(
        grants_of(&actor["grants"]),
        pairs(&[("users", "read"), ("audit_events", "read")])
    );
    assert_eq!(done["revoked_token_id"], token_id);
    let new_token = done["token"]["token"].as_str().unwrap().to_owned();
    assert!(new_token.starts_with("gaa_"));

    // The new token does what the integration did, and nothing else.
    run_integration(&app, &new_token).await;
    let reply = api(&app, &new_token, Method::GET, "/tokens", None).await;
    assert_problem(&reply, 403, "tokens");
    // The old token is refused at once (it was in the credential cache a moment ago).
    let reply = api(&app, &token, Method::GET, "/users", None).await;
    assert_eq!(reply.status, 401, "{}", reply.text);

    // The owner is told, as when an admin revokes their token.
    let sent: Vec<_> = notices(&app, "token.revoked")
        .into_iter()
        .filter(|(_, n)| n["data"]["token_id"] == token_id.as_str())
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1["recipients"], json!([owner]));
    assert_eq!(sent[0].1["data"]["reason"], "moved_to_app_actor");

    // Audited: the actor, its token, the revocation and the move, by the super admin.
    let events = root(&app, Method::GET, "/audit-events?limit=20", None)
        .await
        .expect(200)
        .body;
    let events = events["events"].as_array().unwrap();
    let find = |action: &str| {
        let mut event = events
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {events:?}"))
            .clone();
        event["details"] = serde_json::from_str(event["details"].as_str().unwrap()).unwrap();
        event
    };
    let moved = find("app_actor.moved_from_personal_token");
    assert_eq!(moved["actor_id"], app.creds.admin_user_id.to_string());
    assert_eq!(moved["target_id"], actor["id"]);
    assert_eq!(moved["details"]["personal_token_id"], token_id);
    assert_eq!(moved["details"]["token_id"], done["token"]["id"]);
    assert_eq!(find("app_actor.created")["target_id"], actor["id"]);
    let revoked = find("token.revoked");
    assert_eq!(revoked["target_id"], token_id);
    assert_eq!(revoked["details"]["reason"], "moved_to_app_actor");
    assert!(events
        .iter()
        .any(|e| e["action"] == "token.created" && e["target_id"] == done["token"]["id"]));

    // Moved once: the token is revoked now, so a second move is a conflict.
    let again = root(
        &app,
        Method::POST,
        "/app-actors/proposals/confirm",
        Some(json!({ "token_id": token_id })),
    )
    .await;
    assert_problem(&again, 409, "revoked");
    let reply = root(
        &app,
        Method::POST,
        "/app-actors/proposals",
        Some(json!({ "token_id": token_id })),
    )
    .await;
    assert_problem(&reply, 409, "revoked");
}

#[actix_web::test]
async fn a_grant_used_more_than_90_days_ago_is_not_proposed() {
    let app = spawn_app().await;
    let (_, token_id, token) = integration_token(&app, "old-job").await;
    run_integration(&app, &token).await;
    // The people read happened 91 days ago, as far as the record goes.
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(91))
        .format("%Y-%m-%d 00:00:00")
        .to_string();
    let mut conn = raw::connect(&app.database.url);
    let changed = raw::execute(
        &mut conn,
        &format!(
            "UPDATE personal_token_grants_used SET used_on = '{long_ago}' \
             WHERE token_id = '{token_id}' AND resource_kind = 'users'"
        ),
    );
    assert_eq!(changed, 1, "one row per token, grant and day");
    let proposal = propose(&app, &token_id).await;
    assert_eq!(
        grants_of(&proposal["grants"]),
        pairs(&[("audit_events", "read")])
    );
    // Confirming gives the actor only what was proposed.
    let done = root(
        &app,
        Method::POST,
        "/app-actors/proposals/confirm",
        Some(json!({ "token_id": token_id, "name": "Old job" })),
    )
    .await
    .expect(201)
    .body;
    assert_eq!(done["app_actor"]["name"], "Old job");
    let new_token = done["token"]["token"].as_str().unwrap();
    let reply = api(&app, new_token, Method::GET, "/users", None).await;
    assert_problem(&reply, 403, "users");
}

#[actix_web::test]
async fn a_confirmation_takes_a_subset_of_the_proposal_and_refuses_more_changing_nothing() {
    let app = spawn_app().await;
    let (_, token_id, token) = integration_token(&app, "reporter").await;
    run_integration(&app, &token).await;
    let confirm = |body: Value| {
        let app = &app;
        async move {
            root(
                app,
                Method::POST,
                "/app-actors/proposals/confirm",
                Some(body),
            )
            .await
        }
    };
    // More than was used is a 422; a taken name a 409; bad input a 400 or 422.
    let reply = confirm(json!({
        "token_id": token_id,
        "grants": [{ "resource": "tokens", "access": "write" }],
    }))
    .await;
    assert_problem(&reply, 422, "grants");
    root(
        &app,
        Method::POST,
        "/app-actors",
        Some(json!({ "name": "reporter" })),
    )
    .await
    .expect(201);
    let reply = confirm(json!({ "token_id": token_id })).await;
    assert_problem(&reply, 409, "already exists");
    for bad in [
        json!({ "token_id": token_id, "surprise": true }),
        json!({}),
        json!({ "token_id": token_id, "name": "" }),
    ] {
        let reply = confirm(bad.clone()).await;
        assert!(
            reply.status == 400 || reply.status == 422,
            "{bad}: {}",
            reply.text
        );
    }
    // Nothing changed: one actor (the one made above), the personal token still works.
    let list = root(&app, Method::GET, "/app-actors", None)
        .await
        .expect(200)
        .body;
    assert_eq!(list["app_actors"].as_array().unwrap().len(), 1);
    api(&app, &token, Method::GET, "/users", None)
        .await
        .expect(200);
    assert!(notices(&app, "token.revoked").is_empty());

    let done = confirm(json!({
        "token_id": token_id,
        "name": "Reporter bot",
        "grants": [{ "resource": "audit_events", "access": "read" }],
    }))
    .await
    .expect(201)
    .body;
    assert_eq!(
        grants_of(&done["token"]["grants"]),
        pairs(&[("audit_events", "read")])
    );
    let new_token = done["token"]["token"].as_str().unwrap();
    api(&app, new_token, Method::GET, "/audit-events", None)
        .await
        .expect(200);
    let reply = api(&app, new_token, Method::GET, "/users", None).await;
    assert_problem(&reply, 403, "users");
}

#[actix_web::test]
async fn another_organizations_token_is_a_404_and_only_super_admins_move_tokens() {
    let app = spawn_app().await;
    let other = second_org(&app);
    let theirs = api(&app, &other.admin_token, Method::GET, "/tokens", None)
        .await
        .expect(200)
        .body;
    let their_id = theirs["tokens"][0]["id"].as_str().unwrap().to_owned();
    for path in ["/app-actors/proposals", "/app-actors/proposals/confirm"] {
        for id in [their_id.as_str(), "no-such-token"] {
            let reply = root(&app, Method::POST, path, Some(json!({ "token_id": id }))).await;
            assert_problem(&reply, 404, "no such personal access token");
        }
    }
    // Their token still works: nothing moved.
    api(&app, &other.admin_token, Method::GET, "/me", None)
        .await
        .expect(200);
    // An admin (not super admin) may not move even their own token.
    let (_, token_id, token) = integration_token(&app, "admin-own").await;
    let reply = api(
        &app,
        &token,
        Method::POST,
        "/app-actors/proposals",
        Some(json!({ "token_id": token_id })),
    )
    .await;
    assert_problem(&reply, 403, "manage_org_settings");
}

#[actix_web::test]
async fn the_at_risk_report_links_each_token_to_the_move_proposal() {
    let app = spawn_app().await;
    let (_, token_id, _) = integration_token(&app, "expiring-job").await;
    let report = root(&app, Method::GET, "/tokens/at-risk", None)
        .await
        .expect(200)
        .body;
    let listed = report["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == token_id.as_str())
        .unwrap_or_else(|| panic!("{token_id} not at risk: {report}"))
        .clone();
    assert_eq!(listed["reasons"], json!(["expiring"]));
    let link = &listed["move_to_app_actor"];
    assert_eq!(
        link,
        &json!({ "method": "POST", "path": "/api/v1/app-actors/proposals" })
    );
    // The link answers with the proposal for that token.
    let path = link["path"].as_str().unwrap().trim_start_matches("/api/v1");
    let proposal = root(
        &app,
        Method::POST,
        path,
        Some(json!({ "token_id": token_id })),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(proposal["token_id"], token_id);
}

#[actix_web::test]
async fn revoking_someone_elses_token_counts_as_a_tokens_write_and_ones_own_does_not() {
    let app = spawn_app().await;
    let (_, token_id, token) = integration_token(&app, "janitor").await;
    // Its own second token: revoking it needs no admin permission.
    let (own_id, _) = new_token(&app, &token, json!({ "name": "spare" })).await;
    api(
        &app,
        &token,
        Method::DELETE,
        &format!("/tokens/{own_id}"),
        None,
    )
    .await
    .expect(204);
    assert_eq!(propose(&app, &token_id).await["grants"], json!([]));
    // A member's token: the admin permission, so the `tokens` `write` grant.
    let (member, _) = user_with_role(&app, "m@example.com", "member").await;
    let theirs = root(&app, Method::GET, &format!("/tokens?owner={member}"), None)
        .await
        .expect(200)
        .body;
    let their_id = theirs["tokens"][0]["id"].as_str().unwrap();
    api(
        &app,
        &token,
        Method::DELETE,
        &format!("/tokens/{their_id}"),
        None,
    )
    .await
    .expect(204);
    assert_eq!(
        grants_of(&propose(&app, &token_id).await["grants"]),
        pairs(&[("tokens", "write")])
    );
}

#[actix_web::test]
async fn a_use_this_instance_recorded_today_costs_no_further_write() {
    let app = spawn_app().await;
    let (_, token_id, token) = integration_token(&app, "busy").await;
    run_integration(&app, &token).await;
    assert_eq!(
        grants_of(&propose(&app, &token_id).await["grants"]).len(),
        2
    );
    // Take the rows away behind the instance's back: the same uses today write nothing again
    // (the instance remembers them), so nothing comes back.
    let mut conn = raw::connect(&app.database.url);
    raw::execute(
        &mut conn,
        &format!("DELETE FROM personal_token_grants_used WHERE token_id = '{token_id}'"),
    );
    run_integration(&app, &token).await;
    assert_eq!(propose(&app, &token_id).await["grants"], json!([]));
    // A grant not used before today is written.
    api(&app, &token, Method::GET, "/tokens", None)
        .await
        .expect(200);
    assert_eq!(
        grants_of(&propose(&app, &token_id).await["grants"]),
        pairs(&[("tokens", "write")])
    );
}
