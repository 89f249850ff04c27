//! Queries on issued tokens. Only hashes are stored; lookups go by the token's public key id.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::tokens;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tokens)]
pub struct TokenRow {
    pub id: String,
    pub org_id: String,
    pub kind: String,
    pub key_id: String,
    pub secret_hash: String,
    pub subject_id: String,
    pub name: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tokens)]
pub struct NewToken<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub kind: &'a str,
    pub key_id: &'a str,
    pub secret_hash: &'a str,
    pub subject_id: &'a str,
    pub name: &'a str,
    pub created_by: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert_token(conn: &mut DbConnection, new: &NewToken<'_>) -> QueryResult<()> {
    diesel::insert_into(tokens::table)
        .values(new.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn find_by_key_id(conn: &mut DbConnection, key_id: &str) -> QueryResult<Option<TokenRow>> {
    tokens::table
        .filter(tokens::key_id.eq(key_id))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()
}

/// Records use unless another request recorded it since `stale` (concurrent requests on one
/// token write once).
pub fn touch_last_used(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
    stale: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(tokens::table)
        .filter(tokens::id.eq(id))
        .filter(
            tokens::last_used_at
                .is_null()
                .or(tokens::last_used_at.lt(stale)),
        )
        .set(tokens::last_used_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

/// The tokens that authenticate as one subject (e.g. a connection's secrets), oldest first.
pub fn tokens_of_subject(
    conn: &mut DbConnection,
    org_id: &str,
    subject_id: &str,
) -> QueryResult<Vec<TokenRow>> {
    tokens::table
        .filter(tokens::org_id.eq(org_id))
        .filter(tokens::subject_id.eq(subject_id))
        .order((tokens::created_at.asc(), tokens::id.asc()))
        .select(TokenRow::as_select())
        .load(conn)
}

/// Revokes a token of a subject; false if there is no such unrevoked token.
pub fn revoke(
    conn: &mut DbConnection,
    org_id: &str,
    subject_id: &str,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(tokens::table)
        .filter(tokens::org_id.eq(org_id))
        .filter(tokens::subject_id.eq(subject_id))
        .filter(tokens::id.eq(id))
        .filter(tokens::revoked_at.is_null())
        .set(tokens::revoked_at.eq(now))
        .execute(conn)?;
    Ok(updated == 1)
}
