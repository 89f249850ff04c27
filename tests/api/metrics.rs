//! Operator metrics: `/metrics` in the Prometheus text format on its own listen address only,
//! with requests by route pattern and status, latency histograms, pool gauges, retries by cause
//! and each IdP connection's last request time. The registry is process-wide and every test in
//! this binary shares it, so these tests assert presence and growth, never exact totals.

use crate::common;

use common::{test_settings, TestDatabase};
use gatehouse::app::Application;

struct MetricsApp {
    app: common::TestApp,
    metrics: String,
}

/// An app with metrics on a free port of its own.
async fn spawn_with_metrics() -> MetricsApp {
    let database = TestDatabase::fresh();
    let mut settings = test_settings(&database.url);
    settings.metrics.listen = "127.0.0.1:0".into();
    gatehouse::telemetry::init(&settings.log);
    let app = Application::build(settings).await.expect("the app starts");
    let metrics_port = app.metrics_port().expect("metrics are on");
    MetricsApp {
        app: common::serve_built(app, database),
        metrics: format!("http://127.0.0.1:{metrics_port}/metrics"),
    }
}

async fn scrape(app: &MetricsApp) -> String {
    let res = app.app.client.get(&app.metrics).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    res.text().await.unwrap()
}

/// The value of the series whose line starts with `series` (name and labels), if present.
fn value(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[actix_web::test]
async fn requests_are_counted_by_route_pattern_and_status_with_latency() {
    let app = spawn_with_metrics().await;
    let user = app.app.create_user("metrics.alice@example.com").await;
    let id = user["id"].as_str().unwrap();
    let before = scrape(&app).await;
    let ok = "gatehouse_http_requests_total{method=\"GET\",route=\"/scim/v2/Users/{id}\",status=\"200\"}";
    let missing = "gatehouse_http_requests_total{method=\"GET\",route=\"/scim/v2/Users/{id}\",status=\"404\"}";
    let ok_before = value(&before, ok).unwrap_or(0.0);
    let missing_before = value(&before, missing).unwrap_or(0.0);

    assert_eq!(app.app.get(&format!("/Users/{id}")).await.status(), 200);
    assert_eq!(app.app.get(&format!("/Users/{id}")).await.status(), 200);
    assert_eq!(app.app.get("/Users/no-such-user").await.status(), 404);

    let body = scrape(&app).await;
    assert!(value(&body, ok).unwrap() >= ok_before + 2.0, "{body}");
    assert!(
        value(&body, missing).unwrap() >= missing_before + 1.0,
        "{body}"
    );
    assert!(
        body.contains("status=\"201\""),
        "the POST is counted: {body}"
    );
    // The raw path never becomes a label: ids would make a series per resource.
    assert!(!body.contains(id), "{body}");
    assert!(!body.contains("no-such-user"), "{body}");
    assert!(body.contains("# TYPE gatehouse_http_request_duration_seconds histogram"));
    let bucket = "gatehouse_http_request_duration_seconds_bucket{method=\"GET\",route=\"/scim/v2/Users/{id}\",status=\"200\",le=\"+Inf\"}";
    assert!(value(&body, bucket).unwrap() >= 2.0, "{body}");
    assert!(body.contains(
        "gatehouse_http_request_duration_seconds_count{method=\"GET\",route=\"/scim/v2/Users/{id}\",status=\"200\"}"
    ));
}

#[actix_web::test]
async fn an_unknown_path_is_one_unmatched_series() {
    let app = spawn_with_metrics().await;
    let res = app
        .app
        .client
        .get(format!("{}/secret-probe-1234", app.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body = scrape(&app).await;
    assert!(!body.contains("secret-probe-1234"), "{body}");
    assert!(
        body.contains("route=\"unmatched\",status=\"404\""),
        "{body}"
    );
}

#[actix_web::test]
async fn pool_gauges_waits_and_retry_causes_are_exposed() {
    let app = spawn_with_metrics().await;
    app.app.create_user("metrics.bob@example.com").await;
    let body = scrape(&app).await;
    let max = value(&body, "gatehouse_db_pool_max_connections").unwrap();
    assert!(max >= 1.0, "{body}");
    let in_use = value(&body, "gatehouse_db_pool_connections_in_use").unwrap();
    let idle = value(&body, "gatehouse_db_pool_connections_idle").unwrap();
    assert!(in_use + idle <= max, "{body}");
    assert!(
        idle >= 1.0,
        "the connection used above is back in the pool: {body}"
    );
    assert!(value(&body, "gatehouse_db_pool_checkout_wait_seconds_count").unwrap() >= 1.0);
    assert!(value(&body, "gatehouse_db_pool_checkout_timeouts_total").is_some());
    for cause in [
        "serialization",
        "version_conflict",
        "commit_not_kept",
        "busy",
    ] {
        let series = format!("gatehouse_db_transaction_retries_total{{cause=\"{cause}\"}}");
        assert!(value(&body, &series).is_some(), "{series}: {body}");
    }
}

#[actix_web::test]
async fn each_idp_connection_has_its_last_request_time() {
    let app = spawn_with_metrics().await;
    let series = format!(
        "gatehouse_idp_connection_last_request_timestamp_seconds{{connection_id=\"{}\"}}",
        app.app.creds.scim_connection_id.0
    );
    let before = value(&scrape(&app).await, &series);
    assert_eq!(before, None, "this connection has sent nothing yet");
    let sent_after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert_eq!(app.app.get("/Users").await.status(), 200);
    let at = value(&scrape(&app).await, &series).expect("the gauge is set");
    assert!(at >= sent_after - 1.0, "{at} < {sent_after}");
}

#[actix_web::test]
async fn metrics_are_not_served_on_the_main_listener() {
    let app = spawn_with_metrics().await;
    let res = app
        .app
        .client
        .get(format!("{}/metrics", app.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // Nor anywhere when metrics are off.
    let plain = common::spawn_app().await;
    let res = plain
        .client
        .get(format!("{}/metrics", plain.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// `/authorize` checks are counted by kind and by whether this instance's memory answered them:
/// the first check about a user reads the database, the next one does not.
#[actix_web::test]
async fn authorize_checks_are_counted_by_kind_and_source() {
    use reqwest::Method;
    use serde_json::json;
    let app = spawn_with_metrics().await;
    let user = common::id_of(&app.app.create_user("metrics.carol@example.com").await);
    let project = crate::projects::project(&app.app, "Metrics", None).await;
    let series = |kind: &str, source: &str| {
        format!("gatehouse_authorize_checks_total{{kind=\"{kind}\",source=\"{source}\"}}")
    };
    let before = scrape(&app).await;
    for check in [
        json!({ "user_id": user, "permission": "create_teams" }),
        json!({ "user_id": user, "permission": "view", "project_id": project }),
    ] {
        for _ in 0..2 {
            crate::governance::root(&app.app, Method::POST, "/authorize", Some(check.clone()))
                .await
                .expect(200);
        }
    }
    let after = scrape(&app).await;
    for kind in ["role", "project"] {
        for source in ["memory", "database"] {
            let s = series(kind, source);
            let grew = value(&after, &s).unwrap() - value(&before, &s).unwrap();
            assert!(grew >= 1.0, "{s}: {after}");
        }
    }
    assert!(value(&after, "gatehouse_db_transactions_past_retry_window_total").is_some());
}
