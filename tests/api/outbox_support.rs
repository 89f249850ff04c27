//! Helpers of the outbox suites (outbox_*.rs): an app whose delivery worker is on (fast polls
//! and back-off, private addresses allowed), a scripted webhook receiver, a minimal SMTP sink,
//! enqueueing a notification from the test in a transaction, Standard Webhooks verification
//! computed here (not with the service's own code), and waiting for a condition.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use diesel::Connection;
use gatehouse::config::Settings;
use gatehouse::ids::OrgId;
use gatehouse::outbox::{enqueue, Notification};
use hmac::{Hmac, Mac};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::common::{raw, test_settings, TestApp, TestDatabase};

/// Settings with the worker on: 20 ms polls, 50 ms base back-off, loopback receivers allowed.
pub fn worker_settings(database_url: &str, max_attempts: u32) -> Settings {
    let mut s = test_settings(database_url);
    s.outbox.worker = true;
    s.outbox.poll_interval_ms = 20;
    s.outbox.base_delay_ms = 50;
    s.outbox.max_delay_seconds = 1;
    s.outbox.max_attempts = max_attempts;
    s.outbox.allow_private_networks = true;
    s
}

pub async fn spawn_worker_app(max_attempts: u32) -> TestApp {
    let database = TestDatabase::fresh();
    let settings = worker_settings(&database.url, max_attempts);
    crate::common::spawn_with(settings, database).await
}

/// Writes one notification for the app's first organization, in a transaction of its own.
pub fn notify(app: &TestApp, topic: &'static str, recipients: Vec<String>, data: Value) {
    let mut conn = raw::connect(&app.database.url);
    let org = OrgId(app.creds.org_id.to_string());
    conn.transaction::<_, diesel::result::Error, _>(|c| {
        enqueue(
            c,
            &Notification {
                org_id: &org,
                topic,
                recipients: recipients.clone(),
                data: data.clone(),
                dedupe_key: None,
            },
        )
        .map(|_| ())
    })
    .unwrap();
}

/// How many of the app's notifications have been delivered.
pub fn delivered_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use gatehouse::db::schema::outbox;
    let mut conn = raw::connect(&app.database.url);
    outbox::table
        .filter(outbox::delivered_at.is_not_null())
        .count()
        .get_result(&mut conn)
        .unwrap()
}

/// Polls `check` until it holds (at most 30 s: a generous bound, never a measured time).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..1500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    pub headers: HashMap<String, String>,
    pub body: String,
    pub answered: u16,
}

impl Hit {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

/// A webhook receiver on loopback answering the scripted statuses in order, then 200.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Receiver {
    pub async fn start(script: &[u16]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let hits = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        let recorded = hits.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (hits, script) = (recorded.clone(), script.clone());
                tokio::spawn(async move {
                    let mut reader = BufReader::new(stream);
                    let mut headers = HashMap::new();
                    let mut line = String::new();
                    reader.read_line(&mut line).await.ok();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let l = line.trim_end();
                        if l.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = l.split_once(':') {
                            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                        }
                    }
                    let len: usize = headers
                        .get("content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    let mut body = vec![0; len];
                    reader.read_exact(&mut body).await.ok();
                    let answered = script.lock().unwrap().pop_front().unwrap_or(200);
                    hits.lock().unwrap().push(Hit {
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                        answered,
                    });
                    let reply = format!(
                        "HTTP/1.1 {answered} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                    let mut stream = reader.into_inner();
                    stream.write_all(reply.as_bytes()).await.ok();
                    stream.shutdown().await.ok();
                });
            }
        });
        Receiver { url, hits }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

/// Whether `webhook-signature` holds a `v1` signature that `secret` produced over
/// `{webhook-id}.{webhook-timestamp}.{body}` (Standard Webhooks), computed here.
pub fn verifies(hit: &Hit, secret: &str) -> bool {
    let key = B64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(
        format!(
            "{}.{}.{}",
            hit.header("webhook-id"),
            hit.header("webhook-timestamp"),
            hit.body
        )
        .as_bytes(),
    );
    let expected = format!("v1,{}", B64.encode(mac.finalize().into_bytes()));
    hit.header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

/// One mail the sink accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// A minimal SMTP server on loopback (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS, no
/// AUTH) that keeps every mail.
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let kept = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut reader = BufReader::new(read);
                    write.write_all(b"220 sink ESMTP\r\n").await.ok();
                    let (mut from, mut to) = (String::new(), Vec::new());
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") {
                            b"250-sink\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
                            b"250 ok\r\n"
                        } else if upper.starts_with("RSET") {
                            from.clear();
                            to.clear();
                            b"250 ok\r\n"
                        } else if upper.starts_with("MAIL FROM:") {
                            from = line[10..].trim().to_owned();
                            b"250 ok\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            to.push(line[8..].trim().to_owned());
                            b"250 ok\r\n"
                        } else if upper.starts_with("DATA") {
                            write.write_all(b"354 go ahead\r\n").await.ok();
                            let mut data = String::new();
                            loop {
                                line.clear();
                                if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if line == ".\r\n" || line == ".\n" {
                                    break;
                                }
                                data.push_str(&line);
                            }
                            kept.lock().unwrap().push(Mail {
                                from: from.clone(),
                                to: std::mem::take(&mut to),
                                data,
                            });
                            b"250 queued\r\n"
                        } else if upper.starts_with("QUIT") {
                            write.write_all(b"221 bye\r\n").await.ok();
                            return;
                        } else {
                            b"502 not implemented\r\n"
                        };
                        write.write_all(reply).await.ok();
                    }
                });
            }
        });
        SmtpSink { port, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}
