//! Bearer-JWT authentication for IdP connections whose `auth_mode` is `jwt`: a compact JWS is
//! checked against the connection's issuer, audience and signing keys, taken either from a JWKS
//! URL (fetched with reqwest and cached per URL) or from a static PEM public key.
//!
//! Only asymmetric algorithms are accepted: a connection has no shared secret, so `none` and HS*
//! would let anyone who knows the public key mint tokens. A JWKS is refetched when its TTL runs
//! out, or early when a token names an unknown `kid` (the IdP rotated keys), but never more than
//! once per refetch interval per URL, so forged `kid`s cannot turn us into a request amplifier.
//! The cache is in-process and safe to lose: every instance fetches for itself. Tokens are never
//! logged; refusal reasons are meant for the log, not for the caller.
//!
//! A token is verified against exactly one connection, the one its request URL names; beyond
//! `iss` and `aud` the connection may pin further claims (`required_claims`). Where keys may be
//! fetched from is `jwks_url`'s rule, applied again at every fetch and in DNS resolution.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

use super::jwks_url::{check_jwks_url, CheckedResolver, JwksNetworkPolicy};
use super::required_claims;
use crate::db::orgs::ConnectionRow;

/// How long a fetched JWKS is trusted before it is fetched again.
const KEYS_TTL: Duration = Duration::from_secs(600);
/// The least time between two fetches of one URL, whatever triggers them.
const REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// How long an old key set keeps serving while its URL cannot be reached.
const STALE_LIMIT: Duration = Duration::from_secs(3600);
const RSA_ALGS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];
const EC_ALGS: [Algorithm; 2] = [Algorithm::ES256, Algorithm::ES384];
/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 60;
/// Real IdP tokens are a few KiB; anything far larger is refused before any decoding.
const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// A JWKS holds a handful of keys; a huge body is a misconfigured or hostile URL.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Why a token was refused. Every variant means 401; the distinction is for the log.
#[derive(Debug, thiserror::Error)]
pub enum JwtRefusal {
    #[error("not a well-formed signed JWT")]
    Malformed,
    #[error("no signing key matches the token")]
    UnknownKey,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the token is expired or not yet valid")]
    Expired,
    #[error("the token was issued by someone else")]
    WrongIssuer,
    #[error("the token is meant for another audience")]
    WrongAudience,
    #[error("the token's {0} claim is not the one the connection pins")]
    WrongClaim(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("signing keys unavailable: {0}")]
    KeysUnavailable(String),
}

/// Shared by all requests; an in-process cache that is safe to lose (any instance can refetch).
#[derive(Clone)]
pub struct JwtVerifier {
    /// Building a client can only fail if TLS can't initialise; that refuses JWKS connections
    /// with `KeysUnavailable` rather than bringing the service down.
    client: Result<reqwest::Client, String>,
    cache: Arc<RwLock<HashMap<String, CachedKeys>>>,
    ttl: Duration,
    refetch_interval: Duration,
    network: JwksNetworkPolicy,
}

#[derive(Default)]
struct CachedKeys {
    set: Option<Arc<JwkSet>>,
    fetched_at: Option<Instant>,
    attempted_at: Option<Instant>,
    /// One fetch per URL at a time: requests that find the cache cold wait for it, not refetch.
    gate: Arc<tokio::sync::Mutex<()>>,
}

/// The parts of a JOSE header we act on; `jku`, `jwk` and `x5u` are ignored on purpose, since
/// trusting keys the token names itself would let the token vouch for itself.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    kid: Option<String>,
    crit: Option<Value>,
}

impl JwtVerifier {
    pub fn new() -> Self {
        Self::with_cache_policy(KEYS_TTL, REFETCH_INTERVAL)
    }

    /// A verifier with its own key TTL and least refetch interval (tests shorten them).
    pub fn with_cache_policy(ttl: Duration, refetch_interval: Duration) -> Self {
        JwtVerifier {
            client: http_client(JwksNetworkPolicy::default()),
            cache: Arc::default(),
            ttl,
            refetch_interval,
            network: JwksNetworkPolicy::default(),
        }
    }

    /// The same verifier fetching keys under the operator's network policy (by default only
    /// public addresses over https).
    pub fn with_network(mut self, network: JwksNetworkPolicy) -> Self {
        self.client = http_client(network);
        self.network = network;
        self
    }

    /// The network policy JWKS URLs are checked against, at save and at fetch.
    pub fn network(&self) -> JwksNetworkPolicy {
        self.network
    }

    /// Whether `token` has the shape of a compact JWS (three segments, a JSON header), for the
    /// log; nothing here is trusted.
    pub fn looks_like_jwt(token: &str) -> bool {
        split_compact(token).is_some_and(|(header, _)| decode_json::<RawHeader>(header).is_some())
    }

    /// Verifies `token` for `connection`: the signature (by the JWKS key named by `kid`, or by the
    /// static PEM key when there is no JWKS URL), `iss` == jwt_issuer, `aud` contains jwt_audience,
    /// `exp` required and not past (60 s leeway), `nbf` honoured. RS256/384/512, PS256/384/512 and
    /// ES256/384 only; `none`, HS* or an alg that doesn't fit the key is `Unsupported`. Then
    /// every claim the connection pins (`jwt_required_claims`) must be present and equal.
    pub async fn verify(&self, token: &str, connection: &ConnectionRow) -> Result<(), JwtRefusal> {
        let claims = self.verified_claims(token, connection).await?;
        let pinned = connection.jwt_required_claims.as_deref();
        match required_claims::first_mismatch(pinned, &claims) {
            Some(claim) => Err(JwtRefusal::WrongClaim(claim)),
            None => Ok(()),
        }
    }

    /// The token's claims once its signature, issuer, audience and times verify.
    async fn verified_claims(
        &self,
        token: &str,
        connection: &ConnectionRow,
    ) -> Result<Value, JwtRefusal> {
        if connection.auth_mode != "jwt" {
            return Err(unsupported("the connection is not set up for JWTs"));
        }
        let issuer = configured(&connection.jwt_issuer, "the connection has no JWT issuer")?;
        let audience = configured(&connection.jwt_audience, "the connection has no audience")?;
        let (header, payload) = split_compact(token).ok_or(JwtRefusal::Malformed)?;
        let header: RawHeader = decode_json(header).ok_or(JwtRefusal::Malformed)?;
        if header.crit.is_some() {
            return Err(unsupported("critical header extensions"));
        }
        let alg = allowed_algorithm(&header.alg)?;
        // Checked before any key lookup, so a token meant for someone else costs no JWKS fetch.
        let claims: Value = decode_json(payload).ok_or(JwtRefusal::Malformed)?;
        if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
            return Err(JwtRefusal::WrongIssuer);
        }
        let mut rules = Validation::new(alg);
        rules.leeway = LEEWAY_SECS;
        rules.validate_nbf = true;
        rules.set_issuer(&[issuer]);
        rules.set_audience(&[audience]);
        rules.set_required_spec_claims(&["exp", "iss", "aud"]);

        let Some(url) = nonempty(&connection.jwks_url) else {
            let pem = configured(&connection.jwt_static_key, "the connection has no keys")?;
            return check(token, &static_key(pem)?, &rules);
        };
        let set = self.key_set(url, header.kid.as_deref()).await?;
        let candidates: Vec<&Jwk> = match header.kid.as_deref() {
            Some(kid) => vec![set.find(kid).ok_or(JwtRefusal::UnknownKey)?],
            // Without a kid, any signing key of the right kind may have signed it.
            None => set.keys.iter().filter(|k| key_fits(k, alg)).collect(),
        };
        let mut outcome = Err(JwtRefusal::UnknownKey);
        for jwk in candidates {
            if !key_fits(jwk, alg) {
                return Err(mismatch());
            }
            let key = DecodingKey::from_jwk(jwk).map_err(|_| unavailable("a key is malformed"))?;
            outcome = check(token, &key, &rules);
            if !matches!(outcome, Err(JwtRefusal::BadSignature)) {
                break;
            }
        }
        outcome
    }

    /// The key set of `url`, fetched if the cache has none fresh enough or lacks `kid`.
    async fn key_set(&self, url: &str, kid: Option<&str>) -> Result<Arc<JwkSet>, JwtRefusal> {
        let wanted = |set: &Arc<JwkSet>| kid.map_or(true, |k| set.find(k).is_some());
        let cached = {
            let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
            cache.get(url).and_then(|e| e.usable(self.ttl))
        };
        if let Some(set) = cached.filter(wanted) {
            return Ok(set);
        }
        let gate = self.with_entry(url, |e| e.gate.clone());
        let _turn = gate.lock().await;
        // Whoever held the gate before us may just have fetched what we need; and whatever the
        // trigger, one URL is fetched at most once per refetch interval.
        let (fresh, stale, may_fetch) = self.with_entry(url, |e| {
            let fresh = e.usable(self.ttl).filter(wanted);
            let due = e
                .attempted_at
                .map_or(true, |t| t.elapsed() >= self.refetch_interval);
            if fresh.is_none() && due {
                e.attempted_at = Some(Instant::now());
            }
            (fresh, e.usable(STALE_LIMIT), due)
        });
        if let Some(set) = fresh {
            return Ok(set);
        }
        if !may_fetch {
            // Too soon to fetch again: the set we have is all there is, kid or no kid.
            return stale.ok_or_else(|| unavailable("the last fetch failed; retrying later"));
        }
        match self.fetch(url).await {
            Ok(set) => {
                let set = Arc::new(set);
                self.with_entry(url, |e| {
                    e.set = Some(set.clone());
                    e.fetched_at = Some(Instant::now());
                });
                Ok(set)
            }
            Err(reason) => {
                tracing::warn!(jwks_url = %url, %reason, "JWKS fetch failed");
                // An IdP's key endpoint being briefly down shouldn't lock its users out.
                stale.ok_or(JwtRefusal::KeysUnavailable(reason))
            }
        }
    }

    /// Runs `f` on the cache entry of `url` under the write lock, which never spans an await.
    fn with_entry<T>(&self, url: &str, f: impl FnOnce(&mut CachedKeys) -> T) -> T {
        // A poisoned lock only means a panic elsewhere; the cache itself stays consistent.
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        f(cache.entry(url.to_owned()).or_default())
    }

    async fn fetch(&self, url: &str) -> Result<JwkSet, String> {
        // The rule the URL passed when it was saved, applied again: the operator's policy may
        // have changed since; the resolver then checks the addresses the name resolves to.
        let url = check_jwks_url(url, self.network)?;
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let mut response = client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("the JWKS URL answered {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("reading failed: {e}"))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err("the JWKS document is too large".into());
            }
            body.extend_from_slice(&chunk);
        }
        parse_key_set(&body)
    }
}

/// The client JWKS are fetched with: short timeouts, no redirects, no proxy (a proxy would
/// resolve names where we cannot check them) and the checking resolver.
fn http_client(network: JwksNetworkPolicy) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(5))
        // A redirect could move us from https to http or to a host nobody configured.
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(CheckedResolver { policy: network }))
        .user_agent(concat!("gatehouse/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("HTTP client unavailable: {e}"))
}

impl Default for JwtVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl CachedKeys {
    /// The cached set if it was fetched less than `max_age` ago.
    fn usable(&self, max_age: Duration) -> Option<Arc<JwkSet>> {
        let fetched_at = self.fetched_at?;
        self.set.clone().filter(|_| fetched_at.elapsed() < max_age)
    }
}

fn unsupported(what: &str) -> JwtRefusal {
    JwtRefusal::Unsupported(what.to_owned())
}

fn mismatch() -> JwtRefusal {
    unsupported("the algorithm does not match the key")
}

fn unavailable(why: &str) -> JwtRefusal {
    JwtRefusal::KeysUnavailable(why.to_owned())
}

fn nonempty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn configured<'a>(value: &'a Option<String>, missing: &str) -> Result<&'a str, JwtRefusal> {
    nonempty(value).ok_or_else(|| unsupported(missing))
}

/// The header and payload segments of a compact JWS (three dot-separated parts).
fn split_compact(token: &str) -> Option<(&str, &str)> {
    if token.len() > MAX_TOKEN_BYTES {
        return None;
    }
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(_), None) if !h.is_empty() && !p.is_empty() => Some((h, p)),
        _ => None,
    }
}

fn decode_json<T: serde::de::DeserializeOwned>(segment: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(segment).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The header's `alg` if it is one we accept; anything symmetric or unsigned is refused.
fn allowed_algorithm(name: &str) -> Result<Algorithm, JwtRefusal> {
    let alg = name.parse::<Algorithm>().ok();
    alg.filter(|a| RSA_ALGS.contains(a) || EC_ALGS.contains(a))
        // The name is attacker-chosen; keep what reaches the log short.
        .ok_or_else(|| {
            let shown: String = name.chars().take(16).collect();
            JwtRefusal::Unsupported(format!("algorithm {shown:?}"))
        })
}

/// Whether `jwk` can verify `alg`: a signing key of the right type and curve, and of the key's
/// own `alg` if it declares one (so an IdP pinning a key to RS256 doesn't see it used for PS256).
fn key_fits(jwk: &Jwk, alg: Algorithm) -> bool {
    let common = &jwk.common;
    if common.public_key_use == Some(PublicKeyUse::Encryption)
        || common
            .key_algorithm
            .is_some_and(|declared| declared.to_string() != format!("{alg:?}"))
    {
        return false;
    }
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => RSA_ALGS.contains(&alg),
        AlgorithmParameters::EllipticCurve(ec) => matches!(
            (&ec.curve, alg),
            (EllipticCurve::P256, Algorithm::ES256) | (EllipticCurve::P384, Algorithm::ES384)
        ),
        _ => false,
    }
}

/// Parses a JWKS document, keeping the keys jsonwebtoken understands: one exotic key (a new
/// `kty` or an encryption `alg`) must not make the whole set unusable.
fn parse_key_set(body: &[u8]) -> Result<JwkSet, String> {
    #[derive(Deserialize)]
    struct RawSet {
        keys: Vec<Value>,
    }
    let raw: RawSet =
        serde_json::from_slice(body).map_err(|e| format!("not a JWKS document: {e}"))?;
    let keys = raw
        .keys
        .into_iter()
        .filter_map(|k| serde_json::from_value(k).ok())
        .collect();
    Ok(JwkSet { keys })
}

/// A static key is a PEM public key, RSA or EC; which one it is decides the algorithms it verifies.
fn static_key(pem: &str) -> Result<DecodingKey, JwtRefusal> {
    // A pasted private key or certificate is a configuration mistake, not something to guess at.
    if !pem.contains("PUBLIC KEY-----") || pem.contains("PRIVATE KEY") {
        return Err(unsupported("the static key must be a PEM public key"));
    }
    DecodingKey::from_rsa_pem(pem.as_bytes())
        .or_else(|_| DecodingKey::from_ec_pem(pem.as_bytes()))
        .map_err(|_| unsupported("the static key is neither an RSA nor an EC public key"))
}

/// Signature first, then the claims (jsonwebtoken's order), mapped to our refusals.
fn check(token: &str, key: &DecodingKey, rules: &Validation) -> Result<Value, JwtRefusal> {
    let verified = jsonwebtoken::decode::<Value>(token, key, rules);
    verified
        .map(|data| data.claims)
        .map_err(|e| refusal(e.kind()))
}

fn refusal(kind: &ErrorKind) -> JwtRefusal {
    match kind {
        ErrorKind::InvalidSignature | ErrorKind::Crypto(_) => JwtRefusal::BadSignature,
        ErrorKind::ExpiredSignature | ErrorKind::ImmatureSignature => JwtRefusal::Expired,
        ErrorKind::InvalidIssuer => JwtRefusal::WrongIssuer,
        ErrorKind::InvalidAudience => JwtRefusal::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) if claim == "iss" => JwtRefusal::WrongIssuer,
        ErrorKind::MissingRequiredClaim(claim) if claim == "aud" => JwtRefusal::WrongAudience,
        ErrorKind::InvalidAlgorithm => mismatch(),
        _ => JwtRefusal::Malformed,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_asymmetric_algorithms_are_allowed() {
        let ok = ["RS256", "RS512", "PS256", "PS384", "ES256", "ES384"];
        assert!(ok.iter().all(|name| allowed_algorithm(name).is_ok()));
        for name in ["none", "HS256", "HS512", "EdDSA", "ES512", "", "rs256"] {
            assert!(matches!(
                allowed_algorithm(name),
                Err(JwtRefusal::Unsupported(_))
            ));
        }
    }

    #[test]
    fn compact_tokens_are_checked_before_use() {
        assert_eq!(split_compact("h.p.s"), Some(("h", "p")));
        assert_eq!(split_compact("h.p."), Some(("h", "p")));
        for bad in ["", "h.p", ".p.s", "h..s", "a.b.c.d.e"] {
            assert_eq!(split_compact(bad), None, "{bad}");
        }
        assert_eq!(split_compact(&"a.".repeat(MAX_TOKEN_BYTES)), None);
    }

    #[test]
    fn key_sets_keep_what_they_understand_and_keys_fit_by_type_curve_alg_and_use() {
        let body = br#"{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"},{"kty":"PQC"},
            {"kty":"RSA","kid":"x","alg":"RSA-OAEP-512","n":"AQAB","e":"AQAB"}]}"#;
        let set = parse_key_set(body).unwrap();
        assert!(set.keys.len() == 1 && set.find("r").is_some());
        assert!(parse_key_set(b"[]").is_err());
        let fits = |jwk: Value, alg| key_fits(&serde_json::from_value(jwk).unwrap(), alg);
        let (n, e) = ("AQAB", "AQAB");
        assert!(fits(
            json!({"kty": "RSA", "n": n, "e": e}),
            Algorithm::PS512
        ));
        assert!(!fits(
            json!({"kty": "RSA", "n": n, "e": e}),
            Algorithm::ES256
        ));
        let pinned = json!({"kty": "RSA", "alg": "RS256", "n": n, "e": e});
        assert!(!fits(pinned, Algorithm::PS256));
        let enc = json!({"kty": "RSA", "use": "enc", "n": n, "e": e});
        assert!(!fits(enc, Algorithm::RS256));
        let p384 = json!({"kty": "EC", "crv": "P-384", "x": n, "y": e});
        assert!(fits(p384.clone(), Algorithm::ES384) && !fits(p384, Algorithm::ES256));
        assert!(!fits(
            json!({"kty": "oct", "k": "c2VjcmV0"}),
            Algorithm::RS256
        ));
    }

    #[test]
    fn static_keys_and_library_errors_map_to_refusals() {
        let private = "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----";
        for bad in ["", "not a key", private] {
            assert!(
                matches!(static_key(bad), Err(JwtRefusal::Unsupported(_))),
                "{bad}"
            );
        }
        let map = |kind: ErrorKind| refusal(&kind);
        let missing = |c: &str| ErrorKind::MissingRequiredClaim(c.into());
        assert!(matches!(map(missing("iss")), JwtRefusal::WrongIssuer));
        assert!(matches!(map(missing("aud")), JwtRefusal::WrongAudience));
        assert!(matches!(map(missing("exp")), JwtRefusal::Malformed));
        assert!(matches!(
            map(ErrorKind::ImmatureSignature),
            JwtRefusal::Expired
        ));
        assert!(matches!(
            map(ErrorKind::InvalidAlgorithm),
            JwtRefusal::Unsupported(_)
        ));
    }
}
