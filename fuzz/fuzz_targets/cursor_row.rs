//! A Cursor `cursorDiskKV` value as it comes out of its SQLite row (JSON text, or anything at all), parsed in
//! memory: as a composer's `composerData` (its bubbles from the fixture database), and as the bubble of each
//! of a fixture composer's headers.
#![no_main]
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use codercrucible::agents::cursor::composer_session;
use codercrucible::agents::vscode::cell_json;
use codercrucible_fuzz::{at, fixture, Discard};
use libfuzzer_sys::fuzz_target;
use rusqlite::types::ValueRef;
use serde_json::Value;

/// The fixture's rows: `composerData:ID` and `bubbleId:ID:BUBBLE` keys to their values.
fn rows() -> &'static HashMap<String, Vec<u8>> {
    static ROWS: OnceLock<HashMap<String, Vec<u8>>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let db = fixture("agents/cursor/home/.config/Cursor/User/globalStorage/state.vscdb");
        let conn =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        let mut st = conn
            .prepare("SELECT key, CAST(value AS BLOB) FROM cursorDiskKV")
            .unwrap();
        let rows = st
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    })
}

/// A split composer of the fixture (its messages are all `bubbleId:` rows).
const SPLIT: &str = "3f9c2e1a-7b4d-4c8e-9a1f-2d6b5e8c0a11";

fuzz_target!(|data: &[u8]| {
    let rows = rows();
    let db = at(".config/Cursor/User/globalStorage/state.vscdb");
    let value = cell_json(ValueRef::Text(data));

    // The extractor skips a composer row that is not an object.
    if let Some(v) = value.as_ref().ok().filter(|v| v.is_object()) {
        let id = v
            .get("composerId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut load = |bubble: &str| match rows.get(&format!("bubbleId:{id}:{bubble}")) {
            Some(b) => cell_json(ValueRef::Text(b)).map(Some),
            None => Ok(None),
        };
        composer_session(v, None, &mut load, &db, &mut Discard::default());
    }

    static COMPOSER: OnceLock<Value> = OnceLock::new();
    let composer = COMPOSER.get_or_init(|| {
        cell_json(ValueRef::Text(&rows[&format!("composerData:{SPLIT}")])).unwrap()
    });
    let mut load = |_: &str| value.clone().map(Some);
    composer_session(
        composer,
        Some("/fuzz".into()),
        &mut load,
        Path::new("fuzz"),
        &mut Discard::default(),
    );
});
