//! The cause under which a transaction retry is counted: a closed set of metric labels
//! (`metrics::RetryCause`), never the error's free text.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::{commit_check, RetryClassify};
use crate::metrics::RetryCause;

/// The bounded metric label of a retryable failure: a database error by its kind; without
/// one, a failure our own optimistic check raised (the database refused nothing) is a version
/// conflict.
pub(super) fn of<E: RetryClassify>(err: &E) -> RetryCause {
    match err.database_error() {
        Some(e) => classify(e),
        None if !err.needs_fresh_connection() => RetryCause::VersionConflict,
        None => RetryCause::Other,
    }
}

fn classify(err: &DieselError) -> RetryCause {
    match err {
        DieselError::RollbackErrorOnCommit { commit_error, .. } => classify(commit_error),
        DieselError::BrokenTransactionManager => RetryCause::BrokenTransaction,
        DieselError::DatabaseError(kind, info) => {
            let m = info.message().to_ascii_lowercase();
            // MySQL 1213 (a deadlock or a Galera certification failure) is one cause, whether
            // Diesel saw it at a statement (`SerializationFailure`) or at COMMIT (`Unknown`).
            if info.message() == commit_check::NOT_KEPT {
                RetryCause::CommitNotKept
            } else if matches!(kind, DatabaseErrorKind::SerializationFailure)
                || m.contains("deadlock")
            {
                RetryCause::Serialization
            } else if m.contains("lock wait") {
                RetryCause::LockWait
            } else if m.contains("database is locked") {
                RetryCause::Busy
            } else {
                RetryCause::Other
            }
        }
        _ => RetryCause::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::DirectoryError;

    fn db_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn database_failures_are_counted_by_kind() {
        let cases = [
            (
                db_error(
                    DatabaseErrorKind::SerializationFailure,
                    "Deadlock found when trying to get lock",
                ),
                RetryCause::Serialization,
            ),
            (
                db_error(DatabaseErrorKind::Unknown, "Deadlock found (at COMMIT)"),
                RetryCause::Serialization,
            ),
            (
                db_error(
                    DatabaseErrorKind::SerializationFailure,
                    "serialization failure",
                ),
                RetryCause::Serialization,
            ),
            (
                db_error(
                    DatabaseErrorKind::SerializationFailure,
                    commit_check::NOT_KEPT,
                ),
                RetryCause::CommitNotKept,
            ),
            (
                db_error(DatabaseErrorKind::Unknown, "database is locked"),
                RetryCause::Busy,
            ),
            (
                db_error(DatabaseErrorKind::Unknown, "Lock wait timeout exceeded"),
                RetryCause::LockWait,
            ),
            (
                DieselError::BrokenTransactionManager,
                RetryCause::BrokenTransaction,
            ),
        ];
        for (err, cause) in cases {
            assert_eq!(of(&err), cause, "{err}");
        }
    }

    #[test]
    fn a_moved_version_is_a_version_conflict_and_a_wrapped_error_keeps_its_kind() {
        assert_eq!(of(&DirectoryError::Conflict), RetryCause::VersionConflict);
        let wrapped =
            DirectoryError::from(db_error(DatabaseErrorKind::Unknown, "database is locked"));
        assert_eq!(of(&wrapped), RetryCause::Busy);
    }
}
