//! The SCIM load benchmark: starts the real service (the library's `Application`, as
//! `gatehouse serve` does) on a fresh database per backend and measures it over real HTTP.
//! Not a test: it asserts only that every request succeeds, and prints figures.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/scratch/target-bench \
//! GATEHOUSE_BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/gatehouse_bench \
//! BENCH_USERS=100000 cargo bench --bench scim --features mysql
//! ```
//!
//! Phases, per backend (SQLite in a temp dir; MariaDB when `GATEHOUSE_BENCH_MYSQL_URL` is set):
//! 1. create `BENCH_USERS` users (POST /Users, `BENCH_CONCURRENCY` in flight);
//! 2. seed a small group (`BENCH_SMALL_GROUP`, 1,000) and a big one (`BENCH_BIG_GROUP`,
//!    `min(users, 100000)`) with PATCH add of `BENCH_PATCH_BATCH` members per request;
//! 3. `filter=userName eq "…"` lookups of random users (`BENCH_LOOKUPS`), sequentially and
//!    concurrently;
//! 4. list pages (`startIndex` random, `count=100`), with and without `excludedAttributes=groups`;
//! 5. sequential member PATCHes (add one, remove one; `BENCH_PATCHES` each) interleaved between
//!    the small and the big group, with `excludedAttributes=members`, and a few without it;
//! 6. GET of each group with `excludedAttributes=members` (and a few with members);
//! 7. forged-token flood: the real connection's lookups (`BENCH_FLOOD_LOOKUPS`, half the
//!    concurrency) alone, then while as many tasks send forged, well-formed connection secrets
//!    from one address (throttled after its failure budget), then from a new address per
//!    request (each under the budget: what a failed authentication itself costs). The real
//!    caller and the flood are told apart by `X-Forwarded-For` through loopback as a trusted
//!    proxy.
//!
//! Other knobs: `BENCH_BACKENDS` (`sqlite,mysql`), `BENCH_PAGES`, `BENCH_GETS`,
//! `BENCH_FULL_SAMPLES`, `BENCH_SEQ_LOOKUPS`, `BENCH_DB_MAX_CONNECTIONS`,
//! `BENCH_ACQUIRE_TIMEOUT_MS`, `BENCH_HTTP_WORKERS`, `BENCH_RATE_LIMIT` (requests per minute
//! per IdP connection; lifted to 10⁹ by default), `GATEHOUSE_BENCH_KEEP_DB=1` (keep the
//! database for EXPLAIN; its location is printed).

use std::fmt::Write as _;
use std::future::Future;
use std::str::FromStr;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use gatehouse::app::Application;
use gatehouse::config::Settings;
use rand::Rng;
use reqwest::{Client, Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

/// Errors are one line for the operator; context is prepended as they travel up.
type Result<T, E = String> = std::result::Result<T, E>;

macro_rules! bail {
    ($($t:tt)*) => { return Err(format!($($t)*)) };
}

trait Context<T> {
    fn context(self, what: &str) -> Result<T>;
    fn with_context<D: std::fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T>;
}

impl<T, E: std::fmt::Display> Context<T> for Result<T, E> {
    fn context(self, what: &str) -> Result<T> {
        self.map_err(|e| format!("{what}: {e}"))
    }

    fn with_context<D: std::fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| format!("{}: {e}", what()))
    }
}

const SCIM_JSON: &str = "application/scim+json";
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn main() {
    // `cargo bench` passes `--bench` (and maybe a filter); nothing here takes arguments.
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench: bad configuration: {e}");
            std::process::exit(2);
        }
    };
    let mut reports = Vec::new();
    for backend in config.backends.clone() {
        let outcome = actix_web::rt::System::new().block_on(run_backend(backend, &config));
        match outcome {
            Ok(report) => reports.push(report),
            Err(e) => {
                eprintln!("\nbench FAILED on {}: {e}", backend.name());
                std::process::exit(1);
            }
        }
    }
    println!();
    for report in &reports {
        println!("{}", report.summary);
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Mysql,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Mysql => "mariadb",
        }
    }
}

#[derive(Debug, Clone)]
struct Config {
    users: usize,
    small_group: usize,
    big_group: usize,
    patch_batch: usize,
    lookups: usize,
    seq_lookups: usize,
    pages: usize,
    concurrency: usize,
    patches: usize,
    gets: usize,
    full_samples: usize,
    db_max_connections: Option<u32>,
    acquire_timeout_ms: Option<u64>,
    http_workers: Option<usize>,
    rate_limit: u32,
    flood_lookups: usize,
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    mysql_url: Option<String>,
    keep_db: bool,
    backends: Vec<Backend>,
}

fn env_or<T: FromStr>(name: &str, default: T) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|e| format!("{name}={v:?} is not valid: {e}")),
        _ => Ok(default),
    }
}

fn env_opt<T: FromStr>(name: &str) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|e| format!("{name}={v:?} is not valid: {e}")),
        _ => Ok(None),
    }
}

impl Config {
    fn from_env() -> Result<Config> {
        let users: usize = env_or("BENCH_USERS", 10_000)?;
        if users < 200 {
            bail!("BENCH_USERS must be at least 200");
        }
        let small_group = env_or("BENCH_SMALL_GROUP", 1_000.min(users))?;
        let big_group = env_or("BENCH_BIG_GROUP", 100_000.min(users))?;
        if small_group > users || big_group > users || small_group == 0 || big_group == 0 {
            bail!("BENCH_SMALL_GROUP and BENCH_BIG_GROUP must be between 1 and BENCH_USERS");
        }
        let mysql_url = std::env::var("GATEHOUSE_BENCH_MYSQL_URL")
            .ok()
            .filter(|u| !u.trim().is_empty());
        let backends = match std::env::var("BENCH_BACKENDS") {
            Ok(list) if !list.trim().is_empty() => list
                .split(',')
                .map(|b| match b.trim() {
                    "sqlite" => Ok(Backend::Sqlite),
                    "mysql" | "mariadb" => Ok(Backend::Mysql),
                    other => Err(format!("BENCH_BACKENDS: unknown backend {other:?}")),
                })
                .collect::<Result<Vec<_>>>()?,
            _ if mysql_url.is_some() => vec![Backend::Sqlite, Backend::Mysql],
            _ => vec![Backend::Sqlite],
        };
        if backends.contains(&Backend::Mysql) {
            if mysql_url.is_none() {
                bail!(
                    "the mysql backend needs GATEHOUSE_BENCH_MYSQL_URL=mysql://USER@HOST:PORT/DB"
                );
            }
            if !cfg!(feature = "mysql") {
                bail!("GATEHOUSE_BENCH_MYSQL_URL is set: run with `--features mysql`");
            }
        }
        let concurrency: usize = env_or("BENCH_CONCURRENCY", 32)?;
        Ok(Config {
            users,
            small_group,
            big_group,
            patch_batch: env_or("BENCH_PATCH_BATCH", 1_000)?,
            lookups: env_or("BENCH_LOOKUPS", 20_000)?,
            seq_lookups: env_or("BENCH_SEQ_LOOKUPS", 1_000)?,
            pages: env_or("BENCH_PAGES", 2_000)?,
            concurrency: concurrency.max(1),
            patches: env_or("BENCH_PATCHES", 300)?,
            gets: env_or("BENCH_GETS", 300)?,
            full_samples: env_or("BENCH_FULL_SAMPLES", 10)?,
            db_max_connections: env_opt("BENCH_DB_MAX_CONNECTIONS")?,
            acquire_timeout_ms: env_opt("BENCH_ACQUIRE_TIMEOUT_MS")?,
            http_workers: env_opt("BENCH_HTTP_WORKERS")?,
            rate_limit: env_or("BENCH_RATE_LIMIT", 1_000_000_000)?,
            flood_lookups: env_or("BENCH_FLOOD_LOOKUPS", 3_000)?,
            mysql_url,
            keep_db: matches!(
                std::env::var("GATEHOUSE_BENCH_KEEP_DB").as_deref(),
                Ok("1") | Ok("true") | Ok("yes")
            ),
            backends,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Databases

/// A fresh database for one run; removed on drop unless kept.
enum BenchDatabase {
    Sqlite {
        dir: Option<tempfile::TempDir>,
        keep: bool,
    },
    #[cfg(feature = "mysql")]
    Mysql {
        admin_url: String,
        name: String,
        keep: bool,
        /// Server version and buffer pool size: the figures depend on both.
        server: String,
    },
}

impl BenchDatabase {
    fn fresh(backend: Backend, config: &Config) -> Result<(BenchDatabase, String)> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::Builder::new()
                    .prefix("gatehouse-bench-")
                    .tempdir()
                    .context("cannot create a temp dir for SQLite")?;
                let url = format!("sqlite://{}/gatehouse.db", dir.path().display());
                Ok((
                    BenchDatabase::Sqlite {
                        dir: Some(dir),
                        keep: config.keep_db,
                    },
                    url,
                ))
            }
            Backend::Mysql => mysql_database(config),
        }
    }

    fn describe(&self) -> String {
        match self {
            BenchDatabase::Sqlite { dir, .. } => dir
                .as_ref()
                .map(|d| format!("{}/gatehouse.db", d.path().display()))
                .unwrap_or_default(),
            #[cfg(feature = "mysql")]
            BenchDatabase::Mysql { name, server, .. } => {
                format!("MariaDB database `{name}`, {server}")
            }
        }
    }
}

#[cfg(feature = "mysql")]
fn mysql_database(config: &Config) -> Result<(BenchDatabase, String)> {
    use diesel::{Connection, MysqlConnection, RunQueryDsl};
    let base = config
        .mysql_url
        .as_deref()
        .ok_or_else(|| "GATEHOUSE_BENCH_MYSQL_URL is not set".to_string())?;
    let (server, name) = base
        .rsplit_once('/')
        .filter(|(s, n)| s.contains("://") && !n.is_empty())
        .ok_or_else(|| "GATEHOUSE_BENCH_MYSQL_URL must be mysql://USER@HOST:PORT/DB".to_string())?;
    let suffix: String = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let db = format!("{name}_{suffix}");
    // The named database need not exist: fall back to `mysql` for the admin connection.
    let (admin_url, mut admin) = match MysqlConnection::establish(base) {
        Ok(c) => (base.to_owned(), c),
        Err(_) => {
            let url = format!("{server}/mysql");
            let c = MysqlConnection::establish(&url)
                .map_err(|e| format!("MariaDB at {server} is not reachable: {e}"))?;
            (url, c)
        }
    };
    diesel::sql_query(format!(
        "CREATE DATABASE `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    ))
    .execute(&mut admin)
    .with_context(|| format!("cannot create database {db}"))?;
    #[derive(diesel::QueryableByName)]
    struct ServerInfo {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        buffer_pool_mib: i64,
    }
    let info: ServerInfo = diesel::sql_query(
        "SELECT VERSION() AS version, \
         CAST(@@innodb_buffer_pool_size / 1048576 AS SIGNED) AS buffer_pool_mib",
    )
    .get_result(&mut admin)
    .context("cannot read the server's version")?;
    Ok((
        BenchDatabase::Mysql {
            admin_url,
            name: db.clone(),
            keep: config.keep_db,
            server: format!(
                "server {}, innodb_buffer_pool_size {} MiB",
                info.version, info.buffer_pool_mib
            ),
        },
        format!("{server}/{db}"),
    ))
}

#[cfg(not(feature = "mysql"))]
fn mysql_database(_config: &Config) -> Result<(BenchDatabase, String)> {
    bail!("this bench was built without `--features mysql`")
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        match self {
            BenchDatabase::Sqlite { dir, keep } => {
                if *keep {
                    if let Some(d) = dir.take() {
                        let path = d.keep();
                        eprintln!(
                            "bench: kept SQLite database {}/gatehouse.db",
                            path.display()
                        );
                    }
                }
            }
            #[cfg(feature = "mysql")]
            BenchDatabase::Mysql {
                admin_url,
                name,
                keep,
                ..
            } => {
                use diesel::{Connection, MysqlConnection, RunQueryDsl};
                if *keep {
                    eprintln!("bench: kept MariaDB database `{name}` (drop it when done)");
                    return;
                }
                match MysqlConnection::establish(admin_url) {
                    Ok(mut admin) => {
                        if let Err(e) =
                            diesel::sql_query(format!("DROP DATABASE IF EXISTS `{name}`"))
                                .execute(&mut admin)
                        {
                            eprintln!("bench: could not drop database {name}: {e}");
                        }
                    }
                    Err(e) => eprintln!("bench: could not drop database {name}: {e}"),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Measurement

/// One measured phase: how many requests, the wall time and each request's latency.
struct Phase {
    label: String,
    concurrency: usize,
    wall: Duration,
    latencies: Vec<Duration>,
    /// Items per request when a request carries many (member batches).
    items_per_request: Option<usize>,
    /// CPU used during the phase, when measured.
    cpu: Option<CpuDelta>,
}

impl Phase {
    fn new(label: &str, concurrency: usize, wall: Duration, mut latencies: Vec<Duration>) -> Phase {
        latencies.sort_unstable();
        Phase {
            label: label.to_owned(),
            concurrency,
            wall,
            latencies,
            items_per_request: None,
            cpu: None,
        }
    }

    fn with_cpu(mut self, since: &CpuSnapshot) -> Phase {
        self.cpu = Some(since.until_now());
        self
    }

    /// CPU milliseconds per request: (service, load generator, MariaDB server).
    fn cpu_per_request(&self) -> Option<(f64, f64, Option<f64>)> {
        let cpu = self.cpu.as_ref()?;
        let n = self.latencies.len().max(1) as f64;
        Some((
            cpu.service_ms / n,
            cpu.client_ms / n,
            cpu.database_ms.map(|d| d / n),
        ))
    }

    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    /// Nearest-rank percentile, in milliseconds.
    fn pct(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        let idx = rank.clamp(1, self.latencies.len()) - 1;
        ms(self.latencies[idx])
    }

    fn max(&self) -> f64 {
        self.latencies.last().copied().map(ms).unwrap_or(f64::NAN)
    }

    fn mean(&self) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        ms(self.latencies.iter().sum::<Duration>()) / self.latencies.len() as f64
    }
}

// ---------------------------------------------------------------------------------------------
// CPU accounting. Throughput on a shared 2-core machine depends on what else runs; the CPU a
// request costs does much less. The service and the load generator share this process: the
// load generator is the main thread (the actix System the server was spawned from runs only
// the client), everything else is the service. MariaDB is measured from its /proc entry.

static MYSQLD_PID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Linux reports process times in USER_HZ ticks, 100 per second on every mainstream build.
const TICK_MS: f64 = 10.0;

#[derive(Debug, Clone, Copy)]
struct CpuSnapshot {
    process: u64,
    main_thread: u64,
    database: Option<u64>,
}

#[derive(Debug, Clone, Copy)]
struct CpuDelta {
    service_ms: f64,
    client_ms: f64,
    database_ms: Option<f64>,
}

/// utime + stime of a /proc/.../stat file, in ticks.
fn stat_ticks(path: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let after = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

impl CpuSnapshot {
    fn now() -> CpuSnapshot {
        let pid = std::process::id();
        let mysqld = MYSQLD_PID.load(std::sync::atomic::Ordering::Relaxed);
        CpuSnapshot {
            process: stat_ticks("/proc/self/stat").unwrap_or(0),
            main_thread: stat_ticks(&format!("/proc/self/task/{pid}/stat")).unwrap_or(0),
            database: (mysqld != 0)
                .then(|| stat_ticks(&format!("/proc/{mysqld}/stat")))
                .flatten(),
        }
    }

    fn until_now(&self) -> CpuDelta {
        let now = CpuSnapshot::now();
        let client = now.main_thread.saturating_sub(self.main_thread);
        let process = now.process.saturating_sub(self.process);
        CpuDelta {
            service_ms: process.saturating_sub(client) as f64 * TICK_MS,
            client_ms: client as f64 * TICK_MS,
            database_ms: match (self.database, now.database) {
                (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 * TICK_MS),
                _ => None,
            },
        }
    }
}

/// Busy and total jiffies of the whole machine, from the first line of /proc/stat.
fn machine_jiffies() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = text
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: u64 = fields.iter().sum();
    // idle and iowait are the 4th and 5th fields.
    let idle = fields.get(3)? + fields.get(4).unwrap_or(&0);
    Some((total - idle, total))
}

/// Waits (at most two minutes) until the machine is quiet: seeding leaves the database
/// flushing and purging for a while, and measuring lookups on top of that measures the seeding.
async fn settle() {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        let Some((busy0, total0)) = machine_jiffies() else {
            return;
        };
        actix_web::rt::time::sleep(Duration::from_secs(1)).await;
        let Some((busy1, total1)) = machine_jiffies() else {
            return;
        };
        let busy = (busy1 - busy0) as f64 / (total1 - total0).max(1) as f64;
        if busy < 0.10 {
            break;
        }
    }
    eprintln!(
        "  machine quiet after {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

/// The MariaDB server process on this machine, if there is one (by process name).
fn find_mysqld() -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            matches!(comm.trim(), "mariadbd" | "mysqld").then_some(pid)
        })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `n` requests with at most `concurrency` in flight; `make(i)` builds request `i`. Each
/// latency runs from the request's first poll to its checked, fully read response. The first
/// failure aborts the phase.
async fn load<T, F, Fut>(
    label: &str,
    n: usize,
    concurrency: usize,
    make: F,
) -> Result<(Duration, Vec<Duration>, Vec<T>)>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(n);
    let mut outputs = Vec::with_capacity(n);
    let step = (n / 10).max(1);
    let verbose = n >= 20_000;
    let mut results = stream::iter(0..n)
        .map(|i| {
            let fut = make(i);
            async move {
                let t = Instant::now();
                let out = fut.await?;
                Ok::<_, String>((t.elapsed(), out))
            }
        })
        .buffer_unordered(concurrency);
    while let Some(result) = results.next().await {
        let (latency, out) = result.with_context(|| format!("during {label}"))?;
        latencies.push(latency);
        outputs.push(out);
        if verbose && latencies.len() % step == 0 {
            let done = latencies.len();
            eprintln!(
                "  {label}: {done}/{n} ({:.0}/s so far)",
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok((started.elapsed(), latencies, outputs))
}

// ---------------------------------------------------------------------------------------------
// The SCIM client

struct Scim {
    client: Client,
    base: String,
    token: String,
}

impl Scim {
    /// Sends a request and reads the whole body; any status but `expect` is an error naming
    /// the request and quoting the response.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        expect: StatusCode,
    ) -> Result<bytes_body::Body> {
        let mut req = self
            .client
            .request(method.clone(), format!("{}{}", self.base, path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, SCIM_JSON)
                .body(body.to_string());
        }
        let res = req
            .send()
            .await
            .with_context(|| format!("{method} {path}: request failed"))?;
        let status = res.status();
        let bytes = res
            .bytes()
            .await
            .with_context(|| format!("{method} {path}: reading the response failed"))?;
        if status != expect {
            let text = String::from_utf8_lossy(&bytes);
            let excerpt: String = text.chars().take(400).collect();
            bail!("{method} {path}: expected {expect}, got {status}: {excerpt}");
        }
        Ok(bytes_body::Body(bytes))
    }
}

mod bytes_body {
    use serde::de::DeserializeOwned;

    pub struct Body(pub actix_web::web::Bytes);

    impl Body {
        pub fn json<T: DeserializeOwned>(&self) -> Result<T, String> {
            serde_json::from_slice(&self.0)
                .map_err(|e| format!("the response is not the expected JSON: {e}"))
        }

        pub fn len(&self) -> usize {
            self.0.len()
        }
    }
}

/// The head of a ListResponse (the resources are skipped, not built).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListHead {
    total_results: i64,
    items_per_page: i64,
}

#[derive(Deserialize)]
struct LookupPage {
    #[serde(rename = "totalResults")]
    total_results: i64,
    #[serde(rename = "Resources", default)]
    resources: Vec<LookupUser>,
}

#[derive(Deserialize)]
struct LookupUser {
    #[serde(rename = "userName")]
    user_name: String,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

fn user_name(i: usize) -> String {
    format!("user-{i}@bench.example")
}

/// A user as an IdP provisions it.
fn user_body(user_name: &str, i: usize) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "externalId": format!("ext-{user_name}"),
        "displayName": format!("Bench User {i}"),
        "name": { "givenName": format!("Given{i}"), "familyName": format!("Family{i}") },
        "emails": [{ "value": user_name, "type": "work", "primary": true }],
        "active": true,
    })
}

fn add_members(ids: &[&str]) -> Value {
    let values: Vec<Value> = ids.iter().map(|id| json!({ "value": id })).collect();
    json!({
        "schemas": [PATCH_SCHEMA],
        "Operations": [{ "op": "add", "path": "members", "value": values }],
    })
}

fn remove_member(id: &str) -> Value {
    json!({
        "schemas": [PATCH_SCHEMA],
        "Operations": [{ "op": "remove", "path": format!("members[value eq \"{id}\"]") }],
    })
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

// ---------------------------------------------------------------------------------------------
// One backend

struct Report {
    summary: String,
}

async fn run_backend(backend: Backend, config: &Config) -> Result<Report> {
    let (database, url) = BenchDatabase::fresh(backend, config)?;
    let mysqld = match backend {
        Backend::Mysql => find_mysqld(),
        Backend::Sqlite => None,
    };
    MYSQLD_PID.store(mysqld.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
    let env_url = url.clone();
    let cfg = config.clone();
    let settings = Settings::load_with_env(None, move |name| match name {
        "GATEHOUSE_LISTEN" => Some("127.0.0.1:0".into()),
        "GATEHOUSE_DATABASE_URL" => Some(env_url.clone()),
        "GATEHOUSE_LOG_LEVEL" => Some("warn".into()),
        "GATEHOUSE_DATABASE_MAX_CONNECTIONS" => cfg.db_max_connections.map(|n| n.to_string()),
        "GATEHOUSE_DATABASE_ACQUIRE_TIMEOUT_MS" => cfg.acquire_timeout_ms.map(|n| n.to_string()),
        "GATEHOUSE_HTTP_WORKERS" => cfg.http_workers.map(|n| n.to_string()),
        // The per-connection request limit (100/s by default) would measure the limiter, not
        // the service: lift it unless BENCH_RATE_LIMIT says otherwise.
        "GATEHOUSE_SCIM_REQUESTS_PER_MINUTE" => Some(cfg.rate_limit.to_string()),
        // Phase 7 tells the real caller and the flood apart by X-Forwarded-For.
        "GATEHOUSE_AUTH_TRUSTED_PROXIES" => Some("127.0.0.1".into()),
        _ => None,
    })
    .map_err(|e| format!("the service's settings were refused: {e}"))?;
    if std::env::var_os("RUST_LOG").is_some() {
        eprintln!("bench: note: RUST_LOG is set and overrides the service's log level");
    }
    gatehouse::telemetry::init(&settings.log);
    let db_max = settings.database.max_connections;
    let acquire_ms = settings.database.acquire_timeout_ms;
    let workers = match settings.http.workers {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2),
        n => n,
    };

    let app = Application::build(settings)
        .await
        .map_err(|e| format!("the service failed to start on {}: {e}", backend.name()))?;
    let pool_size = app.state.pool.max_size();
    let port = app.port();
    let creds = app
        .bootstrap
        .clone()
        .ok_or_else(|| "the fresh database was not bootstrapped: no SCIM token".to_string())?;
    let server = actix_web::rt::spawn(app.run_until_stopped());
    let address = format!("http://127.0.0.1:{port}");

    let client = Client::builder()
        .timeout(Duration::from_secs(120))
        .pool_max_idle_per_host(config.concurrency * 2)
        // actix-web closes idle keep-alive connections after 5 s; reusing one the server is
        // closing fails the request, so the client drops idle connections sooner.
        .pool_idle_timeout(Duration::from_secs(3))
        .tcp_nodelay(true)
        .build()
        .context("cannot build the HTTP client")?;
    wait_ready(&client, &address).await?;
    let scim = Scim {
        client,
        base: format!("{address}/scim/v2"),
        token: creds.scim_token.clone(),
    };

    println!(
        "\n=== gatehouse SCIM benchmark: {} ({}) ===",
        backend.name(),
        database.describe()
    );
    println!(
        "users {}, groups {} and {} members, concurrency {}, pool {} (configured {}), \
         acquire timeout {} ms, HTTP workers {}, CPUs {}, load average at start {}",
        config.users,
        config.small_group,
        config.big_group,
        config.concurrency,
        pool_size,
        db_max,
        acquire_ms,
        workers,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        loadavg()
    );

    let outcome = measure(&scim, config).await;
    server.abort();
    let _ = server.await;
    let load_end = loadavg();
    let measured = outcome?;
    print_table(&measured.phases);
    let summary = measured.summary(backend, config, &load_end);
    println!("{summary}");
    drop(database);
    Ok(Report { summary })
}

async fn wait_ready(client: &Client, address: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match client.get(format!("{address}/readyz")).send().await {
            Ok(r) if r.status() == StatusCode::OK => return Ok(()),
            other => {
                if Instant::now() > deadline {
                    bail!("the service did not become ready within 15 s: {other:?}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

struct Measured {
    phases: Vec<Phase>,
}

impl Measured {
    fn get(&self, label: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.label == label)
    }

    fn summary(&self, backend: Backend, config: &Config, load_end: &str) -> String {
        let f =
            |label: &str, what: fn(&Phase) -> f64| self.get(label).map(what).unwrap_or(f64::NAN);
        let create = f(L_CREATE, Phase::rate);
        let lookup = f(L_LOOKUP, Phase::rate);
        let lookup_p99 = f(L_LOOKUP, |p| p.pct(99.0));
        let list = f(L_LIST, Phase::rate);
        let small = self.combined(L_ADD_SMALL, L_REMOVE_SMALL);
        let big = self.combined(L_ADD_BIG, L_REMOVE_BIG);
        let ratio50 = big.0 / small.0;
        let ratio99 = big.1 / small.1;
        let get_big = f(L_GET_BIG, |p| p.pct(50.0));
        let lookup_ok = lookup >= 5000.0 && lookup_p99 <= 20.0;
        let ratio_ok = ratio50 <= 1.5;
        format!(
            "SUMMARY {backend} users={users} conc={conc}: create {create:.0}/s | lookup \
             {lookup:.0}/s p99 {lookup_p99:.1} ms [{lookup_verdict}] | list(count=100) {list:.0}/s \
             | member PATCH p50 {s50:.2} ms ({small_n} members) vs {b50:.2} ms ({big_n}) ratio \
             {ratio50:.2} (p99 {s99:.2} vs {b99:.2} ms, ratio {ratio99:.2}) [{ratio_verdict}] | GET \
             big group excl. members p50 {get_big:.2} ms | load avg at end {load_end}",
            backend = backend.name(),
            users = config.users,
            conc = config.concurrency,
            s50 = small.0,
            s99 = small.1,
            b50 = big.0,
            b99 = big.1,
            small_n = config.small_group,
            big_n = config.big_group,
            lookup_verdict = if lookup_ok { "target met" } else { "target NOT met" },
            ratio_verdict = if ratio_ok { "target met" } else { "target NOT met" },
        )
    }

    /// p50 and p99 of add and remove latencies together.
    fn combined(&self, add: &str, remove: &str) -> (f64, f64) {
        let mut all: Vec<Duration> = Vec::new();
        for label in [add, remove] {
            if let Some(p) = self.get(label) {
                all.extend(&p.latencies);
            }
        }
        let phase = Phase::new("", 1, Duration::from_secs(1), all);
        (phase.pct(50.0), phase.pct(99.0))
    }
}

const L_CREATE: &str = "create user (POST /Users)";
const L_SEED_SMALL: &str = "seed small group (PATCH add batch)";
const L_SEED_BIG: &str = "seed big group (PATCH add batch)";
const L_LOOKUP_SEQ: &str = "filter userName eq, sequential";
const L_LOOKUP: &str = "filter userName eq";
const L_LIST: &str = "list page count=100";
const L_LIST_EXCL: &str = "list page count=100 excl. groups";
const L_ADD_SMALL: &str = "PATCH add 1 member, small group";
const L_REMOVE_SMALL: &str = "PATCH remove 1 member, small group";
const L_ADD_BIG: &str = "PATCH add 1 member, big group";
const L_REMOVE_BIG: &str = "PATCH remove 1 member, big group";
const L_FULL_SMALL: &str = "PATCH add+remove, full response, small";
const L_FULL_BIG: &str = "PATCH add+remove, full response, big";
const L_GET_SMALL: &str = "GET group excl. members, small";
const L_GET_BIG: &str = "GET group excl. members, big";
const L_GET_FULL_BIG: &str = "GET group with members, big";
const L_GET_MEMBER: &str = "GET /Users/{id}, big-group member";
const L_RENAME_BIG: &str = "rename big group (PATCH displayName)";
const L_DELETE_BIG: &str = "delete big group (DELETE)";

async fn measure(scim: &Scim, config: &Config) -> Result<Measured> {
    let mut phases = Vec::new();
    let conc = config.concurrency;
    let n = config.users;

    // 1. Users.
    eprintln!("  creating {n} users …");
    let c0 = CpuSnapshot::now();
    let (wall, lat, mut created) = load(L_CREATE, n, conc, |i| async move {
        let name = user_name(i);
        let body = scim
            .call(
                Method::POST,
                "/Users",
                Some(&user_body(&name, i)),
                StatusCode::CREATED,
            )
            .await?;
        Ok((i, body.json::<Created>()?.id))
    })
    .await?;
    phases.push(Phase::new(L_CREATE, conc, wall, lat).with_cpu(&c0));
    created.sort_unstable_by_key(|(i, _)| *i);
    let ids: Vec<String> = created.into_iter().map(|(_, id)| id).collect();

    // Users outside both groups, to add and remove one at a time (untimed).
    let outsiders = config.patches.max(config.full_samples);
    let (_, _, outside) = load("create outsiders", outsiders, conc, |j| async move {
        let name = format!("outsider-{j}@bench.example");
        let body = scim
            .call(
                Method::POST,
                "/Users",
                Some(&user_body(&name, n + j)),
                StatusCode::CREATED,
            )
            .await?;
        Ok((j, body.json::<Created>()?.id))
    })
    .await?;
    let mut outside = outside;
    outside.sort_unstable_by_key(|(j, _)| *j);
    let outside: Vec<String> = outside.into_iter().map(|(_, id)| id).collect();

    // 2. Groups, seeded in batches (sequentially: concurrent PATCHes of one group would
    // conflict on its version).
    let mut group_ids = Vec::new();
    for (label, name, size) in [
        (L_SEED_SMALL, "bench-small", config.small_group),
        (L_SEED_BIG, "bench-big", config.big_group),
    ] {
        let body = json!({ "schemas": [GROUP_SCHEMA], "displayName": name });
        let group: Created = scim
            .call(Method::POST, "/Groups", Some(&body), StatusCode::CREATED)
            .await?
            .json()?;
        eprintln!("  seeding {name} with {size} members …");
        let path = format!("/Groups/{}?excludedAttributes=members", group.id);
        let batches: Vec<&[String]> = ids[..size].chunks(config.patch_batch.max(1)).collect();
        let c0 = CpuSnapshot::now();
        let (wall, lat, _) = load(label, batches.len(), 1, |b| {
            let refs: Vec<&str> = batches[b].iter().map(String::as_str).collect();
            let body = add_members(&refs);
            let path = path.clone();
            async move {
                scim.call(Method::PATCH, &path, Some(&body), StatusCode::OK)
                    .await
                    .map(|_| ())
            }
        })
        .await?;
        let mut phase = Phase::new(label, 1, wall, lat).with_cpu(&c0);
        phase.items_per_request = Some(config.patch_batch.min(size));
        phases.push(phase);
        group_ids.push(group.id);
    }
    let (small_id, big_id) = (group_ids[0].clone(), group_ids[1].clone());

    // 3. Filter lookups of random users: a short warm-up, sequential, then concurrent.
    let pick = |count: usize| -> Vec<usize> {
        let mut rng = rand::thread_rng();
        (0..count).map(|_| rng.gen_range(0..n)).collect()
    };
    let lookup = |i: usize| async move {
        let name = user_name(i);
        let path = format!(
            "/Users?filter={}",
            encode(&format!("userName eq \"{name}\""))
        );
        let page: LookupPage = scim
            .call(Method::GET, &path, None, StatusCode::OK)
            .await?
            .json()?;
        if page.total_results != 1
            || page.resources.len() != 1
            || page.resources[0].user_name != name
        {
            bail!(
                "GET {path}: expected exactly {name}, got totalResults {}",
                page.total_results
            );
        }
        Ok(())
    };
    settle().await;
    let warm = pick(1_000.min(config.lookups.max(1)));
    load("warm-up", warm.len(), conc, |k| lookup(warm[k])).await?;
    let seq = pick(config.seq_lookups);
    let c0 = CpuSnapshot::now();
    let (wall, lat, _) = load(L_LOOKUP_SEQ, seq.len(), 1, |k| lookup(seq[k])).await?;
    phases.push(Phase::new(L_LOOKUP_SEQ, 1, wall, lat).with_cpu(&c0));
    let targets = pick(config.lookups);
    eprintln!("  {} filter lookups …", targets.len());
    let c0 = CpuSnapshot::now();
    let (wall, lat, _) = load(L_LOOKUP, targets.len(), conc, |k| lookup(targets[k])).await?;
    phases.push(Phase::new(L_LOOKUP, conc, wall, lat).with_cpu(&c0));

    // 4. List pages at random offsets.
    // The bootstrap admin is a user of the organization too.
    let total_users = scim
        .call(Method::GET, "/Users?count=0", None, StatusCode::OK)
        .await?
        .json::<ListHead>()?
        .total_results;
    if total_users < (n + outsiders) as i64 {
        bail!(
            "GET /Users?count=0: {total_users} users, expected at least {}",
            n + outsiders
        );
    }
    for (label, extra) in [(L_LIST, ""), (L_LIST_EXCL, "&excludedAttributes=groups")] {
        let starts: Vec<usize> = {
            let mut rng = rand::thread_rng();
            (0..config.pages)
                .map(|_| rng.gen_range(1..=(n - 99)))
                .collect()
        };
        eprintln!("  {} list pages ({label}) …", starts.len());
        let c0 = CpuSnapshot::now();
        let (wall, lat, _) = load(label, starts.len(), conc, |k| {
            let path = format!("/Users?startIndex={}&count=100{extra}", starts[k]);
            async move {
                let head: ListHead = scim
                    .call(Method::GET, &path, None, StatusCode::OK)
                    .await?
                    .json()?;
                if head.items_per_page != 100 || head.total_results != total_users {
                    bail!(
                        "GET {path}: expected 100 of {total_users}, got {} of {}",
                        head.items_per_page,
                        head.total_results
                    );
                }
                Ok(())
            }
        })
        .await?;
        phases.push(Phase::new(label, conc, wall, lat).with_cpu(&c0));
    }

    // 5. Member PATCHes, sequential, interleaved so both groups see the same conditions.
    eprintln!("  {} member add/remove pairs per group …", config.patches);
    let small_path = format!("/Groups/{small_id}?excludedAttributes=members");
    let big_path = format!("/Groups/{big_id}?excludedAttributes=members");
    let mut lat: [Vec<Duration>; 4] = Default::default();
    let started = Instant::now();
    let c0 = CpuSnapshot::now();
    for member in outside.iter().take(config.patches) {
        for (k, path) in [(0, &small_path), (2, &big_path)] {
            let t = Instant::now();
            scim.call(
                Method::PATCH,
                path,
                Some(&add_members(&[member.as_str()])),
                StatusCode::OK,
            )
            .await?;
            lat[k].push(t.elapsed());
            let t = Instant::now();
            scim.call(
                Method::PATCH,
                path,
                Some(&remove_member(member)),
                StatusCode::OK,
            )
            .await?;
            lat[k + 1].push(t.elapsed());
        }
    }
    let wall = started.elapsed();
    let total = c0.until_now();
    let quarter = CpuDelta {
        service_ms: total.service_ms / 4.0,
        client_ms: total.client_ms / 4.0,
        database_ms: total.database_ms.map(|d| d / 4.0),
    };
    for (k, label) in [L_ADD_SMALL, L_REMOVE_SMALL, L_ADD_BIG, L_REMOVE_BIG]
        .into_iter()
        .enumerate()
    {
        // Wall time split evenly: these ran interleaved, one at a time.
        // CPU likewise: each phase is charged a quarter (the four are alike in cost).
        let mut phase = Phase::new(label, 1, wall / 4, std::mem::take(&mut lat[k]));
        phase.cpu = Some(quarter);
        phases.push(phase);
    }

    // The same without excludedAttributes: the response then lists every member.
    let mut full: [Vec<Duration>; 2] = Default::default();
    let mut full_bytes = [0usize; 2];
    for member in outside.iter().take(config.full_samples) {
        for (k, id) in [(0, &small_id), (1, &big_id)] {
            let path = format!("/Groups/{id}");
            let t = Instant::now();
            let body = scim
                .call(
                    Method::PATCH,
                    &path,
                    Some(&add_members(&[member.as_str()])),
                    StatusCode::OK,
                )
                .await?;
            full[k].push(t.elapsed());
            full_bytes[k] = body.len();
            let t = Instant::now();
            scim.call(
                Method::PATCH,
                &path,
                Some(&remove_member(member)),
                StatusCode::OK,
            )
            .await?;
            full[k].push(t.elapsed());
        }
    }
    if config.full_samples > 0 {
        for (k, label) in [L_FULL_SMALL, L_FULL_BIG].into_iter().enumerate() {
            let wall: Duration = full[k].iter().sum();
            phases.push(Phase::new(label, 1, wall, std::mem::take(&mut full[k])));
        }
        eprintln!(
            "  full PATCH responses: small group {} bytes, big group {} bytes",
            full_bytes[0], full_bytes[1]
        );
    }

    // 6. GET group without members (sequential), then a few with members.
    for (label, id) in [(L_GET_SMALL, &small_id), (L_GET_BIG, &big_id)] {
        let path = format!("/Groups/{id}?excludedAttributes=members");
        let c0 = CpuSnapshot::now();
        let (wall, lat, _) = load(label, config.gets, 1, |_| {
            let path = path.clone();
            async move {
                let body = scim.call(Method::GET, &path, None, StatusCode::OK).await?;
                if body.json::<Value>()?.get("members").is_some() {
                    bail!("GET {path}: members were returned although excluded");
                }
                Ok(())
            }
        })
        .await?;
        phases.push(Phase::new(label, 1, wall, lat).with_cpu(&c0));
    }
    if config.full_samples > 0 {
        let path = format!("/Groups/{big_id}");
        let expected = config.big_group;
        let c0 = CpuSnapshot::now();
        let (wall, lat, _) = load(L_GET_FULL_BIG, config.full_samples, 1, |_| {
            let path = path.clone();
            async move {
                let body: Value = scim
                    .call(Method::GET, &path, None, StatusCode::OK)
                    .await?
                    .json()?;
                let got = body
                    .get("members")
                    .and_then(Value::as_array)
                    .map(Vec::len)
                    .unwrap_or(0);
                if got != expected {
                    bail!("GET {path}: expected {expected} members, got {got}");
                }
                Ok(())
            }
        })
        .await?;
        phases.push(Phase::new(L_GET_FULL_BIG, 1, wall, lat).with_cpu(&c0));
    }

    // 7. Reads of single users who are in both groups, then the big group renamed and deleted:
    // each one request, whatever the group's size; the members' `groups` follow.
    let member_path = |i: usize| format!("/Users/{}", ids[i % config.small_group.max(1)]);
    let c0 = CpuSnapshot::now();
    let (wall, lat, _) = load(L_GET_MEMBER, config.gets, 1, |i| {
        let path = member_path(i);
        async move {
            scim.call(Method::GET, &path, None, StatusCode::OK).await?;
            Ok(())
        }
    })
    .await?;
    phases.push(Phase::new(L_GET_MEMBER, 1, wall, lat).with_cpu(&c0));
    let group_names = |body: &Value| -> Vec<String> {
        body.get("groups")
            .and_then(Value::as_array)
            .map(|g| {
                g.iter()
                    .filter_map(|g| g.get("display").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let big_path = format!("/Groups/{big_id}?excludedAttributes=members");
    let rename = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "path": "displayName", "value": "bench-big-renamed" }],
    });
    let last = format!("/Users/{}", ids[config.big_group.saturating_sub(1)]);
    let before: Value = scim
        .call(Method::GET, &last, None, StatusCode::OK)
        .await?
        .json()?;
    let t = Instant::now();
    scim.call(Method::PATCH, &big_path, Some(&rename), StatusCode::OK)
        .await?;
    phases.push(Phase::new(L_RENAME_BIG, 1, t.elapsed(), vec![t.elapsed()]));
    let after: Value = scim
        .call(Method::GET, &last, None, StatusCode::OK)
        .await?
        .json()?;
    if !group_names(&after).iter().any(|n| n == "bench-big-renamed")
        || after["meta"]["version"] == before["meta"]["version"]
    {
        bail!("after the rename, a member shows {after}");
    }
    let t = Instant::now();
    scim.call(
        Method::DELETE,
        &format!("/Groups/{big_id}"),
        None,
        StatusCode::NO_CONTENT,
    )
    .await?;
    phases.push(Phase::new(L_DELETE_BIG, 1, t.elapsed(), vec![t.elapsed()]));
    let gone: Value = scim
        .call(Method::GET, &last, None, StatusCode::OK)
        .await?
        .json()?;
    if group_names(&gone).iter().any(|n| n == "bench-big-renamed") {
        bail!("after the delete, a member shows {gone}");
    }

    // 8. Forged-token flood.
    if config.flood_lookups > 0 {
        flood_phases(scim, config, &mut phases).await?;
    }

    Ok(Measured { phases })
}

const L_FLOOD_NONE: &str = "lookup, no flood";
const L_FLOOD_ONE: &str = "lookup, flood from one address";
const L_FLOOD_MANY: &str = "lookup, flood from a new address each";

/// The real caller's lookups with no flood, then beside a flood of forged secrets from one
/// address, then from a new address per request; the flood's answers are counted.
async fn flood_phases(scim: &Scim, config: &Config, phases: &mut Vec<Phase>) -> Result<()> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;

    let conc = (config.concurrency / 2).max(1);
    let users = config.users;
    for (label, sources) in [(L_FLOOD_NONE, 0), (L_FLOOD_ONE, 1), (L_FLOOD_MANY, 2)] {
        let stop = Arc::new(AtomicBool::new(false));
        // Answers to the flood: 401, 429, anything else.
        let counts: Arc<[AtomicUsize; 3]> = Arc::default();
        let mut flooders = Vec::new();
        for worker in 0..if sources == 0 { 0 } else { conc } {
            let (client, url) = (scim.client.clone(), format!("{}/Users", scim.base));
            let (stop, counts) = (stop.clone(), counts.clone());
            flooders.push(actix_web::rt::spawn(async move {
                let mut k: u32 = 0;
                while !stop.load(Ordering::Relaxed) {
                    k += 1;
                    let from = if sources == 1 {
                        "203.0.113.66".to_owned()
                    } else {
                        let [_, a, b, c] = (worker as u32 * 1_000_000 + k).to_be_bytes();
                        format!("10.{a}.{b}.{c}")
                    };
                    let forged = gatehouse::tokens::secret::mint(
                        gatehouse::tokens::TokenKind::ScimConnection,
                    )
                    .plaintext;
                    let sent = client
                        .get(&url)
                        .bearer_auth(forged)
                        .header("X-Forwarded-For", from)
                        .send()
                        .await;
                    let slot = match sent.map(|r| r.status().as_u16()) {
                        Ok(401) => 0,
                        Ok(429) => 1,
                        _ => 2,
                    };
                    counts[slot].fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        let c0 = CpuSnapshot::now();
        let (wall, lat, _) = load(label, config.flood_lookups, conc, |i| {
            let name = user_name((i * 7919) % users);
            let url = format!(
                "{}/Users?filter={}",
                scim.base,
                encode(&format!("userName eq \"{name}\""))
            );
            async move {
                let res = scim
                    .client
                    .get(&url)
                    .bearer_auth(&scim.token)
                    .header("X-Forwarded-For", "198.51.100.10")
                    .send()
                    .await
                    .context("lookup during the flood")?;
                let status = res.status();
                res.bytes().await.context("reading a lookup")?;
                if status != StatusCode::OK {
                    bail!("lookup during the flood: {status}");
                }
                Ok(())
            }
        })
        .await?;
        phases.push(Phase::new(label, conc, wall, lat).with_cpu(&c0));
        stop.store(true, Ordering::Relaxed);
        for flooder in flooders {
            let _ = flooder.await;
        }
        if sources > 0 {
            let [unauthorized, throttled, other] =
                [0, 1, 2].map(|i| counts[i].load(Ordering::Relaxed));
            let rate = (unauthorized + throttled + other) as f64 / wall.as_secs_f64();
            println!(
                "  {label}: flood of {} forged requests ({rate:.0}/s): {unauthorized} × 401, \
                 {throttled} × 429, {other} other",
                unauthorized + throttled + other
            );
        }
    }
    Ok(())
}

fn print_table(phases: &[Phase]) {
    println!();
    println!(
        "| {:<40} | {:>5} | {:>7} | {:>7} | {:>9} | {:>8} | {:>8} | {:>8} | {:>8} | {:>7} | {:>7} | {:>7} |",
        "phase", "conc", "reqs", "secs", "req/s", "mean ms", "p50 ms", "p99 ms", "max ms",
        "svc CPU", "db CPU", "gen CPU"
    );
    println!(
        "|{:-<42}|{:->7}|{:->9}|{:->9}|{:->11}|{:->10}|{:->10}|{:->10}|{:->10}|{:->9}|{:->9}|{:->9}|",
        "", ":", ":", ":", ":", ":", ":", ":", ":", ":", ":", ":"
    );
    for p in phases {
        let rate = match p.items_per_request {
            Some(k) => format!("{:.0} m/s", p.rate() * k as f64),
            None => format!("{:.1}", p.rate()),
        };
        let (svc, db, gen) = match p.cpu_per_request() {
            Some((svc, gen, db)) => (
                format!("{svc:.2}"),
                db.map(|d| format!("{d:.2}")).unwrap_or_else(|| "-".into()),
                format!("{gen:.2}"),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        println!(
            "| {:<40} | {:>5} | {:>7} | {:>7.2} | {:>9} | {:>8.2} | {:>8.2} | {:>8.2} | {:>8.2} | {:>7} | {:>7} | {:>7} |",
            p.label,
            p.concurrency,
            p.latencies.len(),
            p.wall.as_secs_f64(),
            rate,
            p.mean(),
            p.pct(50.0),
            p.pct(99.0),
            p.max(),
            svc,
            db,
            gen,
        );
    }
    println!(
        "(\"m/s\": members added per second, {} per PATCH; CPU columns: CPU ms per request of \
         the service, MariaDB (whole server) and the load generator, from /proc, 10 ms ticks)",
        phases.iter().find_map(|p| p.items_per_request).unwrap_or(0)
    );
    println!();
}
