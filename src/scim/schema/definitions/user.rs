//! The core User schema, `urn:ietf:params:scim:schemas:core:2.0:User` (RFC 7643 §4.1, with the
//! characteristics of its §8.7.1 representation).

use super::super::common::{attr, complex, string};
use super::super::types::{AttrType, AttributeDef, Mutability, Returned, SchemaDef, Uniqueness};
use super::plural_sub_attributes;

/// `name` sub-attributes (RFC 7643 §4.1.1).
static NAME: [AttributeDef; 6] = [
    string(
        "formatted",
        "The full name, including all middle names, titles and suffixes, formatted for display.",
    ),
    string(
        "familyName",
        "The family name of the User (last name in most Western languages).",
    ),
    string(
        "givenName",
        "The given name of the User (first name in most Western languages).",
    ),
    string("middleName", "The middle name(s) of the User."),
    string(
        "honorificPrefix",
        "The honorific prefix(es) of the User, e.g. 'Ms.'.",
    ),
    string(
        "honorificSuffix",
        "The honorific suffix(es) of the User, e.g. 'III'.",
    ),
];

static EMAILS: [AttributeDef; 4] = plural_sub_attributes(
    AttrType::String,
    "An email address for the User, canonicalized per RFC 5321.",
    &["work", "home", "other"],
);

static PHONE_NUMBERS: [AttributeDef; 4] = plural_sub_attributes(
    AttrType::String,
    "A phone number for the User, ideally in RFC 3966 form (tel:+1-201-555-0123).",
    &["work", "home", "mobile", "fax", "pager", "other"],
);

static IMS: [AttributeDef; 4] = plural_sub_attributes(
    AttrType::String,
    "An instant messaging address for the User.",
    &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
);

// RFC 7643 §8.7.1 makes a photo's `value` an external reference (a URL to the image).
static PHOTOS: [AttributeDef; 4] = {
    let [value, display, ty, primary] = plural_sub_attributes(
        AttrType::Reference,
        "The URL of a photo of the User.",
        &["photo", "thumbnail"],
    );
    [value.references(&["external"]), display, ty, primary]
};

/// `addresses` sub-attributes (RFC 7643 §4.1.2). §8.7.1 omits `primary`, but §4.1.2 and §2.4
/// give every plural attribute one, so it is listed here.
static ADDRESSES: [AttributeDef; 8] = [
    string(
        "formatted",
        "The full mailing address, formatted for display or use with a mailing label.",
    ),
    string("streetAddress", "The full street address component (house number, street name, P.O. box, multi-line extended street address)."),
    string("locality", "The city or locality component."),
    string("region", "The state or region component."),
    string("postalCode", "The zip code or postal code component."),
    string("country", "The country name component, as an ISO 3166-1 alpha-2 code."),
    string("type", "A label indicating the address's function.").canonical(&["work", "home", "other"]),
    attr(
        "primary",
        AttrType::Boolean,
        "Whether this is the preferred mailing address; at most one address may be primary.",
    ),
];

/// `groups` sub-attributes (RFC 7643 §4.1.2): all read-only, derived from Group membership.
static GROUPS: [AttributeDef; 4] = [
    string("value", "The id of a Group the User belongs to.").read_only(),
    attr(
        "$ref",
        AttrType::Reference,
        "The URI of the Group resource.",
    )
    .references(&["User", "Group"])
    .read_only(),
    string("display", "The displayName of the Group.").read_only(),
    string(
        "type",
        "Whether membership is direct or through another group.",
    )
    .canonical(&["direct", "indirect"])
    .read_only(),
];

static ENTITLEMENTS: [AttributeDef; 4] =
    plural_sub_attributes(AttrType::String, "An entitlement the User has.", &[]);

static ROLES: [AttributeDef; 4] =
    plural_sub_attributes(AttrType::String, "A role the User has.", &[]);

static X509_CERTIFICATES: [AttributeDef; 4] = plural_sub_attributes(
    AttrType::Binary,
    "A DER-encoded X.509 certificate, base64-encoded.",
    &[],
);

static USER_ATTRIBUTES: [AttributeDef; 21] = [
    // RFC 7643 §4.1.1: required, non-empty and unique across the service provider, but
    // compared case-insensitively (`caseExact` false in §8.7.1).
    string(
        "userName",
        "Unique identifier for the User, typically used to sign in. REQUIRED.",
    )
    .required()
    .uniqueness(Uniqueness::Server),
    complex("name", "The components of the User's real name.", &NAME),
    string(
        "displayName",
        "The name of the User, suitable for display to end-users.",
    ),
    string(
        "nickName",
        "The casual way to address the User in real life.",
    ),
    attr(
        "profileUrl",
        AttrType::Reference,
        "A fully qualified URL pointing to a page representing the User's online profile.",
    )
    .references(&["external"]),
    string("title", "The User's title, such as 'Vice President'."),
    string(
        "userType",
        "The relationship between the organization and the User, e.g. 'Employee'.",
    ),
    string(
        "preferredLanguage",
        "The User's preferred written or spoken language (RFC 7231 Accept-Language form).",
    ),
    string(
        "locale",
        "The User's default location for localization, e.g. 'en-US'.",
    ),
    string(
        "timezone",
        "The User's time zone in IANA Time Zone database format, e.g. 'Europe/Paris'.",
    ),
    attr(
        "active",
        AttrType::Boolean,
        "The User's administrative status.",
    ),
    // RFC 7643 §4.1.1: the cleartext password may be set but never read back.
    string(
        "password",
        "The User's cleartext password, used to set or replace it.",
    )
    .mutability(Mutability::WriteOnly)
    .returned(Returned::Never),
    complex("emails", "Email addresses for the User.", &EMAILS).multi(),
    complex(
        "phoneNumbers",
        "Phone numbers for the User.",
        &PHONE_NUMBERS,
    )
    .multi(),
    complex("ims", "Instant messaging addresses for the User.", &IMS).multi(),
    complex("photos", "URLs of photos of the User.", &PHOTOS).multi(),
    complex(
        "addresses",
        "Physical mailing addresses for the User.",
        &ADDRESSES,
    )
    .multi(),
    // RFC 7643 §4.1.2: group membership is changed through the Group resource only.
    complex(
        "groups",
        "The Groups the User belongs to, directly or indirectly.",
        &GROUPS,
    )
    .multi()
    .read_only(),
    complex("entitlements", "Entitlements the User has.", &ENTITLEMENTS).multi(),
    complex("roles", "Roles the User has.", &ROLES).multi(),
    complex(
        "x509Certificates",
        "X.509 certificates issued to the User.",
        &X509_CERTIFICATES,
    )
    .multi(),
];

/// `urn:ietf:params:scim:schemas:core:2.0:User`.
pub static USER_SCHEMA: SchemaDef = SchemaDef {
    id: "urn:ietf:params:scim:schemas:core:2.0:User",
    name: "User",
    description: "User Account",
    attributes: &USER_ATTRIBUTES,
};
