//! The three attribute forms a PATCH path can end at, once resolved: a whole attribute, a
//! sub-attribute of a single complex attribute, and elements of a multi-valued attribute
//! (selected by a value filter, or all of them). Each implements add (RFC 7644 §3.5.2.1),
//! remove (§3.5.2.2) and replace (§3.5.2.3) for its form.

use serde_json::Value;

use super::apply::Ctx;
use super::keys::{self, Obj};
use super::value::{self, is_clear};
use super::PatchOpKind;
use crate::scim::filter::{matches_element, CompValue, CompareOp, Filter};
use crate::scim::schema::{find, AttrType, AttributeDef, Mutability};
use crate::scim::ScimError;

impl Ctx<'_> {
    /// A whole attribute (`userName`, `name`, `emails`) in its container `c`.
    pub(super) fn attribute(
        &self,
        c: &mut Obj,
        def: &AttributeDef,
        value: Option<&Value>,
        label: &str,
    ) -> Result<(), ScimError> {
        if self.kind == PatchOpKind::Remove {
            return remove_attribute(c, def, value, label);
        }
        let v = self.value(value)?;
        let empty_list = def.multi_valued && v.as_array().is_some_and(Vec::is_empty);
        if is_clear(v) || (empty_list && self.kind == PatchOpKind::Replace) {
            return clear(c, def, label);
        }
        if def.multi_valued {
            return self.set_list(c, def, v, label);
        }
        if def.ty == AttrType::Complex {
            // RFC 7644 §3.5.2.1 and §3.5.2.3 agree for a single complex attribute: the value's
            // sub-attributes are set and "Sub-attributes that are not specified … are left
            // unchanged".
            let patch = value::complex(def, &entra_simple_complex(def, v), label)?;
            let mut obj = match keys::get(c, def.name) {
                Some(Value::Object(o)) => o.clone(),
                _ => Obj::new(),
            };
            value::merge(def, &mut obj, &patch, label)?;
            if obj.is_empty() {
                return clear(c, def, label);
            }
            keys::set(c, def.name, Value::Object(obj));
            return Ok(());
        }
        let new = value::scalar(def, v, label)?;
        value::check_immutable(def, keys::get(c, def.name), Some(&new), label)?;
        keys::set(c, def.name, new);
        Ok(())
    }

    /// Add appends values not already present (RFC 7644 §3.5.2.1: "a new value is added");
    /// replace swaps the whole list (§3.5.2.3: "the attribute and all values are replaced").
    fn set_list(
        &self,
        c: &mut Obj,
        def: &AttributeDef,
        v: &Value,
        label: &str,
    ) -> Result<(), ScimError> {
        let items = value::list(def, v, label)?;
        let mut current = keys::list(c, def.name);
        let mut touched = Vec::new();
        if self.kind == PatchOpKind::Add {
            for item in items {
                match current.iter().position(|e| value::same(def, e, &item)) {
                    Some(i) => touched.push(i),
                    None => {
                        current.push(item);
                        touched.push(current.len() - 1);
                    }
                }
            }
        } else {
            if def.mutability == Mutability::Immutable
                && !current.is_empty()
                && !value::same(def, &Value::Array(current), &Value::Array(items.clone()))
            {
                return Err(ScimError::Mutability(format!("\"{label}\" is immutable")));
            }
            touched = (0..items.len()).collect();
            current = items;
        }
        value::settle_primary(def, &mut current, &touched, label)?;
        keys::store_list(c, def.name, current);
        Ok(())
    }

    /// A sub-attribute of a single complex attribute (`name.givenName`, enterprise
    /// `manager.value`). The parent object is created on demand and dropped once empty.
    pub(super) fn sub_attribute(
        &self,
        c: &mut Obj,
        def: &AttributeDef,
        sub: &AttributeDef,
        value: Option<&Value>,
        label: &str,
    ) -> Result<(), ScimError> {
        let set = match self.kind {
            PatchOpKind::Remove => None,
            _ => Some(self.value(value)?).filter(|v| !is_clear(v)),
        };
        let Some(v) = set else {
            value::check_not_required(sub, label)?;
            let Some(parent) = keys::object_mut(c, def.name, false) else {
                return Ok(());
            };
            value::check_immutable(sub, keys::get(parent, sub.name), None, label)?;
            keys::remove(parent, sub.name);
            if parent.is_empty() {
                return clear(c, def, def.name);
            }
            return Ok(());
        };
        let new = sub_value(sub, v, label)?;
        let parent = keys::object_mut(c, def.name, true)
            .ok_or_else(|| ScimError::InvalidValue(format!("\"{label}\" could not be created")))?;
        value::check_immutable(sub, keys::get(parent, sub.name), Some(&new), label)?;
        keys::set(parent, sub.name, new);
        Ok(())
    }

    /// Elements of a multi-valued attribute: those matching `filter` (`emails[type eq
    /// "work"]`), or all when there is none (`emails.type`), optionally narrowed to one
    /// sub-attribute of each.
    pub(super) fn elements(
        &self,
        c: &mut Obj,
        def: &AttributeDef,
        filter: Option<&Filter>,
        sub: Option<&AttributeDef>,
        value: Option<&Value>,
        label: &str,
    ) -> Result<(), ScimError> {
        let mut items = keys::list(c, def.name);
        let had_values = !items.is_empty();
        let matched: Vec<usize> = (0..items.len())
            .filter(|&i| match (filter, items.get(i)) {
                (Some(f), Some(el)) => matches_element(f, el, def),
                (None, Some(_)) => true,
                (_, None) => false,
            })
            .collect();
        let new = match self.kind {
            PatchOpKind::Remove => None,
            _ => Some(self.value(value)?).filter(|v| !is_clear(v)),
        };
        let mut touched = matched.clone();
        match (sub, new) {
            // Remove the matched values (RFC 7644 §3.5.2.2). A replace with null does the same.
            // Nothing matched is success: a retried remove must not fail.
            (None, None) => {
                if self.kind == PatchOpKind::Add {
                    return Err(ScimError::InvalidValue(format!(
                        "an add to \"{label}\" needs a value"
                    )));
                }
                if !matched.is_empty() && def.mutability == Mutability::Immutable {
                    return Err(ScimError::Mutability(format!("\"{label}\" is immutable")));
                }
                items = (0..items.len())
                    .filter(|i| !matched.contains(i))
                    .filter_map(|i| items.get(i).cloned())
                    .collect();
                touched.clear();
            }
            // Clear one sub-attribute of the matched values.
            (Some(s), None) => {
                value::check_not_required(s, label)?;
                for &i in &matched {
                    if let Some(obj) = items.get_mut(i).and_then(Value::as_object_mut) {
                        value::check_immutable(s, keys::get(obj, s.name), None, label)?;
                        keys::remove(obj, s.name);
                    }
                }
            }
            // RFC 7644 §3.5.2.3: matched values are replaced; as for a single complex value,
            // the sub-attributes given are set and the others kept. No match is `noTarget`.
            (None, Some(v)) => {
                if matched.is_empty() {
                    return Err(no_match(label));
                }
                let patch = match def.ty {
                    AttrType::Complex => Some(value::complex(def, v, label)?),
                    _ => None,
                };
                for &i in &matched {
                    let Some(el) = items.get_mut(i) else { continue };
                    match (&patch, el.as_object_mut()) {
                        (Some(p), Some(obj)) => value::merge(def, obj, p, label)?,
                        (Some(p), None) => *el = Value::Object(p.clone()),
                        (None, _) => *el = value::scalar(def, v, label)?,
                    }
                }
            }
            // Set one sub-attribute of the matched values (RFC 7644 §3.5.2.3). When none
            // match, Entra ID expects `emails[type eq "work"].value` to create the element,
            // so an `eq`-only filter seeds a new one; otherwise `noTarget`.
            (Some(s), Some(v)) => {
                let new = sub_value(s, v, label)?;
                if matched.is_empty() {
                    let mut seed = Obj::new();
                    if !filter.is_some_and(|f| seed_from(f, &mut seed)) {
                        return Err(no_match(label));
                    }
                    seed.insert(s.name.to_owned(), new.clone());
                    let mut el = value::complex(def, &Value::Object(seed), label)?;
                    el.retain(|_, v| !v.is_null());
                    items.push(Value::Object(el));
                    touched = vec![items.len() - 1];
                }
                for &i in &matched {
                    if let Some(obj) = items.get_mut(i).and_then(Value::as_object_mut) {
                        value::check_immutable(s, keys::get(obj, s.name), Some(&new), label)?;
                        keys::set(obj, s.name, new.clone());
                    }
                }
            }
        }
        value::settle_primary(def, &mut items, &touched, label)?;
        // A value with no sub-attributes left is unassigned (RFC 7644 §3.5.2.2).
        items.retain(|el| !el.as_object().is_some_and(Obj::is_empty));
        if had_values && items.is_empty() {
            value::check_not_required(def, label)?;
        }
        keys::store_list(c, def.name, items);
        Ok(())
    }
}

/// Remove of a whole attribute (RFC 7644 §3.5.2.2). With a value on a multi-valued attribute,
/// only the listed values go: Entra ID removes an email or a member with
/// `{"op":"Remove","path":"emails","value":[{"value":"x"}]}`. Each listed object matches the
/// stored values that agree on every sub-attribute it gives.
fn remove_attribute(
    c: &mut Obj,
    def: &AttributeDef,
    value: Option<&Value>,
    label: &str,
) -> Result<(), ScimError> {
    let Some(v) = value.filter(|v| def.multi_valued && !v.is_null()) else {
        return clear(c, def, label);
    };
    let listed: &[Value] = match v {
        Value::Array(items) => items,
        single => std::slice::from_ref(single),
    };
    let mut templates = Vec::with_capacity(listed.len());
    for item in listed {
        if def.ty == AttrType::Complex {
            let mut t = value::complex(def, item, label)?;
            t.retain(|_, v| !v.is_null());
            if t.is_empty() {
                // An empty template would match every value: refuse rather than wipe the list.
                return Err(ScimError::InvalidValue(format!(
                    "each value to remove from \"{label}\" must give at least one sub-attribute"
                )));
            }
            templates.push(Value::Object(t));
        } else {
            templates.push(value::scalar(def, item, label)?);
        }
    }
    let current = keys::list(c, def.name);
    let before = current.len();
    let kept: Vec<Value> = current
        .into_iter()
        .filter(|el| {
            !templates
                .iter()
                .any(|t| match (el.as_object(), t.as_object()) {
                    (Some(e), Some(t)) => value::contains(def, e, t),
                    _ => value::same(def, el, t),
                })
        })
        .collect();
    if kept.len() != before {
        if def.mutability == Mutability::Immutable {
            return Err(ScimError::Mutability(format!("\"{label}\" is immutable")));
        }
        if kept.is_empty() {
            value::check_not_required(def, label)?;
        }
    }
    keys::store_list(c, def.name, kept);
    Ok(())
}

/// Makes an attribute unassigned: remove, replace with `null`, or `""` (Entra ID clears with an
/// empty string). Required and set immutable attributes refuse (RFC 7644 §3.5.2.2).
fn clear(c: &mut Obj, def: &AttributeDef, label: &str) -> Result<(), ScimError> {
    value::check_not_required(def, label)?;
    value::check_immutable(def, keys::get(c, def.name), None, label)?;
    keys::remove(c, def.name);
    Ok(())
}

/// A checked value for a sub-attribute.
fn sub_value(sub: &AttributeDef, v: &Value, label: &str) -> Result<Value, ScimError> {
    if sub.multi_valued {
        value::list(sub, v, label).map(Value::Array)
    } else {
        value::scalar(sub, v, label)
    }
}

/// Entra ID sends the enterprise `manager` as the manager's id alone (`"value": "26118915"`)
/// though it is complex. A string given for a complex attribute that has a `value`
/// sub-attribute is read as `{"value": …}`; anything else goes to the type check unchanged.
fn entra_simple_complex(def: &AttributeDef, v: &Value) -> Value {
    match v {
        Value::String(_) if find(def.sub_attributes, "value").is_some() => {
            let mut obj = Obj::new();
            obj.insert("value".to_owned(), v.clone());
            Value::Object(obj)
        }
        _ => v.clone(),
    }
}

/// Collects the `sub eq literal` comparisons of an `and`-only filter into a new element;
/// `false` when the filter holds anything else (then no element can be derived from it).
fn seed_from(filter: &Filter, seed: &mut Obj) -> bool {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.schema.is_none() && path.sub_attr.is_none() => {
            let v = match value {
                CompValue::Null => Value::Null,
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::String(s) => Value::String(s.clone()),
            };
            seed.insert(path.name.clone(), v);
            true
        }
        Filter::And(a, b) => seed_from(a, seed) && seed_from(b, seed),
        _ => false,
    }
}

/// The `noTarget` error of RFC 7644 §3.5.2.3 for a value filter that matched nothing.
fn no_match(label: &str) -> ScimError {
    ScimError::NoTarget(format!("\"{label}\" selects no value"))
}
