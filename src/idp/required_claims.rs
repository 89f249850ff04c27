//! Claims a connection pins beyond `iss` and `aud`. Entra ID issues tokens for the same
//! audience to every application of a tenant, and its issuer is per tenant: `iss` + `aud` alone
//! would accept a token minted for another application (or, with a multi-tenant audience, for
//! another tenant). Pinning `tid` and `appid` (or `azp`, `sub`…) names the one caller.
//!
//! Stored as a JSON object of claim name to exact string value; every claim must be present in
//! the token as a string and equal, or the token is refused.

use serde_json::{Map, Value};

/// The claims a connection may pin: identifiers of the tenant and of the calling application
/// or principal. Time claims, `iss`/`aud` (configured on their own) and free-form claims are
/// not accepted, so a pin always means "this exact caller".
pub const PINNABLE: &[&str] = &[
    "tid",
    "appid",
    "azp",
    "sub",
    "oid",
    "client_id",
    "cid",
    "idtyp",
];
/// At most this many pinned claims per connection.
pub const MAX_CLAIMS: usize = 8;
/// The longest value a pinned claim may have, in characters.
pub const MAX_VALUE_CHARS: usize = 256;

/// Checks what an admin submits and returns the text to store (`None` for an empty object).
pub fn validate(claims: &Value) -> Result<Option<String>, String> {
    let Some(object) = claims.as_object() else {
        return Err("jwt_required_claims must be an object of claim names to string values".into());
    };
    if object.len() > MAX_CLAIMS {
        return Err(format!(
            "jwt_required_claims may pin at most {MAX_CLAIMS} claims"
        ));
    }
    for (name, value) in object {
        if !PINNABLE.contains(&name.as_str()) {
            let shown: String = name.chars().take(32).collect();
            return Err(format!(
                "jwt_required_claims cannot pin {shown:?}; pinnable claims: {}",
                PINNABLE.join(", ")
            ));
        }
        match value.as_str() {
            Some(v) if !v.trim().is_empty() && v.chars().count() <= MAX_VALUE_CHARS => {}
            _ => {
                return Err(format!(
                    "jwt_required_claims.{name} must be a non-empty string of at most \
                     {MAX_VALUE_CHARS} characters"
                ))
            }
        }
    }
    Ok((!object.is_empty()).then(|| claims.to_string()))
}

/// The first pinned claim the token's (verified) claims do not carry with the pinned value.
/// Stored text that is not an object pins something unknowable: refused as a whole.
pub fn first_mismatch(stored: Option<&str>, token_claims: &Value) -> Option<String> {
    let stored = stored?.trim();
    if stored.is_empty() {
        return None;
    }
    let pinned: Map<String, Value> = match serde_json::from_str(stored) {
        Ok(map) => map,
        Err(_) => return Some("(unreadable pinned claims)".into()),
    };
    pinned.into_iter().find_map(|(name, want)| {
        let have = token_claims.get(&name).and_then(Value::as_str);
        (want.as_str().is_none() || have != want.as_str()).then_some(name)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_bounded_string_pins_of_known_claims_are_accepted() {
        assert_eq!(validate(&json!({})).unwrap(), None);
        let ok = json!({ "tid": "t-1", "appid": "a-1" });
        assert_eq!(
            validate(&ok).unwrap().as_deref(),
            Some(ok.to_string().as_str())
        );
        for bad in [
            json!([]),
            json!("tid"),
            json!({ "tid": 1 }),
            json!({ "tid": "" }),
            json!({ "tid": null }),
            json!({ "tid": ["a"] }),
            json!({ "iss": "x" }),
            json!({ "exp": "1" }),
            json!({ "custom": "x" }),
            json!({ "tid": "x".repeat(MAX_VALUE_CHARS + 1) }),
        ] {
            assert!(validate(&bad).is_err(), "{bad}");
        }
        let many: Map<String, Value> = PINNABLE
            .iter()
            .chain(["tid"].iter())
            .map(|c| ((*c).to_owned(), json!("v")))
            .collect();
        assert!(
            validate(&Value::Object(many)).is_ok(),
            "duplicates collapse"
        );
    }

    #[test]
    fn every_pinned_claim_must_be_present_and_equal() {
        let stored = json!({ "tid": "t-1", "appid": "a-1" }).to_string();
        let token = json!({ "tid": "t-1", "appid": "a-1", "sub": "x" });
        assert_eq!(first_mismatch(Some(&stored), &token), None);
        assert_eq!(first_mismatch(None, &token), None);
        let other_app = json!({ "tid": "t-1", "appid": "a-2" });
        assert_eq!(
            first_mismatch(Some(&stored), &other_app).as_deref(),
            Some("appid")
        );
        let missing = json!({ "appid": "a-1" });
        assert_eq!(
            first_mismatch(Some(&stored), &missing).as_deref(),
            Some("tid")
        );
        let typed = json!({ "tid": ["t-1"], "appid": "a-1" });
        assert_eq!(
            first_mismatch(Some(&stored), &typed).as_deref(),
            Some("tid")
        );
        assert!(first_mismatch(Some("[1]"), &token).is_some());
    }
}
