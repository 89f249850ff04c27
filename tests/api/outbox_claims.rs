//! Claiming across instances: periodic jobs run once per period, and two instances on one
//! MariaDB deliver each notification exactly once.

use std::collections::HashMap;
use std::time::Duration;

use gatehouse::app::Application;
use gatehouse::outbox::schedule;
use reqwest::Method;
use serde_json::json;

use crate::common::{raw, require_mysql, TestDatabase};
use crate::governance::root;
use crate::outbox_support::{delivered_count, eventually, notify, worker_settings, Receiver};

#[test]
fn a_periodic_job_is_claimed_once_per_period_by_one_of_many_claimers() {
    let database = TestDatabase::fresh();
    gatehouse::db::migrate(&database.url).unwrap();
    let hour = Duration::from_secs(3600);

    // Eight connections race for the first period: exactly one wins. They are opened first, so
    // the race is between claims, not between connection set-ups.
    let connections: Vec<_> = (0..8).map(|_| raw::connect(&database.url)).collect();
    let winners: Vec<bool> = std::thread::scope(|s| {
        let racers: Vec<_> = connections
            .into_iter()
            .map(|mut conn| {
                s.spawn(move || {
                    schedule::claim(&mut conn, "tokens.expiry_warnings", hour)
                        .unwrap()
                        .is_some()
                })
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(winners.iter().filter(|w| **w).count(), 1, "{winners:?}");

    let mut conn = raw::connect(&database.url);
    assert_eq!(
        schedule::claim(&mut conn, "tokens.expiry_warnings", hour).unwrap(),
        None
    );
    // Another job has its own period.
    let other = schedule::claim(&mut conn, "other.job", Duration::ZERO)
        .unwrap()
        .unwrap();
    assert_eq!(other.version, 1);
    // A zero period is due again at once: the next claim is the next version.
    let again = schedule::claim(&mut conn, "other.job", Duration::ZERO)
        .unwrap()
        .unwrap();
    assert_eq!(again.version, 2);
}

#[actix_web::test]
#[ignore = "needs MariaDB: two instances on one database server"]
async fn two_instances_on_one_mariadb_deliver_each_notification_exactly_once() {
    require_mysql();
    let database = TestDatabase::fresh();
    let url = database.url.clone();
    let first = crate::common::spawn_with(worker_settings(&url, 10), database).await;
    let second = Application::build(worker_settings(&url, 10)).await.unwrap();
    assert!(
        second.bootstrap.is_none(),
        "one database, bootstrapped once"
    );
    actix_web::rt::spawn(second.run_until_stopped());

    let receiver = Receiver::start(&[]).await;
    root(
        &first,
        Method::POST,
        "/webhooks",
        Some(json!({ "url": receiver.url })),
    )
    .await
    .expect(201);
    const N: usize = 60;
    for i in 0..N {
        notify(&first, "token.expiring", vec![], json!({ "n": i }));
    }
    eventually("every notification delivered", || async {
        delivered_count(&first) == N as i64
    })
    .await;
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for hit in receiver.hits() {
        *per_id
            .entry(hit.header("webhook-id").to_owned())
            .or_default() += 1;
    }
    assert_eq!(per_id.len(), N, "every notification arrived");
    assert!(
        per_id.values().all(|n| *n == 1),
        "each exactly once: {per_id:?}"
    );

    // Both instances took part (each claimed some): claimed_by names two workers.
    use diesel::prelude::*;
    use gatehouse::db::schema::outbox;
    let mut conn = raw::connect(&url);
    let mut workers: Vec<Option<String>> = outbox::table
        .select(outbox::claimed_by)
        .distinct()
        .load(&mut conn)
        .unwrap();
    workers.sort();
    assert!(workers.iter().all(Option::is_some));
    eprintln!("workers that delivered: {}", workers.len());
}
