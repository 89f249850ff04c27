//! Where an attribute path's values live in SQL: a column, a value in the JSON document, or the
//! elements of a multi-valued attribute (rows of a child table, or the JSON array read with
//! SQLite's `json_each` / MySQL's `JSON_TABLE`). Paths resolve against the schema first
//! (`resolve`), so every SQL name and JSON key written here is a canonical name from the
//! static definitions or the table map.

use crate::scim::filter::{AttrPath, Filter};
use crate::scim::schema::{
    find, resolve, AttrType, AttributeDef, ResolvedAttr, ResourceTypeDef, Returned, SchemaDef,
};
use crate::scim::ScimError;

use super::elements::{Source, SourceKind};
use super::{Child, Column, Dialect, TableMap};

/// How an expression holds its value, which decides how it is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// Text; `folded` when the column stores it lower-cased.
    Text { folded: bool },
    /// A boolean column (0/1).
    Bool,
    /// A JSON boolean normalized to the text `'true'`/`'false'`: JSON `true`/`false` and the
    /// strings "true"/"false" in any case, which the evaluator also accepts (some IdPs send
    /// booleans as strings). Any other string stays as it is and matches neither.
    BoolText,
    /// A timestamp column holding UTC.
    Timestamp,
    /// A JSON number.
    Number,
}

/// An SQL expression for one attribute value; NULL when the value is absent.
#[derive(Debug, Clone)]
pub(super) struct Operand {
    pub sql: String,
    pub shape: Shape,
    pub nullable: bool,
    pub def: &'static AttributeDef,
    /// The attribute's canonical name, for error details.
    pub name: String,
    pub dialect: Dialect,
}

impl Operand {
    /// Whether comparisons fold case: the attribute is not caseExact (RFC 7644 §3.4.2.2).
    pub fn folds_case(&self) -> bool {
        matches!(self.shape, Shape::Text { .. }) && !self.def.case_exact
    }

    /// The expression compared with a (lower-cased when folding) bind.
    pub fn compared(&self) -> String {
        match self.shape {
            Shape::Text { folded: false } if self.folds_case() => format!("LOWER({})", self.sql),
            _ => self.sql.clone(),
        }
    }

    /// The expression to sort by: case-insensitive attributes sort case-insensitively
    /// (RFC 7644 §3.4.2.3); JSON numbers from MySQL's `JSON_VALUE` are text, so cast.
    pub fn sort_key(&self) -> String {
        match (self.shape, self.dialect) {
            (Shape::Number, Dialect::Mysql) => format!("CAST({} AS DOUBLE)", self.sql),
            _ => self.compared(),
        }
    }
}

/// What a path locates.
#[derive(Debug)]
pub(super) enum Target {
    /// A single value on the resource row.
    Scalar(Operand),
    /// The elements of a multi-valued attribute and the sub-attribute compared (`None` when
    /// the path names the attribute itself, for `pr`).
    Elements {
        source: Source,
        sub: Option<Operand>,
    },
    /// The sub-attributes of a single-valued complex attribute named whole (`name pr`).
    Complex(Vec<Operand>),
}

/// What a value filter (`attr[…]`) ranges over.
pub(super) enum Scope {
    /// Elements of a multi-valued attribute: the filter must hold on one element.
    Elements {
        source: Source,
        attr: &'static AttributeDef,
    },
    /// A single-valued complex attribute, its one "element". The evaluator matches only when
    /// the attribute is there at all, so `exists` tests that when the document holds it.
    Complex {
        attr: ResolvedAttr,
        exists: Option<String>,
    },
}

/// What a located path is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Usage {
    /// `attr op value`: a complex attribute named whole compares its `value`
    /// (RFC 7644 §3.4.2.2, as the evaluator does).
    Compare,
    /// `attr pr`: the attribute itself.
    Present,
}

/// Locates paths of one resource type in one table map.
pub(super) struct Locator<'a> {
    rt: &'a ResourceTypeDef,
    map: &'a TableMap,
    pub dialect: Dialect,
}

impl<'a> Locator<'a> {
    pub fn new(rt: &'a ResourceTypeDef, map: &'a TableMap, dialect: Dialect) -> Self {
        Locator { rt, map, dialect }
    }

    /// The condition "the resource carries schema `urn`" (`schemas eq "…"`, RFC 7644
    /// §3.4.2.2's own example): always true for the core schema, the presence of the extension's
    /// object for an extension, false for a URN this resource type doesn't have. The URN put in
    /// the SQL is the schema's own id, never the client's text.
    pub fn carries_schema(&self, urn: &str) -> String {
        if self.rt.schema.id.eq_ignore_ascii_case(urn) {
            return "(1 = 1)".into();
        }
        let Some(ext) = self
            .rt
            .extensions
            .iter()
            .find(|e| e.schema.id.eq_ignore_ascii_case(urn))
        else {
            return "(1 = 0)".into();
        };
        let doc = format!("{}.attributes", self.map.table());
        let path = format!("$.\"{}\"", ext.schema.id);
        match self.dialect {
            Dialect::Sqlite => format!("(json_type({doc}, '{path}') = 'object')"),
            Dialect::Mysql => format!("(JSON_CONTAINS_PATH({doc}, 'one', '{path}') = 1)"),
        }
    }

    /// Locates a path for a comparison or `pr`.
    pub fn locate(&self, path: &AttrPath, usage: Usage) -> Result<Target, ScimError> {
        let r = self.resolved(path)?;
        if r.attr.multi_valued {
            let sub = match (r.sub, usage) {
                (Some(sub), _) => Some(sub),
                (None, Usage::Compare) => Some(value_sub(&r, self.rt)?),
                (None, Usage::Present) => None,
            };
            let source = self.source(&r, sub.as_slice(), false)?;
            let sub = match sub {
                Some(sub) => Some(source.element(sub)?),
                None => None,
            };
            return Ok(Target::Elements { source, sub });
        }
        if r.attr.ty == AttrType::Complex && r.sub.is_none() {
            if usage == Usage::Present {
                // RFC 7644 §3.4.2.2 `pr`: a complex value is present when any of its
                // sub-attributes is. Sub-attributes that cannot be read (meta.location) are
                // left out; meta always has `created`.
                let operands: Vec<Operand> = r
                    .attr
                    .sub_attributes
                    .iter()
                    .filter_map(|sub| {
                        self.scalar(&ResolvedAttr {
                            sub: Some(sub),
                            ..r
                        })
                        .ok()
                    })
                    .collect();
                if operands.is_empty() {
                    return Err(unsupported(&canonical_name(&r, self.rt)));
                }
                return Ok(Target::Complex(operands));
            }
            let sub = value_sub(&r, self.rt)?;
            return Ok(Target::Scalar(self.scalar(&ResolvedAttr {
                sub: Some(sub),
                ..r
            })?));
        }
        Ok(Target::Scalar(self.scalar(&r)?))
    }

    /// Locates a `sortBy` path as one value per resource (RFC 7644 §3.4.2.3).
    pub fn locate_for_sort(&self, path: &AttrPath) -> Result<Target, ScimError> {
        let r = self.resolved(path)?;
        if r.attr.multi_valued {
            let sub = match r.sub {
                Some(sub) => sub,
                None => value_sub(&r, self.rt)?,
            };
            let source = self.source(&r, &[sub], true)?;
            return Ok(Target::Scalar(source.representative(sub)?));
        }
        self.locate(path, Usage::Compare)
    }

    /// The scope of a value filter `attr[…]`.
    pub fn value_scope(&self, path: &AttrPath, inner: &Filter) -> Result<Scope, ScimError> {
        let r = self.resolved(path)?;
        let name = canonical_name(&r, self.rt);
        if r.sub.is_some() || r.attr.ty != AttrType::Complex {
            return Err(ScimError::InvalidFilter(format!(
                "a value filter \"[…]\" applies to a complex attribute, not to {name}"
            )));
        }
        if r.attr.multi_valued {
            let mut subs = Vec::new();
            referenced_subs(inner, r.attr, &mut subs);
            let source = self.source(&r, &subs, false)?;
            return Ok(Scope::Elements {
                source,
                attr: r.attr,
            });
        }
        let exists = if !r.is_extension(self.rt) && self.map.not_in_document.contains(&r.attr.name)
        {
            // `meta` is rendered for every resource.
            None
        } else {
            let mut keys: Vec<&str> = Vec::with_capacity(2);
            if let (true, Some(schema)) = (r.is_extension(self.rt), r.schema) {
                keys.push(schema.id);
            }
            keys.push(r.attr.name);
            let path = json_path(&keys)?;
            let doc = self.map.document;
            Some(match self.dialect {
                // json_type is NULL only for a missing key ('null' for a JSON null).
                Dialect::Sqlite => format!("json_type({doc}, '{path}') IS NOT NULL"),
                Dialect::Mysql => format!("JSON_CONTAINS_PATH({doc}, 'one', '{path}') = 1"),
            })
        };
        Ok(Scope::Complex { attr: r, exists })
    }

    /// The expression for a sub-attribute named inside a value filter.
    pub fn scope_operand(&self, scope: &Scope, path: &AttrPath) -> Result<Operand, ScimError> {
        let (attr, outer) = match scope {
            Scope::Elements { source, attr } => (*attr, source.name().to_owned()),
            Scope::Complex { attr: r, .. } => (r.attr, canonical_name(r, self.rt)),
        };
        if path.schema.is_some() || path.sub_attr.is_some() {
            return Err(ScimError::InvalidFilter(format!(
                "inside {outer}[…] name a sub-attribute of {outer}, not {}",
                path_text(path)
            )));
        }
        let sub = find(attr.sub_attributes, &path.name).ok_or_else(|| {
            ScimError::InvalidFilter(format!("{outer} has no sub-attribute {:?}", path.name))
        })?;
        match scope {
            Scope::Elements { source, .. } => source.element(sub),
            Scope::Complex { attr: r, .. } => self.scalar(&ResolvedAttr {
                sub: Some(sub),
                ..*r
            }),
        }
    }

    fn resolved(&self, path: &AttrPath) -> Result<ResolvedAttr, ScimError> {
        let r = resolve(self.rt, path).ok_or_else(|| {
            ScimError::InvalidFilter(format!(
                "unknown attribute {:?} on {}",
                path_text(path),
                self.rt.name
            ))
        })?;
        // RFC 7643 §7: a `returned: never` attribute (password) is never disclosed, and a
        // filter on it would disclose it one comparison at a time.
        if r.attr.returned == Returned::Never || r.leaf().returned == Returned::Never {
            return Err(ScimError::InvalidFilter(format!(
                "{} cannot be used in a filter",
                canonical_name(&r, self.rt)
            )));
        }
        Ok(r)
    }

    /// The expression of a single value on the resource row: a mapped column, else the JSON
    /// document.
    fn scalar(&self, r: &ResolvedAttr) -> Result<Operand, ScimError> {
        let name = canonical_name(r, self.rt);
        let def = r.leaf();
        if def.ty == AttrType::Complex {
            return Err(ScimError::InvalidFilter(format!(
                "{name} is complex: name one of its sub-attributes"
            )));
        }
        let extension = r.is_extension(self.rt);
        if !extension {
            if let Some(column) = self.map.columns.iter().find(|c| c.path == name) {
                return column_operand(column, def, name, self.dialect);
            }
            if self.map.not_in_document.contains(&r.attr.name) {
                return Err(unsupported(&name));
            }
        }
        let mut keys: Vec<&str> = Vec::with_capacity(3);
        if let (true, Some(schema)) = (extension, r.schema) {
            keys.push(schema.id);
        }
        keys.push(r.attr.name);
        if let Some(sub) = r.sub {
            keys.push(sub.name);
        }
        let path = json_path(&keys)?;
        json_operand(self.map.document, &path, def, name, self.dialect)
    }

    /// The element rows of a multi-valued attribute that reads the sub-attributes `subs`: a
    /// child table when the map has one that holds them all exactly (indexed), else the JSON
    /// array in the document. Sorting prefers the document, which keeps the list order that
    /// "the first value" refers to (RFC 7644 §3.4.2.3).
    fn source(
        &self,
        r: &ResolvedAttr,
        subs: &[&'static AttributeDef],
        for_sort: bool,
    ) -> Result<Source, ScimError> {
        let extension = r.is_extension(self.rt);
        let name = if extension {
            extension_name(r.schema, r.attr.name)
        } else {
            r.attr.name.to_owned()
        };
        let child = match extension {
            true => None,
            false => self.map.children.iter().find(|c| c.attr == r.attr.name),
        };
        let in_document = extension || !self.map.not_in_document.contains(&r.attr.name);
        let child_holds_all = |child: &Child| {
            subs.iter().all(|sub| {
                child
                    .subs
                    .iter()
                    .any(|c| c.path == sub.name && !c.absent_as_false)
            })
        };
        let kind = match child {
            Some(child) if !in_document || (!for_sort && child_holds_all(child)) => {
                SourceKind::Child(child)
            }
            _ if in_document && !r.attr.sub_attributes.is_empty() => {
                let mut keys: Vec<&str> = Vec::with_capacity(2);
                if let (true, Some(schema)) = (extension, r.schema) {
                    keys.push(schema.id);
                }
                keys.push(r.attr.name);
                SourceKind::Json {
                    doc: self.map.document,
                    path: json_path(&keys)?,
                }
            }
            _ => return Err(unsupported(&name)),
        };
        Ok(Source::new(kind, r.attr, name, self.dialect))
    }
}

/// The sub-attributes of `attr` a value filter names (unknown names fail later, with a detail).
fn referenced_subs(
    node: &Filter,
    attr: &'static AttributeDef,
    out: &mut Vec<&'static AttributeDef>,
) {
    match node {
        Filter::Compare { path, .. } | Filter::Present(path) => {
            if let Some(sub) = find(attr.sub_attributes, &path.name) {
                out.push(sub);
            }
        }
        Filter::And(a, b) | Filter::Or(a, b) => {
            referenced_subs(a, attr, out);
            referenced_subs(b, attr, out);
        }
        Filter::Not(inner) | Filter::ValuePath { filter: inner, .. } => {
            referenced_subs(inner, attr, out)
        }
    }
}

/// The `value` sub-attribute a complex attribute named whole is compared by.
fn value_sub(r: &ResolvedAttr, rt: &ResourceTypeDef) -> Result<&'static AttributeDef, ScimError> {
    find(r.attr.sub_attributes, "value").ok_or_else(|| {
        ScimError::InvalidFilter(format!(
            "{} is complex: name one of its sub-attributes",
            canonical_name(r, rt)
        ))
    })
}

pub(super) fn column_operand(
    column: &Column,
    def: &'static AttributeDef,
    name: String,
    dialect: Dialect,
) -> Result<Operand, ScimError> {
    let shape = match def.ty {
        AttrType::String | AttrType::Reference | AttrType::Binary => Shape::Text {
            folded: column.folded,
        },
        AttrType::Boolean => Shape::Bool,
        AttrType::DateTime => Shape::Timestamp,
        AttrType::Integer | AttrType::Decimal => Shape::Number,
        AttrType::Complex => return Err(unsupported(&name)),
    };
    Ok(Operand {
        sql: column.sql.to_owned(),
        shape,
        nullable: column.nullable,
        def,
        name,
        dialect,
    })
}

/// A value read from JSON text `doc` at `path`.
pub(super) fn json_operand(
    doc: &str,
    path: &str,
    def: &'static AttributeDef,
    name: String,
    dialect: Dialect,
) -> Result<Operand, ScimError> {
    let (sql, shape) = match (def.ty, dialect) {
        (AttrType::String | AttrType::Reference | AttrType::Binary, Dialect::Sqlite) => (
            format!("json_extract({doc}, '{path}')"),
            Shape::Text { folded: false },
        ),
        // JSON_VALUE takes the collation of the column on MariaDB (utf8mb4_bin) but returns
        // VARCHAR(512) in the connection's collation on MySQL 8; make it byte-exact on both.
        // (MySQL 8 also truncates values past 512 characters.)
        (AttrType::String | AttrType::Reference | AttrType::Binary, Dialect::Mysql) => (
            format!("(JSON_VALUE({doc}, '{path}') COLLATE utf8mb4_bin)"),
            Shape::Text { folded: false },
        ),
        (AttrType::Integer | AttrType::Decimal, Dialect::Sqlite) => {
            (format!("json_extract({doc}, '{path}')"), Shape::Number)
        }
        (AttrType::Integer | AttrType::Decimal, Dialect::Mysql) => {
            (format!("JSON_VALUE({doc}, '{path}')"), Shape::Number)
        }
        // SQLite's json_extract reads true/false as 1/0, and MariaDB's JSON_VALUE as 1/0 too
        // (MySQL's as 'true'/'false'): ask the JSON type instead, on both.
        (AttrType::Boolean, Dialect::Sqlite) => (
            format!(
                "LOWER(CASE json_type({doc}, '{path}') WHEN 'true' THEN 'true' \
                 WHEN 'false' THEN 'false' WHEN 'text' THEN json_extract({doc}, '{path}') END)"
            ),
            Shape::BoolText,
        ),
        (AttrType::Boolean, Dialect::Mysql) => (
            format!(
                "(CASE WHEN JSON_TYPE(JSON_EXTRACT({doc}, '{path}')) IN ('BOOLEAN', 'STRING') \
                 THEN LOWER(JSON_UNQUOTE(JSON_EXTRACT({doc}, '{path}'))) END)"
            ),
            Shape::BoolText,
        ),
        // Stored dateTimes keep the client's offset, so their text does not order as instants;
        // no attribute in the document has this type today.
        (AttrType::DateTime | AttrType::Complex, _) => return Err(unsupported(&name)),
    };
    Ok(Operand {
        sql,
        shape,
        nullable: true,
        def,
        name,
        dialect,
    })
}

/// A JSON path of quoted keys, `$."urn:…:User"."manager"."value"`. Keys come from the static
/// schema; checking them anyway means no character can ever close the quoting.
pub(super) fn json_path(keys: &[&str]) -> Result<String, ScimError> {
    let mut path = String::from("$");
    for key in keys {
        check_name(key)?;
        path.push_str(&format!(".\"{key}\""));
    }
    Ok(path)
}

pub(super) fn check_name(name: &str) -> Result<(), ScimError> {
    let safe = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '$' | '_' | ':' | '.' | '-'));
    if safe {
        Ok(())
    } else {
        Err(ScimError::InvalidFilter(format!(
            "attribute name {name:?} cannot be used in a filter"
        )))
    }
}

pub(super) fn unsupported(name: &str) -> ScimError {
    ScimError::InvalidFilter(format!("filtering on {name} is not supported"))
}

/// The canonical name of a resolved path: `name.givenName`, `urn:…:User:manager.value`.
pub(super) fn canonical_name(r: &ResolvedAttr, rt: &ResourceTypeDef) -> String {
    let attr = if r.is_extension(rt) {
        extension_name(r.schema, r.attr.name)
    } else {
        r.attr.name.to_owned()
    };
    match r.sub {
        Some(sub) => format!("{attr}.{}", sub.name),
        None => attr,
    }
}

fn extension_name(schema: Option<&SchemaDef>, attr: &str) -> String {
    match schema {
        Some(schema) => format!("{}:{attr}", schema.id),
        None => attr.to_owned(),
    }
}

/// A path as the client wrote it, for error details.
pub(super) fn path_text(path: &AttrPath) -> String {
    let mut text = match &path.schema {
        Some(urn) => format!("{urn}:{}", path.name),
        None => path.name.clone(),
    };
    if let Some(sub) = &path.sub_attr {
        text.push('.');
        text.push_str(sub);
    }
    text
}
