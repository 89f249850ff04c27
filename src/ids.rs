//! Typed ids, so a user id can't be passed where a group or organization id goes. Ids are random
//! UUIDs (v4), never assumed dense or ordered: on a multi-writer cluster AUTO_INCREMENT steps by
//! the node count and sequences don't exist.

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub String);

        impl $name {
            /// A fresh random id.
            pub fn new() -> Self {
                $name(uuid::Uuid::new_v4().to_string())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    )*};
}

typed_id!(
    /// An organization (tenant).
    OrgId,
    /// A user of an organization.
    UserId,
    /// A SCIM group (a team).
    GroupId,
    /// An IdP connection (Okta, Entra ID or a generic SCIM client).
    ConnectionId,
    /// An issued token.
    TokenId,
);
