//! Search across resource types (RFC 7644 §3.4.3 `POST /.search` and §3.4.2.1 `GET` at the
//! server root): one filter, sort and page over every searchable type at once.
//!
//! Each searchable type is a [`StoredType`] of the directory's table of resource types: its
//! schema, its table map and a way to render rows by id. The filter is narrowed to each type
//! (`root_filter`), compiled by the same compiler `/Users` and `/Groups` use, and the matching
//! ids and sort keys of all types are merged and paged in one SQL `UNION ALL`
//! (`db::union_page`); only the page's rows are then read, one query per type. A new resource
//! type is one more entry in [`STORED_TYPES`].

use std::collections::HashMap;

use serde_json::Value;

use super::resource_types::{StoredType, STORED_TYPES};
use super::root_filter::{check_known, narrow, Narrowed};
use super::{Caller, DirectoryError, ListQuery};
use crate::db::filter_sql::{self, Compiled};
use crate::db::union_page::{union_page, Branch, UnionRequest};
use crate::db::{self, DbConnection};
use crate::scim::filter::{parse_attr_path, parse_filter};
use crate::scim::schema::{resolve, ResourceTypeDef};
use crate::scim::ScimError;

/// A page of resources of several types, each with its type (for projection).
#[derive(Debug, Clone)]
pub struct RootListResult {
    pub total_results: i64,
    pub start_index: i64,
    pub resources: Vec<(&'static ResourceTypeDef, Value)>,
}

/// One type's part of the query, owned while the branches borrow it.
struct Part {
    tag: i64,
    ty: &'static StoredType,
    filter: Option<Compiled>,
    sort_key: Option<String>,
}

/// Searches every type in [`STORED_TYPES`] with one filter, order and page.
///
/// Errors as on `/Users`: `invalidFilter` for a malformed filter or one naming an attribute no
/// type has; `invalidValue` for a `sortBy` no type can sort by. A `sortBy` that only some types
/// have sorts the others as having no value (last ascending, first descending).
pub fn search_all(
    conn: &mut DbConnection,
    caller: &Caller,
    query: &ListQuery,
) -> Result<RootListResult, DirectoryError> {
    let dialect = db::dialect(conn);
    let types: Vec<&ResourceTypeDef> = STORED_TYPES.iter().map(|t| t.rt).collect();
    let filter = match non_empty(query.filter.as_deref()) {
        Some(text) => Some(parse_filter(text)?),
        None => None,
    };
    if let Some(f) = &filter {
        check_known(f, &types)?;
    }
    let sort_by = match non_empty(query.sort_by.as_deref()) {
        Some(text) => Some(parse_attr_path(text)?),
        None => None,
    };
    if let Some(path) = &sort_by {
        if !types.iter().any(|rt| resolve(rt, path).is_some()) {
            return Err(ScimError::InvalidValue(format!(
                "sortBy: no searched resource type has the attribute {path}"
            ))
            .into());
        }
    }
    let mut parts = Vec::with_capacity(STORED_TYPES.len());
    for (tag, ty) in (0_i64..).zip(STORED_TYPES.iter()) {
        let narrowed = match &filter {
            // The caller's IdP dialect may rewrite literals (Entra's "True") per type.
            Some(f) => narrow(caller.dialect.filter(ty.rt, f.clone()), ty.rt),
            None => Narrowed::All,
        };
        let filter = match narrowed {
            Narrowed::Nothing => continue,
            Narrowed::All => None,
            Narrowed::Filter(f) => Some(filter_sql::compile_filter(&f, ty.rt, ty.map, dialect)?),
        };
        let sort_key = match &sort_by {
            // The default order of every list: creation time (then type, then id).
            None => Some(ty.map.created_column().to_owned()),
            Some(path) if resolve(ty.rt, path).is_some() => {
                Some(filter_sql::sort_key(path, ty.rt, ty.map, dialect)?.sql)
            }
            Some(_) => None,
        };
        parts.push(Part {
            tag,
            ty,
            filter,
            sort_key,
        });
    }
    let branches: Vec<Branch<'_>> = parts
        .iter()
        .map(|p| Branch {
            tag: p.tag,
            table: p.ty.map.table(),
            id: p.ty.map.id_column(),
            sort_key: p.sort_key.as_deref(),
            filter: p.filter.as_ref(),
        })
        .collect();
    let request = UnionRequest {
        branches: &branches,
        // RFC 7644 §3.4.2.3: sortOrder is the direction of sortBy; without one it is ignored.
        descending: sort_by.is_some() && query.descending,
        offset: query.start_index.max(1) - 1,
        limit: query.count,
    };
    let (hits, total) = union_page(conn, caller.org_id.as_str(), &request)?;

    let mut loaded: HashMap<(i64, String), Value> = HashMap::with_capacity(hits.len());
    for part in &parts {
        let ids: Vec<&str> = hits
            .iter()
            .filter(|h| h.tag == part.tag)
            .map(|h| h.id.as_str())
            .collect();
        if ids.is_empty() {
            continue;
        }
        for (id, resource) in (part.ty.load)(conn, caller, &ids, query.with_members)? {
            loaded.insert((part.tag, id), resource);
        }
    }
    // A resource deleted between the two reads is left out of the page.
    let resources = hits
        .into_iter()
        .filter_map(|h| {
            let rt = parts.iter().find(|p| p.tag == h.tag)?.ty.rt;
            loaded.remove(&(h.tag, h.id)).map(|r| (rt, r))
        })
        .collect();
    Ok(RootListResult {
        total_results: total,
        start_index: query.start_index.max(1),
        resources,
    })
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}
