//! Replays of what Okta and Microsoft Entra ID really send, run on both backends.
//!
//! Each JSON file under `conformance/okta/` and `conformance/entra/` is one scenario: a list of
//! HTTP steps with the responses the IdP relies on (the format is documented in
//! `conformance/okta/README.md`). For every scenario the runner starts the app on a fresh
//! database, creates an IdP connection through the admin API with the directory's dialect
//! (`okta` or `entra`), and sends each step with that connection's secret. Every response that
//! has a body must be `application/scim+json` and JSON; a 204 must have no body.
//!
//! A failing scenario stops at its first failing step (later steps usually depend on what it
//! captured); the other scenarios still run, and the test fails with a report per failure that
//! shows the scenario, the step, the request sent and the whole response.
//!
//! `GATEHOUSE_REPLAY=text` runs only the scenario files whose path contains `text`.

use crate::common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{spawn_app, Reply, TestApp};
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

/// One scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    /// What the IdP is doing, for people reading the file.
    description: String,
    /// Where the behaviour is documented (free text).
    #[serde(default)]
    source: Option<String>,
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    name: String,
    #[serde(default)]
    note: Option<String>,
    method: String,
    /// Relative to `/scim/v2`, sent exactly as written (already percent-encoded).
    path: String,
    #[serde(default)]
    body: Option<Value>,
    /// Extra or overriding request headers; `null` removes a default one.
    #[serde(default)]
    headers: BTreeMap<String, Option<String>>,
    expect: Expect,
    /// Variable name → JSON pointer into the response body.
    #[serde(default)]
    capture: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    status: u16,
    /// JSON pointer → the exact value found there.
    #[serde(default)]
    json: BTreeMap<String, Value>,
    /// Pointers that must hold a non-empty value (not null, "", [] or {}).
    #[serde(default)]
    present: Vec<String>,
    /// Pointers that must be missing or null.
    #[serde(default)]
    absent: Vec<String>,
    /// Pointer to an array → items each of which some element must match (an object matches when
    /// every key given matches, a nested array when each given element matches some element,
    /// other values when equal). A missing array is empty.
    #[serde(default)]
    contains: BTreeMap<String, Vec<Value>>,
    /// Pointer to an array → items no element may match (same matching as `contains`).
    #[serde(default)]
    excludes: BTreeMap<String, Vec<Value>>,
    /// Pointer to an array → its length (a missing array has length 0).
    #[serde(default)]
    length: BTreeMap<String, usize>,
    /// Response header (any case) → the text its value must start with.
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

type Vars = BTreeMap<String, Value>;

fn conformance_dir(idp: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("conformance")
        .join(idp)
}

/// The scenario files of one IdP, in name order, narrowed by `GATEHOUSE_REPLAY`.
fn scenario_files(idp: &str) -> Vec<PathBuf> {
    let dir = conformance_dir(idp);
    let only = std::env::var("GATEHOUSE_REPLAY").unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| only.is_empty() || p.to_string_lossy().contains(&only))
        .collect();
    files.sort();
    files
}

fn load(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not a valid scenario: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// `${var}` substitution
// ---------------------------------------------------------------------------------------------

fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn subst_str(text: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unterminated ${{ in {text:?}"))?;
        let name = &after[..end];
        let value = vars
            .get(name)
            .ok_or_else(|| format!("undefined variable ${{{name}}} in {text:?}"))?;
        out.push_str(&render(value));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Substitutes inside every string (and object key); a string that is exactly `${var}` becomes
/// the captured value itself, whatever its JSON type.
fn subst(value: &Value, vars: &Vars) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                if !name.contains('}') && !name.contains("${") {
                    return vars
                        .get(name)
                        .cloned()
                        .ok_or_else(|| format!("undefined variable ${{{name}}}"));
                }
            }
            Value::String(subst_str(s, vars)?)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| subst(v, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                out.insert(subst_str(k, vars)?, subst(v, vars)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// `expected` matches `actual`: an object when every expected key matches, an array when each
/// expected element matches some actual element, any other value when equal.
fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av))),
        (Value::Array(e), Value::Array(a)) => e.iter().all(|ev| a.iter().any(|av| matches(ev, av))),
        _ => expected == actual,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// The array at `pointer`; missing or null is empty.
fn array_at<'a>(body: &'a Value, pointer: &str) -> Result<&'a [Value], String> {
    match body.pointer(pointer) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("{pointer}: expected an array, found {other}")),
    }
}

fn check(expect: &Expect, reply: &Reply, vars: &Vars) -> Vec<String> {
    let mut failures = Vec::new();
    let mut fail = |msg: String| failures.push(msg);
    if reply.status != expect.status {
        fail(format!(
            "status: expected {}, got {}",
            expect.status, reply.status
        ));
    }
    // What both IdPs need from every response.
    let content_type = reply.header("content-type");
    if reply.text.is_empty() {
        if reply.status != 204 {
            fail(format!("a {} response without a body", reply.status));
        }
    } else {
        if reply.status == 204 {
            fail("a 204 response with a body".into());
        }
        if !content_type.starts_with("application/scim+json") {
            fail(format!(
                "content-type: expected application/scim+json, got {content_type:?}"
            ));
        }
        if reply.body.is_string() && serde_json::from_str::<Value>(&reply.text).is_err() {
            fail("the body is not JSON".into());
        }
    }
    let body = &reply.body;
    let sub = |v: &Value| subst(v, vars);
    let sub_ptr = |p: &str| subst_str(p, vars);

    for (pointer, expected) in &expect.json {
        let (pointer, expected) = match (sub_ptr(pointer), sub(expected)) {
            (Ok(p), Ok(e)) => (p, e),
            (Err(e), _) | (_, Err(e)) => {
                fail(e);
                continue;
            }
        };
        match body.pointer(&pointer) {
            Some(actual) if *actual == expected => {}
            Some(actual) => fail(format!("{pointer}: expected {expected}, got {actual}")),
            None => fail(format!("{pointer}: expected {expected}, but it is missing")),
        }
    }
    for pointer in &expect.present {
        match sub_ptr(pointer) {
            Ok(pointer) => match body.pointer(&pointer) {
                Some(v) if !is_empty(v) => {}
                Some(v) => fail(format!("{pointer}: expected a value, got {v}")),
                None => fail(format!("{pointer}: expected a value, but it is missing")),
            },
            Err(e) => fail(e),
        }
    }
    for pointer in &expect.absent {
        match sub_ptr(pointer) {
            Ok(pointer) => match body.pointer(&pointer) {
                None | Some(Value::Null) => {}
                Some(v) => fail(format!("{pointer}: expected no value, got {v}")),
            },
            Err(e) => fail(e),
        }
    }
    for (pointer, wanted) in &expect.contains {
        let pointer = match sub_ptr(pointer) {
            Ok(p) => p,
            Err(e) => {
                fail(e);
                continue;
            }
        };
        match array_at(body, &pointer) {
            Ok(items) => {
                for w in wanted {
                    match sub(w) {
                        Ok(w) if items.iter().any(|i| matches(&w, i)) => {}
                        Ok(w) => fail(format!(
                            "{pointer}: no element matches {w}; elements: {}",
                            Value::Array(items.to_vec())
                        )),
                        Err(e) => fail(e),
                    }
                }
            }
            Err(e) => fail(e),
        }
    }
    for (pointer, unwanted) in &expect.excludes {
        let pointer = match sub_ptr(pointer) {
            Ok(p) => p,
            Err(e) => {
                fail(e);
                continue;
            }
        };
        match array_at(body, &pointer) {
            Ok(items) => {
                for u in unwanted {
                    match sub(u) {
                        Ok(u) => {
                            if let Some(hit) = items.iter().find(|i| matches(&u, i)) {
                                fail(format!("{pointer}: an element matches {u}: {hit}"));
                            }
                        }
                        Err(e) => fail(e),
                    }
                }
            }
            Err(e) => fail(e),
        }
    }
    for (pointer, len) in &expect.length {
        let pointer = match sub_ptr(pointer) {
            Ok(p) => p,
            Err(e) => {
                fail(e);
                continue;
            }
        };
        match array_at(body, &pointer) {
            Ok(items) if items.len() == *len => {}
            Ok(items) => fail(format!(
                "{pointer}: expected {len} elements, got {}",
                items.len()
            )),
            Err(e) => fail(e),
        }
    }
    for (name, prefix) in &expect.headers {
        let actual = reply.header(name);
        if !actual.starts_with(prefix.as_str()) {
            fail(format!(
                "header {name}: expected a value starting with {prefix:?}, got {actual:?}"
            ));
        }
    }
    failures
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

/// The request a step sends, after substitution (kept for the failure report).
struct Sent {
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

fn build(app: &TestApp, secret: &str, step: &Step, vars: &Vars) -> Result<Sent, String> {
    let method = Method::from_bytes(step.method.as_bytes())
        .map_err(|_| format!("bad method {:?}", step.method))?;
    let url = format!("{}{}", app.scim, subst_str(&step.path, vars)?);
    let body = match &step.body {
        Some(b) => Some(subst(b, vars)?.to_string()),
        None => None,
    };
    // Both IdPs send JSON bodies as `application/json`.
    let mut headers: Vec<(String, String)> =
        vec![("Authorization".into(), format!("Bearer {secret}"))];
    if body.is_some() {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    for (name, value) in &step.headers {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        if let Some(value) = value {
            headers.push((name.clone(), subst_str(value, vars)?));
        }
    }
    Ok(Sent {
        method,
        url,
        headers,
        body,
    })
}

async fn send(app: &TestApp, sent: &Sent) -> Reply {
    let mut req = app.client.request(sent.method.clone(), &sent.url);
    for (name, value) in &sent.headers {
        req = req.header(name.as_str(), value.as_str());
    }
    if let Some(body) = &sent.body {
        req = req.body(body.clone());
    }
    Reply::read(req.send().await.expect("request sent")).await
}

fn pretty(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_owned())
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[allow(clippy::too_many_arguments)]
fn report(
    file: &Path,
    index: usize,
    total: usize,
    step: &Step,
    secret: &str,
    sent: Option<&Sent>,
    reply: Option<&Reply>,
    failures: &[String],
    vars: &Vars,
) -> String {
    let mut out = String::new();
    let rel = file
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(file)
        .display();
    let _ = writeln!(
        out,
        "scenario {rel}, step {}/{total} {:?}",
        index + 1,
        step.name
    );
    if let Some(note) = &step.note {
        let _ = writeln!(out, "  note: {note}");
    }
    let _ = writeln!(out, "  failed:");
    for f in failures {
        let _ = writeln!(out, "    - {f}");
    }
    if let Some(sent) = sent {
        let _ = writeln!(out, "  request: {} {}", sent.method, sent.url);
        for (name, value) in &sent.headers {
            let shown = value.replace(secret, "<connection secret>");
            let _ = writeln!(out, "    {name}: {shown}");
        }
        if let Some(body) = &sent.body {
            let _ = writeln!(out, "{}", indent(&pretty(body), "    "));
        }
    }
    if let Some(reply) = reply {
        let _ = writeln!(out, "  response: {}", reply.status);
        for (name, value) in &reply.headers {
            let _ = writeln!(out, "    {name}: {}", value.to_str().unwrap_or("<binary>"));
        }
        if !reply.text.is_empty() {
            let _ = writeln!(out, "{}", indent(&pretty(&reply.text), "    "));
        }
    }
    if !vars.is_empty() {
        let _ = writeln!(out, "  variables: {}", serde_json::to_string(vars).unwrap());
    }
    out
}

/// Runs one scenario on a fresh app; `Ok(steps)` or the report of the failing step.
async fn run_scenario(idp: &str, file: &Path) -> Result<usize, String> {
    let scenario = load(file);
    assert!(
        !scenario.description.trim().is_empty(),
        "{} needs a description",
        file.display()
    );
    let _ = &scenario.source;
    let app = spawn_app().await;
    let connection = app
        .create_idp_connection(&format!("{idp} replay"), idp)
        .await;
    let secret = connection.secret;
    let mut vars = Vars::new();
    let total = scenario.steps.len();
    for (index, step) in scenario.steps.iter().enumerate() {
        let sent = match build(&app, &secret, step, &vars) {
            Ok(sent) => sent,
            Err(e) => {
                return Err(report(
                    file,
                    index,
                    total,
                    step,
                    &secret,
                    None,
                    None,
                    &[e],
                    &vars,
                ))
            }
        };
        let reply = send(&app, &sent).await;
        let mut failures = check(&step.expect, &reply, &vars);
        if failures.is_empty() {
            for (name, pointer) in &step.capture {
                match reply.body.pointer(pointer) {
                    Some(v) if !v.is_null() => {
                        vars.insert(name.clone(), v.clone());
                    }
                    _ => failures.push(format!("capture {name}: nothing at {pointer}")),
                }
            }
        }
        if !failures.is_empty() {
            return Err(report(
                file,
                index,
                total,
                step,
                &secret,
                Some(&sent),
                Some(&reply),
                &failures,
                &vars,
            ));
        }
    }
    Ok(total)
}

/// Runs every scenario of one IdP; fails with every failing scenario's report.
async fn run_all(idp: &str) {
    let files = scenario_files(idp);
    let filtered = std::env::var("GATEHOUSE_REPLAY").is_ok_and(|s| !s.is_empty());
    assert!(
        filtered || !files.is_empty(),
        "no scenarios in {}",
        conformance_dir(idp).display()
    );
    let backend = if common::mysql_base_url().is_some() {
        "MariaDB/MySQL"
    } else {
        "SQLite"
    };
    let mut summary = Vec::new();
    let mut reports = Vec::new();
    let (mut passed_steps, mut passed_scenarios) = (0, 0);
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        match run_scenario(idp, file).await {
            Ok(steps) => {
                passed_steps += steps;
                passed_scenarios += 1;
                summary.push(format!("  ok      {name} ({steps} steps)"));
            }
            Err(report) => {
                summary.push(format!("  FAILED  {name}"));
                reports.push(report);
            }
        }
    }
    eprintln!(
        "{idp} replays on {backend}: {passed_scenarios}/{} scenarios, {passed_steps} steps passed\n{}",
        files.len(),
        summary.join("\n")
    );
    if !reports.is_empty() {
        panic!(
            "{} of {} {idp} scenarios failed on {backend}:\n{}\n\n{}",
            reports.len(),
            files.len(),
            summary.join("\n"),
            reports.join("\n")
        );
    }
}

#[actix_web::test]
async fn okta_replays() {
    run_all("okta").await;
}

#[actix_web::test]
async fn entra_replays() {
    run_all("entra").await;
}

#[test]
fn substitution_keeps_the_type_of_a_whole_variable_and_interpolates_inside_text() {
    let mut vars = Vars::new();
    vars.insert("id".into(), Value::String("u-1".into()));
    vars.insert("n".into(), Value::from(3));
    let out = subst(
        &serde_json::json!({ "a": "${n}", "b": "members[value eq \"${id}\"]", "${id}": true }),
        &vars,
    )
    .unwrap();
    assert_eq!(
        out,
        serde_json::json!({ "a": 3, "b": "members[value eq \"u-1\"]", "u-1": true })
    );
    assert!(subst_str("${missing}", &vars).is_err());
}

#[test]
fn partial_matching_and_the_checks_report_what_differs() {
    let actual = serde_json::json!({ "name": "manager", "type": "complex",
        "subAttributes": [{ "name": "value", "type": "string" }, { "name": "$ref" }] });
    assert!(matches(
        &serde_json::json!({ "name": "manager", "subAttributes": [{ "name": "value" }] }),
        &actual
    ));
    assert!(!matches(
        &serde_json::json!({ "subAttributes": [{ "name": "display" }] }),
        &actual
    ));
    let expect: Expect = serde_json::from_value(serde_json::json!({
        "status": 200,
        "json": { "/a": 1 },
        "present": ["/b"],
        "absent": ["/c"],
        "contains": { "/d": [{ "value": "x" }] },
        "excludes": { "/d": [{ "value": "y" }] },
        "length": { "/d": 2 },
    }))
    .unwrap();
    let reply = |status: u16, body: Value| Reply {
        status,
        headers: {
            let mut h = reqwest::header::HeaderMap::new();
            h.insert("content-type", "application/scim+json".parse().unwrap());
            h
        },
        text: body.to_string(),
        body,
    };
    let good = reply(
        200,
        serde_json::json!({ "a": 1, "b": "v", "d": [{ "value": "x" }, { "value": "z" }] }),
    );
    assert!(check(&expect, &good, &Vars::new()).is_empty());
    let bad = reply(
        201,
        serde_json::json!({ "a": 2, "b": "", "c": 0, "d": [{ "value": "y" }] }),
    );
    assert_eq!(
        check(&expect, &bad, &Vars::new()).len(),
        7,
        "{:?}",
        check(&expect, &bad, &Vars::new())
    );
}

#[test]
fn every_scenario_file_parses() {
    for idp in ["okta", "entra"] {
        for file in scenario_files(idp) {
            let scenario = load(&file);
            assert!(
                !scenario.steps.is_empty(),
                "{} has no steps",
                file.display()
            );
        }
    }
}
