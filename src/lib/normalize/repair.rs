//! Lenient repairs on the raw JSON of a session, before it is read as a typed [`Session`].
//!
//! Producers get small things wrong in predictable ways: times as ISO strings or milliseconds, a role spelled
//! `human`, content as a list of parts, an `index` missing. These are fixed here, where the shape is still
//! loose; anything that cannot be fixed is left for the typed parse to reject with a message naming the field.
//!
//! [`Session`]: crate::schema::Session

use serde_json::{Map, Value};

use crate::schema::{Message, Session, SCHEMA_VERSION};

/// Applies every repair to the raw JSON in place; [`repair_typed`] finishes the job on the typed session.
pub fn repair(session: &mut Value) {
    let Some(obj) = session.as_object_mut() else {
        return;
    };
    if let Some(meta) = obj.get_mut("meta").and_then(Value::as_object_mut) {
        repair_meta(meta);
    }
    if let Some(messages) = obj.get_mut("messages").and_then(Value::as_array_mut) {
        for m in messages.iter_mut().filter_map(Value::as_object_mut) {
            repair_message(m);
        }
        fill_indices(messages);
    }
}

/// Makes every message carry an `index` without inventing an order: none given becomes all 0 (no order, see
/// [`put_in_order`]); some given becomes the array position (the array's order is all we know).
fn fill_indices(messages: &mut [Value]) {
    let given = messages.iter().filter(|m| m["index"].is_u64()).count();
    if given == messages.len() {
        return;
    }
    for (i, m) in messages.iter_mut().enumerate() {
        if let Some(o) = m.as_object_mut() {
            o.insert("index".into(), Value::from(if given == 0 { 0 } else { i }));
        }
    }
}

/// Fixes what a well-typed session can still get wrong: times in milliseconds (or finer), and order.
///
/// Messages are ordered by the producer's `index` when it gave distinct ones; when it gave them all the same
/// (no order recorded) and every message has a time, by time; otherwise the array's order stands. Then they
/// are numbered from 0.
pub fn repair_typed(s: &mut Session) {
    for t in [&mut s.meta.start_time, &mut s.meta.end_time]
        .into_iter()
        .chain(s.messages.iter_mut().map(|m| &mut m.timestamp))
    {
        if let Some(v) = *t {
            if v >= 100_000_000_000 {
                *t = crate::time::from_epoch_number(v as f64);
            }
        }
    }
    put_in_order(&mut s.messages);
}

fn put_in_order(messages: &mut [Message]) {
    let mut distinct: Vec<u64> = messages.iter().map(|m| m.index).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() == messages.len() {
        messages.sort_by_key(|m| m.index);
    } else if distinct.len() == 1 && messages.iter().all(|m| m.timestamp.is_some()) {
        messages.sort_by_key(|m| m.timestamp);
    }
    for (i, m) in messages.iter_mut().enumerate() {
        m.index = i as u64;
    }
}

fn repair_meta(meta: &mut Map<String, Value>) {
    for key in ["start_time", "end_time"] {
        coerce_time(meta, key);
    }
    for key in ["session_id", "parent_session_id"] {
        if let Some(v @ Value::Number(_)) = meta.get_mut(key) {
            *v = Value::String(v.to_string());
        }
    }
    if !meta.contains_key("schema_version") {
        meta.insert("schema_version".into(), SCHEMA_VERSION.into());
    }
}

fn repair_message(m: &mut Map<String, Value>) {
    coerce_time(m, "timestamp");
    if let Some(Value::String(role)) = m.get_mut("role") {
        if let Some(canonical) = canonical_role(role) {
            if role != canonical {
                *role = canonical.to_string();
            }
        }
    }
    match m.get_mut("content") {
        Some(v @ Value::Null) => *v = Value::String(String::new()),
        Some(v @ Value::Array(_)) => *v = Value::String(text_of_parts(v)),
        _ => {}
    }
    match m.get_mut("annotations") {
        None | Some(Value::Null) => {
            m.insert("annotations".into(), Value::Object(Map::new()));
        }
        Some(Value::Object(ann)) => {
            for key in ["file_refs", "tool_calls"] {
                if ann.get(key).is_some_and(Value::is_null) {
                    ann.insert(key.into(), Value::Array(Vec::new()));
                }
            }
            if let Some(calls) = ann.get_mut("tool_calls").and_then(Value::as_array_mut) {
                for call in calls.iter_mut().filter_map(Value::as_object_mut) {
                    repair_tool_call(call);
                }
            }
        }
        Some(_) => {}
    }
}

fn repair_tool_call(call: &mut Map<String, Value>) {
    // A structured result is kept as its JSON text: the schema's result is text.
    if let Some(v) = call.get_mut("result") {
        if !matches!(v, Value::String(_) | Value::Null) {
            *v = Value::String(v.to_string());
        }
    }
    if let Some(v @ Value::Number(_)) = call.get_mut("id") {
        *v = Value::String(v.to_string());
    }
}

/// The schema's role for a producer's spelling of it.
pub fn canonical_role(role: &str) -> Option<&'static str> {
    Some(match role.to_ascii_lowercase().as_str() {
        "user" | "human" | "prompter" => "user",
        "assistant" | "gpt" | "model" | "bot" | "ai" | "chatbot" => "assistant",
        "system" | "developer" => "system",
        _ => return None,
    })
}

/// The text of a content given as a list of parts (`[{"type": "text", "text": ...}]` or plain strings).
pub fn text_of_parts(parts: &Value) -> String {
    let mut out = String::new();
    for p in parts.as_array().into_iter().flatten() {
        let text = match p {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o
                .get("text")
                .or_else(|| o.get("content"))
                .and_then(Value::as_str),
            _ => None,
        };
        if let Some(t) = text {
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(t);
        }
    }
    out
}

fn coerce_time(obj: &mut Map<String, Value>, key: &str) {
    let Some(v) = obj.get_mut(key) else { return };
    if v.is_null() || v.as_i64().is_some_and(|n| n < 100_000_000_000) {
        return;
    }
    *v = crate::time::from_value(v).map_or(Value::Null, Value::from);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_roles_and_content_parts_are_brought_to_v1() {
        let mut s = json!({
            "meta": {"source_agent": "x", "session_id": 42, "start_time": "2023-11-14T22:13:20Z",
                     "end_time": 1_700_000_100_000u64},
            "messages": [{"role": "human", "content": [{"type": "text", "text": "a"}, "b"],
                          "timestamp": "2023-11-14T22:13:20.9Z", "annotations": null},
                         {"role": "gpt", "content": null,
                          "annotations": {"tool_calls": [{"name": "t", "result": {"ok": true}}]}}]
        });
        repair(&mut s);
        assert_eq!(s["meta"]["session_id"], "42");
        assert_eq!(s["meta"]["start_time"], 1_700_000_000);
        assert_eq!(s["meta"]["end_time"], 1_700_000_100);
        assert_eq!(s["meta"]["schema_version"], "1.0");
        assert_eq!(s["messages"][0]["role"], "user");
        assert_eq!(s["messages"][0]["content"], "a\n\nb");
        assert_eq!(s["messages"][0]["timestamp"], 1_700_000_000);
        assert_eq!(s["messages"][1]["role"], "assistant");
        assert_eq!(s["messages"][1]["content"], "");
        assert_eq!(
            s["messages"][1]["annotations"]["tool_calls"][0]["result"],
            "{\"ok\":true}"
        );
    }

    fn repaired(mut v: Value) -> Value {
        repair(&mut v);
        v["meta"] = json!({"source_agent": "t", "session_id": "1", "schema_version": "1.0"});
        let mut s: Session = serde_json::from_value(v).unwrap();
        repair_typed(&mut s);
        serde_json::to_value(s).unwrap()
    }

    #[test]
    fn order_comes_from_distinct_indices_else_from_times_when_no_index_was_given() {
        let by_index = repaired(json!({"messages": [
            {"index": 5, "role": "user", "timestamp": 1}, {"index": 2, "role": "assistant", "timestamp": 9}]}));
        assert_eq!(by_index["messages"][0]["role"], "assistant");
        assert_eq!(by_index["messages"][0]["index"], 0);
        assert_eq!(by_index["messages"][1]["index"], 1);

        let by_time = repaired(json!({"messages": [
            {"role": "assistant", "timestamp": 9}, {"role": "user", "timestamp": 1}]}));
        assert_eq!(by_time["messages"][0]["role"], "user");

        let kept = repaired(json!({"messages": [
            {"index": 0, "role": "assistant", "timestamp": 9}, {"role": "user", "timestamp": 1}]}));
        assert_eq!(kept["messages"][0]["role"], "assistant");
    }

    #[test]
    fn an_unparseable_time_becomes_null_rather_than_a_wrong_one() {
        let mut s = json!({"meta": {"start_time": "last tuesday"}, "messages": []});
        repair(&mut s);
        assert!(s["meta"]["start_time"].is_null());
    }
}
