//! The filter AST (RFC 7644 §3.4.2.2) shared by the SQL compiler and the in-memory evaluator,
//! and the PATCH path form (RFC 7644 §3.5.2) that embeds it.

/// An attribute path: `[schemaURN ":"] attrName ["." subAttr]`. Names keep the case the client
/// sent; every comparison of names is case-insensitive (RFC 7643 §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN when the path was fully qualified, e.g.
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    pub schema: Option<String>,
    pub name: String,
    pub sub_attr: Option<String>,
}

/// Comparison operators (RFC 7644 §3.4.2.2, table 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A comparison literal: JSON `false`, `null`, `true`, a number or a string (RFC 7644 §3.4.2.2).
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath compareOp compValue`
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    /// `attrPath pr`
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attrPath "[" valFilter "]"`: some element of the multi-valued attribute `attr` matches
    /// `filter`, whose paths are relative to the element (sub-attribute names).
    /// `emails[type eq "work"].value eq "x"` parses to this with `filter` =
    /// `type eq "work" and value eq "x"`.
    ValuePath {
        attr: AttrPath,
        filter: Box<Filter>,
    },
}

/// A PATCH operation path (RFC 7644 §3.5.2 `PATH` ABNF).
#[derive(Debug, Clone, PartialEq)]
pub enum PatchPath {
    /// `attrPath`, e.g. `name.givenName` or `urn:…:enterprise:2.0:User:manager`.
    Attr(AttrPath),
    /// `valuePath ["." subAttr]`, e.g. `emails[type eq "work"].value`, `members[value eq "x"]`.
    ValuePath {
        attr: AttrPath,
        filter: Filter,
        sub_attr: Option<String>,
    },
}
