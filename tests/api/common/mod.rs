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

/// For tests that only mean something on a database server (marked `#[ignore]` with the reason,
/// and run by the MariaDB job with `--include-ignored`): fails, never passes, elsewhere.
pub fn require_mysql() -> String {
    mysql_base_url().unwrap_or_else(|| {
        panic!("this test needs MariaDB: set GATEHOUSE_TEST_DATABASE_URL=mysql://… (see README)")
    })
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
        // The outbox suites turn the delivery worker on (outbox_support::worker_settings).
        "GATEHOUSE_OUTBOX_WORKER" => Some("false".into()),
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
    serve_built(app, database)
}

/// Serves an application the test built itself (to read more of it first, e.g. its ports).
pub fn serve_built(app: Application, database: TestDatabase) -> TestApp {
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

// ---------------------------------------------------------------------------------------------
// Helpers for the SCIM protocol suites (scim_*.rs).
// ---------------------------------------------------------------------------------------------

pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A response read whole: status, headers and the body as JSON (`Null` when empty, a JSON
/// string holding the text when it is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub async fn read(res: Response) -> Reply {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()))
        };
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    /// A header as text ("" when absent).
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// Asserts the status, showing the body when it differs; returns self for chaining.
    pub fn expect(self, status: u16) -> Reply {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts a success that may or may not carry the resource (200 or 204, as RFC 7644
    /// §3.5.2 lets a PATCH answer).
    pub fn expect_ok(self) -> Reply {
        assert!(
            matches!(self.status, 200 | 204),
            "unexpected status {}; body: {}",
            self.status,
            self.text
        );
        self
    }

    /// Asserts a SCIM error response (RFC 7644 §3.12): the status, `application/scim+json`,
    /// the Error schema, `status` as a string, a non-empty `detail` and, when given, `scimType`.
    pub fn expect_error(self, status: u16, scim_type: Option<&str>) -> Reply {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert!(
            self.header("content-type")
                .starts_with("application/scim+json"),
            "content type of a {status} error: {:?}; body: {}",
            self.header("content-type"),
            self.text
        );
        assert_eq!(
            self.body["schemas"],
            serde_json::json!([ERROR_SCHEMA]),
            "{}",
            self.text
        );
        assert_eq!(self.body["status"], status.to_string(), "{}", self.text);
        assert!(
            self.body["detail"]
                .as_str()
                .is_some_and(|d| !d.trim().is_empty()),
            "a detail: {}",
            self.text
        );
        if let Some(kind) = scim_type {
            assert_eq!(self.body["scimType"], kind, "scimType; body: {}", self.text);
        }
        self
    }
}

/// A PatchOp request body (RFC 7644 §3.5.2) around the given operations.
pub fn patch_body(ops: Value) -> Value {
    serde_json::json!({ "schemas": [PATCH_OP], "Operations": ops })
}

/// A query string (with the leading `?`), each value percent-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    format!("?{}", serde_urlencoded::to_string(pairs).unwrap())
}

/// `?filter=…`, encoded.
pub fn filter_query(filter: &str) -> String {
    query(&[("filter", filter)])
}

/// The ids of the resources of a ListResponse, in order.
pub fn ids_in(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("a ListResponse: {list}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

impl TestApp {
    /// Any SCIM request with extra headers, read whole.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.scim, path))
            .bearer_auth(&self.creds.scim_token);
        if let Some(body) = body {
            req = req.header("Content-Type", SCIM_JSON).body(body.to_string());
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        Reply::read(req.send().await.expect("request sent")).await
    }

    /// A SCIM request with a raw body and content type of the caller's choosing.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.scim, path))
            .bearer_auth(&self.creds.scim_token)
            .body(body.to_owned());
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        Reply::read(req.send().await.expect("request sent")).await
    }

    /// GET, read whole.
    pub async fn get_reply(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    /// GET that must answer 200; the body.
    pub async fn get_ok(&self, path: &str) -> Value {
        self.get_reply(path).await.expect(200).body
    }

    pub async fn post_reply(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub async fn put_reply(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body), &[]).await
    }

    /// PATCH with the given operations, read whole.
    pub async fn patch_ops(&self, path: &str, ops: Value) -> Reply {
        self.send(Method::PATCH, path, Some(patch_body(ops)), &[])
            .await
    }

    pub async fn delete_reply(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Creates a user from a whole body and returns its resource.
    pub async fn create_user_from(&self, body: Value) -> Value {
        self.post_reply("/Users", body).await.expect(201).body
    }

    /// POST `/{resource}/.search` with a SearchRequest made of `params` plus the schema.
    pub async fn search(&self, resource: &str, params: Value) -> Reply {
        let mut body = params;
        body["schemas"] = serde_json::json!([SEARCH_REQUEST]);
        self.post_reply(&format!("/{resource}/.search"), body).await
    }

    /// The ids of the users matching a filter (GET, one page of up to 200).
    pub async fn user_ids_where(&self, filter: &str) -> Vec<String> {
        let list = self
            .get_ok(&format!("/Users{}&count=200", filter_query(filter)))
            .await;
        ids_in(&list)
    }

    /// The ids of the groups matching a filter.
    pub async fn group_ids_where(&self, filter: &str) -> Vec<String> {
        let list = self
            .get_ok(&format!("/Groups{}&count=200", filter_query(filter)))
            .await;
        ids_in(&list)
    }

    /// A second organization on the same database, with its own SCIM token.
    pub fn other_organization(&self, domain: &str) -> BootstrapOutput {
        use gatehouse::bootstrap::{bootstrap, BootstrapRequest};
        let factory = gatehouse::db::ConnectionFactory::new(&self.database.url).unwrap();
        let mut conn = factory.open().unwrap();
        bootstrap(
            &mut conn,
            &BootstrapRequest {
                org_name: format!("Org {domain}"),
                domain: domain.into(),
                admin_email: format!("root@{domain}"),
            },
            &self.address,
        )
        .unwrap()
    }

    /// A SCIM request made with another token.
    pub async fn send_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.scim, path))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.header("Content-Type", SCIM_JSON).body(body.to_string());
        }
        Reply::read(req.send().await.expect("request sent")).await
    }
}

/// A group body with the given members.
pub fn group_body(name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members
        .iter()
        .map(|m| serde_json::json!({ "value": m }))
        .collect();
    serde_json::json!({
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": members,
    })
}

/// The member ids of a group resource, sorted.
pub fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|x| x["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// Sorted copies of ids, for set comparisons.
pub fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------
// Helpers for the IdP replay suites (idp_replays.rs).
// ---------------------------------------------------------------------------------------------

/// A connection created through the admin API: its id, first secret and the SCIM base URL the
/// API reported for it.
#[derive(Debug, Clone)]
pub struct IdpConnection {
    pub id: String,
    pub secret: String,
    pub scim_base_url: String,
}

impl TestApp {
    /// Creates an IdP connection speaking `dialect` (`generic`, `okta` or `entra`) with the
    /// super admin's token, as an admin following docs/okta.md or docs/entra.md would.
    pub async fn create_idp_connection(&self, name: &str, dialect: &str) -> IdpConnection {
        let res = self
            .client
            .post(format!("{}/api/v1/idp-connections", self.address))
            .bearer_auth(&self.creds.admin_token)
            .json(&serde_json::json!({ "name": name, "dialect": dialect }))
            .send()
            .await
            .expect("request sent");
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_eq!(status, 201, "creating a {dialect} connection: {text}");
        let created: Value = serde_json::from_str(&text).unwrap();
        IdpConnection {
            id: created["connection"]["id"].as_str().unwrap().to_owned(),
            secret: created["secret"]["token"].as_str().unwrap().to_owned(),
            scim_base_url: created["scim_base_url"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

/// Raw SQL against the app's database, for what no client can do: seeding big fixtures fast
/// and planting values that validation now refuses.
pub mod raw {
    use diesel::RunQueryDsl;
    use gatehouse::db::{ConnectionFactory, DbConnection};

    pub fn connect(url: &str) -> DbConnection {
        ConnectionFactory::new(url).unwrap().open().unwrap()
    }

    pub fn execute(conn: &mut DbConnection, sql: &str) -> usize {
        diesel::sql_query(sql)
            .execute(conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Inserts `n` users `seed-000001`… straight into the table (members of nothing).
    pub fn seed_users(conn: &mut DbConnection, mysql: bool, org_id: &str, n: usize) {
        let (source, id, now) = if mysql {
            (
                format!("seq_1_to_{n} s"),
                "CONCAT('seed-', LPAD(s.seq, 6, '0'))",
                "NOW(6)",
            )
        } else {
            (
                format!(
                    "(WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq \
                     WHERE n < {n}) SELECT n AS seq FROM seq) s"
                ),
                "printf('seed-%06d', s.seq)",
                "'2026-01-01 00:00:00'",
            )
        };
        let doc = if mysql {
            format!("CONCAT('{{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"', {id}, '\",\"active\":true}}')")
        } else {
            format!("'{{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"' || {id} || '\",\"active\":true}}'")
        };
        execute(
            conn,
            &format!(
                "INSERT INTO users (id, org_id, user_name, user_name_lower, active, attributes, \
                 role, role_source, is_external, version, created_at, updated_at) \
                 SELECT {id}, '{org_id}', {id}, {id}, 1, {doc}, 'member', 'default', 0, 1, \
                 {now}, {now} FROM {source}"
            ),
        );
    }

    /// Makes every seeded user that is not yet a member a member of the group.
    pub fn seed_members(conn: &mut DbConnection, mysql: bool, group_id: &str) -> usize {
        let now = if mysql {
            "NOW(6)"
        } else {
            "'2026-01-01 00:00:00'"
        };
        execute(
            conn,
            &format!(
                "INSERT INTO group_members (group_id, member_id, org_id, member_type, created_at) \
                 SELECT '{group_id}', u.id, u.org_id, 'User', {now} FROM users u \
                 WHERE u.id LIKE 'seed-%' AND NOT EXISTS (SELECT 1 FROM group_members gm \
                 WHERE gm.group_id = '{group_id}' AND gm.member_id = u.id)"
            ),
        )
    }
}
