//! What an admin may store on a connection, checked before any write: known dialects and auth
//! modes, bounded rates, JWKS URLs under the network policy, pinned claims, and lengths that fit
//! the columns (`migrations/mysql`: MySQL in strict mode refuses an over-long value with an
//! error that would otherwise surface as a 500).

use super::{ConnectionError, ConnectionUpdate};
use crate::db::orgs::ConnectionChanges;
use crate::idp::jwks_url::{check_jwks_url, JwksNetworkPolicy};
use crate::idp::{required_claims, Dialect};

/// `name VARCHAR(255)`.
pub const MAX_NAME_CHARS: usize = 255;
/// `jwt_issuer VARCHAR(1024)`, `jwt_audience VARCHAR(1024)`.
pub const MAX_ISSUER_CHARS: usize = 1024;
/// `jwks_url VARCHAR(2048)`.
pub const MAX_JWKS_URL_CHARS: usize = 2048;
/// `jwt_static_key TEXT` holds 65,535 bytes; a PEM public key (RSA 4096) is under 1 KiB.
pub const MAX_STATIC_KEY_BYTES: usize = 16 * 1024;

fn invalid(detail: impl Into<String>) -> ConnectionError {
    ConnectionError::Invalid(detail.into())
}

pub fn dialect(name: &str) -> Result<(), ConnectionError> {
    if Dialect::from_stored(name).as_str() == name {
        Ok(())
    } else {
        let shown: String = name.chars().take(32).collect();
        Err(invalid(format!(
            "dialect must be generic, okta or entra, not {shown:?}"
        )))
    }
}

pub fn rate(rpm: Option<i32>) -> Result<(), ConnectionError> {
    match rpm {
        Some(n) if !(1..=1_000_000).contains(&n) => {
            Err(invalid("requests_per_minute must be between 1 and 1000000"))
        }
        _ => Ok(()),
    }
}

/// A trimmed name of 1 to 255 characters.
pub fn name(raw: &str) -> Result<String, ConnectionError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "name must be 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_owned())
}

/// An optional text setting: `null` clears it; a value is trimmed, non-empty and bounded.
fn text(
    field: &str,
    value: &Option<Option<String>>,
    max_chars: usize,
) -> Result<Option<Option<String>>, ConnectionError> {
    match value {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(v)) => {
            let v = v.trim();
            if v.is_empty() || v.chars().count() > max_chars {
                return Err(invalid(format!(
                    "{field} must be 1 to {max_chars} characters (or null to clear it)"
                )));
            }
            Ok(Some(Some(v.to_owned())))
        }
    }
}

/// Checks every field of an update and turns it into the changes to store.
pub fn changes(
    update: &ConnectionUpdate,
    network: JwksNetworkPolicy,
) -> Result<ConnectionChanges, ConnectionError> {
    if let Some(d) = &update.dialect {
        dialect(d)?;
    }
    if let Some(mode) = &update.auth_mode {
        if mode != "bearer" && mode != "jwt" {
            let shown: String = mode.chars().take(32).collect();
            return Err(invalid(format!(
                "auth_mode must be bearer or jwt, not {shown:?}"
            )));
        }
    }
    rate(update.requests_per_minute.flatten())?;
    let jwks_url = text("jwks_url", &update.jwks_url, MAX_JWKS_URL_CHARS)?;
    if let Some(Some(url)) = &jwks_url {
        check_jwks_url(url, network).map_err(invalid)?;
    }
    let jwt_static_key = match &update.jwt_static_key {
        Some(Some(pem)) if pem.trim().is_empty() || pem.len() > MAX_STATIC_KEY_BYTES => {
            return Err(invalid(format!(
                "jwt_static_key must be a PEM public key of at most {MAX_STATIC_KEY_BYTES} bytes"
            )))
        }
        other => other.clone(),
    };
    let jwt_required_claims = match &update.jwt_required_claims {
        None => None,
        Some(None) => Some(None),
        Some(Some(claims)) => Some(required_claims::validate(claims).map_err(invalid)?),
    };
    Ok(ConnectionChanges {
        name: update.name.as_deref().map(name).transpose()?,
        dialect: update.dialect.clone(),
        auth_mode: update.auth_mode.clone(),
        jwt_issuer: text("jwt_issuer", &update.jwt_issuer, MAX_ISSUER_CHARS)?,
        jwt_audience: text("jwt_audience", &update.jwt_audience, MAX_ISSUER_CHARS)?,
        jwks_url,
        jwt_static_key,
        takeover_unmanaged: update.takeover_unmanaged_users,
        requests_per_minute: update.requests_per_minute,
        disabled: update.disabled,
        jwt_required_claims,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn update(body: serde_json::Value) -> ConnectionUpdate {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn values_that_would_not_fit_their_columns_are_refused() {
        let strict = JwksNetworkPolicy::default();
        let long = |n: usize| "x".repeat(n);
        for body in [
            json!({ "name": long(MAX_NAME_CHARS + 1) }),
            json!({ "name": "  " }),
            json!({ "jwt_issuer": long(MAX_ISSUER_CHARS + 1) }),
            json!({ "jwt_audience": long(MAX_ISSUER_CHARS + 1) }),
            json!({ "jwt_issuer": "" }),
            json!({ "jwks_url": format!("https://idp.example.com/{}", long(MAX_JWKS_URL_CHARS)) }),
            json!({ "jwt_static_key": long(MAX_STATIC_KEY_BYTES + 1) }),
            json!({ "jwt_required_claims": { "tid": long(300) } }),
            json!({ "jwks_url": "https://169.254.169.254/keys" }),
            json!({ "auth_mode": "basic" }),
        ] {
            assert!(changes(&update(body.clone()), strict).is_err(), "{body}");
        }
        let ok = update(json!({
            "name": format!(" {} ", long(MAX_NAME_CHARS)),
            "jwt_issuer": long(MAX_ISSUER_CHARS),
            "jwt_required_claims": { "tid": "t", "appid": "a" },
            "jwks_url": null,
        }));
        let changes = changes(&ok, strict).unwrap();
        assert_eq!(changes.name.unwrap().len(), MAX_NAME_CHARS);
        assert_eq!(changes.jwks_url, Some(None));
        assert!(changes
            .jwt_required_claims
            .unwrap()
            .unwrap()
            .contains("appid"));
    }
}
