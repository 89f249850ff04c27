//! List and search (RFC 7644 §3.4.2): the filter compiled to SQL over indexed columns, sorting
//! with a stable tie-breaker, 1-based paging, and the derived attributes of a page fetched in
//! one query per page (never one per resource).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{render, Caller, DirectoryError};
use crate::db::filter_sql::{self, Compiled, TableMap};
use crate::db::groups::{self as group_store, GroupRow};
use crate::db::page::{page, PageRequest};
use crate::db::users::{self as user_store, UserRow};
use crate::db::{self, DbConnection};
use crate::scim::filter::{parse_attr_path, parse_filter, CompareOp, Filter};
use crate::scim::schema::{ResourceTypeDef, GROUP, USER};

/// A list request, already bounded by the service's limits.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub descending: bool,
    /// 1-based index of the first result.
    pub start_index: i64,
    /// Page size, already capped at `maxResults`; 0 asks only for `totalResults`.
    pub count: i64,
    /// Whether group members are wanted (`excludedAttributes=members` says no).
    pub with_members: bool,
}

/// A page of resources.
#[derive(Debug, Clone)]
pub struct ListResult {
    pub total_results: i64,
    pub start_index: i64,
    pub resources: Vec<Value>,
}

pub(super) struct Prepared {
    filter: Option<Compiled>,
    order_by: String,
    offset: i64,
    reusable: bool,
}

impl Prepared {
    pub(super) fn request<'a>(&'a self, query: &ListQuery) -> PageRequest<'a> {
        PageRequest {
            filter: self.filter.as_ref(),
            order_by: &self.order_by,
            offset: self.offset,
            limit: query.count,
            reusable: self.reusable,
        }
    }
}

pub(super) fn prepare(
    conn: &DbConnection,
    caller: &Caller,
    rt: &ResourceTypeDef,
    map: &TableMap,
    query: &ListQuery,
) -> Result<Prepared, DirectoryError> {
    let dialect = db::dialect(conn);
    // The caller's IdP dialect may rewrite literals (Entra's "True") before compiling.
    let filter = match query
        .filter
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        Some(text) => Some(caller.dialect.filter(rt, parse_filter(text)?)),
        None => None,
    };
    let compiled = match &filter {
        Some(parsed) => Some(filter_sql::compile_filter(parsed, rt, map, dialect)?),
        None => None,
    };
    let sort_by = match query
        .sort_by
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(text) => Some(parse_attr_path(text)?),
        None => None,
    };
    let order_by = filter_sql::order_by(sort_by.as_ref(), query.descending, rt, map, dialect)?;
    // The lookups IdPs make all the time (`userName eq "…"`, `externalId eq "…"`, a plain
    // listing) have one SQL text per attribute; those statements are worth keeping.
    let reusable = sort_by.is_none()
        && filter.as_ref().map_or(true, |f| {
            matches!(
                f,
                Filter::Compare {
                    op: CompareOp::Eq,
                    ..
                } | Filter::Present(_)
            )
        });
    Ok(Prepared {
        filter: compiled,
        order_by,
        offset: query.start_index.max(1) - 1,
        reusable,
    })
}

pub fn list_users(
    conn: &mut DbConnection,
    caller: &Caller,
    query: &ListQuery,
) -> Result<ListResult, DirectoryError> {
    let p = prepare(conn, caller, &USER, &filter_sql::USERS, query)?;
    let org = caller.org_id.as_str();
    let (rows, total) = page::<UserRow>(
        conn,
        user_store::users_page(db::dialect(conn)),
        org,
        &p.request(query),
    )?;
    let resources = users_as_resources(conn, &rows, caller)?;
    Ok(ListResult {
        total_results: total,
        start_index: query.start_index.max(1),
        resources,
    })
}

pub fn list_groups(
    conn: &mut DbConnection,
    caller: &Caller,
    query: &ListQuery,
) -> Result<ListResult, DirectoryError> {
    let p = prepare(conn, caller, &GROUP, &filter_sql::GROUPS, query)?;
    let org = caller.org_id.as_str();
    let (rows, total) = page::<GroupRow>(conn, group_store::GROUPS_PAGE, org, &p.request(query))?;
    let resources = groups_as_resources(conn, &rows, caller, query.with_members)?;
    Ok(ListResult {
        total_results: total,
        start_index: query.start_index.max(1),
        resources,
    })
}

/// Users as SCIM resources, in the order of `rows`.
pub(super) fn users_as_resources(
    conn: &mut DbConnection,
    rows: &[UserRow],
    caller: &Caller,
) -> Result<Vec<Value>, DirectoryError> {
    rows.iter()
        .map(|row| {
            let groups = super::users::groups_of(conn, caller, row)?;
            Ok(render::user(row, &groups, &caller.scim_base))
        })
        .collect()
}

/// Groups as SCIM resources, in the order of `rows`, their members read in one query (or not
/// at all when the client excluded them).
pub(super) fn groups_as_resources(
    conn: &mut DbConnection,
    rows: &[GroupRow],
    caller: &Caller,
    with_members: bool,
) -> Result<Vec<Value>, DirectoryError> {
    let members = if with_members {
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        group_store::members_of(conn, &ids)?
    } else {
        Vec::new()
    };
    let mut by_group: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for m in &members {
        by_group.entry(m.group_id.as_str()).or_default().push(m);
    }
    Ok(rows
        .iter()
        .map(|row| {
            let list = by_group
                .get(row.id.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            render::group(row, with_members.then_some(list), &caller.scim_base)
        })
        .collect())
}
