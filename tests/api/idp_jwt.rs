//! `JwtVerifier` on its own: tokens signed with the test keys in tests/fixtures/jwt/, checked
//! against a JWKS served by a tiny HTTP server started inside each test (it counts requests, so
//! caching and refetch-on-unknown-kid are observable) or against a static PEM key. Those
//! servers are on loopback, which only a verifier allowed private networks may reach
//! (`verifier()`); the default verifier refuses them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gatehouse::db::orgs::ConnectionRow;
use gatehouse::idp::jwks_url::JwksNetworkPolicy;
use gatehouse::idp::jwt::{JwtRefusal, JwtVerifier};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ISSUER: &str = "https://idp.example.test/oauth2/default";
const AUDIENCE: &str = "api://gatehouse-scim";

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/jwt/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Answers every request with the current status and body, counting the requests.
struct JwksServer {
    url: String,
    hits: Arc<AtomicUsize>,
    reply: Arc<Mutex<(u16, String)>>,
}

impl JwksServer {
    async fn start(body: String) -> JwksServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/keys", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let reply = Arc::new(Mutex::new((200, body)));
        let (counter, current) = (hits.clone(), reply.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (counter, current) = (counter.clone(), current.clone());
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                    let (status, body) = current.lock().unwrap().clone();
                    let response = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        JwksServer { url, hits, reply }
    }

    fn serve(&self, status: u16, body: String) {
        *self.reply.lock().unwrap() = (status, body);
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn connection(jwks_url: Option<&str>, static_key: Option<String>) -> ConnectionRow {
    ConnectionRow {
        id: "conn-1".into(),
        org_id: "org-1".into(),
        name: "Okta".into(),
        dialect: "okta".into(),
        auth_mode: "jwt".into(),
        jwt_issuer: Some(ISSUER.into()),
        jwt_audience: Some(AUDIENCE.into()),
        jwks_url: jwks_url.map(str::to_owned),
        jwt_static_key: static_key,
        requests_per_minute: None,
        disabled: false,
        created_at: gatehouse::clock::now(),
        takeover_unmanaged: false,
        jwt_required_claims: None,
    }
}

const LOOPBACK_ALLOWED: JwksNetworkPolicy = JwksNetworkPolicy {
    allow_private_networks: true,
};

/// A verifier that may fetch keys from the loopback test servers.
fn verifier() -> JwtVerifier {
    JwtVerifier::new().with_network(LOOPBACK_ALLOWED)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Value {
    json!({ "iss": ISSUER, "aud": AUDIENCE, "sub": "okta-provisioner", "iat": now(), "exp": now() + 300 })
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn sign(alg: Algorithm, key_file: &str, kid: Option<&str>, claims: &Value) -> String {
    let pem = fixture(key_file);
    let key = match alg {
        Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            EncodingKey::from_secret(pem.as_bytes())
        }
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    encode(&header, claims, &key).unwrap()
}

fn rsa_a(claims: &Value) -> String {
    sign(Algorithm::RS256, "rsa_a.pem", Some("rsa-a"), claims)
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

async fn jwks() -> (JwksServer, ConnectionRow) {
    let server = JwksServer::start(fixture("jwks_initial.json")).await;
    let conn = connection(Some(&server.url), None);
    (server, conn)
}

#[tokio::test]
async fn valid_tokens_are_accepted_and_the_key_set_is_cached() {
    let (server, conn) = jwks().await;
    let verifier = verifier();
    verifier.verify(&rsa_a(&claims()), &conn).await.unwrap();
    let es = sign(Algorithm::ES256, "ec_a.pem", Some("ec-a"), &claims());
    verifier.verify(&es, &conn).await.unwrap();
    // Within the leeway, and with an audience list that includes ours.
    let lenient = with(claims(), "exp", json!(now() - 30));
    let lenient = with(lenient, "aud", json!(["someone-else", AUDIENCE]));
    verifier.verify(&rsa_a(&lenient), &conn).await.unwrap();
    assert_eq!(server.hits(), 1, "one fetch serves every token");
}

#[tokio::test]
async fn claims_outside_the_connection_are_refused() {
    let (_server, conn) = jwks().await;
    let verifier = verifier();
    let cases = [
        (with(claims(), "exp", json!(now() - 120)), "expired"),
        (with(claims(), "nbf", json!(now() + 600)), "not yet valid"),
        (
            with(claims(), "aud", json!("api://other")),
            "wrong audience",
        ),
        (
            with(claims(), "aud", json!(["a", "b"])),
            "audience list without ours",
        ),
        (
            with(claims(), "iss", json!("https://evil.test")),
            "wrong issuer",
        ),
        (with(claims(), "exp", Value::Null), "no exp"),
    ];
    let mut got = Vec::new();
    for (claims, what) in cases {
        let refusal = verifier.verify(&rsa_a(&claims), &conn).await.unwrap_err();
        got.push(format!("{what}: {refusal:?}"));
    }
    assert_eq!(
        got,
        [
            "expired: Expired",
            "not yet valid: Expired",
            "wrong audience: WrongAudience",
            "audience list without ours: WrongAudience",
            "wrong issuer: WrongIssuer",
            "no exp: Malformed",
        ]
    );
}

#[tokio::test]
async fn unsigned_and_symmetric_tokens_are_refused_without_a_fetch() {
    let (server, conn) = jwks().await;
    let verifier = verifier();
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims())
    );
    let none_kid = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "kid": "rsa-a"})),
        b64(&claims())
    );
    // The classic confusion attack: HMAC keyed with the (public) RSA key.
    let hs = sign(Algorithm::HS256, "rsa_a.pub.pem", Some("rsa-a"), &claims());
    for token in [none, none_kid, hs] {
        let refusal = verifier.verify(&token, &conn).await.unwrap_err();
        assert!(matches!(refusal, JwtRefusal::Unsupported(_)), "{refusal:?}");
    }
    let crit = format!(
        "{}.{}.c2ln",
        b64(&json!({"alg": "RS256", "kid": "rsa-a", "crit": ["exp"]})),
        b64(&claims())
    );
    let refusal = verifier.verify(&crit, &conn).await.unwrap_err();
    assert!(matches!(refusal, JwtRefusal::Unsupported(_)), "{refusal:?}");
    for junk in ["", "abc", "a.b", "a.b.c.d.e", "!!.??.x"] {
        let refusal = verifier.verify(junk, &conn).await.unwrap_err();
        assert!(
            matches!(refusal, JwtRefusal::Malformed),
            "{junk}: {refusal:?}"
        );
    }
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn foreign_keys_and_tampering_are_refused() {
    let (_server, conn) = jwks().await;
    let verifier = verifier();
    let rogue = sign(Algorithm::RS256, "rsa_rogue.pem", Some("rogue"), &claims());
    let refusal = verifier.verify(&rogue, &conn).await.unwrap_err();
    assert!(matches!(refusal, JwtRefusal::UnknownKey), "{refusal:?}");

    let impostor = sign(Algorithm::RS256, "rsa_rogue.pem", Some("rsa-a"), &claims());
    let refusal = verifier.verify(&impostor, &conn).await.unwrap_err();
    assert!(matches!(refusal, JwtRefusal::BadSignature), "{refusal:?}");

    // Without a kid every fitting key is tried, and none verifies the rogue's signature.
    let no_kid = sign(Algorithm::RS256, "rsa_rogue.pem", None, &claims());
    let refusal = verifier.verify(&no_kid, &conn).await.unwrap_err();
    assert!(matches!(refusal, JwtRefusal::BadSignature), "{refusal:?}");
    let no_kid = sign(Algorithm::RS256, "rsa_a.pem", None, &claims());
    verifier.verify(&no_kid, &conn).await.unwrap();

    let genuine = rsa_a(&claims());
    let parts: Vec<&str> = genuine.split('.').collect();
    let raised = with(claims(), "sub", json!("admin"));
    let tampered = format!("{}.{}.{}", parts[0], b64(&raised), parts[2]);
    let refusal = verifier.verify(&tampered, &conn).await.unwrap_err();
    assert!(matches!(refusal, JwtRefusal::BadSignature), "{refusal:?}");

    // An EC signature presented under the RSA key's kid: the alg does not fit the key.
    let crossed = sign(Algorithm::ES256, "ec_a.pem", Some("rsa-a"), &claims());
    let refusal = verifier.verify(&crossed, &conn).await.unwrap_err();
    assert!(matches!(refusal, JwtRefusal::Unsupported(_)), "{refusal:?}");
    // The JWK pins RS256, so the same RSA key may not be used with PS256.
    let pss = sign(Algorithm::PS256, "rsa_a.pem", Some("rsa-a"), &claims());
    let refusal = verifier.verify(&pss, &conn).await.unwrap_err();
    assert!(matches!(refusal, JwtRefusal::Unsupported(_)), "{refusal:?}");
}

#[tokio::test]
async fn an_unknown_kid_refetches_once_after_rotation() {
    let (server, conn) = jwks().await;
    // The real interval is 30 s; a short one keeps the test quick (the rule is the same).
    let interval = Duration::from_millis(1500);
    let verifier = JwtVerifier::with_cache_policy(Duration::from_secs(600), interval)
        .with_network(LOOPBACK_ALLOWED);
    verifier.verify(&rsa_a(&claims()), &conn).await.unwrap();
    assert_eq!(server.hits(), 1);

    server.serve(200, fixture("jwks_rotated.json"));
    let rotated = sign(Algorithm::RS256, "rsa_b.pem", Some("rsa-b"), &claims());
    let refusal = verifier.verify(&rotated, &conn).await.unwrap_err();
    assert!(matches!(refusal, JwtRefusal::UnknownKey), "{refusal:?}");
    assert_eq!(
        server.hits(),
        1,
        "no refetch within the interval of the last fetch"
    );

    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    verifier.verify(&rotated, &conn).await.unwrap();
    assert_eq!(server.hits(), 2, "exactly one refetch for the new kid");
    verifier.verify(&rotated, &conn).await.unwrap();

    // The retired key is gone, and unknown kids inside the interval cause no further fetches.
    let retired = verifier.verify(&rsa_a(&claims()), &conn).await.unwrap_err();
    assert!(matches!(retired, JwtRefusal::UnknownKey), "{retired:?}");
    let forged = sign(Algorithm::RS256, "rsa_rogue.pem", Some("kid-42"), &claims());
    for _ in 0..5 {
        let refusal = verifier.verify(&forged, &conn).await.unwrap_err();
        assert!(matches!(refusal, JwtRefusal::UnknownKey), "{refusal:?}");
    }
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_cold_cache_is_filled_by_one_fetch_under_concurrency() {
    let (server, conn) = jwks().await;
    let verifier = verifier();
    let token = rsa_a(&claims());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (verifier, token, conn) = (verifier.clone(), token.clone(), conn.clone());
        tasks.spawn(async move { verifier.verify(&token, &conn).await });
    }
    while let Some(outcome) = tasks.join_next().await {
        outcome.unwrap().unwrap();
    }
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn an_expired_key_set_is_refetched_and_kept_while_the_url_fails() {
    let (server, conn) = jwks().await;
    let verifier = JwtVerifier::with_cache_policy(Duration::ZERO, Duration::ZERO)
        .with_network(LOOPBACK_ALLOWED);
    verifier.verify(&rsa_a(&claims()), &conn).await.unwrap();
    verifier.verify(&rsa_a(&claims()), &conn).await.unwrap();
    assert_eq!(server.hits(), 2, "a zero TTL fetches every time");

    server.serve(500, "oops".into());
    verifier.verify(&rsa_a(&claims()), &conn).await.unwrap();
    assert_eq!(
        server.hits(),
        3,
        "the failed refresh falls back to the last good set"
    );
}

#[tokio::test]
async fn unreachable_or_broken_key_sets_mean_keys_unavailable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let conn = connection(Some(&format!("http://127.0.0.1:{port}/keys")), None);
    let verifier = verifier();
    for _ in 0..2 {
        let refusal = verifier.verify(&rsa_a(&claims()), &conn).await.unwrap_err();
        assert!(
            matches!(refusal, JwtRefusal::KeysUnavailable(_)),
            "{refusal:?}"
        );
    }

    for (status, body) in [(200, "not json"), (404, "{\"keys\":[]}")] {
        let server = JwksServer::start(body.into()).await;
        server.serve(status, body.into());
        let conn = connection(Some(&server.url), None);
        let refusal = self::verifier()
            .verify(&rsa_a(&claims()), &conn)
            .await
            .unwrap_err();
        assert!(
            matches!(refusal, JwtRefusal::KeysUnavailable(_)),
            "{refusal:?}"
        );
    }

    // Keys must come over TLS unless the operator allows private networks.
    let conn = connection(Some("http://idp.example.test/keys"), None);
    let strict = JwtVerifier::new();
    let refusal = strict.verify(&rsa_a(&claims()), &conn).await.unwrap_err();
    assert!(
        matches!(refusal, JwtRefusal::KeysUnavailable(_)),
        "{refusal:?}"
    );
}

#[tokio::test]
async fn the_default_policy_never_fetches_from_loopback_or_names_resolving_to_it() {
    let (server, _) = jwks().await;
    let port = server
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let strict = JwtVerifier::new();
    for url in [
        server.url.clone(),
        format!("https://127.0.0.1:{port}/keys"),
        format!("https://localhost.:{port}/keys"),
        format!("https://[::ffff:127.0.0.1]:{port}/keys"),
    ] {
        let conn = connection(Some(&url), None);
        let refusal = strict.verify(&rsa_a(&claims()), &conn).await.unwrap_err();
        assert!(
            matches!(refusal, JwtRefusal::KeysUnavailable(_)),
            "{url}: {refusal:?}"
        );
    }
    assert_eq!(server.hits(), 0, "nothing reached the loopback server");
}

#[tokio::test]
async fn pinned_claims_must_be_present_and_equal() {
    let (_server, mut conn) = jwks().await;
    conn.jwt_required_claims = Some(json!({ "tid": "t-1", "appid": "a-1" }).to_string());
    let verifier = verifier();
    let right = with(with(claims(), "tid", json!("t-1")), "appid", json!("a-1"));
    verifier.verify(&rsa_a(&right), &conn).await.unwrap();
    for (wrong, claim) in [
        (with(right.clone(), "appid", json!("a-2")), "appid"),
        (with(right.clone(), "tid", Value::Null), "tid"),
        (with(right.clone(), "appid", json!(["a-1"])), "appid"),
    ] {
        match verifier.verify(&rsa_a(&wrong), &conn).await {
            Err(JwtRefusal::WrongClaim(name)) => assert_eq!(name, claim),
            other => panic!("{claim}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_static_pem_key_verifies_rsa_and_ec_tokens() {
    let verifier = verifier();
    let rsa = connection(None, Some(fixture("rsa_a.pub.pem")));
    verifier.verify(&rsa_a(&claims()), &rsa).await.unwrap();
    let rogue = sign(Algorithm::RS256, "rsa_rogue.pem", None, &claims());
    let refusal = verifier.verify(&rogue, &rsa).await.unwrap_err();
    assert!(matches!(refusal, JwtRefusal::BadSignature), "{refusal:?}");

    let ec = connection(None, Some(fixture("ec_a.pub.pem")));
    let es = sign(Algorithm::ES256, "ec_a.pem", None, &claims());
    verifier.verify(&es, &ec).await.unwrap();
    let refusal = verifier.verify(&rsa_a(&claims()), &ec).await.unwrap_err();
    assert!(matches!(refusal, JwtRefusal::Unsupported(_)), "{refusal:?}");
    let expired = sign(
        Algorithm::ES256,
        "ec_a.pem",
        None,
        &with(claims(), "exp", json!(1)),
    );
    let refusal = verifier.verify(&expired, &ec).await.unwrap_err();
    assert!(matches!(refusal, JwtRefusal::Expired), "{refusal:?}");

    // A private key pasted where the public one belongs is refused, not used.
    let pasted = connection(None, Some(fixture("rsa_a.pem")));
    let refusal = verifier
        .verify(&rsa_a(&claims()), &pasted)
        .await
        .unwrap_err();
    assert!(matches!(refusal, JwtRefusal::Unsupported(_)), "{refusal:?}");
}

#[tokio::test]
async fn connections_not_set_up_for_jwt_are_refused() {
    let verifier = verifier();
    let token = rsa_a(&claims());
    let mut bearer = connection(None, Some(fixture("rsa_a.pub.pem")));
    bearer.auth_mode = "bearer".into();
    let mut keyless = connection(None, None);
    keyless.jwt_static_key = Some("  ".into());
    let mut no_audience = connection(None, Some(fixture("rsa_a.pub.pem")));
    no_audience.jwt_audience = None;
    for conn in [bearer, keyless, no_audience] {
        let refusal = verifier.verify(&token, &conn).await.unwrap_err();
        assert!(matches!(refusal, JwtRefusal::Unsupported(_)), "{refusal:?}");
    }
}

#[test]
fn only_compact_jws_shapes_look_like_jwts() {
    assert!(JwtVerifier::looks_like_jwt(&rsa_a(&claims())));
    for junk in ["", "gsc_opaque_bearer_secret", "a.b.c", "e30.e30"] {
        assert!(!JwtVerifier::looks_like_jwt(junk), "{junk}");
    }
}
