//! Raw SQL whose prepared statement each connection may keep.
//!
//! Diesel never caches the statement of `sql_query`, because its text could be anything: on
//! MySQL every such query costs a prepare, an execute and a close. A query built only from a
//! bounded set of shapes (its values are all binds) is safe to keep, and then costs one
//! execute. Whoever wraps a query in `Reusable` vouches that its text comes from such a set:
//! each distinct text is a server-side statement on every pooled connection, and MySQL caps
//! them server-wide (`max_prepared_stmt_count`).

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// A query whose text is one of a bounded set; see the module documentation.
#[derive(Debug, Clone)]
pub struct Reusable<Q>(pub Q);

impl<Q, DB> QueryFragment<DB> for Reusable<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

/// No static id: the statement cache keys these by their SQL text and bind types.
impl<Q> QueryId for Reusable<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Reusable<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Reusable<Q> {}
