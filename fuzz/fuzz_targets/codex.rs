//! A Codex rollout file (JSONL records) through the agent's extractor.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    codercrucible_fuzz::extract_file(
        "codex",
        ".codex/sessions/2025/01/01/rollout-2025-01-01T00-00-00-0f0e0d0c-0b0a-4908-8706-050403020100.jsonl",
        data,
    );
});
