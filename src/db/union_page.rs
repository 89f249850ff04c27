//! One page of a search across resource tables (RFC 7644 §3.4.3, a `/.search` at the server
//! root): each table contributes the ids and sort keys of its matching rows, the database
//! merges them with `UNION ALL` under one order, and only the page's `(table, id)` pairs come
//! back; the caller then reads those rows per table (`page::rows_with_ids`). The tables are
//! never read whole, and the order is total (sort key, then table, then id), so pages neither
//! repeat nor skip a resource.

use diesel::sql_types::{BigInt, Text};
use diesel::RunQueryDsl;

use super::filter_sql::Compiled;
use super::page::total_told_by_page;
use super::DbConnection;

/// One table's part of the search.
#[derive(Debug, Clone, Copy)]
pub struct Branch<'a> {
    /// Tells the table's hits apart; also the order between tables when sort keys tie.
    pub tag: i64,
    pub table: &'static str,
    /// The qualified primary key.
    pub id: &'static str,
    /// The sort key expression over the table, or `None` when the table has no such
    /// attribute: its rows sort as having no value (RFC 7644 §3.4.2.3: last ascending).
    pub sort_key: Option<&'a str>,
    /// The compiled filter, or `None` for every row of the organization.
    pub filter: Option<&'a Compiled>,
}

/// Which page of the merged matches.
#[derive(Debug, Clone, Copy)]
pub struct UnionRequest<'a> {
    pub branches: &'a [Branch<'a>],
    pub descending: bool,
    pub offset: i64,
    /// 0 asks only for the total.
    pub limit: i64,
}

/// A row of the page: which branch it came from, and its id.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = BigInt)]
    pub tag: i64,
    #[diesel(sql_type = Text)]
    pub id: String,
}

/// The `(branch, id)` pairs of the page, in order, and the total number of matches.
pub fn union_page(
    conn: &mut DbConnection,
    org_id: &str,
    req: &UnionRequest<'_>,
) -> diesel::QueryResult<(Vec<Hit>, i64)> {
    if req.branches.is_empty() {
        return Ok((Vec::new(), 0));
    }
    if req.limit == 0 {
        return Ok((Vec::new(), count(conn, org_id, req.branches)?));
    }
    let selects: Vec<String> = req
        .branches
        .iter()
        .map(|b| {
            format!(
                "SELECT {} AS tag, {} AS id, {} AS sort_key {}",
                b.tag,
                b.id,
                b.sort_key.unwrap_or("NULL"),
                matching(b)
            )
        })
        .collect();
    let dir = if req.descending { "DESC" } else { "ASC" };
    // `IS NULL` is 0 for a value and 1 for none: resources without a value sort last
    // ascending and first descending (RFC 7644 §3.4.2.3), on both backends.
    let sql = format!(
        "SELECT hits.tag AS tag, hits.id AS id FROM ({}) hits \
         ORDER BY (hits.sort_key IS NULL) {dir}, hits.sort_key {dir}, hits.tag {dir}, hits.id {dir} \
         LIMIT ? OFFSET ?",
        selects.join(" UNION ALL ")
    );
    let query = bind_branches(diesel::sql_query(sql).into_boxed(), org_id, req.branches)
        .bind::<BigInt, _>(req.limit)
        .bind::<BigInt, _>(req.offset);
    let hits: Vec<Hit> = query.load(conn)?;
    let total = match total_told_by_page(hits.len(), req.offset, req.limit) {
        Some(total) => total,
        None => count(conn, org_id, req.branches)?,
    };
    Ok((hits, total))
}

/// `FROM … WHERE …` of one branch: its organization's rows that match its filter.
fn matching(b: &Branch<'_>) -> String {
    let condition = b.filter.map_or("1 = 1", |f| f.sql.as_str());
    let table = b.table;
    format!("FROM {table} WHERE {table}.org_id = ? AND ({condition})")
}

/// The binds of every branch, in the order their `SELECT`s appear.
fn bind_branches<'a>(
    mut query: super::BoxedQuery<'a>,
    org_id: &str,
    branches: &[Branch<'_>],
) -> super::BoxedQuery<'a> {
    for b in branches {
        query = query.bind::<Text, _>(org_id.to_owned());
        query = super::bind_all(query, b.filter.map_or(&[], |f| f.binds.as_slice()));
    }
    query
}

/// The number of matches over every branch.
fn count(
    conn: &mut DbConnection,
    org_id: &str,
    branches: &[Branch<'_>],
) -> diesel::QueryResult<i64> {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let selects: Vec<String> = branches
        .iter()
        .map(|b| format!("SELECT COUNT(*) AS n {}", matching(b)))
        .collect();
    // A sum of per-table counts: each is answered from its own index.
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(parts.n), 0) AS SIGNED) AS n FROM ({}) parts",
        selects.join(" UNION ALL ")
    );
    let count: Count =
        bind_branches(diesel::sql_query(sql).into_boxed(), org_id, branches).get_result(conn)?;
    Ok(count.n)
}
