//! Compiles a parsed SCIM filter (RFC 7644 §3.4.2.2) into an SQL condition, and a `sortBy`
//! (RFC 7644 §3.4.2.3) into an `ORDER BY` body, for SQLite and MySQL/MariaDB. The module is
//! pure: it produces SQL text with `?` placeholders and the values to bind, in order; storage
//! binds them with Diesel. Attributes are located through the schema (`resolve`) and a
//! [`TableMap`]: indexed columns where the table has them, child tables for emails and
//! memberships, and otherwise the JSON document in `attributes`. Every name that reaches the SQL
//! text (columns, JSON path keys) comes from the static schema or the table maps, never from the
//! client, and every client value is a bind, so a filter cannot inject SQL.
//!
//! The result must select exactly the resources the in-memory evaluator (`scim::filter::eval`)
//! accepts, so each leaf is written to be two-valued: SQL's NULL never escapes a comparison,
//! and `not (…)` negates as the evaluator does (a `NOT` over a NULL would drop rows instead).
//! The tests check that agreement on both backends with random filters.
//!
//! Known limits, where the SQL and the evaluator can still differ: SQLite's `LOWER` folds ASCII
//! only, so a case-insensitive match on non-ASCII text needs a lower-cased column (userName,
//! emails, group displayName have one); MySQL's `utf8mb4_bin` ignores trailing spaces in `=`;
//! MySQL 8's `JSON_VALUE` truncates document strings past 512 characters; `pr` on a plural
//! attribute counts an element that is an empty object. A `dateTime` inside the document (none
//! in the schemas today) cannot be filtered on: its stored text keeps the client's offset.

mod elements;
mod locate;
mod predicate;
#[cfg(test)]
mod tests;

use chrono::NaiveDateTime;

use crate::scim::filter::{AttrPath, Filter};
use crate::scim::schema::agent_definitions::names as agent_names;
use crate::scim::schema::ResourceTypeDef;
use crate::scim::ScimError;

use locate::{Locator, Target};

/// The SQL dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    /// MySQL 8 and MariaDB 10.6+ (`JSON_VALUE`, `JSON_TABLE`).
    Mysql,
}

/// A value to bind to a `?` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Text(String),
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A UTC instant, as the timestamp columns store it.
    Timestamp(NaiveDateTime),
}

/// An SQL fragment and the values of its `?` placeholders, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub sql: String,
    pub binds: Vec<SqlValue>,
}

/// How a resource type's attributes map to SQL: its table, the columns that hold attributes
/// (so filters use their indexes), the child tables that hold multi-valued attributes, and
/// the JSON document that holds everything else.
#[derive(Debug)]
pub struct TableMap {
    /// The table, as the enclosing query names it (unaliased).
    table: &'static str,
    /// The primary key, the tie-breaker of every sort.
    id: &'static str,
    /// The creation time, the default sort.
    created: &'static str,
    /// The JSON text of the SCIM document.
    document: &'static str,
    /// Attributes (canonical dotted names of core or common attributes) held in columns.
    columns: &'static [Column],
    /// Multi-valued attributes held in child tables.
    children: &'static [Child],
    /// Top-level attributes the document does not hold; a path under one of them that no
    /// column or child maps cannot be filtered on.
    not_in_document: &'static [&'static str],
}

/// One attribute (or sub-attribute) held in a column or column expression.
#[derive(Debug)]
struct Column {
    /// Canonical name: `userName`, `name.givenName`, `meta.created`; for a child, the
    /// sub-attribute name.
    path: &'static str,
    /// The qualified column (or a constant expression).
    sql: &'static str,
    nullable: bool,
    /// Whether the column holds the value lower-cased (`user_name_lower`), so a
    /// case-insensitive comparison lower-cases only the bind and keeps the index.
    folded: bool,
    /// Whether the column stores an absent value as `false` (`is_primary`), which the
    /// evaluator tells apart; filters on it read the document instead.
    absent_as_false: bool,
}

impl Column {
    const fn new(path: &'static str, sql: &'static str, nullable: bool) -> Self {
        Column {
            path,
            sql,
            nullable,
            folded: false,
            absent_as_false: false,
        }
    }

    const fn folded(path: &'static str, sql: &'static str) -> Self {
        Column {
            path,
            sql,
            nullable: false,
            folded: true,
            absent_as_false: false,
        }
    }

    const fn absent_as_false(self) -> Self {
        Column {
            absent_as_false: true,
            ..self
        }
    }
}

/// A multi-valued attribute held in a child table: one row per element.
#[derive(Debug)]
struct Child {
    /// The attribute's canonical name.
    attr: &'static str,
    /// The `FROM` clause over the element rows, with aliases.
    from: &'static str,
    /// Ties the element rows to the resource row of the enclosing query.
    correlation: &'static str,
    /// The sub-attributes the rows hold. A filter naming any other (`emails.display`) reads
    /// the document's array instead, when the document holds the attribute.
    subs: &'static [Column],
    /// The order the service lists the elements in, for sorting by this attribute when the
    /// document does not hold it (RFC 7644 §3.4.2.3: "the first value in the list").
    list_order: &'static str,
}

/// The `users` table.
pub static USERS: TableMap = TableMap {
    table: "users",
    id: "users.id",
    created: "users.created_at",
    document: "users.attributes",
    columns: &[
        Column::new("id", "users.id", false),
        Column::new("externalId", "users.external_id", true),
        // userName is caseExact false (RFC 7643 §4.1.1); the lower-cased copy is indexed.
        Column::folded("userName", "users.user_name_lower"),
        Column::new("displayName", "users.display_name", true),
        Column::new("name.givenName", "users.given_name", true),
        Column::new("name.familyName", "users.family_name", true),
        Column::new("active", "users.active", false),
        Column::new("meta.created", "users.created_at", false),
        Column::new("meta.lastModified", "users.updated_at", false),
    ],
    children: &[
        Child {
            attr: "emails",
            from: "user_emails e",
            correlation: "e.user_id = users.id",
            subs: &[
                Column::folded("value", "e.value_lower"),
                Column::new("type", "e.email_type", true),
                Column::new("primary", "e.is_primary", false).absent_as_false(),
            ],
            // Not used today: the document holds emails too, and sorting reads them there.
            list_order: "e.is_primary DESC, e.value_lower ASC, e.id ASC",
        },
        Child {
            attr: "groups",
            from: "group_members gm JOIN scim_groups g ON g.id = gm.group_id",
            correlation: "gm.member_id = users.id",
            subs: &[
                // groups.value is caseExact false (RFC 7643 §8.7.1); ids are lower-case UUIDs
                // (crate::ids), so the column is its own lower-cased copy.
                Column::folded("value", "gm.group_id"),
                Column::folded("display", "g.display_name_lower"),
                // The service lists direct memberships only (directory::render).
                Column::new("type", "'direct'", false),
            ],
            list_order: "g.display_name_lower ASC, g.id ASC",
        },
    ],
    not_in_document: &["id", "meta", "groups", "password"],
};

/// The `scim_groups` table.
pub static GROUPS: TableMap = TableMap {
    table: "scim_groups",
    id: "scim_groups.id",
    created: "scim_groups.created_at",
    document: "scim_groups.attributes",
    columns: &[
        Column::new("id", "scim_groups.id", false),
        Column::new("externalId", "scim_groups.external_id", true),
        // Group displayName is caseExact false (RFC 7643 §4.2); the lower-cased copy is indexed.
        Column::folded("displayName", "scim_groups.display_name_lower"),
        Column::new("meta.created", "scim_groups.created_at", false),
        Column::new("meta.lastModified", "scim_groups.updated_at", false),
    ],
    children: &[Child {
        attr: "members",
        from: "group_members gm \
               LEFT JOIN users u ON u.id = gm.member_id \
               LEFT JOIN scim_groups mg ON mg.id = gm.member_id",
        correlation: "gm.group_id = scim_groups.id",
        subs: &[
            // members.value is caseExact false; ids are lower-case UUIDs, as above.
            Column::folded("value", "gm.member_id"),
            Column::new("type", "gm.member_type", false),
            // The display the service renders for a member (db::groups).
            Column::new(
                "display",
                "COALESCE(u.display_name, u.user_name, mg.display_name)",
                true,
            ),
        ],
        list_order: "gm.created_at ASC, gm.member_id ASC",
    }],
    not_in_document: &["id", "meta", "members"],
};

/// The `app_actors` table, read as SCIM `Agent`s. The attributes gatehouse interprets are
/// columns (an admin-created actor has them only there); the rest is in the JSON `document`.
pub static AGENTS: TableMap = TableMap {
    table: "app_actors",
    id: "app_actors.id",
    created: "app_actors.created_at",
    document: "app_actors.document",
    columns: &[
        Column::new("id", "app_actors.id", false),
        Column::new("externalId", "app_actors.external_id", true),
        // caseExact, as the unique key compares it (scim::schema::agent_definitions).
        Column::new(agent_names::NAME, "app_actors.name", false),
        Column::new(agent_names::DISPLAY_NAME, "app_actors.display_name", true),
        Column::new(agent_names::DESCRIPTION, "app_actors.description", true),
        Column::new(agent_names::AGENT_TYPE, "app_actors.agent_type", true),
        Column::new(agent_names::ACTIVE, "app_actors.active", false),
        Column::new("meta.created", "app_actors.created_at", false),
        Column::new("meta.lastModified", "app_actors.updated_at", false),
    ],
    children: &[],
    not_in_document: &[
        "id",
        "meta",
        agent_names::GROUPS,
        agent_names::NAME,
        agent_names::DISPLAY_NAME,
        agent_names::DESCRIPTION,
        agent_names::AGENT_TYPE,
        agent_names::ACTIVE,
    ],
};

/// The `agentic_applications` table: `name` and `externalId` are columns, the rest is in the
/// JSON `document`.
pub static AGENTIC_APPLICATIONS: TableMap = TableMap {
    table: "agentic_applications",
    id: "agentic_applications.id",
    created: "agentic_applications.created_at",
    document: "agentic_applications.document",
    columns: &[
        Column::new("id", "agentic_applications.id", false),
        Column::new("externalId", "agentic_applications.external_id", true),
        Column::new(agent_names::NAME, "agentic_applications.name", false),
        Column::new("meta.created", "agentic_applications.created_at", false),
        Column::new(
            "meta.lastModified",
            "agentic_applications.updated_at",
            false,
        ),
    ],
    children: &[],
    not_in_document: &["id", "meta", agent_names::NAME],
};

impl TableMap {
    /// The table name, as the enclosing query must name it.
    pub fn table(&self) -> &'static str {
        self.table
    }

    /// The qualified primary key column.
    pub fn id_column(&self) -> &'static str {
        self.id
    }

    /// The qualified creation-time column, the default sort.
    pub fn created_column(&self) -> &'static str {
        self.created
    }
}

/// The expression a `sortBy` attribute sorts by, and whether it can be NULL (no value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub sql: String,
    pub nullable: bool,
}

/// The sort key of `path` (see [`order_by`] for the rules and the errors).
pub fn sort_key(
    path: &AttrPath,
    rt: &ResourceTypeDef,
    map: &TableMap,
    dialect: Dialect,
) -> Result<SortKey, ScimError> {
    let locator = Locator::new(rt, map, dialect);
    let target = locator
        .locate_for_sort(path)
        .map_err(|e| ScimError::InvalidValue(format!("sortBy: {}", e.detail())))?;
    match target {
        Target::Scalar(operand) => Ok(SortKey {
            sql: operand.sort_key(),
            nullable: operand.nullable,
        }),
        Target::Elements { .. } | Target::Complex(_) => Err(ScimError::InvalidValue(format!(
            "sortBy: cannot sort by {}",
            locate::path_text(path)
        ))),
    }
}

/// Compiles a filter over the resources of `rt` stored as `map` describes.
///
/// Errors are `ScimError::InvalidFilter` naming the attribute or literal at fault: an unknown
/// attribute, one that cannot be filtered on (`password`, RFC 7643 §4.1.1 `returned: never`),
/// an operator the attribute's type does not support (`gt` on a boolean), or a literal of the
/// wrong type (RFC 7644 §3.4.2.2, §3.12 `invalidFilter`).
pub fn compile_filter(
    filter: &Filter,
    rt: &ResourceTypeDef,
    map: &TableMap,
    dialect: Dialect,
) -> Result<Compiled, ScimError> {
    let locator = Locator::new(rt, map, dialect);
    let mut binds = Vec::new();
    let sql = predicate::filter(&locator, filter, &mut binds)?;
    Ok(Compiled { sql, binds })
}

/// The `ORDER BY` body for `sortBy` / `sortOrder` (RFC 7644 §3.4.2.3), always ending with the
/// primary key so paging is stable, e.g. `users.user_name_lower ASC, users.id ASC`. Without
/// `sortBy` the order is creation time, ascending (`descending` is ignored: RFC 7644 §3.4.2.3
/// defines `sortOrder` only as the direction of `sortBy`).
///
/// Following RFC 7644 §3.4.2.3: case-insensitive attributes sort case-insensitively; resources
/// with no value sort last ascending and first descending; a multi-valued attribute sorts by
/// its primary element's value, else its first element's; a complex attribute must be named by
/// a sub-attribute (`name.givenName`), except that its `value` is used when it has one.
///
/// The RFC gives no error for a `sortBy` naming an attribute the resource type does not have
/// (or one that cannot be sorted by, such as `password` or a complex attribute without
/// `value`). Ignoring it would return an order the client did not ask for without telling it,
/// so this is `ScimError::InvalidValue` (RFC 7644 §3.12: "the value specified was not
/// compatible with the operation or attribute type, or resource schema").
pub fn order_by(
    sort_by: Option<&AttrPath>,
    descending: bool,
    rt: &ResourceTypeDef,
    map: &TableMap,
    dialect: Dialect,
) -> Result<String, ScimError> {
    let Some(path) = sort_by else {
        return Ok(format!("{} ASC, {} ASC", map.created, map.id));
    };
    let direction = if descending { "DESC" } else { "ASC" };
    let SortKey { sql: key, nullable } = sort_key(path, rt, map, dialect)?;
    let mut out = String::new();
    if nullable {
        // `IS NULL` is 0 for a value and 1 for none: ascending puts resources without a value
        // last, descending first (RFC 7644 §3.4.2.3). MySQL has no `NULLS LAST`.
        out.push_str(&format!("({key} IS NULL) {direction}, "));
    }
    out.push_str(&format!("{key} {direction}, {} {direction}", map.id));
    Ok(out)
}
