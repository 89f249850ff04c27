//! The one connection type over both backends, the r2d2 manager that opens it, and the
//! per-connection settings. The backend is chosen from the URL scheme here, not by
//! `MultiConnection::establish`, whose error hides the real cause (server down, unknown
//! database) behind "invalid connection url".

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
        // truncated.
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => c.batch_execute(
            "SET time_zone = '+00:00'; \
             SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION';",
        ),
    }
}

impl ManageConnection for ConnectionFactory {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.open().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
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
