//! Attribute projection of resources on the way out (RFC 7644 §3.4.2.5 `attributes` and
//! `excludedAttributes`, governed by each attribute's RFC 7643 §7 `returned` characteristic),
//! and the canonical spelling of attribute names on the way in (RFC 7643 §2.1: names are
//! case-insensitive, so `"UserName"` is `userName`). Unknown names are ignored, never errors:
//! a client asking for an attribute this service lacks simply does not get it.

use serde_json::{Map, Value};

use crate::scim::filter::{parse_attr_path, AttrPath};
use crate::scim::schema::{
    find, resolve, AttributeDef, ResourceTypeDef, Returned, SchemaDef, COMMON_ATTRIBUTES,
};
use crate::scim::ScimError;

/// Parses an `attributes` or `excludedAttributes` parameter: comma-separated attribute paths
/// (`userName`, `name.givenName`, `urn:…:enterprise:2.0:User:manager`, or a bare extension
/// URN). Whitespace around names and empty items (`a,,b`, a trailing comma) are tolerated.
///
/// A malformed name is `ScimError::InvalidValue`, naming it.
pub fn parse_attribute_list(list: &str) -> Result<Vec<AttrPath>, ScimError> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            parse_attr_path(item).map_err(|e| {
                ScimError::InvalidValue(format!(
                    "\"{item}\" is not a valid attribute name in the attribute list: {}",
                    e.detail()
                ))
            })
        })
        .collect()
}

/// The attribute paths of one list, resolved against a resource type.
#[derive(Default)]
struct Selection {
    /// (top-level attribute, sub-attribute) pairs; `None` names the whole attribute.
    attrs: Vec<(&'static AttributeDef, Option<&'static AttributeDef>)>,
    /// Extensions named by their bare URN: the whole extension object.
    extensions: Vec<&'static str>,
}

impl Selection {
    fn new(rt: &ResourceTypeDef, paths: &[AttrPath]) -> Self {
        let mut out = Selection::default();
        for path in paths {
            if let Some(resolved) = resolve(rt, path) {
                out.attrs.push((resolved.attr, resolved.sub));
            } else if let Some(ext) = bare_extension(rt, path) {
                out.extensions.push(ext.id);
            }
        }
        out
    }

    /// Whether the whole attribute is named, and which of its sub-attributes are.
    fn lookup(&self, attr: &AttributeDef) -> (bool, Vec<&'static AttributeDef>) {
        let mut whole = false;
        let mut subs = Vec::new();
        for (top, sub) in &self.attrs {
            if std::ptr::eq(*top, attr) {
                match sub {
                    Some(sub) => subs.push(*sub),
                    None => whole = true,
                }
            }
        }
        (whole, subs)
    }
}

/// A bare extension URN parses as `schema = "urn:…:2.0"`, `name = "User"` (the attribute part
/// starts after the last colon); rejoined, it names the extension itself.
fn bare_extension(rt: &ResourceTypeDef, path: &AttrPath) -> Option<&'static SchemaDef> {
    let schema = path.schema.as_deref()?;
    if path.sub_attr.is_some() {
        return None;
    }
    rt.extensions.iter().map(|e| e.schema).find(|s| {
        s.id.eq_ignore_ascii_case(&format!("{schema}:{}", path.name))
    })
}

/// Which sub-attributes of a complex value survive.
enum Keep<'a> {
    /// Every sub-attribute except `returned: never` ones (the attribute was named whole).
    All,
    /// `returned: default` and `always` sub-attributes minus these excluded ones.
    DefaultExcept(&'a [&'static AttributeDef]),
    /// Only these, plus `returned: always` sub-attributes.
    Only(&'a [&'static AttributeDef]),
}

/// Projects a stored resource for output.
///
/// `returned: never` attributes (`password`) are never output; `returned: always` ones (`id`)
/// and `schemas` always are. With a non-empty `attributes`, only the named attributes are
/// output (plus the always ones); otherwise every `returned: default` attribute is, minus
/// `excluded`. `returned: request` attributes appear only when named in `attributes`.
/// Extension objects left empty are dropped. Keys are matched case-insensitively and kept as
/// they are in `resource`.
pub fn project(
    resource: Value,
    rt: &ResourceTypeDef,
    attributes: &[AttrPath],
    excluded: &[AttrPath],
) -> Value {
    let Value::Object(fields) = resource else {
        return resource;
    };
    let wanted = Selection::new(rt, attributes);
    let unwanted = Selection::new(rt, excluded);
    let requested = !attributes.is_empty();
    let mut out = Map::new();
    for (key, value) in fields {
        if key.eq_ignore_ascii_case("schemas") {
            out.insert(key, value);
        } else if let Some(attr) = top_level(rt, &key) {
            if let Some(v) = project_attr(attr, value, &wanted, &unwanted, requested, false) {
                out.insert(key, v);
            }
        } else if let Some(ext) = extension(rt, &key) {
            let Value::Object(inner) = value else {
                continue;
            };
            let whole_in = wanted.extensions.contains(&ext.id);
            let whole_out = unwanted.extensions.contains(&ext.id);
            let mut kept = Map::new();
            for (name, v) in inner {
                let Some(attr) = find(ext.attributes, &name) else {
                    if whole_in || (!requested && !whole_out) {
                        kept.insert(name, v);
                    }
                    continue;
                };
                let projected = if whole_out && attr.returned != Returned::Always {
                    None
                } else {
                    project_attr(attr, v, &wanted, &unwanted, requested, whole_in)
                };
                if let Some(v) = projected {
                    kept.insert(name, v);
                }
            }
            if !kept.is_empty() {
                out.insert(key, Value::Object(kept));
            }
        } else if !requested {
            // Not an attribute of this resource type; stored documents should not hold any,
            // but without an `attributes` list there is no reason to hide it.
            out.insert(key, value);
        }
    }
    Value::Object(out)
}

/// Projects one attribute; `None` leaves it out. `named` is set when the attribute's whole
/// extension was named in `attributes`.
fn project_attr(
    attr: &AttributeDef,
    value: Value,
    wanted: &Selection,
    unwanted: &Selection,
    requested: bool,
    named: bool,
) -> Option<Value> {
    match attr.returned {
        Returned::Never => return None,
        Returned::Always => return keep_subs(attr, value, &Keep::All),
        Returned::Default | Returned::Request => {}
    }
    if requested {
        let (whole, subs) = wanted.lookup(attr);
        if whole || named {
            keep_subs(attr, value, &Keep::All)
        } else if !subs.is_empty() {
            keep_subs(attr, value, &Keep::Only(&subs))
        } else {
            None
        }
    } else {
        let (whole, subs) = unwanted.lookup(attr);
        if whole || attr.returned == Returned::Request {
            None
        } else {
            keep_subs(attr, value, &Keep::DefaultExcept(&subs))
        }
    }
}

/// Filters the sub-attributes of a complex value (or of each element of a multi-valued one);
/// values of other types pass through. Objects and arrays left empty become `None`.
fn keep_subs(attr: &AttributeDef, value: Value, keep: &Keep) -> Option<Value> {
    if attr.sub_attributes.is_empty() {
        return Some(value);
    }
    let filter_object = |obj: Map<String, Value>| -> Option<Value> {
        let mut kept = Map::new();
        for (name, v) in obj {
            let sub = find(attr.sub_attributes, &name);
            let keep_it = match (sub, keep) {
                (Some(sub), _) if sub.returned == Returned::Never => false,
                (Some(sub), _) if sub.returned == Returned::Always => true,
                (Some(_), Keep::All) => true,
                (Some(sub), Keep::DefaultExcept(excluded)) => {
                    sub.returned == Returned::Default && !contains(excluded, sub)
                }
                (Some(sub), Keep::Only(named)) => contains(named, sub),
                // Unknown sub-attributes are shown unless the client picked sub-attributes.
                (None, Keep::Only(_)) => false,
                (None, _) => true,
            };
            if keep_it {
                kept.insert(name, v);
            }
        }
        (!kept.is_empty()).then_some(Value::Object(kept))
    };
    match value {
        Value::Object(obj) => filter_object(obj),
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .into_iter()
                .filter_map(|item| match item {
                    Value::Object(obj) => filter_object(obj),
                    other => Some(other),
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => Some(other),
    }
}

fn contains(list: &[&'static AttributeDef], attr: &AttributeDef) -> bool {
    list.iter().any(|a| std::ptr::eq(*a, attr))
}

/// Rewrites the keys of known attributes to the schema's spelling, recursively through
/// complex and multi-valued sub-attributes and extension objects (extension keys become the
/// canonical URN). Unknown keys are left alone. Should two keys differ only in case, the later
/// one wins, as a later duplicate key would in most JSON parsers.
pub fn canonicalize_names(resource: &mut Value, rt: &ResourceTypeDef) {
    let Value::Object(fields) = resource else {
        return;
    };
    let mut out = Map::new();
    for (key, mut value) in std::mem::take(fields) {
        let key = if key.eq_ignore_ascii_case("schemas") {
            "schemas".to_owned()
        } else if let Some(attr) = top_level(rt, &key) {
            canonicalize_subs(attr, &mut value);
            attr.name.to_owned()
        } else if let Some(ext) = extension(rt, &key) {
            if let Value::Object(inner) = &mut value {
                rename_keys(inner, ext.attributes);
            }
            ext.id.to_owned()
        } else {
            key
        };
        out.insert(key, value);
    }
    *fields = out;
}

fn canonicalize_subs(attr: &AttributeDef, value: &mut Value) {
    if attr.sub_attributes.is_empty() {
        return;
    }
    match value {
        Value::Object(obj) => rename_keys(obj, attr.sub_attributes),
        Value::Array(items) => {
            for item in items {
                if let Value::Object(obj) = item {
                    rename_keys(obj, attr.sub_attributes);
                }
            }
        }
        _ => {}
    }
}

fn rename_keys(obj: &mut Map<String, Value>, attrs: &'static [AttributeDef]) {
    let mut out = Map::new();
    for (key, mut value) in std::mem::take(obj) {
        match find(attrs, &key) {
            Some(attr) => {
                canonicalize_subs(attr, &mut value);
                out.insert(attr.name.to_owned(), value);
            }
            None => {
                out.insert(key, value);
            }
        }
    }
    *obj = out;
}

/// A common or core-schema attribute named by a top-level key.
pub(crate) fn top_level(rt: &ResourceTypeDef, key: &str) -> Option<&'static AttributeDef> {
    find(COMMON_ATTRIBUTES, key).or_else(|| find(rt.schema.attributes, key))
}

/// The extension schema whose URN is this top-level key.
pub(crate) fn extension(rt: &ResourceTypeDef, key: &str) -> Option<&'static SchemaDef> {
    rt.extensions
        .iter()
        .map(|e| e.schema)
        .find(|s| s.id.eq_ignore_ascii_case(key))
}

#[cfg(test)]
mod tests;
