//! Storage: the connection over SQLite and MySQL/MariaDB, the pool, migrations, transactions
//! that retry on serialization failures, and one file of queries per table family.

pub mod agentic_applications;
pub mod app_actor_grants;
pub mod app_actors;
pub mod app_requests;
pub mod app_usage;
pub mod apps;
mod commit_check;
mod connection;
pub mod filter_sql;
pub mod groups;
pub mod invites;
pub mod orgs;
pub mod outbox;
pub mod page;
pub mod project_levels;
pub mod projects;
mod retry_cause;
pub mod reusable;
pub mod role_mappings;
pub mod roles;
pub mod scheduled_jobs;
pub mod schema;
pub mod service_accounts;
pub mod token_policies;
pub mod tokens;
pub mod union_page;
pub mod user_roles;
pub mod users;
pub mod webhooks;

pub use commit_check::expect_committed_audit_event;
pub use connection::{redact, Backend, ConnectionFactory, DbConnection, MultiBackend};

use std::time::Duration;

use diesel::migration::MigrationSource;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub type Pool = diesel::r2d2::Pool<ConnectionFactory>;
pub type PooledConnection = diesel::r2d2::PooledConnection<ConnectionFactory>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "mysql")]
const MYSQL_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/mysql");

/// A storage failure, split by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database cannot be reached (or has no quorum): the request may be retried later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A unique key refused the write.
    #[error("unique constraint violated: {0}")]
    UniqueViolation(String),
    /// Any other query failure: a bug or an unexpected state, never the client's doing.
    #[error("database error: {0}")]
    Query(DieselError),
    /// The work panicked: a bug, answered 500 and logged with its cause; never an outage.
    #[error("database work panicked: {0}")]
    Panicked(String),
}

impl From<DieselError> for DbError {
    fn from(err: DieselError) -> Self {
        if !matches!(
            err,
            DieselError::NotFound
                | DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
        ) {
            // Anything but an expected outcome: have pooled connections prove themselves.
            connection::note_fault();
        }
        match err {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                DbError::UniqueViolation(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                DbError::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if is_unavailable_message(info.message()) =>
            {
                DbError::Unavailable(info.message().to_owned())
            }
            // The server went away during COMMIT (and so the ROLLBACK failed too): whether the
            // transaction is kept is unknown, which is an outage to the client (503, retry), not
            // a bug (500). The failure test saw it when a Galera node was killed mid-commit.
            DieselError::RollbackErrorOnCommit {
                ref commit_error, ..
            } if lost_connection(commit_error) => DbError::Unavailable(format!(
                "the connection was lost during COMMIT, the outcome is unknown: {commit_error}"
            )),
            other => DbError::Query(other),
        }
    }
}

/// Whether a failure means the connection to the server is gone.
fn lost_connection(err: &DieselError) -> bool {
    match err {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        DieselError::DatabaseError(_, info) => is_unavailable_message(info.message()),
        _ => false,
    }
}

/// MySQL messages that mean "this server can't serve you now" rather than "your query is wrong":
/// gone away / lost connection (2006, 2013), a Galera node without quorum (1047).
fn is_unavailable_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("server has gone away")
        || m.contains("lost connection")
        || m.contains("can't connect")
        || m.contains("wsrep has not yet prepared node")
        || m.contains("unknown command")
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// How long a request waits for a connection before failing with "unavailable".
    pub acquire_timeout: Duration,
}

/// Builds the pool. It opens no connection itself, so a service started while the database is
/// down comes up and reports not-ready until the database is back.
pub fn build_pool(database_url: &str, settings: &PoolSettings) -> Result<Pool, String> {
    let factory = ConnectionFactory::new(database_url)?;
    let max = match factory.backend() {
        // SQLite has one writer; a small pool avoids piling writers on its lock.
        Backend::Sqlite => settings.max_connections.min(8),
        Backend::Mysql => settings.max_connections,
    };
    Ok(diesel::r2d2::Pool::builder()
        .max_size(max.max(1))
        .min_idle(Some(0))
        .connection_timeout(settings.acquire_timeout)
        .test_on_check_out(true)
        .build_unchecked(factory))
}

/// Prepares the database a URL names: creates the SQLite file's directory if needed, then
/// applies pending migrations. Returns the names of the migrations applied.
pub fn migrate(database_url: &str) -> Result<Vec<String>, String> {
    let factory = ConnectionFactory::new(database_url)?;
    if factory.backend() == Backend::Sqlite {
        ensure_sqlite_directory(database_url)?;
    }
    let mut conn = factory
        .open()
        .map_err(|e| format!("cannot connect to {}: {e}", redact(database_url)))?;
    let applied = match &mut conn {
        DbConnection::Sqlite(c) => run(c, SQLITE_MIGRATIONS),
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => run(c, MYSQL_MIGRATIONS),
    }?;
    Ok(applied)
}

fn run<C, S>(conn: &mut C, source: S) -> Result<Vec<String>, String>
where
    C: MigrationHarness<C::Backend> + Connection,
    S: MigrationSource<C::Backend>,
{
    conn.run_pending_migrations(source)
        .map(|versions| versions.iter().map(|v| v.to_string()).collect())
        .map_err(|e| format!("migration failed: {e}"))
}

fn ensure_sqlite_directory(database_url: &str) -> Result<(), String> {
    let (_, path) = Backend::from_url(database_url)?;
    if path == ":memory:" || path.starts_with("file:") {
        return Ok(());
    }
    match std::path::Path::new(&path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create directory {}: {e}", dir.display())),
        _ => Ok(()),
    }
}

/// Checks out a connection, mapping pool exhaustion or a dead server to `Unavailable`.
pub fn checkout(pool: &Pool) -> Result<PooledConnection, DbError> {
    let started = std::time::Instant::now();
    match pool.get() {
        Ok(conn) => {
            crate::metrics::record_checkout(started.elapsed());
            Ok(conn)
        }
        Err(e) => {
            crate::metrics::record_checkout_timeout();
            connection::note_fault();
            Err(DbError::Unavailable(e.to_string()))
        }
    }
}

/// Whether an error is a transient conflict that a retry of the whole transaction may resolve:
/// a serialization failure or deadlock (MySQL 1213, a Galera certification failure at COMMIT,
/// which Diesel reports as `Unknown`), or SQLite's busy lock.
pub fn is_retryable(err: &DieselError) -> bool {
    match err {
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        // A COMMIT refused for a conflict whose ROLLBACK failed too: the transaction manager is
        // broken, and `transaction` retries on a fresh connection.
        DieselError::RollbackErrorOnCommit { commit_error, .. } => is_retryable(commit_error),
        DieselError::BrokenTransactionManager => true,
        DieselError::DatabaseError(_, info) => {
            let m = info.message().to_ascii_lowercase();
            m.contains("deadlock") || m.contains("database is locked") || m.contains("lock wait")
        }
        _ => false,
    }
}

/// Runs `work` in a transaction, retrying the whole transaction on a serialization failure or
/// deadlock, with exponential back-off and full jitter (so that a burst of writers on one row
/// spreads out instead of colliding again in lockstep). `work` must be safe to run again: it is
/// the unit of work. On MySQL a database-level conflict also replaces the connection: after
/// error 1213 (a Galera certification failure, a deadlock) the session's state is in doubt.
///
/// No attempt starts once the request's work is older than `RETRY_WINDOW`: attempts that each
/// wait on a stalled cluster could otherwise go on past the point where the client or the load
/// balancer gave up on the request (and the IdP sent its next change, or the balancer re-sent
/// this one elsewhere), and a late success would overwrite what came after it.
pub fn transaction<T, E, F>(conn: &mut DbConnection, mut work: F) -> Result<T, E>
where
    F: FnMut(&mut DbConnection) -> Result<T, E>,
    E: From<DieselError> + RetryClassify,
{
    // About three seconds of tries in all: a burst of writers on one hot row gets through, and
    // a client still hears back well before its own timeout.
    const ATTEMPTS: u32 = 20;
    const MAX_BACKOFF_MS: u64 = 256;
    let mut attempt = 1;
    let scope = commit_check::Scope::enter();
    loop {
        scope.begin_attempt();
        let outcome =
            conn.transaction(|c| work(c))
                .and_then(|value| match commit_check::verify(conn) {
                    Ok(()) => Ok(value),
                    Err(lost) => Err(E::from(lost)),
                });
        match outcome {
            Err(err) if attempt < ATTEMPTS && err.is_retryable() => {
                if crate::telemetry::work_age().is_some_and(|age| age > RETRY_WINDOW) {
                    tracing::info!(attempt, "no further attempt: the request is too old");
                    crate::metrics::record_past_retry_window();
                    return Err(err);
                }
                if let Some(cause) = err.retry_cause() {
                    tracing::debug!(attempt, %cause, "write conflict");
                }
                crate::metrics::record_retry(retry_cause::of(&err));
                if err.needs_fresh_connection() && connection::reopen_after_conflict(conn) {
                    tracing::debug!(attempt, "replaced the connection after a write conflict");
                }
                let ceiling = (4_u64 << attempt.min(6)).min(MAX_BACKOFF_MS);
                std::thread::sleep(Duration::from_millis(1 + rand::random::<u64>() % ceiling));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Lets `transaction` ask an error type whether it wraps a retryable database failure.
pub trait RetryClassify {
    fn is_retryable(&self) -> bool;
    /// Whether the database refused the transaction (rather than our own check, such as a
    /// version that moved): then the connection is not reused for the next attempt.
    fn needs_fresh_connection(&self) -> bool {
        self.is_retryable()
    }
    /// What conflicted, for the log.
    fn retry_cause(&self) -> Option<String> {
        None
    }
    /// The database error this wraps, if any, so a retry is counted under its cause.
    fn database_error(&self) -> Option<&DieselError> {
        None
    }
}

impl RetryClassify for DieselError {
    fn is_retryable(&self) -> bool {
        is_retryable(self)
    }

    fn database_error(&self) -> Option<&DieselError> {
        Some(self)
    }
}

/// A raw query with binds, over the backend of the multi-connection.
pub type BoxedQuery<'a> =
    diesel::query_builder::BoxedSqlQuery<'a, MultiBackend, diesel::query_builder::SqlQuery>;

/// Appends the binds of a compiled filter, in order, to a raw query.
pub fn bind_all<'a>(mut query: BoxedQuery<'a>, binds: &[filter_sql::SqlValue]) -> BoxedQuery<'a> {
    use diesel::sql_types::{BigInt, Bool, Double, Text, Timestamp};
    use filter_sql::SqlValue;
    for value in binds {
        query = match value {
            SqlValue::Text(v) => query.bind::<Text, _>(v.clone()),
            SqlValue::Bool(v) => query.bind::<Bool, _>(*v),
            SqlValue::Int(v) => query.bind::<BigInt, _>(*v),
            SqlValue::Float(v) => query.bind::<Double, _>(*v),
            SqlValue::Timestamp(v) => query.bind::<Timestamp, _>(*v),
        };
    }
    query
}

/// How many ids one `IN` list binds: well under SQLite's 32,766 and MySQL's 65,535 bind
/// parameters per statement, so a list of any length is sent in chunks of this size.
pub(crate) const IN_LIST_CHUNK: usize = 1000;

/// How old a request's database work may be for `transaction` to start another attempt:
/// under the 10 s a load balancer waits for a gatehouse node (docs/deploy.md) and the time Okta
/// and Entra wait for an answer.
pub const RETRY_WINDOW: Duration = Duration::from_secs(8);

/// `?, ?, …` for an `IN` list of `n` binds.
pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Loads `sql` for every `IN_LIST_CHUNK` of `ids`: `sql` binds the organization first and
/// names the list `{ids}` (`… WHERE x.org_id = ? AND x.id IN ({ids})`).
pub(crate) fn load_in_chunks<R>(
    conn: &mut DbConnection,
    sql: &str,
    org_id: &str,
    ids: &[&str],
) -> diesel::QueryResult<Vec<R>>
where
    R: diesel::QueryableByName<MultiBackend> + 'static,
{
    use diesel::sql_types::Text;
    use diesel::RunQueryDsl;
    let mut out = Vec::new();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        let mut query = diesel::sql_query(sql.replace("{ids}", &placeholders(chunk.len())))
            .into_boxed()
            .bind::<Text, _>(org_id.to_owned());
        for id in chunk {
            query = query.bind::<Text, _>(id.to_string());
        }
        out.extend(query.load::<R>(conn)?);
    }
    Ok(out)
}

/// The SQL dialect of a connection, for the filter compiler.
pub fn dialect(conn: &DbConnection) -> filter_sql::Dialect {
    match conn {
        DbConnection::Sqlite(_) => filter_sql::Dialect::Sqlite,
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(_) => filter_sql::Dialect::Mysql,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write that keeps conflicting stops trying once its request is older than the window,
    /// whatever attempts it has left: its client may have given up and sent a newer change.
    #[test]
    fn a_conflicting_write_makes_no_attempt_past_the_retry_window() {
        use diesel::Connection;
        use std::time::Instant;
        let sqlite = diesel::SqliteConnection::establish(":memory:").unwrap();
        let mut conn = DbConnection::Sqlite(sqlite);
        let conflict = || {
            DieselError::DatabaseError(
                DatabaseErrorKind::SerializationFailure,
                Box::new("write conflict".to_owned()),
            )
        };
        let mut attempts = 0;
        let mut run = |conn: &mut DbConnection, started: Instant| {
            attempts = 0;
            crate::telemetry::set_work_started(Some(started));
            let out: Result<(), DieselError> = transaction(conn, |_| {
                attempts += 1;
                Err(conflict())
            });
            crate::telemetry::set_work_started(None);
            assert!(out.is_err());
            attempts
        };
        assert_eq!(run(&mut conn, Instant::now() - RETRY_WINDOW * 2), 1);
        // A fresh request gets its attempts (20 at most).
        assert!(run(&mut conn, Instant::now()) > 1);
    }

    #[test]
    fn a_connection_lost_during_commit_is_an_outage_not_a_bug() {
        let gone = || {
            DieselError::DatabaseError(
                DatabaseErrorKind::Unknown,
                Box::new("Server has gone away".to_owned()),
            )
        };
        let err = DieselError::RollbackErrorOnCommit {
            rollback_error: Box::new(gone()),
            commit_error: Box::new(gone()),
        };
        assert!(matches!(DbError::from(err), DbError::Unavailable(_)));
        // A commit refused for another reason stays a query error.
        let refused = DieselError::RollbackErrorOnCommit {
            rollback_error: Box::new(gone()),
            commit_error: Box::new(DieselError::DatabaseError(
                DatabaseErrorKind::CheckViolation,
                Box::new("check failed".to_owned()),
            )),
        };
        assert!(matches!(DbError::from(refused), DbError::Query(_)));
    }
}
