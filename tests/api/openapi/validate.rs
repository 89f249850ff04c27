//! A small validator for the JSON Schema subset the generated OpenAPI document uses: `$ref`
//! into the document, `type` (one or a list, with `null`), `enum`, `minimum`/`maximum`,
//! `format: date-time`, `properties`/`required`/`additionalProperties`, `items`, `allOf`,
//! `oneOf`, `anyOf`. One rule is stricter than JSON Schema: an object schema that lists its
//! `properties` and says nothing of `additionalProperties` is closed, so a field sent but not
//! documented is a mismatch too (the document must describe everything the service sends).

use std::collections::BTreeSet;

use serde_json::Value;

/// An OpenAPI document to look schemas up in and validate bodies against.
pub struct Document {
    pub doc: Value,
}

/// The documented answer for one status: its content type and schema, or no body.
#[derive(Debug)]
pub enum Documented {
    NoBody,
    Body { content_type: String, schema: Value },
}

impl Document {
    pub fn new(doc: Value) -> Document {
        Document { doc }
    }

    /// Every operation as `(METHOD, path)`.
    pub fn operations(&self) -> BTreeSet<(String, String)> {
        let mut ops = BTreeSet::new();
        for (path, item) in self.doc["paths"].as_object().into_iter().flatten() {
            for method in ["get", "post", "put", "patch", "delete", "head", "options"] {
                if item.get(method).is_some() {
                    ops.insert((method.to_uppercase(), path.clone()));
                }
            }
        }
        ops
    }

    /// What the document says `method path` answers with `status`.
    pub fn response(&self, method: &str, path: &str, status: u16) -> Result<Documented, String> {
        let op = &self.doc["paths"][path][method.to_lowercase()];
        if op.is_null() {
            return Err(format!("{method} {path} is not documented"));
        }
        let response = &op["responses"][status.to_string()];
        if response.is_null() {
            return Err(format!("{method} {path} does not document status {status}"));
        }
        let response = self.resolve(response)?;
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            return Ok(Documented::NoBody);
        };
        match content.iter().next() {
            Some((content_type, media)) if content.len() == 1 => Ok(Documented::Body {
                content_type: content_type.clone(),
                schema: media.get("schema").cloned().unwrap_or(Value::Bool(true)),
            }),
            _ => Err(format!(
                "{method} {path} {status}: expected one content type"
            )),
        }
    }

    /// The documented JSON request body schema of `method path`, if it takes one.
    pub fn request(&self, method: &str, path: &str) -> Option<&Value> {
        let body = &self.doc["paths"][path][method.to_lowercase()]["requestBody"];
        body["content"]["application/json"].get("schema")
    }

    /// Follows `$ref`s (`#/...` JSON pointers into the document) until a value without one.
    fn resolve<'a>(&'a self, mut value: &'a Value) -> Result<&'a Value, String> {
        for _ in 0..32 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Ok(value);
            };
            let pointer = reference
                .strip_prefix('#')
                .ok_or_else(|| format!("only local references are supported: {reference}"))?;
            value = self
                .doc
                .pointer(pointer)
                .ok_or_else(|| format!("dangling reference {reference}"))?;
        }
        Err("reference cycle".into())
    }

    /// Checks `value` against `schema`; every mismatch, each with where it is.
    pub fn validate(&self, schema: &Value, value: &Value) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        self.check(schema, value, "$", true, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn check(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        closed: bool,
        errors: &mut Vec<String>,
    ) {
        let schema = match self.resolve(schema) {
            Ok(s) => s,
            Err(e) => return errors.push(format!("{at}: {e}")),
        };
        let Some(rules) = schema.as_object() else {
            if schema == &Value::Bool(false) {
                errors.push(format!("{at}: no value is allowed here"));
            }
            return;
        };
        if let Some(types) = rules.get("type") {
            let allowed: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if !allowed.iter().any(|t| is_type(value, t)) {
                errors.push(format!("{at}: expected {allowed:?}, got {value}"));
                return;
            }
        }
        if let Some(choices) = rules.get("enum").and_then(Value::as_array) {
            if !choices.contains(value) {
                errors.push(format!("{at}: {value} is not one of {choices:?}"));
            }
        }
        if let Some(n) = value.as_f64() {
            if let Some(min) = rules.get("minimum").and_then(Value::as_f64) {
                if n < min {
                    errors.push(format!("{at}: {n} is below the minimum {min}"));
                }
            }
            if let Some(max) = rules.get("maximum").and_then(Value::as_f64) {
                if n > max {
                    errors.push(format!("{at}: {n} is above the maximum {max}"));
                }
            }
        }
        if rules.get("format").and_then(Value::as_str) == Some("date-time") {
            if let Some(text) = value.as_str() {
                if !is_rfc3339(text) {
                    errors.push(format!("{at}: {text:?} is not an RFC 3339 date-time"));
                }
            }
        }
        if let Some(items) = rules.get("items") {
            for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                self.check(items, item, &format!("{at}[{i}]"), true, errors);
            }
        }
        if let Some(object) = value.as_object() {
            let properties = rules.get("properties").and_then(Value::as_object);
            for name in rules
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = name.as_str() {
                    if !object.contains_key(name) {
                        errors.push(format!("{at}: the required property {name:?} is missing"));
                    }
                }
            }
            for (name, field) in object {
                let place = format!("{at}.{name}");
                match (
                    properties.and_then(|p| p.get(name)),
                    rules.get("additionalProperties"),
                ) {
                    (Some(property), _) => self.check(property, field, &place, true, errors),
                    (None, Some(Value::Bool(false))) => {
                        errors.push(format!("{place}: not a documented property"))
                    }
                    (None, Some(extra)) => self.check(extra, field, &place, true, errors),
                    (None, None) if closed && self.names_properties(schema) => {
                        errors.push(format!("{place}: not a documented property"))
                    }
                    (None, None) => {}
                }
            }
        }
        if let Some(parts) = rules.get("allOf").and_then(Value::as_array) {
            // Each part sees only its own properties: check them open, then the union closed.
            for part in parts {
                self.check(part, value, at, false, errors);
            }
            if let (true, Some(object)) = (closed, value.as_object()) {
                let mut known = BTreeSet::new();
                for part in parts {
                    self.collect_properties(part, &mut known);
                }
                for name in object.keys().filter(|n| !known.contains(*n)) {
                    errors.push(format!("{at}.{name}: not a documented property"));
                }
            }
        }
        for (keyword, one) in [("oneOf", true), ("anyOf", false)] {
            if let Some(branches) = rules.get(keyword).and_then(Value::as_array) {
                let mut failures = Vec::new();
                let fitting = branches
                    .iter()
                    .filter(|b| {
                        let mut e = Vec::new();
                        self.check(b, value, at, closed, &mut e);
                        failures.extend(e.iter().cloned());
                        e.is_empty()
                    })
                    .count();
                if fitting == 0 {
                    errors.push(format!("{at}: fits none of {keyword}: {failures:?}"));
                } else if one && fitting > 1 {
                    errors.push(format!("{at}: fits {fitting} branches of oneOf, not one"));
                }
            }
        }
    }

    /// Whether a schema lists properties (and so is a closed object under our rule).
    fn names_properties(&self, schema: &Value) -> bool {
        schema.get("properties").is_some()
    }

    /// The property names a schema and its `allOf` parts document.
    fn collect_properties(&self, schema: &Value, known: &mut BTreeSet<String>) {
        let Ok(schema) = self.resolve(schema) else {
            return;
        };
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            known.extend(properties.keys().cloned());
        }
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.collect_properties(part, known);
        }
    }
}

fn is_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

/// RFC 3339 §5.6 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; the offset is required.
fn is_rfc3339(text: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn document() -> Document {
        Document::new(json!({
            "components": { "schemas": {
                "Role": {
                    "type": "object",
                    "required": ["id", "holders", "base"],
                    "properties": {
                        "id": { "type": "string" },
                        "holders": { "type": "integer", "minimum": 0 },
                        "base": { "$ref": "#/components/schemas/Base" },
                        "note": { "type": ["string", "null"] },
                        "at": { "type": "string", "format": "date-time" },
                        "permissions": {
                            "type": "object",
                            "additionalProperties": { "type": "boolean" }
                        }
                    }
                },
                "Base": { "type": "string", "enum": ["admin", "member"] },
                "Versioned": {
                    "allOf": [
                        { "$ref": "#/components/schemas/Role" },
                        { "type": "object", "required": ["version"],
                          "properties": { "version": { "type": "integer" } } }
                    ]
                },
                "List": {
                    "type": "object",
                    "required": ["roles"],
                    "properties": { "roles": { "type": "array",
                        "items": { "$ref": "#/components/schemas/Role" } } }
                },
                "Either": { "oneOf": [
                    { "$ref": "#/components/schemas/Role" },
                    { "$ref": "#/components/schemas/List" }
                ] }
            } }
        }))
    }

    fn check(schema: &str, value: Value) -> Result<(), Vec<String>> {
        let doc = document();
        let schema = json!({ "$ref": format!("#/components/schemas/{schema}") });
        doc.validate(&schema, &value)
    }

    fn role() -> Value {
        json!({ "id": "r1", "holders": 2, "base": "admin", "note": null,
                "at": "2026-01-31T12:00:00.123456Z", "permissions": { "ai": true } })
    }

    #[test]
    fn a_body_that_fits_passes() {
        check("Role", role()).unwrap();
        check("List", json!({ "roles": [role()] })).unwrap();
        check(
            "Versioned",
            json!({ "id": "r", "holders": 0, "base": "member", "version": 3 }),
        )
        .unwrap();
        check("Either", json!({ "roles": [] })).unwrap();
    }

    #[test]
    fn a_missing_required_property_fails() {
        let mut body = role();
        body.as_object_mut().unwrap().remove("holders");
        let errors = check("Role", body).unwrap_err();
        assert!(errors[0].contains("\"holders\" is missing"), "{errors:?}");
    }

    #[test]
    fn a_wrong_type_fails_wherever_it_is() {
        let mut body = role();
        body["holders"] = json!("2");
        assert!(check("Role", body).is_err());
        let mut nested = role();
        nested["permissions"]["ai"] = json!("yes");
        let errors = check("List", json!({ "roles": [nested] })).unwrap_err();
        assert!(
            errors[0].starts_with("$.roles[0].permissions.ai"),
            "{errors:?}"
        );
        assert!(check("Role", json!(null)).is_err());
        assert!(check("Role", json!({ "id": 1.5, "holders": 1, "base": "admin" })).is_err());
    }

    #[test]
    fn null_fails_where_the_schema_does_not_allow_it() {
        let mut body = role();
        body["id"] = Value::Null;
        assert!(check("Role", body).is_err());
    }

    #[test]
    fn an_undocumented_property_fails_even_through_all_of() {
        let mut body = role();
        body["secret"] = json!("x");
        let errors = check("Role", body).unwrap_err();
        assert!(
            errors[0].contains("$.secret: not a documented property"),
            "{errors:?}"
        );
        let errors = check(
            "Versioned",
            json!({ "id": "r", "holders": 0, "base": "member", "version": 3, "extra": 1 }),
        )
        .unwrap_err();
        assert_eq!(
            errors,
            vec!["$.extra: not a documented property".to_owned()]
        );
    }

    #[test]
    fn enum_minimum_and_date_time_are_checked() {
        let mut body = role();
        body["base"] = json!("owner");
        assert!(check("Role", body).is_err());
        let mut body = role();
        body["holders"] = json!(-1);
        assert!(check("Role", body).is_err());
        let mut body = role();
        body["at"] = json!("2026-01-31T12:00:00.123456");
        assert!(check("Role", body).is_err(), "a date-time needs its offset");
    }

    #[test]
    fn one_of_needs_exactly_one_branch() {
        assert!(check("Either", json!({ "nothing": true })).is_err());
        // A body that fits both branches would be ambiguous.
        let doc = Document::new(json!({}));
        let schema = json!({ "oneOf": [ { "type": "integer" }, { "type": "number" } ] });
        assert!(doc.validate(&schema, &json!(1)).is_err());
        assert!(doc.validate(&schema, &json!(1.5)).is_ok());
    }
}
