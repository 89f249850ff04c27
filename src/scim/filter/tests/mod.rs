//! Tests of the filter language: filter parsing (`parse`), PATCH and bare paths and `Display`
//! (`paths`), error details and limits (`errors`), the evaluator by operator and type (`eval`)
//! and by where values live (`eval_paths`), and property tests (`props`). The schemas here are
//! small fixtures so the tests pin the filter rules, not the shape of the real User and Group
//! definitions; `real` runs a few checks against those too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod errors;
mod eval;
mod eval_paths;
mod parse;
mod paths;
mod props;
mod real;

use crate::scim::schema::{
    AttrType, AttributeDef, ExtensionDef, Mutability, ResourceTypeDef, Returned, SchemaDef,
    Uniqueness,
};

const fn def(name: &'static str, ty: AttrType) -> AttributeDef {
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

const fn exact(d: AttributeDef) -> AttributeDef {
    AttributeDef {
        case_exact: true,
        ..d
    }
}

const fn multi(d: AttributeDef) -> AttributeDef {
    AttributeDef {
        multi_valued: true,
        ..d
    }
}

const fn complex(name: &'static str, subs: &'static [AttributeDef]) -> AttributeDef {
    AttributeDef {
        sub_attributes: subs,
        ..def(name, AttrType::Complex)
    }
}

static NAME_SUBS: [AttributeDef; 2] = [
    def("givenName", AttrType::String),
    def("familyName", AttrType::String),
];

static EMAIL_SUBS: [AttributeDef; 4] = [
    def("value", AttrType::String),
    def("type", AttrType::String),
    def("primary", AttrType::Boolean),
    def("display", AttrType::String),
];

static USER_ATTRS: [AttributeDef; 13] = [
    def("userName", AttrType::String),
    def("displayName", AttrType::String),
    def("nickName", AttrType::String),
    def("title", AttrType::String),
    exact(def("password", AttrType::String)),
    def("active", AttrType::Boolean),
    def("loginCount", AttrType::Integer),
    def("score", AttrType::Decimal),
    def("birthday", AttrType::DateTime),
    complex("name", &NAME_SUBS),
    multi(complex("emails", &EMAIL_SUBS)),
    multi(def("tags", AttrType::String)),
    multi(exact(def("codes", AttrType::String))),
];

pub(super) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub(super) const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

static MANAGER_SUBS: [AttributeDef; 3] = [
    exact(def("value", AttrType::String)),
    def("displayName", AttrType::String),
    exact(def("$ref", AttrType::Reference)),
];

static ENTERPRISE_ATTRS: [AttributeDef; 3] = [
    def("employeeNumber", AttrType::String),
    def("department", AttrType::String),
    complex("manager", &MANAGER_SUBS),
];

static USER_SCHEMA: SchemaDef = SchemaDef {
    id: CORE,
    name: "User",
    description: "",
    attributes: &USER_ATTRS,
};

static ENTERPRISE_SCHEMA: SchemaDef = SchemaDef {
    id: ENTERPRISE,
    name: "EnterpriseUser",
    description: "",
    attributes: &ENTERPRISE_ATTRS,
};

/// A User-like resource type with the Enterprise extension.
pub(super) static TEST_USER: ResourceTypeDef = ResourceTypeDef {
    id: "User",
    name: "User",
    endpoint: "/Users",
    description: "",
    schema: &USER_SCHEMA,
    extensions: &[ExtensionDef {
        schema: &ENTERPRISE_SCHEMA,
        required: false,
    }],
};

static MEMBER_SUBS: [AttributeDef; 3] = [
    exact(def("value", AttrType::String)),
    def("display", AttrType::String),
    exact(def("$ref", AttrType::Reference)),
];

static GROUP_ATTRS: [AttributeDef; 2] = [
    def("displayName", AttrType::String),
    multi(complex("members", &MEMBER_SUBS)),
];

static GROUP_SCHEMA: SchemaDef = SchemaDef {
    id: "urn:ietf:params:scim:schemas:core:2.0:Group",
    name: "Group",
    description: "",
    attributes: &GROUP_ATTRS,
};

pub(super) static TEST_GROUP: ResourceTypeDef = ResourceTypeDef {
    id: "Group",
    name: "Group",
    endpoint: "/Groups",
    description: "",
    schema: &GROUP_SCHEMA,
    extensions: &[],
};

/// The `emails` definition, for `matches_element` tests.
pub(super) fn emails_def() -> &'static AttributeDef {
    crate::scim::schema::find(&USER_ATTRS, "emails").unwrap()
}

/// The `tags` definition (multi-valued, simple type).
pub(super) fn tags_def() -> &'static AttributeDef {
    crate::scim::schema::find(&USER_ATTRS, "tags").unwrap()
}
