//! The one connection type over both backends, the r2d2 manager that opens it, and the
//! per-connection settings. The backend is chosen from the URL scheme here, not by
//! `MultiConnection::establish`, whose error hides the real cause (server down, unknown
//! database) behind "invalid connection url".

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};

/// A connection to whichever backend the configured URL names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(diesel::SqliteConnection),
    #[cfg(feature = "mysql")]
    Mysql(diesel::MysqlConnection),
}

/// The database backends gatehouse runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Mysql,
}

impl Backend {
    /// The backend a database URL names, and the URL in the form its driver expects.
    pub fn from_url(url: &str) -> Result<(Backend, String), String> {
        if let Some(rest) = url.strip_prefix("sqlite://") {
            Ok((Backend::Sqlite, rest.to_owned()))
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            Ok((Backend::Sqlite, rest.to_owned()))
        } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            if cfg!(feature = "mysql") {
                Ok((Backend::Mysql, url.replacen("mariadb://", "mysql://", 1)))
            } else {
                Err("this build has no MySQL support: rebuild with `--features mysql`".into())
            }
        } else {
            Err(format!(
                "unsupported database URL {:?}: use sqlite://PATH or mysql://USER@HOST/DB",
                redact(url)
            ))
        }
    }
}

/// Opens connections for the pool and applies the session settings every connection needs.
#[derive(Debug, Clone)]
pub struct ConnectionFactory {
    backend: Backend,
    url: String,
}

impl ConnectionFactory {
    pub fn new(database_url: &str) -> Result<Self, String> {
        let (backend, url) = Backend::from_url(database_url)?;
        Ok(ConnectionFactory { backend, url })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Opens one connection, with the real driver error on failure.
    pub fn open(&self) -> ConnectionResult<DbConnection> {
        let mut conn = match self.backend {
            Backend::Sqlite => {
                DbConnection::Sqlite(diesel::SqliteConnection::establish(&self.url)?)
            }
            #[cfg(feature = "mysql")]
            Backend::Mysql => DbConnection::Mysql(diesel::MysqlConnection::establish(&self.url)?),
            #[cfg(not(feature = "mysql"))]
            Backend::Mysql => {
                return Err(ConnectionError::BadConnection(
                    "this build has no MySQL support".into(),
                ))
            }
        };
        apply_session_settings(&mut conn).map_err(ConnectionError::CouldntSetupConfiguration)?;
        Ok(conn)
    }
}

diesel::define_sql_function! {
    /// SQLite's built-in `lower` folds ASCII only; this one folds like Rust (Unicode), so a
    /// case-insensitive filter matches `Émile` on SQLite as it does on MariaDB.
    fn lower(text: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// Session settings applied to every new connection.
fn apply_session_settings(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        // WAL lets readers run beside the writer; busy_timeout makes a writer wait for the lock
        // instead of failing at once; case_sensitive_like makes LIKE byte-exact as on the MySQL
        // side (utf8mb4_bin), so case-insensitive matching is always explicit.
        DbConnection::Sqlite(c) => {
            lower_utils::register_impl(c, |text: Option<String>| text.map(|t| t.to_lowercase()))?;
            c.batch_execute(
                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
             PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
             PRAGMA case_sensitive_like = ON;",
            )
        }
        // UTC everywhere and strict mode, so a too-long value is an error rather than silently
        // truncated; room for the group list of a user in thousands of groups (the default
        // `GROUP_CONCAT` limit is 1 MiB).
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => c.batch_execute(
            "SET time_zone = '+00:00'; \
             SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION'; \
             SET SESSION group_concat_max_len = 16777216;",
        ),
    }
}

/// Database failures this process has seen. A pooled connection skips its checkout ping while
/// nothing has failed since it was last known good and it has not been idle long.
static FAULTS: AtomicU64 = AtomicU64::new(0);

/// How long an idle connection is trusted without a ping (proxies and `wait_timeout` close
/// idle connections; a fault anywhere makes every connection ping again).
const TRUSTED_IDLE: Duration = Duration::from_secs(10);

/// Records a database failure: every pooled connection is pinged before its next use.
pub(crate) fn note_fault() {
    FAULTS.fetch_add(1, Ordering::Relaxed);
}

thread_local! {
    /// The factory of the pooled connection this thread has checked out (set at checkout,
    /// cleared at check-in), so that a transaction can start over on a fresh connection.
    static CHECKED_OUT_FROM: RefCell<Option<ConnectionFactory>> = const { RefCell::new(None) };
}

/// Replaces a MySQL connection whose transaction a write conflict interrupted with a fresh one
/// from the pool's factory. After error 1213 a Galera node may refuse even the `ROLLBACK`, and
/// the session's transaction state is then in doubt: work run on it again was seen to answer
/// success while nothing was committed. Dropping the session rolls back whatever it held.
/// Returns whether the connection was replaced (never for SQLite, or outside pooled work).
pub(crate) fn reopen_after_conflict(conn: &mut DbConnection) -> bool {
    if matches!(conn, DbConnection::Sqlite(_)) {
        return false;
    }
    let factory = CHECKED_OUT_FROM.with(|f| f.borrow().clone());
    match factory.map(|f| f.open()) {
        Some(Ok(fresh)) => {
            *conn = fresh;
            true
        }
        Some(Err(e)) => {
            note_fault();
            tracing::warn!(error = %e, "could not reopen a connection after a write conflict");
            false
        }
        None => false,
    }
}

/// A connection in the pool, and what is known of its health.
pub struct PooledDb {
    conn: DbConnection,
    /// `FAULTS` when it was checked out.
    faults_at_checkout: u64,
    /// When it was last returned to the pool with no fault seen meanwhile, and `FAULTS` then.
    known_good: Option<(Instant, u64)>,
}

impl std::ops::Deref for PooledDb {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for PooledDb {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

impl ManageConnection for ConnectionFactory {
    type Connection = PooledDb;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<PooledDb, r2d2::Error> {
        let conn = self.open().map_err(|e| {
            note_fault();
            r2d2::Error::ConnectionError(e)
        })?;
        Ok(PooledDb {
            conn,
            faults_at_checkout: FAULTS.load(Ordering::Relaxed),
            known_good: None,
        })
    }

    /// Runs at checkout: a round trip only when the connection may have gone bad.
    fn is_valid(&self, pooled: &mut PooledDb) -> Result<(), r2d2::Error> {
        CHECKED_OUT_FROM.with(|f| *f.borrow_mut() = Some(self.clone()));
        let faults = FAULTS.load(Ordering::Relaxed);
        pooled.faults_at_checkout = faults;
        let trusted = pooled
            .known_good
            .is_some_and(|(at, seen)| seen == faults && at.elapsed() < TRUSTED_IDLE);
        if trusted {
            return Ok(());
        }
        pooled.conn.batch_execute("SELECT 1").map_err(|e| {
            note_fault();
            r2d2::Error::QueryError(e)
        })
    }

    /// Runs at check-in.
    fn has_broken(&self, pooled: &mut PooledDb) -> bool {
        use diesel::r2d2::R2D2Connection;
        CHECKED_OUT_FROM.with(|f| *f.borrow_mut() = None);
        let faults = FAULTS.load(Ordering::Relaxed);
        pooled.known_good = (faults == pooled.faults_at_checkout).then(|| (Instant::now(), faults));
        std::thread::panicking() || pooled.conn.is_broken()
    }
}

/// A database URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_from_the_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/g.db").ok(),
            Some((Backend::Sqlite, "data/g.db".to_owned()))
        );
        assert!(Backend::from_url("postgres://x").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("mysql://root:secret@h/db"), "mysql://root:***@h/db");
        assert_eq!(redact("mysql://root@h/db"), "mysql://root@h/db");
    }
}
