//! A Codex rollout file parsed in memory, as JSONL records and as the TypeScript CLI's JSON file.
#![no_main]
use codercrucible::agents::codex::parse_rollout;
use codercrucible_fuzz::{at, Discard};
use libfuzzer_sys::fuzz_target;

const NAME: &str =
    ".codex/sessions/2025/01/01/rollout-2025-01-01T00-00-00-0f0e0d0c-0b0a-4908-8706-050403020100";

fuzz_target!(|data: &[u8]| {
    parse_rollout(data, &at(&format!("{NAME}.jsonl")), &mut Discard::default());
    parse_rollout(data, &at(&format!("{NAME}.json")), &mut Discard::default());
});
