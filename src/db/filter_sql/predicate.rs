//! The SQL of each filter node (RFC 7644 §3.4.2.2), with the evaluator's semantics: a
//! comparison holds when any value of the attribute satisfies it; an absent (or null) attribute
//! satisfies only `eq null` and `ne <value>`; strings fold case unless the attribute is
//! caseExact; booleans take only `eq`/`ne`. Every leaf is TRUE or FALSE, never NULL, so `not`
//! negates it exactly.

use chrono::{DateTime, NaiveDateTime};

use crate::scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use crate::scim::ScimError;

use super::elements::Source;
use super::locate::{path_text, Locator, Operand, Scope, Shape, Target, Usage};
use super::SqlValue;

/// The condition for a whole filter.
pub(super) fn filter(
    loc: &Locator<'_>,
    node: &Filter,
    binds: &mut Vec<SqlValue>,
) -> Result<String, ScimError> {
    match node {
        Filter::And(a, b) => {
            let a = filter(loc, a, binds)?;
            let b = filter(loc, b, binds)?;
            Ok(format!("({a} AND {b})"))
        }
        Filter::Or(a, b) => {
            let a = filter(loc, a, binds)?;
            let b = filter(loc, b, binds)?;
            Ok(format!("({a} OR {b})"))
        }
        Filter::Not(inner) => Ok(format!("(NOT {})", filter(loc, inner, binds)?)),
        Filter::Compare { path, op, value } if is_schemas(path) => match (op, value) {
            (CompareOp::Eq, CompValue::String(urn)) => Ok(loc.carries_schema(urn)),
            (CompareOp::Ne, CompValue::String(urn)) => {
                Ok(format!("(NOT {})", loc.carries_schema(urn)))
            }
            _ => Err(ScimError::InvalidFilter(
                "schemas can be compared with eq or ne and a schema URN".into(),
            )),
        },
        Filter::Present(path) if is_schemas(path) => Ok("(1 = 1)".into()),
        Filter::Compare { path, op, value } => match loc.locate(path, Usage::Compare)? {
            Target::Scalar(operand) => compare(&operand, *op, value, binds),
            Target::Elements {
                source,
                sub: Some(element),
            } => compare_elements(&source, &element, *op, value, binds),
            Target::Elements { sub: None, .. } | Target::Complex(_) => Err(
                ScimError::InvalidFilter(format!("cannot compare {}", path_text(path))),
            ),
        },
        Filter::Present(path) => Ok(match loc.locate(path, Usage::Present)? {
            Target::Scalar(operand) => present(&operand),
            Target::Elements { source, sub } => source.exists(sub.as_ref().map(present).as_deref()),
            Target::Complex(operands) => {
                let parts: Vec<String> = operands.iter().map(present).collect();
                format!("({})", parts.join(" OR "))
            }
        }),
        Filter::ValuePath { attr, filter } => {
            let scope = loc.value_scope(attr, filter)?;
            let condition = scoped(loc, &scope, filter, binds)?;
            Ok(match &scope {
                // One element must satisfy the whole inner filter, so `emails[type eq "work"
                // and value co "@x"]` needs both on the same row: one EXISTS around it all.
                Scope::Elements { source, .. } => source.exists(Some(&condition)),
                Scope::Complex {
                    exists: Some(exists),
                    ..
                } => format!("({exists} AND {condition})"),
                Scope::Complex { exists: None, .. } => condition,
            })
        }
    }
}

/// `schemas`, which every resource has but no schema defines (RFC 7643 §3).
fn is_schemas(path: &AttrPath) -> bool {
    path.schema.is_none() && path.sub_attr.is_none() && path.name.eq_ignore_ascii_case("schemas")
}

/// The condition for the filter inside `attr[…]`, on one element.
fn scoped(
    loc: &Locator<'_>,
    scope: &Scope,
    node: &Filter,
    binds: &mut Vec<SqlValue>,
) -> Result<String, ScimError> {
    match node {
        Filter::And(a, b) => {
            let a = scoped(loc, scope, a, binds)?;
            let b = scoped(loc, scope, b, binds)?;
            Ok(format!("({a} AND {b})"))
        }
        Filter::Or(a, b) => {
            let a = scoped(loc, scope, a, binds)?;
            let b = scoped(loc, scope, b, binds)?;
            Ok(format!("({a} OR {b})"))
        }
        Filter::Not(inner) => Ok(format!("(NOT {})", scoped(loc, scope, inner, binds)?)),
        Filter::Compare { path, op, value } => {
            compare(&loc.scope_operand(scope, path)?, *op, value, binds)
        }
        Filter::Present(path) => Ok(present(&loc.scope_operand(scope, path)?)),
        Filter::ValuePath { .. } => Err(ScimError::InvalidFilter(
            "value filters \"[…]\" cannot be nested".into(),
        )),
    }
}

/// `operand op value` on one value that may be absent.
fn compare(
    operand: &Operand,
    op: CompareOp,
    value: &CompValue,
    binds: &mut Vec<SqlValue>,
) -> Result<String, ScimError> {
    let x = &operand.sql;
    if *value == CompValue::Null {
        // `eq null` tests absence (RFC 7644 §3.4.2.2 treats null as unassigned).
        return match op {
            CompareOp::Eq => Ok(format!("({x} IS NULL)")),
            CompareOp::Ne => Ok(format!("({x} IS NOT NULL)")),
            _ => Err(null_operator(op)),
        };
    }
    let matched = matches(operand, op, value, binds)?;
    Ok(match (operand.nullable, op) {
        (false, _) => format!("({matched})"),
        // An absent attribute is "not equal" to any value.
        (true, CompareOp::Ne) => format!("({x} IS NULL OR {matched})"),
        (true, _) => format!("({x} IS NOT NULL AND {matched})"),
    })
}

/// `attr.sub op value` over every element of a multi-valued attribute: true when any present
/// value satisfies it; `ne` (and `eq null`) also when no element has a value.
fn compare_elements(
    source: &Source,
    element: &Operand,
    op: CompareOp,
    value: &CompValue,
    binds: &mut Vec<SqlValue>,
) -> Result<String, ScimError> {
    let has_value = element
        .nullable
        .then(|| format!("{} IS NOT NULL", element.sql));
    let any_value = source.exists(has_value.as_deref());
    if *value == CompValue::Null {
        return match op {
            CompareOp::Eq => Ok(format!("(NOT {any_value})")),
            CompareOp::Ne => Ok(any_value),
            _ => Err(null_operator(op)),
        };
    }
    let matched = matches(element, op, value, binds)?;
    let condition = match &has_value {
        Some(has_value) => format!("({has_value} AND {matched})"),
        None => format!("({matched})"),
    };
    let any_match = source.exists(Some(&condition));
    Ok(match op {
        CompareOp::Ne => format!("({any_match} OR NOT {any_value})"),
        _ => any_match,
    })
}

/// `pr` (RFC 7644 §3.4.2.2): a value that is neither null nor an empty string.
fn present(operand: &Operand) -> String {
    let x = &operand.sql;
    match (operand.shape, operand.nullable) {
        (Shape::Text { .. } | Shape::BoolText, true) => format!("({x} IS NOT NULL AND {x} <> '')"),
        (Shape::Text { .. } | Shape::BoolText, false) => format!("({x} <> '')"),
        (Shape::Bool | Shape::Timestamp | Shape::Number, _) => format!("({x} IS NOT NULL)"),
    }
}

/// `operand op value` for a value known to be present (not NULL); pushes its bind.
fn matches(
    operand: &Operand,
    op: CompareOp,
    value: &CompValue,
    binds: &mut Vec<SqlValue>,
) -> Result<String, ScimError> {
    let name = &operand.name;
    match operand.shape {
        Shape::Text { .. } => {
            let text = match value {
                CompValue::String(s) => s.clone(),
                // IdPs send unquoted ids (`externalId eq 12345`); the evaluator compares
                // them as text too.
                CompValue::Number(n) => n.to_string(),
                CompValue::Bool(b) => b.to_string(),
                CompValue::Null => return Err(null_operator(op)),
            };
            let text = if operand.folds_case() {
                text.to_lowercase()
            } else {
                text
            };
            let x = operand.compared();
            let (sql, bind) = match op {
                CompareOp::Co => (like(&x), format!("%{}%", escape_like(&text))),
                CompareOp::Sw => (like(&x), format!("{}%", escape_like(&text))),
                CompareOp::Ew => (like(&x), format!("%{}", escape_like(&text))),
                _ => (format!("{x} {} ?", ordering(op)), text),
            };
            binds.push(SqlValue::Text(bind));
            Ok(sql)
        }
        Shape::Bool | Shape::BoolText => {
            let negate = match op {
                CompareOp::Eq => false,
                CompareOp::Ne => true,
                _ => {
                    return Err(ScimError::InvalidFilter(format!(
                        "{name} is a boolean: only eq and ne apply, not {}",
                        op_name(op)
                    )))
                }
            };
            let b = match value {
                CompValue::Bool(b) => *b,
                CompValue::String(s) if s.eq_ignore_ascii_case("true") => true,
                CompValue::String(s) if s.eq_ignore_ascii_case("false") => false,
                _ => {
                    return Err(ScimError::InvalidFilter(format!(
                        "{name} is a boolean: compare it with true or false"
                    )))
                }
            };
            Ok(match operand.shape {
                Shape::Bool => {
                    binds.push(SqlValue::Bool(b));
                    format!("{} {} ?", operand.sql, if negate { "<>" } else { "=" })
                }
                // A normalized JSON boolean may also hold some other string, which the
                // evaluator neither equals nor "not equals": `ne true` means `= 'false'`.
                _ => {
                    binds.push(SqlValue::Text((b != negate).to_string()));
                    format!("{} = ?", operand.sql)
                }
            })
        }
        Shape::Timestamp => {
            check_ordering(operand, op, "a dateTime")?;
            let instant = match value {
                CompValue::String(s) => parse_date_time(s),
                _ => None,
            };
            let instant = instant.ok_or_else(|| {
                ScimError::InvalidFilter(format!(
                    "{name} is a dateTime: compare it with an RFC 3339 date-time string such as \
                     \"2026-01-31T12:00:00Z\""
                ))
            })?;
            binds.push(SqlValue::Timestamp(instant));
            Ok(format!("{} {} ?", operand.sql, ordering(op)))
        }
        Shape::Number => {
            check_ordering(operand, op, "a number")?;
            let number = match value {
                CompValue::Number(n) => Some(n.clone()),
                CompValue::String(s) => serde_json::from_str::<serde_json::Number>(s.trim()).ok(),
                _ => None,
            };
            let bind = match number {
                Some(n) => match (n.as_i64(), n.as_f64()) {
                    (Some(i), _) => Some(SqlValue::Int(i)),
                    (None, Some(f)) => Some(SqlValue::Float(f)),
                    (None, None) => None,
                },
                None => None,
            };
            let bind = bind.ok_or_else(|| {
                ScimError::InvalidFilter(format!("{name} is a number: compare it with a number"))
            })?;
            binds.push(bind);
            Ok(format!("{} {} ?", operand.sql, ordering(op)))
        }
    }
}

fn check_ordering(operand: &Operand, op: CompareOp, kind: &str) -> Result<(), ScimError> {
    match op {
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => Err(ScimError::InvalidFilter(format!(
            "{} is {kind}: {} applies only to strings",
            operand.name,
            op_name(op)
        ))),
        _ => Ok(()),
    }
}

/// A case-sensitive `LIKE` (MySQL columns are utf8mb4_bin; SQLite connections set
/// `case_sensitive_like`) with `!` as the escape character: MySQL and SQLite disagree on
/// backslashes in literals, and `!` means nothing special to either.
fn like(x: &str) -> String {
    format!("{x} LIKE ? ESCAPE '!'")
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '!' | '%' | '_') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

/// The SQL operator of `eq`, `ne`, `gt`, `ge`, `lt`, `le`.
fn ordering(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "<>",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        // Handled as LIKE by the callers.
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => "LIKE",
    }
}

fn op_name(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "eq",
        CompareOp::Ne => "ne",
        CompareOp::Co => "co",
        CompareOp::Sw => "sw",
        CompareOp::Ew => "ew",
        CompareOp::Gt => "gt",
        CompareOp::Ge => "ge",
        CompareOp::Lt => "lt",
        CompareOp::Le => "le",
    }
}

fn null_operator(op: CompareOp) -> ScimError {
    ScimError::InvalidFilter(format!(
        "null can be compared only with eq or ne, not {}",
        op_name(op)
    ))
}

/// An RFC 3339 instant (RFC 7643 §2.3.5) as naive UTC, the form the timestamp columns hold. As
/// in the evaluator, a date-time without an offset is taken as UTC.
fn parse_date_time(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.naive_utc());
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()
}
