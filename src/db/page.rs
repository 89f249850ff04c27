//! One page of a resource table: rows of an organization matching a compiled filter, in a
//! stable order, and the number of matches. Shared by users and groups.

use diesel::deserialize::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel::RunQueryDsl;

use super::filter_sql::{Compiled, SqlValue};
use super::reusable::Reusable;
use super::{DbConnection, MultiBackend};

/// Which page, of which matches.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest<'a> {
    pub filter: Option<&'a Compiled>,
    /// A compiled `ORDER BY` list ending in a unique column.
    pub order_by: &'a str,
    pub offset: i64,
    /// 0 asks only for the total.
    pub limit: i64,
    /// Whether the query's text comes from a bounded set of shapes, so each connection may keep
    /// its prepared statement (see `db::reusable`).
    pub reusable: bool,
}

impl PageRequest<'_> {
    /// The compiled filter's condition, or one that every row meets.
    fn condition(&self) -> &str {
        self.filter.map_or("1 = 1", |f| f.sql.as_str())
    }

    fn binds(&self) -> &[SqlValue] {
        self.filter.map_or(&[], |f| f.binds.as_slice())
    }
}

/// A table a page is read from.
#[derive(Debug, Clone, Copy)]
pub struct PagedTable<'a> {
    pub name: &'static str,
    /// What each row selects for its row type, comma-separated.
    pub columns: &'a str,
}

/// The rows of `req`'s page and the total number of matches.
///
/// A page past the first reads the ids of the page first (on the `(org_id, created_at)` index
/// with the default order, so skipped rows are never fetched whole) and then only those rows.
/// The total is counted only when the page can't tell it: a short page that isn't past the end
/// is the last one, so the total is its offset plus its length.
pub fn page<R>(
    conn: &mut DbConnection,
    table: PagedTable<'_>,
    org_id: &str,
    req: &PageRequest<'_>,
) -> diesel::QueryResult<(Vec<R>, i64)>
where
    R: QueryableByName<MultiBackend> + 'static,
{
    if req.limit == 0 {
        return Ok((Vec::new(), count(conn, table.name, org_id, req)?));
    }
    let PagedTable { name, columns } = table;
    let (order_by, condition) = (req.order_by, req.condition());
    let matching = format!("FROM {name} WHERE {name}.org_id = ? AND ({condition})");
    let sql = if req.offset == 0 {
        format!("SELECT {columns} {matching} ORDER BY {order_by} LIMIT ? OFFSET ?")
    } else {
        format!(
            "SELECT {columns} FROM {name} JOIN (SELECT {name}.id AS page_id {matching} \
             ORDER BY {order_by} LIMIT ? OFFSET ?) page ON page.page_id = {name}.id \
             ORDER BY {order_by}"
        )
    };
    let query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<Text, _>(org_id.to_owned());
    let query = super::bind_all(query, req.binds())
        .bind::<BigInt, _>(req.limit)
        .bind::<BigInt, _>(req.offset);
    let rows: Vec<R> = if req.reusable {
        Reusable(query).load(conn)?
    } else {
        query.load(conn)?
    };
    let total = match total_told_by_page(rows.len(), req.offset, req.limit) {
        Some(total) => total,
        None => count(conn, name, org_id, req)?,
    };
    Ok((rows, total))
}

/// The total number of matches when a page tells it: a short page that isn't past the end is
/// the last one, so the total is its offset plus its length. `None` when it must be counted.
pub(super) fn total_told_by_page(len: usize, offset: i64, limit: i64) -> Option<i64> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    (len < limit && (len > 0 || offset == 0)).then_some(offset + len)
}

/// The rows of an organization with the given ids, in no particular order (ids not found are
/// left out): the second step of a page whose ids were chosen elsewhere (`db::union_page`).
pub fn rows_with_ids<R>(
    conn: &mut DbConnection,
    table: PagedTable<'_>,
    org_id: &str,
    ids: &[&str],
) -> diesel::QueryResult<Vec<R>>
where
    R: QueryableByName<MultiBackend> + 'static,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let PagedTable { name, columns } = table;
    let sql = format!(
        "SELECT {columns} FROM {name} WHERE {name}.org_id = ? AND {name}.id IN ({})",
        super::placeholders(ids.len())
    );
    let mut query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<Text, _>(org_id.to_owned());
    for id in ids {
        query = query.bind::<Text, _>((*id).to_owned());
    }
    query.load(conn)
}

/// The number of a table's rows in an organization that match the request's filter.
fn count(
    conn: &mut DbConnection,
    table: &str,
    org_id: &str,
    req: &PageRequest<'_>,
) -> diesel::QueryResult<i64> {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let sql = format!(
        "SELECT COUNT(*) AS n FROM {table} WHERE {table}.org_id = ? AND ({})",
        req.condition()
    );
    let query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<Text, _>(org_id.to_owned());
    let query = super::bind_all(query, req.binds());
    let count: Count = if req.reusable {
        Reusable(query).get_result(conn)?
    } else {
        query.get_result(conn)?
    };
    Ok(count.n)
}
