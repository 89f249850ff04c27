//! The governance core over HTTP at customer sizes, on SQLite:
//!
//! 1. `POST /api/v1/authorize` against the same server's `/healthz`, in one run: the target is
//!    at least 40% of the `/healthz` rate, which holds only if neither the caller's token check
//!    nor the decision costs a database round trip;
//! 2. role mapping over every user: a preview and an apply of a rule list that moves a third of
//!    them, then a group rename that re-evaluates a 10,000-member group;
//! 3. project decisions (`/authorize` with `project_id`) for random users whose level comes
//!    from a team of every user, against `/healthz` in the same way (every user asked once
//!    first, then three rounds: levels come from the instance's memory, like the view).
//!
//! ```text
//! cargo bench --bench governance   # BENCH_ROLES=1000 BENCH_USERS=100000 BENCH_REQUESTS=20000
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
        let health = healthz(&client, &address, requests, concurrency).await;
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
    let scim = (format!("{address}/scim/v2"), creds.scim_token.clone());
    project_decisions(
        &client,
        &address,
        &token,
        &scim,
        &url,
        n_users,
        requests,
        concurrency,
    )
    .await;
    let connection = creds.scim_connection_id.to_string();
    role_mapping(
        &client,
        &api,
        &token,
        &connection,
        &roles,
        &url,
        n_users,
        &scim,
    )
    .await;
}

/// Preview and apply over every user, then a rename of a 10,000-member group that rules read.
#[allow(clippy::too_many_arguments)]
async fn role_mapping(
    client: &reqwest::Client,
    api: &impl Fn(&str) -> String,
    token: &str,
    connection: &str,
    roles: &[String],
    url: &str,
    n_users: usize,
    (scim, scim_token): &(String, String),
) {
    let mut conn = ConnectionFactory::new(url).unwrap().open().unwrap();
    // The seeded users become the connection's, with a title on every third.
    diesel::sql_query(format!(
        "UPDATE users SET managed_by = '{connection}', attributes = \
         replace(attributes, '\"active\":true', '\"active\":true,\"title\":\"Lead\"') \
         WHERE id LIKE 'seed-%' AND CAST(substr(id, 6) AS INTEGER) % 3 = 0"
    ))
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(format!(
        "UPDATE users SET managed_by = '{connection}' WHERE id LIKE 'seed-%'"
    ))
    .execute(&mut conn)
    .unwrap();
    let rules = json!({ "rules": [
        { "filter": "groups[display eq \"Bench leads\"]", "role_id": roles[0] },
        { "filter": "title eq \"Lead\"", "role_id": roles[0] },
    ]});
    let path = api(&format!("/idp-connections/{connection}/role-mapping"));
    let timed = |method: reqwest::Method, url: String, body: Value| {
        let req = client.request(method, url).bearer_auth(token).json(&body);
        async move {
            let t = Instant::now();
            let res = req.send().await.unwrap();
            let status = res.status();
            let body: Value = res.json().await.unwrap();
            assert_eq!(status, 200, "{body}");
            (t.elapsed().as_secs_f64(), body)
        }
    };
    let (secs, preview) = timed(
        reqwest::Method::POST,
        format!("{path}/preview?limit=100"),
        rules.clone(),
    )
    .await;
    println!(
        "role mapping preview: {} users evaluated, {} would move, in {secs:.2} s",
        preview["users_evaluated"], preview["users_moving"]
    );
    let (secs, applied) = timed(reqwest::Method::PUT, path.clone(), rules).await;
    println!(
        "role mapping apply: {} users evaluated, {} moved (one transaction, an audit event each), \
         in {secs:.2} s",
        applied["users_evaluated"], applied["users_moved"]
    );
    // A group of 10,000 members (seeded), renamed away from the rule's name and back.
    let group = "bench-group";
    diesel::sql_query(format!(
        "INSERT INTO scim_groups (id, org_id, display_name, display_name_lower, external_id, \
         attributes, managed_by, version, created_at, updated_at) \
         SELECT '{group}', org_id, 'Bench leads', 'bench leads', NULL, \
         '{{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],\"displayName\":\"Bench leads\"}}', \
         NULL, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM users WHERE id = 'seed-000001'"
    ))
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(format!(
        "INSERT INTO group_members (group_id, member_id, org_id, member_type, created_at) \
         SELECT '{group}', id, org_id, 'User', '2026-01-01 00:00:00' FROM users \
         WHERE id LIKE 'seed-%' AND CAST(substr(id, 6) AS INTEGER) <= {}",
        n_users.min(10_000)
    ))
    .execute(&mut conn)
    .unwrap();
    for name in ["Bench alumni", "Bench leads"] {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "replace", "path": "displayName", "value": name }],
        });
        let t = Instant::now();
        let res = client
            .patch(format!("{scim}/Groups/{group}?excludedAttributes=members"))
            .bearer_auth(scim_token)
            .header("Content-Type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
        println!(
            "group rename to {name:?}: {} members re-evaluated in {:.2} s",
            n_users.min(10_000),
            t.elapsed().as_secs_f64()
        );
    }
}

/// A project whose level comes from a team of every seeded user (members seeded in SQL, one
/// membership row): every user asked once, then three rounds of `/healthz` and single project
/// checks for random users.
#[allow(clippy::too_many_arguments)]
async fn project_decisions(
    client: &reqwest::Client,
    address: &str,
    token: &str,
    (scim, scim_token): &(String, String),
    url: &str,
    n_users: usize,
    requests: usize,
    concurrency: usize,
) {
    let api = |path: &str| format!("{address}/api/v1{path}");
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Everyone on the project",
    });
    let res = client
        .post(format!("{scim}/Groups"))
        .bearer_auth(scim_token)
        .json(&group)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let team = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut conn = ConnectionFactory::new(url).unwrap().open().unwrap();
    diesel::sql_query(format!(
        "INSERT INTO group_members (group_id, member_id, org_id, member_type, created_at) \
         SELECT '{team}', id, org_id, 'User', '2026-01-01 00:00:00' FROM users \
         WHERE id LIKE 'seed-%'"
    ))
    .execute(&mut conn)
    .unwrap();
    let post = |path: &str, body: Value| client.post(api(path)).bearer_auth(token).json(&body);
    let res = post("/projects", json!({ "name": "Company" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let project = res.json::<Value>().await.unwrap()["gid"]
        .as_str()
        .unwrap()
        .to_owned();
    let membership = json!({ "member": team, "parent": project, "access_level": "commenter" });
    let res = post("/memberships", membership).send().await.unwrap();
    assert_eq!(res.status(), 201);

    let check = |i: usize| {
        let user = seed_id(i % n_users);
        let check = json!({ "user_id": user, "permission": "comment", "project_id": project });
        let req = post("/authorize", check);
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 200);
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["access_level"], "commenter");
        }
    };
    // Every user asked about once, as in the role-only rounds.
    let warmed = Instant::now();
    phase(n_users, concurrency, check).await;
    eprintln!(
        "bench: every user's project level asked once in {:.1} s",
        warmed.elapsed().as_secs_f64()
    );
    let mut ratios = Vec::new();
    for round in 1..=3 {
        let health = healthz(client, address, requests, concurrency).await;
        let decide = phase(requests, concurrency, |i| check(i.wrapping_mul(7919))).await;
        let ratio = decide.rate / health.rate;
        ratios.push(ratio);
        println!(
            "project round {round} through a team of {n_users}: /healthz {:.0}/s (p50 {:.2} ms); \
             /authorize with project_id {:.0}/s (p50 {:.2} ms, p99 {:.2} ms); ratio {:.0}%",
            health.rate,
            health.p50,
            decide.rate,
            decide.p50,
            decide.p99,
            ratio * 100.0
        );
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "median ratio of project checks /authorize : /healthz = {:.0}% (target at least 40%)",
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

/// `n` calls of `/healthz`, the floor the other rates are compared with.
async fn healthz(client: &reqwest::Client, address: &str, n: usize, concurrency: usize) -> Phase {
    phase(n, concurrency, |_| {
        let req = client.get(format!("{address}/healthz"));
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 200);
            res.bytes().await.unwrap();
        }
    })
    .await
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
