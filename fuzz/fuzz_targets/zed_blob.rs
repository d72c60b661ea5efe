//! A Zed thread row's `data`, decoded as a zstd frame (then JSON).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    codercrucible_fuzz::extract_db_value(
        "zed",
        ".local/share/zed/threads/threads.db",
        "UPDATE threads SET data = ?1, data_type = 'zstd' WHERE id = (SELECT min(id) FROM threads)",
        data,
    );
});
