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

/// Filters of the admin listing of active tokens.
#[derive(Debug, Clone, Default)]
pub struct ActiveFilter<'a> {
    pub owner: Option<&'a str>,
    pub last_used_before: Option<NaiveDateTime>,
    pub last_used_after: Option<NaiveDateTime>,
}

/// The organization's tokens of `kinds` that are neither revoked nor expired at `now`, oldest
/// first.
pub fn list_active(
    conn: &mut DbConnection,
    org_id: &str,
    kinds: &[&str],
    filter: &ActiveFilter<'_>,
    now: NaiveDateTime,
) -> QueryResult<Vec<TokenRow>> {
    let mut q = tokens::table
        .filter(tokens::org_id.eq(org_id))
        .filter(tokens::kind.eq_any(kinds))
        .filter(tokens::revoked_at.is_null())
        .filter(tokens::expires_at.is_null().or(tokens::expires_at.gt(now)))
        .into_boxed();
    if let Some(owner) = filter.owner {
        q = q.filter(tokens::subject_id.eq(owner));
    }
    if let Some(at) = filter.last_used_before {
        q = q.filter(tokens::last_used_at.lt(at));
    }
    if let Some(at) = filter.last_used_after {
        q = q.filter(tokens::last_used_at.gt(at));
    }
    q.order((tokens::created_at.asc(), tokens::id.asc()))
        .select(TokenRow::as_select())
        .load(conn)
}

/// One token of the organization, whatever its state.
pub fn find_in_org(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<TokenRow>> {
    tokens::table
        .filter(tokens::org_id.eq(org_id))
        .filter(tokens::id.eq(id))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()
}

/// Revokes one unrevoked token of the organization, whoever it authenticates as.
pub fn revoke_in_org(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(tokens::table)
        .filter(tokens::org_id.eq(org_id))
        .filter(tokens::id.eq(id))
        .filter(tokens::revoked_at.is_null())
        .set(tokens::revoked_at.eq(now))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Revokes every unrevoked token of one kind in the organization (optionally of one subject);
/// returns the rows as they were before.
pub fn revoke_all(
    conn: &mut DbConnection,
    org_id: &str,
    kind: &str,
    subject_id: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<Vec<TokenRow>> {
    let mut q = tokens::table
        .filter(tokens::org_id.eq(org_id))
        .filter(tokens::kind.eq(kind))
        .filter(tokens::revoked_at.is_null())
        .into_boxed();
    if let Some(s) = subject_id {
        q = q.filter(tokens::subject_id.eq(s));
    }
    let rows: Vec<TokenRow> = q.select(TokenRow::as_select()).load(conn)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    for chunk in ids.chunks(500) {
        diesel::update(tokens::table)
            .filter(tokens::org_id.eq(org_id))
            .filter(tokens::id.eq_any(chunk))
            .filter(tokens::revoked_at.is_null())
            .set(tokens::revoked_at.eq(now))
            .execute(conn)?;
    }
    Ok(rows)
}

/// Brings the expiry of every unrevoked token of one kind (optionally of one subject) down to
/// `cap`, leaving those that already expire sooner: one statement; the number changed.
pub fn cap_expiry(
    conn: &mut DbConnection,
    org_id: &str,
    kind: &str,
    subject_id: Option<&str>,
    cap: NaiveDateTime,
) -> QueryResult<usize> {
    let mut q = diesel::update(tokens::table)
        .filter(tokens::org_id.eq(org_id))
        .filter(tokens::kind.eq(kind))
        .filter(tokens::revoked_at.is_null())
        .filter(tokens::expires_at.is_null().or(tokens::expires_at.gt(cap)))
        .into_boxed();
    if let Some(s) = subject_id {
        q = q.filter(tokens::subject_id.eq(s));
    }
    q.set(tokens::expires_at.eq(cap)).execute(conn)
}

/// Unrevoked tokens of `kinds`, in every organization, expiring in `(after, until]`: what the
/// expiry-warning sweep reads.
pub fn expiring_between(
    conn: &mut DbConnection,
    kinds: &[&str],
    after: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<TokenRow>> {
    tokens::table
        .filter(tokens::kind.eq_any(kinds))
        .filter(tokens::revoked_at.is_null())
        .filter(tokens::expires_at.gt(after))
        .filter(tokens::expires_at.le(until))
        .order(tokens::expires_at.asc())
        .select(TokenRow::as_select())
        .load(conn)
}

/// Tokens by their public key ids, in any organization (the leaked-token report).
pub fn find_by_key_ids(conn: &mut DbConnection, key_ids: &[&str]) -> QueryResult<Vec<TokenRow>> {
    let mut out = Vec::new();
    for chunk in key_ids.chunks(500) {
        out.extend(
            tokens::table
                .filter(tokens::key_id.eq_any(chunk))
                .select(TokenRow::as_select())
                .load::<TokenRow>(conn)?,
        );
    }
    Ok(out)
}

/// Every unrevoked token of the organization, oldest first (the credential inventory).
pub fn unrevoked_in_org(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<TokenRow>> {
    tokens::table
        .filter(tokens::org_id.eq(org_id))
        .filter(tokens::revoked_at.is_null())
        .order((tokens::created_at.asc(), tokens::id.asc()))
        .select(TokenRow::as_select())
        .load(conn)
}

/// The userNames of some users of the organization, as `(id, userName)` pairs.
pub fn user_names(
    conn: &mut DbConnection,
    org_id: &str,
    ids: &[&str],
) -> QueryResult<Vec<(String, String)>> {
    use super::schema::users;
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            users::table
                .filter(users::org_id.eq(org_id))
                .filter(users::id.eq_any(chunk))
                .select((users::id, users::user_name))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(out)
}
