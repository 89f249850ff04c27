//! Tests of the filter compiler: the SQL and binds it writes for each operator, location and
//! dialect (`sql`), and execution against real databases compared with the in-memory
//! evaluator (`exec`: SQLite always, MariaDB/MySQL when `GATEHOUSE_TEST_MYSQL_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod exec;
mod fixture;
mod sql;

use super::{compile_filter, order_by, Compiled, Dialect, TableMap, GROUPS, USERS};
use crate::scim::filter::{parse_attr_path, parse_filter};
use crate::scim::schema::{ResourceTypeDef, GROUP, USER};
use crate::scim::ScimError;

/// Compiles filter text over users.
fn users(filter: &str, dialect: Dialect) -> Result<Compiled, ScimError> {
    compile(filter, &USER, &USERS, dialect)
}

/// Compiles filter text over groups.
fn groups(filter: &str, dialect: Dialect) -> Result<Compiled, ScimError> {
    compile(filter, &GROUP, &GROUPS, dialect)
}

fn compile(
    filter: &str,
    rt: &ResourceTypeDef,
    map: &TableMap,
    dialect: Dialect,
) -> Result<Compiled, ScimError> {
    let parsed = parse_filter(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    compile_filter(&parsed, rt, map, dialect)
}

fn sort(
    sort_by: Option<&str>,
    descending: bool,
    rt: &ResourceTypeDef,
    map: &TableMap,
    dialect: Dialect,
) -> Result<String, ScimError> {
    let path = sort_by.map(|s| parse_attr_path(s).unwrap());
    order_by(path.as_ref(), descending, rt, map, dialect)
}
