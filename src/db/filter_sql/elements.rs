//! The elements of a multi-valued attribute as SQL rows: a child table (`user_emails`,
//! `group_members`), or the JSON array in the document read with SQLite's `json_each` or
//! MySQL/MariaDB's `JSON_TABLE`. Filters test them with `EXISTS` (RFC 7644 §3.4.2.2: a
//! multi-valued attribute matches when any value does); sorting picks one element per resource
//! (RFC 7644 §3.4.2.3).

use crate::scim::schema::{find, AttrType, AttributeDef};
use crate::scim::ScimError;

use super::locate::{check_name, column_operand, json_operand, unsupported, Operand, Shape};
use super::{Child, Dialect};

/// The rows of a multi-valued attribute's elements, correlated to the enclosing resource row.
#[derive(Debug, Clone)]
pub(super) struct Source {
    kind: SourceKind,
    attr: &'static AttributeDef,
    name: String,
    dialect: Dialect,
}

#[derive(Debug, Clone)]
pub(super) enum SourceKind {
    Child(&'static Child),
    /// The JSON array at `path` in the document `doc`.
    Json {
        doc: &'static str,
        path: String,
    },
}

impl Source {
    pub fn new(
        kind: SourceKind,
        attr: &'static AttributeDef,
        name: String,
        dialect: Dialect,
    ) -> Self {
        Source {
            kind,
            attr,
            name,
            dialect,
        }
    }

    /// The attribute's canonical name, for error details.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `EXISTS` an element row satisfying `condition` (any row when `None`).
    pub fn exists(&self, condition: Option<&str>) -> String {
        let (from, correlation) = self.from();
        let condition = match (correlation, condition) {
            (Some(c), Some(p)) => format!(" WHERE {c} AND {p}"),
            (Some(c), None) => format!(" WHERE {c}"),
            (None, Some(p)) => format!(" WHERE {p}"),
            (None, None) => String::new(),
        };
        format!("EXISTS (SELECT 1 FROM {from}{condition})")
    }

    fn from(&self) -> (String, Option<&'static str>) {
        match &self.kind {
            SourceKind::Child(child) => (child.from.to_owned(), Some(child.correlation)),
            SourceKind::Json { doc, path } => match self.dialect {
                Dialect::Sqlite => (format!("json_each({doc}, '{path}') j"), None),
                Dialect::Mysql => {
                    // One text column per sub-attribute, in schema order, byte-exact like the
                    // tables (MySQL 8 would otherwise pick a case-insensitive collation); the
                    // ordinal keeps the list order for sorting.
                    let columns: Vec<String> = self
                        .attr
                        .sub_attributes
                        .iter()
                        .enumerate()
                        .map(|(i, sub)| {
                            format!(
                                "c{i} LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$.\"{}\"'",
                                sub.name
                            )
                        })
                        .collect();
                    let columns = columns.join(", ");
                    (
                        format!(
                            "JSON_TABLE({doc}, '{path}[*]' COLUMNS (n FOR ORDINALITY, {columns})) j"
                        ),
                        None,
                    )
                }
            },
        }
    }

    /// The expression for sub-attribute `sub` of one element.
    pub fn element(&self, sub: &'static AttributeDef) -> Result<Operand, ScimError> {
        let name = format!("{}.{}", self.name, sub.name);
        match &self.kind {
            SourceKind::Child(child) => match child.subs.iter().find(|c| c.path == sub.name) {
                Some(column) => column_operand(column, sub, name, self.dialect),
                None => Err(unsupported(&name)),
            },
            SourceKind::Json { .. } => {
                check_name(sub.name)?;
                match self.dialect {
                    Dialect::Sqlite => {
                        // json_extract fails on text that is not JSON, which is what j.value
                        // holds for an element that is a bare string; read objects only.
                        let element = "CASE j.type WHEN 'object' THEN j.value END";
                        json_operand(
                            element,
                            &format!("$.\"{}\"", sub.name),
                            sub,
                            name,
                            self.dialect,
                        )
                    }
                    Dialect::Mysql => {
                        let index = self
                            .attr
                            .sub_attributes
                            .iter()
                            .position(|s| std::ptr::eq(s, sub))
                            .ok_or_else(|| unsupported(&name))?;
                        let column = format!("j.c{index}");
                        let (sql, shape) = match sub.ty {
                            AttrType::String | AttrType::Reference | AttrType::Binary => {
                                (column, Shape::Text { folded: false })
                            }
                            AttrType::Boolean => (format!("LOWER({column})"), Shape::BoolText),
                            AttrType::Integer | AttrType::Decimal => (column, Shape::Number),
                            AttrType::DateTime | AttrType::Complex => {
                                return Err(unsupported(&name))
                            }
                        };
                        Ok(Operand {
                            sql,
                            shape,
                            nullable: true,
                            def: sub,
                            name,
                            dialect: self.dialect,
                        })
                    }
                }
            }
        }
    }

    /// A scalar subquery for the value of `sub` on the element RFC 7644 §3.4.2.3 sorts a
    /// multi-valued attribute by: the primary one if any, else the first in the list.
    pub fn representative(&self, sub: &'static AttributeDef) -> Result<Operand, ScimError> {
        let element = self.element(sub)?;
        let (from, correlation) = self.from();
        let filter = correlation
            .map(|c| format!(" WHERE {c}"))
            .unwrap_or_default();
        let order = match &self.kind {
            SourceKind::Child(child) => child.list_order.to_owned(),
            SourceKind::Json { .. } => {
                let position = match self.dialect {
                    Dialect::Sqlite => "j.key ASC",
                    Dialect::Mysql => "j.n ASC",
                };
                match find(self.attr.sub_attributes, "primary") {
                    Some(primary) if primary.ty == AttrType::Boolean => {
                        let primary = self.element(primary)?;
                        format!(
                            "CASE WHEN {} = 'true' THEN 0 ELSE 1 END ASC, {position}",
                            primary.sql
                        )
                    }
                    _ => position.to_owned(),
                }
            }
        };
        Ok(Operand {
            sql: format!(
                "(SELECT {} FROM {from}{filter} ORDER BY {order} LIMIT 1)",
                element.sql
            ),
            nullable: true,
            ..element
        })
    }
}
