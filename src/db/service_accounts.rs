//! Queries on service accounts (`service_accounts`): organization-owned identities. Deleting one
//! marks it deleted (its audit trail keeps the id meaningful).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::service_accounts;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = service_accounts)]
pub struct ServiceAccountRow {
    pub org_id: String,
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &ServiceAccountRow) -> QueryResult<()> {
    diesel::insert_into(service_accounts::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// A live (not deleted) service account of the organization.
pub fn find(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<ServiceAccountRow>> {
    service_accounts::table
        .filter(service_accounts::org_id.eq(org_id))
        .filter(service_accounts::id.eq(id))
        .filter(service_accounts::deleted_at.is_null())
        .select(ServiceAccountRow::as_select())
        .first(conn)
        .optional()
}

/// The organization's live service accounts, oldest first.
pub fn list(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<ServiceAccountRow>> {
    service_accounts::table
        .filter(service_accounts::org_id.eq(org_id))
        .filter(service_accounts::deleted_at.is_null())
        .order((
            service_accounts::created_at.asc(),
            service_accounts::id.asc(),
        ))
        .select(ServiceAccountRow::as_select())
        .load(conn)
}

/// Marks a live account deleted; false if there was none.
pub fn delete(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(service_accounts::table)
        .filter(service_accounts::org_id.eq(org_id))
        .filter(service_accounts::id.eq(id))
        .filter(service_accounts::deleted_at.is_null())
        .set(service_accounts::deleted_at.eq(now))
        .execute(conn)?;
    Ok(n == 1)
}
