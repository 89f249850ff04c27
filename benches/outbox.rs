//! First-delivery latency of notifications: how long after the change's commit a webhook
//! receiver gets the notification, on SQLite, with the worker as shipped (woken when a change on
//! this instance commits one, else polling every `poll_interval_ms`).
//!
//! ```text
//! cargo bench --bench outbox        # BENCH_NOTIFICATIONS=500 BENCH_CONCURRENCY=1
//! ```
//!
//! A receiver on loopback answers 200 and notes when each `webhook-id` arrived. The super admin
//! asks for `BENCH_NOTIFICATIONS` usage exports (`POST /api/v1/apps/exports`: each commits an
//! `export.ready` notification with the export); the latency of one is from the moment its 201
//! answer reached the client (after the commit) to the moment the receiver got it. With
//! `BENCH_CONCURRENCY` above 1, exports are asked for that many at a time (a burst).
//! Not a test: it prints percentiles.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use futures_util::stream::{self, StreamExt};
use gatehouse::app::Application;
use gatehouse::config::Settings;
use serde_json::{json, Value};

type Arrivals = Arc<Mutex<HashMap<String, (Instant, Value)>>>;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    actix_web::rt::System::new().block_on(run());
}

async fn receive(req: HttpRequest, body: web::Bytes, seen: web::Data<Arrivals>) -> HttpResponse {
    let at = Instant::now();
    let id = req
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    seen.lock().unwrap().entry(id).or_insert((at, body));
    HttpResponse::Ok().finish()
}

async fn run() {
    let n = env("BENCH_NOTIFICATIONS", 500);
    let concurrency = env("BENCH_CONCURRENCY", 1);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let settings = Settings::load_with_env(None, move |name| match name {
        "GATEHOUSE_LISTEN" => Some("127.0.0.1:0".into()),
        "GATEHOUSE_DATABASE_URL" => Some(url.clone()),
        "GATEHOUSE_LOG_LEVEL" => Some("warn".into()),
        // The receiver is on loopback.
        "GATEHOUSE_OUTBOX_ALLOW_PRIVATE_NETWORKS" => Some("true".into()),
        _ => None,
    })
    .unwrap();
    let poll = settings.outbox.poll_interval_ms;
    gatehouse::telemetry::init(&settings.log);
    let app = Application::build(settings).await.unwrap();
    let creds = app.bootstrap.clone().unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());

    let seen: Arrivals = Arc::default();
    let data = web::Data::new(seen.clone());
    let receiver = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/hook", web::post().to(receive))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let hook = format!("http://{}/hook", receiver.addrs()[0]);
    actix_web::rt::spawn(receiver.run());

    let client = reqwest::Client::new();
    let token = creds.admin_token.clone();
    let api = |path: &str| format!("{address}/api/v1{path}");
    let res = client
        .post(api("/webhooks"))
        .bearer_auth(&token)
        .json(&json!({ "url": hook }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());

    // export id -> when its 201 arrived
    let committed: HashMap<String, Instant> = stream::iter(0..n)
        .map(|_| {
            let (client, url, token) = (client.clone(), api("/apps/exports"), token.clone());
            async move {
                let res = client.post(url).bearer_auth(token).send().await.unwrap();
                let at = Instant::now();
                assert_eq!(res.status(), 201);
                let id = res.json::<Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                (id, at)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let by_export = loop {
        let by_export: HashMap<String, Instant> = seen
            .lock()
            .unwrap()
            .values()
            .filter(|(_, body)| body["topic"] == "export.ready")
            .map(|(at, body)| (body["data"]["export_id"].as_str().unwrap().to_owned(), *at))
            .collect();
        if by_export.len() >= n || Instant::now() > deadline {
            break by_export;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        by_export.len(),
        n,
        "not every notification arrived in 120 s"
    );
    let mut latencies: Vec<Duration> = committed
        .iter()
        .map(|(id, at)| by_export[id].saturating_duration_since(*at))
        .collect();
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 - 1.0) * p / 100.0).round() as usize;
        latencies[i].as_secs_f64() * 1000.0
    };
    println!(
        "first delivery after commit, {n} notifications, {concurrency} at a time (poll every {poll} ms): \
         p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(50.0),
        pct(90.0),
        pct(99.0),
        pct(100.0)
    );
}
