//! Errors and logs: no personal data in the request log at info level, no driver text in error
//! bodies, and a bug (a panic in database work) is a 500, never a 503 that looks like an outage.

use crate::common;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::ResponseError;
use common::{test_settings, TestDatabase};
use gatehouse::app::Application;
use gatehouse::http::scim::error::ScimFailure;
use serde_json::{json, Value};

/// A `gatehouse serve` process logging JSON at info level into a pipe; killed on drop.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(database_url: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .arg("serve")
            .env("GATEHOUSE_DATABASE_URL", database_url)
            .env("GATEHOUSE_LISTEN", format!("127.0.0.1:{port}"))
            .env("GATEHOUSE_LOG_FORMAT", "json")
            .env("GATEHOUSE_LOG_LEVEL", "info")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Stops the process and returns everything it wrote.
    fn finish(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut out = String::new();
        if let Some(mut stdout) = self.child.stdout.take() {
            stdout.read_to_string(&mut out).unwrap();
        }
        if let Some(mut stderr) = self.child.stderr.take() {
            stderr.read_to_string(&mut out).unwrap();
        }
        out
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn bootstrap(database_url: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["bootstrap", "--org", "Logs", "--domain", "logs.example"])
        .args(["--admin-email", "ops@logs.example", "--json"])
        .env("GATEHOUSE_DATABASE_URL", database_url)
        .env("GATEHOUSE_LOG_LEVEL", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[actix_web::test]
async fn the_request_log_carries_no_filter_values_or_user_names() {
    let db = TestDatabase::fresh();
    let creds = bootstrap(&db.url);
    let server = Server::start(&db.url);
    let client = reqwest::Client::new();
    let token = creds["scim_token"].as_str().unwrap();
    let scim = format!("{}/scim/v2", server.address);
    let deadline = Instant::now() + Duration::from_secs(30);
    while client
        .get(format!("{}/healthz", server.address))
        .send()
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let secret = "jane.private.person@logs.example";
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": secret,
        "emails": [{"value": secret, "primary": true}],
    });
    for expected in [201, 409] {
        let res = client
            .post(format!("{scim}/Users"))
            .bearer_auth(token)
            .header("Content-Type", "application/scim+json")
            .body(user.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected);
    }
    let filter = format!("userName eq \"{secret}\"");
    let res = client
        .get(format!("{scim}/Users"))
        .query(&[("filter", filter.as_str())])
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = client
        .get(format!("{scim}/Users"))
        .query(&[
            ("filter", format!("userName eq \"{secret}")),
            ("x", secret.into()),
        ])
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        400,
        "an unterminated filter is a client error"
    );

    let log = server.finish();
    assert!(
        log.matches("request completed").count() >= 4,
        "every request is logged with its outcome: {log}"
    );
    assert!(
        !log.contains("jane.private.person"),
        "personal data reached the log: {log}"
    );
    assert!(!log.contains(token), "a token reached the log");
}

#[actix_web::test]
async fn a_panic_in_database_work_is_a_500_not_an_outage() {
    let db = TestDatabase::fresh();
    let app = Application::build(test_settings(&db.url)).await.unwrap();
    let failure = app
        .state
        .with_conn::<(), ScimFailure, _>(|_| panic!("a bug in a query"))
        .await
        .unwrap_err();
    assert_eq!(failure.status_code(), 500, "{failure:?}");
    let body = actix_web::body::to_bytes(failure.error_response().into_body())
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        body["detail"], "internal error",
        "nothing internal leaks: {body}"
    );
}
