//! Queries on the notification outbox (`outbox`): writing a row in the caller's transaction.
//! Claiming and delivery queries live here too.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::outbox;
use diesel::result::DatabaseErrorKind;

use super::DbConnection;

/// An outbox row before it is written.
pub struct NewOutboxRow<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub topic: &'a str,
    pub payload: &'a str,
    pub idempotency_key: &'a str,
    pub now: NaiveDateTime,
}

/// Inserts a row unless one with the same idempotency key exists; returns whether it did.
pub fn insert(conn: &mut DbConnection, row: &NewOutboxRow<'_>) -> QueryResult<bool> {
    let exists: i64 = outbox::table
        .filter(outbox::idempotency_key.eq(row.idempotency_key))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    let inserted = diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(row.id),
            outbox::org_id.eq(row.org_id),
            outbox::topic.eq(row.topic),
            outbox::payload.eq(row.payload),
            outbox::idempotency_key.eq(row.idempotency_key),
            outbox::created_at.eq(row.now),
            outbox::available_at.eq(row.now),
            outbox::attempts.eq(0),
            outbox::claim_version.eq(0_i64),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        // A concurrent transaction wrote the same key first (MySQL rolls back only the
        // statement; SQLite has one writer and never gets here).
        Err(diesel::result::Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}
