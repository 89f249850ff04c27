//! Applying one PATCH operation to a resource document: path resolution against the schema,
//! the read-only rules, and the dispatch of RFC 7644 §3.5.2.1 (add), §3.5.2.2 (remove) and
//! §3.5.2.3 (replace) to the attribute forms in `target`. Core attributes live at the top of
//! the document, extension attributes under their schema URN (RFC 7643 §3.3).

use serde_json::Value;

use super::keys::{self, Obj};
use super::value::is_clear;
use super::{PatchOp, PatchOpKind};
use crate::scim::filter::{parse_path, AttrPath, PatchPath};
use crate::scim::schema::{
    find, resolve, AttributeDef, ExtensionDef, Mutability, ResolvedAttr, ResourceTypeDef,
};
use crate::scim::ScimError;

/// How read-only targets are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// The client named the attribute in `path`: writing a read-only attribute is an error
    /// (RFC 7644 §3.5.2: operations "MUST be compatible with the attribute's mutability").
    Explicit,
    /// The attribute came as a key of a path-less value, where clients echo read-only
    /// attributes back (Okta sends the group `id` in a rename): those keys are skipped.
    Echo,
}

/// One operation in progress.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'a> {
    pub rt: &'a ResourceTypeDef,
    pub kind: PatchOpKind,
    pub mode: Mode,
}

/// Applies one operation to the working copy of the document.
pub(super) fn apply_op(doc: &mut Obj, op: &PatchOp, rt: &ResourceTypeDef) -> Result<(), ScimError> {
    let cx = Ctx {
        rt,
        kind: op.op,
        mode: Mode::Explicit,
    };
    match &op.path {
        // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with … noTarget".
        None if op.op == PatchOpKind::Remove => Err(ScimError::NoTarget(
            "a remove operation needs a \"path\"".to_owned(),
        )),
        None => cx.pathless(doc, cx.value(op.value.as_ref())?),
        Some(path) => cx.path(doc, path, op.value.as_ref()),
    }
}

impl Ctx<'_> {
    /// The operation's value, which add and replace must carry (RFC 7644 §3.5.2.1, §3.5.2.3).
    pub(super) fn value<'v>(&self, value: Option<&'v Value>) -> Result<&'v Value, ScimError> {
        value.ok_or_else(|| {
            ScimError::InvalidValue(format!("a {} operation needs a \"value\"", self.kind))
        })
    }

    /// A path-less add or replace: the value is an object of attributes, each applied as if it
    /// were the operation's path (RFC 7644 §3.5.2.1: "the target location is assumed to be the
    /// resource itself"). Keys may be plain names, dotted (`name.givenName`) or fully qualified
    /// (`urn:…:enterprise:2.0:User:employeeNumber`) as Entra ID sends, or an extension URN
    /// holding an object of that extension's attributes.
    fn pathless(&self, doc: &mut Obj, value: &Value) -> Result<(), ScimError> {
        let Some(obj) = value.as_object() else {
            return Err(ScimError::InvalidValue(format!(
                "without a \"path\", the value of a {} must be an object of attributes",
                self.kind
            )));
        };
        let cx = Ctx {
            mode: Mode::Echo,
            ..*self
        };
        for (key, val) in obj {
            // `schemas` is derived from the extension data present (see `super::sync_schemas`);
            // clients that echo the whole resource back send it along.
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            if let Some(ext) = extension(self.rt, key) {
                cx.extension_value(doc, ext, val)?;
                continue;
            }
            let path = parse_path(key).map_err(|e| {
                ScimError::InvalidPath(format!(
                    "\"{key}\" in the value is not an attribute path: {}",
                    e.detail()
                ))
            })?;
            cx.path(doc, &path, Some(val))?;
        }
        Ok(())
    }

    /// Add or replace of a whole extension object: each key is an attribute of that extension.
    fn extension_value(
        &self,
        doc: &mut Obj,
        ext: &ExtensionDef,
        val: &Value,
    ) -> Result<(), ScimError> {
        if is_clear(val) {
            return match self.kind {
                PatchOpKind::Add => Ok(()),
                _ => drop_extension(doc, ext),
            };
        }
        let Some(obj) = val.as_object() else {
            return Err(ScimError::InvalidValue(format!(
                "\"{}\" must be an object of that extension's attributes",
                ext.schema.id
            )));
        };
        for (key, v) in obj {
            // Clients that serialise the extension as a model include its own `schemas`; it
            // says nothing the URN key doesn't, and the server maintains `schemas` itself.
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            let path = parse_path(key)?;
            self.path(doc, &qualify(path, ext.schema.id)?, Some(v))?;
        }
        Ok(())
    }

    /// An operation with a path. The attribute forms themselves (`attribute`, `sub_attribute`,
    /// `elements`) are in `super::target`.
    pub(super) fn path(
        &self,
        doc: &mut Obj,
        path: &PatchPath,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        match path {
            PatchPath::Attr(ap) => {
                let Some(r) = resolve(self.rt, ap) else {
                    return self.unresolved(doc, ap, value);
                };
                let label = label(&r, self.rt);
                if !self.writable(&[Some(r.attr), r.sub], &label)? {
                    return Ok(());
                }
                let Some(c) = self.container(doc, &r) else {
                    return Ok(()); // removing from an extension the resource doesn't have
                };
                match r.sub {
                    None => self.attribute(c, r.attr, value, &label),
                    Some(sub) if r.attr.multi_valued => {
                        self.elements(c, r.attr, None, Some(sub), value, &label)
                    }
                    Some(sub) => self.sub_attribute(c, r.attr, sub, value, &label),
                }
            }
            PatchPath::ValuePath {
                attr,
                filter,
                sub_attr,
            } => {
                let r = resolve(self.rt, attr).ok_or_else(|| unknown(attr, self.rt))?;
                let base = label(&r, self.rt);
                if r.sub.is_some() || !r.attr.multi_valued {
                    return Err(ScimError::InvalidPath(format!(
                        "a value filter needs a multi-valued attribute, and \"{base}\" is not one"
                    )));
                }
                let sub = match sub_attr {
                    Some(name) => Some(find(r.attr.sub_attributes, name).ok_or_else(|| {
                        ScimError::InvalidPath(format!("no sub-attribute \"{name}\" on \"{base}\""))
                    })?),
                    None => None,
                };
                let label = match sub {
                    Some(s) => format!("{base}[…].{}", s.name),
                    None => format!("{base}[…]"),
                };
                if !self.writable(&[Some(r.attr), sub], &label)? {
                    return Ok(());
                }
                let Some(c) = self.container(doc, &r) else {
                    return Ok(());
                };
                self.elements(c, r.attr, Some(filter), sub, value, &label)
            }
        }
    }

    /// A path the schema doesn't know: `schemas`, a bare extension URN, or an error.
    fn unresolved(
        &self,
        doc: &mut Obj,
        ap: &AttrPath,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        if ap.schema.is_none() && ap.sub_attr.is_none() && ap.name.eq_ignore_ascii_case("schemas") {
            return Err(ScimError::Mutability(
                "\"schemas\" is maintained by the server from the extension attributes present"
                    .to_owned(),
            ));
        }
        let urn = match &ap.schema {
            Some(schema) => format!("{schema}:{}", ap.name),
            None => ap.name.clone(),
        };
        match extension(self.rt, &urn).filter(|_| ap.sub_attr.is_none()) {
            Some(ext) if self.kind == PatchOpKind::Remove => drop_extension(doc, ext),
            Some(ext) => self.extension_value(doc, ext, self.value(value)?),
            None => Err(unknown(ap, self.rt)),
        }
    }

    /// Whether the attributes named may be written; read-only ones are an error for an
    /// explicit path and skipped inside a path-less value.
    fn writable(&self, defs: &[Option<&AttributeDef>], label: &str) -> Result<bool, ScimError> {
        let read_only = defs
            .iter()
            .flatten()
            .any(|d| d.mutability == Mutability::ReadOnly);
        match (read_only, self.mode) {
            (false, _) => Ok(true),
            (true, Mode::Echo) => Ok(false),
            (true, Mode::Explicit) => {
                Err(ScimError::Mutability(format!("\"{label}\" is read-only")))
            }
        }
    }

    /// The object that holds the attribute: the document, or its extension's object (created
    /// for add and replace, so that a remove never invents an empty extension).
    fn container<'d>(&self, doc: &'d mut Obj, r: &ResolvedAttr) -> Option<&'d mut Obj> {
        match r.schema {
            Some(schema) if r.is_extension(self.rt) => {
                keys::object_mut(doc, schema.id, self.kind != PatchOpKind::Remove)
            }
            _ => Some(doc),
        }
    }
}

/// The extension of `rt` whose URN is `name`, ignoring case.
fn extension<'r>(rt: &'r ResourceTypeDef, name: &str) -> Option<&'r ExtensionDef> {
    rt.extensions
        .iter()
        .find(|e| e.schema.id.eq_ignore_ascii_case(name))
}

/// Removes a whole extension object; a required extension can't go (RFC 7644 §3.5.2.2).
fn drop_extension(doc: &mut Obj, ext: &ExtensionDef) -> Result<(), ScimError> {
    if ext.required {
        return Err(ScimError::Mutability(format!(
            "the extension \"{}\" is required and cannot be removed",
            ext.schema.id
        )));
    }
    keys::remove(doc, ext.schema.id);
    Ok(())
}

/// Qualifies a key found inside an extension object with that extension's URN.
fn qualify(path: PatchPath, urn: &str) -> Result<PatchPath, ScimError> {
    let fix = |mut ap: AttrPath| match &ap.schema {
        Some(s) if !s.eq_ignore_ascii_case(urn) => Err(ScimError::InvalidPath(format!(
            "\"{s}:{}\" is not an attribute of \"{urn}\"",
            ap.name
        ))),
        _ => {
            ap.schema = Some(urn.to_owned());
            Ok(ap)
        }
    };
    Ok(match path {
        PatchPath::Attr(ap) => PatchPath::Attr(fix(ap)?),
        PatchPath::ValuePath {
            attr,
            filter,
            sub_attr,
        } => PatchPath::ValuePath {
            attr: fix(attr)?,
            filter,
            sub_attr,
        },
    })
}

/// The canonical spelling of a resolved path, for error details.
fn label(r: &ResolvedAttr, rt: &ResourceTypeDef) -> String {
    let mut out = match r.schema {
        Some(schema) if r.is_extension(rt) => format!("{}:{}", schema.id, r.attr.name),
        _ => r.attr.name.to_owned(),
    };
    if let Some(sub) = r.sub {
        out.push('.');
        out.push_str(sub.name);
    }
    out
}

/// The error for a path that names no attribute of the resource type.
fn unknown(ap: &AttrPath, rt: &ResourceTypeDef) -> ScimError {
    let mut name = match &ap.schema {
        Some(s) => format!("{s}:{}", ap.name),
        None => ap.name.clone(),
    };
    if let Some(sub) = &ap.sub_attr {
        name.push('.');
        name.push_str(sub);
    }
    ScimError::InvalidPath(format!("no attribute \"{name}\" on {}", rt.name))
}
