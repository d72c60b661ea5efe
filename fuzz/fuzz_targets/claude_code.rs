//! A Claude Code session file (JSONL records) through the agent's extractor.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    codercrucible_fuzz::extract_file(
        "claude-code",
        ".claude/projects/-home-fuzz-p/0f0e0d0c-0b0a-4908-8706-050403020100.jsonl",
        data,
    );
});
