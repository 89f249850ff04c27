//! Queries on app actors' grants (`app_actor_grants`), their tokens' scopes
//! (`app_actor_tokens`), the registry app an actor belongs to (`app_actors.app_id`) and the
//! grants personal tokens used (`personal_token_grants_used`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{app_actor_grants, app_actor_tokens, app_actors, personal_token_grants_used};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = app_actor_grants)]
pub struct GrantRow {
    pub org_id: String,
    pub actor_id: String,
    pub resource_kind: String,
    pub access: String,
    /// A JSON array of project ids; `None`: not limited.
    pub projects: Option<String>,
    pub created_at: NaiveDateTime,
}

/// An actor's grants, in key order.
pub fn grants_of(
    conn: &mut DbConnection,
    org_id: &str,
    actor_id: &str,
) -> QueryResult<Vec<GrantRow>> {
    app_actor_grants::table
        .filter(app_actor_grants::org_id.eq(org_id))
        .filter(app_actor_grants::actor_id.eq(actor_id))
        .order((app_actor_grants::resource_kind, app_actor_grants::access))
        .select(GrantRow::as_select())
        .load(conn)
}

/// Replaces an actor's grants with `rows` (one statement each: the multi-backend connection
/// has no multi-row insert; an actor holds a handful).
pub fn replace_grants(
    conn: &mut DbConnection,
    org_id: &str,
    actor_id: &str,
    rows: &[GrantRow],
) -> QueryResult<()> {
    diesel::delete(app_actor_grants::table)
        .filter(app_actor_grants::org_id.eq(org_id))
        .filter(app_actor_grants::actor_id.eq(actor_id))
        .execute(conn)?;
    for row in rows {
        diesel::insert_into(app_actor_grants::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

/// The registry app an actor belongs to.
pub fn app_of(
    conn: &mut DbConnection,
    org_id: &str,
    actor_id: &str,
) -> QueryResult<Option<String>> {
    app_actors::table
        .filter(app_actors::org_id.eq(org_id))
        .filter(app_actors::id.eq(actor_id))
        .select(app_actors::app_id)
        .first::<Option<String>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Sets the registry app an actor belongs to.
pub fn set_app(
    conn: &mut DbConnection,
    org_id: &str,
    actor_id: &str,
    app_id: Option<&str>,
) -> QueryResult<()> {
    diesel::update(app_actors::table)
        .filter(app_actors::org_id.eq(org_id))
        .filter(app_actors::id.eq(actor_id))
        .set(app_actors::app_id.eq(app_id))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = app_actor_tokens)]
pub struct TokenScopeRow {
    pub token_id: String,
    pub org_id: String,
    pub actor_id: String,
    pub on_behalf_of: Option<String>,
    /// A JSON array of grants.
    pub grants: String,
}

pub fn insert_token_scope(conn: &mut DbConnection, row: &TokenScopeRow) -> QueryResult<()> {
    diesel::insert_into(app_actor_tokens::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn token_scope(
    conn: &mut DbConnection,
    org_id: &str,
    token_id: &str,
) -> QueryResult<Option<TokenScopeRow>> {
    app_actor_tokens::table
        .filter(app_actor_tokens::org_id.eq(org_id))
        .filter(app_actor_tokens::token_id.eq(token_id))
        .select(TokenScopeRow::as_select())
        .first(conn)
        .optional()
}

/// The scopes of some tokens of an actor (the listing), by token id.
pub fn token_scopes_of_actor(
    conn: &mut DbConnection,
    org_id: &str,
    actor_id: &str,
) -> QueryResult<Vec<TokenScopeRow>> {
    app_actor_tokens::table
        .filter(app_actor_tokens::org_id.eq(org_id))
        .filter(app_actor_tokens::actor_id.eq(actor_id))
        .select(TokenScopeRow::as_select())
        .load(conn)
}

/// Records that a personal token used `access` on `resource_kind` on `day`; a row already there
/// is success (two instances may record the same use at once).
pub fn record_personal_use(
    conn: &mut DbConnection,
    org_id: &str,
    token_id: &str,
    resource_kind: &str,
    access: &str,
    day: NaiveDateTime,
) -> QueryResult<()> {
    let inserted = diesel::insert_into(personal_token_grants_used::table)
        .values((
            personal_token_grants_used::org_id.eq(org_id),
            personal_token_grants_used::token_id.eq(token_id),
            personal_token_grants_used::resource_kind.eq(resource_kind),
            personal_token_grants_used::access.eq(access),
            personal_token_grants_used::used_on.eq(day),
        ))
        .execute(conn);
    match inserted {
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// The distinct `(resource_kind, access)` a personal token used since `since`.
pub fn personal_uses_since(
    conn: &mut DbConnection,
    org_id: &str,
    token_id: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<(String, String)>> {
    personal_token_grants_used::table
        .filter(personal_token_grants_used::org_id.eq(org_id))
        .filter(personal_token_grants_used::token_id.eq(token_id))
        .filter(personal_token_grants_used::used_on.ge(since))
        .select((
            personal_token_grants_used::resource_kind,
            personal_token_grants_used::access,
        ))
        .distinct()
        .load(conn)
}
