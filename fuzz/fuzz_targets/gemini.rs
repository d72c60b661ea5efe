//! Gemini CLI chats: a JSON session file, then the same bytes as a JSONL chat log.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    codercrucible_fuzz::extract_file(
        "gemini",
        ".gemini/tmp/fuzz/chats/session-2025-01-01T00-00-0f0e0d0c.json",
        data,
    );
    codercrucible_fuzz::extract_file(
        "gemini",
        ".gemini/tmp/fuzz/chats/session-2025-01-01T00-00-0f0e0d0c.jsonl",
        data,
    );
});
