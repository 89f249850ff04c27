//! Queries on app actors (`app_actors`): organization-owned, non-human identities, whether an
//! admin created them on the admin API or an IdP provisioned them over SCIM as `Agent`s. Writes
//! that change an existing row check its version, so two racing writers can't both win.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::app_actors;
use super::DbConnection;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = app_actors, treat_none_as_null = true)]
pub struct AppActorRow {
    pub org_id: String,
    pub id: String,
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub agent_type: Option<String>,
    pub active: bool,
    pub owner_kind: Option<String>,
    pub owner_id: Option<String>,
    pub created_by: Option<String>,
    /// `admin` or `scim`.
    pub created_via: String,
    pub connection_id: Option<String>,
    pub external_id: Option<String>,
    /// A JSON object of the attributes kept but not interpreted.
    pub document: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Inserts a new actor. A taken name is a unique violation (the caller's 409).
pub fn insert(conn: &mut DbConnection, row: &AppActorRow) -> QueryResult<()> {
    diesel::insert_into(app_actors::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// One actor of the organization.
pub fn find(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<Option<AppActorRow>> {
    app_actors::table
        .filter(app_actors::org_id.eq(org_id))
        .filter(app_actors::id.eq(id))
        .select(AppActorRow::as_select())
        .first(conn)
        .optional()
}

/// A page of the organization's actors, oldest first, after the `(created_at, id)` of the
/// previous page's last row.
pub fn list(
    conn: &mut DbConnection,
    org_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<AppActorRow>> {
    let mut query = app_actors::table
        .filter(app_actors::org_id.eq(org_id))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            app_actors::created_at
                .gt(at)
                .or(app_actors::created_at.eq(at).and(app_actors::id.gt(id))),
        );
    }
    query
        .order((app_actors::created_at.asc(), app_actors::id.asc()))
        .limit(limit)
        .select(AppActorRow::as_select())
        .load(conn)
}

/// Writes `row` over the stored actor if that is still at `expected_version` (`row.version`
/// is the new one); false if another writer got there first or the actor is gone.
pub fn update(
    conn: &mut DbConnection,
    row: &AppActorRow,
    expected_version: i64,
) -> QueryResult<bool> {
    let n = diesel::update(app_actors::table)
        .filter(app_actors::org_id.eq(&row.org_id))
        .filter(app_actors::id.eq(&row.id))
        .filter(app_actors::version.eq(expected_version))
        .set(row)
        .execute(conn)?;
    Ok(n == 1)
}

/// Deletes an actor; false if there was none. Its tokens and grants are the caller's to end in
/// the same transaction.
pub fn delete(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<bool> {
    let n = diesel::delete(app_actors::table)
        .filter(app_actors::org_id.eq(org_id))
        .filter(app_actors::id.eq(id))
        .execute(conn)?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// SCIM `Agent` listing (directory::agents): a page selects ids (`db::page`), then the rows.
// ---------------------------------------------------------------------------------------------

/// An actor's id, as a page of `APP_ACTOR_IDS_PAGE` selects it.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct AppActorId {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub id: String,
}

/// The table a page of actors is read from: ids only, the rows follow with `find_many`.
pub const APP_ACTOR_IDS_PAGE: super::page::PagedTable<'static> = super::page::PagedTable {
    name: "app_actors",
    columns: "app_actors.id AS id",
};

/// The organization's actors with these ids (those that exist), in no particular order.
pub fn find_many(
    conn: &mut DbConnection,
    org_id: &str,
    ids: &[&str],
) -> QueryResult<Vec<AppActorRow>> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(super::IN_LIST_CHUNK) {
        rows.extend(
            app_actors::table
                .filter(app_actors::org_id.eq(org_id))
                .filter(app_actors::id.eq_any(chunk))
                .select(AppActorRow::as_select())
                .load(conn)?,
        );
    }
    Ok(rows)
}
