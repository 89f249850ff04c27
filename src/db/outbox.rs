//! Queries on the notification outbox (`outbox`): writing a row in the caller's transaction.
//! Claiming (a compare-and-swap on `claim_version`, never `FOR UPDATE`: Galera locks one node
//! only), recording outcomes and listing dead letters live here too.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{outbox, outbox_deliveries};
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

/// A row a worker may try to claim: its id and the version it was read at.
#[derive(Debug, Clone, Queryable)]
pub struct Candidate {
    pub id: String,
    pub claim_version: i64,
}

/// Up to `limit` undelivered, live rows whose time has come, oldest first (every organization:
/// the worker serves the whole instance).
pub fn due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<Candidate>> {
    outbox::table
        .filter(outbox::delivered_at.is_null())
        .filter(outbox::dead_at.is_null())
        .filter(outbox::available_at.le(now))
        .order(outbox::available_at.asc())
        .limit(limit)
        .select((outbox::id, outbox::claim_version))
        .load(conn)
}

/// The compare-and-swap that claims a row: it succeeds (returns true) only if nobody moved
/// `claim_version` since `due` read it. The lease pushes `available_at` out, so the row comes
/// back by itself if this worker dies holding it.
pub fn claim(
    conn: &mut DbConnection,
    c: &Candidate,
    worker: &str,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    let hit = diesel::update(
        outbox::table
            .filter(outbox::id.eq(&c.id))
            .filter(outbox::claim_version.eq(c.claim_version))
            .filter(outbox::delivered_at.is_null())
            .filter(outbox::dead_at.is_null()),
    )
    .set((
        outbox::claim_version.eq(c.claim_version + 1),
        outbox::claimed_by.eq(worker),
        outbox::available_at.eq(lease_until),
    ))
    .execute(conn)?;
    Ok(hit == 1)
}

/// A claimed row, as delivery needs it.
#[derive(Debug, Clone, Queryable)]
pub struct OutboxRow {
    pub id: String,
    pub org_id: String,
    pub topic: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
}

pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<OutboxRow> {
    outbox::table
        .find(id)
        .select((
            outbox::id,
            outbox::org_id,
            outbox::topic,
            outbox::payload,
            outbox::created_at,
            outbox::attempts,
        ))
        .first(conn)
}

/// The targets that already accepted a notification.
pub fn delivered_targets(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<String>> {
    outbox_deliveries::table
        .filter(outbox_deliveries::outbox_id.eq(id))
        .select(outbox_deliveries::target)
        .load(conn)
}

/// Notes that `target` accepted the notification (a second note of the same is a no-op).
pub fn mark_target(
    conn: &mut DbConnection,
    id: &str,
    target: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let inserted = diesel::insert_into(outbox_deliveries::table)
        .values((
            outbox_deliveries::outbox_id.eq(id),
            outbox_deliveries::target.eq(target),
            outbox_deliveries::delivered_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// How an attempt ended, written only if this worker still holds the claim (`version`).
pub enum Outcome<'a> {
    Delivered,
    /// Finished with nowhere to deliver to: no live webhook endpoint and no recipient address
    /// (or no SMTP). Kept as delivered, with `last_error` saying why, so it is never retried
    /// forever and an operator can still see it.
    NoChannel,
    /// Try again at `retry_at`, or never (a dead letter) when `None`.
    Failed {
        error: &'a str,
        retry_at: Option<NaiveDateTime>,
    },
}

/// What `last_error` says of a notification that had no channel.
pub const NO_CHANNEL: &str = "no channel: no live webhook endpoint and no recipient email address";

/// Records an attempt's outcome; false if the claim was lost meanwhile (a lease that ran out).
pub fn finish(
    conn: &mut DbConnection,
    id: &str,
    version: i64,
    now: NaiveDateTime,
    outcome: Outcome<'_>,
) -> QueryResult<bool> {
    let mine = outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::claim_version.eq(version));
    let hit = match outcome {
        Outcome::Delivered => diesel::update(mine)
            .set((
                outbox::delivered_at.eq(Some(now)),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::last_error.eq(None::<String>),
            ))
            .execute(conn)?,
        Outcome::NoChannel => diesel::update(mine)
            .set((
                outbox::delivered_at.eq(Some(now)),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::last_error.eq(Some(NO_CHANNEL)),
            ))
            .execute(conn)?,
        Outcome::Failed { error, retry_at } => diesel::update(mine)
            .set((
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::last_error.eq(Some(error)),
                outbox::available_at.eq(retry_at.unwrap_or(now)),
                outbox::dead_at.eq(if retry_at.is_none() { Some(now) } else { None }),
            ))
            .execute(conn)?,
    };
    Ok(hit == 1)
}

/// Rows not yet delivered and not dead, in every organization (the backlog gauge).
pub fn backlog(conn: &mut DbConnection) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::delivered_at.is_null())
        .filter(outbox::dead_at.is_null())
        .count()
        .get_result(conn)
}

/// A dead letter as admins see it.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct DeadLetter {
    pub id: String,
    pub topic: String,
    pub payload: String,
    pub idempotency_key: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub dead_at: Option<NaiveDateTime>,
}

/// The organization's dead letters, most recent first.
pub fn dead_letters(
    conn: &mut DbConnection,
    org_id: &str,
    limit: i64,
) -> QueryResult<Vec<DeadLetter>> {
    outbox::table
        .filter(outbox::org_id.eq(org_id))
        .filter(outbox::dead_at.is_not_null())
        .order(outbox::dead_at.desc())
        .limit(limit)
        .select((
            outbox::id,
            outbox::topic,
            outbox::payload,
            outbox::idempotency_key,
            outbox::created_at,
            outbox::attempts,
            outbox::last_error,
            outbox::dead_at,
        ))
        .load(conn)
}

/// Brings a dead letter back for a fresh round of attempts (same id, so receivers still drop
/// a duplicate); false if there is no such dead letter in the organization.
pub fn revive(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let hit = diesel::update(
        outbox::table
            .filter(outbox::org_id.eq(org_id))
            .filter(outbox::id.eq(id))
            .filter(outbox::dead_at.is_not_null()),
    )
    .set((
        outbox::dead_at.eq(None::<NaiveDateTime>),
        outbox::attempts.eq(0),
        outbox::available_at.eq(now),
        outbox::claim_version.eq(outbox::claim_version + 1),
    ))
    .execute(conn)?;
    Ok(hit == 1)
}

/// Each recipient's address for mail: their primary email, else any email, else a userName
/// that is an address. Only users of `org_id`; a user with no address is left out.
pub fn recipient_addresses(
    conn: &mut DbConnection,
    org_id: &str,
    user_ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    use super::schema::{user_emails, users};
    let mut out = Vec::new();
    for chunk in user_ids.chunks(super::IN_LIST_CHUNK) {
        let names: Vec<(String, String)> = users::table
            .filter(users::org_id.eq(org_id))
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::user_name))
            .load(conn)?;
        let emails: Vec<(String, String, bool)> = user_emails::table
            .filter(user_emails::org_id.eq(org_id))
            .filter(user_emails::user_id.eq_any(chunk))
            .select((
                user_emails::user_id,
                user_emails::value,
                user_emails::is_primary,
            ))
            .load(conn)?;
        for (id, user_name) in names {
            let mine = emails.iter().filter(|(u, _, _)| *u == id);
            let best = mine
                .clone()
                .find(|(_, _, primary)| *primary)
                .or_else(|| mine.clone().next())
                .map(|(_, v, _)| v.clone())
                .or_else(|| user_name.contains('@').then_some(user_name));
            if let Some(address) = best {
                out.push((id, address));
            }
        }
    }
    Ok(out)
}
