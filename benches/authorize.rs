//! `POST /api/v1/authorize` over HTTP against the same server's `/healthz`, in one run: the
//! issue's target is at least 40% of the `/healthz` rate, which holds only if neither the
//! caller's token check nor the decision costs a database round trip.
//!
//! ```text
//! cargo bench --bench authorize    # BENCH_ROLES=1000 BENCH_USERS=100000 BENCH_REQUESTS=20000
//! ```
//!
//! The organization gets `BENCH_ROLES` custom roles (through the admin API) and `BENCH_USERS`
//! users spread over them (seeded in SQL). Every user is asked about once before the timed
//! rounds, as a host application's steady traffic would; then `/healthz` and single-check
//! `/authorize` calls for random users alternate for three rounds, `BENCH_CONCURRENCY` (32) in
//! flight, each answer checked. Not a test: it prints rates, latencies and the ratio.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use futures_util::stream::{self, StreamExt};
use gatehouse::app::Application;
use gatehouse::config::Settings;
use gatehouse::db::ConnectionFactory;
use serde_json::{json, Value};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    actix_web::rt::System::new().block_on(run());
}

async fn run() {
    let n_roles = env("BENCH_ROLES", 1000);
    let n_users = env("BENCH_USERS", 100_000);
    let requests = env("BENCH_REQUESTS", 20_000);
    let concurrency = env("BENCH_CONCURRENCY", 32);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let env_url = url.clone();
    let settings = Settings::load_with_env(None, move |name| match name {
        "GATEHOUSE_LISTEN" => Some("127.0.0.1:0".into()),
        "GATEHOUSE_DATABASE_URL" => Some(env_url.clone()),
        "GATEHOUSE_LOG_LEVEL" => Some("warn".into()),
        _ => None,
    })
    .unwrap();
    gatehouse::telemetry::init(&settings.log);
    let app = Application::build(settings).await.unwrap();
    let creds = app.bootstrap.clone().unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency * 2)
        .pool_idle_timeout(Duration::from_secs(3))
        .tcp_nodelay(true)
        .build()
        .unwrap();
    let token = creds.admin_token.clone();
    let api = |path: &str| format!("{address}/api/v1{path}");

    let started = Instant::now();
    let roles: Vec<String> = stream::iter(0..n_roles)
        .map(|i| {
            let (client, url, token) = (client.clone(), api("/roles"), token.clone());
            async move {
                let base = if i % 2 == 0 { "member" } else { "admin" };
                let res = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({ "name": format!("Role {i:04}"), "base_role": base }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                res.json::<Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    seed_users(&url, creds.org_id.as_str(), &roles, n_users);
    eprintln!(
        "bench: {n_roles} custom roles and {n_users} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Every user asked about once, 100 to a request, as steady traffic would have.
    let warmed = Instant::now();
    stream::iter((0..n_users).step_by(100))
        .map(|first| {
            let (client, url, token) = (client.clone(), api("/authorize"), token.clone());
            async move {
                let checks: Vec<Value> = (first..(first + 100).min(n_users))
                    .map(|i| json!({ "user_id": seed_id(i), "permission": "create_teams" }))
                    .collect();
                let res = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({ "checks": checks }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<()>>()
        .await;
    eprintln!(
        "bench: every user asked about once in {:.1} s",
        warmed.elapsed().as_secs_f64()
    );

    let mut ratios = Vec::new();
    for round in 1..=3 {
        let health = phase(requests, concurrency, |_| {
            let req = client.get(format!("{address}/healthz"));
            async move {
                let res = req.send().await.unwrap();
                assert_eq!(res.status(), 200);
                res.bytes().await.unwrap();
            }
        })
        .await;
        let authorize = phase(requests, concurrency, |i| {
            let user = seed_id(i.wrapping_mul(7919) % n_users);
            let req = client
                .post(api("/authorize"))
                .bearer_auth(&token)
                .json(&json!({ "user_id": user, "permission": "create_teams" }));
            async move {
                let res = req.send().await.unwrap();
                assert_eq!(res.status(), 200);
                let body: Value = res.json().await.unwrap();
                assert!(body["allowed"].is_boolean());
            }
        })
        .await;
        let ratio = authorize.rate / health.rate;
        ratios.push(ratio);
        println!(
            "round {round}: /healthz {:.0}/s (p50 {:.2} ms, p99 {:.2} ms); /authorize {:.0}/s \
             (p50 {:.2} ms, p99 {:.2} ms); ratio {:.0}%",
            health.rate,
            health.p50,
            health.p99,
            authorize.rate,
            authorize.p50,
            authorize.p99,
            ratio * 100.0
        );
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "median ratio /authorize : /healthz = {:.0}% ({n_roles} custom roles, {n_users} users, \
         {concurrency} in flight; target at least 40%)",
        ratios[1] * 100.0
    );
}

fn seed_id(i: usize) -> String {
    format!("seed-{:06}", i + 1)
}

/// Inserts users `seed-000001`… with roles spread over `roles`, then bumps the governance
/// version so that views compiled before the seed are rebuilt.
fn seed_users(url: &str, org_id: &str, roles: &[String], n: usize) {
    let mut conn = ConnectionFactory::new(url).unwrap().open().unwrap();
    let exec = |conn: &mut gatehouse::db::DbConnection, sql: &str| {
        diesel::sql_query(sql).execute(conn).unwrap();
    };
    exec(
        &mut conn,
        "CREATE TABLE bench_roles (idx INTEGER PRIMARY KEY, role_id TEXT)",
    );
    for (i, role) in roles.iter().enumerate() {
        exec(
            &mut conn,
            &format!("INSERT INTO bench_roles VALUES ({i}, '{role}')"),
        );
    }
    let doc = "'{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"' \
               || printf('seed-%06d', s.seq) || '\",\"active\":true}'";
    exec(
        &mut conn,
        &format!(
            "INSERT INTO users (id, org_id, user_name, user_name_lower, active, attributes, \
             role, role_source, is_external, version, created_at, updated_at) \
             SELECT printf('seed-%06d', s.seq), '{org_id}', printf('seed-%06d', s.seq), \
             printf('seed-%06d', s.seq), 1, {doc}, \
             COALESCE((SELECT role_id FROM bench_roles WHERE idx = s.seq % {}), 'member'), \
             'default', 0, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00' \
             FROM (WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq \
             WHERE n < {n}) SELECT n AS seq FROM seq) s",
            roles.len().max(1)
        ),
    );
    exec(
        &mut conn,
        "UPDATE org_settings SET governance_version = governance_version + 1",
    );
}

struct Phase {
    rate: f64,
    p50: f64,
    p99: f64,
}

async fn phase<F, Fut>(n: usize, concurrency: usize, make: F) -> Phase
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    let mut latencies: Vec<Duration> = stream::iter(0..n)
        .map(|i| {
            let fut = make(i);
            async move {
                let t = Instant::now();
                fut.await;
                t.elapsed()
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let wall = started.elapsed();
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Phase {
        rate: n as f64 / wall.as_secs_f64(),
        p50: ms(latencies[n / 2]),
        p99: ms(latencies[(n * 99 / 100).min(n - 1)]),
    }
}
