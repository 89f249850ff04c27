//! Expiration policies (issue 13; reference "Set default expiration"): the re-dating table, new
//! tokens, a re-joining user's tokens, and the expiry-warning sweep (once each).

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use gatehouse::db::schema::tokens;
use gatehouse::db::ConnectionFactory;
use gatehouse::governance::tokens::policy::sweep_expiry_warnings;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{spawn_app, test_settings, TestApp};
use crate::governance::{api, root, user_with_role};
use crate::tokens_personal::notices;

fn at(v: &Value) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(v.as_str().unwrap(), "%Y-%m-%dT%H:%M:%S%.f").unwrap()
}

async fn expiry_of(app: &TestApp, owner: &str) -> NaiveDateTime {
    let list = root(app, Method::GET, &format!("/tokens?owner={owner}"), None)
        .await
        .expect(200)
        .body;
    at(&list["tokens"][0]["expires_at"])
}

async fn set(app: &TestApp, personal: Value) -> NaiveDateTime {
    let p = root(
        app,
        Method::PUT,
        "/tokens/policy",
        Some(json!({ "personal": personal })),
    )
    .await
    .expect(200)
    .body;
    at(&p["personal"]["set_at"])
}

fn close(a: NaiveDateTime, b: NaiveDateTime) -> bool {
    (a - b).num_seconds().abs() < 5
}

#[actix_web::test]
async fn loosening_a_policy_never_extends_a_token_and_tightening_shortens_it() {
    let app = spawn_app().await;
    let (member, _) = user_with_role(&app, "p@example.com", "member").await;
    // Issued without an expiry: setting 30 days dates it set time + 30.
    let t30 = set(&app, json!(30)).await;
    let after_30 = expiry_of(&app, &member).await;
    assert!(
        close(after_30, t30 + Duration::days(30)),
        "{after_30} vs {t30}"
    );
    // Extending to 90 and back to the default keeps the strictest date.
    set(&app, json!(90)).await;
    assert_eq!(expiry_of(&app, &member).await, after_30);
    set(&app, json!("default")).await;
    assert_eq!(expiry_of(&app, &member).await, after_30);
    let policy = root(&app, Method::GET, "/tokens/policy", None)
        .await
        .expect(200)
        .body;
    assert_eq!(policy["personal"]["days"], Value::Null);
    assert_eq!(policy["personal"]["effective_days"], 3650);
    assert_eq!(policy["service_account"]["effective_days"], 3650);
}

#[actix_web::test]
async fn tightening_from_90_to_30_days_shortens_existing_tokens() {
    let app = spawn_app().await;
    let (member, _) = user_with_role(&app, "q@example.com", "member").await;
    let t90 = set(&app, json!(90)).await;
    assert!(close(
        expiry_of(&app, &member).await,
        t90 + Duration::days(90)
    ));
    let t30 = set(&app, json!(30)).await;
    assert!(close(
        expiry_of(&app, &member).await,
        t30 + Duration::days(30)
    ));
}

#[actix_web::test]
async fn new_tokens_expire_after_the_policy_period_and_other_periods_are_refused() {
    let app = spawn_app().await;
    let (_, token) = user_with_role(&app, "n@example.com", "member").await;
    set(&app, json!(60)).await;
    let created = api(
        &app,
        &token,
        Method::POST,
        "/tokens",
        Some(json!({ "name": "n" })),
    )
    .await
    .expect(201)
    .body;
    let now = Utc::now().naive_utc();
    assert!(close(at(&created["expires_at"]), now + Duration::days(60)));
    let reply = root(
        &app,
        Method::PUT,
        "/tokens/policy",
        Some(json!({ "personal": 45 })),
    )
    .await;
    crate::governance::assert_problem(&reply, 422, "30, 60, 90");
    // Only super admins set policies.
    let (_, admin) = user_with_role(&app, "adm@example.com", "admin").await;
    let reply = api(
        &app,
        &admin,
        Method::PUT,
        "/tokens/policy",
        Some(json!({ "personal": 30 })),
    )
    .await;
    assert_eq!(reply.status, 403);
}

fn set_expiry(app: &TestApp, owner: &str, at: NaiveDateTime) {
    let factory = ConnectionFactory::new(&app.database.url).unwrap();
    let mut conn = factory.open().unwrap();
    diesel::update(tokens::table.filter(tokens::subject_id.eq(owner)))
        .set(tokens::expires_at.eq(at))
        .execute(&mut conn)
        .unwrap();
}

#[actix_web::test]
async fn the_expiry_sweep_warns_once_before_and_once_at_expiry() {
    let app = spawn_app().await;
    let (soon, _) = user_with_role(&app, "soon@example.com", "member").await;
    let (gone, _) = user_with_role(&app, "gone@example.com", "member").await;
    let (_later, _) = user_with_role(&app, "later@example.com", "member").await;
    let now = gatehouse::clock::now();
    set_expiry(&app, &soon, now + Duration::days(3));
    set_expiry(&app, &gone, now - Duration::hours(1));
    let factory = ConnectionFactory::new(&app.database.url).unwrap();
    let mut conn = factory.open().unwrap();
    assert_eq!(sweep_expiry_warnings(&mut conn, now).unwrap(), 2);
    // Again (another instance, or the next period): nothing new.
    assert_eq!(sweep_expiry_warnings(&mut conn, now).unwrap(), 0);
    let expiring = notices(&app, "token.expiring");
    assert_eq!(expiring.len(), 1);
    assert!(expiring[0].0.starts_with("token.expiring:"));
    assert_eq!(expiring[0].1["recipients"], json!([soon]));
    let expired = notices(&app, "token.expired");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].1["recipients"], json!([gone]));
    // Once the first token's day comes, its at-expiry notice goes out once too.
    let later = now + Duration::days(4);
    assert_eq!(sweep_expiry_warnings(&mut conn, later).unwrap(), 1);
    assert_eq!(sweep_expiry_warnings(&mut conn, later).unwrap(), 0);
    assert_eq!(notices(&app, "token.expired").len(), 2);
}

#[actix_web::test]
async fn the_workers_of_three_instances_run_the_expiry_sweep_once_per_period() {
    use gatehouse::db::schema::scheduled_jobs;
    use gatehouse::db::{build_pool, PoolSettings};
    use gatehouse::outbox::worker::{self, EXPIRY_SWEEP_JOB};

    let app = spawn_app().await; // no worker of its own (test settings)
    let (soon, _) = user_with_role(&app, "soon@example.com", "member").await;
    set_expiry(&app, &soon, gatehouse::clock::now() + Duration::days(3));
    // Three instances' workers start together on the same database.
    let mut settings = test_settings(&app.database.url).outbox;
    settings.expiry_sweep_seconds = 3600;
    settings.poll_interval_ms = 20;
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let pool = build_pool(
                &app.database.url,
                &PoolSettings {
                    max_connections: 2,
                    acquire_timeout: std::time::Duration::from_secs(5),
                },
            )
            .unwrap();
            worker::spawn(pool, settings.clone(), None).unwrap()
        })
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while notices(&app, "token.expiring").is_empty() {
        assert!(std::time::Instant::now() < deadline, "no worker swept");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Give the others every chance to (wrongly) sweep too.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    for w in workers {
        w.stop().await;
    }
    let expiring = notices(&app, "token.expiring");
    assert_eq!(expiring.len(), 1);
    assert_eq!(expiring[0].1["recipients"], json!([soon]));
    let factory = ConnectionFactory::new(&app.database.url).unwrap();
    let mut conn = factory.open().unwrap();
    let (claims, by): (i64, Option<String>) = scheduled_jobs::table
        .filter(scheduled_jobs::name.eq(EXPIRY_SWEEP_JOB))
        .select((scheduled_jobs::claim_version, scheduled_jobs::claimed_by))
        .first(&mut conn)
        .unwrap();
    assert_eq!(claims, 1, "one claim for the period, by one instance");
    assert!(by.is_some());
}

#[actix_web::test]
async fn a_guest_who_joins_when_their_domain_is_verified_loses_their_tokens_at_once() {
    let app = spawn_app().await;
    let guest = crate::common::id_of(&app.create_user("visitor@partner.example").await);
    let guest_token = crate::governance::token_for(&app, &guest);
    let (_, member_token) = user_with_role(&app, "stays@example.com", "member").await;
    api(&app, &guest_token, Method::GET, "/me", None)
        .await
        .expect(200);
    // The guest's domain becomes the organization's: they join as an internal member.
    root(
        &app,
        Method::POST,
        "/org/domains",
        Some(json!({ "domain": "partner.example" })),
    )
    .await
    .expect(201);
    let me = root(&app, Method::GET, &format!("/users/{guest}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(me["type"], "internal", "{me}");
    // The token they had as a guest expired at once; nobody else's did.
    api(&app, &guest_token, Method::GET, "/me", None)
        .await
        .expect(401);
    api(&app, &member_token, Method::GET, "/me", None)
        .await
        .expect(200);
    // Tokens they create as a member work.
    let fresh = crate::governance::token_for(&app, &guest);
    api(&app, &fresh, Method::GET, "/me", None)
        .await
        .expect(200);
}
