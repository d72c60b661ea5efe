//! Validation of sessions against `schema/session-v1.schema.json`, the repository's contract for v1.
//!
//! The schema uses a small, fixed part of JSON Schema (type, required, properties, items, enum, const,
//! minimum, maximum, minLength, local `$ref`). Interpreting that part here, rather than pulling in a general
//! validator with some seventy dependencies, keeps the build lean and lets every message name the field by its
//! path (`messages[3].role`). A keyword outside that part is refused when the schema loads, so the file cannot
//! silently ask for more than is checked.

use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The v1 schema as shipped in the repository.
pub const SCHEMA_V1: &str = include_str!("../../schema/session-v1.schema.json");

const KNOWN_KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "required",
    "properties",
    "items",
    "enum",
    "const",
    "minimum",
    "maximum",
    "minLength",
];

/// One way a value breaks the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Where: `meta.session_id`, `messages[2].annotations.tool_calls[0].name`, or `.` for the whole line.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

pub struct Validator {
    root: Value,
}

impl Validator {
    /// The shipped v1 schema, loaded once.
    pub fn v1() -> &'static Validator {
        static V1: OnceLock<Validator> = OnceLock::new();
        V1.get_or_init(|| Validator::new(SCHEMA_V1).expect("the shipped schema is valid"))
    }

    pub fn new(schema: &str) -> Result<Validator, String> {
        let root: Value = serde_json::from_str(schema).map_err(|e| e.to_string())?;
        check_keywords(&root)?;
        Ok(Validator { root })
    }

    /// Every violation in `value`, in document order.
    pub fn validate(&self, value: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        self.check(&self.root, value, &mut String::new(), &mut out);
        out
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix("#/")
                .and_then(|p| self.root.pointer(&format!("/{p}")))
                .unwrap_or(&Value::Null),
            None => schema,
        }
    }

    fn check(&self, schema: &Value, value: &Value, path: &mut String, out: &mut Vec<Violation>) {
        let schema = self.resolve(schema);
        let Some(s) = schema.as_object() else { return };
        let mut fail = |message: String| {
            out.push(Violation {
                path: if path.is_empty() {
                    ".".into()
                } else {
                    path.clone()
                },
                message,
            })
        };
        if let Some(t) = s.get("type") {
            let allowed: Vec<&str> = match t {
                Value::String(one) => vec![one.as_str()],
                Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if !allowed.iter().any(|a| is_type(value, a)) {
                fail(format!(
                    "expected {}, got {}",
                    allowed.join(" or "),
                    type_name(value)
                ));
                return;
            }
        }
        if let Some(c) = s.get("const") {
            if c != value {
                fail(format!("expected {c}, got {value}"));
            }
        }
        if let Some(Value::Array(options)) = s.get("enum") {
            if !options.contains(value) {
                let names: Vec<String> = options.iter().map(Value::to_string).collect();
                fail(format!("expected one of {}, got {value}", names.join(", ")));
            }
        }
        if let (Some(min), Some(n)) = (s.get("minimum").and_then(Value::as_f64), value.as_f64()) {
            if n < min {
                fail(format!("{n} is below the minimum {min}"));
            }
        }
        if let (Some(max), Some(n)) = (s.get("maximum").and_then(Value::as_f64), value.as_f64()) {
            if n > max {
                fail(format!("{n} is above the maximum {max}"));
            }
        }
        if let (Some(min), Some(text)) =
            (s.get("minLength").and_then(Value::as_u64), value.as_str())
        {
            if (text.chars().count() as u64) < min {
                fail(format!("must have at least {min} characters"));
            }
        }
        if let Value::Object(obj) = value {
            self.check_object(s, obj, path, out);
        }
        if let (Some(items), Value::Array(arr)) = (s.get("items"), value) {
            for (i, item) in arr.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                self.check(items, item, path, out);
                path.truncate(len);
            }
        }
    }

    fn check_object(
        &self,
        s: &Map<String, Value>,
        obj: &Map<String, Value>,
        path: &mut String,
        out: &mut Vec<Violation>,
    ) {
        for req in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = req.as_str() else { continue };
            if !obj.contains_key(name) {
                out.push(Violation {
                    path: join(path, name),
                    message: "required field is missing".into(),
                });
            }
        }
        for (name, sub) in s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(v) = obj.get(name) {
                let len = path.len();
                *path = join(path, name);
                self.check(sub, v, path, out);
                path.truncate(len);
            }
        }
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        _ => false,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Refuses schema keywords this validator does not implement.
fn check_keywords(schema: &Value) -> Result<(), String> {
    let Some(obj) = schema.as_object() else {
        return Ok(());
    };
    for (k, v) in obj {
        if !KNOWN_KEYWORDS.contains(&k.as_str()) {
            return Err(format!("schema keyword {k:?} is not supported"));
        }
        match k.as_str() {
            "properties" | "$defs" => {
                for sub in v.as_object().into_iter().flat_map(|m| m.values()) {
                    check_keywords(sub)?;
                }
            }
            "items" => check_keywords(v)?,
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({"meta": {"source_agent": "codex", "session_id": "s", "project_hash": null, "start_time": 1,
                        "end_time": null, "quality_score": 0.5, "schema_version": "1.0", "unknown": 1},
               "messages": [{"index": 0, "role": "user", "content": "hi", "timestamp": null,
                             "annotations": {"file_refs": [], "tool_calls": [], "thinking": null}}]})
    }

    #[test]
    fn a_valid_session_passes() {
        assert_eq!(Validator::v1().validate(&valid()), vec![]);
    }

    #[test]
    fn violations_name_the_field() {
        let mut v = valid();
        v["meta"]["start_time"] = json!("2024-01-01");
        v["meta"].as_object_mut().unwrap().remove("session_id");
        v["messages"][0]["role"] = json!("tool");
        v["messages"][0]["annotations"]["tool_calls"] =
            json!([{"name": 3, "args": {}, "result": null}]);
        let got: Vec<String> = Validator::v1()
            .validate(&v)
            .iter()
            .map(|x| x.to_string())
            .collect();
        assert_eq!(
            got,
            vec![
                "meta.session_id: required field is missing",
                "meta.start_time: expected integer or null, got string",
                "messages[0].role: expected one of \"system\", \"user\", \"assistant\", got \"tool\"",
                "messages[0].annotations.tool_calls[0].name: expected string, got integer",
            ]
        );
    }

    #[test]
    fn unsupported_keywords_are_refused() {
        assert!(Validator::new(r#"{"type": "object", "patternProperties": {}}"#).is_err());
    }
}
