//! A Cursor `composerData` value as it comes out of the SQLite row (JSON text, or anything at all).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    codercrucible_fuzz::extract_db_value(
        "cursor",
        ".config/Cursor/User/globalStorage/state.vscdb",
        "UPDATE cursorDiskKV SET value = CAST(?1 AS TEXT) WHERE key = \
         (SELECT min(key) FROM cursorDiskKV WHERE key LIKE 'composerData:%')",
        data,
    );
});
