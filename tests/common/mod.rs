//! The integration-test harness: starts the real application on a fresh database and speaks
//! HTTP to it. The backend comes from `GATEHOUSE_TEST_DATABASE_URL`: unset means a new SQLite
//! file per test; `mysql://USER@HOST:PORT/NAME` means a new MariaDB database per test, named
//! after NAME with a random suffix and dropped afterwards.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod proxy;

use std::time::Duration;

use gatehouse::app::Application;
use gatehouse::bootstrap::BootstrapOutput;
use gatehouse::config::Settings;
use reqwest::{Client, Method, Response};
use serde_json::Value;

pub const SCIM_JSON: &str = "application/scim+json";

pub struct TestApp {
    pub address: String,
    pub scim: String,
    pub creds: BootstrapOutput,
    pub client: Client,
    pub database: TestDatabase,
}

/// Which backend the suite runs on.
pub fn mysql_base_url() -> Option<String> {
    std::env::var("GATEHOUSE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("mysql://"))
}

pub struct TestDatabase {
    pub url: String,
    mysql_admin: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub fn fresh() -> TestDatabase {
        match mysql_base_url() {
            Some(base) => mysql_database(&base),
            None => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/gatehouse.db", dir.path().display());
                TestDatabase {
                    url,
                    mysql_admin: None,
                    _dir: Some(dir),
                }
            }
        }
    }

    pub fn is_mysql(&self) -> bool {
        self.mysql_admin.is_some()
    }
}

#[cfg(feature = "mysql")]
fn mysql_database(base: &str) -> TestDatabase {
    use diesel::{Connection, MysqlConnection, RunQueryDsl};
    let (server, name) = base.rsplit_once('/').expect("mysql URL names a database");
    let db = format!("{}_{}", name, uuid::Uuid::new_v4().simple());
    let mut admin = MysqlConnection::establish(&format!("{server}/{name}"))
        .unwrap_or_else(|e| panic!("MariaDB at {server} is not reachable: {e}"));
    diesel::sql_query(format!(
        "CREATE DATABASE `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    ))
    .execute(&mut admin)
    .unwrap();
    TestDatabase {
        url: format!("{server}/{db}"),
        mysql_admin: Some((format!("{server}/{name}"), db)),
        _dir: None,
    }
}

#[cfg(not(feature = "mysql"))]
fn mysql_database(_base: &str) -> TestDatabase {
    panic!("GATEHOUSE_TEST_DATABASE_URL names MySQL: run the tests with `--features mysql`");
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        #[cfg(feature = "mysql")]
        if let Some((admin_url, db)) = &self.mysql_admin {
            use diesel::{Connection, MysqlConnection, RunQueryDsl};
            if let Ok(mut admin) = MysqlConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS `{db}`"))
                    .execute(&mut admin);
            }
        }
    }
}

/// Settings for a test app on a given database URL, listening on a free port.
pub fn test_settings(database_url: &str) -> Settings {
    let url = database_url.to_owned();
    Settings::load_with_env(None, move |name| match name {
        "GATEHOUSE_LISTEN" => Some("127.0.0.1:0".into()),
        "GATEHOUSE_DATABASE_URL" => Some(url.clone()),
        "GATEHOUSE_DATABASE_ACQUIRE_TIMEOUT_MS" => Some("1500".into()),
        "GATEHOUSE_LOG_LEVEL" => Some(std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into())),
        _ => None,
    })
    .unwrap()
}

/// Starts the application on a fresh database.
pub async fn spawn_app() -> TestApp {
    let database = TestDatabase::fresh();
    let settings = test_settings(&database.url);
    spawn_with(settings, database).await
}

pub async fn spawn_with(settings: Settings, database: TestDatabase) -> TestApp {
    gatehouse::telemetry::init(&settings.log);
    let app = Application::build(settings).await.expect("the app starts");
    let port = app.port();
    let creds = app
        .bootstrap
        .clone()
        .expect("a fresh database is bootstrapped");
    actix_web::rt::spawn(app.run_until_stopped());
    let address = format!("http://127.0.0.1:{port}");
    TestApp {
        scim: format!("{address}/scim/v2"),
        address,
        creds,
        client: Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        database,
    }
}

impl TestApp {
    /// A SCIM request with the connection's bearer token.
    pub async fn scim_request(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.scim, path))
            .bearer_auth(&self.creds.scim_token);
        if let Some(body) = body {
            req = req.header("Content-Type", SCIM_JSON).body(body.to_string());
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.scim_request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.scim_request(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.scim_request(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.scim_request(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.scim_request(Method::DELETE, path, None).await
    }

    /// Creates a user and returns its resource.
    pub async fn create_user(&self, user_name: &str) -> Value {
        let res = self.post("/Users", user_body(user_name)).await;
        assert_eq!(res.status(), 201, "creating {user_name}");
        res.json().await.unwrap()
    }

    /// Creates a group with the given member ids and returns its resource.
    pub async fn create_group(&self, name: &str, members: &[&str]) -> Value {
        let members: Vec<Value> = members
            .iter()
            .map(|m| serde_json::json!({ "value": m }))
            .collect();
        let res = self
            .post(
                "/Groups",
                serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": name,
                    "members": members,
                }),
            )
            .await;
        assert_eq!(res.status(), 201, "creating group {name}");
        res.json().await.unwrap()
    }

    /// An admin-API GET with the super admin's token.
    pub async fn admin_get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}/api/v1{}", self.address, path))
            .bearer_auth(&self.creds.admin_token)
            .send()
            .await
            .unwrap()
    }
}

/// A typical user as an IdP sends it.
pub fn user_body(user_name: &str) -> Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": { "givenName": "Given", "familyName": "Family" },
        "emails": [{ "value": user_name, "type": "work", "primary": true }],
        "active": true,
    })
}

/// The id of a resource.
pub fn id_of(resource: &Value) -> String {
    resource["id"].as_str().unwrap().to_owned()
}
