//! Tests of the filter compiler: the SQL and binds it writes for each operator, location and
//! dialect (`sql`), and execution against real databases compared with the in-memory
//! evaluator (`exec`: SQLite always, MariaDB/MySQL when `GATEHOUSE_TEST_MYSQL_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// Execution needs a database backend; gatehouse always builds at least one.
#[cfg(any(feature = "sqlite", feature = "mysql"))]
mod exec;
#[cfg(any(feature = "sqlite", feature = "mysql"))]
mod fixture;
mod sql;

use super::{compile_filter, order_by, Column, Compiled, Dialect, TableMap, GROUPS, USERS};
use crate::scim::filter::{parse_attr_path, parse_filter};
use crate::scim::schema::{
    AttrType, AttributeDef, Mutability, ResourceTypeDef, Returned, SchemaDef, Uniqueness, GROUP,
    USER,
};
use crate::scim::ScimError;

/// A resource type with the attribute types the real schemas lack (numbers, a dateTime in the
/// document), stored in the `users` table's document.
const fn thing_attr(name: &'static str, ty: AttrType) -> AttributeDef {
    AttributeDef {
        name,
        ty,
        multi_valued: false,
        description: "",
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        canonical_values: &[],
        reference_types: &[],
        sub_attributes: &[],
    }
}

static THING_SCHEMA: SchemaDef = SchemaDef {
    id: "urn:test:Thing",
    name: "Thing",
    description: "",
    attributes: &[
        thing_attr("age", AttrType::Integer),
        thing_attr("height", AttrType::Decimal),
        thing_attr("born", AttrType::DateTime),
    ],
};

static THING: ResourceTypeDef = ResourceTypeDef {
    id: "Thing",
    name: "Thing",
    endpoint: "/Things",
    description: "",
    schema: &THING_SCHEMA,
    extensions: &[],
};

static THINGS: TableMap = TableMap {
    table: "users",
    id: "users.id",
    created: "users.created_at",
    document: "users.attributes",
    columns: &[Column::new("id", "users.id", false)],
    children: &[],
    not_in_document: &["id", "meta"],
};

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
