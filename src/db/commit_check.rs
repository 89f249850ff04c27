//! Verifies that a COMMIT the database acknowledged was kept. On a MariaDB Galera cluster, under
//! concurrent writes to one row from several nodes, the failure test saw COMMITs answered OK
//! whose transactions left nothing behind on any node (their own later reads inside the
//! transaction no longer saw their writes). Every mutation writes its audit event in its
//! transaction, so after the outermost COMMIT on MySQL one primary-key read of that event tells
//! whether the transaction is there; if not, it is reported as a serialization failure and the
//! whole transaction runs again on a fresh connection. SQLite has one writer and needs no check.

use std::cell::{Cell, RefCell};

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::audit_events;
use super::DbConnection;

thread_local! {
    /// How many `transaction` calls are running on this thread (only the outermost commits).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// The last audit event written by the running transaction.
    static AUDIT_EVENT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Called by the audit trail for each event it writes inside a transaction.
pub fn expect_committed_audit_event(id: &str) {
    AUDIT_EVENT.with(|e| *e.borrow_mut() = Some(id.to_owned()));
}

/// Marks one `transaction` call on this thread for as long as it lives.
pub(super) struct Scope;

impl Scope {
    pub(super) fn enter() -> Scope {
        DEPTH.with(|d| d.set(d.get() + 1));
        Scope
    }

    /// Before each attempt of the outermost transaction: forget what an earlier attempt wrote.
    pub(super) fn begin_attempt(&self) {
        if outermost() {
            AUDIT_EVENT.with(|e| e.borrow_mut().take());
        }
    }
}

fn outermost() -> bool {
    DEPTH.with(|d| d.get() == 1)
}

impl Drop for Scope {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// The message of the failure `verify` reports, by which retries are counted under their cause.
pub(super) const NOT_KEPT: &str = "acknowledged COMMIT was not kept";

/// After a COMMIT: whether the transaction's last audit event is really stored. Only the
/// outermost transaction checks (an inner one commits a savepoint).
pub(super) fn verify(conn: &mut DbConnection) -> Result<(), DieselError> {
    if !outermost() {
        return Ok(());
    }
    let Some(event) = AUDIT_EVENT.with(|e| e.borrow_mut().take()) else {
        return Ok(());
    };
    if matches!(conn, DbConnection::Sqlite(_)) {
        return Ok(());
    }
    let kept: i64 = audit_events::table
        .filter(audit_events::id.eq(&event))
        .count()
        .get_result(conn)?;
    if kept == 1 {
        return Ok(());
    }
    tracing::warn!("the database acknowledged a COMMIT it did not keep; running it again");
    Err(DieselError::DatabaseError(
        DatabaseErrorKind::SerializationFailure,
        Box::new(NOT_KEPT.to_owned()),
    ))
}
