//! Webhook delivery: retries with the same id and a signature the receiver verifies, 410
//! disables the endpoint, rotation signs with both secrets, dead letters, and the URL policy.

use reqwest::Method;
use serde_json::json;

use crate::common::{spawn_app, Reply, TestApp};
use crate::governance::{api, assert_problem, root, user_with_role};
use crate::outbox_support::{
    delivered_count, eventually, notify, spawn_worker_app, verifies, Receiver,
};

/// Registers `url` as the super admin; the endpoint id and its secret.
async fn register(app: &TestApp, url: &str) -> (String, String) {
    let reply = root(app, Method::POST, "/webhooks", Some(json!({ "url": url })))
        .await
        .expect(201);
    let secret = reply.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{}", reply.text);
    (
        reply.body["webhook"]["id"].as_str().unwrap().to_owned(),
        secret,
    )
}

async fn webhooks(app: &TestApp) -> Reply {
    root(app, Method::GET, "/webhooks", None).await.expect(200)
}

#[actix_web::test]
async fn a_failing_webhook_gets_the_same_signed_notification_until_it_accepts() {
    let app = spawn_worker_app(10).await;
    let receiver = Receiver::start(&[500, 503]).await;
    let (_, secret) = register(&app, &receiver.url).await;

    notify(
        &app,
        "token.revoked",
        vec!["u-1".into()],
        json!({ "token_name": "ci" }),
    );

    eventually("three attempts", || async { receiver.hits().len() >= 3 }).await;
    eventually("the row is delivered", || async {
        delivered_count(&app) == 1
    })
    .await;
    let hits = receiver.hits();
    assert_eq!(hits.len(), 3, "no attempt after the one that was accepted");
    assert_eq!(
        hits.iter().map(|h| h.answered).collect::<Vec<_>>(),
        [500, 503, 200]
    );
    let id = hits[0].header("webhook-id").to_owned();
    assert!(!id.is_empty());
    for hit in &hits {
        assert_eq!(
            hit.header("webhook-id"),
            id,
            "one idempotency id across attempts"
        );
        assert!(hit.header("webhook-timestamp").parse::<i64>().is_ok());
        assert!(verifies(hit, &secret), "signature of {hit:?}");
        let body: serde_json::Value = serde_json::from_str(&hit.body).unwrap();
        assert_eq!(body["id"], id.as_str());
        assert_eq!(body["topic"], "token.revoked");
        assert_eq!(body["org_id"], app.creds.org_id.to_string());
        assert_eq!(body["recipients"], json!(["u-1"]));
        assert_eq!(body["data"]["token_name"], "ci");
    }
    // A signature made with another secret does not verify.
    assert!(!verifies(
        &hits[0],
        &gatehouse::outbox::signature::new_secret()
    ));
    let metrics = gatehouse::metrics::render(None);
    assert!(
        metrics.contains("gatehouse_outbox_delivery_failures_total{channel=\"webhook\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("gatehouse_outbox_backlog"));
}

#[actix_web::test]
async fn an_endpoint_that_answers_410_is_disabled_audited_and_sent_nothing_more() {
    let app = spawn_worker_app(10).await;
    let gone = Receiver::start(&[410]).await;
    let (id, _) = register(&app, &gone.url).await;

    notify(&app, "app.blocked", vec![], json!({}));
    eventually("the endpoint is disabled", || async {
        webhooks(&app).await.body["webhooks"][0]["disabled"] == true
    })
    .await;
    // 410 is the receiver's final word: the notification is not retried there.
    eventually("the row is done", || async { delivered_count(&app) == 1 }).await;
    let events = root(&app, Method::GET, "/audit-events", None)
        .await
        .expect(200);
    let disabled = events.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "webhook.disabled")
        .unwrap_or_else(|| panic!("an audit event: {}", events.text));
    assert_eq!(disabled["target_id"], id.as_str());

    notify(&app, "app.blocked", vec![], json!({}));
    eventually("the second row is done", || async {
        delivered_count(&app) == 2
    })
    .await;
    assert_eq!(gone.hits().len(), 1, "a disabled endpoint gets nothing");

    // A super admin turns it back on; it receives again.
    root(&app, Method::POST, &format!("/webhooks/{id}/enable"), None)
        .await
        .expect(200);
    notify(&app, "app.blocked", vec![], json!({}));
    eventually("delivered to the re-enabled endpoint", || async {
        gone.hits().len() == 2
    })
    .await;
}

#[actix_web::test]
async fn during_a_rotation_both_secrets_sign_and_afterwards_only_the_new_one() {
    let app = spawn_worker_app(10).await;
    let receiver = Receiver::start(&[]).await;
    let (id, old) = register(&app, &receiver.url).await;
    let rotated = root(
        &app,
        Method::POST,
        &format!("/webhooks/{id}/rotate-secret"),
        None,
    )
    .await
    .expect(201);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(!rotated.body["previous_secret_valid_until"].is_null());
    let listed = webhooks(&app).await;
    assert!(
        !listed.text.contains("whsec_"),
        "a secret is shown once: {}",
        listed.text
    );

    notify(&app, "token.expiring", vec![], json!({}));
    eventually("one delivery", || async { receiver.hits().len() == 1 }).await;
    let hit = &receiver.hits()[0];
    assert_eq!(hit.header("webhook-signature").split(' ').count(), 2);
    assert!(verifies(hit, &old) && verifies(hit, &new));

    // A rotation whose previous secret stops at once: one signature, by the newest secret.
    let newest = root(
        &app,
        Method::POST,
        &format!("/webhooks/{id}/rotate-secret"),
        Some(json!({ "previous_valid_seconds": 0 })),
    )
    .await
    .expect(201);
    let newest = newest.body["secret"].as_str().unwrap().to_owned();
    notify(&app, "token.expiring", vec![], json!({}));
    eventually("a second delivery", || async { receiver.hits().len() == 2 }).await;
    let hit = &receiver.hits()[1];
    assert_eq!(hit.header("webhook-signature").split(' ').count(), 1);
    assert!(verifies(hit, &newest));
    assert!(!verifies(hit, &new) && !verifies(hit, &old));
}

#[actix_web::test]
async fn after_the_last_attempt_a_dead_letter_is_listed_and_a_super_admin_retries_it() {
    let app = spawn_worker_app(2).await;
    let receiver = Receiver::start(&[500, 500]).await;
    register(&app, &receiver.url).await;
    notify(&app, "export.ready", vec![], json!({ "file": "apps.csv" }));

    let (_, admin) = user_with_role(&app, "ops.admin@example.com", "admin").await;
    let dead = || async {
        api(&app, &admin, Method::GET, "/outbox/dead-letters", None)
            .await
            .expect(200)
    };
    eventually("a dead letter", || async {
        dead().await.body["dead_letters"].as_array().unwrap().len() == 1
    })
    .await;
    let listed = dead().await;
    let letter = &listed.body["dead_letters"][0];
    assert_eq!(letter["topic"], "export.ready");
    assert_eq!(letter["attempts"], 2);
    assert_eq!(letter["data"]["file"], "apps.csv");
    assert!(letter["last_error"].as_str().unwrap().contains("HTTP 500"));
    let id = letter["id"].as_str().unwrap().to_owned();
    assert_eq!(receiver.hits().len(), 2);

    let path = format!("/outbox/dead-letters/{id}/retry");
    assert_problem(
        &api(&app, &admin, Method::POST, &path, None).await,
        403,
        "manage_org_settings",
    );
    root(&app, Method::POST, &path, None).await.expect(202);
    eventually("delivered after the retry", || async {
        delivered_count(&app) == 1
    })
    .await;
    let hits = receiver.hits();
    assert_eq!(hits.len(), 3);
    assert_eq!(
        hits[2].header("webhook-id"),
        id,
        "the same id after a retry"
    );
    assert!(dead().await.body["dead_letters"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_problem(&root(&app, Method::POST, &path, None).await, 404, "no such");

    let (_, member) = user_with_role(&app, "member@example.com", "member").await;
    let refused = api(&app, &member, Method::GET, "/outbox/dead-letters", None).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
}

#[actix_web::test]
async fn webhook_urls_reach_only_public_https_unless_the_operator_allows_private_networks() {
    let app = spawn_app().await;
    for url in [
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest",
        "not a url",
    ] {
        let reply = root(&app, Method::POST, "/webhooks", Some(json!({ "url": url }))).await;
        assert_problem(&reply, 400, "url");
    }
    let created = root(
        &app,
        Method::POST,
        "/webhooks",
        Some(json!({ "url": "https://93.184.215.14/hook" })),
    )
    .await
    .expect(201);
    let id = created.body["webhook"]["id"].as_str().unwrap().to_owned();

    // Only super admins manage endpoints; admins see them without secrets.
    let (_, admin) = user_with_role(&app, "ops.admin@example.com", "admin").await;
    let refused = api(
        &app,
        &admin,
        Method::POST,
        "/webhooks",
        Some(json!({ "url": "https://93.184.215.14/other" })),
    )
    .await;
    assert_problem(&refused, 403, "manage_org_settings");
    let seen = api(&app, &admin, Method::GET, "/webhooks", None)
        .await
        .expect(200);
    assert_eq!(seen.body["webhooks"].as_array().unwrap().len(), 1);

    // Another organization neither sees nor deletes it.
    let other = app.other_organization("other.example");
    let theirs = api(&app, &other.admin_token, Method::GET, "/webhooks", None)
        .await
        .expect(200);
    assert!(theirs.body["webhooks"].as_array().unwrap().is_empty());
    let path = format!("/webhooks/{id}");
    assert_problem(
        &api(&app, &other.admin_token, Method::DELETE, &path, None).await,
        404,
        "no such",
    );
    root(&app, Method::DELETE, &path, None).await.expect(204);
    assert_problem(
        &root(&app, Method::DELETE, &path, None).await,
        404,
        "no such",
    );
}

#[actix_web::test]
async fn a_retry_goes_only_to_the_endpoints_that_have_not_accepted_yet() {
    let app = spawn_worker_app(10).await;
    let steady = Receiver::start(&[]).await;
    let flaky = Receiver::start(&[502]).await;
    let (_, steady_secret) = register(&app, &steady.url).await;
    let (_, flaky_secret) = register(&app, &flaky.url).await;

    notify(&app, "token.revoked", vec![], json!({}));
    eventually("the row is delivered", || async {
        delivered_count(&app) == 1
    })
    .await;
    assert_eq!(
        steady.hits().len(),
        1,
        "the endpoint that accepted is not sent it again"
    );
    assert_eq!(flaky.hits().len(), 2);
    let id = steady.hits()[0].header("webhook-id").to_owned();
    assert!(flaky.hits().iter().all(|h| h.header("webhook-id") == id));
    // Each endpoint signs with its own secret.
    assert!(verifies(&steady.hits()[0], &steady_secret));
    assert!(!verifies(&steady.hits()[0], &flaky_secret));
    assert!(verifies(&flaky.hits()[1], &flaky_secret));
}

#[actix_web::test]
async fn retrying_a_dead_letter_wakes_the_worker_without_waiting_for_a_poll() {
    use diesel::prelude::*;
    use gatehouse::db::schema::outbox;
    let database = crate::common::TestDatabase::fresh();
    let mut settings = crate::outbox_support::worker_settings(&database.url, 10);
    // A poll far longer than the wait below: only the wake-up can deliver in time.
    settings.outbox.poll_interval_ms = 3_600_000;
    let app = crate::common::spawn_with(settings, database).await;
    let receiver = Receiver::start(&[]).await;
    register(&app, &receiver.url).await;
    // A dead letter, written dead in one transaction so that no round can have picked it up.
    let mut conn = crate::common::raw::connect(&app.database.url);
    let org = gatehouse::ids::OrgId(app.creds.org_id.to_string());
    conn.transaction::<_, diesel::result::Error, _>(|c| {
        gatehouse::outbox::enqueue(
            c,
            &gatehouse::outbox::Notification {
                org_id: &org,
                topic: "export.ready",
                recipients: vec![],
                data: json!({}),
                dedupe_key: None,
            },
        )?;
        diesel::update(outbox::table)
            .set((
                outbox::dead_at.eq(Some(gatehouse::clock::now())),
                outbox::attempts.eq(10),
            ))
            .execute(c)
            .map(|_| ())
    })
    .unwrap();
    let listed = root(&app, Method::GET, "/outbox/dead-letters", None)
        .await
        .expect(200);
    let id = listed.body["dead_letters"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    root(
        &app,
        Method::POST,
        &format!("/outbox/dead-letters/{id}/retry"),
        None,
    )
    .await
    .expect(202);
    eventually("delivered after the wake-up", || async {
        receiver.hits().len() == 1
    })
    .await;
}

#[actix_web::test]
async fn a_notification_with_no_channel_is_finished_and_says_why() {
    use diesel::prelude::*;
    use gatehouse::db::outbox::NO_CHANNEL;
    use gatehouse::db::schema::outbox;

    let app = spawn_worker_app(3).await;
    // No webhook endpoint, no SMTP: nowhere to deliver to.
    notify(&app, "test.event", vec![], json!({ "n": 1 }));
    eventually("the notification is finished", || async {
        delivered_count(&app) == 1
    })
    .await;
    let mut conn = gatehouse::db::ConnectionFactory::new(&app.database.url)
        .unwrap()
        .open()
        .unwrap();
    let (attempts, error): (i32, Option<String>) = outbox::table
        .filter(outbox::topic.eq("test.event"))
        .select((outbox::attempts, outbox::last_error))
        .first(&mut conn)
        .unwrap();
    assert_eq!((attempts, error.as_deref()), (1, Some(NO_CHANNEL)));
    let metrics = gatehouse::metrics::render(None);
    assert!(
        metrics.contains("gatehouse_outbox_without_channel_total "),
        "{metrics}"
    );
}
