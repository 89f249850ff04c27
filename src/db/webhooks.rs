//! Queries on `webhook_endpoints`: an organization's webhook receivers and their signing
//! secrets (the current one, and the previous one until its rotation period ends).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::webhook_endpoints as w;
use super::DbConnection;

#[derive(Debug, Clone, Queryable)]
pub struct WebhookRow {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_valid_until: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &WebhookRow) -> QueryResult<()> {
    diesel::insert_into(w::table)
        .values((
            w::id.eq(&row.id),
            w::org_id.eq(&row.org_id),
            w::url.eq(&row.url),
            w::secret.eq(&row.secret),
            w::previous_secret.eq(&row.previous_secret),
            w::previous_valid_until.eq(row.previous_valid_until),
            w::disabled_at.eq(row.disabled_at),
            w::disabled_reason.eq(&row.disabled_reason),
            w::created_at.eq(row.created_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The organization's endpoints, oldest first.
pub fn list(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<WebhookRow>> {
    w::table
        .filter(w::org_id.eq(org_id))
        .order((w::created_at.asc(), w::id.asc()))
        .load(conn)
}

pub fn get(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<Option<WebhookRow>> {
    w::table
        .filter(w::org_id.eq(org_id))
        .filter(w::id.eq(id))
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<bool> {
    let hit =
        diesel::delete(w::table.filter(w::org_id.eq(org_id)).filter(w::id.eq(id))).execute(conn)?;
    Ok(hit == 1)
}

/// A new current secret; the old one stays valid until `previous_valid_until`.
pub fn rotate(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    secret: &str,
    previous: &str,
    previous_valid_until: NaiveDateTime,
) -> QueryResult<bool> {
    let hit = diesel::update(w::table.filter(w::org_id.eq(org_id)).filter(w::id.eq(id)))
        .set((
            w::secret.eq(secret),
            w::previous_secret.eq(Some(previous)),
            w::previous_valid_until.eq(Some(previous_valid_until)),
        ))
        .execute(conn)?;
    Ok(hit == 1)
}

/// Disables a live endpoint; false if it was already disabled or is gone.
pub fn disable(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let hit = diesel::update(
        w::table
            .filter(w::org_id.eq(org_id))
            .filter(w::id.eq(id))
            .filter(w::disabled_at.is_null()),
    )
    .set((
        w::disabled_at.eq(Some(now)),
        w::disabled_reason.eq(Some(reason)),
    ))
    .execute(conn)?;
    Ok(hit == 1)
}

/// Turns a disabled endpoint back on; false if it is not disabled or is gone.
pub fn enable(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<bool> {
    let hit = diesel::update(
        w::table
            .filter(w::org_id.eq(org_id))
            .filter(w::id.eq(id))
            .filter(w::disabled_at.is_not_null()),
    )
    .set((
        w::disabled_at.eq(None::<NaiveDateTime>),
        w::disabled_reason.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(hit == 1)
}
