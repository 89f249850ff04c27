//! Each IdP connection has its own SCIM base URL, `/scim/v2/connections/{id}`, and a bearer
//! JWT is verified against the one connection its URL names: organizations with identical
//! issuer, audience and keys (as Entra tenants sharing an app registration's audience would
//! have) each reach only their own data; pinned claims refuse a token minted for another
//! application; a JWT on the shared `/scim/v2` base is refused; secrets keep working on the
//! shared base and on their own connection's URL only.

use crate::common;

use common::{spawn_with, test_settings, user_body, Reply, TestApp, TestDatabase};
use gatehouse::config::Settings;
use reqwest::Method;
use serde_json::{json, Value};

const ISSUER: &str = "https://sts.example.test/shared-tenant/";
const AUDIENCE: &str = "api://gatehouse-shared";

/// Starts the app with settings changed by `change` (e.g. a loopback JWKS allowed).
pub async fn spawn_configured(change: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::fresh();
    let mut settings = test_settings(&database.url);
    change(&mut settings);
    spawn_with(settings, database).await
}

/// The JWT tests fetch keys from a JWKS server on loopback, which the operator must allow.
pub async fn spawn_with_loopback_jwks() -> TestApp {
    spawn_configured(|s| s.idp.jwks_allow_private_networks = true).await
}

/// Serves tests/fixtures/jwt/jwks_initial.json on a loopback port.
pub async fn serve_jwks() -> String {
    let body = std::fs::read_to_string(format!(
        "{}/tests/fixtures/jwt/jwks_initial.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(move || {
        let body = body.clone();
        actix_web::App::new().route(
            "/keys",
            actix_web::web::get().to(move || {
                let body = body.clone();
                async move {
                    actix_web::HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    format!("http://127.0.0.1:{port}/keys")
}

/// A token signed with the fixture key `rsa-a`, with `extra` claims over iss/aud/exp.
pub fn jwt(extra: Value) -> String {
    let pem = std::fs::read(format!(
        "{}/tests/fixtures/jwt/rsa_a.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("rsa-a".into());
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({ "iss": ISSUER, "aud": AUDIENCE, "sub": "provisioner", "iat": now, "exp": now + 300 });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        claims[k] = v;
    }
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap(),
    )
    .unwrap()
}

async fn admin(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Reply {
    let res = app
        .client
        .request(method, format!("{}/api/v1{path}", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    Reply::read(res).await
}

/// Creates a connection with `admin_token`'s organization and switches it to JWT with the
/// shared issuer/audience/keys plus `settings`; returns the admin API's view of it.
async fn jwt_connection(app: &TestApp, admin_token: &str, jwks: &str, settings: Value) -> Value {
    let created = admin(
        app,
        admin_token,
        Method::POST,
        "/idp-connections",
        json!({ "name": "Entra", "dialect": "entra" }),
    )
    .await
    .expect(201)
    .body;
    let id = created["connection"]["id"].as_str().unwrap().to_owned();
    let mut body = json!({ "auth_mode": "jwt", "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE, "jwks_url": jwks });
    for (k, v) in settings.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    admin(
        app,
        admin_token,
        Method::PATCH,
        &format!("/idp-connections/{id}"),
        body,
    )
    .await
    .expect(200)
    .body
}

async fn scim_at(
    app: &TestApp,
    base: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = app
        .client
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req
            .header("Content-Type", common::SCIM_JSON)
            .body(body.to_string());
    }
    Reply::read(req.send().await.unwrap()).await
}

fn base_of(connection: &Value) -> String {
    connection["scim_base_url"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn organizations_with_identical_jwt_settings_each_reach_only_their_own_data() {
    let app = spawn_with_loopback_jwks().await;
    let jwks = serve_jwks().await;
    let other = app.other_organization("other.example");
    let mine = jwt_connection(&app, &app.creds.admin_token, &jwks, json!({})).await;
    let theirs = jwt_connection(&app, &other.admin_token, &jwks, json!({})).await;
    let (my_base, their_base) = (base_of(&mine), base_of(&theirs));
    assert_eq!(
        my_base,
        format!("{}/connections/{}", app.scim, mine["id"].as_str().unwrap())
    );
    // One token that verifies for both connections: the URL decides where it lands.
    let token = jwt(json!({}));
    let user = scim_at(
        &app,
        &my_base,
        &token,
        Method::POST,
        "/Users",
        Some(user_body("alice@example.com")),
    )
    .await
    .expect(201);
    let uid = user.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        user.body["meta"]["location"],
        format!("{my_base}/Users/{uid}"),
        "locations lead back to the connection's base"
    );
    assert_eq!(user.header("location"), format!("{my_base}/Users/{uid}"));

    let names_at = |base: String| {
        let (app, token) = (&app, token.clone());
        async move {
            let list = scim_at(app, &base, &token, Method::GET, "/Users?count=200", None)
                .await
                .expect(200);
            let names: Vec<String> = list.body["Resources"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|u| u["userName"].as_str().map(str::to_owned))
                .collect();
            names
        }
    };
    assert!(
        !names_at(their_base.clone())
            .await
            .contains(&"alice@example.com".to_owned()),
        "the other org sees none of it"
    );
    scim_at(
        &app,
        &their_base,
        &token,
        Method::GET,
        &format!("/Users/{uid}"),
        None,
    )
    .await
    .expect_error(404, None);
    scim_at(
        &app,
        &their_base,
        &token,
        Method::POST,
        "/Users",
        Some(user_body("bob@other.example")),
    )
    .await
    .expect(201);
    let mine_names = names_at(my_base.clone()).await;
    assert!(mine_names.contains(&"alice@example.com".to_owned()));
    assert!(!mine_names.contains(&"bob@other.example".to_owned()));
    let theirs_names = names_at(their_base.clone()).await;
    assert!(theirs_names.contains(&"bob@other.example".to_owned()));

    // Discovery under a connection's base names that base.
    let config = scim_at(
        &app,
        &my_base,
        &token,
        Method::GET,
        "/ServiceProviderConfig",
        None,
    )
    .await
    .expect(200);
    assert_eq!(
        config.body["meta"]["location"],
        format!("{my_base}/ServiceProviderConfig")
    );
}

#[actix_web::test]
async fn a_jwt_on_the_shared_base_url_is_refused() {
    let app = spawn_with_loopback_jwks().await;
    let jwks = serve_jwks().await;
    jwt_connection(&app, &app.creds.admin_token, &jwks, json!({})).await;
    app.send_as(&jwt(json!({})), Method::GET, "/Users", None)
        .await
        .expect_error(401, None);
}

#[actix_web::test]
async fn pinned_claims_refuse_a_token_minted_for_another_application_or_tenant() {
    let app = spawn_with_loopback_jwks().await;
    let jwks = serve_jwks().await;
    let pins = json!({ "jwt_required_claims": { "tid": "tenant-1", "appid": "app-1" } });
    let connection = jwt_connection(&app, &app.creds.admin_token, &jwks, pins).await;
    assert_eq!(
        connection["jwt_required_claims"],
        json!({ "tid": "tenant-1", "appid": "app-1" })
    );
    let base = base_of(&connection);
    let get = |token: String| {
        let (app, base) = (&app, base.clone());
        async move { scim_at(app, &base, &token, Method::GET, "/Users", None).await }
    };
    get(jwt(json!({ "tid": "tenant-1", "appid": "app-1" })))
        .await
        .expect(200);
    for (claims, why) in [
        (
            json!({ "tid": "tenant-1", "appid": "app-2" }),
            "another app of the tenant",
        ),
        (
            json!({ "tid": "tenant-2", "appid": "app-1" }),
            "another tenant",
        ),
        (json!({ "tid": "tenant-1" }), "no appid"),
        (
            json!({ "tid": "tenant-1", "appid": ["app-1"] }),
            "appid not a string",
        ),
    ] {
        let reply = get(jwt(claims)).await;
        assert_eq!(reply.status, 401, "{why}: {}", reply.text);
    }

    for bad in [
        json!({ "iss": "x" }),
        json!({ "tid": 7 }),
        json!(["tid"]),
        json!({ "favourite_colour": "blue" }),
    ] {
        let id = connection["id"].as_str().unwrap();
        let reply = admin(
            &app,
            &app.creds.admin_token,
            Method::PATCH,
            &format!("/idp-connections/{id}"),
            json!({ "jwt_required_claims": bad }),
        )
        .await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text);
        assert_eq!(reply.header("content-type"), "application/problem+json");
    }
}

#[actix_web::test]
async fn a_secret_works_on_the_shared_base_and_its_own_url_but_not_another_connections() {
    let app = spawn_app_default().await;
    let own = format!("{}/connections/{}", app.scim, app.creds.scim_connection_id);
    let secret = app.creds.scim_token.clone();
    scim_at(&app, &app.scim, &secret, Method::GET, "/Users", None)
        .await
        .expect(200);
    let created = scim_at(
        &app,
        &own,
        &secret,
        Method::POST,
        "/Users",
        Some(user_body("carol@example.com")),
    )
    .await
    .expect(201);
    let uid = created.body["id"].as_str().unwrap();
    assert_eq!(
        created.body["meta"]["location"],
        format!("{own}/Users/{uid}")
    );
    let group = scim_at(
        &app,
        &own,
        &secret,
        Method::POST,
        "/Groups",
        Some(common::group_body("Team", &[uid])),
    )
    .await
    .expect(201);
    assert_eq!(
        group.body["members"][0]["$ref"],
        format!("{own}/Users/{uid}")
    );
    scim_at(
        &app,
        &own,
        &secret,
        Method::GET,
        &format!("/Users/{uid}"),
        None,
    )
    .await
    .expect(200);

    let listed = admin(
        &app,
        &app.creds.admin_token,
        Method::GET,
        "/idp-connections",
        json!({}),
    )
    .await
    .expect(200);
    let other = listed.body["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == app.creds.scim_connection_id.to_string())
        .cloned()
        .unwrap();
    assert_eq!(other["scim_base_url"], own, "the admin API shows each URL");

    let second = admin(
        &app,
        &app.creds.admin_token,
        Method::POST,
        "/idp-connections",
        json!({ "name": "Second" }),
    )
    .await
    .expect(201);
    let second_base = second.body["scim_base_url"].as_str().unwrap().to_owned();
    assert!(second_base.ends_with(second.body["connection"]["id"].as_str().unwrap()));
    scim_at(&app, &second_base, &secret, Method::GET, "/Users", None)
        .await
        .expect_error(401, None);
    scim_at(
        &app,
        &format!("{}/connections/no-such-connection", app.scim),
        &secret,
        Method::GET,
        "/Users",
        None,
    )
    .await
    .expect_error(401, None);
}

#[actix_web::test]
async fn jwks_urls_on_private_networks_are_refused_unless_the_operator_allows_them() {
    let app = spawn_app_default().await;
    let id = app.creds.scim_connection_id.to_string();
    for url in [
        "http://127.0.0.1:9/keys",
        "https://127.0.0.1/keys",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/keys",
        "https://localhost/keys",
        "https://10.1.2.3/keys",
    ] {
        let reply = admin(
            &app,
            &app.creds.admin_token,
            Method::PATCH,
            &format!("/idp-connections/{id}"),
            json!({ "auth_mode": "jwt", "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE, "jwks_url": url }),
        )
        .await;
        assert_eq!(reply.status, 400, "{url}: {}", reply.text);
        assert!(reply.body["detail"].as_str().unwrap().contains("jwks_url"));
    }
    let open = spawn_with_loopback_jwks().await;
    let id = open.creds.scim_connection_id.to_string();
    admin(
        &open,
        &open.creds.admin_token,
        Method::PATCH,
        &format!("/idp-connections/{id}"),
        json!({ "auth_mode": "jwt", "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE, "jwks_url": "http://127.0.0.1:9/keys" }),
    )
    .await
    .expect(200);
}

async fn spawn_app_default() -> TestApp {
    common::spawn_app().await
}
