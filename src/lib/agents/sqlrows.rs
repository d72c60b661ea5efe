//! Rows of an agent's SQLite database as JSON objects keyed by column name, so readers select columns by
//! name (real databases have more columns than any one version we know of) and tolerate missing ones.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Params};
use serde_json::{Map, Value};

use super::sqlite::to_io;

/// Every row of `sql` as a JSON object. Text that holds JSON stays text; callers parse what they need.
pub fn rows(
    conn: &Connection,
    sql: &str,
    params: impl Params,
) -> std::io::Result<Vec<Map<String, Value>>> {
    let mut stmt = conn.prepare(sql).map_err(to_io)?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    let mut rows = stmt.query(params).map_err(to_io)?;
    while let Some(row) = rows.next().map_err(to_io)? {
        let mut obj = Map::new();
        for (i, name) in names.iter().enumerate() {
            let v = match row.get_ref(i).map_err(to_io)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => Value::from(n),
                ValueRef::Real(f) => Value::from(f),
                ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::from(String::from_utf8_lossy(b).into_owned()),
            };
            obj.insert(name.clone(), v);
        }
        out.push(obj);
    }
    Ok(out)
}

/// The column names of `table` (empty when it does not exist).
pub fn columns(conn: &Connection, table: &str) -> Vec<String> {
    let sql = format!("PRAGMA table_info(\"{}\")", table.replace('"', ""));
    rows(conn, &sql, [])
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| r.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// A text column holding JSON, parsed (`Null` when absent or invalid).
pub fn json_col(row: &Map<String, Value>, col: &str) -> Value {
    match row.get(col) {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
        Some(v) => v.clone(),
        None => Value::Null,
    }
}
