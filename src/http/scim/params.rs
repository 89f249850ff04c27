//! Request and response plumbing shared by the SCIM endpoints: bounded JSON bodies, list
//! parameters (query string or `.search` body), projection and ETag headers.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::{json, Value};

use super::error::{ScimFailure, SCIM_CONTENT_TYPE};
use crate::config::ScimSettings;
use crate::directory::{etag, ListQuery, ListResult};
use crate::scim::filter::AttrPath;
use crate::scim::projection::{parse_attribute_list, project};
use crate::scim::schema::ResourceTypeDef;
use crate::scim::ScimError;

/// Reads a JSON body of at most `limit` bytes (413 beyond; RFC 7644 §3.12).
pub async fn read_json(mut payload: web::Payload, limit: usize) -> Result<Value, ScimFailure> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ScimError::InvalidSyntax(format!("could not read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ScimError::PayloadTooLarge(format!(
                "the body is larger than {limit} bytes"
            ))
            .into());
        }
        body.extend_from_slice(&chunk);
    }
    if body.is_empty() {
        return Err(ScimError::InvalidSyntax("the request needs a JSON body".into()).into());
    }
    serde_json::from_slice(&body)
        .map_err(|e| ScimError::InvalidSyntax(format!("the body is not valid JSON: {e}")).into())
}

/// Which attributes a response carries (RFC 7644 §3.4.2.5).
#[derive(Debug, Clone, Default)]
pub struct Projection {
    pub attributes: Vec<AttrPath>,
    pub excluded: Vec<AttrPath>,
}

impl Projection {
    pub fn from_request(req: &HttpRequest) -> Result<Projection, ScimFailure> {
        let pairs = query_pairs(req)?;
        Projection::from_values(
            param(&pairs, "attributes"),
            param(&pairs, "excludedAttributes"),
        )
    }

    fn from_values(
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Projection, ScimFailure> {
        let parse = |v: Option<&str>| match v.map(str::trim).filter(|s| !s.is_empty()) {
            Some(list) => parse_attribute_list(list),
            None => Ok(Vec::new()),
        };
        Ok(Projection {
            attributes: parse(attributes)?,
            excluded: parse(excluded)?,
        })
    }

    /// Whether a multi-valued attribute named `name` will be in the response, so it can be
    /// skipped entirely when not (e.g. `excludedAttributes=members`).
    pub fn wants(&self, name: &str) -> bool {
        let named = |paths: &[AttrPath]| paths.iter().any(|p| p.name.eq_ignore_ascii_case(name));
        if !self.attributes.is_empty() {
            named(&self.attributes)
        } else {
            !self
                .excluded
                .iter()
                .any(|p| p.name.eq_ignore_ascii_case(name) && p.sub_attr.is_none())
        }
    }

    pub fn apply(&self, resource: Value, rt: &ResourceTypeDef) -> Value {
        project(resource, rt, &self.attributes, &self.excluded)
    }
}

fn query_pairs(req: &HttpRequest) -> Result<Vec<(String, String)>, ScimFailure> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .map_err(|e| ScimError::InvalidSyntax(format!("malformed query string: {e}")).into())
}

/// A parameter by name, case-insensitively (clients differ on `startindex` vs `startIndex`).
fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// List parameters from a GET query string.
pub fn list_from_query(
    req: &HttpRequest,
    limits: &ScimSettings,
) -> Result<(ListQuery, Projection), ScimFailure> {
    let pairs = query_pairs(req)?;
    let int = |name: &str| -> Result<Option<i64>, ScimFailure> {
        match param(&pairs, name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                ScimError::InvalidValue(format!("{name} must be an integer, not {v:?}")).into()
            }),
        }
    };
    let projection = Projection::from_values(
        param(&pairs, "attributes"),
        param(&pairs, "excludedAttributes"),
    )?;
    let query = bounded(
        param(&pairs, "filter").map(str::to_owned),
        param(&pairs, "sortBy").map(str::to_owned),
        param(&pairs, "sortOrder"),
        int("startIndex")?,
        int("count")?,
        limits,
    )?;
    Ok((query, projection))
}

/// List parameters from a `POST /.search` body (RFC 7644 §3.4.3).
pub fn list_from_search(
    body: &Value,
    limits: &ScimSettings,
) -> Result<(ListQuery, Projection), ScimFailure> {
    const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
    let obj = body
        .as_object()
        .ok_or_else(|| ScimError::InvalidSyntax("a SearchRequest is a JSON object".into()))?;
    let get = |name: &str| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let schemas_ok = get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(SEARCH)));
    if !schemas_ok {
        return Err(ScimError::InvalidSyntax(format!("schemas must contain {SEARCH}")).into());
    }
    let text = |name: &str| -> Result<Option<String>, ScimFailure> {
        match get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Array(items)) => Ok(Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            )),
            Some(_) => Err(ScimError::InvalidValue(format!("{name} must be a string")).into()),
        }
    };
    let int = |name: &str| -> Result<Option<i64>, ScimFailure> {
        match get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| {
                ScimError::InvalidValue(format!("{name} must be an integer")).into()
            }),
        }
    };
    let projection = Projection::from_values(
        text("attributes")?.as_deref(),
        text("excludedAttributes")?.as_deref(),
    )?;
    let sort_order = text("sortOrder")?;
    let query = bounded(
        text("filter")?,
        text("sortBy")?,
        sort_order.as_deref(),
        int("startIndex")?,
        int("count")?,
        limits,
    )?;
    Ok((query, projection))
}

/// Applies the RFC 7644 §3.4.2.4 rules: startIndex < 1 means 1; a negative count means 0; the
/// page is capped at maxResults.
fn bounded(
    filter: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<&str>,
    start_index: Option<i64>,
    count: Option<i64>,
    limits: &ScimSettings,
) -> Result<ListQuery, ScimFailure> {
    let descending = match sort_order.map(str::trim) {
        None | Some("") => false,
        Some(o) if o.eq_ignore_ascii_case("ascending") => false,
        Some(o) if o.eq_ignore_ascii_case("descending") => true,
        Some(o) => {
            return Err(ScimError::InvalidValue(format!(
                "sortOrder must be \"ascending\" or \"descending\", not {o:?}"
            ))
            .into())
        }
    };
    let max = i64::from(limits.max_results);
    Ok(ListQuery {
        filter,
        sort_by,
        descending,
        start_index: start_index.unwrap_or(1).max(1),
        count: count
            .unwrap_or(i64::from(limits.default_count))
            .clamp(0, max),
        with_members: true,
    })
}

/// A single resource response with its ETag (and `Location` on 201).
pub fn resource_response(
    status: StatusCode,
    resource: Value,
    version: i64,
    rt: &ResourceTypeDef,
    projection: &Projection,
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type(SCIM_CONTENT_TYPE)
        .insert_header(("ETag", etag(version)));
    if status == StatusCode::CREATED {
        if let Some(location) = resource.pointer("/meta/location").and_then(Value::as_str) {
            res.insert_header(("Location", location.to_owned()));
        }
    }
    res.body(projection.apply(resource, rt).to_string())
}

/// A ListResponse (RFC 7644 §3.4.2).
pub fn list_response(
    result: ListResult,
    rt: &ResourceTypeDef,
    projection: &Projection,
) -> HttpResponse {
    let resources: Vec<Value> = result
        .resources
        .into_iter()
        .map(|r| projection.apply(r, rt))
        .collect();
    list_of_resources(result.total_results, result.start_index, resources)
}

/// A ListResponse (RFC 7644 §3.4.2) of resources already projected.
pub fn list_of_resources(
    total_results: i64,
    start_index: i64,
    resources: Vec<Value>,
) -> HttpResponse {
    HttpResponse::Ok().content_type(SCIM_CONTENT_TYPE).body(
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": total_results,
            "itemsPerPage": resources.len(),
            "startIndex": start_index,
            "Resources": resources,
        })
        .to_string(),
    )
}

/// Whether `If-None-Match` names the current version (→ 304; RFC 7644 §3.14).
pub fn not_modified(req: &HttpRequest, version: i64) -> bool {
    let current = etag(version);
    req.headers()
        .get("If-None-Match")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',').any(|t| {
                let t = t.trim();
                t == "*" || t.trim_start_matches("W/") == current.trim_start_matches("W/")
            })
        })
}

pub fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("If-Match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
