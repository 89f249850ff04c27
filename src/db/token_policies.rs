//! Queries on token expiration policies (`token_policies`): one row per organization and token
//! kind once a super admin set one; no row is the default.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::token_policies;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = token_policies)]
pub struct PolicyRow {
    pub org_id: String,
    pub kind: String,
    pub period_days: Option<i32>,
    pub set_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, org_id: &str, kind: &str) -> QueryResult<Option<PolicyRow>> {
    token_policies::table
        .filter(token_policies::org_id.eq(org_id))
        .filter(token_policies::kind.eq(kind))
        .select(PolicyRow::as_select())
        .first(conn)
        .optional()
}

/// Writes the policy of one kind (replacing the previous one): update, else insert.
pub fn put(
    conn: &mut DbConnection,
    org_id: &str,
    kind: &str,
    period_days: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let n = diesel::update(token_policies::table)
        .filter(token_policies::org_id.eq(org_id))
        .filter(token_policies::kind.eq(kind))
        .set((
            token_policies::period_days.eq(period_days),
            token_policies::set_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(token_policies::table)
            .values((
                token_policies::org_id.eq(org_id),
                token_policies::kind.eq(kind),
                token_policies::period_days.eq(period_days),
                token_policies::set_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
