//! Queries on agentic applications (`agentic_applications`), the SCIM `AgenticApplication`
//! resources an IdP provisions. Writes that change an existing row check its version, so two
//! racing writers can't both win.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::page::PagedTable;
use super::schema::agentic_applications;
use super::DbConnection;

#[derive(
    Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = agentic_applications, treat_none_as_null = true)]
pub struct AgenticApplicationRow {
    pub org_id: String,
    pub id: String,
    pub name: String,
    pub external_id: Option<String>,
    /// The IdP connection that provisioned it (and may change it).
    pub connection_id: Option<String>,
    /// The SCIM attributes other than `name` and `externalId`, as a JSON object.
    pub document: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The table a page of applications is read from (`db::page`).
pub const AGENTIC_APPLICATIONS_PAGE: PagedTable<'static> = PagedTable {
    name: "agentic_applications",
    columns: "agentic_applications.org_id, agentic_applications.id, agentic_applications.name, \
              agentic_applications.external_id, agentic_applications.connection_id, \
              agentic_applications.document, agentic_applications.version, \
              agentic_applications.created_at, agentic_applications.updated_at",
};

/// Inserts a new application. A taken name is a unique violation (the caller's 409).
pub fn insert(conn: &mut DbConnection, row: &AgenticApplicationRow) -> QueryResult<()> {
    diesel::insert_into(agentic_applications::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// One application of the organization.
pub fn find(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<AgenticApplicationRow>> {
    agentic_applications::table
        .filter(agentic_applications::org_id.eq(org_id))
        .filter(agentic_applications::id.eq(id))
        .select(AgenticApplicationRow::as_select())
        .first(conn)
        .optional()
}

/// Writes `row` over the stored application if that is still at `expected_version`; false if
/// another writer got there first or the application is gone.
pub fn update(
    conn: &mut DbConnection,
    row: &AgenticApplicationRow,
    expected_version: i64,
) -> QueryResult<bool> {
    let n = diesel::update(agentic_applications::table)
        .filter(agentic_applications::org_id.eq(&row.org_id))
        .filter(agentic_applications::id.eq(&row.id))
        .filter(agentic_applications::version.eq(expected_version))
        .set(row)
        .execute(conn)?;
    Ok(n == 1)
}

/// Deletes an application if it is still at `expected_version`; false if it changed or is gone.
pub fn delete(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    expected_version: i64,
) -> QueryResult<bool> {
    let n = diesel::delete(agentic_applications::table)
        .filter(agentic_applications::org_id.eq(org_id))
        .filter(agentic_applications::id.eq(id))
        .filter(agentic_applications::version.eq(expected_version))
        .execute(conn)?;
    Ok(n == 1)
}
