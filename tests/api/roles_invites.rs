//! Joining the organization by invite (`/api/v1/invites`): which role an invitee gets (an
//! admin's choice first, then the inviting role's invite default, then the org default for their
//! type; the first invite wins), guest invites and trusted domains, delegation, the admin
//! listing and role changes, revoke and accept, tenancy, and the audit trail.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{id_of, spawn_app, Reply, TestApp};
use crate::governance::{api, assert_problem, custom_role, root, user_with_role};

async fn invite(app: &TestApp, token: &str, email: &str, role: Option<&str>) -> Reply {
    let mut body = json!({ "email": email });
    if let Some(role) = role {
        body["role_id"] = json!(role);
    }
    api(app, token, Method::POST, "/invites", Some(body)).await
}

/// Accepts an invite as the bootstrap super admin (the host application's admin token).
async fn accept(app: &TestApp, id: &str) -> Reply {
    root(app, Method::POST, &format!("/invites/{id}/accept"), None).await
}

fn id(reply: &Reply) -> String {
    reply.body["id"].as_str().unwrap().to_owned()
}

async fn set_role_defaults(app: &TestApp, role: &str, body: Value) {
    root(app, Method::PATCH, &format!("/roles/{role}"), Some(body))
        .await
        .expect(200);
}

#[actix_web::test]
async fn a_member_invites_an_internal_address_and_the_invitee_gets_the_org_default() {
    let app = spawn_app().await;
    let (member, token) = user_with_role(&app, "m@example.com", "member").await;
    let reply = invite(&app, &token, "New.Person@Example.com", None)
        .await
        .expect(201);
    assert_eq!(reply.body["type"], "internal");
    assert_eq!(reply.body["status"], "pending");
    assert_eq!(reply.body["role_id"], Value::Null);
    assert_eq!(reply.body["invited_by"], member.as_str());
    assert_eq!(reply.body["inviter_role_id"], "member");
    assert_eq!(reply.body["resolved_role"], "member");
    assert_eq!(reply.body["role_source"], "org_default");
    // The org default at accept time is what counts.
    let starter = custom_role(&app, "Starter", "member", json!({})).await;
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "default_internal_role": starter })),
    )
    .await
    .expect(200);
    let before = root(&app, Method::GET, "/org/settings", None)
        .await
        .expect(200)
        .body["governance_version"]
        .as_i64()
        .unwrap();
    let accepted = accept(&app, &id(&reply)).await.expect(201).body;
    let user = &accepted["user"];
    assert_eq!(user["role"], starter.as_str());
    assert_eq!(user["role_source"], "invite");
    assert_eq!(user["type"], "internal");
    assert_eq!(user["user_name"], "New.Person@Example.com");
    assert_eq!(accepted["role_source"], "org_default");
    let after = root(&app, Method::GET, "/org/settings", None)
        .await
        .expect(200)
        .body["governance_version"]
        .as_i64()
        .unwrap();
    assert!(
        after > before,
        "creating a user bumps the governance version"
    );
    // The user is a directory user like any other.
    let user_id = user["id"].as_str().unwrap();
    let scim = app
        .get_reply(&format!("/Users/{user_id}"))
        .await
        .expect(200);
    assert_eq!(scim.body["userName"], "New.Person@Example.com");
    let invite = root(&app, Method::GET, &format!("/invites/{}", id(&reply)), None)
        .await
        .expect(200)
        .body;
    assert_eq!(invite["status"], "accepted");
    assert_eq!(invite["accepted_user_id"], user_id);
}

#[actix_web::test]
async fn an_external_invitee_gets_the_guest_default() {
    let app = spawn_app().await;
    let (_, token) = user_with_role(&app, "m@example.com", "member").await;
    let reply = invite(&app, &token, "g@partner.org", None)
        .await
        .expect(201);
    assert_eq!(reply.body["type"], "external");
    assert_eq!(reply.body["resolved_role"], "guest");
    let user = accept(&app, &id(&reply)).await.expect(201).body["user"].clone();
    assert_eq!(
        (&user["role"], &user["type"], &user["role_source"]),
        (&json!("guest"), &json!("external"), &json!("invite"))
    );
}

#[actix_web::test]
async fn an_admins_chosen_role_takes_precedence_over_an_earlier_invite() {
    let app = spawn_app().await;
    let (_, token) = user_with_role(&app, "m@example.com", "member").await;
    let first = id(&invite(&app, &token, "p@example.com", None)
        .await
        .expect(201));
    let chosen = invite(&app, &app.creds.admin_token, "P@example.com", Some("admin"))
        .await
        .expect(201);
    assert_eq!(chosen.body["resolved_role"], "admin");
    assert_eq!(chosen.body["role_source"], "chosen");
    // Accepting either invite gives the chosen role and closes both.
    let accepted = accept(&app, &first).await.expect(201).body;
    assert_eq!(accepted["user"]["role"], "admin");
    assert_eq!(accepted["decided_by"], id(&chosen).as_str());
    assert_eq!(accepted["role_source"], "chosen");
    assert_eq!(accepted["accepted_invites"], json!([first, id(&chosen)]));
    let pending = root(&app, Method::GET, "/invites", None).await.expect(200);
    assert_eq!(pending.body["total"], 0);
}

#[actix_web::test]
async fn with_several_invites_the_first_invites_role_wins_and_role_invite_defaults_apply() {
    let app = spawn_app().await;
    let alpha = custom_role(&app, "Alpha", "member", json!({})).await;
    let beta = custom_role(&app, "Beta", "member", json!({})).await;
    let contractor = custom_role(&app, "Contractor", "guest", json!({})).await;
    let lead_a = custom_role(&app, "Lead A", "member", json!({})).await;
    let lead_b = custom_role(&app, "Lead B", "member", json!({})).await;
    set_role_defaults(
        &app,
        &lead_a,
        json!({ "invite_default_internal_role": alpha, "invite_default_external_role": contractor }),
    )
    .await;
    set_role_defaults(
        &app,
        &lead_b,
        json!({ "invite_default_internal_role": beta }),
    )
    .await;
    let (_, a) = user_with_role(&app, "a@example.com", &lead_a).await;
    let (_, b) = user_with_role(&app, "b@example.com", &lead_b).await;
    let first = invite(&app, &a, "x@example.com", None).await.expect(201);
    assert_eq!(first.body["resolved_role"], alpha.as_str());
    assert_eq!(first.body["role_source"], "inviter_role_default");
    let second = invite(&app, &b, "x@example.com", None).await.expect(201);
    assert_eq!(second.body["resolved_role"], beta.as_str());
    let accepted = accept(&app, &id(&second)).await.expect(201).body;
    assert_eq!(accepted["user"]["role"], alpha.as_str(), "the first invite");
    assert_eq!(accepted["decided_by"], id(&first).as_str());
    // The external default of the inviting role, for a guest.
    let guest = invite(&app, &a, "c@partner.org", None).await.expect(201);
    assert_eq!(guest.body["resolved_role"], contractor.as_str());
    let accepted = accept(&app, &id(&guest)).await.expect(201).body;
    assert_eq!(accepted["user"]["role"], contractor.as_str());
    // Lead B sets no external default: its guests get the org's.
    let guest = invite(&app, &b, "d@partner.org", None).await.expect(201);
    assert_eq!(guest.body["resolved_role"], "guest");
    assert_eq!(guest.body["role_source"], "org_default");
}

#[actix_web::test]
async fn a_roles_invite_defaults_are_checked_shown_and_guard_deletion() {
    let app = spawn_app().await;
    let create = |body: Value| root(&app, Method::POST, "/roles", Some(body));
    let reply = create(
        json!({ "name": "R1", "base_role": "member", "invite_default_internal_role": "guest" }),
    )
    .await;
    assert_problem(&reply, 422, "invite_default_internal_role");
    let reply = create(
        json!({ "name": "R2", "base_role": "member", "invite_default_external_role": "member" }),
    )
    .await;
    assert_problem(&reply, 422, "guest-based");
    let reply = create(
        json!({ "name": "R3", "base_role": "member", "invite_default_internal_role": "admin" }),
    )
    .await;
    assert_problem(&reply, 422, "above the role");
    let reply = create(
        json!({ "name": "R4", "base_role": "member", "invite_default_internal_role": "nope" }),
    )
    .await;
    assert_problem(&reply, 422, "no role");
    let target = custom_role(&app, "Target", "member", json!({})).await;
    let lead = create(json!({ "name": "Lead", "base_role": "member", "invite_default_internal_role": target, "invite_default_external_role": "guest" }))
        .await
        .expect(201);
    let lead = id(&lead);
    let shown = root(&app, Method::GET, &format!("/roles/{lead}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(shown["invite_default_internal_role"], target.as_str());
    assert_eq!(shown["invite_default_external_role"], "guest");
    let reply = root(&app, Method::DELETE, &format!("/roles/{target}"), None).await;
    assert_problem(&reply, 409, "Lead");
    // An edit that leaves the defaults out keeps them; null clears one.
    let edited = root(
        &app,
        Method::PATCH,
        &format!("/roles/{lead}"),
        Some(json!({ "description": "leads" })),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(edited["invite_default_internal_role"], target.as_str());
    let edited = root(
        &app,
        Method::PATCH,
        &format!("/roles/{lead}"),
        Some(json!({ "invite_default_internal_role": null })),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(edited["invite_default_internal_role"], Value::Null);
    assert_eq!(edited["invite_default_external_role"], "guest");
    root(&app, Method::DELETE, &format!("/roles/{target}"), None)
        .await
        .expect(204);
}

#[actix_web::test]
async fn inviting_a_guest_needs_invite_guests_and_the_org_setting() {
    let app = spawn_app().await;
    let quiet = custom_role(
        &app,
        "No guests",
        "member",
        json!({ "invite_guests": false }),
    )
    .await;
    let (_, quiet) = user_with_role(&app, "q@example.com", &quiet).await;
    let (_, member) = user_with_role(&app, "m@example.com", "member").await;
    let reply = invite(&app, &quiet, "g@partner.org", None).await;
    assert_problem(&reply, 403, "invite_guests");
    invite(&app, &quiet, "i@example.com", None)
        .await
        .expect(201);
    let before = invite(&app, &member, "early@partner.org", None)
        .await
        .expect(201);
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "guest_invites": false })),
    )
    .await
    .expect(200);
    for token in [&member, &app.creds.admin_token] {
        let reply = invite(&app, token, "g@partner.org", None).await;
        assert_problem(&reply, 403, "guest_invites");
    }
    // A guest invite sent before the org turned guest invites off lets nobody in afterwards.
    let reply = accept(&app, &id(&before)).await;
    assert_problem(&reply, 409, "guest_invites");
}

#[actix_web::test]
async fn guest_invites_restricted_to_trusted_domains_need_an_address_there() {
    let app = spawn_app().await;
    let (_, member) = user_with_role(&app, "m@example.com", "member").await;
    root(
        &app,
        Method::PATCH,
        "/org/settings",
        Some(json!({ "trusted_domains": ["partner.org"], "restrict_guest_invites_to_trusted_domains": true })),
    )
    .await
    .expect(200);
    let reply = invite(&app, &member, "a@other.org", None).await;
    assert_problem(&reply, 403, "restrict_guest_invites_to_trusted_domains");
    assert_problem(&reply, 403, "other.org");
    invite(&app, &member, "a@Partner.org", None)
        .await
        .expect(201);
    invite(&app, &member, "b@example.com", None)
        .await
        .expect(201);
}

#[actix_web::test]
async fn choosing_a_role_needs_assign_roles_delegation_and_a_fitting_type() {
    let app = spawn_app().await;
    let (_, member) = user_with_role(&app, "m@example.com", "member").await;
    let (_, admin) = user_with_role(&app, "adm@example.com", "admin").await;
    let reply = invite(&app, &member, "x@example.com", Some("member")).await;
    assert_problem(&reply, 403, "assign_roles");
    let reply = invite(&app, &admin, "x@example.com", Some("super_admin")).await;
    assert_problem(&reply, 403, "super admin");
    let reply = invite(&app, &admin, "x@partner.org", Some("member")).await;
    assert_problem(&reply, 422, "guest-based");
    let reply = invite(&app, &admin, "x@example.com", Some("guest")).await;
    assert_problem(&reply, 422, "internal users never");
    let reply = invite(&app, &admin, "x@example.com", Some("nope")).await;
    assert_problem(&reply, 422, "no role");
    invite(&app, &admin, "x@example.com", Some("admin"))
        .await
        .expect(201);
    let sa = invite(
        &app,
        &app.creds.admin_token,
        "y@example.com",
        Some("super_admin"),
    )
    .await
    .expect(201);
    let user = accept(&app, &id(&sa)).await.expect(201).body["user"].clone();
    assert_eq!(user["role"], "super_admin");
}

#[actix_web::test]
async fn admins_list_pending_invites_and_change_their_role() {
    let app = spawn_app().await;
    let (_, member) = user_with_role(&app, "m@example.com", "member").await;
    let (_, admin) = user_with_role(&app, "adm@example.com", "admin").await;
    let a = id(&invite(&app, &member, "a@example.com", None)
        .await
        .expect(201));
    let b = id(&invite(&app, &member, "b@partner.org", None)
        .await
        .expect(201));
    let c = id(&invite(&app, &member, "c@example.com", None)
        .await
        .expect(201));
    api(
        &app,
        &member,
        Method::DELETE,
        &format!("/invites/{c}"),
        None,
    )
    .await
    .expect(204);
    let list = api(&app, &admin, Method::GET, "/invites?status=pending", None)
        .await
        .expect(200)
        .body;
    assert_eq!(list["total"], 2);
    let ids: Vec<&str> = list["invites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [a.as_str(), b.as_str()], "oldest first");
    let page = api(&app, &admin, Method::GET, "/invites?offset=1&limit=1", None)
        .await
        .expect(200)
        .body;
    assert_eq!(page["invites"][0]["id"], b.as_str());
    assert_eq!(page["total"], 2);
    let revoked = api(&app, &admin, Method::GET, "/invites?status=revoked", None)
        .await
        .expect(200)
        .body;
    assert_eq!(revoked["invites"][0]["id"], c.as_str());
    assert_problem(
        &api(&app, &member, Method::GET, "/invites", None).await,
        403,
        "assign_roles",
    );
    assert_problem(
        &api(&app, &admin, Method::GET, "/invites?limit=501", None).await,
        422,
        "limit",
    );
    assert_problem(
        &api(&app, &admin, Method::GET, "/invites?status=bogus", None).await,
        422,
        "status",
    );
    let role = |token: &str, id: &str, role: &str| {
        let (token, path) = (token.to_owned(), format!("/invites/{id}/role"));
        let body = json!({ "role_id": role });
        let app = &app;
        async move { api(app, &token, Method::PUT, &path, Some(body)).await }
    };
    let changed = role(&admin, &a, "admin").await.expect(200).body;
    assert_eq!(
        (
            &changed["role_id"],
            &changed["resolved_role"],
            &changed["role_source"]
        ),
        (&json!("admin"), &json!("admin"), &json!("chosen"))
    );
    assert_problem(&role(&member, &a, "member").await, 403, "assign_roles");
    assert_problem(&role(&admin, &a, "super_admin").await, 403, "super admin");
    assert_problem(&role(&admin, &b, "member").await, 422, "guest-based");
    assert_problem(&role(&admin, &c, "member").await, 409, "revoked");
    let user = accept(&app, &a).await.expect(201).body["user"].clone();
    assert_eq!(user["role"], "admin");
}

#[actix_web::test]
async fn revoking_or_accepting_an_invite_that_is_not_pending_conflicts() {
    let app = spawn_app().await;
    let (_, member) = user_with_role(&app, "m@example.com", "member").await;
    let (_, other) = user_with_role(&app, "o@example.com", "member").await;
    let a = id(&invite(&app, &member, "a@example.com", None)
        .await
        .expect(201));
    let b = id(&invite(&app, &member, "b@example.com", None)
        .await
        .expect(201));
    let path = |id: &str| format!("/invites/{id}");
    assert_problem(
        &api(&app, &other, Method::DELETE, &path(&a), None).await,
        403,
        "assign_roles",
    );
    assert_problem(
        &api(
            &app,
            &member,
            Method::POST,
            &format!("/invites/{a}/accept"),
            None,
        )
        .await,
        403,
        "view_members",
    );
    api(&app, &member, Method::DELETE, &path(&a), None)
        .await
        .expect(204);
    assert_problem(
        &api(&app, &member, Method::DELETE, &path(&a), None).await,
        409,
        "revoked",
    );
    assert_problem(&accept(&app, &a).await, 409, "revoked");
    accept(&app, &b).await.expect(201);
    assert_problem(&accept(&app, &b).await, 409, "accepted");
    assert_problem(
        &root(&app, Method::DELETE, &path(&b), None).await,
        409,
        "accepted",
    );
}

#[actix_web::test]
async fn another_organizations_invites_are_not_found() {
    let app = spawn_app().await;
    let other = app.other_organization("other.test");
    let theirs = api(
        &app,
        &other.admin_token,
        Method::POST,
        "/invites",
        Some(json!({ "email": "z@other.test" })),
    )
    .await
    .expect(201);
    let theirs = id(&theirs);
    for (method, path, body) in [
        (Method::GET, format!("/invites/{theirs}"), None),
        (
            Method::PUT,
            format!("/invites/{theirs}/role"),
            Some(json!({ "role_id": "member" })),
        ),
        (Method::DELETE, format!("/invites/{theirs}"), None),
        (Method::POST, format!("/invites/{theirs}/accept"), None),
        (Method::GET, "/invites/no-such-invite".to_owned(), None),
    ] {
        let reply = root(&app, method, &path, body).await;
        assert_problem(&reply, 404, "no invite");
    }
    let ours = root(&app, Method::GET, "/invites", None).await.expect(200);
    assert_eq!(ours.body["total"], 0);
}

#[actix_web::test]
async fn a_bad_address_is_422_and_an_existing_users_address_is_409() {
    let app = spawn_app().await;
    for bad in ["not-an-email", "", "a@"] {
        let reply = root(
            &app,
            Method::POST,
            "/invites",
            Some(json!({ "email": bad })),
        )
        .await;
        assert_problem(&reply, 422, "email address");
    }
    let reply = root(
        &app,
        Method::POST,
        "/invites",
        Some(json!({ "mail": "a@example.com" })),
    )
    .await;
    assert_eq!(reply.status, 422);
    app.create_user_from(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "kim",
        "emails": [{ "value": "Kim@example.com", "primary": true }],
    }))
    .await;
    app.create_user("lee@example.com").await;
    // By email (another user's userName is not an address) and by userName, in any case.
    for taken in ["kim@EXAMPLE.com", "LEE@example.com"] {
        let reply = root(
            &app,
            Method::POST,
            "/invites",
            Some(json!({ "email": taken })),
        )
        .await;
        assert_problem(&reply, 409, "already a user");
    }
}

#[actix_web::test]
async fn a_user_created_over_scim_keeps_the_default_role_despite_a_pending_invite() {
    let app = spawn_app().await;
    let pending = invite(
        &app,
        &app.creds.admin_token,
        "lee@example.com",
        Some("admin"),
    )
    .await
    .expect(201);
    // The IdP is the source of truth for the users it provisions: the invite is not applied.
    let user = app.create_user("lee@example.com").await;
    let user = root(&app, Method::GET, &format!("/users/{}", id_of(&user)), None)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (&user["role"], &user["role_source"]),
        (&json!("member"), &json!("default"))
    );
    assert_problem(&accept(&app, &id(&pending)).await, 409, "already a user");
}

#[actix_web::test]
async fn every_invite_change_is_audited() {
    let app = spawn_app().await;
    let a = id(&invite(&app, &app.creds.admin_token, "a@example.com", None)
        .await
        .expect(201));
    let b = id(&invite(&app, &app.creds.admin_token, "b@example.com", None)
        .await
        .expect(201));
    root(
        &app,
        Method::PUT,
        &format!("/invites/{a}/role"),
        Some(json!({ "role_id": "admin" })),
    )
    .await
    .expect(200);
    root(&app, Method::DELETE, &format!("/invites/{b}"), None)
        .await
        .expect(204);
    let user = accept(&app, &a).await.expect(201).body["user"]["id"].clone();
    let events = root(&app, Method::GET, "/audit-events?limit=50", None)
        .await
        .expect(200)
        .body;
    let seen = |action: &str, target: &str| {
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == action && e["target_id"] == target)
    };
    assert!(seen("invite.created", &a) && seen("invite.created", &b));
    assert!(seen("invite.role_changed", &a));
    assert!(seen("invite.revoked", &b));
    assert!(seen("invite.accepted", &a));
    assert!(seen("user.created", user.as_str().unwrap()));
}

#[actix_web::test]
async fn a_chosen_role_deleted_before_accepting_falls_back_to_the_defaults() {
    let app = spawn_app().await;
    let temp = custom_role(&app, "Temporary", "member", json!({})).await;
    let reply = invite(&app, &app.creds.admin_token, "t@example.com", Some(&temp))
        .await
        .expect(201);
    assert_eq!(reply.body["resolved_role"], temp.as_str());
    root(&app, Method::DELETE, &format!("/roles/{temp}"), None)
        .await
        .expect(204);
    let shown = root(&app, Method::GET, &format!("/invites/{}", id(&reply)), None)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (&shown["resolved_role"], &shown["role_source"]),
        (&json!("member"), &json!("org_default"))
    );
    let user = accept(&app, &id(&reply)).await.expect(201).body["user"].clone();
    assert_eq!(user["role"], "member");
}
