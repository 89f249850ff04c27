//! Queries on `scheduled_jobs`: one row per periodic job, claimed for one period at a time with
//! a compare-and-swap on `claim_version` (see `outbox::schedule`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::scheduled_jobs as j;
use super::DbConnection;

/// The job's version and next due time, creating it (due now) the first time it is named.
pub fn read_or_create(
    conn: &mut DbConnection,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<(i64, NaiveDateTime)> {
    let found = j::table
        .find(name)
        .select((j::claim_version, j::next_run_at))
        .first(conn)
        .optional()?;
    if let Some(found) = found {
        return Ok(found);
    }
    let inserted = diesel::insert_into(j::table)
        .values((
            j::name.eq(name),
            j::claim_version.eq(0_i64),
            j::next_run_at.eq(now),
            j::claimed_by.eq(None::<String>),
        ))
        .execute(conn);
    match inserted {
        // Another instance created it first: read theirs.
        Ok(_) | Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => j::table
            .find(name)
            .select((j::claim_version, j::next_run_at))
            .first(conn),
        Err(e) => Err(e),
    }
}

/// Moves the job to `next_run_at` if its version is still `version`; true if this call did.
pub fn advance(
    conn: &mut DbConnection,
    name: &str,
    version: i64,
    next_run_at: NaiveDateTime,
    claimed_by: &str,
) -> QueryResult<bool> {
    let hit = diesel::update(
        j::table
            .filter(j::name.eq(name))
            .filter(j::claim_version.eq(version)),
    )
    .set((
        j::claim_version.eq(version + 1),
        j::next_run_at.eq(next_run_at),
        j::claimed_by.eq(Some(claimed_by)),
    ))
    .execute(conn)?;
    Ok(hit == 1)
}
