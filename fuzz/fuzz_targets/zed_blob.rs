//! A Zed thread row's `data` parsed in memory, as a zstd frame (then JSON) and as plain JSON.
#![no_main]
use codercrucible::agents::zed::{thread_session, Row};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for data_type in ["zstd", "json"] {
        let row = Row {
            id: "0f3a5c7e-9b1d-4f2a-8c4e-6a8b0c2d4e01".into(),
            data_type: Some(data_type.into()),
            ..Row::default()
        };
        let _ = thread_session(&row, data);
    }
});
