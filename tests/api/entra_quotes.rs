//! Raw quotes in a request-target, as Microsoft Entra ID sends SCIM filters, reach the handlers
//! instead of actix's empty 400 (see `src/http/request_target.rs`). The requests are written
//! byte for byte on a TCP socket: an HTTP client library would percent-encode the quotes.

use crate::common;

use common::{spawn_app, user_body, TestApp, SCIM_JSON};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ADMIN_FILTER: &str = "/scim/v2/Users?filter=userName+eq+\"admin%40example.com\"";

/// A keep-alive connection speaking raw HTTP/1.1.
struct Raw {
    stream: TcpStream,
    buf: Vec<u8>,
    token: String,
}

impl Raw {
    async fn connect(app: &TestApp) -> Raw {
        let addr = app.address.trim_start_matches("http://");
        Raw {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: Vec::new(),
            token: app.creds.scim_token.clone(),
        }
    }

    /// The bytes of a request with the SCIM token, a Host, and the body if any.
    fn request(&self, method: &str, target: &str, body: Option<&str>) -> Vec<u8> {
        let mut req = format!(
            "{method} {target} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n",
            self.token
        );
        if let Some(body) = body {
            req += &format!(
                "Content-Type: {SCIM_JSON}\r\nContent-Length: {}\r\n",
                body.len()
            );
        }
        req += "\r\n";
        req += body.unwrap_or("");
        req.into_bytes()
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    async fn fill(&mut self) {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the server closed the connection");
        self.buf.extend_from_slice(&chunk[..n]);
    }

    /// Reads one response (Content-Length framed): its status and its body as JSON.
    async fn response(&mut self) -> (u16, Value) {
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await;
        };
        let head = String::from_utf8(self.buf[..head_end].to_vec()).unwrap();
        let status = head[9..12].parse().unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().unwrap())
            })
            .unwrap_or_else(|| panic!("a Content-Length in {head}"));
        while self.buf.len() < head_end + length {
            self.fill().await;
        }
        let body: Vec<u8> = self.buf.drain(..head_end + length).skip(head_end).collect();
        let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (status, body)
    }

    async fn get(&mut self, target: &str) -> (u16, Value) {
        let req = self.request("GET", target, None);
        self.send(&req).await;
        self.response().await
    }
}

fn assert_admin_found((status, body): (u16, Value)) {
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["totalResults"], 1, "{body}");
    assert_eq!(body["Resources"][0]["userName"], "admin@example.com");
}

#[actix_web::test]
async fn a_filter_with_raw_quotes_finds_the_bootstrap_admin() {
    let app = spawn_app().await;
    let mut raw = Raw::connect(&app).await;
    assert_admin_found(raw.get(ADMIN_FILTER).await);
}

#[actix_web::test]
async fn the_percent_encoded_form_still_works() {
    let app = spawn_app().await;
    let mut raw = Raw::connect(&app).await;
    assert_admin_found(raw.get(&ADMIN_FILTER.replace('"', "%22")).await);
    assert_admin_found(
        raw.get(&ADMIN_FILTER.replace('"', "%22").replace('+', "%20"))
            .await,
    );
}

#[actix_web::test]
async fn quoted_filters_follow_each_other_on_a_keep_alive_connection() {
    let app = spawn_app().await;
    let mut raw = Raw::connect(&app).await;
    assert_admin_found(raw.get(ADMIN_FILTER).await);
    let (status, body) = raw
        .get("/scim/v2/Users?filter=userName+eq+\"nobody%40example.com\"")
        .await;
    assert_eq!((status, &body["totalResults"]), (200, &Value::from(0)));
    // Pipelined: both requests in one write.
    let two = [
        raw.request("GET", ADMIN_FILTER, None),
        raw.request("GET", ADMIN_FILTER, None),
    ];
    raw.send(&two.concat()).await;
    assert_admin_found(raw.response().await);
    assert_admin_found(raw.response().await);
}

#[actix_web::test]
async fn quotes_in_a_json_body_are_left_alone() {
    let app = spawn_app().await;
    let mut raw = Raw::connect(&app).await;
    // The body holds quotes and a line that looks like a quoted request line.
    let display = "She said \"hi\"\r\nGET /?x=\"y\" HTTP/1.1\r\n";
    let mut user = user_body("quote@example.com");
    user["displayName"] = Value::from(display);
    let post = raw.request("POST", "/scim/v2/Users", Some(&user.to_string()));
    let filter = "/scim/v2/Users?filter=userName+eq+\"quote%40example.com\"";
    let get = raw.request("GET", filter, None);
    raw.send(&[post, get].concat()).await;
    let (status, created) = raw.response().await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["displayName"], display);
    let (status, listed) = raw.response().await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["totalResults"], 1, "{listed}");
    assert_eq!(listed["Resources"][0]["displayName"], display);
}

#[actix_web::test]
async fn a_chunked_body_passes_through_and_the_connection_keeps_working() {
    let app = spawn_app().await;
    let mut raw = Raw::connect(&app).await;
    let mut user = user_body("chunked@example.com");
    user["displayName"] = Value::from("GET /?x=\"y\" HTTP/1.1\r\n");
    let body = user.to_string();
    let head = raw.request("POST", "/scim/v2/Users", Some(&body));
    let head = String::from_utf8(head).unwrap().replace(
        &format!("Content-Length: {}", body.len()),
        "Transfer-Encoding: chunked",
    );
    let head = head.trim_end_matches(&body);
    raw.send(format!("{head}{:x}\r\n{body}\r\n0\r\n\r\n", body.len()).as_bytes())
        .await;
    let (status, created) = raw.response().await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["displayName"], user["displayName"]);
    // Rewriting stopped for this connection: the encoded form is what works now.
    assert_admin_found(raw.get(&ADMIN_FILTER.replace('"', "%22")).await);
}
