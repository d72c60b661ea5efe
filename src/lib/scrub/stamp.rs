//! The `meta.scrub` stamp later stages (push) check: which tool and rule set scrubbed the session, with
//! which key, and how much of each kind it replaced.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::finding::Kind;
use super::Scrubber;

pub const TOOL: &str = "cc-scrub";

/// The stamp after this run. A rerun that changes nothing keeps the earlier stamp as it was, so scrubbing
/// scrubbed output is a no-op; otherwise counts add up when the rule set and key are the same.
pub fn stamp(s: &Scrubber, previous: Option<&Value>, counts: &BTreeMap<Kind, u64>) -> Value {
    let total: u64 = counts.values().sum();
    if let Some(prev) = previous.filter(|p| p.get("tool").and_then(Value::as_str) == Some(TOOL)) {
        if total == 0 {
            return prev.clone();
        }
    }
    let same = previous.is_some_and(|p| {
        p.get("rules").and_then(Value::as_str) == Some(s.ruleset_hash())
            && p.get("key").and_then(Value::as_str) == Some(s.key().key_id().as_str())
    });
    let mut merged: Map<String, Value> = Map::new();
    if same {
        if let Some(Value::Object(prev)) = previous.and_then(|p| p.get("counts")) {
            merged = prev.clone();
        }
    }
    for (kind, n) in counts {
        let old = merged
            .get(kind.as_str())
            .and_then(Value::as_u64)
            .unwrap_or(0);
        merged.insert(kind.as_str().to_string(), json!(old + n));
    }
    json!({
        "tool": TOOL,
        "version": env!("CARGO_PKG_VERSION"),
        "rules": s.ruleset_hash(),
        "key": s.key().key_id(),
        "counts": merged,
    })
}
