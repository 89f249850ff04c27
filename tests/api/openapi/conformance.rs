//! Calls the running app and checks every answer against the document: the status must be
//! documented for the operation, the content type must be the documented one, and the body
//! must fit the documented schema (or be empty where none is documented); a request body the
//! service accepted must fit the documented request schema. Remembers which statuses it
//! checked for each operation, so the test can require them all.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{json, Value};

use super::validate::{Document, Documented};
use crate::common::{Reply, TestApp};

pub struct Conformance {
    pub doc: Document,
    pub app: TestApp,
    /// The bootstrap super admin's token, and a member's.
    pub root: String,
    pub member: String,
    checked: BTreeMap<(String, String), BTreeSet<u16>>,
}

/// Who calls.
#[derive(Clone, Copy)]
pub enum Caller {
    Root,
    Member,
    Nobody,
}

impl Conformance {
    pub fn new(doc: Document, app: TestApp, root: String, member: String) -> Conformance {
        Conformance {
            doc,
            app,
            root,
            member,
            checked: BTreeMap::new(),
        }
    }

    /// Whether an operation needs no token (`security: [{}]`).
    pub fn is_open(&self, method: &str, path: &str) -> bool {
        self.doc.doc["paths"][path][method.to_lowercase()]["security"] == json!([{}])
    }

    /// `call` is `"METHOD /documented/path"`, optionally with a query; each `{…}` of the path
    /// takes the next of `args`. Asserts `status` and the document; the body.
    pub async fn expect(
        &mut self,
        who: Caller,
        call: &str,
        args: &[&str],
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let body = body.map(|b| b.to_string());
        let reply = self.send(who, call, args, body).await;
        assert_eq!(reply.status, status, "{call} {args:?}: {}", reply.text);
        reply.body
    }

    /// Like `expect` with a body that is not JSON at all.
    pub async fn expect_raw(&mut self, who: Caller, call: &str, body: &str, status: u16) {
        self.send(who, call, &[], Some(body.to_owned()))
            .await
            .expect(status);
    }

    async fn send(
        &mut self,
        who: Caller,
        call: &str,
        args: &[&str],
        body: Option<String>,
    ) -> Reply {
        let (method, target) = call.split_once(' ').unwrap();
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let (documented, query) = target.split_once('?').unwrap_or((target, ""));
        let mut url = format!("{}{}", self.app.address, fill(documented, args));
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        let mut req = self.app.client.request(method.clone(), url);
        match who {
            Caller::Root => req = req.bearer_auth(&self.root),
            Caller::Member => req = req.bearer_auth(&self.member),
            Caller::Nobody => {}
        }
        if let Some(body) = &body {
            req = req
                .header("Content-Type", "application/json")
                .body(body.clone());
        }
        let reply = Reply::read(req.send().await.unwrap()).await;
        self.check(method.as_str(), documented, &reply);
        if let (Some(body), true) = (body, (200..300).contains(&reply.status)) {
            self.check_accepted_request(method.as_str(), documented, &body);
        }
        self.checked
            .entry((method.to_string(), documented.to_owned()))
            .or_default()
            .insert(reply.status);
        reply
    }

    fn check(&self, method: &str, documented: &str, reply: &Reply) {
        let place = format!("{method} {documented} -> {}: {}", reply.status, reply.text);
        match self.doc.response(method, documented, reply.status) {
            Err(e) => panic!("{e}; {place}"),
            Ok(Documented::NoBody) => assert!(reply.text.is_empty(), "no body documented: {place}"),
            Ok(Documented::Body {
                content_type,
                schema,
            }) => {
                let sent = reply.header("content-type");
                let sent = sent.split(';').next().unwrap_or_default().trim();
                assert_eq!(sent, content_type, "{place}");
                let body: Value = serde_json::from_str(&reply.text)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {place}"));
                if let Err(errors) = self.doc.validate(&schema, &body) {
                    panic!("the body does not fit the documented schema: {errors:#?}\n{place}");
                }
            }
        }
    }

    /// A request body the service accepted fits the documented request schema.
    fn check_accepted_request(&self, method: &str, documented: &str, body: &str) {
        let place = format!("{method} {documented} accepted {body}");
        let schema = self.doc.request(method, documented);
        let schema = schema.unwrap_or_else(|| panic!("no request body documented: {place}"));
        let body: Value = serde_json::from_str(body).unwrap();
        if let Err(errors) = self.doc.validate(schema, &body) {
            panic!("the request does not fit the documented schema: {errors:#?}\n{place}");
        }
    }

    /// Every documented operation was answered with a success, and each that needs a token
    /// was refused without one.
    pub fn assert_every_operation_checked(&self) {
        let mut missing = Vec::new();
        for (method, path) in self.doc.operations() {
            let key = (method.clone(), path.clone());
            let seen = self.checked.get(&key).cloned().unwrap_or_default();
            if !seen.iter().any(|s| (200..300).contains(s)) {
                missing.push(format!("{method} {path}: no success checked"));
            }
            if !self.is_open(&method, &path) && !seen.contains(&401) {
                missing.push(format!("{method} {path}: no 401 checked"));
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }
}

/// A documented path with each `{…}` replaced by the next argument.
fn fill(template: &str, args: &[&str]) -> String {
    let mut path = String::new();
    let mut rest = template;
    let mut args = args.iter();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').unwrap() + open;
        path.push_str(&rest[..open]);
        path.push_str(args.next().expect("an argument for each placeholder"));
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    path
}
