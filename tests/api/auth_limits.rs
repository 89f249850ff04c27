//! Failed authentications are limited per client address on both surfaces: a flood of forged
//! tokens turns into 429s (a SCIM error on /scim/v2, problem+json on /api/v1) with
//! `Retry-After`, while real callers from other addresses keep working. The client address
//! comes from `X-Forwarded-For` only through a trusted proxy (here: loopback, the test client).

use crate::common;
use crate::connection_routing::spawn_configured;

use common::{Reply, TestApp};
use gatehouse::tokens::secret::mint;
use gatehouse::tokens::TokenKind;

const ATTACKER: &str = "203.0.113.66";
const IDP: &str = "198.51.100.10";

async fn spawn_behind_proxy() -> TestApp {
    spawn_configured(|s| {
        s.auth.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        s.auth.failures_per_minute = 10;
    })
    .await
}

async fn get_from(app: &TestApp, client: &str, url: &str, token: &str) -> Reply {
    let res = app
        .client
        .get(url)
        .bearer_auth(token)
        .header("X-Forwarded-For", client)
        .send()
        .await
        .unwrap();
    Reply::read(res).await
}

#[actix_web::test]
async fn a_flood_of_forged_scim_tokens_gets_429_while_the_real_connection_keeps_working() {
    let app = spawn_behind_proxy().await;
    let users = format!("{}/Users", app.scim);
    let mut refused = 0;
    let mut throttled = None;
    for _ in 0..40 {
        // Well-formed, with a valid checksum: only a database lookup could refuse it.
        let forged = mint(TokenKind::ScimConnection).plaintext;
        let reply = get_from(&app, ATTACKER, &users, &forged).await;
        match reply.status {
            401 => refused += 1,
            429 => throttled = Some(reply),
            other => panic!("unexpected {other}: {}", reply.text),
        }
        let real = get_from(&app, IDP, &users, &app.creds.scim_token).await;
        assert_eq!(real.status, 200, "the real connection: {}", real.text);
    }
    assert_eq!(refused, 10, "the budget of failures, then 429s");
    let throttled = throttled.unwrap().expect_error(429, None);
    let retry_after: u64 = throttled.header("retry-after").parse().unwrap();
    assert!((1..=6).contains(&retry_after), "{retry_after}");

    // Even the right secret gets 429 from the throttled address until its budget refills.
    get_from(&app, ATTACKER, &users, &app.creds.scim_token)
        .await
        .expect_error(429, None);
    // Malformed and bad-checksum tokens count too (and are refused without a lookup).
    let other = "192.0.2.77";
    for _ in 0..10 {
        get_from(&app, other, &users, "gsc_not-a-token")
            .await
            .expect_error(401, None);
    }
    get_from(&app, other, &users, "gsc_not-a-token")
        .await
        .expect_error(429, None);
}

#[actix_web::test]
async fn a_flood_on_the_admin_api_gets_problem_json_429() {
    let app = spawn_behind_proxy().await;
    let me = format!("{}/api/v1/me", app.address);
    for _ in 0..10 {
        let forged = mint(TokenKind::Personal).plaintext;
        assert_eq!(get_from(&app, ATTACKER, &me, &forged).await.status, 401);
    }
    let reply = get_from(&app, ATTACKER, &me, &mint(TokenKind::Personal).plaintext).await;
    assert_eq!(reply.status, 429, "{}", reply.text);
    assert_eq!(reply.header("content-type"), "application/problem+json");
    assert!(reply.header("retry-after").parse::<u64>().unwrap() >= 1);
    assert_eq!(reply.body["status"], 429);
    assert!(reply.body["detail"].as_str().unwrap().contains("failed"));
    let ok = get_from(&app, IDP, &me, &app.creds.admin_token).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[actix_web::test]
async fn without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing() {
    let app = common::spawn_app().await;
    let me = format!("{}/api/v1/me", app.address);
    // The default budget is 30 failures; each request claims to come from somewhere else.
    for i in 0..30 {
        let claimed = format!("192.0.2.{i}");
        assert_eq!(
            get_from(&app, &claimed, &me, "gat_forged").await.status,
            401
        );
    }
    let reply = get_from(&app, "192.0.2.200", &me, &app.creds.admin_token).await;
    assert_eq!(
        reply.status, 429,
        "the peer address is what counts: {}",
        reply.text
    );
}
